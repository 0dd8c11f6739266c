from odoo import api, fields, models
from odoo.exceptions import UserError

from .engine import ENGINE, check_engine_write
from .reimbursement_proposal import KIND_REIMBURSEMENT, LINE_KINDS


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
    kind = fields.Selection(
        selection=LINE_KINDS,
        string="Type",
        default=KIND_REIMBURSEMENT,
        required=True,
        readonly=True,
        help="Reimbursement: the credit is paid back by a vendor bill. Write-off: a small, dormant credit is "
        "written off to the company's write-off account; no bill, no payment, no advice.",
    )
    vendor_id = fields.Many2one(
        comodel_name="res.partner",
        readonly=True,
        index=True,
        ondelete="restrict",
        help="Empty on a draft line: posting creates a one-time vendor from the customer.",
    )
    vendor_name = fields.Char(
        compute="_compute_vendor_name",
        help='The vendor billed, or "New one-time vendor" on a draft line whose posting creates one.',
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
        copy=False,
    )
    transfer_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Transfer Entry",
        readonly=True,
        index=True,
        check_company=True,
        ondelete="restrict",
        copy=False,
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
        copy=False,
        help="This reimbursement's own journal items in the transfer entry: the receivable and any "
        "exchange difference.",
    )
    clearing_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Transfer Clearing Item",
        readonly=True,
        copy=False,
        help="The transfer entry's clearing item matched with the bill's: in company currency one item "
        "for all the reimbursements of a batch, in a foreign currency one per reimbursement.",
    )
    partial_reconcile_ids = fields.Many2many(
        comodel_name="account.partial.reconcile",
        relation="account_reimbursement_line_partial_rel",
        column1="reimbursement_line_id",
        column2="partial_id",
        string="Reconciliations",
        readonly=True,
        copy=False,
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
    payment_state = fields.Selection(
        # The bill's states, labelled as Odoo labels them in the user's language.
        selection=lambda self: self.env["account.move"]._fields["payment_state"]._description_selection(self.env),
        string="Payment Status",
        compute="_compute_payment_state",
        store=True,
        help="The payment status of the bill of a posted reimbursement; none once it is cancelled.",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("done", "Done"),
            ("skipped", "Skipped"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        help="Draft: proposed, nothing posted. Done: posted. Skipped: its credit changed or was "
        "settled before it was posted, and nothing was posted for it. Cancelled: posted, then cancelled.",
    )
    skip_reason = fields.Char(readonly=True, copy=False)

    @api.depends("customer_id", "currency_id", "amount", "reimbursement_id.name")
    def _compute_display_name(self):
        for line in self:
            line.display_name = self.env._(
                "%(customer)s, %(amount)s (%(run)s)",
                customer=line.customer_id.display_name,
                amount=line.currency_id.format(line.amount) if line.currency_id else "",
                run=line.reimbursement_id.name,
            )

    @api.depends("bill_id.payment_state", "state")
    def _compute_payment_state(self):
        for line in self:
            line.payment_state = line.bill_id.payment_state if line.state == "done" else False

    @api.depends("vendor_id", "kind", "state")
    def _compute_vendor_name(self):
        for line in self:
            if line.vendor_id:
                line.vendor_name = line.vendor_id.display_name
            elif line.kind == KIND_REIMBURSEMENT and line.state == "draft":
                line.vendor_name = self.env._("New one-time vendor")
            else:
                line.vendor_name = False

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.reimbursement_id._get_report_base_filename()

    def write(self, vals):
        check_engine_write(self, vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(line.state != "draft" or line.reimbursement_id.state != "draft" for line in self):
            raise UserError(
                self.env._("Only the lines of a draft run can be removed: cancel posted reimbursements instead.")
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_remove(self):
        """Remove these lines from their draft run: they will not be posted."""
        self.check_access("unlink")
        self.unlink()
        return True

    # ------------------------------------------------------------------
    # State transitions: the only code that writes a line's state
    # ------------------------------------------------------------------

    def _mark_done(self, **documents):
        """draft -> done: posted, with its ``documents`` (field: id)."""
        self.with_context(**{ENGINE: True}).write({"state": "done", **documents})

    def _mark_skipped(self, reason):
        """draft -> skipped: nothing posted, for ``reason``."""
        self.with_context(**{ENGINE: True}).write({"state": "skipped", "skip_reason": reason})

    def _mark_cancelled(self, cancel_move=None):
        """done -> cancelled, reversed by ``cancel_move``; or draft ->
        cancelled, given up with its run."""
        vals = {"state": "cancelled"}
        if cancel_move:
            vals["cancel_move_id"] = cancel_move.id
        self.with_context(**{ENGINE: True}).write(vals)
