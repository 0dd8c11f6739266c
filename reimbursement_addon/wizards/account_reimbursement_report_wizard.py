from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date


class AccountReimbursementReportWizard(models.TransientModel):
    _name = "account.reimbursement.report.wizard"
    _description = "Reimbursement Report Options"
    _check_company_auto = True

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    partner_ids = fields.Many2many(
        comodel_name="res.partner",
        string="Customers",
        help="Only these customers; empty: every customer.",
    )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The report's start date must not be after its end date."))

    def _get_lines(self):
        domain = [
            ("company_id", "=", self.company_id.id),
            ("date", ">=", self.date_from),
            ("date", "<=", self.date_to),
        ]
        if self.partner_ids:
            domain.append(("customer_id", "in", self.partner_ids.commercial_partner_id.ids))
        return self.env["account.reimbursement.line"].search(domain)

    def action_print(self):
        """Print the Reimbursement report of the chosen period."""
        self.ensure_one()
        lines = self._get_lines()
        filters = self.env._(
            "%(company)s, from %(date_from)s to %(date_to)s",
            company=self.company_id.name,
            date_from=format_date(self.env, self.date_from),
            date_to=format_date(self.env, self.date_to),
        )
        if self.partner_ids:
            filters += self.env._(", customers: %(names)s", names=", ".join(self.partner_ids.mapped("display_name")))
        return self.env.ref("reimbursement_addon.action_report_reimbursement").report_action(
            lines, data={"filters": filters, "line_ids": lines.ids}
        )
