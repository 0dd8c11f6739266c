import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from psycopg2.errors import LockNotAvailable

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL, format_date, split_every
from odoo.tools.safe_eval import safe_eval

_logger = logging.getLogger(__name__)

# How many listed names a skip reason shows before "and N more".
SKIPPED_NAMES_SHOWN = 10
# Reimbursements made per batch: their bills, one transfer entry,
# reconciliations and lines, before the cache is emptied for the next batch.
BATCH_SIZE = 500
# How long a run waits for the lock that refreshing the statistics takes.
STATISTICS_LOCK_TIMEOUT = "100ms"


def analytic_key(distribution):
    """Hashable, order-independent form of an analytic distribution."""
    return json.dumps(distribution, sort_keys=True) if distribution else ""


@dataclass
class OpenItem:
    """An open journal item on a customer's receivable account."""

    line_id: int
    account: models.BaseModel
    analytic: dict | None
    residual: float
    residual_currency: float

    @property
    def analytic_key(self):
        return analytic_key(self.analytic)


@dataclass
class Proposal:
    """One reimbursement to make: a customer's credit items (and, when
    offsetting, its debit items) in one currency, paid out by one bill."""

    customer: models.BaseModel
    currency: models.BaseModel
    company_currency: models.BaseModel
    items: list[OpenItem]
    account: models.BaseModel
    analytic: dict | None
    amount: float = field(init=False)
    amount_company_currency: float = field(init=False)

    def __post_init__(self):
        self.amount = self.currency.round(-sum(item.residual_currency for item in self.items))
        self.amount_company_currency = self.company_currency.round(-sum(item.residual for item in self.items))

    @property
    def key(self):
        """Stable identity of the proposal between preview and run."""
        return f"{self.customer.id}-{self.currency.id}-{self.account.id or 0}-{analytic_key(self.analytic)}"


