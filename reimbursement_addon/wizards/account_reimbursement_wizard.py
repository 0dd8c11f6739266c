from odoo import Command, api, fields, models

from ..models.reimbursement_proposal import KIND_WRITE_OFF, LINE_KINDS


class AccountReimbursementWizard(models.TransientModel):
    _name = "account.reimbursement.wizard"
    _inherit = "account.reimbursement.options"
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
    selected_count = fields.Integer(string="Reimbursements Selected", compute="_compute_amount_total")
    amount_unselected = fields.Monetary(
        string="Not Selected",
        currency_field="company_currency_id",
        compute="_compute_amount_total",
        help="Total of the reimbursements unticked in the preview, in company currency: they are not made.",
    )
    unselected_count = fields.Integer(string="Reimbursements Not Selected", compute="_compute_amount_total")
    amount_written_off = fields.Monetary(
        string="To Write Off",
        currency_field="company_currency_id",
        compute="_compute_amount_total",
        help="Total of the small, dormant credits selected to be written off, in company currency.",
    )
    write_off_count = fields.Integer(string="Write-offs Selected", compute="_compute_amount_total")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        if "partner_domain" in fields_list and context.get("active_model") == "res.partner":
            partners = self.env["res.partner"].browse(context.get("active_ids") or [])
            if partners:
                res["partner_domain"] = str([("id", "in", partners.commercial_partner_id.ids)])
        return res

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_date_value(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_date_value(vals)
        return super().write(vals)

    @api.depends("line_ids.selected", "line_ids.amount_company_currency", "line_ids.kind")
    def _compute_amount_total(self):
        for wizard in self:
            selected = wizard.line_ids.filtered("selected")
            unselected = wizard.line_ids - selected
            write_offs = selected.filtered(lambda line: line.kind == KIND_WRITE_OFF)
            wizard.amount_total = sum((selected - write_offs).mapped("amount_company_currency"))
            wizard.selected_count = len(selected - write_offs)
            wizard.amount_written_off = sum(write_offs.mapped("amount_company_currency"))
            wizard.write_off_count = len(write_offs)
            wizard.amount_unselected = sum(unselected.mapped("amount_company_currency"))
            wizard.unselected_count = len(unselected)

    @api.onchange(
        "summarize_customer", "include_debit_customers", "offset_debits", "partner_domain", "write_off_small_credits"
    )
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
        """Show the reimbursements a run would make, writing no entry."""
        self.ensure_one()
        preview = self.env["account.reimbursement"].preview(self._get_run_options())
        self.write(
            {
                "line_ids": [Command.clear()]
                + [
                    Command.create({**vals, "company_currency_id": self.company_currency_id.id, "selected": True})
                    for vals in preview["lines"]
                ],
                "preview_done": True,
                "skipped_summary": preview["skipped"],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Reimbursement"),
        }

    def action_propose(self):
        """Make a draft run of the selected reimbursements (all of them when
        no preview was made), for review before posting, and open it."""
        return self._propose()._get_form_action()

    def action_reimburse(self):
        """Make the run of the selected reimbursements and post it: in this
        call up to the company's background threshold, else in the
        background. With four eyes, the run stays a draft that waits for
        another accounting manager's approval. Opens the run."""
        # All or nothing, even for a caller that catches the error and goes
        # on in the same transaction: a failure takes back the whole run.
        with self.env.cr.savepoint():
            run = self._propose()
            if not run.approval_required:
                run.action_post()
        return run._get_form_action()

    def _get_run_options(self):
        return {**self._get_options(), "company_id": self.company_id.id, "date": self.date}

    def _propose(self):
        """The draft run of these options: of the reimbursements selected in
        the preview, when one was made."""
        self.ensure_one()
        previewed = None
        if self.preview_done:
            previewed = {line.key: line.amount for line in self.line_ids.filtered("selected")}
        return self.env["account.reimbursement"].propose(self._get_run_options(), previewed)


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
    kind = fields.Selection(selection=LINE_KINDS, string="Type", readonly=True)
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
