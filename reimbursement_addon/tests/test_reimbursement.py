from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestReimbursement(ReimbursementCommon):
    # ---- kinds of credit ---------------------------------------------------

    def test_bank_receipt_larger_than_invoice(self):
        customer = self._customer("Overpaying Customer")
        invoice = self._invoice(customer, 1000.0)
        self._pay(invoice, 1250.0)
        self.assertEqual(self._open_residual(customer), -250.0)

        run = self._reimburse(customer)

        self.assertEqual(run.state, "done")
        self.assertRegex(run.name, r"^REIMB/2019/\d{5}$")
        self.assertReimbursed(run.line_ids, customer, 250.0)
        self.assertEqual(self._open_residual(customer), 0.0)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(run.amount_total, 250.0)
        self.assertEqual(run.customer_count, 1)

    def test_unapplied_credit_note(self):
        customer = self._customer("Credited Customer")
        credit_note = self._credit_note(customer, 400.0)

        run = self._reimburse(customer)

        self.assertReimbursed(run.line_ids, customer, 400.0)
        self.assertEqual(credit_note.amount_residual, 0.0)
        # Odoo calls a credit note settled by a miscellaneous entry "reversed".
        self.assertIn(credit_note.payment_state, ("paid", "reversed"))
        self.assertEqual(run.line_ids.source_line_ids, credit_note.line_ids.filtered("account_id.reconcile"))
        self.assertEqual(self._open_residual(customer), 0.0)

    def test_partial_payments(self):
        customer = self._customer("Paying Twice")
        invoice = self._invoice(customer, 1000.0)
        self._pay(invoice, 600.0, date="2019-02-01")
        self._pay(invoice, 700.0, date="2019-03-01")
        self.assertEqual(self._open_residual(customer), -300.0)

        run = self._reimburse(customer)

        self.assertReimbursed(run.line_ids, customer, 300.0)
        self.assertEqual(self._open_residual(customer), 0.0)

    def test_foreign_currency_credit(self):
        """500 EUR credited at 0.5 USD/EUR and reimbursed at 0.4: the bill is
        500 EUR worth 200 USD, the customer's EUR and USD balances both end at
        zero, the clearing account nets to zero and the 50 USD difference is an
        exchange gain on the transfer entry (no separate exchange entry)."""
        customer = self._customer("Euro Customer")
        self._credit_note(customer, 500.0, currency=self.eur)
        self._credit_note(customer, 80.0)
        self.assertEqual(self._open_residual(customer, self.eur), -500.0)
        self.assertEqual(self._open_residual(customer), -330.0)

        run = self._reimburse(customer)

        self.assertEqual(len(run.line_ids), 2)
        eur_line = run.line_ids.filtered(lambda line: line.currency_id == self.eur)
        usd_line = run.line_ids - eur_line
        self.assertReimbursed(eur_line, customer, 500.0, currency=self.eur)
        self.assertReimbursed(usd_line, customer, 80.0)
        self.assertEqual(eur_line.amount_company_currency, 250.0)
        self.assertEqual(eur_line.bill_id.amount_total_signed, -200.0)
        self.assertEqual(self._open_residual(customer, self.eur), 0.0)
        self.assertEqual(self._open_residual(customer), 0.0)
        self.assertFalse(self._open_items(customer))
        self.assertExchangeDifference(eur_line, self.company.income_currency_exchange_account_id, -50.0)
        self.assertFalse(usd_line.transfer_line_ids.account_id & self._exchange_accounts())

    def test_foreign_currency_credit_exchange_loss(self):
        """100 EUR credited at 0.4 USD/EUR and reimbursed at 0.625: the bill
        is worth 62.50 USD, 22.50 more than the credit was; the loss is booked
        on the transfer entry."""
        self.env["res.currency.rate"].create(
            {"currency_id": self.eur.id, "name": "2019-10-01", "rate": 1.6, "company_id": self.company.id}
        )
        customer = self._customer("Euro Loss")
        self._credit_note(customer, 100.0, currency=self.eur, date="2019-06-15")
        self.assertEqual(self._open_residual(customer), -40.0)
        self.run_date = fields.Date.from_string("2019-10-15")

        run = self._reimburse(customer)

        self.assertReimbursed(run.line_ids, customer, 100.0, currency=self.eur)
        self.assertEqual(run.line_ids.bill_id.amount_total_signed, -62.5)
        self.assertEqual(self._open_residual(customer, self.eur), 0.0)
        self.assertEqual(self._open_residual(customer), 0.0)
        self.assertExchangeDifference(run.line_ids, self.company.expense_currency_exchange_account_id, 22.5)

    def _exchange_accounts(self):
        return self.company.income_currency_exchange_account_id | self.company.expense_currency_exchange_account_id

    def assertExchangeDifference(self, line, account, balance):
        """The exchange difference is one line of the reimbursement's own
        transfer items, in company currency, and balances the entry."""
        difference = line.transfer_line_ids.filtered(lambda item: item.account_id in self._exchange_accounts())
        self.assertEqual(difference.account_id, account)
        self.assertEqual(difference.balance, balance)
        self.assertEqual(difference.currency_id, self.company.currency_id)
        self.assertEqual(difference.partner_id, line.customer_id)
        own_items = line.transfer_line_ids | line.clearing_line_id
        self.assertAlmostEqual(sum(own_items.mapped("balance")), 0.0, places=2)
        exchange_journal = self.company.currency_exchange_journal_id
        self.assertFalse(
            self.env["account.move.line"].search_count(
                [("journal_id", "=", exchange_journal.id), ("partner_id", "=", line.customer_id.id)]
            )
        )

    # ---- minimum -----------------------------------------------------------

    def test_minimum_below_equal_above(self):
        self.company.reimbursement_min_amount = 100.0
        below = self._customer("Below")
        equal = self._customer("Equal")
        above = self._customer("Above")
        euro = self._customer("Euro Below")
        self._credit_note(below, 99.99)
        self._credit_note(equal, 100.0)
        self._credit_note(above, 100.01)
        # 150 EUR were 75 USD when credited: below the minimum in company currency.
        self._credit_note(euro, 150.0, currency=self.eur)
        customers = below + equal + above + euro

        wizard = self._wizard(customers)
        wizard.action_preview()
        self.assertEqual(wizard.line_ids.customer_id, equal + above)
        self.assertIn("Below", wizard.skipped_summary)
        self.assertIn("Euro Below", wizard.skipped_summary)
        run = self._reimburse(customers)

        self.assertEqual(run.line_ids.customer_id, equal + above)
        self.assertEqual(run.min_amount, 100.0)
        self.assertReimbursed(run.line_ids.filtered(lambda line: line.customer_id == equal), equal, 100.0)
        self.assertReimbursed(run.line_ids.filtered(lambda line: line.customer_id == above), above, 100.01)
        self.assertEqual(self._open_residual(below), -99.99)
        self.assertEqual(self._open_residual(euro, self.eur), -150.0)

    # ---- customers with open debits ----------------------------------------

    def _customer_with_debit(self, name="Credit And Invoice"):
        customer = self._customer(name)
        credit_note = self._credit_note(customer, 500.0)
        invoice = self._invoice(customer, 200.0)
        return customer, credit_note, invoice

    def test_open_debits_skipped_by_default(self):
        customer, _credit_note, invoice = self._customer_with_debit()
        wizard = self._wizard(customer)
        wizard.action_preview()
        self.assertFalse(wizard.line_ids)
        self.assertIn("Credit And Invoice", wizard.skipped_summary)
        moves_before = self.env["account.move"].search_count([])

        with self.assertRaisesRegex(UserError, "nothing to reimburse"):
            self._reimburse(customer)

        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
        self.assertEqual(self._open_residual(customer), -300.0)
        self.assertEqual(invoice.amount_residual, 200.0)

    def test_open_debits_offset(self):
        customer, credit_note, invoice = self._customer_with_debit()

        run = self._reimburse(customer, include_debit_customers=True, offset_debits=True)

        self.assertReimbursed(run.line_ids, customer, 300.0)
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertIn(invoice.payment_state, ("paid", "reversed"))
        self.assertEqual(credit_note.amount_residual, 0.0)
        self.assertEqual(self._open_residual(customer), 0.0)
        self.assertTrue(run.include_debit_customers)
        self.assertTrue(run.offset_debits)

    def test_open_debits_gross(self):
        customer, credit_note, invoice = self._customer_with_debit()

        run = self._reimburse(customer, include_debit_customers=True, offset_debits=False)

        self.assertReimbursed(run.line_ids, customer, 500.0)
        self.assertEqual(credit_note.amount_residual, 0.0)
        self.assertEqual(invoice.amount_residual, 200.0)
        self.assertEqual(self._open_residual(customer), 200.0)

    def test_open_debits_exceeding_credit(self):
        customer = self._customer("Owes More")
        self._credit_note(customer, 100.0)
        invoice = self._invoice(customer, 300.0)
        even = self._customer("Owes As Much")
        self._credit_note(even, 80.0)
        self._invoice(even, 80.0)
        wizard = self._wizard(customer + even, include_debit_customers=True, offset_debits=True)
        wizard.action_preview()
        self.assertFalse(wizard.line_ids)
        # Each credit and the debits that take it up, never a net amount
        # shown as if it were a credit.
        fmt = self.company.currency_id.format
        self.assertEqual(
            wizard.skipped_summary,
            "2 credit(s) that the customer's open debits take up in full: "
            f"Owes More (credit {fmt(100.0)}, open debits {fmt(300.0)}), "
            f"Owes As Much (credit {fmt(80.0)}, open debits {fmt(80.0)})",
        )

        with self.assertRaises(UserError):
            wizard.action_reimburse()

        self.assertEqual(invoice.amount_residual, 300.0)
        self.assertEqual(self._open_residual(customer), 200.0)

    # ---- vendors -----------------------------------------------------------

    def test_linked_vendor(self):
        vendor = self.env["res.partner"].create({"name": "Customer's Vendor Account", "supplier_rank": 1})
        customer = self._customer("Linked Customer")
        customer.with_company(self.company).reimbursement_vendor_id = vendor
        self._credit_note(customer, 150.0)
        partners_before = self.env["res.partner"].search_count([])

        run = self._reimburse(customer)

        self.assertReimbursed(run.line_ids, customer, 150.0, vendor=vendor)
        self.assertEqual(self.env["res.partner"].search_count([]), partners_before)

    def test_one_time_vendor_created_once_and_reused(self):
        bank = self.env["res.bank"].create({"name": "Customer Bank"})
        customer = self._customer(
            "One-time Customer",
            is_company=True,
            street="Storgata 1",
            zip="0155",
            city="Oslo",
            country_id=self.env.ref("base.no").id,
            vat="NO123456785",
            email="ar@one-time.example.com",
            phone="+47 22 00 00 00",
        )
        # Entered by whoever keeps the contacts: with OCA's payment orders
        # installed, accounting managers may not create bank accounts.
        self.env["res.partner.bank"].sudo().create(
            {"acc_number": "NO9386011117947", "bank_id": bank.id, "partner_id": customer.id}
        )
        self._credit_note(customer, 120.0)

        run = self._reimburse(customer)

        vendor = run.line_ids.vendor_id
        self.assertNotEqual(vendor, customer)
        self.assertRecordValues(
            vendor,
            [
                {
                    "name": "One-time Customer",
                    "is_company": True,
                    "street": "Storgata 1",
                    "zip": "0155",
                    "city": "Oslo",
                    "country_id": self.env.ref("base.no").id,
                    "vat": "NO123456785",
                    "email": "ar@one-time.example.com",
                    "phone": "+47 22 00 00 00",
                    "reimbursement_one_time_vendor": True,
                    "company_id": self.company.id,
                }
            ],
        )
        self.assertGreaterEqual(vendor.supplier_rank, 1)
        self.assertEqual(vendor.bank_ids.sanitized_acc_number, "NO9386011117947")
        self.assertEqual(vendor.bank_ids.bank_id, bank)
        self.assertEqual(run.line_ids.bill_id.partner_bank_id, vendor.bank_ids)
        self.assertEqual(customer.with_company(self.company).reimbursement_vendor_id, vendor)
        self.assertReimbursed(run.line_ids, customer, 120.0, vendor=vendor)

        # The next credit of the customer goes to the same vendor.
        self._credit_note(customer, 30.0)
        second_run = self._reimburse(customer)
        self.assertReimbursed(second_run.line_ids, customer, 30.0, vendor=vendor)
        self.assertEqual(self.env["res.partner"].search_count([("name", "=", "One-time Customer")]), 2)
        self.assertEqual(vendor.with_company(self.company).reimbursement_vendor_id, self.env["res.partner"])

    def test_one_time_vendor_without_contact_creation_right(self):
        """An accounting manager who may not create contacts still gets the
        one-time vendors of the run."""
        manager = self._manager("reimbursement_manager_no_contacts")
        self.assertFalse(manager.has_group("base.group_partner_manager"))
        customer = self._customer("No Contact Rights Customer")
        self._credit_note(customer, 75.0)

        run = self._reimburse(customer, user=manager)

        vendor = run.line_ids.vendor_id
        self.assertTrue(vendor.reimbursement_one_time_vendor)
        self.assertEqual(vendor.create_uid, manager)
        self.assertEqual(customer.with_company(self.company).reimbursement_vendor_id, vendor)
        self.assertReimbursed(run.line_ids, customer, 75.0, vendor=vendor)

    def test_vendor_policy_customer(self):
        self.company.reimbursement_vendor_policy = "customer"
        customer = self._customer("Billed Itself")
        self._credit_note(customer, 75.0)
        partners_before = self.env["res.partner"].search_count([])

        run = self._reimburse(customer)

        self.assertReimbursed(run.line_ids, customer, 75.0, vendor=customer)
        self.assertEqual(self.env["res.partner"].search_count([]), partners_before)
        self.assertFalse(customer.with_company(self.company).reimbursement_vendor_id)

    def test_contacts_reimbursed_as_their_company(self):
        company_customer = self._customer("Customer Inc", is_company=True)
        contact = self._customer("Contact Person", parent_id=company_customer.id)
        self._entry(contact, self.receivable, -60.0)
        self._credit_note(company_customer, 40.0)

        run = self._reimburse(company_customer)

        self.assertReimbursed(run.line_ids, company_customer, 100.0)
        self.assertEqual(self._open_residual(company_customer), 0.0)

    # ---- summarize customer ------------------------------------------------

    def test_not_summarized_two_receivable_accounts(self):
        other_receivable = self.copy_account(self.receivable)
        plan = self.env["account.analytic.plan"].create({"name": "Departments"})
        department = self.env["account.analytic.account"].create({"name": "Retail", "plan_id": plan.id})
        analytic = {str(department.id): 100.0}
        customer = self._customer("Two Accounts")
        self._entry(customer, self.receivable, -100.0)
        self._entry(customer, other_receivable, -50.0)
        self._entry(customer, self.receivable, -30.0, analytic=analytic)

        run = self._reimburse(customer, summarize_customer=False)

        self.assertFalse(run.summarize_customer)
        self.assertEqual(len(run.line_ids), 3)
        by_key = {(line.account_id, line.amount): line for line in run.line_ids}
        plain = by_key[(self.receivable, 100.0)]
        other = by_key[(other_receivable, 50.0)]
        distributed = by_key[(self.receivable, 30.0)]
        for line, amount in ((plain, 100.0), (other, 50.0), (distributed, 30.0)):
            self.assertReimbursed(line, customer, amount)
        self.assertEqual(distributed.analytic_distribution, analytic)
        bill_line = distributed.bill_id.invoice_line_ids
        self.assertEqual(bill_line.account_id, self.clearing)
        self.assertEqual(bill_line.analytic_distribution, analytic)
        transfer_receivable = distributed.transfer_line_ids.filtered(lambda aml: aml.account_id == self.receivable)
        self.assertEqual(transfer_receivable.analytic_distribution, analytic)
        self.assertEqual(
            other.transfer_line_ids.filtered("debit").account_id,
            other_receivable,
        )
        self.assertEqual(self._open_residual(customer), 0.0)

    def test_summarized_two_receivable_accounts(self):
        other_receivable = self.copy_account(self.receivable)
        customer = self._customer("Summarized")
        self._entry(customer, self.receivable, -100.0)
        self._entry(customer, other_receivable, -50.0)
        # An open debit on the second account, settled against the credits.
        self._entry(customer, other_receivable, 20.0)

        run = self._reimburse(customer, include_debit_customers=True, offset_debits=True)

        self.assertReimbursed(run.line_ids, customer, 130.0)
        self.assertEqual(
            sorted(run.line_ids.transfer_line_ids.mapped(lambda aml: (aml.account_id.id, aml.balance))),
            sorted([(self.receivable.id, 100.0), (other_receivable.id, 30.0)]),
        )
        self.assertEqual(run.line_ids.clearing_line_id.balance, -130.0)
        self.assertEqual(self._open_residual(customer), 0.0)

    def test_not_summarized_offsets_debits_of_another_account(self):
        """A debit on an account that holds no credit is settled against the
        largest credit: the transfer entry credits that account, and only the
        net is reimbursed."""
        other_receivable = self.copy_account(self.receivable)
        customer = self._customer("Debit Elsewhere")
        self._entry(customer, self.receivable, -100.0)
        self._entry(customer, self.receivable, -40.0, date="2019-02-01")
        self._entry(customer, other_receivable, 30.0)

        run = self._reimburse(customer, summarize_customer=False, include_debit_customers=True, offset_debits=True)

        self.assertReimbursed(run.line_ids, customer, 110.0)
        self.assertEqual(run.line_ids.account_id, self.receivable)
        self.assertEqual(
            sorted(run.line_ids.transfer_line_ids.mapped(lambda aml: (aml.account_id.id, aml.balance))),
            sorted([(self.receivable.id, 140.0), (other_receivable.id, -30.0)]),
        )
        self.assertEqual(run.line_ids.clearing_line_id.balance, -110.0)
        self.assertEqual(self._open_residual(customer), 0.0)

    def test_not_summarized_gross_keeps_debits_open(self):
        other_receivable = self.copy_account(self.receivable)
        customer = self._customer("Gross Per Account")
        self._entry(customer, self.receivable, -100.0)
        self._entry(customer, other_receivable, -20.0)
        debit = self._entry(customer, other_receivable, 50.0)

        run = self._reimburse(customer, summarize_customer=False, include_debit_customers=True, offset_debits=False)

        self.assertEqual(sorted(run.line_ids.mapped("amount")), [20.0, 100.0])
        for line in run.line_ids:
            self.assertReimbursed(line, customer, line.amount)
        self.assertEqual(debit.line_ids.filtered("debit").amount_residual, 50.0)
        self.assertEqual(self._open_residual(customer), 50.0)

    # ---- preview and selection ---------------------------------------------


@tagged("post_install", "-at_install")
class TestReimbursementNorway(TestReimbursement):
    """The same accounting in a Norwegian company: the l10n_no chart, in NOK."""

    # Odoo's own runner runs a class's own test methods only, unless told.
    allow_inherited_tests_method = True

    country_code = "NO"
    chart_template = "no"

    def test_norwegian_chart(self):
        """The company keeps its books in NOK on the Norwegian chart: the
        credit leaves customer receivable 1500 through clearing account 1501."""
        customer = self._customer("Norsk Kunde AS")
        self._credit_note(customer, 1250.0)

        line = self._reimburse(customer).line_ids

        self.assertEqual(self.company.currency_id, self.env.ref("base.NOK"))
        self.assertEqual(self.receivable.code, "1500")
        self.assertEqual(self.clearing.with_company(self.company).code, "1501")
        self.assertReimbursed(line, customer, 1250.0)
        self.assertEqual(line.transfer_line_ids.account_id, self.receivable)
