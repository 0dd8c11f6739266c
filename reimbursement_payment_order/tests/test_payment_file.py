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
