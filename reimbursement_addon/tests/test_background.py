from unittest.mock import patch

from odoo.tests import tagged

from ..models import account_reimbursement_background, reimbursement_background_mixin
from . import series as test_series
from .background import BackgroundJobCase
from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestBackgroundPosting(BackgroundJobCase, ReimbursementCommon):
    """Runs over the background threshold, posted by the cron job a batch
    at a time, each batch committed on its own."""

    cron_xmlid = "reimbursement_addon.ir_cron_post_reimbursements"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.reimbursement_background_threshold = 0
        cls.customers = cls.env["res.partner"]
        for index in range(5):
            customer = cls._customer(f"Background {index}")
            cls._credit_note(customer, 10.0 + index)
            cls.customers |= customer

    def setUp(self):
        super().setUp()
        # Batches of two lines, one batch per call of the job.
        for module, name, value in (
            (account_reimbursement_background, "BACKGROUND_BATCH_MIN", 2),
            (account_reimbursement_background, "BACKGROUND_BATCH_MAX", 2),
            (reimbursement_background_mixin, "CRON_WINDOW_SHARE", 0),
        ):
            patcher = patch.object(module, name, value)
            patcher.start()
            self.addCleanup(patcher.stop)

    def test_each_batch_tells_the_open_forms_its_progress(self):
        """After each committed batch, the accounting groups hear how far the
        run is (a form showing it reloads it: the tour checks the browser)."""
        run = self._reimburse(self.customers)
        self.env["bus.bus"].sudo().search([]).unlink()
        groups = self._progress_groups()

        self._run_cron()
        self._run_cron()
        self._run_cron()

        expected = [
            {"model": "account.reimbursement", "id": run.id, "state": state, "progress_done": done, "progress_total": 5}
            for state, done in (("posting", 2), ("posting", 4), ("done", 5))
        ]
        self.assertEqual(self._progress_messages(), [(group, payload) for payload in expected for group in groups])
        self.assertRecordValues(run, [{"state": "done", "progress_done": 5}])

    def _chatter(self, run):
        return " ".join(run.message_ids.mapped("body"))

    def _amount(self, customer):
        return 10.0 + self.customers.ids.index(customer.id)

    def _run_stuck_at(self, stuck):
        """A background run of every customer in which ``stuck``'s batch
        fails: 5.00 more of its credit sits on a receivable account that is
        taken out of use once the run is proposed (deprecated on 18.0, archived
        on 19.0: no new journal item may use it).

        :return: (the run, the account out of use)
        """
        old_receivable = self.receivable.copy({"code": "121099"})
        self._entry(stuck, old_receivable, -5.0)
        run = self._reimburse(self.customers)
        test_series.set_account_in_use(old_receivable, False)
        return run, old_receivable

    def test_background_run_through_cron(self):
        run = self._reimburse(self.customers)
        self.assertEqual(run.state, "posting")
        self._triggers().unlink()

        self.assertEqual(self._run_cron(), {"done": 2, "remaining": 3})
        self.assertRecordValues(run, [{"state": "posting", "progress_done": 2, "progress_total": 5}])
        self.assertEqual(run.line_ids.mapped("state"), ["done", "done", "draft", "draft", "draft"])
        self.assertGreater(run.posting_rate, 0.0)
        # The job calls itself again at once for the rest.
        self.assertTrue(self._triggers())

        self.assertEqual(self._run_cron(), {"done": 2, "remaining": 1})
        self.assertEqual(self._run_cron(), {"done": 1, "remaining": 0})

        self.assertRecordValues(run, [{"state": "done", "progress_done": 5, "amount_total": 60.0}])
        self.assertEqual(len(run.line_ids.transfer_move_id), 3)
        for line in run.line_ids:
            self.assertReimbursed(line, line.customer_id, self._amount(line.customer_id))
            self.assertEqual(self._open_residual(line.customer_id), 0.0)
        self.assertIn("5 reimbursement(s) made for 5 customer(s)", self._chatter(run))
        [notification] = self._notifications(self.env.user)
        self.assertEqual(notification["type"], "success")
        self.assertIn(run.name, notification["message"])
        self.assertEqual(notification["action_button"]["res_ids"], run.ids)

        # Called again with everything posted, it does nothing.
        self._triggers().unlink()
        moves_before = self.env["account.move"].search_count([])
        self.assertEqual(self._run_cron(), {"done": 0, "remaining": 0})
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
        self.assertFalse(self._triggers())

    def test_write_offs_join_the_batches(self):
        """With a minimum and a write-off amount of 13.00, the credits of
        10.00 to 12.00 are written off and those of 13.00 and 14.00
        reimbursed, in the same batches of two (the second holds one of
        each), and each kind is counted apart at the end."""
        writeoff_account = self._write_small_credits_off(13.0, 13.0, 30)
        run = self._reimburse(self.customers, write_off_small_credits=True)
        self.assertEqual(run.state, "posting")
        self._triggers().unlink()

        self.assertEqual(self._run_cron(), {"done": 2, "remaining": 3})
        self.assertEqual(self._run_cron(), {"done": 2, "remaining": 1})
        self.assertEqual(self._run_cron(), {"done": 1, "remaining": 0})

        self.assertRecordValues(
            run,
            [{"state": "done", "amount_total": 27.0, "write_off_count": 3, "amount_written_off": 33.0}],
        )
        self.assertRecordValues(
            run.line_ids.sorted("amount"),
            [
                {"kind": kind, "amount": amount, "state": "done"}
                for kind, amount in (
                    ("write_off", 10.0),
                    ("write_off", 11.0),
                    ("write_off", 12.0),
                    ("reimbursement", 13.0),
                    ("reimbursement", 14.0),
                )
            ],
        )
        for customer in self.customers:
            self.assertEqual(self._open_residual(customer), 0.0)
        self.assertEqual(self._account_balance(writeoff_account), -33.0)
        self.assertIn("3 small, dormant credit(s) written off", self._chatter(run))

    def test_one_posting_call_per_window(self):
        """The runner calls the job again on the same cursor while it reports
        progress with work left: that call posts nothing and reports no
        progress, which ends the runner's window, and the job is triggered
        for the next window, which posts again."""
        run = self._reimburse(self.customers)
        self._triggers().unlink()

        self.assertEqual(
            self._run_window(3),
            [{"done": 2, "remaining": 3}, {"done": 0, "remaining": 3}, {"done": 0, "remaining": 3}],
        )
        self.assertTrue(self._triggers())
        self.assertRecordValues(run, [{"state": "posting", "progress_done": 2}])
        self.assertEqual(run.line_ids.mapped("state"), ["done", "done", "draft", "draft", "draft"])
        # The window's empty calls posted nothing: the first two customers
        # are reimbursed once, the others keep their whole credit.
        for line in run.line_ids[:2]:
            self.assertReimbursed(line, line.customer_id, self._amount(line.customer_id))
        for customer in run.line_ids[2:].customer_id:
            self.assertEqual(self._open_residual(customer), -self._amount(customer))
        self.assertEqual(self._account_balance(self.clearing), 0.0)
        # The next window, on a cursor of its own, goes on.
        self.assertEqual(self._run_cron(), {"done": 2, "remaining": 1})
        self.assertEqual(run.line_ids.mapped("state"), ["done", "done", "done", "done", "draft"])

    def test_failed_batch_then_resume(self):
        """The third customer's credit sits on a receivable account that is
        taken out of use once the run is proposed: the first batch stays posted,
        the second fails and names that customer, and posting the run again
        once the account is usable finishes it, every credit once."""
        stuck = self.customers[2]
        run, old_receivable = self._run_stuck_at(stuck)

        self._run_cron()
        self.assertEqual(self._run_cron(), {"done": 2, "remaining": 0})

        self.assertRecordValues(run, [{"state": "failed", "progress_done": 2}])
        self.assertIn(stuck.name, run.error_message)
        self.assertIn(test_series.ACCOUNT_OUT_OF_USE_ERROR, run.error_message)
        self.assertEqual(run.line_ids.mapped("state"), ["done", "done", "draft", "draft", "draft"])
        for line in run.line_ids[:2]:
            self.assertReimbursed(line, line.customer_id, self._amount(line.customer_id))
        for customer in self.customers[2:]:
            self.assertEqual(self._open_residual(customer), -self._amount(customer) - (5.0 if customer == stuck else 0))
        self.assertEqual(self._account_balance(self.clearing), 0.0)
        self.assertIn("Posting stopped", self._chatter(run))
        [notification] = self._notifications(self.env.user)
        self.assertEqual(notification["type"], "danger")
        self.assertIn(stuck.name, notification["message"])

        test_series.set_account_in_use(old_receivable, True)
        run.action_post()
        self.assertEqual(run.state, "posting")
        self.assertEqual(self._run_cron(), {"done": 2, "remaining": 1})
        self.assertEqual(self._run_cron(), {"done": 1, "remaining": 0})

        self.assertRecordValues(run, [{"state": "done", "error_message": False, "amount_total": 65.0}])
        for line in run.line_ids:
            amount = self._amount(line.customer_id) + (5.0 if line.customer_id == stuck else 0.0)
            self.assertReimbursed(line, line.customer_id, amount)
            self.assertEqual(self._open_residual(line.customer_id), 0.0)
        self.assertEqual(
            self.env["account.reimbursement.line"].search_count(
                [("customer_id", "in", self.customers.ids), ("state", "=", "done")]
            ),
            5,
        )

    def test_failure_inside_a_batch_keeps_the_lines_before_it(self):
        """The failing customer is the second of its batch: the first one of
        that batch is posted on its own before the run stops."""
        stuck = self.customers[3]
        run, _old_receivable = self._run_stuck_at(stuck)

        self._run_cron()
        self._run_cron()

        self.assertRecordValues(run, [{"state": "failed", "progress_done": 3}])
        self.assertEqual(run.line_ids.mapped("state"), ["done", "done", "done", "draft", "draft"])
        self.assertReimbursed(run.line_ids[2], self.customers[2], 12.0)
        self.assertEqual(self._open_residual(stuck), -18.0)

    def test_failed_run_cancelled(self):
        """Giving up a failed run: its posted reimbursements are cancelled,
        their credits open again, and the lines it had not posted yet are
        cancelled with it."""
        stuck = self.customers[2]
        run, _old_receivable = self._run_stuck_at(stuck)
        self._run_cron()
        self._run_cron()
        self.assertEqual(run.state, "failed")

        run.action_cancel()

        self.assertRecordValues(run, [{"state": "cancelled", "amount_total": 0.0}])
        self.assertEqual(run.line_ids.mapped("state"), ["cancelled"] * 5)
        self.assertEqual(run.line_ids.bill_id.mapped("state"), ["cancel", "cancel"])
        for customer in self.customers:
            self.assertEqual(self._open_residual(customer), -self._amount(customer) - (5.0 if customer == stuck else 0))
        self.assertEqual(self._account_balance(self.clearing), 0.0)

    def test_nothing_to_post(self):
        self.assertEqual(self._run_cron(), {"done": 0, "remaining": 0})
        self.assertFalse(self._triggers())

    def test_background_run_queues_the_advice_batch_by_batch(self):
        """The remittance advice of each batch is queued with it, so that a
        customer is told only of what was posted and committed."""
        self.customers[:4].write({"email": "customer@background.example"})
        run = self._reimburse(self.customers, notify_customers=True)

        def advice_for(lines):
            return self.env["mail.mail"].search(
                [("model", "=", "account.reimbursement.line"), ("res_id", "in", lines.ids)]
            )

        self._run_cron()
        posted = run.line_ids.filtered(lambda line: line.state == "done")
        self.assertEqual(len(posted), 2)
        self.assertEqual(advice_for(run.line_ids), advice_for(posted))
        self.assertEqual(len(advice_for(posted)), 2)

        self._run_cron()
        self._run_cron()

        self.assertEqual(run.state, "done")
        mails = advice_for(run.line_ids)
        self.assertEqual(mails.recipient_ids, self.customers[:4])
        self.assertEqual(set(mails.mapped("state")), {"outgoing"})
        self.assertIn(
            f"who have no e-mail address: {self.customers[4].name}",
            self._chatter(run),
        )
