from odoo import Command
from odoo.tests import tagged

from .. import series
from .common import ReimbursementCommon
from .smtp_server import SmtpServerCase


class RemittanceAdviceCase(SmtpServerCase, ReimbursementCommon):
    """A company that sends remittance advice, in English and Norwegian,
    through Odoo's mail queue and a real SMTP server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._start_smtp_server()
        cls.env["res.lang"]._activate_lang("nb_NO")
        cls.env["ir.module.module"].search([("name", "=", "reimbursement_addon")])._update_translations(["nb_NO"])
        cls.company.write({"email": "accounts@reimbursement.example", "reimbursement_notify_customers": True})
        # The accountant who posts may trust bank accounts: the one-time
        # vendors keep their customers' trusted accounts.
        cls.env.user.write({series.USER_GROUPS: [Command.link(cls.env.ref("account.group_validate_bank_account").id)]})

    def _mails_of(self, lines):
        return self.env["mail.mail"].search(
            [("model", "=", "account.reimbursement.line"), ("res_id", "in", lines.ids)], order="id"
        )

    def _advice_mails(self, run):
        return self._mails_of(run.line_ids)


@tagged("post_install", "-at_install")
class TestRemittanceAdvice(RemittanceAdviceCase):
    """Each reimbursed customer gets a remittance advice by e-mail, in its
    language, through Odoo's mail queue and a real SMTP server."""

    def test_advice_in_each_customers_language(self):
        english = self._customer("Advice English", email="english@customer.example", lang="en_US")
        norwegian = self._customer("Råd Norsk AS", email="post@norsk.example", lang="nb_NO")
        # Entered by whoever keeps the contacts: with OCA's payment orders
        # installed, accounting managers may not create bank accounts.
        self.env["res.partner.bank"].sudo().create(
            {"acc_number": "NO93 8601 1117 947", "partner_id": norwegian.id, "allow_out_payment": True}
        )
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

    def test_advice_names_only_a_trusted_bank_account(self):
        """The advice promises payment to an account only when it is trusted
        for outgoing payments, the only kind the company pays to; an account
        nobody has trusted yet is checked first, and not named."""
        trusted = self._customer("Advice Trusted", email="trusted@customer.example")
        unchecked = self._customer("Advice Unchecked", email="unchecked@customer.example")
        Bank = self.env["res.partner.bank"].sudo()
        Bank.create({"acc_number": "NO93 8601 1117 947", "partner_id": trusted.id, "allow_out_payment": True})
        Bank.create({"acc_number": "NO81 3000 3909 960", "partner_id": unchecked.id, "allow_out_payment": False})
        self._credit_note(trusted, 120.0)
        self._credit_note(unchecked, 130.0)

        run = self._reimburse(trusted + unchecked)

        line_of = {line.customer_id: line for line in run.line_ids}
        self.assertReimbursed(line_of[trusted], trusted, 120.0)
        self.assertReimbursed(line_of[unchecked], unchecked, 130.0)
        # The bill keeps the customer's account; the advice does not name it.
        self.assertEqual(line_of[unchecked].bill_id.partner_bank_id.acc_number, "NO81 3000 3909 960")
        self.assertRecordValues(
            line_of[trusted] + line_of[unchecked],
            [
                {"advice_bank_account": "**** 7947", "advice_bank_account_unchecked": False},
                {"advice_bank_account": False, "advice_bank_account_unchecked": True},
            ],
        )
        self._deliver(self._advice_mails(run))
        received = {tuple(rcpt_tos): message for rcpt_tos, message in self.sink.messages}
        trusted_body = received["trusted@customer.example",].get_body(("html",)).get_content()
        self.assertIn("will be paid to your bank account **** 7947", trusted_body)
        unchecked_body = received["unchecked@customer.example",].get_body(("html",)).get_content()
        self.assertIn("We will check the bank account details we have for you before we pay", unchecked_body)
        self.assertNotIn("9960", unchecked_body)
        self.assertNotIn("will be paid to your bank account", unchecked_body)
        self.assertNotIn("We do not have your bank account details", unchecked_body)


@tagged("post_install", "-at_install")
class TestAdviceOfCancelledReimbursement(RemittanceAdviceCase):
    """Cancelling a reimbursement takes its advice back: withdrawn while it
    waits in the mail queue, followed by a cancellation notice in the
    customer's language once it went out."""

    def test_advice_still_queued_is_withdrawn(self):
        bakery = self._customer("Bergen Bakeri AS", email="post@bakeri.example", lang="nb_NO")
        other = self._customer("Advice Kept", email="kept@customer.example")
        self._credit_note(bakery, 300.0)
        self._credit_note(other, 50.0)
        run = self._reimburse(bakery + other)
        bakery_line = run.line_ids.filtered(lambda line: line.customer_id == bakery)
        self.assertEqual(self._mails_of(bakery_line).mapped("state"), ["outgoing"])

        bakery_line.action_cancel()

        # The credit is open again, and the customer is told nothing: the
        # advice never leaves the queue.
        self.assertEqual(bakery_line.state, "cancelled")
        self.assertEqual(self._open_residual(bakery), -300.0)
        withdrawn = self._mails_of(bakery_line)
        self.assertEqual(withdrawn.mapped("state"), ["cancel"])
        self._deliver(self.env["mail.mail"].search([("state", "=", "outgoing")]))
        self.assertEqual([rcpt_tos for rcpt_tos, _message in self.sink.messages], [["kept@customer.example"]])
        self.assertEqual(withdrawn.state, "cancel")

    def test_advice_sent_is_followed_by_a_cancellation_notice(self):
        bakery = self._customer("Bergen Bakeri AS", email="post@bakeri.example", lang="nb_NO")
        self._credit_note(bakery, 300.0)
        run = self._reimburse(bakery)
        line = run.line_ids
        self._deliver(self._mails_of(line))
        self.assertEqual(len(self.sink.messages), 1)
        self.sink.messages.clear()

        line.action_cancel()

        self.assertEqual(self._open_residual(bakery), -300.0)
        advice, notice = self._mails_of(line)
        self.assertEqual((advice.state, notice.state), ("sent", "outgoing"))
        self._deliver(notice)
        ((rcpt_tos, message),) = self.sink.messages
        self.assertEqual(rcpt_tos, ["post@bakeri.example"])
        self.assertEqual(
            message["Subject"], f"{self.company.name}: tilbakebetalingen av deres kreditsaldo er kansellert"
        )
        body = message.get_body(("html",)).get_content()
        self.assertIn("300,00", body)
        self.assertIn(line.bill_id.name, body)
        self.assertIn("Kreditsaldoen står fortsatt til deres gode", body)

    def test_cancelling_a_run_without_advice_sends_nothing(self):
        customer = self._customer("Advice Never", email="never@customer.example")
        self._credit_note(customer, 40.0)
        run = self._reimburse(customer, notify_customers=False)

        run.action_cancel()

        self.assertEqual(run.state, "cancelled")
        self.assertEqual(self._open_residual(customer), -40.0)
        self.assertFalse(self._mails_of(run.line_ids))
