import logging
import time
import weakref

from markupsafe import escape

from odoo import api, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, config

from .. import series

_logger = logging.getLogger(__name__)

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
    posting the payments of a large payment order. One protocol for both:
    a batch that fails is rolled back, its items are done again one at a
    time up to the one that fails, which the record's error names; the
    record is then failed, and starting it again goes on from there; the
    user who started the work is told how it ended.

    A model using it names its cron job in ``_background_cron`` and says,
    in the hooks below: which records have work left and how much, who
    the work runs as, what a batch is, how it is done, and the record's
    states (started, failed, finished)."""

    _name = "reimbursement.background.mixin"
    _description = "Customer Reimbursement: Work in the Background"

    # The XML id of the cron job that calls _cron_run_background_batches().
    _background_cron = None

    # ------------------------------------------------------------------
    # The hooks of a model using the protocol
    # ------------------------------------------------------------------

    def _get_background_condition(self):
        """The SQL condition on this model's table of the records with work
        left for the job."""
        raise NotImplementedError

    @api.model
    def _count_background_remaining(self):
        """How many items the job has left, over all records."""
        raise NotImplementedError

    def _get_background_user(self):
        """The user who started this record's work: its batches run as this
        user, who is told how the work ended."""
        raise NotImplementedError

    def _get_background_batch(self):
        """The next items of this record's work."""
        raise NotImplementedError

    def _process_background_items(self, items):
        """Do ``items`` of this record's work and count them done: a batch,
        or one item when a failing batch is done again item by item. The
        caller holds a savepoint."""
        raise NotImplementedError

    def _has_background_work_left(self):
        raise NotImplementedError

    def _finish_background_work(self):
        """The last batch is done: the record's state after its work."""
        raise NotImplementedError

    def _fail_background_work(self, item, error):
        """``item`` failed with ``error``: the record's failed state, with
        a message naming the item, written in its chatter too."""
        raise NotImplementedError

    def _get_background_progress(self):
        """(state, done, total) of this record's work, as its form shows them."""
        raise NotImplementedError

    def _get_background_outcome(self):
        """(failed, title, message) of the notification telling the user
        how this record's work ended."""
        raise NotImplementedError

    def _after_background_batch(self, count, cpu_seconds):
        """A batch of ``count`` items went through in ``cpu_seconds`` of
        processor time, before the end of work is looked at."""

    # ------------------------------------------------------------------
    # The protocol
    # ------------------------------------------------------------------

    def _start_background_work(self, message):
        """Hand this record's work, started or resumed after a failure, to
        the job, and say so (``message``) in its chatter: the job goes on
        from the first item not done."""
        self.ensure_one()
        self._message_log(body=escape(message))
        self._trigger_background_job()

    def _run_background_batch(self):
        """Do the next batch of this record (locked by the caller) as the
        user who started its work, in a savepoint: a batch that fails is
        rolled back and fails the record (see :meth:`_fail_background_batch`),
        never half done. The end of the work, failed or finished, is told
        to that user.

        :return: how many items the batch processed, or None when it must
            wait for a concurrent transaction
        """
        self.ensure_one()
        user = self._get_background_user()
        record = self.with_user(user).with_company(self.company_id).with_context(lang=user.lang)
        batch = record._get_background_batch()
        started = time.process_time()
        try:
            with self.env.cr.savepoint():
                record._process_background_items(batch)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            return None
        except Exception:  # whatever stops a batch fails the work, with its cause
            if record._fail_background_batch(batch):
                record._send_background_progress()
                return len(batch)
        else:
            record._after_background_batch(len(batch), time.process_time() - started)
        self.env.invalidate_all()
        if not record._has_background_work_left():
            record._finish_background_work()
            record._notify_background_user()
        record._send_background_progress()
        return len(batch)

    def _fail_background_batch(self, batch):
        """``batch`` failed and was rolled back: do its items one at a time
        (each in a savepoint) up to the one that fails, so that the error
        names it, then fail the record and tell its user. The items before
        it stay done, as do the batches before.

        :return: whether an item failed (else each went through alone)
        """
        self.ensure_one()
        for item in batch:
            try:
                with self.env.cr.savepoint():
                    self._process_background_items(item)
            except Exception as error:  # the failure being looked for
                _logger.warning(
                    "%s %s failed at %s", self._description, self.display_name, item.display_name, exc_info=error
                )
                self._fail_background_work(item, error)
                self._notify_background_user()
                return True
        return False

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

    @api.model
    def _format_error(self, error):
        """What the user reads of an error that stopped a batch: a user
        error's own message, else the exception's type and text."""
        return error.args[0] if isinstance(error, UserError) else f"{type(error).__name__}: {error}"

    def _notify_background_user(self):
        """Tell the user who started this record's work, in the web client,
        how it ended (see :meth:`_get_background_outcome`): a notification
        that stays when it failed, with a button to the record."""
        self.ensure_one()
        failed, title, message = self._get_background_outcome()
        self._get_background_user().partner_id._bus_send(
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

    def _send_background_progress(self):
        """Tell the web clients how far this record's background work is,
        through Odoo's bus, once the batch is committed: a form showing the
        record reloads it, so that its progress bar moves and it shows the
        end without a reload by the user. Sent to the accounting groups; the
        message holds no more than the record's model, id, state and counts."""
        self.ensure_one()
        state, done, total = self._get_background_progress()
        payload = {
            "model": self._name,
            "id": self.id,
            "state": state,
            "progress_done": done,
            "progress_total": total,
        }
        for xmlid in PROGRESS_GROUPS:
            self.env["bus.bus"]._sendone(self.env.ref(xmlid), PROGRESS_NOTIFICATION, payload)
