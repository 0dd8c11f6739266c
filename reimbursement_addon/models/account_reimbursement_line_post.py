from collections import defaultdict

from markupsafe import Markup

from odoo import Command, api, models
from odoo.exceptions import UserError

from .. import series
from .reimbursement_proposal import (
    KIND_REIMBURSEMENT,
    KIND_WRITE_OFF,
    SKIP_BELOW_MINIMUM,
    SKIP_DEBITS_EXCEED,
    SKIP_NOT_DORMANT,
    SKIP_OPEN_DEBITS,
    analytic_key,
    proposal_key,
)


class AccountReimbursementLine(models.Model):
    """Posting a batch of lines: each checked again, then their bills, one
    transfer entry, posting and reconciliation, in as few queries as the
    batch allows."""

    _inherit = "account.reimbursement.line"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Checking a line again when it is posted
    # ------------------------------------------------------------------

    def _get_proposal_key(self, kind=None):
        """The key of this line's proposal, or of the same credit proposed
        as ``kind``."""
        self.ensure_one()
        return proposal_key(
            self.customer_id.id, self.currency_id.id, self.account_id.id, self.analytic_distribution, kind or self.kind
        )

    def _get_gone_reason(self, why_not, current_keys):
        """Why this line's customer has no reimbursement of it any more.

        :param why_not: the :class:`Skipped` entries of the check, by
            (customer, currency) and, for open debits, (customer, None)
        :param current_keys: the keys of the proposals of the check
        """
        self.ensure_one()
        if self.kind == KIND_WRITE_OFF and self._get_proposal_key(KIND_REIMBURSEMENT) in current_keys:
            return self.env._(
                "The credit balance has reached the minimum reimbursement since the proposal: it is to be "
                "reimbursed, not written off."
            )
        if self.kind == KIND_REIMBURSEMENT and self._get_proposal_key(KIND_WRITE_OFF) in current_keys:
            return self.env._(
                "The credit balance is small and dormant since the proposal: it is to be written off, not reimbursed."
            )
        entry = why_not.get((self.customer_id, self.currency_id)) or why_not.get((self.customer_id, None))
        if not entry:
            return self.env._("The credit balance is settled or gone since the proposal.")
        if entry.reason == SKIP_OPEN_DEBITS:
            return self.env._("The customer has outstanding debit transactions since the proposal.")
        if entry.reason == SKIP_BELOW_MINIMUM:
            return self.env._(
                "The credit balance is below the minimum reimbursement since the proposal: %(amount)s now.",
                amount=self.currency_id.format(entry.amount),
            )
        if entry.reason == SKIP_NOT_DORMANT:
            return self.env._(
                "The customer's account has moved since the proposal, so the credit balance is not dormant "
                "any more: %(amount)s now.",
                amount=self.currency_id.format(entry.amount),
            )
        if entry.reason == SKIP_DEBITS_EXCEED:
            return self.env._("Open debits take up the whole credit balance since the proposal.")
        return self.env._("The credit balance changed since the proposal.")

    # ------------------------------------------------------------------
    # Posting: bills, transfer entry, reconciliation
    # ------------------------------------------------------------------

    def _post_reimbursements(self, proposals):
        """Post these draft lines, one batch of one run: their bills and one
        transfer entry carrying all their customers' lines are created,
        posted and reconciled, and each line records its documents.

        :param proposals: the current :class:`Proposal` of each line, in order
        """
        run = self.reimbursement_id
        run.ensure_one()
        vendors = self._get_vendors()
        bills = self._create_bills(proposals, vendors)
        transfer_move, transfer_lines, clearing_items = self._create_transfer_move(proposals, bills)
        self._post_moves(bills + transfer_move)
        partials = self._reconcile_moves(proposals, bills, transfer_lines, clearing_items)
        for line, vendor, bill, clearing_item in zip(self, vendors, bills, clearing_items, strict=True):
            line._mark_done(
                vendor_id=vendor.id,
                bill_id=bill.id,
                transfer_move_id=transfer_move.id,
                clearing_line_id=clearing_item.id,
            )
        self._set_relations("transfer_line_ids", transfer_lines)
        self._set_relations("partial_reconcile_ids", partials)
        self._log_on_moves(bills + transfer_move)

    def _post_write_offs(self, proposals):
        """Post these draft write-off lines, one batch of one run: one entry
        in the transfer journal carries every line's items (its customer's
        receivable debited, the write-off account credited), posted and
        reconciled with the customers' credit items; each line records it.

        :param proposals: the current :class:`Proposal` of each line, in order
        """
        self.reimbursement_id.ensure_one()
        own_vals = [line._prepare_write_off_vals(proposal) for line, proposal in zip(self, proposals, strict=True)]
        move, own_lines, _shared = self._create_batch_entry(own_vals)
        self._post_moves(move)
        plans = [
            line._get_settling_plan(proposal, own)
            for line, proposal, own in zip(self, proposals, own_lines, strict=True)
        ]
        partials = self._run_reconcile_plan(
            [items for plan in plans for items in plan],
            [self._get_reconciling_model().union(*plan) for plan in plans],
        )
        self._mark_done(transfer_move_id=move.id)
        self._set_relations("transfer_line_ids", own_lines)
        self._set_relations("partial_reconcile_ids", partials)
        self._log_on_moves(move)

    def _prepare_write_off_vals(self, proposal):
        """This write-off's own items: its customer's receivable debited at
        the credit items' values (see :meth:`_prepare_transfer_line_vals`),
        the write-off account credited with the credit, in its currency at
        the run date's rate, on the credit's analytic distribution."""
        self.ensure_one()
        run = self.reimbursement_id
        company = self.company_id
        balance = self.currency_id._convert(self.amount, self.company_currency_id, company, run.date)
        write_off_vals = {
            "name": self._get_item_label(),
            "partner_id": self.customer_id.id,
            "account_id": company.reimbursement_writeoff_account_id.id,
            "currency_id": self.currency_id.id,
            "amount_currency": -self.amount,
            "balance": -balance,
            "analytic_distribution": proposal.analytic,
            "tax_ids": [Command.clear()],
        }
        return [*self._prepare_transfer_line_vals(proposal, -balance), write_off_vals]

    def _set_relations(self, fname, values):
        """Set the many2many ``fname`` of each line to its records in
        ``values``, for all the lines in one query: write() would set it
        line by line, two queries each."""
        self._fields[fname].write_batch(
            [(line, [Command.set(records.ids)]) for line, records in zip(self, values, strict=True)]
        )

    def _get_vendors(self):
        """The vendor of each line: the one it was proposed with, else the
        one the company's policy gives its customer now (one-time vendors
        are created here).

        :return: the vendors, in the order of the lines
        """
        missing = self.filtered(lambda line: not line.vendor_id)
        resolved = missing.customer_id._get_reimbursement_vendors(self.company_id) if missing else {}
        return [line.vendor_id or resolved[line.customer_id] for line in self]

    def _get_move_ref(self):
        return f"{self.reimbursement_id.name} - {self.customer_id.name}"

    def _prepare_bill_vals(self, proposal, vendor):
        self.ensure_one()
        company = self.company_id
        bank = vendor.bank_ids.filtered(lambda b: b.company_id in (company, self.env["res.company"]))[:1]
        return {
            "move_type": "in_invoice",
            "journal_id": company.reimbursement_journal_id.id,
            "partner_id": vendor.id,
            "currency_id": self.currency_id.id,
            "invoice_date": self.date,
            "date": self.date,
            "ref": self._get_move_ref(),
            "invoice_origin": self.reimbursement_id.name,
            "partner_bank_id": bank.id,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": self.env._(
                            "Reimbursement of the credit balance of %(customer)s",
                            customer=self.customer_id.name,
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

    def _create_bills(self, proposals, vendors):
        """The draft vendor bills of these lines, in their order, each
        followed by its vendor."""
        bills = self.env["account.move"].create(
            [
                line._prepare_bill_vals(proposal, vendor)
                for line, proposal, vendor in zip(self, proposals, vendors, strict=True)
            ]
        )
        if series.POSTING_SUBSCRIBES_PARTNER:
            self._subscribe_vendors(bills)
        return bills

    @api.model
    def _subscribe_vendors(self, bills):
        """Make each bill's vendor a follower of it, with Odoo's default
        subtypes, as posting a bill does: posting subscribes the vendors one
        bill at a time, with five queries each, and leaves alone a bill its
        vendor already follows. Here the batch's followers are created in one
        go."""
        Followers = self.env["mail.followers"]
        followed = {(follower.res_id, follower.partner_id) for follower in bills.sudo().message_follower_ids}
        to_subscribe = bills.filtered(
            lambda bill: bill.partner_id.active and (bill.id, bill.partner_id) not in followed
        )
        customer_ids = to_subscribe.partner_id.filtered("partner_share").ids
        vals_list = []
        for bill in to_subscribe:
            new, _update = Followers._add_default_followers(
                bills._name, bill.ids, bill.partner_id.ids, customer_ids=customer_ids, check_existing=False
            )
            vals_list += [dict(vals, res_id=bill.id) for vals in new[bill.id]]
        Followers.sudo().create(vals_list)

    def _get_bill_clearing_item(self, bill=None):
        """The bill's journal item on the clearing account."""
        clearing = self.company_id.reimbursement_clearing_account_id
        return (bill or self.bill_id).line_ids.filtered(lambda aml: aml.account_id == clearing)

    def _prepare_transfer_line_vals(self, proposal, counterpart_balance):
        """This reimbursement's own transfer entry lines, moving its credit
        off the customer's receivable: one line per receivable account (and
        distribution) of the settled items, at the items' own values so that
        they settle them exactly in both currencies. Their counterpart, of
        ``counterpart_balance`` in company currency, is the clearing account
        at the bill's value (see :meth:`_prepare_clearing_line_vals`), or the
        write-off account at the run date's rate. A foreign currency credit
        valued at another rate than the run date's leaves an exchange
        difference, booked on the company's exchange gain or loss account in
        the same entry."""
        self.ensure_one()
        company_currency = self.company_currency_id
        summarized = self.reimbursement_id.summarize_customer
        by_account = defaultdict(lambda: [0.0, 0.0])
        for item in proposal.items:
            key = (item.account, item.analytic_key if not summarized else "")
            by_account[key][0] -= item.residual_currency
            by_account[key][1] -= item.residual
        label = self._get_item_label()
        analytics = {item.analytic_key: item.analytic for item in proposal.items}
        vals_list = [
            {
                "name": label,
                "partner_id": self.customer_id.id,
                "account_id": account.id,
                "currency_id": self.currency_id.id,
                "amount_currency": self.currency_id.round(amount_currency),
                "balance": company_currency.round(balance),
                "analytic_distribution": analytics.get(analytic_key) if analytic_key else False,
                "tax_ids": [Command.clear()],
            }
            for (account, analytic_key), (amount_currency, balance) in by_account.items()
            if not (self.currency_id.is_zero(amount_currency) and company_currency.is_zero(balance))
        ]
        difference = company_currency.round(-sum(vals["balance"] for vals in vals_list) - counterpart_balance)
        if not company_currency.is_zero(difference):
            vals_list.append(self._prepare_exchange_difference_line_vals(difference))
        return vals_list

    def _get_item_label(self):
        """The label of this line's journal items."""
        self.ensure_one()
        if self.kind == KIND_WRITE_OFF:
            return self.env._("Write-off of the credit balance of %(customer)s", customer=self.customer_id.name)
        return self.env._("Reimbursement of %(customer)s", customer=self.customer_id.name)

    def _prepare_clearing_line_vals(self, bill=None):
        """The clearing account at the value (and distribution) of the bill's
        clearing item, so that the two match to the cent."""
        self.ensure_one()
        bill_item = self._get_bill_clearing_item(bill)
        return {
            "name": self.env._("Reimbursement of %(customer)s", customer=self.customer_id.name),
            "partner_id": self.customer_id.id,
            "account_id": bill_item.account_id.id,
            "currency_id": self.currency_id.id,
            "amount_currency": -bill_item.amount_currency,
            "balance": -bill_item.balance,
            "analytic_distribution": bill_item.analytic_distribution,
            "tax_ids": [Command.clear()],
        }

    def _prepare_shared_clearing_line_vals(self, vals_list):
        """One clearing item for the company currency reimbursements of a
        batch (with the same distribution): the entry has one line per
        customer instead of two, and the bills' clearing items are matched
        with it. Foreign currency reimbursements keep an item each, so that
        every bill is matched at its own rate, without exchange difference."""
        run = self.reimbursement_id
        return dict(
            vals_list[0],
            name=self.env._("Reimbursements of %(run)s", run=run.name),
            partner_id=False,
            amount_currency=sum(vals["amount_currency"] for vals in vals_list),
            balance=sum(vals["balance"] for vals in vals_list),
        )

    def _prepare_exchange_difference_line_vals(self, difference):
        """Exchange gain (credit) or loss (debit) of a foreign currency
        credit, between its value when booked and at the run date."""
        company = self.company_id
        if difference < 0:
            account = company.income_currency_exchange_account_id
        else:
            account = company.expense_currency_exchange_account_id
        if not account:
            raise UserError(
                self.env._(
                    "%(company)s has no exchange gain or loss account, so the exchange difference of the "
                    "reimbursement of %(customer)s in %(currency)s cannot be booked. Set them in "
                    "Settings > Invoicing > Default Accounts.",
                    company=company.display_name,
                    customer=self.customer_id.display_name,
                    currency=self.currency_id.name,
                )
            )
        return {
            "name": self.env._(
                "Exchange difference on the reimbursement of %(customer)s", customer=self.customer_id.name
            ),
            "partner_id": self.customer_id.id,
            "account_id": account.id,
            "currency_id": self.company_currency_id.id,
            "amount_currency": difference,
            "balance": difference,
            "analytic_distribution": False,
            "tax_ids": [Command.clear()],
        }

    def _create_transfer_move(self, proposals, bills):
        """One draft transfer entry for these lines, carrying every
        reimbursement's journal items.

        :return: (the entry, per line the entry's items that are its own,
            per line the entry's clearing item matching its bill)
        """
        own_vals = []
        clearing_keys = []  # per line: the key of its clearing item's values
        clearing_vals = {}  # key: the values of the clearing lines it sums
        for line, proposal, bill in zip(self, proposals, bills, strict=True):
            own_vals.append(line._prepare_transfer_line_vals(proposal, -line._get_bill_clearing_item(bill).balance))
            vals = line._prepare_clearing_line_vals(bill)
            if line.currency_id == line.company_currency_id:
                key = ("shared", analytic_key(proposal.analytic))
            else:
                key = ("own", line.id)
            clearing_keys.append(key)
            clearing_vals.setdefault(key, []).append(vals)
        clearing_vals = {
            key: self._prepare_shared_clearing_line_vals(vals_list) if key[0] == "shared" else vals_list[0]
            for key, vals_list in clearing_vals.items()
        }
        move, lines_per_line, shared_items = self._create_batch_entry(own_vals, list(clearing_vals.values()))
        clearing_items = dict(zip(clearing_vals, shared_items, strict=True))
        return move, lines_per_line, [clearing_items[key] for key in clearing_keys]

    def _create_batch_entry(self, own_vals, shared_vals=()):
        """One draft entry of these lines' run in the transfer journal, with
        each line's own items (``own_vals``, a list of values per line) and
        the items they share (``shared_vals``).

        :return: (the entry, per line its own items, the shared items in
            the order of their values)
        """
        run = self.reimbursement_id
        all_vals = [vals for vals_list in own_vals for vals in vals_list] + list(shared_vals)
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": run.company_id.reimbursement_transfer_journal_id.id,
                "date": run.date,
                "ref": run.name,
                "line_ids": [Command.create(vals) for vals in all_vals],
            }
        )
        # The items were created in the order of their values.
        move_lines = move.line_ids.sorted("id")
        if len(move_lines) != len(all_vals):
            raise UserError(self.env._("The transfer entry %(move)s has unexpected lines.", move=move.display_name))
        lines_per_line = []
        start = 0
        for vals_list in own_vals:
            lines_per_line.append(move_lines[start : start + len(vals_list)])
            start += len(vals_list)
        return move, lines_per_line, move_lines[start:]

    def _post_moves(self, moves):
        """Post the bills and the transfer entry of these lines in one call."""
        moves.action_post()

    def _reconcile_moves(self, proposals, bills, transfer_lines, clearing_items):
        """Settle each customer's items with its transfer journal items, and
        the transfer entry's clearing items with the bills', in one batch.

        :return: per line, the reconciliations made (cancelling the
            reimbursement removes exactly these)
        """
        AccountMoveLine = self._get_reconciling_model()
        plan = []
        items_per_line = []
        bill_items_per_clearing = defaultdict(lambda: AccountMoveLine)
        for line, proposal, bill, own_lines, clearing_item in zip(
            self, proposals, bills, transfer_lines, clearing_items, strict=True
        ):
            line_plan = line._get_settling_plan(proposal, own_lines)
            plan += line_plan
            bill_item = line._get_bill_clearing_item(bill).with_env(AccountMoveLine.env)
            bill_items_per_clearing[clearing_item.with_env(AccountMoveLine.env)] += bill_item
            items_per_line.append(AccountMoveLine.union(*line_plan, bill_item))
        plan += [clearing_item + bill_items for clearing_item, bill_items in bill_items_per_clearing.items()]
        return self._run_reconcile_plan(plan, items_per_line, extra_items=list(bill_items_per_clearing))

    def _get_reconciling_model(self):
        # Reconciling changes which items match and their residuals, none of
        # the documents' lines: Odoo's sync of their tax and payment term
        # lines (a fifth of the posting time here) has nothing to do, as for
        # the payments and cash basis entries where core skips it too.
        return self.env["account.move.line"].with_context(skip_invoice_sync=True)

    def _get_settling_plan(self, proposal, own_lines):
        """The reconciliations settling this line's customer items with its
        own transfer items: one per receivable account."""
        self.ensure_one()
        AccountMoveLine = self._get_reconciling_model()
        items_by_account = defaultdict(list)
        for item in proposal.items:
            items_by_account[item.account].append(item.line_id)
        own_lines = own_lines.with_env(AccountMoveLine.env)
        return [
            AccountMoveLine.browse(line_ids) + own_lines.filtered(lambda aml, acc=account: aml.account_id == acc)
            for account, line_ids in items_by_account.items()
        ]

    def _run_reconcile_plan(self, plan, items_per_line, extra_items=()):
        """Reconcile ``plan`` in one go and check that every item of it is
        settled (else nothing is posted).

        :param items_per_line: per line, its own items in the plan
        :param extra_items: the plan's items no line owns alone
        :return: per line, the reconciliations made (cancelling the line
            removes exactly these)
        """
        AccountMoveLine = self._get_reconciling_model()
        all_items = AccountMoveLine.union(*items_per_line, *extra_items)
        # Odoo reads the plan's items in one query for the batch, not one per customer.
        plan = [items.with_prefetch(all_items._prefetch_ids) for items in plan]
        # Earlier partial payments of these items stay when a run is cancelled.
        partials_before = all_items.matched_debit_ids | all_items.matched_credit_ids
        AccountMoveLine._reconcile_plan(plan)
        all_items.invalidate_recordset(["matched_debit_ids", "matched_credit_ids"])
        all_items.fetch(["matched_debit_ids", "matched_credit_ids", "reconciled"])
        not_settled = all_items.filtered(lambda aml: not aml.reconciled)
        if not_settled:
            raise UserError(
                self.env._(
                    "The reimbursement could not settle these journal items completely, so "
                    "nothing was posted: %(items)s",
                    items=", ".join(not_settled.mapped("display_name")),
                )
            )
        # A line's own items (its settled items, its transfer items, its
        # bill's clearing item) carry exactly the reconciliations it made.
        return [(items.matched_debit_ids | items.matched_credit_ids) - partials_before for items in items_per_line]

    def _log_on_moves(self, moves):
        run = self.reimbursement_id
        body = Markup(self.env._("Created by the customer reimbursement %(run)s.")) % {"run": run._get_html_link()}
        moves._message_log_batch(bodies=dict.fromkeys(moves.ids, body))