class AccountReimbursementWizard(models.TransientModel):
    _name = "account.reimbursement.wizard"
    _description = "Reimburse Customers"
    _check_company_auto = True

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        help="Accounting date of the vendor bills and of the transfer entries.",
    )
    summarize_customer = fields.Boolean(
        default=True,
        help="Checked: one vendor bill per customer and currency for its whole credit "
        "balance, whatever receivable accounts and analytic distributions the credits "
        "were booked on. Unchecked: one vendor bill per customer, currency, receivable "
        "account and analytic distribution, so that each credit leaves the account and "
        "analytic distribution it was booked on.",
    )
    include_debit_customers = fields.Boolean(
        string="Include Customers with Outstanding Debit Transactions",
        default=False,
        help="Unchecked: a customer that still has an open debit on its receivable "
        "(an unpaid invoice, for example) is not reimbursed, so nothing is paid out "
        "to a customer who still owes the company money. Checked: such customers are "
        "reimbursed too.",
    )
    offset_debits = fields.Boolean(
        string="Settle Open Debits First",
        default=True,
        help="For customers with open debits. Checked: the open debits are "
        "reconciled with the credits first and only the net credit balance is "
        "reimbursed. Unchecked: the gross credit is reimbursed and the debits stay "
        "open on the receivable, to be collected as usual.",
    )
    partner_domain = fields.Char(
        string="Records to Include",
        default="[]",
        help="Which customers may be reimbursed, as a filter on contacts (for example "
        "by country, tag or salesperson). Empty: every customer with a credit balance.",
    )
    min_amount = fields.Monetary(
        related="company_id.reimbursement_min_amount",
        string="Minimum Reimbursement",
        currency_field="company_currency_id",
    )
    line_ids = fields.One2many(
        comodel_name="account.reimbursement.wizard.line",
        inverse_name="wizard_id",
        string="Preview",
    )
    preview_done = fields.Boolean(readonly=True)
    skipped_summary = fields.Text(string="Not Reimbursed", readonly=True)
    amount_total = fields.Monetary(
        string="Total Selected",
        currency_field="company_currency_id",
        compute="_compute_amount_total",
        help="Total of the selected reimbursements, in company currency.",
    )

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        if "partner_domain" in fields_list and context.get("active_model") == "res.partner":
            partners = self.env["res.partner"].browse(context.get("active_ids") or [])
            if partners:
                res["partner_domain"] = str([("id", "in", partners.commercial_partner_id.ids)])
        return res

    @api.depends("line_ids.selected", "line_ids.amount_company_currency")
    def _compute_amount_total(self):
        for wizard in self:
            wizard.amount_total = sum(wizard.line_ids.filtered("selected").mapped("amount_company_currency"))

    @api.onchange("summarize_customer", "include_debit_customers", "offset_debits", "partner_domain")
    def _onchange_options(self):
        # A preview made with other options no longer describes the run (the
        # date is not one of them: it changes no amount of the preview).
        if self.preview_done:
            self.line_ids = [Command.clear()]
            self.preview_done = False
            self.skipped_summary = False

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_preview(self):
        """Show the reimbursements this run would make, writing no entry."""
        self.ensure_one()
        self.company_id._check_reimbursement_lock_dates(self.date)
        proposals, skipped = self._prepare_proposals()
        vendors = self._preview_vendors(proposals)
        new_vendor_name = _("New one-time vendor")
        self.write(
            {
                "line_ids": [Command.clear()]
                + [
                    Command.create(self._prepare_preview_line_vals(p, vendors[p.customer], new_vendor_name))
                    for p in proposals
                ],
                "preview_done": True,
                "skipped_summary": self._format_skipped(skipped),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Reimbursement"),
        }

    def action_reimburse(self):
        """Reimburse the selected customers (all of them when no preview was
        made) and open the run that records it."""
        self.ensure_one()
        self._check_configuration()
        self.company_id._check_reimbursement_lock_dates(self.date)
        # Another run over the same customers waits here until it is done,
        # then sees their credits settled: no credit is reimbursed twice.
        self._lock_open_items()
        proposals, skipped = self._prepare_proposals()
        if self.preview_done:
            proposals = self._select_previewed(proposals)
        if not proposals:
            raise UserError(
                _(
                    "There is nothing to reimburse: no customer in the selection has a "
                    "credit balance of at least %(minimum)s.\n%(skipped)s",
                    minimum=self.company_currency_id.format(self.min_amount),
                    skipped=self._format_skipped(skipped) or "",
                )
            )
        # All or nothing, even for a caller that catches the error and goes
        # on in the same transaction: a failure takes back the whole run.
        with self.env.cr.savepoint():
            run = self.env["account.reimbursement"].create(self._prepare_reimbursement_vals())
            self._reimburse(run, proposals)
            run._message_log(body=self._format_run_message(run, skipped))
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.reimbursement",
            "res_id": run.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "name": run.name,
        }

    # ------------------------------------------------------------------
    # What to reimburse
    # ------------------------------------------------------------------

    def _get_partner_domain(self):
        """The "Records to include" domain, checked."""
        try:
            domain = safe_eval(self.partner_domain or "[]")
            domain = expression.normalize_domain(domain)
            self.env["res.partner"].with_context(active_test=False)._search(domain)
        except Exception as exc:
            raise UserError(
                _(
                    'The filter "Records to include" is not a valid domain on customers: %(domain)s\n%(error)s',
                    domain=self.partner_domain,
                    error=exc,
                )
            ) from exc
        return domain

    def _get_open_items_domain(self):
        """Open receivable items of the wizard's company, restricted to the
        customers chosen by "Records to include"."""
        receivable_accounts = self.env["account.account"].search(
            [
                *self.env["account.account"]._check_company_domain(self.company_id),
                ("account_type", "=", "asset_receivable"),
            ]
        )
        domain = [
            ("company_id", "=", self.company_id.id),
            ("account_id", "in", receivable_accounts.ids),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("partner_id", "!=", False),
        ]
        partner_domain = self._get_partner_domain()
        if partner_domain != expression.TRUE_DOMAIN:
            # Archived customers still owe or are owed money: they are included.
            customers = self.env["res.partner"].with_context(active_test=False)._search(partner_domain)
            domain.append(("partner_id.commercial_partner_id", "in", customers))
        return domain

    def _lock_open_items(self):
        """Lock the open receivable items of the selected customers until the
        end of the transaction, in id order so that two runs cannot deadlock.
        A run that waited here is retried by Odoo when the other one changed
        them (serialization failure), and then sees them settled."""
        query = self.env["account.move.line"]._search(self._get_open_items_domain())
        self.env.cr.execute(
            SQL("SELECT id FROM account_move_line WHERE id IN %s ORDER BY id FOR UPDATE", query.subselect())
        )

    def _read_open_items(self):
        """Open receivable items per customer (commercial partner) and
        currency, read in one grouped query."""
        # array_agg orders by id, so the arrays of a group line up item by item.
        groups = self.env["account.move.line"]._read_group(
            self._get_open_items_domain(),
            groupby=["partner_id", "currency_id", "account_id"],
            aggregates=[
                "id:array_agg",
                "amount_residual:array_agg",
                "amount_residual_currency:array_agg",
                "analytic_distribution:array_agg",
            ],
        )
        items = defaultdict(lambda: defaultdict(list))
        for partner, currency, account, ids, residuals, residuals_currency, analytics in groups:
            customer_items = items[partner.commercial_partner_id][currency]
            for line_id, residual, residual_currency, analytic in zip(
                ids, residuals, residuals_currency, analytics, strict=True
            ):
                if isinstance(analytic, str):
                    analytic = json.loads(analytic)
                customer_items.append(OpenItem(line_id, account, analytic or None, residual, residual_currency))
        return items

    def _prepare_proposals(self):
        """Compute the reimbursements to make.

        :return: (proposals, skipped) where skipped maps a reason to the
            list of (customer, currency, amount) that were not reimbursed.
        """
        self.ensure_one()
        proposals = []
        skipped = defaultdict(list)
        for customer, items_by_currency in self._read_open_items().items():
            has_credit = any(item.residual < 0 for items in items_by_currency.values() for item in items)
            if not has_credit:
                continue
            has_debit = any(item.residual > 0 for items in items_by_currency.values() for item in items)
            if has_debit and not self.include_debit_customers:
                skipped["open_debits"].append((customer, False, False))
                continue
            for currency, items in items_by_currency.items():
                proposals += self._prepare_customer_proposals(customer, currency, items, skipped)
        proposals.sort(key=lambda p: (p.customer.name or "", p.customer.id, p.currency.name, p.key))
        return proposals, skipped

    def _prepare_customer_proposals(self, customer, currency, items, skipped):
        """Reimbursements of one customer in one currency."""
        credits = [item for item in items if item.residual < 0]
        if not credits:
            return []
        selected = list(credits)
        if self.include_debit_customers and self.offset_debits:
            selected += [item for item in items if item.residual > 0]
        amount = -sum(item.residual_currency for item in selected)
        amount_company = -sum(item.residual for item in selected)
        if currency.compare_amounts(amount, 0.0) <= 0:
            skipped["debits_exceed"].append((customer, currency, amount))
            return []
        if self.company_currency_id.compare_amounts(amount_company, self.min_amount) < 0:
            skipped["below_minimum"].append((customer, currency, amount))
            return []
        if self.summarize_customer:
            return [Proposal(customer, currency, self.company_currency_id, selected, self.env["account.account"], None)]
        return self._split_proposals(customer, currency, selected)

    def _split_proposals(self, customer, currency, items):
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
            )
            for key in credit_keys
        ]

    def _select_previewed(self, proposals):
        """Keep the proposals selected in the preview, refusing to go on when
        a selected credit changed since it was previewed."""
        selected = self.line_ids.filtered("selected")
        if not selected:
            raise UserError(_("Select at least one customer to reimburse in the preview."))
        by_key = {proposal.key: proposal for proposal in proposals}
        for line in selected:
            proposal = by_key.get(line.key)
            if not proposal or line.currency_id.compare_amounts(proposal.amount, line.amount):
                raise UserError(
                    _(
                        "The credit balance of %(customer)s in %(currency)s changed since the "
                        "preview. Preview again before reimbursing.",
                        customer=line.customer_id.display_name,
                        currency=line.currency_id.name,
                    )
                )
        keys = set(selected.mapped("key"))
        return [proposal for proposal in proposals if proposal.key in keys]

    def _preview_vendors(self, proposals):
        """Vendor each customer would be billed through, without creating
        one-time vendors (a preview writes nothing)."""
        vendors = {}
        policy = self.company_id.reimbursement_vendor_policy
        for customer in {proposal.customer for proposal in proposals}:
            vendor = customer.with_company(self.company_id).reimbursement_vendor_id
            vendors[customer] = vendor or (customer if policy == "customer" else self.env["res.partner"])
        return vendors

    def _prepare_preview_line_vals(self, proposal, vendor, new_vendor_name):
        # The currencies come first: the amounts are rounded in them.
        return {
            "currency_id": proposal.currency.id,
            "company_currency_id": proposal.company_currency.id,
            "key": proposal.key,
            "customer_id": proposal.customer.id,
            "vendor_id": vendor.id,
            "vendor_name": vendor.display_name or new_vendor_name,
            "amount": proposal.amount,
            "amount_company_currency": proposal.amount_company_currency,
            "account_id": proposal.account.id,
            "selected": True,
        }

    # ------------------------------------------------------------------
    # Making the reimbursement
    # ------------------------------------------------------------------

    def _check_configuration(self):
        company = self.company_id
        missing = [
            label
            for label, value in (
                (_("Reimbursement Bill Journal"), company.reimbursement_journal_id),
                (_("Reimbursement Transfer Journal"), company.reimbursement_transfer_journal_id),
                (_("Reimbursement Clearing Account"), company.reimbursement_clearing_account_id),
            )
            if not value
        ]
        if missing:
            raise UserError(
                _(
                    "Customer reimbursement is not configured for %(company)s: set %(fields)s "
                    "in Settings > Invoicing > Customer reimbursement.",
                    company=company.display_name,
                    fields=", ".join(missing),
                )
            )

    def _check_currency_rates(self, proposals):
        """Refuse foreign-currency credits whose currency has no rate on or
        before the run date: Odoo would value their bills at 1:1."""
        company_currency = self.company_currency_id
        currencies = {p.currency for p in proposals if p.currency != company_currency}
        if not currencies:
            return
        rated = self.env["res.currency.rate"]._read_group(
            [
                ("currency_id", "in", [currency.id for currency in currencies]),
                ("name", "<=", self.date),
                *self.env["res.currency.rate"]._check_company_domain(self.company_id),
            ],
            groupby=["currency_id"],
        )
        missing = currencies - {currency for (currency,) in rated}
        if missing:
            raise UserError(
                _(
                    "There is no exchange rate of %(currencies)s on or before %(date)s, so its credits "
                    "cannot be valued. Add the rate in Accounting > Configuration > Currencies, then "
                    "reimburse again.",
                    currencies=", ".join(sorted(currency.name for currency in missing)),
                    date=format_date(self.env, self.date),
                )
            )

    def _prepare_reimbursement_vals(self):
        return {
            "company_id": self.company_id.id,
            "date": self.date,
            "summarize_customer": self.summarize_customer,
            "include_debit_customers": self.include_debit_customers,
            "offset_debits": self.offset_debits,
            "partner_domain": self.partner_domain,
            "min_amount": self.min_amount,
        }

    def _reimburse(self, run, proposals):
        """Post the bills and transfer entries of ``proposals``, reconcile
        them and record the lines of ``run``, a batch at a time so that
        memory stays bounded; a long run logs its progress."""
        self = self.with_company(self.company_id)
        self._check_currency_rates(proposals)
        started = time.monotonic()
        done = 0
        customers_total = len({proposal.customer.id for proposal in proposals})
        customers_done = set()
        for number, batch in enumerate(split_every(BATCH_SIZE, proposals, list)):
            self._reimburse_batch(run, batch)
            done += len(batch)
            customers_done.update(proposal.customer.id for proposal in batch)
            elapsed = time.monotonic() - started
            _logger.info(
                "Customer reimbursement %s: %s of %s customers reimbursed (%s of %s reimbursements), "
                "%.1f customers per second",
                run.name,
                len(customers_done),
                customers_total,
                done,
                len(proposals),
                len(customers_done) / elapsed if elapsed else 0.0,
            )
            # Forget the batch's records: the next batch starts from a small cache.
            self.env.invalidate_all()
            if number == 0 and done < len(proposals):
                self._refresh_statistics()

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

    def _reimburse_batch(self, run, proposals):
        # The documents' chatter gets one message naming the run
        # (_log_on_moves) instead of per-record creation and tracking messages;
        # the partners' ranks grow in one update for the batch.
        self = self.with_context(tracking_disable=True, mail_create_nosubscribe=True)
        with self.env["res.partner"]._batch_rank_updates():
            self._make_batch(run, proposals)

    def _make_batch(self, run, proposals):
        vendors = (
            self.env["res.partner"]
            .browse([p.customer.id for p in proposals])
            ._get_reimbursement_vendors(self.company_id)
        )
        bills = self._create_bills(run, proposals, vendors)
        transfer_move, transfer_lines = self._create_transfer_move(run, proposals, bills)
        partials = self._reconcile(proposals, bills, transfer_lines)
        self.env["account.reimbursement.line"].create(
            [
                self._prepare_reimbursement_line_vals(
                    run, proposal, vendors[proposal.customer], bill, lines, proposal_partials
                )
                for proposal, bill, lines, proposal_partials in zip(
                    proposals, bills, transfer_lines, partials, strict=True
                )
            ]
        )
        self._log_on_moves(run, bills + transfer_move)

    def _get_move_ref(self, run, proposal):
        return _("%(run)s - %(customer)s", run=run.name, customer=proposal.customer.name)

    def _prepare_bill_vals(self, run, proposal, vendor):
        company = self.company_id
        bank = vendor.bank_ids.filtered(lambda b: b.company_id in (company, self.env["res.company"]))[:1]
        return {
            "move_type": "in_invoice",
            "journal_id": company.reimbursement_journal_id.id,
            "partner_id": vendor.id,
            "currency_id": proposal.currency.id,
            "invoice_date": run.date,
            "date": run.date,
            "ref": self._get_move_ref(run, proposal),
            "invoice_origin": run.name,
            "partner_bank_id": bank.id,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": _(
                            "Reimbursement of the credit balance of %(customer)s",
                            customer=proposal.customer.name,
                        ),
                        "account_id": company.reimbursement_clearing_account_id.id,
                        "quantity": 1.0,
                        "price_unit": proposal.amount,
                        "tax_ids": [Command.clear()],
                        "analytic_distribution": proposal.analytic,
                    }
                )
            ],
        }

    def _create_bills(self, run, proposals, vendors):
        bills = self.env["account.move"].create(
            [self._prepare_bill_vals(run, proposal, vendors[proposal.customer]) for proposal in proposals]
        )
        bills.action_post()
        return bills

    def _prepare_transfer_line_vals(self, proposal, bill):
        """Transfer entry lines moving one credit off the customer's
        receivable: one line per receivable account (and distribution) of the
        settled items, at the items' own values so that they settle them
        exactly in both currencies, against the clearing account at the bill's
        value, so that the two clearing lines match to the cent. A foreign
        currency credit valued at another rate than the run date's leaves an
        exchange difference, booked on the company's exchange gain or loss
        account in the same entry."""
        company = self.company_id
        clearing = company.reimbursement_clearing_account_id
        round_ = self.company_currency_id.round
        bill_clearing_line = bill.line_ids.filtered(lambda line: line.account_id == clearing)
        by_account = defaultdict(lambda: [0.0, 0.0])
        for item in proposal.items:
            key = (item.account, item.analytic_key if not self.summarize_customer else "")
            by_account[key][0] -= item.residual_currency
            by_account[key][1] -= item.residual
        label = _("Reimbursement of %(customer)s", customer=proposal.customer.name)
        analytics = {item.analytic_key: item.analytic for item in proposal.items}
        vals_list = [
            {
                "name": label,
                "partner_id": proposal.customer.id,
                "account_id": account.id,
                "currency_id": proposal.currency.id,
                "amount_currency": proposal.currency.round(amount_currency),
                "balance": round_(balance),
                "analytic_distribution": analytics.get(analytic_key) if analytic_key else False,
            }
            for (account, analytic_key), (amount_currency, balance) in by_account.items()
            if not (proposal.currency.is_zero(amount_currency) and self.company_currency_id.is_zero(balance))
        ]
        vals_list.append(
            {
                "name": label,
                "partner_id": proposal.customer.id,
                "account_id": clearing.id,
                "currency_id": proposal.currency.id,
                "amount_currency": -bill_clearing_line.amount_currency,
                "balance": -bill_clearing_line.balance,
                "analytic_distribution": proposal.analytic,
            }
        )
        difference = round_(-sum(vals["balance"] for vals in vals_list))
        if not self.company_currency_id.is_zero(difference):
            vals_list.append(self._prepare_exchange_difference_line_vals(proposal, difference))
        return vals_list

    def _prepare_exchange_difference_line_vals(self, proposal, difference):
        """Exchange gain (credit) or loss (debit) of a foreign currency
        credit, between its value when booked and at the run date."""
        company = self.company_id
        if difference < 0:
            account = company.income_currency_exchange_account_id
        else:
            account = company.expense_currency_exchange_account_id
        if not account:
            raise UserError(
                _(
                    "%(company)s has no exchange gain or loss account, so the exchange difference of the "
                    "reimbursement of %(customer)s in %(currency)s cannot be booked. Set them in "
                    "Settings > Invoicing > Default Accounts.",
                    company=company.display_name,
                    customer=proposal.customer.display_name,
                    currency=proposal.currency.name,
                )
            )
        return {
            "name": _("Exchange difference on the reimbursement of %(customer)s", customer=proposal.customer.name),
            "partner_id": proposal.customer.id,
            "account_id": account.id,
            "currency_id": self.company_currency_id.id,
            "amount_currency": difference,
            "balance": difference,
            "analytic_distribution": False,
        }

    def _create_transfer_move(self, run, proposals, bills):
        """One transfer entry for the batch, carrying every reimbursement's
        lines.

        :return: (the entry, per proposal the entry's lines that are its own)
        """
        vals_per_proposal = [
            self._prepare_transfer_line_vals(proposal, bill) for proposal, bill in zip(proposals, bills, strict=True)
        ]
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": self.company_id.reimbursement_transfer_journal_id.id,
                "date": run.date,
                "ref": run.name,
                "line_ids": [Command.create(vals) for vals_list in vals_per_proposal for vals in vals_list],
            }
        )
        move.action_post()
        # The lines were created in the order of their values.
        move_lines = move.line_ids.sorted("id")
        lines_per_proposal = []
        start = 0
        for vals_list in vals_per_proposal:
            lines_per_proposal.append(move_lines[start : start + len(vals_list)])
            start += len(vals_list)
        if start != len(move_lines):
            raise UserError(_("The transfer entry %(move)s has unexpected lines.", move=move.display_name))
        return move, lines_per_proposal

    def _reconcile(self, proposals, bills, transfer_lines):
        """Settle each customer's items with its transfer entry, and the
        transfer entry's clearing line with the bill's, in one batch.

        :return: per proposal, the reconciliations made (cancelling the
            reimbursement removes exactly these)
        """
        clearing = self.company_id.reimbursement_clearing_account_id
        AccountMoveLine = self.env["account.move.line"]
        plan = []
        lines_per_proposal = []
        for proposal, bill, own_lines in zip(proposals, bills, transfer_lines, strict=True):
            items_by_account = defaultdict(list)
            for item in proposal.items:
                items_by_account[item.account].append(item.line_id)
            proposal_plan = [
                AccountMoveLine.browse(line_ids) + own_lines.filtered(lambda line, acc=account: line.account_id == acc)
                for account, line_ids in items_by_account.items()
            ]
            proposal_plan.append((bill.line_ids + own_lines).filtered(lambda line: line.account_id == clearing))
            plan += proposal_plan
            lines_per_proposal.append(AccountMoveLine.union(*proposal_plan))
        all_lines = AccountMoveLine.union(*lines_per_proposal)
        # Odoo reads the plan's items in one query for the batch, not one per customer.
        plan = [lines.with_prefetch(all_lines._prefetch_ids) for lines in plan]
        # Earlier partial payments of these items stay when a run is cancelled.
        partials_before = all_lines.matched_debit_ids | all_lines.matched_credit_ids
        AccountMoveLine._reconcile_plan(plan)
        all_lines.invalidate_recordset(["matched_debit_ids", "matched_credit_ids"])
        all_lines.fetch(["matched_debit_ids", "matched_credit_ids", "reconciled"])
        not_settled = all_lines.filtered(lambda line: not line.reconciled)
        if not_settled:
            raise UserError(
                _(
                    "The reimbursement could not settle these journal items completely, so "
                    "nothing was posted: %(items)s",
                    items=", ".join(not_settled.mapped("display_name")),
                )
            )
        return [(lines.matched_debit_ids | lines.matched_credit_ids) - partials_before for lines in lines_per_proposal]

    def _prepare_reimbursement_line_vals(self, run, proposal, vendor, bill, transfer_lines, partials):
        return {
            "reimbursement_id": run.id,
            "customer_id": proposal.customer.id,
            "vendor_id": vendor.id,
            "currency_id": proposal.currency.id,
            "amount": proposal.amount,
            "amount_company_currency": proposal.amount_company_currency,
            "account_id": proposal.account.id,
            "analytic_distribution": proposal.analytic,
            "bill_id": bill.id,
            "transfer_move_id": transfer_lines.move_id.id,
            "source_line_ids": [Command.set([item.line_id for item in proposal.items])],
            "transfer_line_ids": [Command.set(transfer_lines.ids)],
            "partial_reconcile_ids": [Command.set(partials.ids)],
        }

    def _log_on_moves(self, run, moves):
        body = Markup(_("Created by the customer reimbursement %(run)s.")) % {"run": run._get_html_link()}
        moves._message_log_batch(bodies=dict.fromkeys(moves.ids, body))

    # ------------------------------------------------------------------
    # Messages
    # ------------------------------------------------------------------

    def _format_skipped(self, skipped):
        """Human-readable list of what was not reimbursed, and why."""
        reasons = {
            "open_debits": _(
                "%(count)s customer(s) with outstanding debit transactions (enable "
                '"Include customers with outstanding debit transactions" to reimburse them): %(names)s'
            ),
            "below_minimum": _("%(count)s credit(s) below the minimum reimbursement: %(names)s"),
            "debits_exceed": _("%(count)s credit(s) fully taken up by open debits: %(names)s"),
        }
        paragraphs = []
        for reason, message in reasons.items():
            entries = skipped.get(reason)
            if not entries:
                continue
            names = [
                f"{customer.display_name} ({currency.format(amount)})" if currency else customer.display_name
                for customer, currency, amount in entries[:SKIPPED_NAMES_SHOWN]
            ]
            if len(entries) > SKIPPED_NAMES_SHOWN:
                names.append(_("and %(count)s more", count=len(entries) - SKIPPED_NAMES_SHOWN))
            paragraphs.append(message % {"count": len(entries), "names": ", ".join(names)})
        return "\n".join(paragraphs)

    def _format_run_message(self, run, skipped):
        body = escape(
            _(
                "%(count)s reimbursement(s) made for %(customers)s customer(s), %(total)s in all.",
                count=len(run.line_ids),
                customers=run.customer_count,
                total=run.company_currency_id.format(run.amount_total),
            )
        )
        skipped_text = self._format_skipped(skipped)
        if skipped_text:
            body += Markup("<br/>") + escape(_("Not reimbursed:")) + Markup("<br/>")
            body += Markup("<br/>").join(escape(paragraph) for paragraph in skipped_text.split("\n"))
        return body


class AccountReimbursementWizardLine(models.TransientModel):
    _name = "account.reimbursement.wizard.line"
    _description = "Reimbursement Preview Line"
    _order = "id"

    wizard_id = fields.Many2one(
        comodel_name="account.reimbursement.wizard",
        required=True,
        ondelete="cascade",
    )
    selected = fields.Boolean(default=True)
    key = fields.Char(readonly=True)
    customer_id = fields.Many2one(comodel_name="res.partner", readonly=True)
    vendor_id = fields.Many2one(
        comodel_name="res.partner",
        string="Existing Vendor",
        readonly=True,
        help="Empty: a one-time vendor will be created from the customer.",
    )
    vendor_name = fields.Char(string="Vendor", readonly=True)
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    # Set at creation rather than related to the wizard: Odoo rounds each
    # line's amount in its currency, and a related currency was computed
    # line by line (about a third of the preview's time for 10,000 customers).
    company_currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    amount = fields.Monetary(currency_field="currency_id", readonly=True)
    amount_company_currency = fields.Monetary(
        string="Amount in Company Currency",
        currency_field="company_currency_id",
        readonly=True,
    )
    account_id = fields.Many2one(comodel_name="account.account", string="Receivable Account", readonly=True)
