from odoo.tests import tagged

from .common import ReimbursementCommon

REPORT = "reimbursement_addon.action_report_reimbursement"


@tagged("post_install", "-at_install")
class TestReimbursementReport(ReimbursementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A configured company: printing does not open the layout configurator.
        cls.company.external_report_layout_id = cls.env.ref("web.external_layout_standard")
        cls.alpha = cls._customer("Alpha Refunds AS")
        cls.beta = cls._customer("Beta Kreditt AS")
        cls._credit_note(cls.alpha, 250.0)
        cls._credit_note(cls.beta, 80.0)
        cls._credit_note(cls.beta, 120.0, currency=cls.eur)
        action = (
            cls.env["account.reimbursement.wizard"]
            .create({"date": cls.run_date, "partner_domain": str([("id", "in", (cls.alpha + cls.beta).ids)])})
            .action_reimburse()
        )
        cls.reimbursement = cls.env["account.reimbursement"].browse(action["res_id"])

    def _html(self, lines, data=None, lang=None):
        report = self.env["ir.actions.report"].with_context(lang=lang) if lang else self.env["ir.actions.report"]
        html, report_type = report._render_qweb_html(REPORT, lines.ids, data=data)
        self.assertEqual(report_type, "html")
        return html.decode()

    def test_run_report_lists_customers_bills_and_totals(self):
        html = self._html(self.reimbursement.line_ids)

        self.assertIn("Reimbursement report", html)
        self.assertIn(self.reimbursement.name, html)
        for line in self.reimbursement.line_ids:
            self.assertIn(line.customer_id.name, html)
            self.assertIn(line.bill_id.name, html)
        # Totals per currency: 330.00 USD (250 + 80) and 120.00 EUR.
        self.assertIn("330.00", html)
        self.assertIn("120.00", html)
        self.assertIn("Total per currency", html)
        self.assertIn("Not Paid", html)

    def test_print_from_run(self):
        action = self.reimbursement.action_print()
        self.assertEqual(action["report_name"], "reimbursement_addon.report_reimbursement")
        self.assertEqual(action["context"]["active_ids"], self.reimbursement.line_ids.ids)

    def test_report_is_a_pdf(self):
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(REPORT, self.reimbursement.line_ids.ids)
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_report_wizard_filters_period_and_customers(self):
        wizard = self.env["account.reimbursement.report.wizard"].create(
            {"date_from": "2019-06-01", "date_to": "2019-06-30", "partner_ids": [(6, 0, self.alpha.ids)]}
        )
        action = wizard.action_print()

        html = self._html(self.env["account.reimbursement.line"], data=action["data"])
        self.assertIn("Alpha Refunds AS", html)
        self.assertNotIn("Beta Kreditt AS", html)
        self.assertIn("2019-06-01", html)

        outside = self.env["account.reimbursement.report.wizard"].create(
            {"date_from": "2019-07-01", "date_to": "2019-07-31"}
        )
        html = self._html(self.env["account.reimbursement.line"], data=outside.action_print()["data"])
        self.assertIn("No reimbursement matches.", html)

    def test_report_in_norwegian(self):
        self.env["res.lang"]._activate_lang("nb_NO")
        self.env["ir.module.module"]._load_module_terms(["reimbursement_addon"], ["nb_NO"], overwrite=True)

        html = self._html(self.reimbursement.line_ids, lang="nb_NO")

        self.assertIn("Refusjon-rapporten", html)
        self.assertIn("Kunde", html)
        self.assertIn("Leverandørfaktura", html)
        self.assertIn("Summer kunde", html)
        self.assertNotIn("Reimbursement report", html)
