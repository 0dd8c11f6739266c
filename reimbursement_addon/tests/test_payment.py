from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestReimbursementPayment(ReimbursementCommon):
    """Register Payment on a run pays its bills with Odoo's payment wizard,
    one payment per vendor."""

    def test_one_payment_per_vendor(self):
        vendor = self.env["res.partner"].create({"name": "Shared Refund Vendor", "supplier_rank": 1})
        first = self._customer("Paid One", reimbursement_vendor_id=vendor.id)
        second = self._customer("Paid Two", reimbursement_vendor_id=vendor.id)
        third = self._customer("Paid Three")
        self._credit_note(first, 40.0)
        self._credit_note(second, 60.0)
        self._credit_note(third, 25.0)
        run = self._reimburse(first + second + third)
        self.assertRecordValues(run, [{"posted_bill_count": 3, "paid_bill_count": 0}])

        action = run.action_register_payment()

        self.assertEqual(action["res_model"], "account.payment.register")
        wizard = self.env["account.payment.register"].with_context(**action["context"]).create({})
        self.assertTrue(wizard.group_payment)
        payments = wizard._create_payments()

        third_vendor = run.line_ids.filtered(lambda line: line.customer_id == third).vendor_id
        self.assertRecordValues(
            payments.sorted("amount"),
            [
                {"partner_id": third_vendor.id, "amount": 25.0},
                {"partner_id": vendor.id, "amount": 100.0},
            ],
        )
        self.assertEqual(set(run.line_ids.bill_id.mapped("payment_state")) - {"paid", "in_payment"}, set())
        self.assertEqual(run.line_ids.bill_id.mapped("amount_residual"), [0.0, 0.0, 0.0])
        run.invalidate_recordset(["paid_bill_count"])
        self.assertEqual(run.paid_bill_count, 3)
        with self.assertRaisesRegex(UserError, "nothing left to pay"):
            run.action_register_payment()

    def test_cancelled_reimbursement_is_not_paid(self):
        kept = self._customer("Paid Kept")
        cancelled = self._customer("Paid Cancelled")
        self._credit_note(kept, 30.0)
        self._credit_note(cancelled, 45.0)
        run = self._reimburse(kept + cancelled)
        run.line_ids.filtered(lambda line: line.customer_id == cancelled).action_cancel()

        action = run.action_register_payment()

        wizard = self.env["account.payment.register"].with_context(**action["context"]).create({})
        payments = wizard._create_payments()
        self.assertEqual(payments.amount, 30.0)
        self.assertRecordValues(run, [{"posted_bill_count": 1, "paid_bill_count": 1}])
