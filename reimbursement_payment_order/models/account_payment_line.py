from odoo import models


class AccountPaymentLine(models.Model):
    _inherit = "account.payment.line"

    def payment_line_hashcode(self):
        # One transfer per reimbursement, never grouped with another bill of
        # the same vendor: the amount and the remittance text the customer's
        # bank shows are those of the reimbursement the advice names.
        hashcode = super().payment_line_hashcode()
        if self.move_line_id.move_id.reimbursement_line_ids:
            hashcode = f"{hashcode}-{self.id}"
        return hashcode
