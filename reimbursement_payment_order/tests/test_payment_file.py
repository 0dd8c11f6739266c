from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PaymentOrderCommon


@tagged("post_install", "-at_install")
class TestPaymentFileNorway(PaymentOrderCommon):
    """A Norwegian company pays its runs in NOK from a Norwegian account to
    Norwegian accounts: OCA's pain.001.001.03, not SEPA, each account as it
    is (an IBAN as IBAN, a domestic account number as such)."""

    country_code = "NO"
    chart_template = "no"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_company_bank_account("NO93 8601 1117 947")
        cls.iban_customer = cls._customer_with_bank("Fjordkraft Kunde AS", "NO33 1503 2212 345", trusted=True)
        cls.bban_customer = cls._customer_with_bank("Nordlys Handel AS", "1234.56.78903", trusted=True)
        cls.euro_customer = cls._customer_with_bank("Eurokunde GmbH", "DE89 3704 0044 0532 0130 00", trusted=True)

    def test_file_of_several_runs_against_the_ledger(self):
        first_note = self._credit_note(self.iban_customer, 1250.0)
        bban_note = self._credit_note(self.bban_customer, 310.5)
        first = self._reimburse(self.iban_customer + self.bban_customer)
        second_note = self._credit_note(self.iban_customer, 99.9, date="2019-03-01")
        euro_note = self._credit_note(self.euro_customer, 200.0, currency=self.eur)
        second = self._reimburse(self.iban_customer + self.euro_customer)
        runs = first + second
        self.assertEqual(runs.line_ids.mapped("state"), ["done"] * 4)

        order = self._order_of(runs)
        root = self._generate_file(order)

        # Group header: four transfers, one per reimbursement (the two of
        # the same customer are not merged), the control sum of the ledger's
        # amounts (ISO 20022 adds them up whatever their currency).
        self.assertEqual(root.nsmap[None], "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03")
        self.assertEqual(self._find(root, "p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId"), order.name)
        self.assertEqual(self._find(root, "p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs"), "4")
        self.assertEqual(self._find(root, "p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum"), "1860.40")
        # Not SEPA: no SEPA service level, the order's charge bearer.
        self.assertFalse(order.sepa)
        self.assertIsNone(self._find(root, ".//p:PmtInf/p:PmtTpInf/p:SvcLvl/p:Cd"))
        self.assertEqual(self._find(root, ".//p:PmtInf/p:ChrgBr"), order.charge_bearer)
        self.assertEqual(self._find(root, ".//p:PmtInf/p:DbtrAcct/p:Id/p:IBAN"), "NO9386011117947")

        line_of = {(line.customer_id, line.reimbursement_id): line for line in runs.line_ids}
        expected = {
            line_of[self.iban_customer, first]: ("1250.00", "NOK", "NO3315032212345", None, first_note),
            line_of[self.bban_customer, first]: ("310.50", "NOK", None, "12345678903", bban_note),
            line_of[self.iban_customer, second]: ("99.90", "NOK", "NO3315032212345", None, second_note),
            line_of[self.euro_customer, second]: ("200.00", "EUR", "DE89370400440532013000", None, euro_note),
        }
        transactions = self._transactions(root)
        self.assertEqual(set(transactions), set(expected))
        for line, (amount, currency, iban, account, credit_note) in expected.items():
            # Against the ledger: the bill's open payable, in its currency.
            payable = self._payable(line.bill_id)
            self.assertEqual(-payable.amount_residual_currency, float(amount))
            self.assertEqual(payable.currency_id.name, currency)
            self.assertEqual(
                transactions[line],
                {
                    "amount": amount,
                    "currency": currency,
                    "iban": iban,
                    "account": account,
                    "creditor": line.vendor_id.name,
                    "remittance": f"{line.reimbursement_id.name} {credit_note.name}",
                },
            )

        order.generated2uploaded()

        # Each bill paid by its own payment, in the bill's currency, and
        # reconciled with it; the runs show their bills paid.
        for line in runs.line_ids:
            payment = line.bill_id.line_ids.payment_line_ids.payment_ids
            self.assertRecordValues(
                payment,
                [
                    {
                        "amount": line.amount,
                        "currency_id": line.currency_id.id,
                        "partner_bank_id": line.vendor_id.bank_ids.id,
                    }
                ],
            )
            self.assertEqual(payment.move_id.state, "posted")
            # Reconciled with its own bill, none other.
            self.assertEqual(payment.reconciled_bill_ids, line.bill_id)
            self.assertEqual(line.bill_id.amount_residual, 0.0)
            self.assertIn(line.bill_id.payment_state, ("paid", "in_payment"))
            self.assertTrue(self._payable(line.bill_id).reconciled)
        self.assertRecordValues(
            runs, [{"posted_bill_count": 2, "paid_bill_count": 2}, {"posted_bill_count": 2, "paid_bill_count": 2}]
        )
        self.assertEqual(order.state, "uploaded")
        # Paid: undoing the payment comes first, not removing a line from an
        # order that can no longer change.
        with self.assertRaisesRegex(UserError, "is paid, partly paid or no longer posted"):
            runs.line_ids[0].action_cancel()
        self.assertIn("2 reimbursement(s) paid by the payment order", runs[0].message_ids[0].body)


