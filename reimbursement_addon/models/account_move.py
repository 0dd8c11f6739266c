from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    # The inverse of the reimbursement lines' bill: besides telling which
    # reimbursement a bill pays, it lets Odoo find the lines whose payment
    # status follows a bill without a query per bill it changes.
    reimbursement_line_ids = fields.One2many(
        comodel_name="account.reimbursement.line",
        inverse_name="bill_id",
        string="Customer Reimbursements",
        readonly=True,
    )
