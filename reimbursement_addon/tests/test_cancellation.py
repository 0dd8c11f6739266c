from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestReimbursementCancellation(ReimbursementCommon):
    """Cancelling a reimbursement gives the customer back exactly the open
    items it had, and never touches a paid bill."""

    def _receivable_state(self, customer):
        """Every receivable item of ``customer``: residuals and reconciliation,
        and the customer's receivable balance per currency."""
        lines = self.env["account.move.line"].search(
            [
                ("company_id", "=", self.company.id),
                ("partner_id", "=", customer.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
            ]
        )
        items = {
            line.id: (line.amount_residual, line.amount_residual_currency, line.reconciled)
            for line in lines
            if not line.move_id.journal_id == self.company.reimbursement_transfer_journal_id
        }
        balances = {}
        for line in lines:
            amount, amount_currency = balances.get(line.currency_id.name, (0.0, 0.0))
            balances[line.currency_id.name] = (
                self.company.currency_id.round(amount + line.balance),
                line.currency_id.round(amount_currency + line.amount_currency),
            )
        return items, balances

    def _open_state(self, customer):
        items = self._open_items(customer)
        return sorted((line.id, line.amount_residual, line.amount_residual_currency) for line in items)

    def assertCancelled(self, line):
        self.assertEqual(line.state, "cancelled")
        self.assertEqual(line.bill_id.state, "cancel")
        # A cancelled reimbursement pays nothing: no payment status.
        self.assertFalse(line.payment_state)
        self.assertEqual(line.cancel_move_id.state, "posted")
        self.assertEqual(line.cancel_move_id.date, line.date)
        reconcilable = line.transfer_line_ids.filtered("account_id.reconcile")
        self.assertTrue(all(reconcilable.mapped("reconciled")))
        self.assertTrue(line.clearing_line_id.reconciled)
        share = line.cancel_move_id.line_ids.filtered(lambda aml: aml.account_id == self.clearing)
        self.assertTrue(share.reconciled)
        self.assertIn(share, line.clearing_line_id.full_reconcile_id.reconciled_line_ids)
        self.assertEqual(self._account_balance(self.clearing), 0.0)

    def test_cancel_restores_open_items_exactly(self):
        customer = self._customer("Cancelled Customer")
        # An earlier overpayment: the invoice is paid, 30 of the payment is open.
        invoice = self._invoice(customer, 100.0)
        self._pay(invoice, 130.0)
        credit_note = self._credit_note(customer, 500.0)
        open_invoice = self._invoice(customer, 200.0)
        before = self._open_state(customer)
        items_before, balances_before = self._receivable_state(customer)

        run = self._reimburse(customer, include_debit_customers=True, offset_debits=True)
        self.assertReimbursed(run.line_ids, customer, 330.0)
        self.assertEqual(open_invoice.amount_residual, 0.0)
        self.assertEqual(run.line_ids.payment_state, "not_paid")

        run.line_ids.action_cancel()

        self.assertCancelled(run.line_ids)
        self.assertEqual(run.state, "cancelled")
        self.assertEqual(run.amount_total, 0.0)
        self.assertEqual(self._open_state(customer), before)
        self.assertEqual(self._receivable_state(customer)[0], items_before)
        self.assertEqual(self._receivable_state(customer)[1], balances_before)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(open_invoice.amount_residual, 200.0)
        self.assertEqual(credit_note.amount_residual, 500.0)
        self.assertEqual(self._open_residual(customer), -330.0)

    def test_cancel_foreign_currency_restores_both_currencies(self):
        customer = self._customer("Euro Cancelled")
        self._credit_note(customer, 100.0, currency=self.eur)
        before = self._open_state(customer)
        _items, balances_before = self._receivable_state(customer)

        run = self._reimburse(customer)
        self.assertReimbursed(run.line_ids, customer, 100.0, currency=self.eur)
        run.action_cancel()

        self.assertCancelled(run.line_ids)
        self.assertEqual(self._open_state(customer), before)
        self.assertEqual(self._receivable_state(customer)[1], balances_before)
        self.assertEqual(self._open_residual(customer, self.eur), -100.0)
        self.assertEqual(self._open_residual(customer), -50.0)
        # The exchange gain booked by the run is reversed with it.
        gain_account = self.company.income_currency_exchange_account_id
        gain = run.line_ids.transfer_line_ids.filtered(lambda item: item.account_id == gain_account)
        self.assertEqual(gain.balance, -10.0)
        reversal = run.line_ids.cancel_move_id.line_ids.filtered(lambda item: item.account_id == gain_account)
        self.assertEqual(reversal.balance, 10.0)

    def test_cancel_one_reimbursement_of_a_run(self):
        kept = self._customer("Kept Customer")
        cancelled = self._customer("Undone Customer")
        self._credit_note(kept, 40.0)
        self._credit_note(cancelled, 60.0)
        run = self._reimburse(kept + cancelled)
        kept_line = run.line_ids.filtered(lambda line: line.customer_id == kept)
        cancelled_line = run.line_ids - kept_line

        # Both share the batch's clearing item: 100 against the two bills.
        self.assertEqual(kept_line.clearing_line_id, cancelled_line.clearing_line_id)
        self.assertEqual(kept_line.clearing_line_id.balance, -100.0)

        cancelled_line.action_cancel()

        self.assertCancelled(cancelled_line)
        self.assertReimbursed(kept_line, kept, 40.0)
        self.assertEqual(
            kept_line.clearing_line_id.full_reconcile_id.reconciled_line_ids,
            kept_line.clearing_line_id
            + self.env["account.move.line"].union(
                *(line.bill_id.line_ids.filtered(lambda aml: aml.account_id == self.clearing) for line in kept_line)
            )
            + cancelled_line.cancel_move_id.line_ids.filtered(lambda aml: aml.account_id == self.clearing),
        )
        self.assertEqual(run.state, "done")
        self.assertEqual(run.amount_total, 40.0)
        self.assertEqual(run.customer_count, 1)
        self.assertEqual(self._open_residual(cancelled), -60.0)
        self.assertEqual(self._open_residual(kept), 0.0)

    def test_cancelled_customer_is_reimbursed_again(self):
        customer = self._customer("Second Chance")
        self._credit_note(customer, 75.0)
        first = self._reimburse(customer)
        first.action_cancel()

        second = self._reimburse(customer)

        self.assertReimbursed(second.line_ids, customer, 75.0)
        self.assertEqual(second.line_ids.vendor_id, first.line_ids.vendor_id)
        self.assertEqual(self._open_residual(customer), 0.0)

    def test_paid_bill_refused(self):
        customer = self._customer("Already Paid")
        self._credit_note(customer, 80.0)
        run = self._reimburse(customer)
        self._pay(run.line_ids.bill_id, 80.0, date=self.run_date)

        with self.assertRaisesRegex(UserError, run.line_ids.bill_id.name):
            run.action_cancel()
        self.assertEqual(run.line_ids.state, "done")
        self.assertEqual(run.line_ids.bill_id.state, "posted")
        self.assertEqual(self._open_residual(customer), 0.0)

    def test_partly_paid_bill_refuses_the_whole_run(self):
        paid = self._customer("Partly Paid")
        unpaid = self._customer("Not Paid Yet")
        self._credit_note(paid, 80.0)
        self._credit_note(unpaid, 20.0)
        run = self._reimburse(paid + unpaid)
        paid_line = run.line_ids.filtered(lambda line: line.customer_id == paid)
        self._pay(paid_line.bill_id, 30.0, date=self.run_date)
        self.assertEqual(paid_line.payment_state, "partial")

        with self.assertRaisesRegex(UserError, paid_line.bill_id.name):
            run.action_cancel()
        self.assertEqual(set(run.line_ids.mapped("state")), {"done"})
        self.assertEqual(self._open_residual(unpaid), 0.0)

    def test_cancel_twice_refused(self):
        customer = self._customer("Twice")
        self._credit_note(customer, 10.0)
        run = self._reimburse(customer)
        run.line_ids.action_cancel()
        with self.assertRaisesRegex(UserError, "already cancelled"):
            run.line_ids.action_cancel()
        self.assertEqual(self._open_residual(customer), -10.0)

    def test_cancellation_in_chatter(self):
        customer = self._customer("Chatter Customer")
        self._credit_note(customer, 15.0)
        run = self._reimburse(customer)
        user = self.env.user.name

        run.action_cancel()

        for record in (run, run.line_ids.bill_id, customer):
            # The newest message but Odoo's own tracking of the cancel (19.0).
            body = next(body for body in record.message_ids.mapped("body") if body)
            self.assertIn(f"{user} cancelled", body, record)
            if record == customer:
                self.assertIn(run.name, body)

    def test_cancel_inside_lock_date_refused(self):
        customer = self._customer("Locked After Run")
        self._credit_note(customer, 25.0)
        run = self._reimburse(customer)
        self.company.fiscalyear_lock_date = fields.Date.from_string("2019-06-30")

        with self.assertRaisesRegex(UserError, "lock date"):
            run.action_cancel()
        self.assertEqual(run.line_ids.state, "done")
        self.assertEqual(run.line_ids.bill_id.state, "posted")

    def test_direct_edits_refused(self):
        """Only cancellation changes a run or a line: a manager cannot mark
        one cancelled, or change its amount, by writing to it."""
        customer = self._customer("Not Edited")
        self._credit_note(customer, 35.0)
        run = self._reimburse(customer)

        with self.assertRaisesRegex(UserError, "cannot be edited"):
            run.write({"state": "cancelled"})
        with self.assertRaisesRegex(UserError, "cannot be edited"):
            run.line_ids.write({"amount": 1.0})
        with self.assertRaisesRegex(UserError, "cannot be edited"):
            run.line_ids.write({"state": "cancelled"})
        run.message_post(body="A note on the run")

        self.assertRecordValues(run.line_ids, [{"state": "done", "amount": 35.0}])
        self.assertReimbursed(run.line_ids, customer, 35.0)

    def test_cancel_cancelled_run_refused(self):
        customer = self._customer("Run Twice")
        self._credit_note(customer, 12.0)
        run = self._reimburse(customer)
        run.action_cancel()
        with self.assertRaisesRegex(UserError, "already cancelled"):
            run.action_cancel()
        self.assertEqual(self._open_residual(customer), -12.0)
