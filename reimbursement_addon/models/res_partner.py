from collections import defaultdict
from contextlib import contextmanager

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError

from .. import series
from .engine import CANDIDATES_OF_COMPANY

# Where the rank increments of a reimbursement batch wait (see _increase_rank).
DEFERRED_RANKS = "reimbursement_addon.deferred_ranks"


class ResPartner(models.Model):
    _inherit = "res.partner"

    reimbursement_vendor_id = fields.Many2one(
        comodel_name="res.partner",
        string="Reimbursement Vendor Account",
        company_dependent=True,
        help="Vendor that receives the bills reimbursing this customer's credit "
        "balance. Left empty, the company's vendor policy decides.",
    )
    reimbursement_one_time_vendor = fields.Boolean(
        string="One-time Reimbursement Vendor",
        readonly=True,
        copy=False,
        help="Vendor created by a customer reimbursement for a customer that had no vendor account.",
    )
    reimbursement_line_count = fields.Integer(
        compute="_compute_reimbursement_line_count",
        groups="account.group_account_invoice,account.group_account_readonly",
    )

    @api.model
    def _search(self, domain, *args, **kwargs):
        company_id = self.env.context.get(CANDIDATES_OF_COMPANY)
        if company_id:
            domain = [*domain, *self._get_reimbursement_candidates_domain(company_id)]
        return super()._search(domain, *args, **kwargs)

    @api.model
    def _get_reimbursement_candidates_domain(self, company_id):
        """The customers (commercial partners) with open receivable items in
        the company: those a reimbursement run of it can consider."""
        company = self.env["res.company"].browse(company_id).exists()
        if not company:
            return [("id", "=", False)]
        items = (
            self.env["account.move.line"]
            .with_context(**{CANDIDATES_OF_COMPANY: False})
            ._search(company._get_reimbursement_open_items_domain())
        )
        partners = (
            self.with_context(**{CANDIDATES_OF_COMPANY: False}, active_test=False)
            .sudo()
            ._search([("id", "in", items.subselect("partner_id"))])
        )
        return [("id", "in", partners.subselect("commercial_partner_id"))]

    @api.constrains("reimbursement_vendor_id")
    def _check_reimbursement_vendor_id(self):
        company = self.env.company
        for partner in self:
            vendor = partner.reimbursement_vendor_id
            if not vendor:
                continue
            if vendor == partner:
                raise ValidationError(
                    self.env._(
                        "%(partner)s cannot be its own reimbursement vendor account: "
                        "leave the field empty to bill the customer itself.",
                        partner=partner.display_name,
                    )
                )
            if vendor.company_id and vendor.company_id not in company.parent_ids:
                raise ValidationError(
                    self.env._(
                        "The reimbursement vendor account of %(partner)s, %(vendor)s, belongs to "
                        "%(vendor_company)s, not to %(company)s.",
                        partner=partner.display_name,
                        vendor=vendor.display_name,
                        vendor_company=vendor.company_id.display_name,
                        company=company.display_name,
                    )
                )
            # A chain of vendor accounts that comes back to the partner has
            # no vendor at its end.
            seen = partner
            while vendor:
                if vendor in seen:
                    raise ValidationError(
                        self.env._(
                            "The reimbursement vendor accounts of %(partner)s lead back to it "
                            "(%(chain)s): link it to a vendor that has no vendor account of its own.",
                            partner=partner.display_name,
                            chain=" > ".join((seen + vendor).mapped("display_name")),
                        )
                    )
                seen += vendor
                vendor = vendor.reimbursement_vendor_id

    def _compute_reimbursement_line_count(self):
        counts = dict(
            self.env["account.reimbursement.line"]._read_group(
                [("customer_id", "in", self.commercial_partner_id.ids)],
                groupby=["customer_id"],
                aggregates=["__count"],
            )
        )
        for partner in self:
            partner.reimbursement_line_count = counts.get(partner.commercial_partner_id, 0)

    def action_open_reimbursement_lines(self):
        """Open the reimbursements made to this customer."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("reimbursement_addon.account_reimbursement_line_action")
        action["domain"] = [("customer_id", "=", self.commercial_partner_id.id)]
        return action

    def _prepare_reimbursement_vendor_vals(self, company):
        """Values of the one-time vendor that receives this customer's
        reimbursements: a copy of the commercial partner's identity, address,
        contact data and bank accounts, so that AP can pay it."""
        self.ensure_one()
        customer = self.commercial_partner_id
        can_trust = self.env.user.has_group("account.group_validate_bank_account")
        return {
            "name": customer.name,
            "is_company": customer.is_company,
            "company_id": company.id,
            "street": customer.street,
            "street2": customer.street2,
            "zip": customer.zip,
            "city": customer.city,
            "state_id": customer.state_id.id,
            "country_id": customer.country_id.id,
            "vat": customer.vat,
            "email": customer.email,
            **{phone: customer[phone] for phone in series.PARTNER_PHONES},
            "lang": customer.lang,
            "supplier_rank": 1,
            "customer_rank": 0,
            "reimbursement_one_time_vendor": True,
            "comment": self.env._(
                "One-time vendor for the reimbursement of customer %(customer)s.", customer=customer.name
            ),
            "bank_ids": [
                Command.create(
                    {
                        "acc_number": bank.acc_number,
                        "bank_id": bank.bank_id.id,
                        "acc_holder_name": bank.acc_holder_name or customer.name,
                        "currency_id": bank.currency_id.id,
                        # The trust flag guards against fraudulent accounts: it
                        # follows the customer's only for users allowed to set it.
                        "allow_out_payment": bank.allow_out_payment and can_trust,
                    }
                )
                for bank in customer.bank_ids
            ],
        }

    def _increase_rank(self, field, n=1):
        """Posting counts each bill's vendor and each transfer entry's
        customers in their rank, one locking update per partner. Inside
        :meth:`_batch_rank_updates` the increments are collected instead."""
        deferred = self.env.cr.precommit.data.get(DEFERRED_RANKS)
        if deferred is None:
            return super()._increase_rank(field, n)
        for partner_id in self.ids:
            deferred[field, partner_id] += n
        return None

    @api.model
    @contextmanager
    def _batch_rank_updates(self):
        """Apply the rank increments of the documents posted in this block in
        one update per increment, when the block succeeds (on 19.0 Odoo
        defers them itself: the block changes nothing)."""
        if series.ODOO_DEFERS_RANKS:
            yield
            return
        data = self.env.cr.precommit.data
        data[DEFERRED_RANKS] = defaultdict(int)
        try:
            yield
        finally:
            deferred = data.pop(DEFERRED_RANKS)
        partners_by_increment = defaultdict(list)
        for (field, partner_id), n in deferred.items():
            partners_by_increment[field, n].append(partner_id)
        for (field, n), partner_ids in partners_by_increment.items():
            self.browse(partner_ids)._increase_rank(field, n)

    def _get_reimbursement_vendors(self, company):
        """Map each customer (commercial partner) of ``self`` to the vendor
        that receives its reimbursement bills in ``company``.

        Customers with a vendor account keep it; the others get the customer
        itself or a new one-time vendor, according to the company's policy.
        One-time vendors are created in one batch and linked back to their
        customer so that the next run reuses them.
        """
        customers = self.commercial_partner_id.with_company(company)
        vendors = {customer: customer.reimbursement_vendor_id for customer in customers}
        missing = customers.filtered(lambda c: not vendors[c])
        if company.reimbursement_vendor_policy == "customer":
            vendors.update({customer: customer for customer in missing})
        elif missing:
            # The one-time vendor is part of the reimbursement, which account
            # managers may run without the right to manage contacts.
            Partner = self.env["res.partner"].sudo()
            # Odoo evaluates this default with a query per new partner: once here.
            Partner = Partner.with_context(
                default_display_invoice_template_pdf_report_id=Partner.default_get(
                    ["display_invoice_template_pdf_report_id"]
                ).get("display_invoice_template_pdf_report_id", False)
            )
            new_vendors = Partner.create([customer._prepare_reimbursement_vendor_vals(company) for customer in missing])
            for customer, vendor in zip(missing.sudo(), new_vendors, strict=True):
                customer.reimbursement_vendor_id = vendor
                vendors[customer] = vendor
        return {customer.with_env(self.env): vendor.with_env(self.env) for customer, vendor in vendors.items()}
