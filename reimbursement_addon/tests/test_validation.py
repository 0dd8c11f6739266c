from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from . import series as test_series
from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestReimbursementValidation(ReimbursementCommon):
    """Bad input and locked periods get a clear error and post nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Validated Customer")
        cls._credit_note(cls.customer, 60.0)
        cls.other_company_data = cls.setup_other_company()

    def assertNothingPosted(self, moves_before):
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
        self.assertFalse(self.env["account.reimbursement"].search([("company_id", "=", self.company.id)]))
        self.assertEqual(self._open_residual(self.customer), -60.0)

    # ---- lock dates --------------------------------------------------------

    def _assert_lock_refused(self, lock_field):
        self.company[lock_field] = fields.Date.from_string("2019-06-30")
        moves_before = self.env["account.move"].search_count([])
        wizard = self._wizard(self.customer)
        with self.assertRaisesRegex(UserError, "06/15/2019.*lock date.*06/30/2019"):
            wizard.action_preview()
        with self.assertRaisesRegex(UserError, "06/15/2019.*lock date.*06/30/2019"):
            wizard.action_reimburse()
        self.assertNothingPosted(moves_before)

    def test_fiscal_year_lock_date_refused(self):
        self._assert_lock_refused("fiscalyear_lock_date")

    def test_purchase_lock_date_refused(self):
        self._assert_lock_refused("purchase_lock_date")

    def test_hard_lock_date_refused(self):
        self._assert_lock_refused("hard_lock_date")

    def test_sale_lock_date_does_not_apply(self):
        """Reimbursements post no sales document: the sales lock is no obstacle."""
        self.company.sale_lock_date = fields.Date.from_string("2019-06-30")
        run = self._reimburse(self.customer)
        self.assertReimbursed(run.line_ids, self.customer, 60.0)
        self.assertEqual(run.line_ids.bill_id.date, self.run_date)

    # ---- filters -----------------------------------------------------------

    def test_partner_domain_syntax_error(self):
        moves_before = self.env["account.move"].search_count([])
        with self.assertRaisesRegex(UserError, "Records to include"):
            self._reimburse(partner_domain="[('name', '=' ")
        with self.assertRaisesRegex(UserError, "Records to include"):
            self._wizard(partner_domain="[('no_such_field', '=', 1)]").action_preview()
        with self.assertRaisesRegex(UserError, "Records to include"):
            self._reimburse(partner_domain="{'not': 'a domain'}")
        self.assertNothingPosted(moves_before)

    if test_series.LARGE_DOMAINS_TRIP_POSTGRESQL:

        def test_partner_domain_too_large_for_the_database(self):
            """Twenty thousand conditions, as a user may paste them: PostgreSQL
            cannot parse the query (on 18.0); the user gets a clear error
            naming the filter, and nothing is written."""
            moves_before = self.env["account.move"].search_count([])
            runs_before = self.env["account.reimbursement"].search_count([])
            huge = str([("name", "ilike", "x")] * 20000)
            with self.assertRaisesRegex(UserError, 'The filter "Records to include" is too large for the database'):
                self._reimburse(partner_domain=huge)
            with self.assertRaisesRegex(UserError, "Records to include") as caught:
                self._wizard(partner_domain=huge).action_preview()
            # The domain is named, shortened: the message stays readable.
            self.assertIn("[('name', 'ilike', 'x'),", str(caught.exception))
            self.assertLess(len(str(caught.exception)), 1000)
            self.assertNothingPosted(moves_before)
            self.assertEqual(self.env["account.reimbursement"].search_count([]), runs_before)
            # The transaction goes on.
            self.assertEqual(self.env["res.partner"].search_count([("id", "=", self.company.partner_id.id)]), 1)

    else:

        def test_partner_domain_of_thousands_of_conditions_runs(self):
            """Twenty thousand conditions, as a user may paste them: 19.0's
            query is one PostgreSQL parses; the run reimburses whom it selects."""
            chosen = self._customer("Chosen By A Long Filter")
            self._credit_note(chosen, 35.0)
            huge = str([("name", "ilike", "Long Filter")] * 20000)
            run = self._reimburse(partner_domain=huge)
            self.assertReimbursed(run.line_ids, chosen, 35.0)

    # ---- settings of another company or of the wrong type ------------------

    def test_bill_journal_must_be_a_purchase_journal_of_the_company(self):
        with self.assertRaisesRegex(ValidationError, "purchase journal"):
            self.company.reimbursement_journal_id = self.company_data["default_journal_sale"]
        with self.assertRaisesRegex(ValidationError, "purchase journal"):
            self.company.reimbursement_journal_id = self.other_company_data["default_journal_purchase"]

    def test_transfer_journal_must_be_a_general_journal_of_the_company(self):
        with self.assertRaisesRegex(ValidationError, "miscellaneous journal"):
            self.company.reimbursement_transfer_journal_id = self.company_data["default_journal_bank"]
        with self.assertRaisesRegex(ValidationError, "miscellaneous journal"):
            self.company.reimbursement_transfer_journal_id = self.other_company_data["default_journal_misc"]

    def test_clearing_account_must_be_reconcilable_not_receivable_nor_payable(self):
        with self.assertRaisesRegex(ValidationError, "clearing account"):
            self.company.reimbursement_clearing_account_id = self.receivable
        with self.assertRaisesRegex(ValidationError, "clearing account"):
            self.company.reimbursement_clearing_account_id = self.company_data["default_account_payable"]
        with self.assertRaisesRegex(ValidationError, "clearing account"):
            self.company.reimbursement_clearing_account_id = self.company_data["default_account_revenue"]
        other_clearing = self.other_company_data["company"].reimbursement_clearing_account_id
        with self.assertRaisesRegex(ValidationError, "clearing account"):
            self.company.reimbursement_clearing_account_id = other_clearing

    def test_vendor_of_another_company_refused(self):
        vendor = self.env["res.partner"].create(
            {"name": "Other Company Vendor", "company_id": self.other_company_data["company"].id}
        )
        with self.assertRaisesRegex(ValidationError, "belongs to"):
            self.customer.with_company(self.company).reimbursement_vendor_id = vendor

    def test_one_time_vendor_linked_back_to_its_customer_refused(self):
        run = self._reimburse(self.customer)
        one_time_vendor = run.line_ids.vendor_id
        self.assertTrue(one_time_vendor.reimbursement_one_time_vendor)
        with self.assertRaisesRegex(ValidationError, "lead back"):
            one_time_vendor.with_company(self.company).reimbursement_vendor_id = self.customer

    def test_vendor_accounts_leading_back_through_another_partner_refused(self):
        run = self._reimburse(self.customer)
        one_time_vendor = run.line_ids.vendor_id
        third = self._customer("Third In Chain")
        third.with_company(self.company).reimbursement_vendor_id = self.customer
        with self.assertRaisesRegex(ValidationError, "lead back"):
            one_time_vendor.with_company(self.company).reimbursement_vendor_id = third

    # ---- currencies and customers ------------------------------------------

    def test_currency_without_rate_refused(self):
        sek = self.env.ref("base.SEK")
        sek.active = True
        sek.rate_ids.unlink()
        customer = self._customer("Swedish Customer")
        self._credit_note(customer, 300.0, currency=sek)
        moves_before = self.env["account.move"].search_count([])

        with self.assertRaisesRegex(UserError, "no exchange rate of SEK on or before 06/15/2019"):
            self._reimburse(customer)

        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
        self.assertEqual(self._open_residual(customer, sek), -300.0)

    def test_missing_exchange_gain_account_refused(self):
        customer = self._customer("Euro Without Gain Account")
        self._credit_note(customer, 100.0, currency=self.eur)
        self.company.income_currency_exchange_account_id = False
        moves_before = self.env["account.move"].search_count([])

        with self.assertRaisesRegex(UserError, "no exchange gain or loss account"):
            self._reimburse(customer)

        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
        self.assertEqual(self._open_residual(customer, self.eur), -100.0)

    def test_rate_after_the_run_date_is_no_rate(self):
        sek = self.env.ref("base.SEK")
        sek.active = True
        sek.rate_ids.unlink()
        self.env["res.currency.rate"].create(
            {"currency_id": sek.id, "name": "2019-07-01", "rate": 10.0, "company_id": self.company.id}
        )
        customer = self._customer("Swedish Later")
        self._credit_note(customer, 300.0, currency=sek)
        with self.assertRaisesRegex(UserError, "no exchange rate of SEK"):
            self._reimburse(customer)

    def test_archived_customers_are_included(self):
        """An archived customer still holds its credit: it is reimbursed like
        any other, unless "Records to include" leaves it out."""
        archived = self._customer("Archived Customer")
        self._credit_note(archived, 45.0)
        archived.active = False

        wizard = self._wizard(partner_domain=str([("name", "in", ("Archived Customer", "Validated Customer"))]))
        wizard.action_preview()
        self.assertEqual(wizard.line_ids.customer_id, archived + self.customer)
        run = self._reimburse(archived)

        self.assertReimbursed(run.line_ids, archived, 45.0)
        self.assertEqual(self._open_residual(archived), 0.0)

    def test_other_company_minimum_does_not_apply(self):
        """Settings stay per company: the other company's minimum does not
        apply here."""
        self.other_company_data["company"].reimbursement_min_amount = 1000.0
        run = self._reimburse(self.customer)
        self.assertReimbursed(run.line_ids, self.customer, 60.0)
        self.assertEqual(run.min_amount, 0.0)

    def test_negative_minimum_refused_in_settings(self):
        settings = self.env["res.config.settings"].create({})
        with self.assertRaises(ValidationError):
            settings.write({"reimbursement_min_amount": -0.01})
            settings.execute()
        self.assertEqual(self.company.reimbursement_min_amount, 0.0)

    # ---- atomic runs -------------------------------------------------------

    def test_failure_midway_leaves_nothing(self):
        """The bills are posted before the transfer entries: a transfer entry
        that cannot be posted (its receivable account was taken out of use after
        the credit was booked) takes the whole run back, bills, one-time
        vendors and all, even for a caller that catches the error and goes
        on in the same transaction (assertRaisesRegex rolls nothing back)."""
        old_receivable = self.receivable.copy({"code": "121099"})
        stuck = self._customer("Stuck Customer")
        self._entry(stuck, old_receivable, -70.0)
        test_series.set_account_in_use(old_receivable, False)
        counts_before = {
            model: self.env[model].search_count([])
            for model in ("account.move", "account.move.line", "account.partial.reconcile", "res.partner")
        }

        with self.assertRaisesRegex(UserError, test_series.ACCOUNT_OUT_OF_USE_ERROR):
            self._reimburse(self.customer + stuck)

        self.assertEqual(
            {model: self.env[model].search_count([]) for model in counts_before},
            counts_before,
        )
        self.assertFalse(self.env["account.reimbursement"].search([("company_id", "=", self.company.id)]))
        self.assertEqual(self._open_residual(self.customer), -60.0)
        self.assertEqual(self._open_residual(stuck), -70.0)
        self.assertFalse(self.customer.with_company(self.company).reimbursement_vendor_id)
