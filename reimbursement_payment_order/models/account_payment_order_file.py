"""The credit transfer file (OCA's pain.001) of an order paying
reimbursements, made right for the bank that gets it. For every such order:
one payment block per currency (a block's control sum adds up amounts of one
currency), and each reimbursement's end-to-end id is its bill's number, which
the bank's status and return files bring back. Paid from a Norwegian
account, the file follows the Norwegian banks' common implementation guide
for pain.001.001.03 (BSK, on the Common Global Implementation): a domestic
account number goes with the BBAN scheme, the debtor's bank is named by its
BIC, and the Norwegian letters Æ Ø Å stay in names and texts, which the
guide's character set allows. Other orders' files are OCA's."""

from copy import deepcopy
from decimal import Decimal

from lxml import etree
from unidecode import unidecode

from odoo import api, models
from odoo.exceptions import UserError

# Context keys, set while the file of an order paying reimbursements is
# generated: the file is ours, and it is paid from a Norwegian account.
REIMBURSEMENT_FILE = "reimbursement_payment_file"
NORWEGIAN_FILE = "reimbursement_payment_file_norwegian"

NORWEGIAN_LETTERS = frozenset("ÆØÅæøå")
# The guide's character set (the Latin set of CGI and SEPA) besides the
# Norwegian letters: what a text keeps as it is.
LATIN_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")


def norwegian_bank_text(value):
    """``value`` in the guide's character set: the Latin characters and the
    Norwegian letters as they are, any other letter as its closest Latin
    letters ("é" is "e", "ß" is "ss"), "&" as "+", and what has no Latin
    form as "-"."""
    converted = []
    for char in value:
        if char in LATIN_CHARACTERS or char in NORWEGIAN_LETTERS:
            converted.append(char)
            continue
        for latin in unidecode("+" if char == "&" else char):
            converted.append(latin if latin in LATIN_CHARACTERS else "-")
    return "".join(converted)


def _local(element):
    return etree.QName(element).localname


def _child(element, name):
    return next((child for child in element if _local(child) == name), None)


class AccountPaymentOrder(models.Model):
    _inherit = "account.payment.order"

    def generate_payment_file(self):
        self.ensure_one()
        if self.payment_method_id.code != "sepa_credit_transfer" or not self._filter_reimbursement_orders():
            return super().generate_payment_file()
        norwegian = self._pays_from_norway()
        if norwegian and not self.company_partner_bank_id.bank_bic:
            raise UserError(
                self.env._(
                    "The bank account %(account)s that pays this order has no BIC: Norwegian banks need it in "
                    "the payment file. Set the BIC of its bank.",
                    account=self.company_partner_bank_id.display_name,
                )
            )
        return super(
            AccountPaymentOrder, self.with_context(**{REIMBURSEMENT_FILE: True, NORWEGIAN_FILE: norwegian})
        ).generate_payment_file()

    def _pays_from_norway(self):
        """Whether the order's money leaves from a Norwegian account: an IBAN
        of Norway, or a domestic account number of a company in Norway."""
        bank = self.company_partner_bank_id
        if bank.acc_type == "iban":
            return bank.sanitized_acc_number.startswith("NO")
        return self.company_id.country_id.code == "NO"

    @api.model
    def _prepare_field(self, field_name, field_value, eval_ctx, max_size=0, gen_args=None):
        if not self.env.context.get(REIMBURSEMENT_FILE):
            return super()._prepare_field(field_name, field_value, eval_ctx, max_size=max_size, gen_args=gen_args)
        if field_name == "End to End Identification":
            bills = eval_ctx["line"].payment_line_ids.move_line_id.move_id
            if len(bills) == 1 and bills.reimbursement_line_ids:
                field_value = "bill.name"
                eval_ctx = {"bill": bills}
        gen_args = gen_args or {}
        if not (self.env.context.get(NORWEGIAN_FILE) and gen_args.get("convert_to_ascii")):
            return super()._prepare_field(field_name, field_value, eval_ctx, max_size=max_size, gen_args=gen_args)
        value = super()._prepare_field(
            field_name, field_value, eval_ctx, max_size=max_size, gen_args=dict(gen_args, convert_to_ascii=False)
        )
        value = norwegian_bank_text(value)
        return value[:max_size] if max_size else value

    @api.model
    def generate_party_acc_number(self, parent_node, party_type, order, partner_bank, gen_args, bank_line=None):
        res = super().generate_party_acc_number(
            parent_node, party_type, order, partner_bank, gen_args, bank_line=bank_line
        )
        if self.env.context.get(NORWEGIAN_FILE) and partner_bank.acc_type != "iban":
            other = _child(_child(parent_node[-1], "Id"), "Othr")
            scheme = etree.SubElement(other, "SchmeNm")
            etree.SubElement(scheme, "Cd").text = "BBAN"
        return res

    def finalize_sepa_file_creation(self, xml_root, gen_args):
        if self.env.context.get(REIMBURSEMENT_FILE):
            self._split_payment_blocks_per_currency(xml_root)
        return super().finalize_sepa_file_creation(xml_root, gen_args)

    def _split_payment_blocks_per_currency(self, xml_root):
        """Split each payment block (PmtInf) of the file into one block per
        currency of its transfers, each with its own number of transfers and
        control sum, and an id of the order's name, the block's number and
        its currency. The group header's control sum adds up every amount
        whatever its currency, as ISO 20022 defines it."""
        initiation = xml_root[0]
        company_currency = self.company_id.currency_id.name
        blocks = [child for child in initiation if _local(child) == "PmtInf"]
        for number, block in enumerate(blocks, start=1):
            transfers = [child for child in block if _local(child) == "CdtTrfTxInf"]
            by_currency = {}
            for transfer in transfers:
                by_currency.setdefault(self._transfer_amount(transfer).get("Ccy"), []).append(transfer)
            for transfer in transfers:
                block.remove(transfer)
            position = initiation.index(block)
            # The company's currency first, then the others by name.
            currencies = sorted(by_currency, key=lambda currency: (currency != company_currency, currency))
            for index, currency in enumerate(currencies):
                currency_transfers = by_currency[currency]
                currency_block = deepcopy(block)
                _child(currency_block, "PmtInfId").text = f"{self.name}-{number}-{currency}"[-35:]
                _child(currency_block, "NbOfTxs").text = str(len(currency_transfers))
                total = sum(Decimal(self._transfer_amount(transfer).text) for transfer in currency_transfers)
                _child(currency_block, "CtrlSum").text = f"{total:.2f}"
                currency_block.extend(currency_transfers)
                initiation.insert(position + index, currency_block)
            initiation.remove(block)

    @staticmethod
    def _transfer_amount(transfer):
        return _child(_child(transfer, "Amt"), "InstdAmt")
