from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestScheduledReimbursement(ReimbursementCommon):
    """The scheduled job makes each company's run when its next date comes,
    with the company's default options."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        cls.reviewer = cls._manager("schedule_reviewer")
        cls.customer = cls._customer("Scheduled Customer")
        cls._credit_note(cls.customer, 90.0)
        # Only this test's customers: the other companies' and demo data stay out.
        cls.company.write(
            {
                "reimbursement_schedule": "propose",
                "reimbursement_schedule_interval": "monthly",
                "reimbursement_next_date": cls.today,
                "reimbursement_responsible_id": cls.reviewer.id,
                "reimbursement_partner_domain": str([("id", "in", cls.customer.ids)]),
                "reimbursement_summarize_customer": False,
            }
        )

    def _runs(self):
        return self.env["account.reimbursement"].search([("company_id", "=", self.company.id)])

    def _run_job(self):
        self.env["res.company"]._cron_scheduled_reimbursements()

    def test_propose_makes_a_draft_run_to_review(self):
        self._run_job()

        run = self._runs()
        self.assertRecordValues(
            run,
            [
                {
                    "state": "draft",
                    "date": self.today,
                    "summarize_customer": False,
                    "partner_domain": str([("id", "in", self.customer.ids)]),
                    "amount_total": 90.0,
                }
            ],
        )
        self.assertEqual(run.line_ids.customer_id, self.customer)
        self.assertEqual(run.activity_ids.user_id, self.reviewer)
        self.assertIn(run.name, run.activity_ids.summary)
        self.assertEqual(self._open_residual(self.customer), -90.0)
        self.assertEqual(self.company.reimbursement_next_date, self.today + relativedelta(months=1))

        # Not due again before the next date.
        self._run_job()
        self.assertEqual(len(self._runs()), 1)

    def test_post_reimburses_and_moves_on_a_week(self):
        self.company.write({"reimbursement_schedule": "post", "reimbursement_schedule_interval": "weekly"})

        self._run_job()

        run = self._runs()
        self.assertEqual(run.state, "done")
        self.run_date = self.today
        self.assertReimbursed(run.line_ids, self.customer, 90.0, vendor=run.line_ids.vendor_id)
        self.assertEqual(self._open_residual(self.customer), 0.0)
        self.assertEqual(self.company.reimbursement_next_date, self.today + relativedelta(weeks=1))

    def test_post_waits_for_approval_when_required(self):
        self.company.write({"reimbursement_schedule": "post", "reimbursement_approval_required": True})

        self._run_job()

        run = self._runs()
        self.assertEqual(run.state, "draft")
        approval = self.env.ref("reimbursement_addon.mail_activity_type_reimbursement_approval")
        self.assertEqual(run.activity_ids.activity_type_id, approval)
        self.assertEqual(run.activity_ids.user_id, self.reviewer)

        run.with_user(self.reviewer).action_post()
        self.assertEqual(run.state, "done")
        self.assertEqual(self._open_residual(self.customer), 0.0)

    def test_nothing_to_reimburse_makes_no_run_and_moves_on(self):
        self.company.reimbursement_next_date = self.today - relativedelta(months=2, days=3)
        self.company.reimbursement_min_amount = 1000.0

        self._run_job()

        self.assertFalse(self._runs())
        self.assertEqual(
            self.company.reimbursement_next_date, self.today - relativedelta(months=2, days=3) + relativedelta(months=3)
        )

    def test_a_failing_company_does_not_stop_the_others(self):
        other_data = self.setup_other_company(name="Scheduled Other")
        other = other_data["company"]
        other_customer = self._customer("Scheduled Other Customer")
        self.env["account.move"].with_company(other).create(
            {
                "move_type": "out_refund",
                "partner_id": other_customer.id,
                "invoice_date": "2019-01-15",
                "invoice_line_ids": [Command.create({"name": "Refund", "quantity": 1, "price_unit": 40.0})],
            }
        ).action_post()
        other.write(
            {
                "reimbursement_schedule": "post",
                "reimbursement_next_date": self.today,
                "reimbursement_partner_domain": str([("id", "in", other_customer.ids)]),
            }
        )
        # The first company's filter is broken: its run cannot be made.
        self.company.reimbursement_partner_domain = "[('no_such_field', '=', 1)]"

        with self.assertLogs("odoo.addons.reimbursement_addon.models.res_company", "ERROR"):
            self._run_job()

        self.assertFalse(self._runs())
        self.assertEqual(self.company.reimbursement_next_date, self.today, "tried again tomorrow")
        other_run = self.env["account.reimbursement"].search([("company_id", "=", other.id)])
        self.assertEqual(other_run.state, "done")
        self.assertEqual(other_run.amount_total, 40.0)
        self.assertEqual(other.reimbursement_next_date, self.today + relativedelta(months=1))

    def test_wizard_starts_from_the_company_defaults(self):
        self.company.write({"reimbursement_include_debit_customers": True, "reimbursement_offset_debits": False})

        wizard = self.env["account.reimbursement.wizard"].create({})

        self.assertRecordValues(
            wizard,
            [
                {
                    "summarize_customer": False,
                    "include_debit_customers": True,
                    "offset_debits": False,
                    "partner_domain": str([("id", "in", self.customer.ids)]),
                }
            ],
        )
