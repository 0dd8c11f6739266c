import base64
import unittest

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.reimbursement_addon.tests.background import BackgroundJobCase

from .common import PaymentOrderCommon

# Our error for a reimbursement bill paid since it went into the order.
PAID_TWICE = "was paid by another payment since it went into the payment order"


@tagged("post_install", "-at_install")
class TestOtherPaymentOrders(BackgroundJobCase, PaymentOrderCommon):
    """The module changes OCA's payment orders for the reimbursement bills of
    outbound orders alone. An ordinary vendor order and an inbound order
    (SEPA direct debit) behave as OCA ships them; a mixed order keeps our
    guarantees for its reimbursement bills and pays its ordinary bills as
    OCA does."""

    cron_xmlid = "reimbursement_payment_order.ir_cron_post_payment_orders"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_company_bank_account("NO93 8601 1117 947")
        cls.supplier = cls.env["res.partner"].create({"name": "Ordinary Supplier", "supplier_rank": 1})
        cls.supplier_bank = cls.env["res.partner.bank"].create(
            {"partner_id": cls.supplier.id, "acc_number": "NO06 1503 1234 567", "allow_out_payment": True}
        )
        cls.customer = cls._customer_with_bank("Mixed Customer", "NO02 1111 2222 333", trusted=True)

    def _supplier_bill(self, amount, ref):
        bill = self.init_invoice(
            "in_invoice",
            partner=self.supplier,
            invoice_date=fields.Date.from_string("2019-05-01"),
            amounts=[amount],
            taxes=[],
        )
        bill.write({"ref": ref, "payment_mode_id": self.mode.id, "partner_bank_id": self.supplier_bank.id})
        bill.action_post()
        return bill

    def _add_to_order(self, bills):
        """OCA's Add to Payment Order on ``bills``: the draft order of their
        mode, made or reused."""
        action = bills.create_account_payment_line()
        return self.env["account.payment.order"].browse(action["res_id"])

    def _assert_paid(self, bill, payment):
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        self.assertEqual(bill.amount_residual, 0.0)
        self.assertIn(bill, payment.reconciled_bill_ids)

    def test_ordinary_vendor_order_as_oca(self):
        """Two bills of one supplier: one transfer for both (OCA groups them),
        OCA's communication, uploaded in the request whatever the company's
        background threshold, and nothing said to any run."""
        self.company.reimbursement_background_threshold = 0
        first, second = self._supplier_bill(100.0, "SUP-1"), self._supplier_bill(50.0, "SUP-2")
        order = self._add_to_order(first + second)
        self.assertEqual(sorted(order.payment_line_ids.mapped("communication")), ["SUP-1", "SUP-2"])
        # Its form lists the lines as OCA does, with their total.
        self.assertFalse(order.pays_reimbursements)

        root = self._generate_file(order)
        self.assertEqual(self._find(root, ".//p:GrpHdr/p:NbOfTxs"), "1")
        self.assertEqual(self._find(root, ".//p:CdtTrfTxInf/p:Amt/p:InstdAmt"), "150.00")
        self.assertEqual(self._find(root, ".//p:CdtTrfTxInf/p:RmtInf/p:Ustrd"), "SUP-1 - SUP-2")
        order.generated2uploaded()

        self.assertRecordValues(order, [{"state": "uploaded", "upload_state": False, "upload_progress_total": 0}])
        payment = order.payment_ids
        self.assertRecordValues(payment, [{"amount": 150.0, "partner_id": self.supplier.id}])
        self.assertNotEqual(payment.state, "draft")
        self._assert_paid(first, payment)
        self._assert_paid(second, payment)
        self.assertFalse(self.env["mail.message"].search([("model", "=", "account.reimbursement")]))

    def test_ordinary_bill_paid_since_is_odoo_s_to_refuse(self):
        """An ordinary bill paid by hand while the file was at the bank gets
        no word of ours: Odoo refuses to reconcile it again, as without our
        modules, and nothing of the order is posted."""
        bill = self._supplier_bill(100.0, "SUP-3")
        order = self._add_to_order(bill)
        self._generate_file(order)
        self._pay(bill, 100.0, date="2019-05-02")

        with self.assertRaises(UserError) as refusal:
            order.generated2uploaded()

        self.assertNotIn(PAID_TWICE, str(refusal.exception))
        self.assertEqual(order.state, "generated")

    def test_mixed_order(self):
        """A run's bill and two ordinary bills of one supplier in one order:
        the reimbursement gets a transfer of its own with our remittance
        text, the ordinary bills one transfer with OCA's; the order goes to
        the background because it pays a reimbursement, and every bill is
        paid, each by the payment OCA or we made for it."""
        credit_note = self._credit_note(self.customer, 80.0)
        run = self._reimburse(self.customer)
        line = self._line_of(run, self.customer)
        order = self._order_of(run)
        first, second = self._supplier_bill(100.0, "SUP-4"), self._supplier_bill(50.0, "SUP-5")
        self.assertEqual(self._add_to_order(first + second), order, "OCA adds them to the draft order of the mode")
        self.assertTrue(order.pays_reimbursements)

        root = self._generate_file(order)
        transfers = {
            self._find(tx, "p:RmtInf/p:Ustrd"): self._find(tx, "p:Amt/p:InstdAmt")
            for tx in root.iterfind(".//p:CdtTrfTxInf", {"p": root.nsmap[None]})
        }
        self.assertEqual(transfers, {f"{run.name} {credit_note.name}": "80.00", "SUP-4 - SUP-5": "150.00"})

        # A bill of ours paid meanwhile is named; the ordinary bills are not checked.
        payment = self._pay(line.bill_id, 80.0, date="2019-06-16")
        with self.assertRaisesRegex(UserError, PAID_TWICE):
            order.generated2uploaded()
        payment.action_draft()
        payment.action_cancel()

        # Threshold 0: an order paying reimbursements posts in the background,
        # its ordinary bills' payments in the same batches.
        self.company.reimbursement_background_threshold = 0
        order.generated2uploaded()
        self.assertRecordValues(order, [{"state": "generated", "upload_state": "posting", "upload_progress_total": 2}])
        self.assertEqual(self._run_cron(), {"done": 2, "remaining": 0})

        self.assertRecordValues(order, [{"state": "uploaded", "upload_state": False, "upload_progress_done": 2}])
        ours = order.payment_ids.filtered(lambda pay: pay.partner_id == line.vendor_id)
        theirs = order.payment_ids - ours
        self.assertRecordValues(ours + theirs, [{"amount": 80.0}, {"amount": 150.0}])
        self._assert_paid(line.bill_id, ours)
        self._assert_paid(first, theirs)
        self._assert_paid(second, theirs)
        self.assertIn("1 reimbursement(s) paid by the payment order", " ".join(run.message_ids.mapped("body")))


