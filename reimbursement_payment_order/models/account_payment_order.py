from markupsafe import Markup

from odoo import models
from odoo.tools import format_date


class AccountPaymentOrder(models.Model):
    _inherit = "account.payment.order"

    def post_and_reconcile(self):
        # OCA reconciles each payment with its bills in a call of its own; an
        # order of a reimbursement run holds thousands of them, and Odoo
        # recomputes the reconciled documents' payment states at each call.
        # The same reconciliations, in one plan.
        self.payment_ids.action_post()
        self.env["account.move.line"]._reconcile_plan(
            [
                payment.payment_line_ids.move_line_id
                + payment.move_id.line_ids.filtered(lambda aml, p=payment: aml.account_id == p.destination_account_id)
                for payment in self.payment_ids
            ]
        )

    def generated2uploaded(self):
        res = super().generated2uploaded()
        for order in self:
            order._log_reimbursements_paid()
        return res

    def _log_reimbursements_paid(self):
        """Tell each run whose bills this uploaded order paid, and send
        their customers the payment advice when the run sends advice."""
        self.ensure_one()
        lines = self.payment_line_ids.move_line_id.move_id.reimbursement_line_ids.filtered(
            lambda line: line.state == "done"
        )
        for run, run_lines in lines.grouped("reimbursement_id").items():
            body = Markup(
                self.env._(
                    "%(count)s reimbursement(s) paid by the payment order %(order)s, its file uploaded to the "
                    "bank on %(date)s."
                )
            ) % {
                "count": len(run_lines),
                "order": self._get_html_link(),
                "date": format_date(self.env, self.date_uploaded),
            }
            if run.notify_customers:
                run_lines._queue_remittance_advice("reimbursement_payment_order.mail_template_reimbursement_paid")
                body += run._format_customers_without_email(run_lines)
            run._message_log(body=body)
