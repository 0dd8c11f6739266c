from collections import defaultdict

from odoo import models
from odoo.exceptions import UserError


class AccountPayment(models.Model):
    _inherit = "account.payment"

    def _check_bills_still_to_pay(self):
        """What these payments of an outbound order pay of each reimbursement
        bill is still open on it: a bill paid by another payment since it
        went into the order would be paid twice by the bank file, where Odoo
        would only say that its items are already reconciled."""
        paid = defaultdict(float)
        for line in self.payment_line_ids._filter_reimbursement_lines():
            paid[line.move_line_id] += line.amount_currency
        for item, amount in paid.items():
            left = -item.amount_residual_currency
            if item.currency_id.compare_amounts(amount, left) > 0:
                raise UserError(
                    self.env._(
                        "The bill %(bill)s of %(partner)s was paid by another payment since it went into the "
                        "payment order: %(left)s is left to pay, and the order pays %(amount)s, so its transfer "
                        "would pay the bill again. If that other payment was recorded by mistake, reset it to "
                        "draft and cancel it, then click File Successfully Uploaded again.",
                        bill=item.move_id.name,
                        partner=item.partner_id.display_name,
                        left=item.currency_id.format(left),
                        amount=item.currency_id.format(amount),
                    )
                )
