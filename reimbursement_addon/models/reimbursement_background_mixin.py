import time
import weakref

from odoo import api, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, config

from .. import series

# Odoo's cron runner calls a job that reports progress several times in a
# row, on one cursor and under one time limit (a window): the window's one
# working call uses at most this share of each limit.
CRON_WINDOW_SHARE = 0.5
# The cursors of the runner's windows that have had their working call. A
# window's calls share its cursor, which lives as long as the window (its
# cache is cleared at each commit, so it cannot tell); each job has its own.
WINDOWS_WORKED = weakref.WeakSet()
# Odoo's default limit_time_real, for a server started without any limit.
DEFAULT_TIME_LIMIT = 120
# The bus notification of a background batch committed, and who receives
# it: the accounting groups (see _send_background_progress()).
PROGRESS_NOTIFICATION = "account.reimbursement/progress"
PROGRESS_GROUPS = ("account.group_account_invoice", "account.group_account_readonly")


class ReimbursementBackgroundMixin(models.AbstractModel):
    """Work done by one of Odoo's cron jobs, batch by batch, each batch in a
    transaction of its own, inside Odoo's time limits: posting a large run,
    posting the payments of a large payment order.

    A model using it names its cron job in ``_background_cron`` and says
    which records have work left (``_get_background_condition()``), what
    one batch of a record is (``_run_background_batch()``) and how much is
    left in all (``_count_background_remaining()``)."""

    _name = "reimbursement.background.mixin"
    _description = "Customer Reimbursement: Work in the Background"

    # The XML id of the cron job that calls _cron_run_background_batches().
    _background_cron = None

    def _get_background_condition(self):
        """The SQL condition on this model's table of the records with work
        left for the job."""
        raise NotImplementedError

    def _run_background_batch(self):
        """Do the next batch of this record's work (the record is locked by
        the caller), in a savepoint: a batch that fails is rolled back and
        recorded on the record, never half done.

        :return: how many items the batch processed, or None when it must
            wait for a concurrent transaction
        """
        raise NotImplementedError

    @api.model
    def _count_background_remaining(self):
        """How many items the job has left, over all records."""
        raise NotImplementedError

    def _trigger_background_job(self):
        self.env.ref(self._background_cron)._trigger()

    @api.model
    def _cron_run_background_batches(self):
        """Do the records' work, a batch at a time, each batch in a
        transaction of its own (all or nothing per batch), for as long as
        the window's share of Odoo's time limits allows; then report the
        progress and call the job again for what is left. Called with
        nothing left, it does nothing.

        Odoo's cron runner calls a job that reports progress and has work
        left again at once, on the same cursor and under the same time
        limits (18.0 up to 10 times, 19.0 at least 10 times and 10 seconds):
        a window. Its first call works for the whole window's budget; the
        next call of that window does nothing and reports no progress, which
        ends the window, and the trigger starts the next one."""
        window_worked = self.env.cr in WINDOWS_WORKED
        real_budget, cpu_budget = self._get_cron_window_budget()
        started, cpu_started = time.monotonic(), time.process_time()
        done = 0
        waiting = False
        while not window_worked and (record := self._lock_next_background_record()):
            batch_started, batch_cpu_started = time.monotonic(), time.process_time()
            processed = record._run_background_batch()
            if processed is None:
                # A concurrent transaction holds the batch's items: later.
                self.env.cr.rollback()
                waiting = True
                break
            done += processed
            # Each batch is kept whatever happens to the next one: that is what
            # lets work of any size finish, across calls and server restarts.
            series.commit_progress(self.env, processed, done, self._count_background_remaining())
            # Another batch only if one like this one still fits in the budget.
            now, cpu = time.monotonic(), time.process_time()
            if (
                now - started + (now - batch_started) > real_budget
                or cpu - cpu_started + (cpu - batch_cpu_started) > cpu_budget
            ):
                break
        if done:
            WINDOWS_WORKED.add(self.env.cr)
        remaining = self._count_background_remaining()
        series.commit_progress(self.env, 0, done, remaining)
        if remaining and (done or waiting or window_worked):
            self._trigger_background_job()

    @api.model
    def _get_cron_window_budget(self):
        """(real seconds, CPU seconds) the working call of a window of a
        background job may work for: CRON_WINDOW_SHARE of Odoo's real-time
        limit of cron jobs and, in multi-worker mode, of its CPU-time limit."""
        real = config["limit_time_real_cron"] if config["limit_time_real_cron"] > 0 else config["limit_time_real"]
        real = real if real and real > 0 else DEFAULT_TIME_LIMIT
        cpu = config["limit_time_cpu"] if config["limit_time_cpu"] and config["limit_time_cpu"] > 0 else real
        return real * CRON_WINDOW_SHARE, cpu * CRON_WINDOW_SHARE

    @api.model
    def _lock_next_background_record(self):
        """The oldest record with work left that no other worker is on,
        locked until the end of the transaction; empty when there is none."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM %s WHERE %s ORDER BY id LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED",
                        SQL.identifier(self._table),
                        self._get_background_condition(),
                    )
                )
                row = self.env.cr.fetchone()
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            # Another worker committed a batch of it since this transaction
            # began: it is on it.
            return self.browse()
        # What this worker cached may predate the batches another one did.
        self.env.invalidate_all()
        return self.browse(row[0]) if row else self.browse()

    def _find_failing_item(self, batch, process):
        """``batch`` failed and was rolled back: process its items one at a
        time (each in a savepoint, with ``process``) up to the one that
        fails, so that the error can name it. The items before it stay done.

        :return: (the failing item, its exception), or None when each item
            goes through alone
        """
        for item in batch:
            try:
                with self.env.cr.savepoint():
                    process(item)
            except Exception as exc:  # the failure being looked for
                return item, exc
        return None

    @api.model
    def _format_error(self, error):
        """What the user reads of an error that stopped a batch: a user
        error's own message, else the exception's type and text."""
        return error.args[0] if isinstance(error, UserError) else f"{type(error).__name__}: {error}"

    def _notify_background_user(self, user, failed, title, message):
        """Tell ``user``, in the web client, how this record's background
        work ended: ``message`` under ``title``, a notification that stays
        when it ``failed``, with a button to the record."""
        self.ensure_one()
        user.partner_id._bus_send(
            "account_notification",
            {
                "type": "danger" if failed else "success",
                "sticky": failed,
                "title": title,
                "message": message,
                "action_button": {
                    "name": self.env._("Open"),
                    "action_name": self.display_name,
                    "model": self._name,
                    "res_ids": self.ids,
                },
            },
        )

    def _send_background_progress(self, state, done, total):
        """Tell the web clients how far this record's background work is,
        through Odoo's bus, once the batch is committed: a form showing the
        record reloads it, so that its progress bar moves and it shows the
        end without a reload by the user. Sent to the accounting groups; the
        message holds no more than the record's model, id, state and counts."""
        self.ensure_one()
        payload = {
            "model": self._name,
            "id": self.id,
            "state": state,
            "progress_done": done,
            "progress_total": total,
        }
        for xmlid in PROGRESS_GROUPS:
            self.env["bus.bus"]._sendone(self.env.ref(xmlid), PROGRESS_NOTIFICATION, payload)
