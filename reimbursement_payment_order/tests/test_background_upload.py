from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.reimbursement_addon.models import reimbursement_background_mixin
from odoo.addons.reimbursement_addon.tests.background import BackgroundJobCase

from ..models import account_payment_order
from .common import PaymentOrderCommon


@tagged("post_install", "-at_install")
class TestBackgroundUpload(BackgroundJobCase, PaymentOrderCommon):
    """An order of more payments than the company's background threshold:
    *File Successfully Uploaded* hands its payments to the cron job, which
    posts and reconciles them a batch at a time, each batch committed on its
    own, then makes the order File Uploaded."""

    cron_xmlid = "reimbursement_payment_order.ir_cron_post_payment_orders"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_company_bank_account("NO93 8601 1117 947")
        cls.customers = cls.env["res.partner"]
        for index in range(5):
            customer = cls._customer_with_bank(f"Upload {index}", f"NO02 1111 2222 33{index}", trusted=True)
            cls._credit_note(customer, 10.0 + index)
            cls.customers |= customer

    def setUp(self):
        super().setUp()
        # Batches of two payments, one batch per call of the job.
        for module, name, value in (
            (account_payment_order, "UPLOAD_BATCH_SIZE", 2),
            (reimbursement_background_mixin, "CRON_WINDOW_SHARE", 0),
        ):
            patcher = patch.object(module, name, value)
            patcher.start()
            self.addCleanup(patcher.stop)
        # The run is posted in the request, its order of five payments in
        # the background.
        self.reimbursement = self._reimburse(self.customers)
        self.company.reimbursement_background_threshold = 2
        self.order = self._order_of(self.reimbursement)
        self._generate_file(self.order)

    def _bill(self, customer):
        return self._line_of(self.reimbursement, customer).bill_id

    def _assert_paid_by_the_order(self, customer):
        """``customer``'s bill paid by a payment of its own from the order,
        reconciled with that bill alone, for the whole amount."""
        bill = self._bill(customer)
        payment = self.order.payment_ids.filtered(lambda pay: pay.payment_line_ids.move_line_id.move_id == bill)
        self.assertEqual(len(payment), 1)
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        self.assertEqual(bill.amount_residual, 0.0)
        self.assertEqual(payment.reconciled_bill_ids, bill)
        self.assertEqual(payment.amount, self._line_of(self.reimbursement, customer).amount)

    def _chatter(self, record):
        return " ".join(record.message_ids.mapped("body"))

    def test_upload_posted_in_the_background(self):
        self.order.generated2uploaded()

        # Nothing is posted in the request: the order waits for the job.
        self.assertRecordValues(
            self.order,
            [
                {
                    "state": "generated",
                    "upload_state": "posting",
                    "upload_progress_done": 0,
                    "upload_progress_total": 5,
                    "upload_user_id": self.env.uid,
                }
            ],
        )
        self.assertEqual(set(self.order.payment_ids.mapped("state")), {"draft"})
        self.assertEqual(set(self.reimbursement.line_ids.bill_id.mapped("payment_state")), {"not_paid"})
        self.assertIn("Posting 5 payment(s) in the background", self._chatter(self.order))
        self.assertTrue(self._triggers())
        with self.assertRaisesRegex(UserError, "already being posted in the background"):
            self.order.generated2uploaded()
        with self.assertRaisesRegex(UserError, "Wait until they are"):
            self.order.action_cancel()
        self.env["bus.bus"].sudo().search([]).unlink()

        self.assertEqual(self._run_cron(), {"done": 2, "remaining": 3})
        self.assertRecordValues(self.order, [{"state": "generated", "upload_progress_done": 2}])
        for customer in self.customers[:2]:
            self._assert_paid_by_the_order(customer)
        self.assertEqual(self._bill(self.customers[2]).payment_state, "not_paid")
        self.assertEqual(self._run_cron(), {"done": 2, "remaining": 1})
        self.assertEqual(self._run_cron(), {"done": 1, "remaining": 0})

        self.assertRecordValues(self.order, [{"state": "uploaded", "upload_state": False, "upload_progress_done": 5}])
        self.assertTrue(self.order.date_uploaded)
        for customer in self.customers:
            self._assert_paid_by_the_order(customer)
        self.assertEqual(self.reimbursement.paid_bill_count, 5)
        self.assertIn("5 reimbursement(s) paid by the payment order", self._chatter(self.reimbursement))
        # The forms showing the order heard each batch; its user, the end.
        expected = [
            {
                "model": "account.payment.order",
                "id": self.order.id,
                "state": state,
                "progress_done": done,
                "progress_total": 5,
            }
            for state, done in (("posting", 2), ("posting", 4), ("uploaded", 5))
        ]
        groups = self._progress_groups()
        self.assertEqual(self._progress_messages(), [(group, payload) for payload in expected for group in groups])
        [notification] = self._notifications(self.env.user)
        self.assertEqual(notification["type"], "success")
        self.assertIn("its 5 payment(s) are posted and reconciled", notification["message"])
        # Called again with nothing left, the job does nothing.
        self.assertEqual(self._run_cron(), {"done": 0, "remaining": 0})

    def test_failed_batch_then_resume(self):
        """The fourth customer's bill was paid by hand while the file was at
        the bank: its payment cannot be reconciled with it. The third, first
        of its batch, stays posted; the order stops and names the fourth;
        once the payment by hand is undone, *File Successfully Uploaded* goes
        on with the payments still in draft, each bill paid once."""
        stuck = self.customers[3]
        by_hand = self._pay(self._bill(stuck), self._line_of(self.reimbursement, stuck).amount)
        self.order.generated2uploaded()

        self._run_cron()
        self.assertEqual(self._run_cron(), {"done": 2, "remaining": 0})

        self.assertRecordValues(
            self.order, [{"state": "generated", "upload_state": "failed", "upload_progress_done": 3}]
        )
        amount = self.company.currency_id.format(13.0)
        self.assertIn(f"The payment to Upload 3 (vendor) ({amount}) failed", self.order.upload_error_message)
        self.assertIn(
            f"The bill {self._bill(stuck).name} of Upload 3 (vendor) was paid by another payment since it went into "
            f"the payment order: {self.company.currency_id.format(0.0)} is left to pay, and the order pays {amount}",
            self.order.upload_error_message,
        )
        for customer in self.customers[:3]:
            self._assert_paid_by_the_order(customer)
        stuck_payment = self.order.payment_ids.filtered(lambda pay: pay.partner_id == self._bill(stuck).partner_id)
        self.assertEqual(stuck_payment.state, "draft")
        self.assertEqual(self._bill(self.customers[4]).payment_state, "not_paid")
        self.assertIn("Posting stopped", self._chatter(self.order))
        [notification] = self._notifications(self.env.user)
        self.assertEqual(notification["type"], "danger")
        self.assertIn("Upload 3 (vendor)", notification["message"])

        by_hand.action_draft()
        by_hand.action_cancel()
        self.order.generated2uploaded()
        self.assertRecordValues(
            self.order, [{"upload_state": "posting", "upload_error_message": False, "upload_progress_done": 3}]
        )
        self.assertEqual(self._run_cron(), {"done": 2, "remaining": 0})

        self.assertRecordValues(self.order, [{"state": "uploaded", "upload_state": False}])
        for customer in self.customers:
            self._assert_paid_by_the_order(customer)
        self.assertEqual(self.env["account.payment"].search_count([("payment_order_id", "=", self.order.id)]), 5)

    def test_failed_order_cancelled(self):
        """Giving up a failed order: the payments it posted are undone, the
        bills open again."""
        stuck = self.customers[1]
        by_hand = self._pay(self._bill(stuck), self._line_of(self.reimbursement, stuck).amount)
        self.order.generated2uploaded()
        self._run_cron()
        self.assertRecordValues(self.order, [{"upload_state": "failed", "upload_progress_done": 1}])
        self._assert_paid_by_the_order(self.customers[0])

        self.order.action_cancel()

        self.assertRecordValues(self.order, [{"state": "cancel", "upload_state": False}])
        self.assertEqual(set(self.order.payment_ids.mapped("state")), {"canceled"})
        self.assertEqual(by_hand.reconciled_bill_ids, self._bill(stuck))
        for customer in self.customers - stuck:
            self.assertEqual(self._bill(customer).payment_state, "not_paid")
            self.assertEqual(self._bill(customer).amount_residual, self._line_of(self.reimbursement, customer).amount)

    def test_order_within_the_threshold_is_uploaded_in_the_request(self):
        self.company.reimbursement_background_threshold = 5

        self.order.generated2uploaded()

        self.assertRecordValues(self.order, [{"state": "uploaded", "upload_state": False}])
        for customer in self.customers:
            self._assert_paid_by_the_order(customer)
        self.assertFalse(self._triggers())

    def test_bill_paid_by_hand_is_refused_in_the_request(self):
        """An order within the threshold whose bill was paid by hand while
        the file was at the bank: the click is refused with the bill named,
        nothing of the order posted."""
        self.company.reimbursement_background_threshold = 5
        stuck = self.customers[2]
        self._pay(self._bill(stuck), self._line_of(self.reimbursement, stuck).amount)

        with self.assertRaisesRegex(UserError, f"The bill {self._bill(stuck).name} of Upload 2 \\(vendor\\) was paid"):
            self.order.generated2uploaded()

        self.assertEqual(self.order.state, "generated")
        self.assertEqual(set(self.order.payment_ids.mapped("state")), {"draft"})
        for customer in self.customers - stuck:
            self.assertEqual(self._bill(customer).payment_state, "not_paid")
