from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountReimbursement(models.Model):
    _inherit = "account.reimbursement"

    payment_order_ids = fields.Many2many(
        comodel_name="account.payment.order",
        string="Payment Orders",
        compute="_compute_payment_order_ids",
        help="The payment orders holding the run's vendor bills.",
    )
    payment_order_count = fields.Integer(compute="_compute_payment_order_ids")

    @api.depends("line_ids.bill_id.line_ids.payment_line_ids")
    def _compute_payment_order_ids(self):
        for run in self:
            run.payment_order_ids = run.line_ids.bill_id.line_ids.payment_line_ids.order_id
            run.payment_order_count = len(run.payment_order_ids)

    def action_create_payment_order(self):
        """Put the posted, unpaid bills of these runs that are in no payment
        order yet into a draft outbound order of the company's reimbursement
        payment mode (an open draft order of the mode is reused), one payment
        line per bill, paid to a trusted bank account only.

        The bills left out (no bank account, none trusted, already in an
        order) are named with their reason in each run's chatter and in the
        notification.

        :return: an action opening the order, behind a notification naming
            the bills left out when there are
        """
        company = self.company_id
        if len(company) != 1:
            raise UserError(self.env._("Put the runs of one company at a time into a payment order."))
        mode = company.reimbursement_payment_mode_id
        if not mode:
            raise UserError(
                self.env._(
                    "%(company)s has no reimbursement payment mode. Set one in Settings > Invoicing > "
                    "Customer reimbursement.",
                    company=company.display_name,
                )
            )
        bills = self._get_bills_to_pay()
        if not bills:
            raise UserError(self.env._("Every vendor bill of these runs is paid: there is nothing left to pay."))
        lines = self.line_ids.filtered(lambda line: line.state == "done" and line.bill_id in bills)
        to_pay, left_out = lines._sort_for_payment_order()
        if not to_pay:
            # The error rolls back the transaction, chatter included: it names every bill.
            raise UserError(
                self.env._(
                    "No vendor bill of these runs can go into a payment order:\n%(reasons)s",
                    reasons="\n".join(reason for _line, reason in left_out),
                )
            )
        order = self.env["account.payment.order"].search(
            [("payment_mode_id", "=", mode.id), ("state", "=", "draft"), ("company_id", "=", company.id)],
            order="id",
            limit=1,
        )
        if not order:
            order = self.env["account.payment.order"].create({"payment_mode_id": mode.id})
        self.env["account.payment.line"].create(
            [
                line._prepare_payment_line_vals(order, item, bank)
                for line, bank in to_pay
                for item in line._get_payable_items()
            ]
        )
        paid_lines = self.env["account.reimbursement.line"].concat(*(line for line, _bank in to_pay))
        for run, run_lines in paid_lines.grouped("reimbursement_id").items():
            run._message_log(
                body=Markup(self.env._("%(count)s vendor bills added to the payment order %(order)s."))
                % {"count": len(run_lines), "order": order._get_html_link()}
            )
        self._log_left_out(left_out)
        action = self._get_payment_orders_action(order)
        if not left_out:
            return action
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Some vendor bills were left out of %(order)s", order=order.name),
                "message": "\n".join(reason for _line, reason in left_out),
                "type": "warning",
                "sticky": True,
                "next": action,
            },
        }

    def _log_left_out(self, left_out):
        for run in self:
            reasons = [reason for line, reason in left_out if line.reimbursement_id == run]
            if reasons:
                body = Markup("<p>%s</p><ul>%s</ul>") % (
                    self.env._("Left out of the payment order:"),
                    Markup().join(Markup("<li>%s</li>") % reason for reason in reasons),
                )
                run._message_log(body=body)

    def action_open_payment_orders(self):
        """Open the payment orders holding these runs' bills."""
        return self._get_payment_orders_action(self.payment_order_ids)

    def _get_payment_orders_action(self, orders):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_payment_order.account_payment_order_outbound_action"
        )
        if len(orders) == 1:
            # Complete: it may be the next action of a notification, which
            # the client runs as it is.
            form_views = [(view_id, kind) for view_id, kind in action["views"] if kind == "form"]
            action.update({"view_mode": "form", "views": form_views, "res_id": orders.id})
        else:
            action.update({"domain": [("id", "in", orders.ids)]})
        return action
