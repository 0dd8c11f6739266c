from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from ..models import account_reimbursement_background, reimbursement_background_mixin
from .background import ProgressTourCase
from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestReimbursementTour(ReimbursementCommon, HttpCase):
    """An accountant reimburses customers in a real browser; the accounting
    that the clicks produced is then checked here."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The browser runs the wizard today, as an accountant would.
        cls.run_date = fields.Date.context_today(cls.env.user)
        cls.company.write(
            {
                "reimbursement_min_amount": 50.0,
                # A configured company: printing does not open the layout configurator.
                "external_report_layout_id": cls.env.ref("web.external_layout_standard").id,
            }
        )
        # "Show Full Accounting Features" shows the Accounting menu in Community.
        cls.accountant = cls._manager("reimbursement_accountant", groups="account.group_account_user")
        cls.alpha = cls._customer("Tour Alpha AS")
        cls.beta = cls._customer("Tour Beta AS")
        cls.debtor = cls._customer("Tour Debtor AS")
        cls.small = cls._customer("Tour Small AS")
        cls._credit_note(cls.alpha, 300.0)
        cls._credit_note(cls.beta, 150.0)
        cls._credit_note(cls.debtor, 90.0)
        cls.debtor_invoice = cls._invoice(cls.debtor, 40.0)
        cls._credit_note(cls.small, 20.0)

    def test_accountant_reimburses_from_the_menu(self):
        self.start_tour("/odoo", "reimbursement_addon_tour", login=self.accountant.login, timeout=180)

        run = self.env["account.reimbursement"].search([("company_id", "=", self.company.id)])
        self.assertEqual(len(run), 1)
        self.assertRecordValues(
            run,
            [{"user_id": self.accountant.id, "include_debit_customers": True, "offset_debits": True}],
        )
        self.assertEqual(run.line_ids.customer_id, self.alpha + self.debtor)
        alpha_line = run.line_ids.filtered(lambda line: line.customer_id == self.alpha)
        debtor_line = run.line_ids.filtered(lambda line: line.customer_id == self.debtor)
        self.assertReimbursed(alpha_line, self.alpha, 300.0)
        self.assertTrue(alpha_line.vendor_id.reimbursement_one_time_vendor)
        self.assertReimbursed(debtor_line, self.debtor, 50.0)
        self.assertEqual(self.debtor_invoice.amount_residual, 0.0)
        self.assertEqual(self._open_residual(self.alpha), 0.0)
        self.assertEqual(self._open_residual(self.debtor), 0.0)
        # Deselected in the preview, and below the minimum: their credits stay.
        self.assertEqual(self._open_residual(self.beta), -150.0)
        self.assertEqual(self._open_residual(self.small), -20.0)


@tagged("post_install", "-at_install")
class TestReimbursementApprovalTour(ReimbursementCommon, HttpCase):
    """The monthly routine with four eyes in a real browser: one accounting
    manager proposes, a second opens the run from its activity, approves and
    posts it, pays its bills and prints the report."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_date = fields.Date.context_today(cls.env.user)
        # "Show Full Accounting Features" shows the Accounting menu in Community.
        cls.proposer = cls._manager(
            "reimbursement_proposer", name="Proposing Manager", groups="account.group_account_user"
        )
        cls.reviewer = cls._manager(
            "reimbursement_reviewer", name="Reviewing Manager", groups="account.group_account_user"
        )
        cls.company.write(
            {
                "reimbursement_min_amount": 50.0,
                "reimbursement_approval_required": True,
                "reimbursement_responsible_id": cls.reviewer.id,
                "external_report_layout_id": cls.env.ref("web.external_layout_standard").id,
            }
        )
        cls.alpha = cls._customer("Approval Alpha AS")
        cls.beta = cls._customer("Approval Beta AS")
        cls._credit_note(cls.alpha, 300.0)
        cls._credit_note(cls.beta, 150.0)

    def test_second_manager_approves_pays_and_prints(self):
        self.start_tour("/odoo", "reimbursement_addon_propose_tour", login=self.proposer.login, timeout=180)

        run = self.env["account.reimbursement"].search([("company_id", "=", self.company.id)])
        self.assertRecordValues(
            run, [{"state": "draft", "user_id": self.proposer.id, "approved_by_id": False, "amount_total": 450.0}]
        )
        self.assertEqual(run.activity_ids.user_id, self.reviewer)
        self.assertEqual(self._open_residual(self.alpha), -300.0)

        self.start_tour("/odoo", "reimbursement_addon_approve_tour", login=self.reviewer.login, timeout=180)

        run.invalidate_recordset()
        self.assertRecordValues(
            run,
            [
                {
                    "state": "done",
                    "approved_by_id": self.reviewer.id,
                    "posted_by_id": self.reviewer.id,
                    "posted_bill_count": 2,
                    "paid_bill_count": 2,
                }
            ],
        )
        self.assertFalse(run.activity_ids)
        for line in run.line_ids:
            self.assertRecordValues(
                line.bill_id, [{"partner_id": line.vendor_id.id, "amount_total": line.amount, "amount_residual": 0.0}]
            )
        bills = run.line_ids.bill_id
        self.assertEqual(set(bills.mapped("payment_state")) - {"paid", "in_payment"}, set())
        # One payment per vendor, each of its bill's amount.
        payments = bills.matched_payment_ids
        self.assertEqual(sorted(payments.mapped("amount")), [150.0, 300.0])
        self.assertEqual(payments.partner_id, run.line_ids.vendor_id)
        for customer in (self.alpha, self.beta):
            self.assertEqual(self._open_residual(customer), 0.0)
        self.assertEqual(self._account_balance(self.clearing), 0.0)


