from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class ReimbursementCommon(AccountTestInvoicingCommon):
    """Customers with credit balances and helpers that assert the
    accounting outcome of a reimbursement."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.clearing = cls.company.reimbursement_clearing_account_id
        cls.receivable = cls.company_data["default_account_receivable"]
        # EUR is worth 0.5 USD for the credits of January, 0.4 USD at the run.
        cls.eur = cls.setup_other_currency("EUR", rates=[("1900-01-01", 1.0), ("2019-01-01", 2.0), ("2019-06-01", 2.5)])
        cls.run_date = fields.Date.from_string("2019-06-15")

    # ---- users ---------------------------------------------------------------

    @classmethod
    def _manager(cls, login, company=None, name=None, groups=""):
        """An accounting manager of ``company`` (the test company by
        default); ``groups``: more groups, comma-separated."""
        company = company or cls.company
        return new_test_user(
            cls.env,
            login=login,
            name=name or login.replace("_", " ").title(),
            groups=",".join(filter(None, ["base.group_user,account.group_account_manager", groups])),
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    # ---- documents ---------------------------------------------------------

    @classmethod
    def _customer(cls, name, **vals):
        return cls.env["res.partner"].create({"name": name, "customer_rank": 1, **vals})

    @classmethod
    def _invoice(cls, partner, amount, move_type="out_invoice", currency=None, date="2019-01-15"):
        return cls.init_invoice(
            move_type,
            partner=partner,
            invoice_date=fields.Date.from_string(date),
            amounts=[amount],
            taxes=[],
            currency=currency,
            post=True,
        )

    @classmethod
    def _credit_note(cls, partner, amount, currency=None, date="2019-01-15"):
        return cls._invoice(partner, amount, move_type="out_refund", currency=currency, date=date)

    @classmethod
    def _pay(cls, invoice, amount, date="2019-02-01"):
        """Register a payment of ``amount`` on ``invoice`` (or on a bill),
        leaving any excess open on the receivable as Odoo does."""
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "amount": amount,
                    "payment_date": fields.Date.from_string(date),
                    "payment_difference_handling": "open",
                }
            )
            ._create_payments()
        )

    @classmethod
    def _entry(cls, partner, account, amount, analytic=None, date="2019-01-15"):
        """Post a receivable item of ``amount`` (negative: a credit)."""
        move = cls.env["account.move"].create(
            {
                "move_type": "entry",
                "date": fields.Date.from_string(date),
                "journal_id": cls.company_data["default_journal_misc"].id,
                "line_ids": [
                    Command.create(
                        {
                            "name": "open item",
                            "partner_id": partner.id,
                            "account_id": account.id,
                            "balance": amount,
                            "analytic_distribution": analytic,
                        }
                    ),
                    Command.create(
                        {
                            "name": "counterpart",
                            "account_id": cls.company_data["default_account_revenue"].id,
                            "balance": -amount,
                        }
                    ),
                ],
            }
        )
        move.action_post()
        return move

    @classmethod
    def _write_small_credits_off(cls, min_amount, max_amount, after_days):
        """Have the company write small, dormant credits off to an income
        account of its own (returned): below ``max_amount`` and under the
        minimum ``min_amount``, dormant after ``after_days``."""
        account = cls.env["account.account"].create(
            {
                "name": "Written-off customer credits",
                "code": "389000",
                "account_type": "income_other",
                "company_ids": [(6, 0, cls.company.ids)],
            }
        )
        cls.company.write(
            {
                "reimbursement_min_amount": min_amount,
                "reimbursement_writeoff_account_id": account.id,
                "reimbursement_writeoff_max_amount": max_amount,
                "reimbursement_writeoff_after_days": after_days,
            }
        )
        return account

    # ---- running -----------------------------------------------------------

    def _wizard(self, partners=None, user=None, **options):
        vals = {"date": self.run_date, **options}
        if partners is not None:
            vals["partner_domain"] = str([("id", "in", partners.ids)])
        wizards = self.env["account.reimbursement.wizard"]
        return (wizards.with_user(user) if user else wizards).create(vals)

    def _reimburse(self, partners=None, user=None, **options):
        action = self._wizard(partners, user=user, **options).action_reimburse()
        return self.env["account.reimbursement"].browse(action["res_id"])

    @classmethod
    def _budget_customers(cls, name, amounts, warm_up_amount, **options):
        """Customers holding credits of ``amounts``, for a query budget, after
        a first run (with ``options``) of another customer's credit of
        ``warm_up_amount``, so that the measured runs find Odoo's caches
        warm."""
        customers = cls.env["res.partner"]
        for index, amount in enumerate(amounts):
            customer = cls._customer(f"{name} {index:02}")
            cls._credit_note(customer, amount)
            customers |= customer
        warm_up = cls._customer(f"{name} Warm-up")
        cls._credit_note(warm_up, warm_up_amount)
        cls.env["account.reimbursement.wizard"].create(
            {"date": cls.run_date, "partner_domain": str([("id", "=", warm_up.id)]), **options}
        ).action_reimburse()
        return customers

    # ---- reading the ledger ------------------------------------------------

    def _open_items(self, partner, currency=None):
        domain = [
            ("company_id", "=", self.company.id),
            ("partner_id.commercial_partner_id", "=", partner.commercial_partner_id.id),
            ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
        ]
        if currency:
            domain.append(("currency_id", "=", currency.id))
        return self.env["account.move.line"].search(domain)

    def _open_residual(self, partner, currency=None):
        """Open receivable balance of ``partner``: in ``currency`` when given,
        else in company currency."""
        items = self._open_items(partner, currency)
        return sum(items.mapped("amount_residual_currency" if currency else "amount_residual"))

    def _account_balance(self, account):
        lines = self.env["account.move.line"].search(
            [("account_id", "=", account.id), ("parent_state", "=", "posted"), ("company_id", "=", self.company.id)]
        )
        return self.company.currency_id.round(sum(lines.mapped("balance")))

    def assertReimbursed(self, line, customer, amount, currency=None, vendor=None):
        """``line`` reimbursed ``amount`` of ``customer``'s credit: a posted,
        unpaid bill of that amount to the vendor, every item it settled and
        both clearing lines reconciled, the clearing account back to zero."""
        currency = currency or self.company.currency_id
        bill = line.bill_id
        self.assertRecordValues(
            line,
            [{"customer_id": customer.id, "currency_id": currency.id, "amount": amount, "state": "done"}],
        )
        if vendor:
            self.assertEqual(line.vendor_id, vendor)
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "state": "posted",
                    "partner_id": line.vendor_id.id,
                    "currency_id": currency.id,
                    "amount_total": amount,
                    "amount_tax": 0.0,
                    "amount_residual": amount,
                    "payment_state": "not_paid",
                    "invoice_date": self.run_date,
                    "journal_id": self.company.reimbursement_journal_id.id,
                }
            ],
        )
        payable = bill.line_ids.filtered(lambda aml: aml.account_id.account_type == "liability_payable")
        self.assertEqual(payable.partner_id, line.vendor_id.commercial_partner_id)
        self.assertAlmostEqual(payable.amount_residual_currency, -amount)
        self.assertTrue(line.source_line_ids)
        self.assertTrue(all(line.source_line_ids.mapped("reconciled")), "settled items stay open")
        self.assertEqual(line.transfer_move_id.state, "posted")
        self.assertEqual(line.transfer_move_id.journal_id, self.company.reimbursement_transfer_journal_id)
        self.assertLessEqual(line.transfer_line_ids.move_id, line.transfer_move_id)
        self.assertFalse(line.transfer_line_ids.filtered(lambda aml: aml.account_id == self.clearing))
        self.assertRecordValues(
            line.clearing_line_id,
            [{"move_id": line.transfer_move_id.id, "account_id": self.clearing.id, "reconciled": True}],
        )
        bill_clearing = bill.line_ids.filtered(lambda aml: aml.account_id == self.clearing)
        self.assertEqual(len(bill_clearing), 1)
        self.assertTrue(bill_clearing.reconciled)
        self.assertIn(bill_clearing, line.clearing_line_id.full_reconcile_id.reconciled_line_ids)
        self.assertEqual(self._account_balance(self.clearing), 0.0)
