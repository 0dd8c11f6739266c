import json
import textwrap
from collections import defaultdict

import psycopg2
from markupsafe import Markup, escape

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from .. import series
from .engine import CANDIDATES_OF_COMPANY, ENGINE, SKIPPED_NAMES_SHOWN, NothingToReimburse
from .reimbursement_proposal import (
    KIND_REIMBURSEMENT,
    KIND_WRITE_OFF,
    SKIP_BELOW_MINIMUM,
    SKIP_DEBITS_EXCEED,
    SKIP_NOT_DORMANT,
    SKIP_OPEN_DEBITS,
    OpenItem,
    Proposal,
    Skipped,
    customer_and_currency_ids,
)


class AccountReimbursement(models.Model):
    """Proposing: the reimbursements a run's options give, read from the
    ledger in grouped queries, previewed or recorded as draft lines."""

    _inherit = "account.reimbursement"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # A run from options: what the wizard, the scheduler and RPC clients call
    # ------------------------------------------------------------------

    @api.model
    def preview(self, options):
        """The reimbursements a run of ``options`` would make now, writing
        nothing (see :meth:`propose` for ``options``).

        :return: {"lines": one dict per reimbursement (key, kind, customer_id,
            vendor_id, vendor_name, currency_id, amount,
            amount_company_currency, account_id), "skipped": what is left
            out, and why, as text}
        """
        run = self._new_from_options(options)
        proposals, skipped = run._get_current_proposals()
        vendors = run._get_proposal_vendors(proposals)
        new_vendor_name = self.env._("New one-time vendor")
        lines = []
        for proposal in proposals:
            vendor = vendors[proposal.customer] if proposal.kind == KIND_REIMBURSEMENT else None
            lines.append(
                {
                    "key": proposal.key,
                    "kind": proposal.kind,
                    "customer_id": proposal.customer.id,
                    "vendor_id": vendor.id if vendor else False,
                    "vendor_name": (vendor.display_name or new_vendor_name) if vendor is not None else False,
                    "currency_id": proposal.currency.id,
                    "amount": proposal.amount,
                    "amount_company_currency": proposal.amount_company_currency,
                    "account_id": proposal.account.id,
                }
            )
        return {"lines": lines, "skipped": run._format_skipped(skipped)}

    @api.model
    def propose(self, options, previewed=None, request_review=False):
        """Make the draft run of the reimbursements ``options`` give now.
        With four eyes, its reviewers are asked to approve it.

        :param options: the run's ``date`` (default today), ``company_id``
            (default the current company) and options (the fields of
            ``account.reimbursement.options``); an option not given is the
            company's default
        :param previewed: {key: amount} of the reimbursements selected in a
            preview (see :meth:`preview`): only those are made, each refused
            if its credit changed since; None makes every one due
        :param request_review: ask the reviewers to review the proposal
            with an activity (a scheduled run), when it needs no approval
        :return: the run
        :raise NothingToReimburse: nothing to reimburse, with the reasons
        """
        run = self._new_from_options(options)
        proposals, skipped = run._get_current_proposals(previewed)
        if not proposals:
            raise NothingToReimburse(run._get_nothing_to_reimburse_message(skipped))
        vals = {fname: run[fname] for fname in run._get_option_names()}
        run = self.create(
            {
                **vals,
                "company_id": run.company_id.id,
                "date": run.date,
                "min_amount": run.min_amount,
                "writeoff_max_amount": run.writeoff_max_amount,
                "writeoff_after_days": run.writeoff_after_days,
                "considered_customer_count": run._count_considered_customers(),
            }
        )
        run._create_lines(proposals)
        run._log_proposal(skipped)
        if run.approval_required:
            run._request_approval()
        elif request_review:
            run._request_review()
        return run

    @api.model
    def _new_from_options(self, options):
        """The run ``options`` make, in memory only (see :meth:`propose`):
        only who may make runs previews them."""
        self.check_access("create")
        self._check_date_value(options)
        unknown = set(options) - {"company_id", "date", *self._get_option_names()}
        if unknown:
            raise UserError(
                self.env._(
                    "%(names)s: not options of a reimbursement run. Give %(options)s.",
                    names=", ".join(sorted(unknown)),
                    options=", ".join(["company_id", "date", *self._get_option_names()]),
                )
            )
        company = self.env["res.company"].browse(options.get("company_id")) or self.env.company
        run = self.with_company(company)
        vals = run.default_get(run._get_option_names())
        vals.update(options)
        return run.new(
            {
                **vals,
                "company_id": company.id,
                "date": options.get("date") or fields.Date.context_today(self),
                "min_amount": company.reimbursement_min_amount,
                "writeoff_max_amount": company.reimbursement_writeoff_max_amount,
                "writeoff_after_days": company.reimbursement_writeoff_after_days,
            }
        )

    def _get_current_proposals(self, previewed=None):
        """The reimbursements this run's options give now, of those
        ``previewed`` when given (see :meth:`propose`), checked against the
        run's dates.

        :return: (proposals, skipped), as :meth:`_prepare_proposals` gives them
        """
        self.ensure_one()
        self.company_id._check_reimbursement_date(self.date)
        proposals, skipped = self._prepare_proposals()
        if previewed is not None:
            proposals = self._select_previewed(proposals, previewed)
        self._check_date_after_items(proposals)
        return proposals, skipped

    def _select_previewed(self, proposals, previewed):
        """The ``proposals`` selected in the preview, refusing to go on when
        a selected credit changed since it was previewed."""
        if not previewed:
            raise UserError(self.env._("Select at least one customer to reimburse in the preview."))
        by_key = {proposal.key: proposal for proposal in proposals}
        for key, amount in previewed.items():
            proposal = by_key.get(key)
            customer_id, currency_id = customer_and_currency_ids(key)
            currency = self.env["res.currency"].browse(currency_id)
            if not proposal or currency.compare_amounts(proposal.amount, amount):
                raise UserError(
                    self.env._(
                        "The credit balance of %(customer)s in %(currency)s changed since the "
                        "preview. Preview again before reimbursing.",
                        customer=self.env["res.partner"].browse(customer_id).display_name,
                        currency=currency.name,
                    )
                )
        return [proposal for proposal in proposals if proposal.key in previewed]

    def _get_nothing_to_reimburse_message(self, skipped):
        return self.env._(
            "There is nothing to reimburse: no customer in the selection has a "
            "credit balance of at least %(minimum)s.\n%(skipped)s",
            minimum=self.company_currency_id.format(self.min_amount),
            skipped=self._format_skipped(skipped) or "",
        )

    # ------------------------------------------------------------------
    # What to reimburse
    # ------------------------------------------------------------------

    def _get_partner_domain(self):
        """The "Records to include" domain, checked: by PostgreSQL too, which
        refuses a query too large or deep to parse (thousands of
        conditions) with a raw error of its own."""
        shown = textwrap.shorten(self.partner_domain or "[]", 200, placeholder=" ...")
        try:
            domain = safe_eval(self.partner_domain or "[]")
            domain = series.normalize_domain(domain)
            if not series.is_true_domain(domain):
                with self.env.cr.savepoint():
                    self.env["res.partner"].with_context(active_test=False).search_count(domain, limit=1)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise
        except psycopg2.Error as exc:
            raise UserError(
                self.env._(
                    'The filter "Records to include" is too large for the database: %(domain)s\n%(error)s\n'
                    "Choose the customers with fewer conditions, for example by a tag or a category.",
                    domain=shown,
                    error=exc.pgerror or exc,
                )
            ) from exc
        except Exception as exc:
            raise UserError(
                self.env._(
                    'The filter "Records to include" is not a valid domain on customers: %(domain)s\n%(error)s',
                    domain=shown,
                    error=textwrap.shorten(str(exc), 300, placeholder=" ..."),
                )
            ) from exc
        return domain

    def _get_open_items_domain(self, customers=None):
        """Open receivable items of the run's company, of the customers
        chosen by "Records to include" or, when given, of ``customers``."""
        domain = self.company_id._get_reimbursement_open_items_domain()
        if customers is not None:
            domain.append(("partner_id.commercial_partner_id", "in", customers.ids))
            return domain
        partner_domain = self._get_partner_domain()
        if not series.is_true_domain(partner_domain):
            # Archived customers still owe or are owed money: they are included.
            chosen = self.env["res.partner"].with_context(active_test=False)._search(partner_domain)
            domain.append(("partner_id.commercial_partner_id", "in", chosen))
        return domain

    def _lock_open_items(self, customers):
        """Lock the open receivable items of ``customers`` until the end of
        the transaction, in id order so that two postings cannot deadlock.
        A posting that waited here is retried by Odoo when the other one
        changed them (serialization failure), and then sees them settled."""
        query = self.env["account.move.line"]._search(self._get_open_items_domain(customers))
        # NO KEY UPDATE, the lock reconciling takes: it serializes two postings
        # but lets a proposal refer to the items meanwhile.
        self.env.cr.execute(
            SQL("SELECT id FROM account_move_line WHERE id IN %s ORDER BY id FOR NO KEY UPDATE", query.subselect())
        )

    def _read_open_items(self, customers=None):
        """Open receivable items per customer (commercial partner) and
        currency, read in one grouped query."""
        # array_agg orders by id, so the arrays of a group line up item by item.
        groups = self.env["account.move.line"]._read_group(
            self._get_open_items_domain(customers),
            groupby=["partner_id", "currency_id", "account_id"],
            aggregates=[
                "id:array_agg",
                "date:array_agg",
                "amount_residual:array_agg",
                "amount_residual_currency:array_agg",
                "analytic_distribution:array_agg",
            ],
        )
        items = defaultdict(lambda: defaultdict(list))
        for partner, currency, account, ids, dates, residuals, residuals_currency, analytics in groups:
            customer_items = items[partner.commercial_partner_id][currency]
            for line_id, date, residual, residual_currency, analytic in zip(
                ids, dates, residuals, residuals_currency, analytics, strict=True
            ):
                if isinstance(analytic, str):
                    analytic = json.loads(analytic)
                customer_items.append(OpenItem(line_id, date, account, analytic or None, residual, residual_currency))
        return items

    def _prepare_proposals(self, customers=None):
        """Compute the reimbursements to make with the run's options, for
        the customers of "Records to include" or, when given, ``customers``.

        :return: (proposals, skipped): the :class:`Proposal` list, sorted by
            customer, and the :class:`Skipped` credits with their reason
        """
        self.ensure_one()
        if self.write_off_small_credits:
            self._check_write_off_configuration()
        proposals = []
        skipped = []
        for customer, items_by_currency in self._read_open_items(customers).items():
            has_credit = any(item.residual < 0 for items in items_by_currency.values() for item in items)
            if not has_credit:
                continue
            has_debit = any(item.residual > 0 for items in items_by_currency.values() for item in items)
            if has_debit and not self.include_debit_customers:
                skipped.append(Skipped(SKIP_OPEN_DEBITS, customer))
                continue
            for currency, items in items_by_currency.items():
                proposals += self._prepare_customer_proposals(customer, currency, items, skipped)
        proposals.sort(key=lambda p: (p.customer.name or "", p.customer.id, p.currency.name, p.key))
        return proposals, skipped

    def _prepare_customer_proposals(self, customer, currency, items, skipped):
        """Reimbursements of one customer in one currency."""
        credit_items = [item for item in items if item.residual < 0]
        if not credit_items:
            return []
        selected = list(credit_items)
        if self.include_debit_customers and self.offset_debits:
            selected += [item for item in items if item.residual > 0]
        amount = -sum(item.residual_currency for item in selected)
        amount_company = -sum(item.residual for item in selected)
        if currency.compare_amounts(amount, 0.0) <= 0:
            credit = -sum(item.residual_currency for item in credit_items)
            skipped.append(Skipped(SKIP_DEBITS_EXCEED, customer, currency, credit, credit - amount))
            return []
        kind = KIND_REIMBURSEMENT
        if self.company_currency_id.compare_amounts(amount_company, self.min_amount) < 0:
            reason = self._get_small_credit_skip_reason(items, amount_company)
            if reason:
                skipped.append(Skipped(reason, customer, currency, amount))
                return []
            kind = KIND_WRITE_OFF
        if self.summarize_customer:
            no_account = self.env["account.account"]
            return [Proposal(customer, currency, self.company_currency_id, selected, no_account, None, kind)]
        return self._split_proposals(customer, currency, selected, kind)

    def _get_small_credit_skip_reason(self, items, amount_company):
        """Why a credit below the minimum is left on the receivable, or
        None when the run writes it off: the run writes off small credits,
        the credit (``amount_company``, in company currency) is below the
        write-off amount, and the newest of the customer's open ``items`` in
        its currency is older than the dormancy on the run date."""
        too_large = self.company_currency_id.compare_amounts(amount_company, self.writeoff_max_amount) >= 0
        if not self.write_off_small_credits or too_large:
            return SKIP_BELOW_MINIMUM
        newest = max(item.date for item in items)
        if (self.date - newest).days <= self.writeoff_after_days:
            return SKIP_NOT_DORMANT
        return None

    def _check_write_off_configuration(self):
        if not self.company_id.reimbursement_writeoff_account_id:
            raise UserError(
                self.env._(
                    "%(company)s has no write-off account, so small credits cannot be written off: set one in "
                    "Settings > Invoicing > Customer reimbursement, or clear Write Off Small, Dormant Credits.",
                    company=self.company_id.display_name,
                )
            )

    def _split_proposals(self, customer, currency, items, kind=KIND_REIMBURSEMENT):
        """One proposal per receivable account and analytic distribution.

        Debits (when offsetting) of an account and distribution that holds no
        net credit join the largest credit of the same account, else the
        largest credit; should that leave a proposal that is not a credit, the
        customer gets one proposal for the currency, on its largest credit.
        """
        buckets = defaultdict(list)
        for item in items:
            buckets[(item.account, item.analytic_key)].append(item)

        def net(bucket_items):
            return sum(item.residual_currency for item in bucket_items)

        credit_keys = sorted((key for key in buckets if net(buckets[key]) < 0), key=lambda key: net(buckets[key]))
        for key in [key for key in buckets if key not in credit_keys]:
            target = next((ck for ck in credit_keys if ck[0] == key[0]), credit_keys[0])
            buckets[target] += buckets.pop(key)
        if any(currency.compare_amounts(net(buckets[key]), 0.0) >= 0 for key in credit_keys):
            credit_keys = credit_keys[:1]
            buckets = {credit_keys[0]: items}
        return [
            Proposal(
                customer,
                currency,
                self.company_currency_id,
                buckets[key],
                key[0],
                buckets[key][0].analytic if key[1] else None,
                kind,
            )
            for key in credit_keys
        ]

    def _get_proposal_vendors(self, proposals):
        """Vendor each customer would be billed through, without creating
        one-time vendors: empty when posting will create one."""
        vendors = {}
        policy = self.company_id.reimbursement_vendor_policy
        for customer in {proposal.customer for proposal in proposals}:
            vendor = customer.with_company(self.company_id).reimbursement_vendor_id
            vendors[customer] = vendor or (customer if policy == "customer" else self.env["res.partner"])
        return vendors

    def _format_skipped(self, skipped):
        """Human-readable list of what was not proposed, and why."""
        reasons = {
            SKIP_OPEN_DEBITS: self.env._(
                "%(count)s customer(s) with outstanding debit transactions (enable "
                '"Include customers with outstanding debit transactions" to reimburse them): %(names)s'
            ),
            SKIP_BELOW_MINIMUM: self.env._("%(count)s credit(s) below the minimum reimbursement: %(names)s"),
            SKIP_NOT_DORMANT: self.env._(
                "%(count)s credit(s) below the minimum reimbursement, not dormant long enough to be written "
                "off: %(names)s"
            ),
            SKIP_DEBITS_EXCEED: self.env._(
                "%(count)s credit(s) that the customer's open debits take up in full: %(names)s"
            ),
        }
        by_reason = defaultdict(list)
        for entry in skipped:
            by_reason[entry.reason].append(entry)
        paragraphs = []
        for reason, message in reasons.items():
            entries = by_reason.get(reason)
            if not entries:
                continue
            names = [self._describe_skipped(entry) for entry in entries]
            paragraphs.append(message % {"count": len(entries), "names": self._join_names(names)})
        return "\n".join(paragraphs)

    def _describe_skipped(self, entry):
        """A customer left out, with its credit (and the open debits that
        take it up)."""
        if entry.reason == SKIP_DEBITS_EXCEED:
            return self.env._(
                "%(customer)s (credit %(credit)s, open debits %(debits)s)",
                customer=entry.customer.display_name,
                credit=entry.currency.format(entry.amount),
                debits=entry.currency.format(entry.debits),
            )
        if entry.currency:
            return f"{entry.customer.display_name} ({entry.currency.format(entry.amount)})"
        return entry.customer.display_name

    def _join_names(self, names):
        """The first SKIPPED_NAMES_SHOWN of ``names``, then how many more."""
        shown = list(names[:SKIPPED_NAMES_SHOWN])
        if len(names) > SKIPPED_NAMES_SHOWN:
            shown.append(self.env._("and %(count)s more", count=len(names) - SKIPPED_NAMES_SHOWN))
        return ", ".join(shown)

    # ------------------------------------------------------------------
    # Proposing
    # ------------------------------------------------------------------

    def _create_lines(self, proposals):
        """Draft lines recording ``proposals``, one per reimbursement."""
        self.ensure_one()
        vendors = self._get_proposal_vendors(proposals)
        return (
            self.env["account.reimbursement.line"]
            .with_context(**{ENGINE: True})
            .create([self._prepare_line_vals(proposal, vendors[proposal.customer]) for proposal in proposals])
        )

    def _prepare_line_vals(self, proposal, vendor):
        # The currencies come first: the amounts are rounded in them.
        return {
            "currency_id": proposal.currency.id,
            "reimbursement_id": self.id,
            "customer_id": proposal.customer.id,
            "kind": proposal.kind,
            "vendor_id": vendor.id if proposal.kind == KIND_REIMBURSEMENT else False,
            "amount": proposal.amount,
            "amount_company_currency": proposal.amount_company_currency,
            "account_id": proposal.account.id,
            "analytic_distribution": proposal.analytic,
            "source_line_ids": [Command.set([item.line_id for item in proposal.items])],
        }

    def _count_considered_customers(self):
        """How many customers "Records to include" selects now among those
        with open receivable items: the customers the run considers."""
        self.ensure_one()
        return (
            self.env["res.partner"]
            .with_context(**{CANDIDATES_OF_COMPANY: self.company_id.id})
            .search_count(self._get_partner_domain())
        )

    def _log_proposal(self, skipped):
        self.ensure_one()
        body = escape(
            self.env._(
                "Proposed: %(count)s reimbursement(s) for %(customers)s customer(s), %(total)s in all.",
                count=len(self.line_ids) - self.write_off_count,
                customers=self.customer_count,
                total=self.company_currency_id.format(self.amount_total),
            )
        )
        if self.write_off_count:
            body += Markup("<br/>") + escape(
                self.env._(
                    "Small, dormant credits to write off: %(count)s, %(total)s in all.",
                    count=self.write_off_count,
                    total=self.company_currency_id.format(self.amount_written_off),
                )
            )
        skipped_text = self._format_skipped(skipped)
        if skipped_text:
            body += Markup("<br/>") + escape(self.env._("Not proposed:")) + Markup("<br/>")
            body += Markup("<br/>").join(escape(paragraph) for paragraph in skipped_text.split("\n"))
        self._message_log(body=body)

    def _refresh(self):
        """Replace the lines of these draft runs by the reimbursements their
        options give now (lines removed by hand come back if still due)."""
        for run in self:
            if run.state != "draft":
                raise UserError(self.env._("Only a draft run can be refreshed; %(run)s is not.", run=run.name))
            run._check_date()
            proposals, skipped = run._prepare_proposals()
            run._check_date_after_items(proposals)
            run.line_ids.with_context(**{ENGINE: True}).unlink()
            run._create_lines(proposals)
            run.with_context(**{ENGINE: True}).considered_customer_count = run._count_considered_customers()
            run._log_proposal(skipped)
        return self
