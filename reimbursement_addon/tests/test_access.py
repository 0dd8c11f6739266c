import xmlrpc.client

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestReimbursementAccess(ReimbursementCommon, HttpCase):
    """Who may see, run and cancel reimbursements, in the ORM and over
    XML-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company()["company"]
        cls.customer = cls._customer("Company A Customer")
        cls._credit_note(cls.customer, 90.0)
        cls.billing = cls._user("reimbursement_billing", "account.group_account_invoice", cls.company)
        cls.auditor = cls._user("reimbursement_auditor", "account.group_account_readonly", cls.company)
        cls.manager_b = cls._user("reimbursement_manager_b", "account.group_account_manager", cls.company_b)
        cls.portal = new_test_user(cls.env, login="reimbursement_portal", groups="base.group_portal")

    @classmethod
    def _user(cls, login, group, company):
        return new_test_user(
            cls.env,
            login=login,
            groups=f"base.group_user,{group}",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    def _rpc(self, user, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs)

    def test_reimburse_customers_offered_to_managers_only(self):
        """The contacts list's *Reimburse Customers* action: offered to the
        accounting managers, who may use its wizard, and to nobody else."""
        action = self.env.ref("reimbursement_addon.res_partner_action_reimburse")

        def offered(user):
            bindings = self.env["ir.actions.actions"].with_user(user).get_bindings("res.partner")
            return action.id in [bound["id"] for bound in bindings.get("action", [])]

        self.assertTrue(offered(self._manager("reimbursement_binding_manager")))
        for user in (self.billing, self.auditor, self.portal):
            self.assertFalse(offered(user), user.login)

    # ---- billing users and auditors: read only -----------------------------

    def test_billing_user_reads_but_cannot_run_or_cancel(self):
        run = self._reimburse(self.customer)
        for user in (self.billing, self.auditor):
            as_user = run.with_user(user)
            self.assertEqual(as_user.read(["name", "amount_total"])[0]["amount_total"], 90.0)
            self.assertEqual(as_user.line_ids.bill_id, run.line_ids.bill_id)
            html, _report_type = (
                self.env["ir.actions.report"]
                .with_user(user)
                ._render_qweb_html("reimbursement_addon.action_report_reimbursement", run.line_ids.ids)
            )
            self.assertIn(self.customer.name, html.decode())
            with self.assertRaises(AccessError):
                self.env["account.reimbursement.wizard"].with_user(user).create({})
            with self.assertRaises(AccessError):
                as_user.action_cancel()
            with self.assertRaises(AccessError):
                as_user.line_ids.action_cancel()
            with self.assertRaises(AccessError):
                as_user.write({"state": "cancelled"})
        self.assertEqual(run.line_ids.state, "done")
        self.assertReimbursed(run.line_ids, self.customer, 90.0)

    def test_portal_and_public_users_see_nothing(self):
        run = self._reimburse(self.customer)
        for user in (self.portal, self.env.ref("base.public_user")):
            for model in ("account.reimbursement", "account.reimbursement.line", "account.reimbursement.wizard"):
                with self.assertRaises(AccessError):
                    self.env[model].with_user(user).search([])
            with self.assertRaises(AccessError):
                run.with_user(user).read(["name"])

    # ---- companies ---------------------------------------------------------

    def test_other_company_never_sees_nor_reimburses(self):
        run = self._reimburse(self.customer)
        # A new credit of the company A customer, for company B to try.
        self._credit_note(self.customer, 35.0)
        Runs = self.env["account.reimbursement"].with_user(self.manager_b)

        self.assertFalse(Runs.search([]))
        self.assertFalse(self.env["account.reimbursement.line"].with_user(self.manager_b).search([]))
        with self.assertRaises(AccessError):
            run.with_user(self.manager_b).read(["name"])
        with self.assertRaises(AccessError):
            run.line_ids.with_user(self.manager_b).action_cancel()
        with self.assertRaises(AccessError):
            self.env["account.reimbursement.wizard"].with_user(self.manager_b).create({"company_id": self.company.id})
        wizard = (
            self.env["account.reimbursement.wizard"]
            .with_user(self.manager_b)
            .create({"date": self.run_date, "partner_domain": str([("id", "=", self.customer.id)])})
        )
        self.assertEqual(wizard.company_id, self.company_b)
        with self.assertRaisesRegex(UserError, "nothing to reimburse"):
            wizard.action_reimburse()

        self.assertEqual(self._open_residual(self.customer), -35.0)
        self.assertEqual(run.line_ids.state, "done")

    # ---- the same over XML-RPC ---------------------------------------------

    def test_xmlrpc(self):
        run = self._reimburse(self.customer)
        self._credit_note(self.customer, 35.0)

        runs = self._rpc(self.billing, "account.reimbursement", "search_read", [], fields=["name"])
        self.assertEqual([r["name"] for r in runs], [run.name])
        with self.assertRaisesRegex(xmlrpc.client.Fault, "AccessError|not allowed"):
            self._rpc(self.billing, "account.reimbursement", "action_cancel", run.ids)
        with self.assertRaisesRegex(xmlrpc.client.Fault, "AccessError|not allowed"):
            self._rpc(self.billing, "account.reimbursement.wizard", "create", {})

        self.assertEqual(self._rpc(self.manager_b, "account.reimbursement", "search_read", [], fields=["name"]), [])
        self.assertEqual(self._rpc(self.manager_b, "account.reimbursement.line", "search_count", []), 0)
        with self.assertRaisesRegex(xmlrpc.client.Fault, "access|multi-company"):
            self._rpc(self.manager_b, "account.reimbursement.wizard", "create", {"company_id": self.company.id})
        wizard_id = self._rpc(
            self.manager_b,
            "account.reimbursement.wizard",
            "create",
            {"date": "2019-06-15", "partner_domain": str([("id", "=", self.customer.id)])},
        )
        with self.assertRaisesRegex(xmlrpc.client.Fault, "nothing to reimburse"):
            self._rpc(self.manager_b, "account.reimbursement.wizard", "action_reimburse", [wizard_id])

        with self.assertRaisesRegex(xmlrpc.client.Fault, "AccessError|not allowed"):
            self._rpc(self.portal, "account.reimbursement", "search_read", [])

        self.assertEqual(self._open_residual(self.customer), -35.0)
        self.assertEqual(run.line_ids.state, "done")
