from odoo import api, fields, models
from odoo.tools.safe_eval import safe_eval


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

    def action_open_bills(self):
        """Open the vendor bills of these runs."""
        return self._action_open_moves(self.line_ids.bill_id, "account.action_move_in_invoice_type")

    def action_open_transfer_moves(self):
        """Open the entries that moved the credits off the receivable."""
        return self._action_open_moves(self.line_ids.transfer_move_id, "account.action_move_journal_line")

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
    payment_state = fields.Selection(related="bill_id.payment_state", string="Payment Status", store=True)
    state = fields.Selection(
        selection=[("done", "Done"), ("cancelled", "Cancelled")],
        default="done",
        required=True,
        readonly=True,
        copy=False,
    )
