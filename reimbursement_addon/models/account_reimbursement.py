from collections import defaultdict

from markupsafe import Markup, escape

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date
from odoo.tools.safe_eval import safe_eval


def check_recorded_write(records, vals):
    """Runs and lines record posted accounting: they change only through
    cancellation (which says so in the context), never by a direct write,
    from the client or over RPC. Chatter fields stay writable."""
    records.check_access("write")
    changed = [fname for fname in vals if not fname.startswith(("message_", "activity_"))]
    if changed and not records.env.context.get("reimbursement_cancel"):
        raise UserError(
            _(
                "Customer reimbursements cannot be edited (%(fields)s): cancel them instead.",
                fields=", ".join(records._fields[fname].string for fname in changed if fname in records._fields),
            )
        )


class AccountReimbursement(models.Model):
    _name = "account.reimbursement"
    _description = "Customer Reimbursement Run"
    _inherit = ["mail.thread"]
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
        string="Responsible",
        readonly=True,
        default=lambda self: self.env.user,
    )
    state = fields.Selection(
        selection=[("done", "Done"), ("cancelled", "Cancelled")],
        default="done",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    summarize_customer = fields.Boolean(readonly=True)
    include_debit_customers = fields.Boolean(
        string="Include Customers with Outstanding Debit Transactions",
        readonly=True,
    )
    offset_debits = fields.Boolean(string="Settle Open Debits First", readonly=True)
    partner_domain = fields.Char(string="Records to Include", readonly=True)
    min_amount = fields.Monetary(
        string="Minimum Reimbursement",
        currency_field="company_currency_id",
        readonly=True,
        help="The company's minimum reimbursement when the run was made.",
    )
    line_ids = fields.One2many(
        comodel_name="account.reimbursement.line",
        inverse_name="reimbursement_id",
        string="Reimbursements",
        readonly=True,
    )
    customer_count = fields.Integer(
        string="Customers Reimbursed",
        compute="_compute_totals",
        store=True,
    )
    amount_total = fields.Monetary(
        string="Total",
        currency_field="company_currency_id",
        compute="_compute_totals",
        store=True,
        help="Total reimbursed, in company currency.",
    )
    bill_count = fields.Integer(compute="_compute_move_counts")
    transfer_move_count = fields.Integer(compute="_compute_move_counts")

    @api.depends("line_ids.amount_company_currency", "line_ids.customer_id", "line_ids.state")
    def _compute_totals(self):
        for run in self:
            lines = run.line_ids.filtered(lambda line: line.state == "done")
            run.amount_total = sum(lines.mapped("amount_company_currency"))
            run.customer_count = len(lines.customer_id)

    @api.depends("line_ids.bill_id", "line_ids.transfer_move_id")
    def _compute_move_counts(self):
        for run in self:
            run.bill_count = len(run.line_ids.bill_id)
            run.transfer_move_count = len(run.line_ids.transfer_move_id)

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
        check_recorded_write(self, vals)
        return super().write(vals)

    def action_open_bills(self):
        """Open the vendor bills of these runs."""
        return self._action_open_moves(self.line_ids.bill_id, "account.action_move_in_invoice_type")

    def action_open_transfer_moves(self):
        """Open the entries that moved the credits off the receivable."""
        return self._action_open_moves(self.line_ids.transfer_move_id, "account.action_move_journal_line")

    def action_cancel(self):
        """Cancel every reimbursement of these runs that is not cancelled yet:
        the customers' credits come back exactly and the bills are cancelled.
        Refused, for the whole run, when one of its bills is paid."""
        self.line_ids.filtered(lambda line: line.state == "done").action_cancel()
        return True

    def action_print(self):
        """Print the Reimbursement report of these runs."""
        return self.env.ref("reimbursement_addon.action_report_reimbursement").report_action(self.line_ids)

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


class AccountReimbursementLine(models.Model):
    _name = "account.reimbursement.line"
    _description = "Customer Reimbursement"
    _order = "reimbursement_id desc, id"
    _check_company_auto = True

    reimbursement_id = fields.Many2one(
        comodel_name="account.reimbursement",
        string="Run",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="reimbursement_id.company_id", store=True, index=True)
    date = fields.Date(related="reimbursement_id.date", store=True)
    customer_id = fields.Many2one(
        comodel_name="res.partner",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    vendor_id = fields.Many2one(
        comodel_name="res.partner",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    currency_id = fields.Many2one(comodel_name="res.currency", required=True, readonly=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    amount = fields.Monetary(currency_field="currency_id", readonly=True)
    amount_company_currency = fields.Monetary(
        string="Amount in Company Currency",
        currency_field="company_currency_id",
        readonly=True,
    )
    account_id = fields.Many2one(
        comodel_name="account.account",
        string="Receivable Account",
        readonly=True,
        help="Receivable account of the credits, when the run did not summarize customers.",
    )
    analytic_distribution = fields.Json(readonly=True)
    bill_id = fields.Many2one(
        comodel_name="account.move",
        string="Vendor Bill",
        readonly=True,
        index=True,
        check_company=True,
        ondelete="restrict",
    )
    transfer_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Transfer Entry",
        readonly=True,
        index=True,
        check_company=True,
        ondelete="restrict",
    )
    source_line_ids = fields.Many2many(
        comodel_name="account.move.line",
        relation="account_reimbursement_line_source_rel",
        column1="reimbursement_line_id",
        column2="move_line_id",
        string="Settled Journal Items",
        readonly=True,
    )
    transfer_line_ids = fields.Many2many(
        comodel_name="account.move.line",
        relation="account_reimbursement_line_transfer_rel",
        column1="reimbursement_line_id",
        column2="move_line_id",
        string="Transfer Journal Items",
        readonly=True,
        help="This reimbursement's journal items in the transfer entry.",
    )
    partial_reconcile_ids = fields.Many2many(
        comodel_name="account.partial.reconcile",
        relation="account_reimbursement_line_partial_rel",
        column1="reimbursement_line_id",
        column2="partial_id",
        string="Reconciliations",
        readonly=True,
        help="The reconciliations this reimbursement made; cancelling it removes them.",
    )
    cancel_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Cancellation Entry",
        readonly=True,
        check_company=True,
        ondelete="restrict",
        copy=False,
        help="Entry reversing this reimbursement's transfer journal items.",
    )
    payment_state = fields.Selection(related="bill_id.payment_state", string="Payment Status", store=True)
    state = fields.Selection(
        selection=[("done", "Done"), ("cancelled", "Cancelled")],
        default="done",
        required=True,
        readonly=True,
        copy=False,
    )

    def action_cancel(self):
        """Cancel these reimbursements. Their reconciliations are removed,
        their transfer journal items reversed at the run date and their bills
        cancelled, so that each customer's open items and residuals are back
        as they were before the run. Refused when a bill is paid or partly
        paid, or when a lock date covers the run date."""
        self.check_access("write")
        # A payment registered, or a cancellation started, at the same time
        # waits for this one (and Odoo retries it), or this one waits for it.
        if self:
            self._lock_for_cancellation()
        lines = self.filtered(lambda line: line.state == "done")
        if not lines:
            raise UserError(_("These reimbursements are already cancelled."))
        lines._check_cancellable()
        lines = lines.with_context(reimbursement_cancel=True)
        # All or nothing, like the run itself.
        with self.env.cr.savepoint():
            lines.partial_reconcile_ids.unlink()
            cancel_moves = lines._create_cancel_moves()
            lines._reconcile_cancel_moves(cancel_moves)
            lines.bill_id.button_draft()
            lines.bill_id.button_cancel()
            for line, move in zip(lines, cancel_moves, strict=True):
                line.write({"state": "cancelled", "cancel_move_id": move.id})
            runs = lines.reimbursement_id
            runs.filtered(lambda run: all(line.state == "cancelled" for line in run.line_ids)).state = "cancelled"
            lines._log_cancellation()
        return True

    def write(self, vals):
        check_recorded_write(self, vals)
        return super().write(vals)

    def _lock_for_cancellation(self):
        self.env.cr.execute(
            SQL("SELECT id FROM account_reimbursement_line WHERE id IN %s ORDER BY id FOR UPDATE", tuple(self.ids))
        )
        bills = self.bill_id
        if bills:
            self.env.cr.execute(
                SQL("SELECT id FROM account_move WHERE id IN %s ORDER BY id FOR UPDATE", tuple(bills.ids))
            )
        self.invalidate_recordset(["state"])
        bills.invalidate_recordset(["state", "payment_state"])

    def _check_cancellable(self):
        for line in self:
            bill = line.bill_id
            payable = bill.line_ids.filtered(lambda aml: aml.account_id.account_type == "liability_payable")
            if (
                bill.state != "posted"
                or bill.payment_state != "not_paid"
                or payable.matched_debit_ids
                or payable.matched_credit_ids
            ):
                raise UserError(
                    _(
                        "The reimbursement of %(customer)s cannot be cancelled: its vendor bill %(bill)s "
                        "is paid, partly paid or no longer posted. Undo the payment first.",
                        customer=line.customer_id.display_name,
                        bill=bill.display_name,
                    )
                )
        for (company, date), _lines in self.grouped(lambda line: (line.company_id, line.date)).items():
            company._check_reimbursement_lock_dates(date)

    def _prepare_cancel_move_vals(self):
        """Entry reversing this reimbursement's transfer journal items, at
        the run date so that every period shows the credit and the clearing
        account as if the reimbursement had never been made."""
        self.ensure_one()
        return {
            "move_type": "entry",
            "journal_id": self.company_id.reimbursement_transfer_journal_id.id,
            "date": self.date,
            "ref": _(
                "Cancellation of %(run)s - %(customer)s",
                run=self.reimbursement_id.name,
                customer=self.customer_id.name,
            ),
            "line_ids": [
                Command.create(
                    {
                        "name": item.name,
                        "partner_id": item.partner_id.id,
                        "account_id": item.account_id.id,
                        "currency_id": item.currency_id.id,
                        "amount_currency": -item.amount_currency,
                        "balance": -item.balance,
                        "analytic_distribution": item.analytic_distribution,
                    }
                )
                for item in self.transfer_line_ids
            ],
        }

    def _create_cancel_moves(self):
        moves = self.env["account.move"].create([line._prepare_cancel_move_vals() for line in self])
        moves.action_post()
        return moves

    def _reconcile_cancel_moves(self, cancel_moves):
        """Settle each transfer journal item with its reversal (all but an
        exchange difference, whose account is not reconcilable)."""
        plan = []
        for line, move in zip(self, cancel_moves, strict=True):
            for item, reversal in zip(line.transfer_line_ids, move.line_ids, strict=True):
                if item.account_id.reconcile:
                    plan.append(item + reversal)
        self.env["account.move.line"]._reconcile_plan(plan)

    def _log_cancellation(self):
        user_name = self.env.user.name
        today = format_date(self.env, fields.Date.context_today(self))
        for run, lines in self.grouped("reimbursement_id").items():
            run._message_log(
                body=escape(
                    _(
                        "%(user)s cancelled the reimbursement of %(customers)s on %(date)s.",
                        user=user_name,
                        customers=", ".join(lines.customer_id.mapped("display_name")),
                        date=today,
                    )
                )
            )
        bill_body = Markup(_("%(user)s cancelled the customer reimbursement %(run)s on %(date)s."))
        self.bill_id._message_log_batch(
            bodies={
                line.bill_id.id: bill_body
                % {"user": user_name, "run": line.reimbursement_id._get_html_link(), "date": today}
                for line in self
            }
        )
        customer_bodies = defaultdict(list)
        for line in self:
            customer_bodies[line.customer_id.id].append(
                _(
                    "%(user)s cancelled the reimbursement of %(amount)s (%(run)s) on %(date)s: "
                    "the credit balance is open again.",
                    user=user_name,
                    amount=line.currency_id.format(line.amount),
                    run=line.reimbursement_id.name,
                    date=today,
                )
            )
        customers = self.customer_id
        customers._message_log_batch(
            bodies={cid: Markup("<br/>").join(escape(text) for text in texts) for cid, texts in customer_bodies.items()}
        )
