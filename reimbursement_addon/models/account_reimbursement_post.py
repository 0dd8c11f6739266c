import logging
import time
from collections import defaultdict

from markupsafe import Markup, escape
from psycopg2.errors import LockNotAvailable

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date, split_every

from .engine import BATCH_SIZE, ENGINE, SKIPPED_NAMES_SHOWN, STATISTICS_LOCK_TIMEOUT
from .reimbursement_proposal import KIND_REIMBURSEMENT

_logger = logging.getLogger(__name__)


class AccountReimbursement(models.Model):
    """Posting: the checks before a run is posted, then its lines a batch at
    a time, each line checked again under lock on its customer's open items."""

    _inherit = "account.reimbursement"  # pylint: disable=consider-merging-classes-inherited

    def _check_configuration(self):
        company = self.company_id
        missing = [
            label
            for label, value in (
                (self.env._("Reimbursement Bill Journal"), company.reimbursement_journal_id),
                (self.env._("Reimbursement Transfer Journal"), company.reimbursement_transfer_journal_id),
                (self.env._("Reimbursement Clearing Account"), company.reimbursement_clearing_account_id),
            )
            if not value
        ]
        if missing:
            raise UserError(
                self.env._(
                    "Customer reimbursement is not configured for %(company)s: set %(fields)s "
                    "in Settings > Invoicing > Customer reimbursement.",
                    company=company.display_name,
                    fields=", ".join(missing),
                )
            )

    def _check_date(self):
        self.company_id._check_reimbursement_date(self.date)

    def _check_date_after_items(self, proposals):
        """Refuse a run dated before the newest journal item its
        ``proposals`` settle: its entries would settle credits that did not
        exist yet on their date."""
        self.ensure_one()
        newest = max(
            ((item.date, proposal.customer) for proposal in proposals for item in proposal.items),
            default=None,
            key=lambda pair: pair[0],
        )
        if newest and newest[0] > self.date:
            self._raise_date_before_items(*newest)

    def _check_date_after_lines(self, lines):
        """As :meth:`_check_date_after_items`, for the items ``lines`` were
        proposed with, read in one query."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT aml.date, aml.partner_id FROM account_reimbursement_line_source_rel rel "
                "JOIN account_move_line aml ON aml.id = rel.move_line_id "
                "WHERE rel.reimbursement_line_id IN %s AND aml.date > %s ORDER BY aml.date DESC, aml.id LIMIT 1",
                tuple(lines.ids),
                self.date,
            )
        )
        row = self.env.cr.fetchone()
        if row:
            self._raise_date_before_items(row[0], self.env["res.partner"].browse(row[1]).commercial_partner_id)

    def _raise_date_before_items(self, newest_date, customer):
        raise UserError(
            self.env._(
                "The reimbursement date %(date)s is before the credits it settles: the newest, of "
                "%(customer)s, is dated %(newest)s. Date the reimbursement on or after %(newest)s.",
                date=format_date(self.env, self.date),
                customer=customer.display_name,
                newest=format_date(self.env, newest_date),
            )
        )

    def _check_currency_rates(self, currencies):
        """Refuse foreign-currency credits whose currency has no rate on or
        before the run date: Odoo would value their bills at 1:1."""
        currencies -= self.company_currency_id
        if not currencies:
            return
        rated = self.env["res.currency.rate"]._read_group(
            [
                ("currency_id", "in", currencies.ids),
                ("name", "<=", self.date),
                *self.env["res.currency.rate"]._check_company_domain(self.company_id),
            ],
            groupby=["currency_id"],
        )
        missing = currencies - self.env["res.currency"].union(*(currency for (currency,) in rated))
        if missing:
            raise UserError(
                self.env._(
                    "There is no exchange rate of %(currencies)s on or before %(date)s, so its credits "
                    "cannot be valued. Add the rate in Accounting > Configuration > Currencies, then "
                    "reimburse again.",
                    currencies=", ".join(sorted(missing.mapped("name"))),
                    date=format_date(self.env, self.date),
                )
            )

    def _lock_runs(self):
        """Lock these runs until the end of the transaction: two users, or a
        user and the background job, never post the same run at once."""
        self.env.cr.execute(
            SQL("SELECT id FROM account_reimbursement WHERE id IN %s ORDER BY id FOR NO KEY UPDATE", tuple(self.ids))
        )
        self.invalidate_recordset(["state"])

    def _post(self):
        """Post these draft or failed runs. A run with at most its company's
        background threshold of lines to post is posted in this call, all or
        nothing; a larger one is handed to the background job and is
        ``posting`` when this returns.

        :return: the runs
        """
        if not self:
            return self
        self._lock_runs()
        lines_to_post = {}
        for run in self:
            if run.state not in ("draft", "failed"):
                raise UserError(
                    self.env._(
                        "%(run)s cannot be posted: only a draft run, or one whose posting failed, can be.",
                        run=run.name,
                    )
                )
            run._check_approval()
            lines = lines_to_post[run] = run._get_lines_to_post()
            if not lines:
                raise UserError(self.env._("%(run)s has no reimbursement left to post.", run=run.name))
            run._check_configuration()
            run._check_date()
            run._check_date_after_lines(lines)
            run._check_currency_rates(lines.currency_id)
        for run, lines in lines_to_post.items():
            run = run.with_context(**{ENGINE: True})
            if run.approval_required and not run.approved_by_id:
                run._approve()
            run.write(
                {
                    "posted_by_id": self.env.user.id,
                    "progress_total": len(run.line_ids),
                    "progress_done": len(run.line_ids - lines),
                    "error_message": False,
                }
            )
            if len(lines) > run.company_id.reimbursement_background_threshold:
                run._start_background_posting()
            else:
                # All or nothing, even for a caller that catches the error and
                # goes on in the same transaction.
                with self.env.cr.savepoint():
                    run._post_lines(lines)
                    run._finish_posting()
        return self

    def _get_lines_to_post(self):
        self.ensure_one()
        return self.line_ids.filtered(lambda line: line.state == "draft")

    def _post_lines(self, lines):
        """Post ``lines`` of this run a batch at a time, so that memory stays
        bounded; a long run logs its progress."""
        started = time.monotonic()
        done = 0
        customers_total = len(lines.customer_id)
        customers_done = set()
        for number, batch in enumerate(split_every(BATCH_SIZE, lines.ids, lines.browse)):
            self._post_batch(batch)
            done += len(batch)
            customers_done.update(batch.customer_id.ids)
            elapsed = time.monotonic() - started
            _logger.info(
                "Customer reimbursement %s: %s of %s customers reimbursed (%s of %s reimbursements), "
                "%.1f customers per second",
                self.name,
                len(customers_done),
                customers_total,
                done,
                len(lines),
                len(customers_done) / elapsed if elapsed else 0.0,
            )
            # Forget the batch's records: the next batch starts from a small cache.
            self.env.invalidate_all()
            if number == 0 and done < len(lines):
                self._refresh_statistics()

    def _post_batch(self, lines):
        """Post one batch of this run's draft ``lines``: each is checked
        again under the lock on its customer's open items, then the batch's
        bills and its transfer entry are created, posted and reconciled.

        :return: the lines posted (the others were skipped)
        """
        self.ensure_one()
        # The documents' chatter gets one message naming the run instead of
        # per-record creation and tracking messages.
        run = self.with_company(self.company_id).with_context(
            tracking_disable=True, mail_create_nosubscribe=True, **{ENGINE: True}
        )
        lines = lines.with_env(run.env)
        proposals = run._check_lines(lines)
        to_post = lines.filtered(lambda line: line in proposals)
        reimbursements = to_post.filtered(lambda line: line.kind == KIND_REIMBURSEMENT)
        write_offs = to_post - reimbursements
        if reimbursements:
            # Partners' ranks grow in one update for the batch.
            with self.env["res.partner"]._batch_rank_updates():
                reimbursements._post_reimbursements([proposals[line] for line in reimbursements])
            if run.notify_customers:
                reimbursements._queue_remittance_advice()
        if write_offs:
            write_offs._post_write_offs([proposals[line] for line in write_offs])
        run.progress_done += len(lines)
        return to_post

    def _check_lines(self, lines):
        """Compute again, under lock, the reimbursements of the customers of
        ``lines``. A line whose credit changed or is gone since it was
        proposed is skipped, with its reason, and nothing is posted for it.

        :return: the current :class:`Proposal` of each line still due
        """
        customers = lines.customer_id
        self._lock_open_items(customers)
        current, skipped = self._prepare_proposals(customers)
        by_key = {proposal.key: proposal for proposal in current}
        why_not = {(entry.customer, entry.currency): entry for entry in skipped}
        proposals = {}
        skip_reasons = defaultdict(list)
        for line in lines:
            proposal = by_key.get(line._get_proposal_key())
            if proposal is None:
                reason = line._get_gone_reason(why_not, by_key)
            elif line.currency_id.compare_amounts(proposal.amount, line.amount):
                reason = self.env._(
                    "The credit balance changed since the proposal: %(then)s then, %(now)s now.",
                    then=line.currency_id.format(line.amount),
                    now=line.currency_id.format(proposal.amount),
                )
            elif proposal.item_ids != set(line.source_line_ids.ids):
                reason = self.env._("The open items making up the credit balance changed since the proposal.")
            else:
                proposals[line] = proposal
                continue
            skip_reasons[reason].append(line.id)
        for reason, line_ids in skip_reasons.items():
            lines.browse(line_ids)._mark_skipped(reason)
        return proposals

    def _refresh_statistics(self):
        """Let PostgreSQL's planner see the documents of the first batch.

        Odoo numbers each posted document with a query for the last number of
        its journal and period. When the statistics show no document in that
        period yet (the first run of a month), the planner picks a plan that
        reads every document of the period, those this run posts included:
        each batch then costs more than the one before. Analyzed once the
        first batch is posted (this transaction's own rows count), the
        statistics lead it to the sequence index, at a constant cost.

        ANALYZE holds its lock on the table until the transaction ends: when
        another session holds it (another long run, a VACUUM), this run does
        not wait for it and goes on with the statistics it has.
        """
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(SQL("SET LOCAL lock_timeout = %s", STATISTICS_LOCK_TIMEOUT))
                self.env.cr.execute(SQL("ANALYZE account_move"))
                self.env.cr.execute(SQL("SET LOCAL lock_timeout TO DEFAULT"))
        except LockNotAvailable:
            _logger.info("Customer reimbursement: statistics of account_move not refreshed, another session holds them")

    def _finish_posting(self):
        """Close a run whose lines are all posted or skipped, and say in its
        chatter what it made and what it skipped."""
        self.ensure_one()
        self._mark_done()
        done = self.line_ids.filtered(lambda line: line.state == "done")
        body = escape(
            self.env._(
                "%(count)s reimbursement(s) made for %(customers)s customer(s), %(total)s in all.",
                count=len(done) - self.write_off_count,
                customers=self.customer_count,
                total=self.company_currency_id.format(self.amount_total),
            )
        )
        if self.write_off_count:
            body += Markup("<br/>") + escape(
                self.env._(
                    "%(count)s small, dormant credit(s) written off, %(total)s in all.",
                    count=self.write_off_count,
                    total=self.company_currency_id.format(self.amount_written_off),
                )
            )
        skipped = self.line_ids.filtered(lambda line: line.state == "skipped")
        if skipped:
            body += Markup("<br/>") + escape(self.env._("Skipped, nothing posted for them:")) + Markup("<br/>")
            body += Markup("<br/>").join(
                escape(f"{line.customer_id.display_name}: {line.skip_reason}") for line in skipped[:SKIPPED_NAMES_SHOWN]
            )
            if len(skipped) > SKIPPED_NAMES_SHOWN:
                body += Markup("<br/>") + escape(
                    self.env._("and %(count)s more", count=len(skipped) - SKIPPED_NAMES_SHOWN)
                )
        if self.notify_customers:
            body += self._format_customers_without_email(done)
        self._message_log(body=body)

    def _format_customers_without_email(self, lines):
        """The customers of ``lines`` who get no remittance advice, for want
        of an e-mail address."""
        without = lines.customer_id.filtered(lambda customer: not customer.email)
        if not without:
            return Markup()
        names = self._join_names(without.mapped("display_name"))
        return Markup("<br/>") + escape(
            self.env._("No remittance advice for these customers, who have no e-mail address: %(names)s", names=names)
        )
