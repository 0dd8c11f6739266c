from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    reimbursement_payment_mode_id = fields.Many2one(
        comodel_name="account.payment.mode",
        domain="[('company_id', '=', id), ('payment_type', '=', 'outbound'), ('payment_order_ok', '=', True)]",
        check_company=True,
        help="Outbound payment mode, with payment orders, of the vendor bills that reimburse customers: "
        "set on each bill when it is posted, and the mode of the payment orders made from a run.",
    )
