from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import MissingError, UserError, ValidationError
from odoo.tests import tagged

from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestBadInput(ReimbursementCommon):
    """What a user or an RPC client may send at the edges ends in a clear
    error in the user's language, never in a raw database error, and
    writes nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Edge Customer")
        cls._credit_note(cls.customer, 45.0)

    def assertNothingDone(self, moves_before, runs_before):
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
        self.assertEqual(self.env["account.reimbursement"].search_count([]), runs_before)
        self.assertEqual(self._open_residual(self.customer), -45.0)

    def _counts(self):
        return self.env["account.move"].search_count([]), self.env["account.reimbursement"].search_count([])

    def test_background_threshold_beyond_the_database(self):
        """PostgreSQL stores the threshold in an integer: a larger number is
        refused before it reaches the database."""
        with self.assertRaisesRegex(ValidationError, "background posting threshold .* at most 1,000,000,000"):
            self.company.reimbursement_background_threshold = 10**10
        with self.assertRaisesRegex(ValidationError, "background posting threshold .* cannot be negative"):
            self.company.reimbursement_background_threshold = -1
        self.company.reimbursement_background_threshold = 10**9
        self.env.flush_all()
        self.assertEqual(self.company.reimbursement_background_threshold, 10**9)

    def test_run_date_that_is_not_a_date(self):
        counts = self._counts()
        for value in ("not a date", "2026-02-30", 20260115):
            with self.assertRaisesRegex(UserError, "is not a date"):
                self._wizard(self.customer, date=value)
        self.assertNothingDone(*counts)

    def test_absurd_run_dates_refused(self):
        """A date of year 1 or 9999, or years ahead (a mistyped year), is
        refused up front with the dates a run may take."""
        today = fields.Date.context_today(self.env.user)
        counts = self._counts()
        for date in (fields.Date.from_string("0001-01-01"), today + relativedelta(years=2), "9999-12-31"):
            with self.assertRaisesRegex(UserError, "is not a plausible date for a reimbursement"):
                self._wizard(self.customer, date=date).action_preview()
            with self.assertRaisesRegex(UserError, "is not a plausible date for a reimbursement"):
                self._reimburse(self.customer, date=date)
        self.assertNothingDone(*counts)
        # A year ahead is still allowed (a run dated at the end of the period).
        line = self._reimburse(self.customer, date=today + relativedelta(months=11)).line_ids
        self.assertEqual(line.bill_id.invoice_date, today + relativedelta(months=11))

    def test_next_date_long_past_makes_one_run_and_moves_past_today(self):
        today = fields.Date.context_today(self.env.user)
        self.company.write(
            {
                "reimbursement_schedule": "propose",
                "reimbursement_schedule_interval": "monthly",
                "reimbursement_next_date": "1990-01-31",
                "reimbursement_partner_domain": str([("id", "in", self.customer.ids)]),
            }
        )
        self.env["res.company"]._cron_scheduled_reimbursements()

        runs = self.env["account.reimbursement"].search([("company_id", "=", self.company.id)])
        self.assertRecordValues(runs, [{"state": "draft", "date": today, "amount_total": 45.0}])
        self.assertGreater(self.company.reimbursement_next_date, today)
        self.assertLessEqual(self.company.reimbursement_next_date, today + relativedelta(months=1))

    def test_ids_that_do_not_exist(self):
        with self.assertRaisesRegex(MissingError, "Record does not exist or has been deleted"):
            self.env["account.reimbursement"].browse(10**9).action_post()
        with self.assertRaisesRegex(MissingError, "Record does not exist or has been deleted"):
            self.env["account.reimbursement.line"].browse(10**9).action_cancel()
