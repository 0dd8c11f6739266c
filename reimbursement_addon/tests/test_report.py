import io
import json

from PyPDF2 import PdfReader

from odoo.tests import HttpCase, tagged

from . import series as test_series
from .common import ReimbursementCommon

REPORT = "reimbursement_addon.action_report_reimbursement"
RUN_REPORT = "reimbursement_addon.action_report_reimbursement_run"


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

    def setUp(self):
        super().setUp()
        # wkhtmltopdf fetches the report's assets from the server.
        test_series.lend_registry_lock(self)

    def _html(self, records, data=None, lang=None, report=REPORT):
        reports = self.env["ir.actions.report"].with_context(lang=lang) if lang else self.env["ir.actions.report"]
        html, report_type = reports._render_qweb_html(report, records.ids, data=data)
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
        self.assertEqual(action["report_name"], "reimbursement_addon.report_reimbursement_run")
        self.assertEqual(action["context"]["active_ids"], self.reimbursement.ids)
        html = self._html(self.reimbursement, report=RUN_REPORT)
        for line in self.reimbursement.line_ids:
            self.assertIn(line.bill_id.name, html)
        self.assertIn("330.00", html)
        self.assertNotIn("PROOF - NOT POSTED", html)

    def _proposal(self, customers):
        wizard = self.env["account.reimbursement.wizard"].create(
            {"date": self.run_date, "partner_domain": str([("id", "in", customers.ids)])}
        )
        return self.env["account.reimbursement"].browse(wizard.action_propose()["res_id"])

    def test_draft_run_prints_as_a_proof_on_every_page(self):
        customers = self.env["res.partner"]
        for index in range(60):
            customer = self._customer(f"Proof Customer {index:02d}")
            self._credit_note(customer, 10.0 + index)
            customers |= customer
        proposal = self._proposal(customers)
        self.assertEqual(proposal.state, "draft")

        html = self._html(proposal, report=RUN_REPORT)
        self.assertIn("PROOF - NOT POSTED", html)
        self.assertIn("(proof)", html)
        # The totals posting would make: 60 credits of 10.00 to 69.00.
        self.assertIn("2,370.00", html)

        pdf, _report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(RUN_REPORT, proposal.ids)
        )
        pages = PdfReader(io.BytesIO(pdf)).pages
        self.assertGreater(len(pages), 1)
        self.assertIn("PROOF - NOT POSTED", " ".join(pages[0].extract_text().split()))
        # Every line, on every page, says it is not posted.
        for page in pages:
            text = " ".join(page.extract_text().split())
            self.assertIn("not posted", text)
            self.assertEqual(text.count("Proof Customer"), text.count("Proof, not posted"))

    def test_several_runs_at_once(self):
        other = self._customer("Gamma Second Run")
        self._credit_note(other, 45.0)
        proposal = self._proposal(other)

        html = self._html(self.reimbursement + proposal, report=RUN_REPORT)

        self.assertIn(self.reimbursement.name, html)
        self.assertIn(proposal.name, html)
        self.assertIn("Gamma Second Run", html)
        # 330.00 posted and 45.00 proposed.
        self.assertIn("375.00", html)

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
        # The period's dates as the rows' dates: in the reader's format.
        self.assertIn("from 06/01/2019 to 06/30/2019", html)
        self.assertIn("06/15/2019", html)
        self.assertNotIn("2019-06", html)

        outside = self.env["account.reimbursement.report.wizard"].create(
            {"date_from": "2019-07-01", "date_to": "2019-07-31"}
        )
        html = self._html(self.env["account.reimbursement.line"], data=outside.action_print()["data"])
        self.assertIn("No reimbursement matches.", html)

    def _norwegian(self):
        self.env["res.lang"]._activate_lang("nb_NO")
        self.env["ir.module.module"]._load_module_terms(["reimbursement_addon"], ["nb_NO"], overwrite=True)

    def test_report_in_norwegian(self):
        self._norwegian()

        html = self._html(self.reimbursement.line_ids, lang="nb_NO")

        self.assertIn("Refusjonsrapport", html)
        self.assertNotIn("Refusjon-rapport", html)
        self.assertIn("Kunde", html)
        self.assertIn("Leverandørfaktura", html)
        self.assertIn("Samle per kunde", html)
        self.assertNotIn("Reimbursement report", html)
        self.assertIn("15.06.2019", html)

    def test_period_report_in_norwegian_dates(self):
        self._norwegian()
        wizard = (
            self.env["account.reimbursement.report.wizard"]
            .with_context(lang="nb_NO")
            .create({"date_from": "2019-06-01", "date_to": "2019-06-30"})
        )

        html = self._html(self.env["account.reimbursement.line"], data=wizard.action_print()["data"], lang="nb_NO")

        self.assertIn("fra 01.06.2019 til 30.06.2019", html)
        self.assertIn("15.06.2019", html)
        self.assertNotIn("2019-06", html)

    def test_pdf_file_names(self):
        """The downloaded file is named as the report, in the user's language."""
        self._norwegian()
        customer = self._customer("Named File AS")
        self._credit_note(customer, 15.0)
        proposal = self._proposal(customer)
        report = self.env.ref(RUN_REPORT)

        self.assertEqual(report.print_report_name, "(object._get_report_base_filename())")
        self.assertEqual(
            self.reimbursement._get_report_base_filename(), f"Reimbursement report - {self.reimbursement.name}"
        )
        norwegian = self.reimbursement.with_context(lang="nb_NO")
        self.assertEqual(norwegian._get_report_base_filename(), f"Refusjonsrapport - {self.reimbursement.name}")
        self.assertEqual(report.with_context(lang="nb_NO").name, "Refusjonsrapport")
        self.assertEqual(self.env.ref(REPORT).with_context(lang="nb_NO").name, "Refusjonsrapport")
        self.assertEqual(
            proposal.with_context(lang="nb_NO")._get_report_base_filename(), f"Prøveutskrift refusjon - {proposal.name}"
        )
        line = self.reimbursement.line_ids[:1].with_context(lang="nb_NO")
        self.assertEqual(line._get_report_base_filename(), f"Refusjonsrapport - {self.reimbursement.name}")

    def test_proof_names_the_vendor_to_be_created(self):
        """As the preview does: a customer without a vendor gets a one-time
        vendor when posted, and the proof says so."""
        newcomer = self._customer("Newcomer Without Vendor")
        self._credit_note(newcomer, 35.0)
        proposal = self._proposal(newcomer)
        self.assertFalse(proposal.line_ids.vendor_id)

        html = self._html(proposal, report=RUN_REPORT)

        self.assertIn("New one-time vendor", html)
        self._norwegian()
        self.assertIn("Ny engangsleverandør", self._html(proposal, report=RUN_REPORT, lang="nb_NO"))


