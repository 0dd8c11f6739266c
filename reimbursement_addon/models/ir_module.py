from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, *args, **kwargs):
        """The addon's translations loaded in ``langs`` (a language is
        installed, or the addon installed or updated): the clearing accounts
        it created get their name in those languages too."""
        res = super()._load_module_terms(modules, langs, *args, **kwargs)
        if "reimbursement_addon" in modules:
            companies = self.env["res.company"].sudo().search([("reimbursement_clearing_account_id", "!=", False)])
            companies._reimbursement_translate_clearing_accounts(langs)
        return res
