from odoo import api, fields, models
from odoo.tools import SQL, format_date


class AccountReimbursementLine(models.Model):
    """The remittance advice: what the customer is told of its reimbursement,
    queued in Odoo's mail queue, and taken back when it is cancelled."""

    _inherit = "account.reimbursement.line"  # pylint: disable=consider-merging-classes-inherited

    advice_bank_account = fields.Char(
        string="Paid to Bank Account",
        compute="_compute_advice_values",
        help="The bill's bank account, masked but for its last four characters, as the remittance advice shows "
        "it: only an account trusted for outgoing payments, the only kind the company pays to.",
    )
    advice_bank_account_unchecked = fields.Boolean(
        string="Bank Account to Check",
        compute="_compute_advice_values",
        help="The bill has a bank account that nobody has trusted for outgoing payments yet: the remittance "
        "advice says it will be checked before the payment, and does not name it.",
    )
    advice_credit_documents = fields.Char(
        string="Credit Documents",
        compute="_compute_advice_values",
        help="The documents of the credits this reimbursement pays back (credit notes, payments).",
    )

    @api.depends("bill_id.partner_bank_id.acc_number", "bill_id.partner_bank_id.allow_out_payment", "source_line_ids")
    def _compute_advice_values(self):
        for line in self:
            bank = line.bill_id.partner_bank_id
            line.advice_bank_account = bank.allow_out_payment and line._mask_bank_account(bank)
            line.advice_bank_account_unchecked = bool(bank) and not bank.allow_out_payment
            credit_items = line.source_line_ids.filtered(lambda item: item.balance < 0).sorted(lambda i: (i.date, i.id))
            line.advice_credit_documents = "; ".join(line._describe_credit_item(item) for item in credit_items)

    @api.model
    def _mask_bank_account(self, bank):
        """``bank``'s number as a remittance advice shows it: masked but for
        its last four characters."""
        number = (bank.acc_number or "").replace(" ", "")
        return f"**** {number[-4:]}" if number else False

    def _describe_credit_item(self, item):
        """A credit as the customer knows it: a credit note by its number;
        a payment (or any other entry) by its date, its amount and the
        customer's own reference, when there is one. Internal entry numbers
        mean nothing to the customer."""
        move = item.move_id
        if move.is_invoice(include_receipts=True):
            return self.env._("credit note %(number)s", number=move.name)
        reference = self._get_customer_reference(move)
        values = {
            "date": format_date(self.env, item.date),
            "amount": item.currency_id.format(abs(item.amount_currency)),
            "reference": reference,
        }
        if reference:
            return self.env._("your payment of %(amount)s on %(date)s (reference %(reference)s)", **values)
        return self.env._("your payment of %(amount)s on %(date)s", **values)

    @api.model
    def _get_customer_reference(self, move):
        """The customer's own reference of a payment (or of any entry that is
        not an invoice): the payment's memo or reference, the bank statement
        line's label, the entry's reference; False when it has none."""
        return (
            move.origin_payment_id.memo
            or move.origin_payment_id.payment_reference
            or move.statement_line_id.payment_ref
            or move.ref
        )

    def _queue_remittance_advice(self, template_xmlid="reimbursement_addon.mail_template_reimbursement_advice"):
        """Queue in Odoo's mail queue the remittance advice of these posted
        reimbursements whose customer has an e-mail address, in the
        customer's language; the mail cron sends them.

        :param template_xmlid: the advice's mail template, the one sent at
            posting by default
        """
        self.filtered(lambda line: line.state == "done")._queue_customer_mail(template_xmlid)

    def _queue_customer_mail(self, template_xmlid):
        """Queue the mail of ``template_xmlid`` to the customers of these
        lines that have an e-mail address."""
        lines = self.filtered(lambda line: line.customer_id.email)
        if lines:
            self.env.ref(template_xmlid).send_mail_batch(lines.ids)

    def _withdraw_remittance_advice(self):
        """Take back the remittance advice of these cancelled reimbursements:
        an advice still in the mail queue (or that failed) is cancelled and
        never goes out; a customer whose advice went out gets a cancellation
        notice, in its language, saying the credit stays in its favour."""
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", self._name), ("res_id", "in", self.ids), ("state", "!=", "cancel")])
        )
        if not mails:
            return
        # Locked: the mail queue's cron, sending one of them now, waits for
        # this cancellation or makes it wait and be retried.
        self.env.cr.execute(SQL("SELECT id FROM mail_mail WHERE id IN %s FOR UPDATE", tuple(mails.ids)))
        mails.invalidate_recordset(["state"])
        mails.filtered(lambda mail: mail.state in ("outgoing", "exception")).write({"state": "cancel"})
        told = self.browse(mails.filtered(lambda mail: mail.state in ("sent", "received")).mapped("res_id"))
        told._queue_customer_mail("reimbursement_addon.mail_template_reimbursement_cancelled")
