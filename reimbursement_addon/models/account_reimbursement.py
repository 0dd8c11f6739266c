import json
import logging
import textwrap
import time
from collections import defaultdict

import psycopg2
from markupsafe import Markup, escape
from psycopg2.errors import LockNotAvailable

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, format_date, split_every
from odoo.tools.safe_eval import safe_eval

from .. import series
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
)
from .res_partner import CANDIDATES_OF_COMPANY

_logger = logging.getLogger(__name__)

# How many listed names a summary of skipped credits shows before "and N more".
SKIPPED_NAMES_SHOWN = 10
# Lines posted per batch in a request: their bills, one transfer entry,
# reconciliations, before the cache is emptied for the next batch.
BATCH_SIZE = 500
# Background batches are sized from the speed measured so far, between these.
BACKGROUND_BATCH_MIN = 20
BACKGROUND_BATCH_MAX = BATCH_SIZE
# How long a run waits for the lock that refreshing the statistics takes.
STATISTICS_LOCK_TIMEOUT = "100ms"
# Context key under which the engine changes runs and lines (see write()).
ENGINE = "reimbursement_engine"


def check_engine_write(records, vals):
    """Runs and lines record accounting: they change only through the
    engine (proposing, posting, cancelling), never by a direct write from
    the client or over RPC. Chatter fields stay writable."""
    records.check_access("write")
    changed = [fname for fname in vals if not fname.startswith(("message_", "activity_"))]
    if changed and not records.env.context.get(ENGINE):
        raise UserError(
            records.env._(
                "Customer reimbursements cannot be edited (%(fields)s): remove the lines of a "
                "draft run, or cancel posted reimbursements instead.",
                fields=", ".join(records._fields[fname].string for fname in changed if fname in records._fields),
            )
        )


