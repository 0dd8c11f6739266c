from markupsafe import escape

from odoo import fields, models
from odoo.exceptions import UserError

from .. import series


class AccountReimbursement(models.Model):
    """Four eyes: a run proposed by one accounting manager is approved and
    posted by another; scheduled proposals are given to a reviewer."""

    _inherit = "account.reimbursement"  # pylint: disable=consider-merging-classes-inherited

    def _check_approval(self):
        """With four eyes, refuse that the accounting manager who proposed
        the run posts it."""
        for run in self:
            if run.approval_required and run.user_id == self.env.user:
                raise UserError(
                    self.env._(
                        "You proposed %(run)s: %(company)s wants another accounting manager to approve and post it.",
                        run=run.name,
                        company=run.company_id.display_name,
                    )
                )

    def _get_reviewers(self):
        """Who approves this run: the company's reviewer, unless that is who
        proposed it, else the company's other accounting managers."""
        self.ensure_one()
        reviewer = self.company_id.reimbursement_responsible_id
        if reviewer and reviewer != self.user_id:
            return reviewer
        managers = series.group_users(self.env.ref("account.group_account_manager").sudo())
        return managers.filtered(
            lambda user: self.company_id in user.company_ids and not user.share and user != self.user_id
        ).with_env(self.env)

    def _request_approval(self):
        """Ask the reviewers to approve these draft runs, with an activity
        each, and say so in the chatter."""
        for run in self:
            reviewers = run._get_reviewers()
            if not reviewers:
                raise UserError(
                    self.env._(
                        "%(company)s wants four eyes on reimbursements, but has no other accounting manager "
                        "to approve %(run)s. Give another user the Accounting Administrator rights, or turn "
                        "the approval off in Settings.",
                        company=run.company_id.display_name,
                        run=run.name,
                    )
                )
            note = self.env._(
                "%(user)s proposed this reimbursement run: review its lines, then click Reimburse to approve "
                "and post it.",
                user=run.user_id.name,
            )
            run._schedule_for(reviewers, "reimbursement_addon.mail_activity_type_reimbursement_approval", note)
            run._message_log(
                body=escape(
                    self.env._(
                        "Waiting for the approval of %(reviewers)s.",
                        reviewers=", ".join(reviewers.mapped("name")),
                    )
                )
            )

    def _request_review(self):
        """Ask the reviewers to review these proposals (a scheduled run), with
        an activity each."""
        for run in self:
            run._schedule_for(
                run._get_reviewers(),
                "mail.mail_activity_data_todo",
                self.env._("Review the lines of this proposal, then click Reimburse to post it."),
                summary=self.env._("Review the reimbursement proposal %(run)s", run=run.name),
            )

    def _schedule_for(self, users, activity_type_xmlid, note, **values):
        """An activity of this run for each of ``users``, who are notified
        of it by e-mail. Odoo sends that from the current user's address and
        refuses a user without one: such a user still proposes, and the
        notification goes from Odoo's default sender address instead (the
        user stays its author)."""
        self.ensure_one()
        run = self if self.env.user.email else self.with_context(mail_activity_quick_update=True)
        activities = self.env["mail.activity"]
        for user in users:
            activities |= run.activity_schedule(activity_type_xmlid, user_id=user.id, note=escape(note), **values)
        if run is not self:
            activities.filtered(lambda activity: activity.user_id != self.env.user).sudo().action_notify()

    def _approve(self):
        """Record who approves this run, now, and close the review."""
        self.ensure_one()
        self.write({"approved_by_id": self.env.user.id, "approval_date": fields.Datetime.now()})
        self.activity_unlink(["reimbursement_addon.mail_activity_type_reimbursement_approval"])
        self._message_log(body=escape(self.env._("Approved by %(user)s.", user=self.env.user.name)))
