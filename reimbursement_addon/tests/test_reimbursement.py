import logging
import time
from contextlib import closing
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import get_db_name, tagged

from .. import series
from ..models import account_reimbursement
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

    def test_preview_writes_nothing(self):
        customer = self._customer("Previewed")
        linked = self._customer("Previewed With Vendor")
        vendor = self.env["res.partner"].create({"name": "Existing Vendor"})
        linked.with_company(self.company).reimbursement_vendor_id = vendor
        self._credit_note(customer, 90.0)
        self._credit_note(linked, 10.0, currency=self.eur)
        counts = {
            model: self.env[model].search_count([])
            for model in ("account.move", "account.partial.reconcile", "res.partner", "account.reimbursement")
        }

        wizard = self._wizard(customer + linked)
        wizard.action_preview()

        self.assertRecordValues(
            wizard.line_ids.sorted(lambda line: line.customer_id.name),
            [
                {
                    "customer_id": customer.id,
                    "vendor_id": False,
                    "vendor_name": "New one-time vendor",
                    "currency_id": self.company.currency_id.id,
                    "company_currency_id": self.company.currency_id.id,
                    "amount": 90.0,
                    "amount_company_currency": 90.0,
                    "selected": True,
                },
                {
                    "customer_id": linked.id,
                    "vendor_id": vendor.id,
                    "vendor_name": "Existing Vendor",
                    "currency_id": self.eur.id,
                    "company_currency_id": self.company.currency_id.id,
                    "amount": 10.0,
                    "amount_company_currency": 5.0,
                    "selected": True,
                },
            ],
        )
        self.assertEqual(wizard.amount_total, 95.0)
        self.assertEqual({model: self.env[model].search_count([]) for model in counts}, counts)
        self.assertEqual(self._open_residual(customer), -90.0)

    def test_preview_deselect_customer(self):
        kept = self._customer("Kept")
        dropped = self._customer("Dropped")
        self._credit_note(kept, 70.0)
        self._credit_note(dropped, 20.0)
        wizard = self._wizard(kept + dropped)
        wizard.action_preview()
        self.assertRecordValues(
            wizard, [{"amount_total": 90.0, "selected_count": 2, "amount_unselected": 0.0, "unselected_count": 0}]
        )
        wizard.line_ids.filtered(lambda line: line.customer_id == dropped).selected = False
        # One total, of what is made; the unticked line counted apart.
        self.assertRecordValues(
            wizard, [{"amount_total": 70.0, "selected_count": 1, "amount_unselected": 20.0, "unselected_count": 1}]
        )

        action = wizard.action_reimburse()

        run = self.env["account.reimbursement"].browse(action["res_id"])
        self.assertReimbursed(run.line_ids, kept, 70.0)
        self.assertEqual(self._open_residual(dropped), -20.0)

        wizard.line_ids.selected = False
        with self.assertRaisesRegex(UserError, "Select at least one"):
            wizard.action_reimburse()

    def test_credit_changed_since_preview(self):
        customer = self._customer("Changing")
        self._credit_note(customer, 70.0)
        wizard = self._wizard(customer)
        wizard.action_preview()
        self._credit_note(customer, 5.0)

        with self.assertRaisesRegex(UserError, "changed since the preview"):
            wizard.action_reimburse()
        self.assertEqual(self._open_residual(customer), -75.0)

    def test_second_run_reimburses_nothing_twice(self):
        customer = self._customer("Once Only")
        self._credit_note(customer, 60.0)
        run = self._reimburse(customer)
        self.assertReimbursed(run.line_ids, customer, 60.0)
        bills_before = self.env["account.move"].search_count([("move_type", "=", "in_invoice")])

        with self.assertRaisesRegex(UserError, "nothing to reimburse"):
            self._reimburse(customer)

        self.assertEqual(self.env["account.move"].search_count([("move_type", "=", "in_invoice")]), bills_before)
        self.assertEqual(self.env["account.reimbursement.line"].search_count([("customer_id", "=", customer.id)]), 1)

    # ---- which customers ---------------------------------------------------

    def test_partner_domain_restricts_customers(self):
        chosen = self._customer("Chosen", city="Bergen")
        other = self._customer("Not Chosen", city="Oslo")
        self._credit_note(chosen, 10.0)
        self._credit_note(other, 10.0)

        run = self._reimburse(partner_domain="[('city', '=', 'Bergen')]")

        self.assertEqual(run.line_ids.customer_id, chosen)
        self.assertEqual(run.partner_domain, "[('city', '=', 'Bergen')]")
        self.assertEqual(self._open_residual(other), -10.0)

    def test_wizard_from_customer_list(self):
        chosen = self._customer("Selected In List")
        other = self._customer("Not Selected")
        self._credit_note(chosen, 15.0)
        self._credit_note(other, 15.0)

        wizard = (
            self.env["account.reimbursement.wizard"]
            .with_context(active_model="res.partner", active_ids=chosen.ids)
            .create({"date": self.run_date})
        )
        action = wizard.action_reimburse()

        run = self.env["account.reimbursement"].browse(action["res_id"])
        self.assertReimbursed(run.line_ids, chosen, 15.0)
        self.assertEqual(self._open_residual(other), -15.0)

    def test_other_company_never_touched(self):
        other_company = self.setup_other_company()["company"]
        customer = self._customer("Customer Of Both")
        self._credit_note(customer, 25.0)
        other_credit = self.init_invoice(
            "out_refund",
            partner=customer,
            invoice_date=self.run_date,
            amounts=[40.0],
            taxes=[],
            company=other_company,
            post=True,
        )

        run = self._reimburse(customer)

        self.assertReimbursed(run.line_ids, customer, 25.0)
        self.assertEqual(other_credit.amount_residual, 40.0)
        self.assertEqual(other_credit.payment_state, "not_paid")
        self.assertEqual(run.line_ids.bill_id.company_id, self.company)
        self.assertFalse(customer.with_company(other_company).reimbursement_vendor_id)

    def test_partner_ranks_grow_as_posting_counts_them(self):
        """A batch applies the ranks Odoo's posting counts (the transfer
        entry's customers, the bills' vendors) in one update: each partner
        still gets exactly its increment."""
        customers = self._customer("Ranked Customer") + self._customer("Other Ranked Customer")
        for customer in customers:
            self._credit_note(customer, 70.0)

        def ranks(partners, field):
            """Each partner's rank, with what Odoo is yet to add (19.0)."""
            partners.invalidate_recordset([field])
            pending = series.pending_rank_increments(self.env, field)
            return [partner[field] + pending.get(partner.id, 0) for partner in partners]

        ranks_before = ranks(customers, "customer_rank")

        run = self._reimburse(customers)

        self.assertEqual(ranks(customers, "customer_rank"), [rank + 1 for rank in ranks_before])
        # Created as a vendor (1), then counted for its bill.
        self.assertEqual(ranks(run.line_ids.vendor_id, "supplier_rank"), [2, 2])

    def test_run_in_several_batches(self):
        """Five customers in batches of two: three transfer entries, every
        credit settled, each bill and reimbursement once, the progress logged
        after each batch and the run's record counting them all."""
        customers = self.env["res.partner"]
        for index in range(5):
            customer = self._customer(f"Batched Customer {index}")
            self._credit_note(customer, 10.0 + index)
            customers |= customer

        with (
            patch.object(account_reimbursement, "BATCH_SIZE", 2),
            # logging.INFO: Odoo names another level "INFO".
            self.assertLogs(account_reimbursement._logger, logging.INFO) as logs,
        ):
            run = self._reimburse(customers)

        progress = [record.getMessage() for record in logs.records if "customers reimbursed" in record.getMessage()]
        self.assertEqual(len(progress), 3)
        for message, customers_done, done in zip(progress, (2, 4, 5), (2, 4, 5), strict=True):
            self.assertIn(
                f"{run.name}: {customers_done} of 5 customers reimbursed ({done} of 5 reimbursements)", message
            )

        self.assertEqual(len(run.line_ids), 5)
        self.assertEqual(run.customer_count, 5)
        self.assertEqual(len(run.line_ids.transfer_move_id), 3)
        self.assertEqual(len(run.line_ids.bill_id), 5)
        self.assertEqual(run.amount_total, 60.0)
        for index, customer in enumerate(customers):
            line = run.line_ids.filtered(lambda rl, c=customer: rl.customer_id == c)
            self.assertReimbursed(line, customer, 10.0 + index)
            self.assertEqual(self._open_residual(customer), 0.0)
        self.assertEqual(self._account_balance(self.clearing), 0.0)

    def test_statistics_held_by_another_session_are_not_waited_for(self):
        """Refreshing the statistics after the first batch never makes a run
        wait for another session (another long run, a VACUUM)."""
        runs = self.env["account.reimbursement"]
        with closing(db_connect(get_db_name()).cursor()) as other:
            other.execute("LOCK TABLE account_move IN SHARE UPDATE EXCLUSIVE MODE")
            started = time.monotonic()
            with self.assertLogs(account_reimbursement._logger, logging.INFO) as logs:
                runs._refresh_statistics()
            waited = time.monotonic() - started
            other.rollback()
        self.assertIn("not refreshed", logs.output[0])
        self.assertLess(waited, 5.0)
        # The run's transaction goes on, with the usual lock timeout.
        self.env.cr.execute("SHOW lock_timeout")
        self.assertEqual(self.env.cr.fetchone()[0], "0")

    def test_one_transfer_entry_per_batch(self):
        """The customers of a run share the transfer entry of their batch;
        each reimbursement keeps its own lines of it and is settled by them."""
        first = self._customer("Shared Entry One")
        second = self._customer("Shared Entry Two")
        self._credit_note(first, 70.0)
        self._credit_note(second, 30.0, currency=self.eur)

        run = self._reimburse(first + second)

        self.assertEqual(len(run.line_ids.transfer_move_id), 1)
        self.assertEqual(run.transfer_move_count, 1)
        self.assertEqual(run.bill_count, 2)
        for line, customer, amount, currency in (
            (run.line_ids.filtered(lambda rl: rl.customer_id == first), first, 70.0, None),
            (run.line_ids.filtered(lambda rl: rl.customer_id == second), second, 30.0, self.eur),
        ):
            self.assertReimbursed(line, customer, amount, currency=currency)
            self.assertEqual(line.transfer_line_ids.partner_id, customer)
        self.assertEqual(
            run.line_ids.transfer_move_id.line_ids, run.line_ids.transfer_line_ids | run.line_ids.clearing_line_id
        )

    def test_bills_followed_by_their_vendor_as_odoo_posts_them(self):
        """Each bill is followed by its vendor alone, with the subtypes Odoo's
        own posting gives a vendor: the default ones, the internal ones for a
        vendor who is a user."""
        one_time = self._customer("Follower One-time")
        employee = self._manager("reimbursement_vendor_employee").partner_id
        linked = self._customer("Follower Linked")
        linked.with_company(self.company).reimbursement_vendor_id = employee
        for customer in one_time + linked:
            self._credit_note(customer, 40.0)

        run = self._reimburse(one_time + linked)

        for line in run.line_ids:
            reference = (
                self.env["account.move"]
                .with_context(mail_create_nosubscribe=True)
                .create(
                    {
                        "move_type": "in_invoice",
                        "partner_id": line.vendor_id.id,
                        "invoice_date": "2019-03-01",
                        "invoice_line_ids": [Command.create({"name": "Reference", "price_unit": 10.0, "tax_ids": []})],
                    }
                )
            )
            reference.action_post()
            with self.subTest(customer=line.customer_id.name):
                self.assertEqual(line.bill_id.message_partner_ids, reference.message_partner_ids)
                self.assertEqual(
                    line.bill_id.message_follower_ids.subtype_ids, reference.message_follower_ids.subtype_ids
                )
        if series.POSTING_SUBSCRIBES_PARTNER:
            self.assertEqual(run.line_ids.bill_id.message_partner_ids, run.line_ids.vendor_id)
            self.assertEqual(
                run.line_ids.filtered(lambda line: line.customer_id == linked).bill_id.message_follower_ids.subtype_ids,
                self.env["mail.message.subtype"].default_subtypes("account.move")[0],
            )
        else:
            self.assertFalse(run.line_ids.bill_id.message_partner_ids)

    if series.POSTING_SUBSCRIBES_PARTNER:

        def test_vendor_already_following_the_bill_is_left_alone(self):
            """18.0, where the addon subscribes a batch's vendors itself."""
            vendor = self.env["res.partner"].create({"name": "Already Following"})
            bill = self.env["account.move"].create({"move_type": "in_invoice", "partner_id": vendor.id})
            bill.message_subscribe(vendor.ids, self.env.ref("mail.mt_note").ids)

            self.env["account.reimbursement.line"]._subscribe_vendors(bill)

            self.assertEqual(bill.message_follower_ids.partner_id, vendor)
            self.assertEqual(bill.message_follower_ids.subtype_ids, self.env.ref("mail.mt_note"))

    def test_documents_name_their_run_in_chatter(self):
        customer = self._customer("Chatter Link")
        self._credit_note(customer, 22.0)

        run = self._reimburse(customer)

        for move in run.line_ids.bill_id + run.line_ids.transfer_move_id:
            self.assertIn(run.name, move.ref)
            bodies = " ".join(move.message_ids.mapped("body"))
            self.assertIn("Created by the customer reimbursement", bodies)
            self.assertIn(run.name, bodies)


@tagged("post_install", "-at_install")
class TestReimbursementNorway(TestReimbursement):
    """The same accounting in a Norwegian company: the l10n_no chart, in NOK."""

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
