import base64

from lxml import etree

from odoo import Command

from odoo.addons.reimbursement_addon import series
from odoo.addons.reimbursement_addon.tests.common import ReimbursementCommon


class PaymentOrderCommon(ReimbursementCommon):
    """The company pays its reimbursements by payment order, with OCA's
    credit transfer from its bank journal; helpers for the customers' bank
    accounts and for OCA's flow down to the file."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The accountant pays by payment order and may trust bank accounts.
        groups = cls.env.ref("account_payment_order.group_account_payment") + cls.env.ref(
            "account.group_validate_bank_account"
        )
        cls.env.user.write({series.USER_GROUPS: [Command.link(group.id) for group in groups]})
        cls.method = cls.env.ref("account_banking_sepa_credit_transfer.sepa_credit_transfer")
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.bank_journal.outbound_payment_method_line_ids = [Command.create({"payment_method_id": cls.method.id})]
        cls.mode = cls.env["account.payment.mode"].create(
            {
                "name": "Reimbursements by bank file",
                "company_id": cls.company.id,
                "payment_method_id": cls.method.id,
                "bank_account_link": "fixed",
                "fixed_journal_id": cls.bank_journal.id,
            }
        )
        cls.company.reimbursement_payment_mode_id = cls.mode

    @classmethod
    def _customer_with_bank(cls, name, acc_number, trusted=False, **vals):
        """A customer whose reimbursements go to a vendor of its own, with
        that bank account (trusted for outgoing payments or not)."""
        vendor = cls.env["res.partner"].create({"name": f"{name} (vendor)", "supplier_rank": 1})
        if acc_number:
            cls.env["res.partner.bank"].create(
                {"partner_id": vendor.id, "acc_number": acc_number, "allow_out_payment": trusted}
            )
        return cls._customer(name, reimbursement_vendor_id=vendor.id, **vals)

    @classmethod
    def _set_company_bank_account(cls, acc_number, bic=None):
        """The bank account the money leaves from, on the bank journal, at
        the bank of ``bic`` (by default, for a Norwegian account, DNB's: a
        Norwegian bank needs its BIC in the file)."""
        bic = bic or ("DNBANOKK" if acc_number.startswith("NO") else None)
        bank = cls.env["res.bank"].create({"name": f"Bank {bic}", "bic": bic}) if bic else cls.env["res.bank"]
        cls.bank_journal.bank_account_id = cls.env["res.partner.bank"].create(
            {
                "partner_id": cls.company.partner_id.id,
                "acc_number": acc_number,
                "bank_id": bank.id,
                "allow_out_payment": True,
            }
        )

    def _payable(self, bill):
        return bill.line_ids.filtered(lambda aml: aml.account_id.account_type == "liability_payable")

    def _line_of(self, run, customer):
        return run.line_ids.filtered(lambda line: line.customer_id == customer)

    def _order_of(self, runs):
        """Create Payment Order on ``runs``: the order it opens."""
        action = runs.action_create_payment_order()
        action = action["params"]["next"] if action["type"] == "ir.actions.client" else action
        return self.env["account.payment.order"].browse(action["res_id"])

    def _generate_file(self, order):
        """Confirm, then Generate Payment File: the file's XML root."""
        order.draft2open()
        action = order.open2generated()
        attachment = self.env["ir.attachment"].browse(action["res_id"])
        self.assertEqual(attachment.name, f"sct_{order.name}.xml")
        return etree.fromstring(base64.b64decode(attachment.datas))

    def _transactions(self, root):
        """Each credit transfer of the file, as the test reads it, by the
        reimbursement it pays: {line: {amount, currency, iban or account,
        creditor, remittance}}."""
        ns = {"p": root.nsmap[None]}
        transactions = {}
        for tx in root.iterfind(".//p:CdtTrfTxInf", ns):
            # The end-to-end id of a reimbursement's transfer is its bill's number.
            bill = self.env["account.move"].search(
                [
                    ("company_id", "=", self.company.id),
                    ("name", "=", tx.findtext("p:PmtId/p:EndToEndId", namespaces=ns)),
                ]
            )
            line = bill.reimbursement_line_ids
            self.assertEqual(len(line), 1, "one transfer per reimbursement")
            amount = tx.find("p:Amt/p:InstdAmt", ns)
            transactions[line] = {
                "amount": amount.text,
                "currency": amount.get("Ccy"),
                "iban": tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=ns),
                "account": tx.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=ns),
                "creditor": tx.findtext("p:Cdtr/p:Nm", namespaces=ns),
                "remittance": tx.findtext("p:RmtInf/p:Ustrd", namespaces=ns),
            }
        return transactions

    def _find(self, root, path):
        return root.findtext(path, namespaces={"p": root.nsmap[None]})
