from odoo.tests import tagged

from .common import ReimbursementCommon
from .smtp_server import SmtpServerCase


@tagged("post_install", "-at_install")
class TestRemittanceAdvice(SmtpServerCase, ReimbursementCommon):
    """Each reimbursed customer gets a remittance advice by e-mail, in its
    language, through Odoo's mail queue and a real SMTP server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._start_smtp_server()
        cls.env["res.lang"]._activate_lang("nb_NO")
        cls.env["ir.module.module"].search([("name", "=", "reimbursement_addon")])._update_translations(["nb_NO"])
        cls.company.write({"email": "accounts@reimbursement.example", "reimbursement_notify_customers": True})

    def _advice_mails(self, run):
        return self.env["mail.mail"].search(
            [("model", "=", "account.reimbursement.line"), ("res_id", "in", run.line_ids.ids)]
        )

    def test_advice_in_each_customers_language(self):
        english = self._customer("Advice English", email="english@customer.example", lang="en_US")
        norwegian = self._customer("Råd Norsk AS", email="post@norsk.example", lang="nb_NO")
        # Entered by whoever keeps the contacts: with OCA's payment orders
        # installed, accounting managers may not create bank accounts.
        self.env["res.partner.bank"].sudo().create({"acc_number": "NO93 8601 1117 947", "partner_id": norwegian.id})
        credit_note = self._credit_note(english, 80.0)
        self._credit_note(norwegian, 1250.0)

        run = self._reimburse(english + norwegian)

        self.assertTrue(run.notify_customers)
        mails = self._advice_mails(run)
        self.assertEqual(len(mails), 2)
        self.assertEqual(set(mails.mapped("state")), {"outgoing"})
        self._deliver(mails)
        self.assertEqual(set(mails.mapped("state")), {"sent"})

        received = {tuple(rcpt_tos): message for rcpt_tos, message in self.sink.messages}
        self.assertEqual(set(received), {("english@customer.example",), ("post@norsk.example",)})
        english_mail = received["english@customer.example",]
        english_line = run.line_ids.filtered(lambda line: line.customer_id == english)
        self.assertEqual(english_mail["Subject"], f"{self.company.name}: reimbursement of your credit balance")
        self.assertIn("accounts@reimbursement.example", english_mail["From"])
        body = english_mail.get_body(("html",)).get_content()
        self.assertIn("$\xa080.00", body)
        self.assertIn(credit_note.name, body)
        self.assertIn(english_line.bill_id.name, body)
        self.assertIn("please reply to this e-mail with the account", body)

        norwegian_mail = received["post@norsk.example",]
        self.assertEqual(norwegian_mail["Subject"], f"{self.company.name}: tilbakebetaling av deres kreditsaldo")
        body = norwegian_mail.get_body(("html",)).get_content()
        self.assertIn("Kreditsaldoen", body)
        self.assertIn("1\xa0250,00", body)
        self.assertIn("**** 7947", body)
        self.assertNotIn("8601", body)

    def test_advice_names_each_credit_as_the_customer_knows_it(self):
        """A credit note by its number; an overpayment by its date, amount and
        the customer's own reference, never by Odoo's internal entry number."""
        customer = self._customer("Advice Overpayer", email="over@customer.example")
        invoice = self._invoice(customer, 1000.0)
        payment = self._pay(invoice, 1250.0, date="2019-02-01")
        credit_note = self._credit_note(customer, 40.0, date="2019-01-20")
        self._entry(customer, self.receivable, -30.0, date="2019-03-05")
        self.assertTrue(payment.memo)

        run = self._reimburse(customer)

        self.assertReimbursed(run.line_ids, customer, 320.0)
        self.assertEqual(
            run.line_ids.advice_credit_documents,
            f"credit note {credit_note.name}; "
            f"your payment of $\xa01,250.00 on 02/01/2019 (reference {payment.memo}); "
            "your payment of $\xa030.00 on 03/05/2019",
        )
        self._deliver(self._advice_mails(run))
        ((_rcpt_tos, message),) = self.sink.messages
        body = message.get_body(("html",)).get_content()
        self.assertIn(f"credit note {credit_note.name}", body)
        self.assertIn("your payment of $\xa01,250.00 on 02/01/2019", body)
        self.assertNotIn(payment.move_id.name, body)

    def test_advice_credit_documents_in_norwegian(self):
        customer = self._customer("Norsk Innbetaler AS", email="betaler@norsk.example", lang="nb_NO")
        invoice = self._invoice(customer, 500.0)
        payment = self._pay(invoice, 650.0, date="2019-02-01")

        run = self._reimburse(customer)

        line = run.line_ids.with_context(lang="nb_NO")
        self.assertEqual(
            line.advice_credit_documents, f"deres innbetaling på $\xa0650,00 den 01.02.2019 (referanse {payment.memo})"
        )

    def test_customers_without_email_are_named_on_the_run(self):
        with_email = self._customer("Advice Mailed", email="mailed@customer.example")
        without_email = self._customer("Advice Unreachable")
        self._credit_note(with_email, 20.0)
        self._credit_note(without_email, 35.0)

        run = self._reimburse(with_email + without_email)

        self.assertEqual(self._advice_mails(run).recipient_ids, with_email)
        self.assertIn(
            "No remittance advice for these customers, who have no e-mail address: Advice Unreachable",
            run.message_ids[0].body,
        )
        self.assertReimbursed(
            run.line_ids.filtered(lambda line: line.customer_id == without_email), without_email, 35.0
        )

    def test_no_advice_when_the_run_does_not_notify(self):
        customer = self._customer("Advice Silent", email="silent@customer.example")
        self._credit_note(customer, 15.0)

        run = self._reimburse(customer, notify_customers=False)

        self.assertFalse(run.notify_customers)
        self.assertFalse(self._advice_mails(run))
        self.assertReimbursed(run.line_ids, customer, 15.0)
