from odoo import api, fields, models
from odoo.exceptions import UserError


def company_default(company_field, empty=False):
    """The default of an option: the current company's ``company_field``."""
    return lambda self: self.env.company[company_field] or empty


class AccountReimbursementOptions(models.AbstractModel):
    """The options of a reimbursement run, declared once: the wizard offers
    them, the run keeps those it was made with, and each defaults to the
    company's own (``res.company.reimbursement_<option>``), which scheduled
    runs use as they are."""

    _name = "account.reimbursement.options"
    _description = "Customer Reimbursement Options"

    summarize_customer = fields.Boolean(
        default=company_default("reimbursement_summarize_customer"),
        help="Checked: one vendor bill per customer and currency for its whole credit "
        "balance, whatever receivable accounts and analytic distributions the credits "
        "were booked on. Unchecked: one vendor bill per customer, currency, receivable "
        "account and analytic distribution, so that each credit leaves the account and "
        "analytic distribution it was booked on.",
    )
    include_debit_customers = fields.Boolean(
        string="Include Customers with Outstanding Debit Transactions",
        default=company_default("reimbursement_include_debit_customers"),
        help="Unchecked: a customer that still has an open debit on its receivable "
        "(an unpaid invoice, for example) is not reimbursed, so nothing is paid out "
        "to a customer who still owes the company money. Checked: such customers are "
        "reimbursed too.",
    )
    offset_debits = fields.Boolean(
        string="Settle Open Debits First",
        default=company_default("reimbursement_offset_debits"),
        help="For customers with open debits. Checked: the open debits are "
        "reconciled with the credits first and only the net credit balance is "
        "reimbursed. Unchecked: the gross credit is reimbursed and the debits stay "
        "open on the receivable, to be collected as usual.",
    )
    partner_domain = fields.Char(
        string="Records to Include",
        default=company_default("reimbursement_partner_domain", empty="[]"),
        help="Which customers may be reimbursed, as a filter on contacts (for example "
        "by country, tag or salesperson). Empty: every customer with a credit balance.",
    )
    notify_customers = fields.Boolean(
        string="Send Remittance Advice",
        default=company_default("reimbursement_notify_customers"),
        help="E-mail each reimbursed customer, once its reimbursement is posted, what is paid back, from "
        "which credit and to which bank account.",
    )
    write_off_small_credits = fields.Boolean(
        string="Write Off Small, Dormant Credits",
        default=company_default("reimbursement_write_off_small_credits"),
        help="Also write off, to the company's write-off account, each credit balance below the minimum "
        "reimbursement and below the company's write-off amount whose newest open item is older than the "
        "company's dormancy, instead of leaving it on the receivable.",
    )

    @api.model
    def _get_option_names(self):
        """The options: the fields this model declares."""
        own = self.env["account.reimbursement.options"]._fields
        return [fname for fname in own if fname not in ("id", "display_name")]

    def _get_options(self):
        """This record's options, as :meth:`account.reimbursement.propose` takes them."""
        self.ensure_one()
        return {fname: self[fname] for fname in self._get_option_names()}

    @api.model
    def _check_date_value(self, vals):
        """A clear error for a date that is no date (an RPC client's typo),
        before PostgreSQL refuses it with one of its own."""
        value = vals.get("date")
        if value:
            try:
                fields.Date.to_date(value)
            except (TypeError, ValueError) as exc:
                raise UserError(
                    self.env._("%(value)s is not a date: give the accounting date as YYYY-MM-DD.", value=value)
                ) from exc