@tagged("post_install", "-at_install")
class TestPaymentFileNorwegianGuide(PaymentOrderCommon):
    """Paid from a Norwegian account, the file of an order paying
    reimbursements follows the Norwegian banks' common implementation guide
    for pain.001.001.03: a payment block per currency, the BBAN scheme for a
    domestic account number, the debtor bank's BIC, end-to-end ids that name
    the bills, and the Norwegian letters kept. An ordinary order's file
    stays OCA's."""

    country_code = "NO"
    chart_template = "no"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.name = "Nordlys Handel AS"
        cls._set_company_bank_account("NO49 1503 5260 185", bic="DNBANOKK")
        cls.plumber = cls._customer_with_bank("Hansen Rørleggerservice AS", "1207.18.60912", trusted=True)
        cls.fish = cls._customer_with_bank("Havbris Sjømat AS", "NO17 6012 0308 249", trusted=True)
        cls.cafe = cls._customer_with_bank("Café Ørje & Co", "NO05 8601 8219 931", trusted=True)
        cls.euro = cls._customer_with_bank("Ålesund Fisk GmbH", "DE89 3704 0044 0532 0130 00", trusted=True)

    def test_file_for_norwegian_banks(self):
        self._credit_note(self.plumber, 1250.0)
        self._credit_note(self.fish, 310.5)
        self._credit_note(self.cafe, 99.9)
        self._credit_note(self.euro, 350.0, currency=self.eur)
        run = self._reimburse(self.plumber + self.fish + self.cafe + self.euro)
        order = self._order_of(run)

        root = self._generate_file(order)  # valid against pain.001.001.03's schema, or OCA refuses it
        ns = {"p": root.nsmap[None]}
        self.assertEqual(root.nsmap[None], "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03")

        # The group header counts every transfer and adds up every amount,
        # whatever its currency (ISO 20022).
        self.assertEqual(self._find(root, "p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs"), "4")
        self.assertEqual(self._find(root, "p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum"), "2010.40")
        # A payment block per currency, the company's first, each with its
        # own count and control sum in its currency, and its own id.
        blocks = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", ns)
        self.assertEqual(len(blocks), 2)
        summary = [
            (
                block.findtext("p:NbOfTxs", namespaces=ns),
                block.findtext("p:CtrlSum", namespaces=ns),
                {amount.get("Ccy") for amount in block.iterfind(".//p:InstdAmt", ns)},
            )
            for block in blocks
        ]
        self.assertEqual(summary, [("3", "1660.40", {"NOK"}), ("1", "350.00", {"EUR"})])
        ids = [block.findtext("p:PmtInfId", namespaces=ns) for block in blocks]
        self.assertEqual(ids, [f"{order.name}-1-NOK", f"{order.name}-1-EUR"])
        for block in blocks:
            # Each block pays from the company's account, at its bank's BIC.
            self.assertEqual(block.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=ns), "NO4915035260185")
            self.assertEqual(block.findtext("p:DbtrAgt/p:FinInstnId/p:BIC", namespaces=ns), "DNBANOKK")
            self.assertEqual(block.findtext("p:Dbtr/p:Nm", namespaces=ns), "Nordlys Handel AS")

        transfers = {
            tx.findtext("p:PmtId/p:EndToEndId", namespaces=ns): tx for tx in root.iterfind(".//p:CdtTrfTxInf", ns)
        }
        line_of = {line.customer_id: line for line in run.line_ids}
        # End-to-end ids name the bills (the bank's status and return files
        # bring them back).
        self.assertEqual(set(transfers), set(run.line_ids.bill_id.mapped("name")))
        plumber = transfers[line_of[self.plumber].bill_id.name]
        # A domestic account number, with the BBAN scheme.
        self.assertEqual(plumber.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=ns), "12071860912")
        self.assertEqual(plumber.findtext("p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Cd", namespaces=ns), "BBAN")
        self.assertIsNone(plumber.find("p:CdtrAcct/p:Id/p:IBAN", ns))
        # The Norwegian letters stay; other letters become their Latin form.
        self.assertEqual(plumber.findtext("p:Cdtr/p:Nm", namespaces=ns), "Hansen Rørleggerservice AS (vendor)")
        fish = transfers[line_of[self.fish].bill_id.name]
        self.assertEqual(fish.findtext("p:Cdtr/p:Nm", namespaces=ns), "Havbris Sjømat AS (vendor)")
        self.assertEqual(fish.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=ns), "NO1760120308249")
        self.assertIsNone(fish.find("p:CdtrAcct/p:Id/p:Othr", ns))
        cafe = transfers[line_of[self.cafe].bill_id.name]
        self.assertEqual(cafe.findtext("p:Cdtr/p:Nm", namespaces=ns), "Cafe Ørje + Co (vendor)")
        euro = transfers[line_of[self.euro].bill_id.name]
        self.assertEqual(euro.findtext("p:Cdtr/p:Nm", namespaces=ns), "Ålesund Fisk GmbH (vendor)")
        self.assertEqual(euro.find("p:Amt/p:InstdAmt", ns).get("Ccy"), "EUR")
        # Each transfer's amount is its bill's open payable, in its currency.
        for line in run.line_ids:
            amount = transfers[line.bill_id.name].find("p:Amt/p:InstdAmt", ns)
            self.assertEqual(float(amount.text), -self._payable(line.bill_id).amount_residual_currency)
            self.assertEqual(amount.get("Ccy"), line.currency_id.name)

        order.generated2uploaded()
        self.assertRecordValues(run, [{"posted_bill_count": 4, "paid_bill_count": 4}])

    def test_no_file_without_the_debtor_bank_s_bic(self):
        self.bank_journal.bank_account_id.bank_id = False
        self._credit_note(self.fish, 310.5)
        run = self._reimburse(self.fish)
        order = self._order_of(run)
        order.draft2open()
        with self.assertRaisesRegex(UserError, "has no BIC: Norwegian banks need it"):
            order.open2generated()
        self.assertEqual(order.state, "open")
        self.assertFalse(self._payable(self._line_of(run, self.fish).bill_id).reconciled)

    def test_ordinary_order_file_stays_oca_s(self):
        """An ordinary vendor order of the same company, mode and bank: OCA's
        file as it ships (ids, letters, no scheme added)."""
        supplier = self.env["res.partner"].create({"name": "Bølgen Fisk AS", "supplier_rank": 1})
        supplier_bank = self.env["res.partner.bank"].create(
            {"partner_id": supplier.id, "acc_number": "1503.12.34567", "allow_out_payment": True}
        )
        bill = self.init_invoice(
            "in_invoice",
            partner=supplier,
            invoice_date=fields.Date.from_string("2019-05-01"),
            amounts=[500.0],
            taxes=[],
        )
        bill.write({"ref": "FISK-1", "payment_mode_id": self.mode.id, "partner_bank_id": supplier_bank.id})
        bill.action_post()
        order = self.env["account.payment.order"].browse(bill.create_account_payment_line()["res_id"])

        root = self._generate_file(order)

        ns = {"p": root.nsmap[None]}
        (transfer,) = root.iterfind(".//p:CdtTrfTxInf", ns)
        self.assertEqual(transfer.findtext("p:PmtId/p:EndToEndId", namespaces=ns), str(order.payment_ids.id))
        self.assertEqual(transfer.findtext("p:Cdtr/p:Nm", namespaces=ns), "Bolgen Fisk AS")
        self.assertEqual(transfer.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=ns), "15031234567")
        self.assertIsNone(transfer.find("p:CdtrAcct/p:Id/p:Othr/p:SchmeNm", ns))
        self.assertEqual(transfer.findtext("p:RmtInf/p:Ustrd", namespaces=ns), "FISK-1")


