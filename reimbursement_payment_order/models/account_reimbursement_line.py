from odoo import api, fields, models
from odoo.exceptions import UserError

# ISO 20022 unstructured remittance information (Max140Text).
COMMUNICATION_SIZE = 140


class AccountReimbursementLine(models.Model):
    _inherit = "account.reimbursement.line"

    bank_transfer_date = fields.Date(
        compute="_compute_bank_transfer",
        help="The execution date the bank file asked the bank for, once the payment order paying the vendor bill "
        "is uploaded.",
    )
    bank_transfer_account = fields.Char(
        string="Transferred to Bank Account",
        compute="_compute_bank_transfer",
        help="The bank account the payment order paid, masked but for its last four characters, as the payment "
        "advice shows it.",
    )

    @api.depends("bill_id.line_ids.payment_line_ids.date", "bill_id.line_ids.payment_line_ids.order_id.state")
    def _compute_bank_transfer(self):
        for line in self:
            payment_line = line.bill_id.line_ids.payment_line_ids.filtered(
                lambda pline: pline.order_id.state == "uploaded"
            )[:1]
            line.bank_transfer_date = payment_line.date
            line.bank_transfer_account = line._mask_bank_account(payment_line.partner_bank_id)

    def _prepare_bill_vals(self, proposal, vendor):
        vals = super()._prepare_bill_vals(proposal, vendor)
        mode = self.company_id.reimbursement_payment_mode_id
        if mode:
            vals["payment_mode_id"] = mode.id
        return vals

    def _get_payable_items(self):
        """The open items of these reimbursements' bills on the payable."""
        return self.bill_id.line_ids.filtered(
            lambda aml: aml.account_id.account_type == "liability_payable" and not aml.reconciled
        )

    def _prepare_payment_line_vals(self, order, item, bank):
        """The payment line of ``order`` paying the open payable ``item`` of
        this reimbursement's bill to ``bank``.

        What OCA's ``account.move.line._prepare_payment_line_vals`` gives,
        but for its communication, which costs a query per bill for a text
        this line replaces with its own: built here, a run of thousands of
        bills goes into an order in a few queries per bill.
        """
        self.ensure_one()
        return {
            "order_id": order.id,
            "partner_id": item.partner_id.id,
            "partner_bank_id": bank.id,
            "move_line_id": item.id,
            "communication": self._get_payment_communication(),
            "communication_type": "normal",
            "currency_id": item.currency_id.id,
            # An outbound order pays the payable's open credit.
            "amount_currency": -item.amount_residual_currency,
            # Set when the order is confirmed.
            "date": False,
        }

    def _get_pending_payment_lines(self):
        """The payment lines of these reimbursements' bills in an order that
        has not paid them yet (neither cancelled nor uploaded: an uploaded
        order's bills are paid)."""
        return self.bill_id.line_ids.payment_line_ids.filtered(
            lambda pline: pline.order_id.state not in ("cancel", "uploaded")
        )

    def _check_cancellable(self):
        for line in self:
            orders = line._get_pending_payment_lines().order_id
            if orders:
                raise UserError(
                    self.env._(
                        "The reimbursement of %(customer)s cannot be cancelled: its vendor bill %(bill)s is in "
                        "the payment order %(orders)s. Remove the bill's line from the order first.",
                        customer=line.customer_id.display_name,
                        bill=line.bill_id.display_name,
                        orders=", ".join(orders.mapped("name")),
                    )
                )
        return super()._check_cancellable()

    def _sort_for_payment_order(self):
        """Split these posted, unpaid reimbursements into those a payment
        order may pay and those it may not, with the reason.

        :return: ([(line, the trusted bank account it is paid to)],
            [(line, why it is left out)])
        """
        to_pay, left_out = [], []
        for line in self:
            customer = line.customer_id.display_name
            vendor = line.bill_id.partner_id.display_name
            orders = line._get_pending_payment_lines().order_id
            bank = line._get_payment_bank_account()
            if orders:
                reason = self.env._(
                    "%(customer)s: the vendor bill %(bill)s is already in the payment order %(orders)s.",
                    customer=customer,
                    bill=line.bill_id.display_name,
                    orders=", ".join(orders.mapped("name")),
                )
            elif not bank:
                reason = self.env._(
                    "%(customer)s: the vendor %(vendor)s has no bank account. Add the customer's account to "
                    "the vendor.",
                    customer=customer,
                    vendor=vendor,
                )
            elif not bank.allow_out_payment:
                reason = self.env._(
                    "%(customer)s: the bank account %(account)s of %(vendor)s is not trusted for outgoing "
                    "payments. A user allowed to validate bank accounts can trust it on the vendor's bank "
                    "accounts.",
                    customer=customer,
                    account=bank.display_name,
                    vendor=vendor,
                )
            else:
                to_pay.append((line, bank))
                continue
            left_out.append((line, reason))
        return to_pay, left_out

    def _get_payment_bank_account(self):
        """The vendor's bank account this reimbursement is paid to: the
        bill's, else the vendor's first for the company."""
        self.ensure_one()
        company = self.company_id
        return (
            self.bill_id.partner_bank_id
            or self.bill_id.partner_id.bank_ids.filtered(
                lambda bank: bank.company_id in (company, self.env["res.company"])
            )[:1]
        )

    def _get_payment_communication(self):
        """The run's name and the customer's credit documents, within the 140
        characters of ISO 20022's remittance information: the documents that
        do not fit are counted ("+2")."""
        self.ensure_one()
        credit_items = self.source_line_ids.filtered(lambda item: item.balance < 0).sorted(lambda i: (i.date, i.id))
        documents = list(dict.fromkeys(self._get_remittance_reference(item) for item in credit_items))
        communication = self.reimbursement_id.name
        for index, document in enumerate(documents):
            rest = len(documents) - index - 1
            more = f" +{rest}" if rest else ""
            if len(f"{communication} {document}{more}") > COMMUNICATION_SIZE:
                return f"{communication} +{len(documents) - index}"
            communication = f"{communication} {document}"
        return communication

    def _get_remittance_reference(self, item):
        """A credit as the customer's bank statement names it: a credit note
        by its number, a payment by the customer's own reference, else by its
        date; never by Odoo's internal entry number, which means nothing to
        the customer."""
        move = item.move_id
        if move.is_invoice(include_receipts=True):
            return move.name
        return self._get_customer_reference(move) or fields.Date.to_string(item.date)