@tagged("post_install", "-at_install")
class TestReportOverHttp(ReimbursementCommon, HttpCase):
    """The report's HTML and PDF routes, as a logged-in accountant opens
    them: in the accountant's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.external_report_layout_id = cls.env.ref("web.external_layout_standard")
        cls.env["res.lang"]._activate_lang("nb_NO")
        cls.env["ir.module.module"]._load_module_terms(["reimbursement_addon"], ["nb_NO"], overwrite=True)
        cls.norwegian = cls._manager("regnskap_rapport", groups="account.group_account_user")
        cls.norwegian.lang = "nb_NO"
        customer = cls._customer("Rapport Kunde AS")
        cls._credit_note(customer, 250.0)
        action = (
            cls.env["account.reimbursement.wizard"]
            .create({"date": cls.run_date, "partner_domain": str([("id", "in", customer.ids)])})
            .action_reimburse()
        )
        cls.report_run = cls.env["account.reimbursement"].browse(action["res_id"])

    def test_html_report_in_the_user_s_language(self):
        self.assertReimbursed(self.report_run.line_ids, self.report_run.line_ids.customer_id, 250.0)
        self.authenticate(self.norwegian.login, self.norwegian.login)
        # The login page of an English browser left Odoo's website language
        # cookie in English, which Odoo's report routes go by.
        self.opener.cookies.set("frontend_lang", "en_US")
        url = f"/report/html/reimbursement_addon.report_reimbursement_run/{self.report_run.id}"
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Refusjonsrapport", response.text)
        self.assertNotIn("Reimbursement report", response.text)
        self.assertIn("Rapport Kunde AS", response.text)
        # The lines' report too; and a language the client asks for wins.
        response = self.url_open(
            f"/report/html/reimbursement_addon.report_reimbursement/{','.join(map(str, self.report_run.line_ids.ids))}"
        )
        self.assertIn("Refusjonsrapport", response.text)
        response = self.url_open(f"{url}?context=" + json.dumps({"lang": "en_US"}))
        self.assertIn("Reimbursement report", response.text)
        self.assertNotIn("Refusjonsrapport", response.text)