class AccountReimbursement(models.Model):
    _name = "account.reimbursement"
    _description = "Customer Reimbursement Run"
    _inherit = ["mail.thread", "mail.activity.mixin", "reimbursement.background.mixin"]
    _background_cron = "reimbursement_addon.ir_cron_post_reimbursements"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Number",
        required=True,
        readonly=True,
        copy=False,
        default="/",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    date = fields.Date(required=True, readonly=True, tracking=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Proposed By",
        readonly=True,
        default=lambda self: self.env.user,
    )
    posted_by_id = fields.Many2one(
        comodel_name="res.users",
        readonly=True,
        copy=False,
        tracking=True,
    )
    approved_by_id = fields.Many2one(
        comodel_name="res.users",
        readonly=True,
        copy=False,
        help="The accounting manager who approved and posted the run, when its company wants four eyes.",
    )
    approval_date = fields.Datetime(readonly=True, copy=False)
    approval_required = fields.Boolean(related="company_id.reimbursement_approval_required")
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("posting", "Posting"),
            ("failed", "Failed"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        help="Draft: a proposal, nothing is posted. Posting: being posted in the background. "
        "Failed: a background batch failed, the batches before it are posted; post again to go on. "
        "Done: every reimbursement is posted or skipped. Cancelled: every reimbursement was cancelled.",
    )
    summarize_customer = fields.Boolean(readonly=True)
    include_debit_customers = fields.Boolean(
        string="Include Customers with Outstanding Debit Transactions",
        readonly=True,
    )
    offset_debits = fields.Boolean(string="Settle Open Debits First", readonly=True)
    partner_domain = fields.Char(string="Records to Include", readonly=True, default="[]")
    considered_customer_count = fields.Integer(
        string="Customers Considered",
        readonly=True,
        copy=False,
        help='Customers with open receivable items that "Records to include" selected when the run was '
        "proposed: the run considered each of them. Kept as it was, while the filter's own count is of now.",
    )
    notify_customers = fields.Boolean(
        string="Send Remittance Advice",
        readonly=True,
        default=lambda self: self.env.company.reimbursement_notify_customers,
        help="Each reimbursed customer with an e-mail address gets a remittance advice once its "
        "reimbursement is posted.",
    )
    min_amount = fields.Monetary(
        string="Minimum Reimbursement",
        currency_field="company_currency_id",
        readonly=True,
        help="The company's minimum reimbursement when the run was proposed.",
    )
    write_off_small_credits = fields.Boolean(
        string="Write Off Small, Dormant Credits",
        readonly=True,
        help="The run also writes off the credit balances below the minimum and below the write-off amount "
        "whose newest open item is older than the dormancy.",
    )
    writeoff_max_amount = fields.Monetary(
        string="Write Off Credits Below",
        currency_field="company_currency_id",
        readonly=True,
        help="The company's write-off amount when the run was proposed.",
    )
    writeoff_after_days = fields.Integer(
        string="Dormant After (Days)",
        readonly=True,
        help="The company's dormancy when the run was proposed.",
    )
    line_ids = fields.One2many(
        comodel_name="account.reimbursement.line",
        inverse_name="reimbursement_id",
        string="Reimbursements",
        readonly=True,
    )
    customer_count = fields.Integer(
        string="Customers",
        compute="_compute_totals",
        store=True,
        help="Customers reimbursed, or to be reimbursed while the run is not posted.",
    )
    amount_total = fields.Monetary(
        string="Total",
        currency_field="company_currency_id",
        compute="_compute_totals",
        store=True,
        help="Total reimbursed (or to be reimbursed while the run is not posted), in company currency.",
    )
    write_off_count = fields.Integer(
        string="Credits Written Off",
        compute="_compute_totals",
        store=True,
        help="Small, dormant credits written off (or to be written off while the run is not posted).",
    )
    amount_written_off = fields.Monetary(
        string="Total Written Off",
        currency_field="company_currency_id",
        compute="_compute_totals",
        store=True,
        help="Total of the small, dormant credits written off (or to be written off while the run is not "
        "posted), in company currency.",
    )
    progress_done = fields.Integer(
        string="Posted or Skipped",
        readonly=True,
        copy=False,
        help="Reimbursements of the run already posted or skipped.",
    )
    progress_total = fields.Integer(
        string="Reimbursements to Post",
        readonly=True,
        copy=False,
    )
    posting_rate = fields.Float(
        string="Reimbursements per Second",
        readonly=True,
        copy=False,
        digits=(16, 1),
        help="Reimbursements the last background batch posted per second of processor time; "
        "the next batch is sized from it.",
    )
    error_message = fields.Text(readonly=True, copy=False)
    bill_count = fields.Integer(compute="_compute_move_counts")
    transfer_move_count = fields.Integer(compute="_compute_move_counts")
    skipped_count = fields.Integer(string="Skipped", compute="_compute_move_counts")
    posted_bill_count = fields.Integer(
        string="Bills to Pay",
        compute="_compute_move_counts",
        help="Vendor bills of the run's posted reimbursements (not cancelled).",
    )
    paid_bill_count = fields.Integer(
        string="Bills Paid",
        compute="_compute_move_counts",
        help="Vendor bills of the run's posted reimbursements that are paid.",
    )

    @api.depends("line_ids.amount_company_currency", "line_ids.customer_id", "line_ids.state", "line_ids.kind")
    def _compute_totals(self):
        # Grouped in SQL: a background run recomputes this after each batch,
        # and reading its thousands of lines each time would not scale.
        totals = defaultdict(dict)
        for run, kind, amount, count, customers in self.env["account.reimbursement.line"]._read_group(
            [("reimbursement_id", "in", self.ids), ("state", "in", ("draft", "done"))],
            groupby=["reimbursement_id", "kind"],
            aggregates=["amount_company_currency:sum", "__count", "customer_id:count_distinct"],
        ):
            totals[run][kind] = (amount, count, customers)
        for run in self:
            amount, _count, customers = totals[run].get(KIND_REIMBURSEMENT, (0.0, 0, 0))
            written_off, write_offs, _customers = totals[run].get(KIND_WRITE_OFF, (0.0, 0, 0))
            run.amount_total, run.customer_count = amount, customers
            run.amount_written_off, run.write_off_count = written_off, write_offs

    @api.depends("line_ids.bill_id", "line_ids.transfer_move_id", "line_ids.state")
    def _compute_move_counts(self):
        for run in self:
            run.bill_count = len(run.line_ids.bill_id)
            run.transfer_move_count = len(run.line_ids.transfer_move_id)
            run.skipped_count = len(run.line_ids.filtered(lambda line: line.state == "skipped"))
            posted = run.line_ids.filtered(lambda line: line.state == "done")
            run.posted_bill_count = len(posted.bill_id)
            paid = posted.filtered(lambda line: line.payment_state in ("paid", "in_payment"))
            run.paid_bill_count = len(paid.bill_id)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                date = vals.get("date") or fields.Date.context_today(self)
                # ir_sequence_date: the number's year is the run's, not today's.
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company)
                    .with_context(ir_sequence_date=date)
                    .next_by_code("account.reimbursement", sequence_date=date)
                )
        return super().create(vals_list)

    def write(self, vals):
        check_engine_write(self, vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(run.state not in ("draft", "cancelled") or run.line_ids.bill_id for run in self):
            raise UserError(
                self.env._("Only draft runs, with nothing posted, can be deleted: cancel posted runs instead.")
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_post(self):
        """Post these draft or failed runs (see :meth:`_post`)."""
        self._post()
        return True

    def action_refresh(self):
        """Recompute the lines of these draft runs from the ledger now."""
        self._refresh()
        return True

    def action_cancel(self):
        """Cancel these runs: every posted reimbursement is cancelled (the
        customers' credits come back exactly and the bills are cancelled),
        and what was not posted yet (a draft run's lines, the rest of a
        failed run) is given up. Refused, for the whole run, when one of its
        bills is paid."""
        if any(run.state == "posting" for run in self):
            raise UserError(self.env._("A run being posted cannot be cancelled: wait until it is posted."))
        if all(run.state == "cancelled" for run in self):
            raise UserError(self.env._("These reimbursements are already cancelled."))
        engine = self.with_context(**{ENGINE: True})
        # All or nothing, like the posting itself.
        with self.env.cr.savepoint():
            posted = self.line_ids.filtered(lambda line: line.state == "done")
            if posted:
                posted.action_cancel()
            engine.line_ids.filtered(lambda line: line.state == "draft").write({"state": "cancelled"})
            engine.filtered(lambda run: run.state != "cancelled").write({"state": "cancelled"})
            self.activity_unlink(["reimbursement_addon.mail_activity_type_reimbursement_approval"])
        return True

    def action_print(self):
        """Print the Reimbursement report of these runs; a draft run prints
        as a proof."""
        return self.env.ref("reimbursement_addon.action_report_reimbursement_run").report_action(self)

    def _get_report_base_filename(self):
        self.ensure_one()
        if self.state == "draft":
            return self.env._("Reimbursement proof - %(run)s", run=self.name)
        return self.env._("Reimbursement report - %(run)s", run=self.name)

    def action_register_payment(self):
        """Pay the vendor bills of these runs that are posted and not paid
        yet, with Odoo's payment wizard: one payment per vendor."""
        bills = self._get_bills_to_pay()
        if not bills:
            raise UserError(self.env._("Every vendor bill of these runs is paid: there is nothing left to pay."))
        action = bills.action_register_payment()
        # Back on the run afterwards, which shows its bills paid.
        action["context"] = {**action["context"], "default_group_payment": True, "dont_redirect_to_payments": True}
        return action

    def _get_bills_to_pay(self):
        lines = self.line_ids.filtered(lambda line: line.state == "done")
        return lines.bill_id.filtered(
            lambda bill: bill.state == "posted" and bill.payment_state in ("not_paid", "partial")
        )

    def action_open_bills(self):
        """Open the vendor bills of these runs."""
        return self._action_open_moves(self.line_ids.bill_id, "account.action_move_in_invoice_type")

    def action_open_transfer_moves(self):
        """Open the entries that moved the credits off the receivable."""
        return self._action_open_moves(self.line_ids.transfer_move_id, "account.action_move_journal_line")

    def _get_form_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "name": self.name,
        }

    def _action_open_moves(self, moves, action_xmlid):
        action = self.env["ir.actions.act_window"]._for_xml_id(action_xmlid)
        action["domain"] = [("id", "in", moves.ids)]
        # Keep the action's context: the lists show their vendor column by it.
        action["context"] = {
            **safe_eval(action.get("context") or "{}", {"uid": self.env.uid}),
            "create": False,
        }
        if len(moves) == 1:
            action.update(views=[(False, "form")], view_mode="form", res_id=moves.id)
        return action

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

    # ------------------------------------------------------------------
    # Posting
    # ------------------------------------------------------------------

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

    # ------------------------------------------------------------------
    # Four eyes
    # ------------------------------------------------------------------

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
            lines.browse(line_ids).write({"state": "skipped", "skip_reason": reason})
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
        self.with_context(**{ENGINE: True}).write({"state": "done", "progress_done": self.progress_total})
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

    # ------------------------------------------------------------------
    # Posting in the background
    # ------------------------------------------------------------------

    def _start_background_posting(self):
        self.ensure_one()
        self.with_context(**{ENGINE: True}).write({"state": "posting"})
        self._message_log(
            body=escape(
                self.env._(
                    "Posting %(count)s reimbursement(s) in the background, started by %(user)s.",
                    count=self.progress_total - self.progress_done,
                    user=self.env.user.name,
                )
            )
        )
        self._trigger_background_job()

    @api.model
    def _cron_post_reimbursements(self):
        """Post the runs in ``posting``, a batch at a time, each batch in a
        transaction of its own, within Odoo's time limits (see
        ``_cron_run_background_batches()``)."""
        self._cron_run_background_batches()

    def _get_background_condition(self):
        return SQL("state = 'posting'")

    @api.model
    def _count_background_remaining(self):
        return self.env["account.reimbursement.line"].search_count(
            [("state", "=", "draft"), ("reimbursement_id.state", "=", "posting")]
        )

    def _get_background_batch(self):
        """The next draft lines to post: as many as the speed measured so far
        posts in most of a window's CPU budget, up to a request's batch."""
        self.ensure_one()
        size = int(self.posting_rate * self._get_cron_window_budget()[1] * 0.8)
        size = max(BACKGROUND_BATCH_MIN, min(BACKGROUND_BATCH_MAX, size))
        return self.env["account.reimbursement.line"].search(
            [("reimbursement_id", "=", self.id), ("state", "=", "draft")], order="id", limit=size
        )

    def _run_background_batch(self):
        """Post the next batch of this run (locked by the caller) as the user
        who started the posting. A batch that fails marks the run failed and
        tells that user; so does the end of the run.

        :return: how many lines were posted, skipped or failed, or None when
            the batch must wait for a concurrent transaction
        """
        self.ensure_one()
        user = self.posted_by_id
        run = self.with_user(user).with_company(self.company_id).with_context(lang=user.lang)
        batch = run._get_background_batch()
        done_before = run.progress_done
        started = time.process_time()
        try:
            with self.env.cr.savepoint():
                run._post_batch(batch)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            return None
        except Exception:  # whatever stops a batch fails the run, with its cause
            run._fail_posting(batch)
            run._send_background_progress(run.state, run.progress_done, run.progress_total)
            return len(batch)
        elapsed = time.process_time() - started
        run.with_context(**{ENGINE: True}).posting_rate = len(batch) / elapsed if elapsed else BACKGROUND_BATCH_MAX
        self.env.invalidate_all()
        if not run._has_lines_to_post():
            run._finish_posting()
            run._notify_posting_user()
        elif done_before.bit_length() < run.progress_done.bit_length():
            # The statistics see the run's documents as they grow (each time
            # their number doubles), not only those of its first small batch.
            run._refresh_statistics()
        run._send_background_progress(run.state, run.progress_done, run.progress_total)
        return len(batch)

    def _has_lines_to_post(self):
        self.ensure_one()
        return bool(
            self.env["account.reimbursement.line"].search_count(
                [("reimbursement_id", "=", self.id), ("state", "=", "draft")], limit=1
            )
        )

    def _fail_posting(self, batch):
        """``batch`` failed and was rolled back: post its lines one
        at a time up to the one that fails, so that the error names its
        customer, then mark the run failed. The lines before it stay posted,
        as do the batches before; posting the run again goes on from there."""
        self.ensure_one()
        failure = self._find_failing_item(batch, self._post_batch)
        if not failure:
            return  # Each line posts alone: the run goes on.
        failing, error = failure
        _logger.warning(
            "Customer reimbursement %s failed at %s", self.name, failing.customer_id.display_name, exc_info=error
        )
        self.with_context(**{ENGINE: True}).write(
            {
                "state": "failed",
                "error_message": self.env._(
                    "The reimbursement of %(customer)s failed: %(cause)s",
                    customer=failing.customer_id.display_name,
                    cause=self._format_error(error),
                ),
            }
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
        self._notify_posting_user()

    def _notify_posting_user(self):
        """Tell the user who started the posting, in the web client, that the
        run is posted or failed, with a button to it."""
        self.ensure_one()
        failed = self.state == "failed"
        self._notify_background_user(
            self.posted_by_id,
            failed,
            self.env._("Reimbursement failed") if failed else self.env._("Reimbursement posted"),
            self.error_message
            if failed
            else self.env._(
                "%(run)s is posted: %(count)s reimbursement(s), %(total)s.",
                run=self.name,
                count=len(
                    self.line_ids.filtered(lambda line: line.state == "done" and line.kind == KIND_REIMBURSEMENT)
                ),
                total=self.company_currency_id.format(self.amount_total),
            ),
        )
