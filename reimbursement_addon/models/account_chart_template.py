from odoo import models


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _post_load_data(self, template_code, company, template_data):
        """A company that gets a chart of accounts after the addon was
        installed gets its reimbursement configuration too."""
        res = super()._post_load_data(template_code, company, template_data)
        (company or self.env.company)._reimbursement_setup_accounting()
        return res
