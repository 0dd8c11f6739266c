from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestDocumentsChangeOnlyThroughTheReimbursement(ReimbursementCommon):
    """A reimbursement's bill, transfer entry and cancellation entry are
    changed only by cancelling the reimbursement: never reset to draft,
    cancelled or deleted from the accounting side."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alpha = cls._customer("Integrity Alpha")
        cls.beta = cls._customer("Integrity Beta")
        cls._credit_note(cls.alpha, 150.0)
        cls._credit_note(cls.beta, 60.0)

    def _ledger(self):
        """What the reimbursement left: both customers' open balances, the
        clearing account, and the state of every document."""
        return {
            "alpha": self._open_residual(self.alpha),
            "beta": self._open_residual(self.beta),
            "clearing": self._account_balance(self.clearing),
        }

    def assertRefused(self, call, *names):
        with self.assertRaises(UserError) as caught:
            call()
        for name in names:
            self.assertIn(name, str(caught.exception))
        return str(caught.exception)

    def test_bill_cannot_be_reset_cancelled_or_deleted(self):
        run = self._reimburse(self.alpha + self.beta)
        line = run.line_ids.filtered(lambda line: line.customer_id == self.alpha)
        bill = line.bill_id
        before = self._ledger()
        self.assertEqual(before, {"alpha": 0.0, "beta": 0.0, "clearing": 0.0})

        message = self.assertRefused(bill.button_draft, run.name, "Integrity Alpha", bill.name)
        self.assertIn("Cancel the reimbursement instead", message)
        self.assertRefused(bill.button_cancel, run.name, "Integrity Alpha")
        self.assertRefused(lambda: bill.write({"state": "draft"}), run.name)
        self.assertRefused(bill.unlink, run.name)

        self.assertEqual(bill.state, "posted")
        self.assertEqual(line.state, "done")
        self.assertEqual(self._ledger(), before)
        self.assertReimbursed(line, self.alpha, 150.0)

    def test_shared_transfer_entry_cannot_be_reset_or_deleted(self):
        run = self._reimburse(self.alpha + self.beta)
        entry = run.line_ids.transfer_move_id
        self.assertEqual(len(entry), 1, "both customers share one transfer entry")

        message = self.assertRefused(entry.button_draft, run.name, "Integrity Alpha", "Integrity Beta")
        self.assertIn(entry.name, message)
        self.assertRefused(entry.button_cancel, run.name)
        self.assertRefused(entry.unlink, run.name)

        self.assertEqual(entry.state, "posted")
        self.assertTrue(all(run.line_ids.source_line_ids.mapped("reconciled")))
        self.assertEqual(self._ledger(), {"alpha": 0.0, "beta": 0.0, "clearing": 0.0})

    def test_cancelling_the_reimbursement_stays_the_way(self):
        run = self._reimburse(self.alpha + self.beta)
        line = run.line_ids.filtered(lambda line: line.customer_id == self.alpha)

        line.action_cancel()

        self.assertEqual(line.state, "cancelled")
        self.assertEqual(line.bill_id.state, "cancel")
        self.assertEqual(self._open_residual(self.alpha), -150.0)
        self.assertEqual(self._open_residual(self.beta), 0.0)
        self.assertEqual(self._account_balance(self.clearing), 0.0)
        # The cancelled bill cannot come back to be posted and paid again, nor
        # can the entries the cancellation balances.
        message = self.assertRefused(line.bill_id.button_draft, run.name, "Integrity Alpha")
        self.assertIn("cancelled", message)
        self.assertRefused(line.cancel_move_id.button_draft, run.name)
        self.assertRefused(line.transfer_move_id.button_draft, run.name)
        self.assertEqual(self._open_residual(self.alpha), -150.0)
        self.assertEqual(self._account_balance(self.clearing), 0.0)

    def test_other_bills_are_left_alone(self):
        vendor = self.env["res.partner"].create({"name": "Ordinary Vendor"})
        bill = self.init_invoice("in_invoice", partner=vendor, amounts=[100.0], taxes=[], post=True)
        self._reimburse(self.alpha)

        bill.button_draft()

        self.assertEqual(bill.state, "draft")


@tagged("post_install", "-at_install")
class TestRunDate(ReimbursementCommon):
    """A run is never dated before the credits it settles."""

    def test_run_dated_before_the_credits_is_refused(self):
        customer = self._customer("Late Credit")
        self._credit_note(customer, 40.0, date="2019-05-01")
        self._credit_note(customer, 30.0, date="2019-06-20")
        wizard = self._wizard(customer)

        for action in (wizard.action_preview, wizard.action_propose, wizard.action_reimburse):
            with self.assertRaisesRegex(UserError, "the newest, of Late Credit, is dated 06/20/2019") as caught:
                action()
            self.assertIn("on or after 06/20/2019", str(caught.exception))

        self.assertFalse(self.env["account.reimbursement"].search([("company_id", "=", self.company.id)]))
        self.assertEqual(self._open_residual(customer), -70.0)

    def test_run_dated_on_the_newest_credit_is_posted(self):
        customer = self._customer("Same Day Credit")
        self._credit_note(customer, 45.0, date="2019-06-15")

        run = self._reimburse(customer)

        self.assertReimbursed(run.line_ids, customer, 45.0)

    def test_proposal_posted_with_a_date_before_its_credits_is_refused(self):
        """A proposal's lines keep the items they were proposed with: the
        check at posting reads their dates (an RPC client may have made the
        run with any date)."""
        customer = self._customer("Proposed Early")
        self._credit_note(customer, 25.0, date="2019-06-01")
        run = self.env["account.reimbursement"].browse(self._wizard(customer).action_propose()["res_id"])
        run.with_context(reimbursement_engine=True).date = fields.Date.from_string("2019-05-31")

        with self.assertRaisesRegex(UserError, "is dated 06/01/2019"):
            run.action_post()

        self.assertEqual(run.state, "draft")
        self.assertEqual(run.line_ids.state, "draft")
        self.assertEqual(self._open_residual(customer), -25.0)


@tagged("post_install", "-at_install")
class TestRecordsToInclude(ReimbursementCommon):
    """The "Records to include" filter counts the customers a run can
    consider: those with open receivable items in the company."""

    def test_filter_counts_customers_with_open_items(self):
        with_credit = self._customer("Counted Credit")
        with_debit = self._customer("Counted Debit")
        settled = self._customer("Not Counted Settled")
        self._customer("Not Counted Without Items")
        contact = self.env["res.partner"].create({"name": "Counted Contact", "parent_id": with_credit.id})
        self._credit_note(with_credit, 10.0)
        self._credit_note(contact, 5.0)
        self._invoice(with_debit, 20.0)
        invoice = self._invoice(settled, 30.0)
        self._pay(invoice, 30.0)
        other_company = self.setup_other_company(name="Other Company")["company"]
        elsewhere = self._customer("Not Counted Elsewhere")
        self.init_invoice("out_invoice", partner=elsewhere, amounts=[10.0], taxes=[], company=other_company, post=True)

        Partner = self.env["res.partner"].with_context(reimbursement_candidates_company_id=self.company.id)
        candidates = Partner.search([("name", "ilike", "counted")])

        self.assertEqual(candidates, with_credit + with_debit)
        self.assertEqual(Partner.search_count([("name", "ilike", "counted")]), 2)
        # The user's own filter still applies, on top.
        self.assertEqual(Partner.search([("name", "=", "Counted Debit")]), with_debit)
        # Without the context, every partner is found as before.
        self.assertEqual(len(self.env["res.partner"].search([("name", "ilike", "counted")])), 6)


@tagged("post_install", "-at_install")
class TestLineNames(ReimbursementCommon):
    def test_line_display_name(self):
        customer = self._customer("Named Customer")
        self._credit_note(customer, 150.0)
        self._credit_note(customer, 20.0, currency=self.eur)

        run = self._reimburse(customer)

        names = sorted(run.line_ids.mapped("display_name"))
        self.assertEqual(
            names,
            [f"Named Customer, $\xa0150.00 ({run.name})", f"Named Customer, 20.00\xa0€ ({run.name})"],
        )
        # Many2one fields show it: the line's bill points to it.
        bill = run.line_ids[0].bill_id
        self.assertEqual(bill.reimbursement_line_ids.display_name, run.line_ids[0].display_name)
