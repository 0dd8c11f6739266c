from odoo import models


class AccountPaymentLine(models.Model):
    _inherit = "account.payment.line"

    def _filter_reimbursement_lines(self):
        """The lines among these that pay a reimbursement's vendor bill in an
        outbound order: the only ones this module treats otherwise than
        OCA does."""
        return self.filtered(
            lambda line: line.order_id.payment_type == "outbound" and line.move_line_id.move_id.reimbursement_line_ids
        )

    def payment_line_hashcode(self):
        # One transfer per reimbursement, never grouped with another bill of
        # the same vendor: the amount and the remittance text the customer's
        # bank shows are those of the reimbursement the advice names.
        hashcode = super().payment_line_hashcode()
        if self._filter_reimbursement_lines():
            hashcode = f"{hashcode}-{self.id}"
        return hashcode
