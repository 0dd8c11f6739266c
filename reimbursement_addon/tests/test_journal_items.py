from odoo.tests import tagged

from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestReimbursementJournalItems(ReimbursementCommon):
    """The journal items of each document a reimbursement posts, pinned."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.payable = cls.company_data["default_account_payable"]
        cls.company_currency = cls.company.currency_id

    def _bill_items(self, line):
        return line.bill_id.line_ids.sorted("balance")

    def _transfer_items(self, line):
        return (line.transfer_line_ids | line.clearing_line_id).sorted("balance")

    def test_base_case(self):
        customer = self._customer("Items Base")
        self._credit_note(customer, 70.0)

        line = self._reimburse(customer).line_ids

        vendor = line.vendor_id
        self.assertRecordValues(
            self._bill_items(line),
            [
                {
                    "account_id": self.payable.id,
                    "partner_id": vendor.id,
                    "currency_id": self.company_currency.id,
                    "amount_currency": -70.0,
                    "balance": -70.0,
                    "reconciled": False,
                },
                {
                    "account_id": self.clearing.id,
                    "partner_id": vendor.id,
                    "currency_id": self.company_currency.id,
                    "amount_currency": 70.0,
                    "balance": 70.0,
                    "reconciled": True,
                },
            ],
        )
        self.assertRecordValues(
            self._transfer_items(line),
            [
                {
                    "account_id": self.clearing.id,
                    "partner_id": False,
                    "currency_id": self.company_currency.id,
                    "amount_currency": -70.0,
                    "balance": -70.0,
                    "reconciled": True,
                },
                {
                    "account_id": self.receivable.id,
                    "partner_id": customer.id,
                    "currency_id": self.company_currency.id,
                    "amount_currency": 70.0,
                    "balance": 70.0,
                    "reconciled": True,
                },
            ],
        )

    def test_foreign_currency(self):
        """300 EUR credited at 0.5 USD/EUR (150 USD), reimbursed at 0.4 (120
        USD): the receivable is settled at 150, the clearing account at 120,
        and the 30 USD gain is booked in the same entry."""
        customer = self._customer("Items Euro")
        self._credit_note(customer, 300.0, currency=self.eur)

        line = self._reimburse(customer).line_ids

        vendor = line.vendor_id
        self.assertRecordValues(
            self._bill_items(line),
            [
                {
                    "account_id": self.payable.id,
                    "partner_id": vendor.id,
                    "currency_id": self.eur.id,
                    "amount_currency": -300.0,
                    "balance": -120.0,
                    "reconciled": False,
                },
                {
                    "account_id": self.clearing.id,
                    "partner_id": vendor.id,
                    "currency_id": self.eur.id,
                    "amount_currency": 300.0,
                    "balance": 120.0,
                    "reconciled": True,
                },
            ],
        )
        gain = self.company.income_currency_exchange_account_id
        self.assertRecordValues(
            self._transfer_items(line),
            [
                {
                    "account_id": self.clearing.id,
                    "partner_id": customer.id,
                    "currency_id": self.eur.id,
                    "amount_currency": -300.0,
                    "balance": -120.0,
                    "reconciled": True,
                },
                {
                    "account_id": gain.id,
                    "partner_id": customer.id,
                    "currency_id": self.company_currency.id,
                    "amount_currency": -30.0,
                    "balance": -30.0,
                    "reconciled": False,
                },
                {
                    "account_id": self.receivable.id,
                    "partner_id": customer.id,
                    "currency_id": self.eur.id,
                    "amount_currency": 300.0,
                    "balance": 150.0,
                    "reconciled": True,
                },
            ],
        )

    def test_not_summarized(self):
        """Credits on two receivable accounts, one of them with an analytic
        distribution: a bill each, and each transfer entry line keeps the
        account and distribution of the credit it settles."""
        other_receivable = self.copy_account(self.receivable)
        plan = self.env["account.analytic.plan"].create({"name": "Regions"})
        region = self.env["account.analytic.account"].create({"name": "North", "plan_id": plan.id})
        analytic = {str(region.id): 100.0}
        customer = self._customer("Items Split")
        self._entry(customer, self.receivable, -40.0, analytic=analytic)
        self._entry(customer, other_receivable, -25.0)

        run = self._reimburse(customer, summarize_customer=False)

        distributed = run.line_ids.filtered(lambda line: line.account_id == self.receivable)
        other = run.line_ids - distributed
        self.assertRecordValues(
            distributed.bill_id.line_ids.filtered(lambda aml: aml.account_id == self.clearing),
            [{"amount_currency": 40.0, "balance": 40.0, "analytic_distribution": analytic, "reconciled": True}],
        )
        self.assertRecordValues(
            self._transfer_items(distributed),
            [
                {
                    "account_id": self.clearing.id,
                    "partner_id": False,
                    "amount_currency": -40.0,
                    "balance": -40.0,
                    "analytic_distribution": analytic,
                    "reconciled": True,
                },
                {
                    "account_id": self.receivable.id,
                    "partner_id": customer.id,
                    "amount_currency": 40.0,
                    "balance": 40.0,
                    "analytic_distribution": analytic,
                    "reconciled": True,
                },
            ],
        )
        self.assertRecordValues(
            self._transfer_items(other).sorted("balance", reverse=True),
            [
                {
                    "account_id": other_receivable.id,
                    "partner_id": customer.id,
                    "amount_currency": 25.0,
                    "balance": 25.0,
                    "analytic_distribution": False,
                    "reconciled": True,
                },
                {
                    "account_id": self.clearing.id,
                    "partner_id": False,
                    "amount_currency": -25.0,
                    "balance": -25.0,
                    "analytic_distribution": False,
                    "reconciled": True,
                },
            ],
        )
        self.assertEqual(self._open_residual(customer), 0.0)

    def test_clearing_item_shared_in_company_currency(self):
        """The company currency reimbursements of a batch are matched with
        one clearing item; a foreign currency one keeps its own, so that its
        bill is matched at its own rate."""
        first = self._customer("Items Shared One")
        second = self._customer("Items Shared Two")
        euro = self._customer("Items Shared Euro")
        self._credit_note(first, 70.0)
        self._credit_note(second, 30.0)
        self._credit_note(euro, 300.0, currency=self.eur)

        run = self._reimburse(first + second + euro)

        lines = {line.customer_id: line for line in run.line_ids}
        shared = lines[first].clearing_line_id
        self.assertEqual(lines[second].clearing_line_id, shared)
        self.assertRecordValues(
            shared,
            [
                {
                    "name": f"Reimbursements of {run.name}",
                    "account_id": self.clearing.id,
                    "partner_id": False,
                    "currency_id": self.company_currency.id,
                    "amount_currency": -100.0,
                    "balance": -100.0,
                    "reconciled": True,
                }
            ],
        )
        bill_items = (lines[first].bill_id + lines[second].bill_id).line_ids.filtered(
            lambda aml: aml.account_id == self.clearing
        )
        self.assertEqual(shared.full_reconcile_id.reconciled_line_ids, shared + bill_items)
        self.assertRecordValues(
            lines[euro].clearing_line_id,
            [{"partner_id": euro.id, "currency_id": self.eur.id, "amount_currency": -300.0, "balance": -120.0}],
        )
        # Two receivable items, one shared clearing item, and the euro
        # customer's receivable, exchange gain and clearing items.
        self.assertEqual(len(run.line_ids.transfer_move_id.line_ids), 6)
        self.assertEqual(self._account_balance(self.clearing), 0.0)


@tagged("post_install", "-at_install")
class TestReimbursementJournalItemsNorway(TestReimbursementJournalItems):
    """The same journal items in a Norwegian company: the l10n_no chart, in NOK."""

    # Odoo's own runner runs a class's own test methods only, unless told.
    allow_inherited_tests_method = True

    country_code = "NO"
    chart_template = "no"
