from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.reimbursement_addon.hooks import post_init_hook

from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestConfiguration(ReimbursementCommon):
    def test_chart_loading_configures_company(self):
        """A company that gets its chart of accounts after the addon is
        installed gets a clearing account and both journals."""
        company = self.company
        clearing = company.reimbursement_clearing_account_id
        self.assertRecordValues(
            clearing,
            [{"account_type": "asset_current", "reconcile": True, "name": "Customer reimbursements clearing"}],
        )
        self.assertEqual(clearing.company_ids, company)
        self.assertEqual(company.reimbursement_journal_id.type, "purchase")
        self.assertEqual(company.reimbursement_transfer_journal_id.type, "general")
        self.assertEqual(company.reimbursement_vendor_policy, "one_time")
        self.assertEqual(company.reimbursement_min_amount, 0.0)

        other = self.setup_other_company()["company"]
        self.assertTrue(other.reimbursement_clearing_account_id)
        self.assertNotEqual(other.reimbursement_clearing_account_id, clearing)
        self.assertEqual(other.reimbursement_journal_id.company_id, other)

    def test_branches_share_the_root_company_s_clearing_account(self):
        """A branch shares its root company's accounts, as Odoo's charts of
        accounts are shared: it gets the root's clearing account, and the
        addon adds no account of its own to it (Odoo's TestCompanyBranch
        test_chart_template_loading holds Odoo to that, and ran in CI)."""
        accounts = self.env["account.account"].search([("company_ids", "parent_of", self.company.id)])
        self.company.write({"child_ids": [Command.create({"name": "Branch A"}), Command.create({"name": "Branch B"})]})
        self.cr.precommit.run()  # Odoo loads the branches' chart of accounts here

        for branch in self.company.child_ids:
            self.assertEqual(branch.reimbursement_clearing_account_id, self.clearing)
            self.assertEqual(branch.reimbursement_journal_id, self.company.reimbursement_journal_id)
            self.assertEqual(self.env["account.account"].search([("company_ids", "parent_of", branch.id)]), accounts)

    def test_clearing_account_is_named_in_each_language(self):
        """The clearing account made for a company carries its name in every
        language of the database, and in a language installed later; an
        account renamed by hand keeps its names."""
        Lang = self.env["res.lang"].with_context(active_test=False)
        self.assertFalse(Lang.search([("code", "=", "nb_NO")]).active)
        first = self.env["res.company"].create({"name": "Before Norwegian Ltd"})
        first.reimbursement_clearing_account_id = first._reimbursement_create_clearing_account()
        renamed = self.copy_account(self.clearing, {"name": "Our own clearing"})
        self.company.reimbursement_clearing_account_id = renamed

        # Norwegian installed: the account made before has its name in it.
        self.env["res.lang"]._activate_lang("nb_NO")
        self.env["ir.module.module"].search([("name", "=", "reimbursement_addon")])._update_translations(["nb_NO"])
        clearing = first.reimbursement_clearing_account_id
        self.assertEqual(clearing.with_context(lang="nb_NO").name, "Mellomkonto for kunderefusjoner")
        self.assertEqual(clearing.with_context(lang="en_US").name, "Customer reimbursements clearing")
        self.assertEqual(renamed.with_context(lang="nb_NO").name, "Our own clearing")
        # A Norwegian name given by hand stays when the translations load again.
        clearing.with_context(lang="nb_NO").name = "Kunderefusjoner, mellomregning"
        self.env["ir.module.module"].search([("name", "=", "reimbursement_addon")])._update_translations(["nb_NO"])
        self.assertEqual(clearing.with_context(lang="nb_NO").name, "Kunderefusjoner, mellomregning")
        self.assertEqual(clearing.with_context(lang="en_US").name, "Customer reimbursements clearing")

        # An account made now has both names at once.
        second = self.env["res.company"].create({"name": "Nordlys Test AS"})
        account = second._reimbursement_create_clearing_account()
        self.assertEqual(account.with_context(lang="en_US").name, "Customer reimbursements clearing")
        self.assertEqual(account.with_context(lang="nb_NO").name, "Mellomkonto for kunderefusjoner")
        self.assertTrue(account.reconcile)
        self.assertEqual(account.company_ids, second)

    def test_install_hook_configures_companies_with_a_chart(self):
        """Companies that had a chart before the addon was installed are set
        up by the install hook."""
        self.company.write(
            {
                "reimbursement_journal_id": False,
                "reimbursement_transfer_journal_id": False,
                "reimbursement_clearing_account_id": False,
            }
        )
        post_init_hook(self.env)
        self.assertEqual(self.company.reimbursement_journal_id, self.company_data["default_journal_purchase"])
        self.assertEqual(self.company.reimbursement_transfer_journal_id, self.company_data["default_journal_misc"])
        self.assertTrue(self.company.reimbursement_clearing_account_id.reconcile)
        self.assertNotEqual(self.company.reimbursement_clearing_account_id, self.clearing)

    def test_setup_keeps_chosen_values(self):
        chosen = self.copy_account(self.clearing)
        self.company.reimbursement_clearing_account_id = chosen
        self.company._reimbursement_setup_accounting()
        self.assertEqual(self.company.reimbursement_clearing_account_id, chosen)

    def test_settings(self):
        journal = self.company_data["default_journal_purchase"].copy({"name": "Refund Bills"})
        settings = Form(self.env["res.config.settings"])
        settings.reimbursement_min_amount = 25.0
        settings.reimbursement_vendor_policy = "customer"
        settings.reimbursement_journal_id = journal
        settings.save().execute()
        self.assertRecordValues(
            self.company,
            [
                {
                    "reimbursement_min_amount": 25.0,
                    "reimbursement_vendor_policy": "customer",
                    "reimbursement_journal_id": journal.id,
                }
            ],
        )

    def test_negative_minimum_refused(self):
        with self.assertRaises(ValidationError):
            self.company.reimbursement_min_amount = -1.0

    def test_vendor_linked_to_itself_refused(self):
        customer = self._customer("Self Linked")
        with self.assertRaises(ValidationError):
            customer.with_company(self.company).reimbursement_vendor_id = customer

    def test_missing_configuration_is_a_clear_error(self):
        customer = self._customer("Unconfigured")
        self._credit_note(customer, 10.0)
        self.company.reimbursement_clearing_account_id = False

        with self.assertRaisesRegex(UserError, "Reimbursement Clearing Account"):
            self._reimburse(customer)
        self.assertEqual(self._open_residual(customer), -10.0)

    def test_invalid_partner_domain_is_a_clear_error(self):
        customer = self._customer("Filtered")
        self._credit_note(customer, 10.0)
        with self.assertRaisesRegex(UserError, "not a valid domain"):
            self._reimburse(partner_domain="[('no_such_field', '=', 1)]")

    def test_customer_smart_count(self):
        customer = self._customer("Counted")
        self._credit_note(customer, 10.0)
        self._reimburse(customer)
        self.assertEqual(customer.reimbursement_line_count, 1)
        action = customer.action_open_reimbursement_lines()
        self.assertEqual(self.env["account.reimbursement.line"].search(action["domain"]).customer_id, customer)
