from odoo import fields
from odoo.tests import tagged
from odoo.tools import format_date

from odoo.addons.reimbursement_addon.tests.smtp_server import SmtpServerCase

from .common import PaymentOrderCommon


@tagged("post_install", "-at_install")
class TestPaymentAdvice(SmtpServerCase, PaymentOrderCommon):
    """Once the payment order's file is uploaded to the bank, each paid
    customer of a run that sends advice gets a second e-mail: the date the
    bank was asked to pay, and the account, masked. Through Odoo's mail
    queue and a real SMTP server, in the customer's language."""

    country_code = "NO"
    chart_template = "no"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._start_smtp_server()
        cls.env["res.lang"]._activate_lang("nb_NO")
        cls.env["ir.module.module"].search(
            [("name", "in", ("reimbursement_addon", "reimbursement_payment_order"))]
        )._update_translations(["nb_NO"])
        cls.company.write({"email": "regnskap@fjordbyen.example", "reimbursement_notify_customers": True})
        cls._set_company_bank_account("NO93 8601 1117 947")

    def test_payment_advice_names_date_and_masked_account(self):
        english = self._customer_with_bank(
            "Paid English", "NO33 1503 2212 345", trusted=True, email="paid@english.example", lang="en_US"
        )
        norwegian = self._customer_with_bank(
            "Betalt Norsk AS", "1234.56.78903", trusted=True, email="post@betalt.example", lang="nb_NO"
        )
        silent = self._customer_with_bank("Uten Epost AS", "NO09 9710 0512 345", trusted=True)
        credit_note = self._credit_note(english, 420.0)
        self._credit_note(norwegian, 1250.0)
        self._credit_note(silent, 60.0)
        run = self._reimburse(english + norwegian + silent)
        # The first advice went at posting; delivered, it is out of the way.
        self._deliver(self.env["mail.mail"].search([("model", "=", "account.reimbursement.line")]))
        self.sink.messages.clear()

        order = self._order_of(run)
        self._generate_file(order)
        order.generated2uploaded()

        paid_on = order.payment_line_ids[:1].date
        self.assertEqual(paid_on, fields.Date.context_today(order))
        mails = self.env["mail.mail"].search(
            [
                ("model", "=", "account.reimbursement.line"),
                ("res_id", "in", run.line_ids.ids),
                ("state", "=", "outgoing"),
            ]
        )
        self.assertEqual(len(mails), 2)
        self._deliver(mails)
        received = {tuple(rcpt_tos): message for rcpt_tos, message in self.sink.messages}
        self.assertEqual(set(received), {("paid@english.example",), ("post@betalt.example",)})

        english_mail = received["paid@english.example",]
        self.assertEqual(english_mail["Subject"], f"{self.company.name}: your reimbursement is on its way")
        body = english_mail.get_body(("html",)).get_content()
        self.assertIn("We have sent", body)
        self.assertIn("420.00", body)
        self.assertIn("**** 2345", body)
        self.assertNotIn("1503", body)
        self.assertIn(format_date(self.env(context={"lang": "en_US"}), paid_on), body)
        self.assertIn(f"credit note {credit_note.name}", body)
        self.assertIn(self._line_of(run, english).bill_id.name, body)

        norwegian_mail = received["post@betalt.example",]
        self.assertEqual(norwegian_mail["Subject"], f"{self.company.name}: tilbakebetalingen er på vei")
        body = norwegian_mail.get_body(("html",)).get_content()
        self.assertIn("Vi har overført", body)
        self.assertIn("1\xa0250,00", body)
        self.assertIn("**** 8903", body)
        self.assertIn(format_date(self.env(context={"lang": "nb_NO"}), paid_on), body)

        # The run's chatter says which order paid it, and who got no advice.
        body = run.message_ids[0].body
        self.assertIn("3 reimbursement(s) paid by the payment order", body)
        self.assertIn(f">{order.name}</a>, its file uploaded to the bank on {format_date(self.env, paid_on)}.", body)
        self.assertIn("No remittance advice for these customers, who have no e-mail address: Uten Epost AS", body)

    def test_no_payment_advice_when_the_run_sends_none(self):
        customer = self._customer_with_bank(
            "Quiet Customer", "NO33 1503 2212 345", trusted=True, email="quiet@customer.example"
        )
        self._credit_note(customer, 80.0)
        run = self._reimburse(customer, notify_customers=False)
        order = self._order_of(run)
        self._generate_file(order)

        order.generated2uploaded()

        self.assertIn(run.line_ids.bill_id.payment_state, ("paid", "in_payment"))
        self.assertFalse(self.env["mail.mail"].search([("model", "=", "account.reimbursement.line")]))
        self.assertIn("1 reimbursement(s) paid by the payment order", run.message_ids[0].body)
