from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    reimbursement_payment_mode_id = fields.Many2one(
        related="company_id.reimbursement_payment_mode_id",
        readonly=False,
    )
