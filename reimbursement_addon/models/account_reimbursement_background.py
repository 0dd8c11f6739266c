from markupsafe import escape

from odoo import api, models
from odoo.tools import SQL

from .engine import BACKGROUND_BATCH_MAX, BACKGROUND_BATCH_MIN, ENGINE
from .reimbursement_proposal import KIND_REIMBURSEMENT


class AccountReimbursement(models.Model):
    """Posting in the background: a run larger than its company's threshold
    is posted by the cron job, batch by batch (the protocol of
    ``reimbursement.background.mixin``), as the user who posted it."""

    _inherit = "account.reimbursement"  # pylint: disable=consider-merging-classes-inherited

    def _start_background_posting(self):
        self.ensure_one()
        self._mark_posting()
        self._start_background_work(
            self.env._(
                "Posting %(count)s reimbursement(s) in the background, started by %(user)s.",
                count=self.progress_total - self.progress_done,
                user=self.env.user.name,
            )
        )

    @api.model
    def _cron_post_reimbursements(self):
        """Post the runs in ``posting``, a batch at a time, each batch in a
        transaction of its own, within Odoo's time limits (see
        ``_cron_run_background_batches()``)."""
        self._cron_run_background_batches()

    # ------------------------------------------------------------------
    # The hooks of the background protocol
    # ------------------------------------------------------------------

    def _get_background_condition(self):
        return SQL("state = 'posting'")

    @api.model
    def _count_background_remaining(self):
        return self.env["account.reimbursement.line"].search_count(
            [("state", "=", "draft"), ("reimbursement_id.state", "=", "posting")]
        )

    def _get_background_user(self):
        return self.posted_by_id

    def _get_background_batch(self):
        """The next draft lines to post: as many as the speed measured so far
        posts in most of a window's CPU budget, up to a request's batch."""
        self.ensure_one()
        size = int(self.posting_rate * self._get_cron_window_budget()[1] * 0.8)
        size = max(BACKGROUND_BATCH_MIN, min(BACKGROUND_BATCH_MAX, size))
        return self.env["account.reimbursement.line"].search(
            [("reimbursement_id", "=", self.id), ("state", "=", "draft")], order="id", limit=size
        )

    def _process_background_items(self, items):
        self._post_batch(items)

    def _after_background_batch(self, count, cpu_seconds):
        done_before = self.progress_done - count
        self.with_context(**{ENGINE: True}).posting_rate = count / cpu_seconds if cpu_seconds else BACKGROUND_BATCH_MAX
        if done_before.bit_length() < self.progress_done.bit_length():
            # The statistics see the run's documents as they grow (each time
            # their number doubles), not only those of its first small batch.
            self._refresh_statistics()

    def _has_background_work_left(self):
        self.ensure_one()
        return bool(
            self.env["account.reimbursement.line"].search_count(
                [("reimbursement_id", "=", self.id), ("state", "=", "draft")], limit=1
            )
        )

    def _finish_background_work(self):
        self._finish_posting()

    def _fail_background_work(self, item, error):
        """The run is failed at the line ``item``; posting it again goes on
        from that line."""
        self._mark_failed(
            self.env._(
                "The reimbursement of %(customer)s failed: %(cause)s",
                customer=item.customer_id.display_name,
                cause=self._format_error(error),
            )
        )
        self._message_log(
            body=escape(
                self.env._(
                    "Posting stopped: %(error)s %(done)s of %(total)s reimbursement(s) are posted or "
                    "skipped. Correct the cause, then post the run again to go on.",
                    error=self.error_message,
                    done=self.progress_done,
                    total=self.progress_total,
                )
            )
        )

    def _get_background_progress(self):
        return self.state, self.progress_done, self.progress_total

    def _get_background_outcome(self):
        if self.state == "failed":
            return True, self.env._("Reimbursement failed"), self.error_message
        reimbursed = self.line_ids.filtered(lambda line: line.state == "done" and line.kind == KIND_REIMBURSEMENT)
        return (
            False,
            self.env._("Reimbursement posted"),
            self.env._(
                "%(run)s is posted: %(count)s reimbursement(s), %(total)s.",
                run=self.name,
                count=len(reimbursed),
                total=self.company_currency_id.format(self.amount_total),
            ),
        )
