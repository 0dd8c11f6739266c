from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..models.reimbursement_proposal import KIND_REIMBURSEMENT, KIND_WRITE_OFF, LINE_KINDS


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
        default=lambda self: self.env.company.reimbursement_summarize_customer,
        help="Checked: one vendor bill per customer and currency for its whole credit "
        "balance, whatever receivable accounts and analytic distributions the credits "
        "were booked on. Unchecked: one vendor bill per customer, currency, receivable "
        "account and analytic distribution, so that each credit leaves the account and "
        "analytic distribution it was booked on.",
    )
    include_debit_customers = fields.Boolean(
        string="Include Customers with Outstanding Debit Transactions",
        default=lambda self: self.env.company.reimbursement_include_debit_customers,
        help="Unchecked: a customer that still has an open debit on its receivable "
        "(an unpaid invoice, for example) is not reimbursed, so nothing is paid out "
        "to a customer who still owes the company money. Checked: such customers are "
        "reimbursed too.",
    )
    offset_debits = fields.Boolean(
        string="Settle Open Debits First",
        default=lambda self: self.env.company.reimbursement_offset_debits,
        help="For customers with open debits. Checked: the open debits are "
        "reconciled with the credits first and only the net credit balance is "
        "reimbursed. Unchecked: the gross credit is reimbursed and the debits stay "
        "open on the receivable, to be collected as usual.",
    )
    partner_domain = fields.Char(
        string="Records to Include",
        default=lambda self: self.env.company.reimbursement_partner_domain or "[]",
        help="Which customers may be reimbursed, as a filter on contacts (for example "
        "by country, tag or salesperson). Empty: every customer with a credit balance.",
    )
    notify_customers = fields.Boolean(
        string="Send Remittance Advice",
        default=lambda self: self.env.company.reimbursement_notify_customers,
        help="E-mail each reimbursed customer, once its reimbursement is posted, what is paid back, from "
        "which credit and to which bank account.",
    )
    write_off_small_credits = fields.Boolean(
        string="Write Off Small, Dormant Credits",
        default=lambda self: self.env.company.reimbursement_write_off_small_credits,
        help="Also write off, to the company's write-off account, each credit balance below the minimum "
        "reimbursement and below the company's write-off amount whose newest open item is older than the "
        "company's dormancy, instead of leaving it on the receivable.",
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

    @api.model
    def _check_date_value(self, vals):
        """A clear error for a date that is no date (an RPC client's typo),
        before PostgreSQL refuses it with one of its own."""
        value = vals.get("date")
        if value:
            try:
                fields.Date.to_date(value)
            except (TypeError, ValueError) as exc:
                raise UserError(
                    self.env._("%(value)s is not a date: give the accounting date as YYYY-MM-DD.", value=value)
                ) from exc

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
        self.company_id._check_reimbursement_date(self.date)
        run = self._new_run()
        proposals, skipped = run._prepare_proposals()
        run._check_date_after_items(proposals)
        vendors = run._get_proposal_vendors(proposals)
        new_vendor_name = self.env._("New one-time vendor")
        self.write(
            {
                "line_ids": [Command.clear()]
                + [
                    Command.create(self._prepare_preview_line_vals(p, vendors[p.customer], new_vendor_name))
                    for p in proposals
                ],
                "preview_done": True,
                "skipped_summary": run._format_skipped(skipped),
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
        return self._create_run()._get_form_action()

    def action_reimburse(self):
        """Make the run of the selected reimbursements and post it: in this
        call up to the company's background threshold, else in the
        background. With four eyes, the run stays a draft that waits for
        another accounting manager's approval. Opens the run."""
        # All or nothing, even for a caller that catches the error and goes
        # on in the same transaction: a failure takes back the whole run.
        with self.env.cr.savepoint():
            run = self._create_run()
            if not run.approval_required:
                run._post()
        return run._get_form_action()

    # ------------------------------------------------------------------
    # Making the run
    # ------------------------------------------------------------------

    def _prepare_reimbursement_vals(self):
        return {
            "company_id": self.company_id.id,
            "date": self.date,
            "summarize_customer": self.summarize_customer,
            "include_debit_customers": self.include_debit_customers,
            "offset_debits": self.offset_debits,
            "partner_domain": self.partner_domain,
            "min_amount": self.min_amount,
            "notify_customers": self.notify_customers,
            "write_off_small_credits": self.write_off_small_credits,
            "writeoff_max_amount": self.company_id.reimbursement_writeoff_max_amount,
            "writeoff_after_days": self.company_id.reimbursement_writeoff_after_days,
        }

    def _new_run(self):
        """The run these options make, in memory only: it computes the
        proposals of the preview."""
        return self.env["account.reimbursement"].new(self._prepare_reimbursement_vals())

    def _create_run(self):
        """Create the draft run of the selected reimbursements; with four
        eyes, its reviewers are asked to approve it. Nothing to reimburse
        is a clear error.

        :return: the run
        """
        proposals, skipped = self._get_run_proposals()
        if not proposals:
            raise UserError(self._get_nothing_to_reimburse_message(skipped))
        return self._create_run_from(proposals, skipped)

    def _get_run_proposals(self):
        """The reimbursements a run of these options makes now: those
        selected in the preview when one was made.

        :return: (proposals, skipped), as ``_prepare_proposals`` gives them
        """
        self.ensure_one()
        self.company_id._check_reimbursement_date(self.date)
        run = self._new_run()
        proposals, skipped = run._prepare_proposals()
        if self.preview_done:
            proposals = self._select_previewed(proposals)
        run._check_date_after_items(proposals)
        return proposals, skipped

    def _get_nothing_to_reimburse_message(self, skipped):
        return self.env._(
            "There is nothing to reimburse: no customer in the selection has a "
            "credit balance of at least %(minimum)s.\n%(skipped)s",
            minimum=self.company_currency_id.format(self.min_amount),
            skipped=self.env["account.reimbursement"]._format_skipped(skipped) or "",
        )

    def _create_run_from(self, proposals, skipped):
        """The draft run of ``proposals``, logging what was ``skipped``."""
        considered = self._new_run()._count_considered_customers()
        run = self.env["account.reimbursement"].create(
            {**self._prepare_reimbursement_vals(), "considered_customer_count": considered}
        )
        run._create_lines(proposals)
        run._log_proposal(skipped)
        if run.approval_required:
            run._request_approval()
        return run

    def _select_previewed(self, proposals):
        """Keep the proposals selected in the preview, refusing to go on when
        a selected credit changed since it was previewed."""
        selected = self.line_ids.filtered("selected")
        if not selected:
            raise UserError(self.env._("Select at least one customer to reimburse in the preview."))
        by_key = {proposal.key: proposal for proposal in proposals}
        for line in selected:
            proposal = by_key.get(line.key)
            if not proposal or line.currency_id.compare_amounts(proposal.amount, line.amount):
                raise UserError(
                    self.env._(
                        "The credit balance of %(customer)s in %(currency)s changed since the "
                        "preview. Preview again before reimbursing.",
                        customer=line.customer_id.display_name,
                        currency=line.currency_id.name,
                    )
                )
        keys = set(selected.mapped("key"))
        return [proposal for proposal in proposals if proposal.key in keys]

    def _prepare_preview_line_vals(self, proposal, vendor, new_vendor_name):
        # The currencies come first: the amounts are rounded in them.
        return {
            "currency_id": proposal.currency.id,
            "company_currency_id": proposal.company_currency.id,
            "key": proposal.key,
            "kind": proposal.kind,
            "customer_id": proposal.customer.id,
            "vendor_id": vendor.id if proposal.kind == KIND_REIMBURSEMENT else False,
            "vendor_name": (vendor.display_name or new_vendor_name) if proposal.kind == KIND_REIMBURSEMENT else False,
            "amount": proposal.amount,
            "amount_company_currency": proposal.amount_company_currency,
            "account_id": proposal.account.id,
            "selected": True,
        }


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
