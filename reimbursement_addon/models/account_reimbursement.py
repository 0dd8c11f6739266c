from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.safe_eval import safe_eval

from .engine import ENGINE, check_engine_write
from .reimbursement_proposal import KIND_REIMBURSEMENT, KIND_WRITE_OFF


class AccountReimbursement(models.Model):
    _name = "account.reimbursement"
    _description = "Customer Reimbursement Run"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "account.reimbursement.options",
        "reimbursement.background.mixin",
    ]
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
    considered_customer_count = fields.Integer(
        string="Customers Considered",
        readonly=True,
        copy=False,
        help='Customers with open receivable items that "Records to include" selected when the run was '
        "proposed: the run considered each of them. Kept as it was, while the filter's own count is of now.",
    )
    min_amount = fields.Monetary(
        string="Minimum Reimbursement",
        currency_field="company_currency_id",
        readonly=True,
        help="The company's minimum reimbursement when the run was proposed.",
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
        # All or nothing, like the posting itself.
        with self.env.cr.savepoint():
            posted = self.line_ids.filtered(lambda line: line.state == "done")
            if posted:
                posted.action_cancel()
            self.line_ids.filtered(lambda line: line.state == "draft")._mark_cancelled()
            self.filtered(lambda run: run.state != "cancelled")._mark_cancelled()
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
    # State transitions: the only code that writes a run's state
    # ------------------------------------------------------------------

    def _mark_posting(self):
        """draft or failed -> posting: the background job posts the rest."""
        self.with_context(**{ENGINE: True}).write({"state": "posting"})

    def _mark_done(self):
        """draft, posting or failed -> done: every line is posted or skipped."""
        for run in self:
            run.with_context(**{ENGINE: True}).write({"state": "done", "progress_done": run.progress_total})

    def _mark_failed(self, message):
        """posting -> failed: a batch failed with ``message``; the batches
        before it stay posted, and posting the run again goes on."""
        self.with_context(**{ENGINE: True}).write({"state": "failed", "error_message": message})

    def _mark_cancelled(self):
        """-> cancelled: nothing of the run is posted any more (a draft run
        given up, or every reimbursement of a posted run cancelled)."""
        self.with_context(**{ENGINE: True}).write({"state": "cancelled"})
