from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    reimbursement_min_amount = fields.Monetary(
        related="company_id.reimbursement_min_amount",
        currency_field="currency_id",
        readonly=False,
    )
    reimbursement_journal_id = fields.Many2one(
        related="company_id.reimbursement_journal_id",
        readonly=False,
    )
    reimbursement_transfer_journal_id = fields.Many2one(
        related="company_id.reimbursement_transfer_journal_id",
        readonly=False,
    )
    reimbursement_clearing_account_id = fields.Many2one(
        related="company_id.reimbursement_clearing_account_id",
        readonly=False,
    )
    reimbursement_vendor_policy = fields.Selection(
        related="company_id.reimbursement_vendor_policy",
        readonly=False,
    )
    reimbursement_background_threshold = fields.Integer(
        related="company_id.reimbursement_background_threshold",
        readonly=False,
    )
    reimbursement_approval_required = fields.Boolean(
        related="company_id.reimbursement_approval_required",
        readonly=False,
    )
    reimbursement_responsible_id = fields.Many2one(
        related="company_id.reimbursement_responsible_id",
        readonly=False,
    )
    reimbursement_notify_customers = fields.Boolean(
        related="company_id.reimbursement_notify_customers",
        readonly=False,
    )
    reimbursement_summarize_customer = fields.Boolean(
        related="company_id.reimbursement_summarize_customer",
        readonly=False,
    )
    reimbursement_include_debit_customers = fields.Boolean(
        related="company_id.reimbursement_include_debit_customers",
        readonly=False,
    )
    reimbursement_offset_debits = fields.Boolean(
        related="company_id.reimbursement_offset_debits",
        readonly=False,
    )
    reimbursement_partner_domain = fields.Char(
        related="company_id.reimbursement_partner_domain",
        readonly=False,
    )
    reimbursement_schedule = fields.Selection(
        related="company_id.reimbursement_schedule",
        readonly=False,
    )
    reimbursement_schedule_interval = fields.Selection(
        related="company_id.reimbursement_schedule_interval",
        readonly=False,
    )
    reimbursement_next_date = fields.Date(
        related="company_id.reimbursement_next_date",
        readonly=False,
    )
    reimbursement_writeoff_account_id = fields.Many2one(
        related="company_id.reimbursement_writeoff_account_id",
        readonly=False,
    )
    reimbursement_writeoff_max_amount = fields.Monetary(
        related="company_id.reimbursement_writeoff_max_amount",
        currency_field="currency_id",
        readonly=False,
    )
    reimbursement_writeoff_after_days = fields.Integer(
        related="company_id.reimbursement_writeoff_after_days",
        readonly=False,
    )
    reimbursement_write_off_small_credits = fields.Boolean(
        related="company_id.reimbursement_write_off_small_credits",
        readonly=False,
    )
