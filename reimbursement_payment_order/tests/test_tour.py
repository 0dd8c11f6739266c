import base64
from unittest.mock import patch

from lxml import etree

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.reimbursement_addon.models import reimbursement_background_mixin
from odoo.addons.reimbursement_addon.tests.background import ProgressTourCase

from ..models import account_payment_order
from .common import PaymentOrderCommon


@tagged("post_install", "-at_install")
class TestPaymentOrderTour(PaymentOrderCommon, HttpCase):
    """An accountant pays an approved run by bank file in a real browser,
    down to the file; the ledger and the file are checked here."""

    country_code = "NO"
    chart_template = "no"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_date = fields.Date.context_today(cls.env.user)
        cls._set_company_bank_account("NO49 1503 5260 185")
        cls.accountant = cls._manager(
            "payment_order_accountant",
            groups="account.group_account_user,account_payment_order.group_account_payment",
        )
        cls.fjord = cls._customer_with_bank("Tour Fjord AS", "NO69 9710 0166 139", trusted=True)
        cls.skog = cls._customer_with_bank("Tour Skog AS", "1207.18.60912", trusted=True)
        # A reimbursement in euros: the order holds two currencies.
        cls.euro = cls._customer_with_bank("Tour Euro GmbH", "DE89 3704 0044 0532 0130 00", trusted=True)
        cls._credit_note(cls.fjord, 1250.0)
        cls._credit_note(cls.skog, 480.0)
        cls._credit_note(cls.euro, 200.0, currency=cls.eur)
        # An account nobody trusted yet: left out, named in a notification.
        cls.untrusted = cls._customer_with_bank("Tour Untrusted AS", "NO81 3000 3909 960", trusted=False)
        cls._credit_note(cls.untrusted, 90.0)

    def test_accountant_pays_the_run_by_bank_file(self):
        run = self._reimburse(self.fjord + self.skog + self.euro + self.untrusted)

        self.start_tour(
            f"/odoo/account.reimbursement/{run.id}",
            "reimbursement_payment_order_tour",
            login=self.accountant.login,
            timeout=180,
        )

        order = run.payment_order_ids
        self.assertRecordValues(order, [{"state": "uploaded", "payment_mode_id": self.mode.id}])
        self.assertRecordValues(run, [{"posted_bill_count": 4, "paid_bill_count": 3}])
        self.assertEqual(self._line_of(run, self.untrusted).bill_id.payment_state, "not_paid")
        for line in run.line_ids - self._line_of(run, self.untrusted):
            self.assertEqual(line.bill_id.amount_residual, 0.0)
            self.assertTrue(self._payable(line.bill_id).reconciled)
        # The file the browser downloaded, as the accountant's session gets it.
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "account.payment.order"), ("res_id", "=", order.id)]
        )
        self.authenticate(self.accountant.login, self.accountant.login)
        response = self.url_open(f"/web/content/{attachment.id}?download=true")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, base64.b64decode(attachment.datas))
        root = etree.fromstring(response.content)
        self.assertEqual(self._find(root, ".//p:GrpHdr/p:NbOfTxs"), "3")
        self.assertEqual(self._find(root, ".//p:GrpHdr/p:CtrlSum"), "1930.00")
        self.assertEqual(
            {tx["account"] or tx["iban"] for tx in self._transactions(root).values()},
            {"NO6997100166139", "12071860912", "DE89370400440532013000"},
        )


@tagged("post_install", "-at_install")
class TestBackgroundUploadTour(ProgressTourCase, PaymentOrderCommon, HttpCase):
    """An order of more payments than the company posts in a request, open
    in a real browser: File Successfully Uploaded, then its progress moves
    and it shows File Uploaded, through Odoo's bus, without a reload."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_date = fields.Date.context_today(cls.env.user)
        cls._set_company_bank_account("NO49 1503 5260 185")
        # Starting the background job by hand takes the rights of a settings
        # administrator, as the cron's Run Manually does.
        cls.accountant = cls._manager(
            "payment_order_watcher",
            groups="account.group_account_user,account_payment_order.group_account_payment,base.group_system",
        )
        cls.customers = cls.env["res.partner"]
        for index, acc_number in enumerate(("NO69 9710 0166 139", "NO93 8601 1117 947", "NO02 1111 2222 333")):
            customer = cls._customer_with_bank(f"Tour Upload {index}", acc_number, trusted=True)
            cls._credit_note(customer, 100.0 * (index + 1))
            cls.customers |= customer

    def setUp(self):
        super().setUp()
        # One payment per batch, one batch per call of the job: three steps.
        for module, name, value in (
            (account_payment_order, "UPLOAD_BATCH_SIZE", 1),
            (reimbursement_background_mixin, "CRON_WINDOW_SHARE", 0),
        ):
            self.startPatcher(patch.object(module, name, value))

    def test_payments_posted_in_the_background(self):
        run = self._reimburse(self.customers)
        self.company.reimbursement_background_threshold = 2
        order = self._order_of(run)
        self._generate_file(order)

        with self._progress_bus():
            self.start_tour(
                f"/odoo/account.payment.order/{order.id}",
                "reimbursement_payment_order_background_tour",
                login=self.accountant.login,
                timeout=180,
            )

        self.assertRecordValues(order, [{"state": "uploaded", "upload_state": False, "upload_progress_done": 3}])
        self.assertEqual(order.upload_user_id, self.accountant)
        for line in run.line_ids:
            self.assertEqual(line.bill_id.amount_residual, 0.0)
            self.assertTrue(self._payable(line.bill_id).reconciled)
        self.assertRecordValues(run, [{"posted_bill_count": 3, "paid_bill_count": 3}])