@tagged("post_install", "-at_install")
class TestWriteOffTour(ReimbursementCommon, HttpCase):
    """An accountant writes off a small credit nobody has claimed for more
    than a year in the same run as a reimbursement, in a real browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_date = fields.Date.context_today(cls.env.user)
        cls.writeoff_account = cls._write_small_credits_off(50.0, 10.0, 365)
        cls.accountant = cls._manager("reimbursement_writer_off", groups="account.group_account_user")
        cls.large = cls._customer("Tour Large AS")
        cls.dormant = cls._customer("Tour Dormant AS")
        cls.recent = cls._customer("Tour Recent AS")
        cls._credit_note(cls.large, 200.0, date=cls.run_date - relativedelta(days=20))
        cls._credit_note(cls.dormant, 6.0, date=cls.run_date - relativedelta(days=400))
        cls._credit_note(cls.recent, 7.0, date=cls.run_date - relativedelta(days=30))

    def test_accountant_writes_off_a_dormant_credit(self):
        self.start_tour("/odoo", "reimbursement_addon_write_off_tour", login=self.accountant.login, timeout=180)

        run = self.env["account.reimbursement"].search([("company_id", "=", self.company.id)])
        self.assertRecordValues(
            run,
            [{"state": "done", "write_off_small_credits": True, "write_off_count": 1, "amount_written_off": 6.0}],
        )
        write_off = run.line_ids.filtered(lambda line: line.kind == "write_off")
        self.assertRecordValues(write_off, [{"customer_id": self.dormant.id, "amount": 6.0, "bill_id": False}])
        self.assertRecordValues(
            write_off.transfer_line_ids.sorted("balance"),
            [
                {
                    "account_id": self.writeoff_account.id,
                    "partner_id": self.dormant.id,
                    "balance": -6.0,
                    "reconciled": False,
                },
                {"account_id": self.receivable.id, "partner_id": self.dormant.id, "balance": 6.0, "reconciled": True},
            ],
        )
        self.assertReimbursed(run.line_ids - write_off, self.large, 200.0)
        for customer in (self.large, self.dormant):
            self.assertEqual(self._open_residual(customer), 0.0)
        self.assertEqual(self._open_residual(self.recent), -7.0)
        self.assertEqual(self._account_balance(self.writeoff_account), -6.0)


@tagged("post_install", "-at_install")
class TestReimbursementProgressTour(ProgressTourCase, ReimbursementCommon, HttpCase):
    """A run posted in the background, open in a form in a real browser:
    its progress moves, and it shows Done, through Odoo's bus, without a
    reload."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_date = fields.Date.context_today(cls.env.user)
        cls.company.reimbursement_background_threshold = 0
        # Starting the background job by hand takes the rights of a settings
        # administrator, as the cron's Run Manually does.
        cls.accountant = cls._manager(
            "reimbursement_watcher", name="Watching Manager", groups="account.group_account_user,base.group_system"
        )
        cls.customers = cls._customer("Progress A") + cls._customer("Progress B") + cls._customer("Progress C")
        for customer in cls.customers:
            cls._credit_note(customer, 100.0, date=cls.run_date)

    def setUp(self):
        super().setUp()
        # One line per batch, one batch per call of the job: three steps.
        for module, name, value in (
            (account_reimbursement_background, "BACKGROUND_BATCH_MIN", 1),
            (account_reimbursement_background, "BACKGROUND_BATCH_MAX", 1),
            (reimbursement_background_mixin, "CRON_WINDOW_SHARE", 0),
        ):
            self.startPatcher(patch.object(module, name, value))

    def test_progress_moves_without_a_reload(self):
        run = self._reimburse(self.customers)
        self.assertRecordValues(run, [{"state": "posting", "progress_done": 0, "progress_total": 3}])

        with self._progress_bus():
            self.start_tour(
                "/odoo/action-reimbursement_addon.account_reimbursement_action",
                "reimbursement_addon_progress_tour",
                login=self.accountant.login,
                timeout=180,
            )

        run.invalidate_recordset()
        self.assertRecordValues(run, [{"state": "done", "progress_done": 3}])
        for line in run.line_ids:
            self.assertReimbursed(line, line.customer_id, 100.0)
            self.assertEqual(self._open_residual(line.customer_id), 0.0)
        self.assertEqual(len(run.line_ids.transfer_move_id), 3)
