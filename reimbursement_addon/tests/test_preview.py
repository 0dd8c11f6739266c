from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestPreview(ReimbursementCommon):
    """The preview, the selection of customers, and what a run leaves alone."""

    def test_preview_writes_nothing(self):
        customer = self._customer("Previewed")
        linked = self._customer("Previewed With Vendor")
        vendor = self.env["res.partner"].create({"name": "Existing Vendor"})
        linked.with_company(self.company).reimbursement_vendor_id = vendor
        self._credit_note(customer, 90.0)
        self._credit_note(linked, 10.0, currency=self.eur)
        counts = {
            model: self.env[model].search_count([])
            for model in ("account.move", "account.partial.reconcile", "res.partner", "account.reimbursement")
        }

        wizard = self._wizard(customer + linked)
        wizard.action_preview()

        self.assertRecordValues(
            wizard.line_ids.sorted(lambda line: line.customer_id.name),
            [
                {
                    "customer_id": customer.id,
                    "vendor_id": False,
                    "vendor_name": "New one-time vendor",
                    "currency_id": self.company.currency_id.id,
                    "company_currency_id": self.company.currency_id.id,
                    "amount": 90.0,
                    "amount_company_currency": 90.0,
                    "selected": True,
                },
                {
                    "customer_id": linked.id,
                    "vendor_id": vendor.id,
                    "vendor_name": "Existing Vendor",
                    "currency_id": self.eur.id,
                    "company_currency_id": self.company.currency_id.id,
                    "amount": 10.0,
                    "amount_company_currency": 5.0,
                    "selected": True,
                },
            ],
        )
        self.assertEqual(wizard.amount_total, 95.0)
        self.assertEqual({model: self.env[model].search_count([]) for model in counts}, counts)
        self.assertEqual(self._open_residual(customer), -90.0)

    def test_preview_deselect_customer(self):
        kept = self._customer("Kept")
        dropped = self._customer("Dropped")
        self._credit_note(kept, 70.0)
        self._credit_note(dropped, 20.0)
        wizard = self._wizard(kept + dropped)
        wizard.action_preview()
        self.assertRecordValues(
            wizard, [{"amount_total": 90.0, "selected_count": 2, "amount_unselected": 0.0, "unselected_count": 0}]
        )
        wizard.line_ids.filtered(lambda line: line.customer_id == dropped).selected = False
        # One total, of what is made; the unticked line counted apart.
        self.assertRecordValues(
            wizard, [{"amount_total": 70.0, "selected_count": 1, "amount_unselected": 20.0, "unselected_count": 1}]
        )

        action = wizard.action_reimburse()

        run = self.env["account.reimbursement"].browse(action["res_id"])
        self.assertReimbursed(run.line_ids, kept, 70.0)
        self.assertEqual(self._open_residual(dropped), -20.0)

        wizard.line_ids.selected = False
        with self.assertRaisesRegex(UserError, "Select at least one"):
            wizard.action_reimburse()

    def test_credit_changed_since_preview(self):
        customer = self._customer("Changing")
        self._credit_note(customer, 70.0)
        wizard = self._wizard(customer)
        wizard.action_preview()
        self._credit_note(customer, 5.0)

        with self.assertRaisesRegex(UserError, "changed since the preview"):
            wizard.action_reimburse()
        self.assertEqual(self._open_residual(customer), -75.0)

    def test_second_run_reimburses_nothing_twice(self):
        customer = self._customer("Once Only")
        self._credit_note(customer, 60.0)
        run = self._reimburse(customer)
        self.assertReimbursed(run.line_ids, customer, 60.0)
        bills_before = self.env["account.move"].search_count([("move_type", "=", "in_invoice")])

        with self.assertRaisesRegex(UserError, "nothing to reimburse"):
            self._reimburse(customer)

        self.assertEqual(self.env["account.move"].search_count([("move_type", "=", "in_invoice")]), bills_before)
        self.assertEqual(self.env["account.reimbursement.line"].search_count([("customer_id", "=", customer.id)]), 1)

    # ---- which customers ---------------------------------------------------

    def test_partner_domain_restricts_customers(self):
        chosen = self._customer("Chosen", city="Bergen")
        other = self._customer("Not Chosen", city="Oslo")
        self._credit_note(chosen, 10.0)
        self._credit_note(other, 10.0)

        run = self._reimburse(partner_domain="[('city', '=', 'Bergen')]")

        self.assertEqual(run.line_ids.customer_id, chosen)
        self.assertEqual(run.partner_domain, "[('city', '=', 'Bergen')]")
        self.assertEqual(self._open_residual(other), -10.0)

    def test_wizard_from_customer_list(self):
        chosen = self._customer("Selected In List")
        other = self._customer("Not Selected")
        self._credit_note(chosen, 15.0)
        self._credit_note(other, 15.0)

        wizard = (
            self.env["account.reimbursement.wizard"]
            .with_context(active_model="res.partner", active_ids=chosen.ids)
            .create({"date": self.run_date})
        )
        action = wizard.action_reimburse()

        run = self.env["account.reimbursement"].browse(action["res_id"])
        self.assertReimbursed(run.line_ids, chosen, 15.0)
        self.assertEqual(self._open_residual(other), -15.0)

    def test_other_company_never_touched(self):
        other_company = self.setup_other_company()["company"]
        customer = self._customer("Customer Of Both")
        self._credit_note(customer, 25.0)
        other_credit = self.init_invoice(
            "out_refund",
            partner=customer,
            invoice_date=self.run_date,
            amounts=[40.0],
            taxes=[],
            company=other_company,
            post=True,
        )

        run = self._reimburse(customer)

        self.assertReimbursed(run.line_ids, customer, 25.0)
        self.assertEqual(other_credit.amount_residual, 40.0)
        self.assertEqual(other_credit.payment_state, "not_paid")
        self.assertEqual(run.line_ids.bill_id.company_id, self.company)
        self.assertFalse(customer.with_company(other_company).reimbursement_vendor_id)


@tagged("post_install", "-at_install")
class TestPreviewNorway(TestPreview):
    """The same in a Norwegian company: the l10n_no chart, in NOK."""

    # Odoo's own runner runs a class's own test methods only, unless told.
    allow_inherited_tests_method = True

    country_code = "NO"
    chart_template = "no"
