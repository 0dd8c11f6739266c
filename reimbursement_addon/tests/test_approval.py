from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestReimbursementApproval(ReimbursementCommon):
    """Four eyes: a run is posted only by an accounting manager other than
    the one who proposed it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.reimbursement_approval_required = True
        cls.proposer = cls._manager("approval_proposer", cls.company)
        cls.reviewer = cls._manager("approval_reviewer", cls.company)
        cls.colleague = cls._manager("approval_colleague", cls.company)
        cls.customer = cls._customer("Four Eyes Customer")
        cls._credit_note(cls.customer, 120.0)

    def _approval_activities(self, run):
        approval = self.env.ref("reimbursement_addon.mail_activity_type_reimbursement_approval")
        return run.activity_ids.filtered(lambda activity: activity.activity_type_id == approval)

    def test_reimburse_waits_for_the_reviewer(self):
        self.company.reimbursement_responsible_id = self.reviewer

        run = self._reimburse(self.customer, user=self.proposer)

        self.assertRecordValues(
            run, [{"state": "draft", "user_id": self.proposer.id, "approved_by_id": False, "approval_date": False}]
        )
        self.assertFalse(run.line_ids.bill_id)
        self.assertEqual(self._open_residual(self.customer), -120.0)
        self.assertEqual(self._approval_activities(run).user_id, self.reviewer)
        self.assertIn("Waiting for the approval of Approval Reviewer", run.message_ids.mapped("body")[0])

        with self.assertRaisesRegex(UserError, "wants another accounting manager to approve"):
            run.with_user(self.proposer).action_post()
        self.assertEqual(run.state, "draft")
        self.assertFalse(run.line_ids.bill_id)

        run.with_user(self.reviewer).action_post()

        self.assertRecordValues(
            run, [{"state": "done", "approved_by_id": self.reviewer.id, "posted_by_id": self.reviewer.id}]
        )
        self.assertTrue(run.approval_date)
        self.assertFalse(self._approval_activities(run))
        self.assertIn("Approved by Approval Reviewer.", run.message_ids.mapped("body")[1])
        self.assertReimbursed(run.line_ids, self.customer, 120.0)
        self.assertEqual(self._open_residual(self.customer), 0.0)

    def test_proposer_without_email_address(self):
        """A proposer whose user has no e-mail address: the run and the
        reviewer's activity are made, and the reviewer is notified (from
        Odoo's default sender address; the proposer stays the author)."""
        self.company.reimbursement_responsible_id = self.reviewer
        self.proposer.email = False

        run = self._reimburse(self.customer, user=self.proposer)

        self.assertRecordValues(run, [{"state": "draft", "user_id": self.proposer.id}])
        self.assertEqual(self._approval_activities(run).user_id, self.reviewer)
        # A notification only its author and recipient may read.
        notification = (
            self.env["mail.message"]
            .sudo()
            .search([("model", "=", run._name), ("res_id", "=", run.id), ("message_type", "=", "user_notification")])
        )
        self.assertRecordValues(
            notification, [{"author_id": self.proposer.partner_id.id, "partner_ids": self.reviewer.partner_id.ids}]
        )
        self.assertEqual(self._open_residual(self.customer), -120.0)
        run.with_user(self.reviewer).action_post()
        self.assertReimbursed(run.line_ids, self.customer, 120.0)

    def test_any_other_manager_may_approve(self):
        self.company.reimbursement_responsible_id = self.reviewer
        run = self._reimburse(self.customer, user=self.proposer)

        run.with_user(self.colleague).action_post()

        self.assertEqual(run.approved_by_id, self.colleague)
        self.assertFalse(self._approval_activities(run))
        self.assertReimbursed(run.line_ids, self.customer, 120.0)

    def test_reviewer_who_proposed_asks_the_other_managers(self):
        self.company.reimbursement_responsible_id = self.proposer

        run = self._reimburse(self.customer, user=self.proposer)

        asked = self._approval_activities(run).user_id
        self.assertIn(self.reviewer, asked)
        self.assertIn(self.colleague, asked)
        self.assertNotIn(self.proposer, asked)
        self.assertTrue(all(user.has_group("account.group_account_manager") for user in asked))
        self.assertTrue(all(self.company in user.company_ids for user in asked))

    def test_propose_asks_for_approval_too(self):
        self.company.reimbursement_responsible_id = self.reviewer
        wizard = self._wizard(self.customer, user=self.proposer)

        run = self.env["account.reimbursement"].browse(wizard.action_propose()["res_id"])

        self.assertEqual(run.state, "draft")
        self.assertEqual(self._approval_activities(run).user_id, self.reviewer)

    def test_cancelled_proposal_drops_the_review(self):
        self.company.reimbursement_responsible_id = self.reviewer
        run = self._reimburse(self.customer, user=self.proposer)

        run.with_user(self.reviewer).action_cancel()

        self.assertEqual(run.state, "cancelled")
        self.assertFalse(self._approval_activities(run))

    def test_without_another_manager_refused(self):
        company_b = self.setup_other_company(name="Four Eyes Alone")["company"]
        company_b.reimbursement_approval_required = True
        alone = self._manager("approval_alone", company_b)
        # The test user is an accounting manager of every test company.
        self.env.user.company_ids -= company_b
        run = (
            self.env["account.reimbursement"]
            .with_user(alone)
            .with_company(company_b)
            .create({"company_id": company_b.id, "date": self.run_date})
        )

        with self.assertRaisesRegex(UserError, "has no other accounting manager"):
            run._request_approval()

    def test_approval_not_required_posts_at_once(self):
        self.company.reimbursement_approval_required = False

        run = self._reimburse(self.customer, user=self.proposer)

        self.assertRecordValues(run, [{"state": "done", "approved_by_id": False, "posted_by_id": self.proposer.id}])
        self.assertFalse(self._approval_activities(run))
