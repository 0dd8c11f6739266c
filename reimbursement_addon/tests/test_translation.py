from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestTranslation(ReimbursementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("nb_NO")
        cls.env["ir.module.module"]._load_module_terms(["reimbursement_addon"], ["nb_NO"], overwrite=True)

    def test_wizard_labels_in_norwegian(self):
        fields = self.env["account.reimbursement.wizard"].with_context(lang="nb_NO").fields_get()
        self.assertEqual(fields["summarize_customer"]["string"], "Samle per kunde")
        self.assertEqual(fields["include_debit_customers"]["string"], "Ta med kunder med utestående debettransaksjoner")
        self.assertEqual(fields["partner_domain"]["string"], "Poster som skal inkluderes")
        self.assertEqual(fields["min_amount"]["string"], "Minimumsrefusjon")
        partner_fields = self.env["res.partner"].with_context(lang="nb_NO").fields_get(["reimbursement_vendor_id"])
        self.assertEqual(partner_fields["reimbursement_vendor_id"]["string"], "Leverandørkonto for refusjon")

    def test_menus_in_norwegian(self):
        menus = self.env["ir.ui.menu"].with_context(lang="nb_NO")
        self.assertEqual(
            menus.browse(self.env.ref("reimbursement_addon.account_reimbursement_wizard_menu").id).name, "Refusjon"
        )
        self.assertEqual(
            menus.browse(self.env.ref("reimbursement_addon.account_reimbursement_periodic_menu").id).name,
            "Periodiske oppgaver",
        )
        self.assertEqual(
            menus.browse(self.env.ref("reimbursement_addon.account_reimbursement_report_wizard_menu").id).name,
            "Refusjonsrapport",
        )

    def test_errors_in_norwegian(self):
        customer = self._customer("Ingen Kreditt")
        wizard = self._wizard(customer).with_context(lang="nb_NO")
        with self.assertRaisesRegex(UserError, "Det er ingenting å refundere"):
            wizard.action_reimburse()