@tagged("post_install", "-at_install")
class TestPaymentFileSepa(PaymentOrderCommon):
    """A euro company pays SEPA IBANs: pain.001.001.09 when the payment
    method is set to it, the SEPA service level, charges shared (SLEV)."""

    country_code = "DE"
    chart_template = "generic_coa"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.method.pain_version = "pain.001.001.09"
        # pain.001.001.09 carries the debtor's town.
        cls.company.write({"street": "Kaiserstraße 16", "zip": "60311", "city": "Frankfurt am Main"})
        cls._set_company_bank_account("DE89 3704 0044 0532 0130 00")
        cls.french = cls._customer_with_bank("Client Français SARL", "FR14 2004 1010 0505 0001 3M02 606", trusted=True)
        cls.dutch = cls._customer_with_bank("Nederlandse Klant BV", "NL91 ABNA 0417 1643 00", trusted=True)
        cls.untrusted = cls._customer_with_bank("Belgische Klant", "BE68 5390 0754 7034", trusted=False)

    def test_sepa_file(self):
        self.assertEqual(self.company.currency_id.name, "EUR")
        french_note = self._credit_note(self.french, 75.25)
        dutch_note = self._credit_note(self.dutch, 1000.0)
        self._credit_note(self.untrusted, 40.0)
        run = self._reimburse(self.french + self.dutch + self.untrusted)

        order = self._order_of(run)
        root = self._generate_file(order)

        self.assertTrue(order.sepa)
        self.assertEqual(root.nsmap[None], "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09")
        self.assertEqual(self._find(root, ".//p:GrpHdr/p:NbOfTxs"), "2")
        self.assertEqual(self._find(root, ".//p:GrpHdr/p:CtrlSum"), "1075.25")
        self.assertEqual(self._find(root, ".//p:PmtInf/p:PmtTpInf/p:SvcLvl/p:Cd"), "SEPA")
        self.assertEqual(self._find(root, ".//p:PmtInf/p:ChrgBr"), "SLEV")
        self.assertTrue(self._find(root, ".//p:PmtInf/p:ReqdExctnDt/p:Dt"))
        self.assertEqual(self._find(root, ".//p:PmtInf/p:DbtrAcct/p:Id/p:IBAN"), "DE89370400440532013000")
        french_line, dutch_line = self._line_of(run, self.french), self._line_of(run, self.dutch)
        self.assertEqual(
            self._transactions(root),
            {
                french_line: {
                    "amount": "75.25",
                    "currency": "EUR",
                    "iban": "FR1420041010050500013M02606",
                    "account": None,
                    "creditor": "Client Francais SARL (vendor)",
                    "remittance": f"{run.name} {french_note.name}",
                },
                dutch_line: {
                    "amount": "1000.00",
                    "currency": "EUR",
                    "iban": "NL91ABNA0417164300",
                    "account": None,
                    "creditor": "Nederlandse Klant BV (vendor)",
                    "remittance": f"{run.name} {dutch_note.name}",
                },
            },
        )

        order.generated2uploaded()

        self.assertRecordValues(run, [{"posted_bill_count": 3, "paid_bill_count": 2}])
        self.assertEqual(self._line_of(run, self.untrusted).bill_id.payment_state, "not_paid")