@tagged("post_install", "-at_install")
class TestDirectDebit(PaymentOrderCommon):
    """A customer invoice collected by OCA's SEPA direct debit, with our
    modules installed: order, pain.008 file, uploaded, invoice paid."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "account.banking.mandate" not in cls.env:
            # Not a dependency of ours: make test installs it, and fails on a skip.
            raise unittest.SkipTest("OCA's account_banking_sepa_direct_debit is not installed")
        cls.company.sepa_creditor_identifier = "FR78ZZZ424242"
        cls._set_company_bank_account("NO93 8601 1117 947")
        method = cls.env.ref("account_banking_sepa_direct_debit.sepa_direct_debit")
        cls.bank_journal.inbound_payment_method_line_ids = [Command.create({"payment_method_id": method.id})]
        cls.direct_debit = cls.env["account.payment.mode"].create(
            {
                "name": "SEPA Direct Debit of customers",
                "company_id": cls.company.id,
                "payment_method_id": method.id,
                "bank_account_link": "fixed",
                "fixed_journal_id": cls.bank_journal.id,
            }
        )
        cls.debtor = cls._customer("Direct Debit Customer")
        cls.mandate = cls.env["account.banking.mandate"].create(
            {
                "format": "sepa",
                "type": "recurrent",
                "recurrent_sequence_type": "first",
                "signature_date": "2019-01-02",
                "partner_bank_id": cls.env["res.partner.bank"]
                .create({"partner_id": cls.debtor.id, "acc_number": "FR66 1212 1212 1212 1212 1212 121"})
                .id,
                "company_id": cls.company.id,
                "state": "valid",
                "unique_mandate_reference": "REIMB-DD-1",
            }
        )

    def test_invoice_collected(self):
        invoice = self.init_invoice(
            "out_invoice",
            partner=self.debtor,
            invoice_date=fields.Date.from_string("2019-05-01"),
            amounts=[42.0],
            taxes=[],
            currency=self.eur,
        )
        invoice.write({"payment_mode_id": self.direct_debit.id, "mandate_id": self.mandate.id})
        invoice.action_post()
        receivable = invoice.line_ids.filtered(lambda aml: aml.account_id.account_type == "asset_receivable")

        action = invoice.create_account_payment_line()
        order = self.env["account.payment.order"].browse(action["res_id"])
        self.assertRecordValues(order, [{"payment_type": "inbound", "pays_reimbursements": False}])
        self.assertRecordValues(
            order.payment_line_ids,
            [{"move_line_id": receivable.id, "amount_currency": 42.0, "communication": invoice.name}],
        )
        order.draft2open()
        action = order.open2generated()
        attachment = self.env["ir.attachment"].browse(action["res_id"])
        root = etree.fromstring(base64.b64decode(attachment.datas))
        ns = {"p": root.nsmap[None]}
        self.assertEqual(root.findtext(".//p:PmtInf/p:PmtMtd", namespaces=ns), "DD")
        self.assertEqual(root.findtext(".//p:DrctDbtTxInf/p:InstdAmt", namespaces=ns), "42.00")
        self.assertEqual(root.find(".//p:DrctDbtTxInf/p:InstdAmt", ns).get("Ccy"), "EUR")
        self.assertEqual(root.findtext(".//p:DrctDbtTxInf//p:MndtId", namespaces=ns), "REIMB-DD-1")

        order.generated2uploaded()

        self.assertRecordValues(order, [{"state": "uploaded", "upload_state": False}])
        payment = order.payment_ids
        self.assertRecordValues(payment, [{"payment_type": "inbound", "partner_id": self.debtor.id, "amount": 42.0}])
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertTrue(receivable.reconciled)
        self.assertEqual(payment.reconciled_invoice_ids, invoice)
        self.assertEqual(self.mandate.recurrent_sequence_type, "recurring")
