from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PaymentOrderCommon


@tagged("post_install", "-at_install")
class TestReimbursementPaymentOrder(PaymentOrderCommon):
    """A run's bills go into an OCA payment order, paid to trusted bank
    accounts only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.trusted = cls._customer_with_bank("Trusted Customer", "NO93 8601 1117 947", trusted=True)
        cls.untrusted = cls._customer_with_bank("Untrusted Customer", "NO83 3000 1234 567", trusted=False)
        cls.no_bank = cls._customer_with_bank("Customer Without Bank", None)

    def test_bills_carry_the_payment_mode(self):
        self._credit_note(self.trusted, 120.0)
        run = self._reimburse(self.trusted)
        bill = run.line_ids.bill_id
        self.assertEqual(bill.payment_mode_id, self.mode)
        self.assertEqual(self._payable(bill).payment_mode_id, self.mode)

    def test_trusted_accounts_only(self):
        credit_note = self._credit_note(self.trusted, 120.0)
        self._credit_note(self.untrusted, 80.0)
        self._credit_note(self.no_bank, 30.0)
        run = self._reimburse(self.trusted + self.untrusted + self.no_bank)
        trusted_line = self._line_of(run, self.trusted)

        action = run.action_create_payment_order()

        # The bills left out are named behind the order that opens next.
        self.assertEqual(action["tag"], "display_notification")
        message = action["params"]["message"]
        self.assertIn("Untrusted Customer: the bank account NO83 3000 1234 567", message)
        self.assertIn("not trusted for outgoing payments", message)
        self.assertIn("Customer Without Bank: the vendor Customer Without Bank (vendor) has no bank account", message)
        self.assertNotIn("Trusted Customer:", message)
        next_action = action["params"]["next"]
        # The client runs it as it is: its views are complete.
        self.assertEqual([kind for _view_id, kind in next_action["views"]], ["form"])
        order = self.env["account.payment.order"].browse(next_action["res_id"])
        self.assertRecordValues(
            order, [{"state": "draft", "payment_mode_id": self.mode.id, "payment_type": "outbound"}]
        )
        self.assertRecordValues(
            order.payment_line_ids,
            [
                {
                    "partner_id": trusted_line.vendor_id.id,
                    "partner_bank_id": trusted_line.vendor_id.bank_ids.id,
                    "move_line_id": self._payable(trusted_line.bill_id).id,
                    "currency_id": self.company.currency_id.id,
                    "amount_currency": 120.0,
                    "communication": f"{run.name} {credit_note.name}",
                }
            ],
        )
        self.assertEqual(run.payment_order_ids, order)
        self.assertEqual(run.payment_order_count, 1)
        # The chatter names the order and each customer left out.
        bodies = "".join(run.message_ids.mapped("body"))
        self.assertIn("1 vendor bills added to the payment order", bodies)
        self.assertIn("Untrusted Customer: the bank account NO83 3000 1234 567", bodies)
        self.assertIn("Customer Without Bank: the vendor", bodies)

    def test_never_in_two_orders(self):
        self._credit_note(self.trusted, 120.0)
        run = self._reimburse(self.trusted)
        order = self.env["account.payment.order"].browse(run.action_create_payment_order()["res_id"])

        with self.assertRaisesRegex(UserError, "is already in the payment order"):
            run.action_create_payment_order()
        self.assertEqual(len(order.payment_line_ids), 1)

    def test_draft_order_reused_for_several_runs(self):
        other = self._customer_with_bank("Second Trusted Customer", "NO02 1111 2222 333", trusted=True)
        self._credit_note(self.trusted, 120.0)
        first = self._reimburse(self.trusted)
        self._credit_note(other, 45.5)
        second = self._reimburse(other)

        order = self.env["account.payment.order"].browse((first + second).action_create_payment_order()["res_id"])

        self.assertEqual(len(order.payment_line_ids), 2)
        self.assertEqual(sum(order.payment_line_ids.mapped("amount_currency")), 165.5)
        self._credit_note(self.trusted, 10.0)
        third = self._reimburse(self.trusted)
        self.assertEqual(third.action_create_payment_order()["res_id"], order.id)
        self.assertEqual(len(order.payment_line_ids), 3)
        self.assertEqual((first + second + third).payment_order_ids, order)

    def test_communication_fits_iso_20022(self):
        for _index in range(12):
            self._credit_note(self.trusted, 10.0)
        run = self._reimburse(self.trusted)
        line = run.line_ids
        communication = line._get_payment_communication()
        self.assertLessEqual(len(communication), 140)
        self.assertTrue(communication.startswith(f"{run.name} "))
        documents = line.source_line_ids.move_id.sorted(lambda move: (move.date, move.id)).mapped("name")
        shown = communication.split()[1:-1]
        self.assertEqual(shown, documents[: len(shown)])
        self.assertEqual(communication.split()[-1], f"+{len(documents) - len(shown)}")

    def test_communication_names_payments_by_the_customers_reference(self):
        """A credit note by its number, an overpayment by the customer's
        reference (the invoice it paid), a credit without reference by its
        date: never Odoo's internal entry numbers."""
        invoice = self._invoice(self.trusted, 1000.0)
        payment = self._pay(invoice, 1250.0, date="2019-02-01")
        credit_note = self._credit_note(self.trusted, 40.0, date="2019-01-20")
        entry = self._entry(self.trusted, self.receivable, -30.0, date="2019-03-05")
        run = self._reimburse(self.trusted)

        communication = run.line_ids._get_payment_communication()

        self.assertEqual(communication, f"{run.name} {credit_note.name} {payment.memo} 2019-03-05")
        self.assertNotIn(payment.move_id.name, communication)
        self.assertNotIn(entry.name, communication)

    def test_bill_in_order_cannot_be_cancelled(self):
        self._credit_note(self.trusted, 120.0)
        run = self._reimburse(self.trusted)
        order = self.env["account.payment.order"].browse(run.action_create_payment_order()["res_id"])
        line = run.line_ids

        with self.assertRaisesRegex(UserError, "is in the payment order"):
            line.action_cancel()
        self.assertEqual(line.state, "done")
        self.assertEqual(self._open_residual(self.trusted), 0.0)

        order.payment_line_ids.unlink()
        line.action_cancel()
        self.assertEqual(line.state, "cancelled")
        self.assertEqual(self._open_residual(self.trusted), -120.0)

    def test_no_payment_mode(self):
        self.company.reimbursement_payment_mode_id = False
        self._credit_note(self.trusted, 120.0)
        run = self._reimburse(self.trusted)
        self.assertFalse(run.line_ids.bill_id.payment_mode_id)
        with self.assertRaisesRegex(UserError, "has no reimbursement payment mode"):
            run.action_create_payment_order()

    def test_nothing_to_pay(self):
        self._credit_note(self.untrusted, 80.0)
        run = self._reimburse(self.untrusted)
        with self.assertRaisesRegex(UserError, "No vendor bill of these runs can go into a payment order"):
            run.action_create_payment_order()
        self.assertFalse(self.env["account.payment.order"].search([("payment_mode_id", "=", self.mode.id)]))

    def test_cancelled_reimbursement_is_not_added(self):
        other = self._customer_with_bank("Cancelled Trusted Customer", "NO09 9710 0512 345", trusted=True)
        self._credit_note(self.trusted, 120.0)
        self._credit_note(other, 70.0)
        run = self._reimburse(self.trusted + other)
        cancelled = self._line_of(run, other)
        cancelled.action_cancel()
        self.assertEqual(cancelled.bill_id.state, "cancel")

        order = self._order_of(run)

        self.assertEqual(order.payment_line_ids.move_line_id.move_id, self._line_of(run, self.trusted).bill_id)
        self.assertEqual(self._open_residual(other), -70.0)

    def _measured_order(self, count, budget):
        customers = self.env["res.partner"]
        for index in range(count):
            customer = self._customer_with_bank(f"Budget Customer {count}-{index}", f"NO{index:013d}", trusted=True)
            self._credit_note(customer, 10.0 + index)
            customers |= customer
        run = self._reimburse(customers)
        self.env.invalidate_all()
        with self.assertQueryCount(budget):
            self._order_of(run)
            self.env.flush_all()
        self.assertEqual(len(run.line_ids.bill_id.line_ids.payment_line_ids), count)

    def test_query_budget(self):
        """Measured on both series: 43 queries for a run of two bills, 51 for
        six (two a bill), both put into the draft order that exists: one more
        query per bill fails the second run."""
        self._credit_note(self.trusted, 120.0)
        self._order_of(self._reimburse(self.trusted))
        self._measured_order(2, 46)
        self._measured_order(6, 54)
