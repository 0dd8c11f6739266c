import datetime
import logging

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date, formatLang

from .engine import NothingToReimburse

_logger = logging.getLogger(__name__)

SCHEDULE_INTERVALS = {"weekly": relativedelta(weeks=1), "monthly": relativedelta(months=1)}
# PostgreSQL stores the threshold in an integer (at most 2,147,483,647).
MAX_BACKGROUND_THRESHOLD = 1_000_000_000
FIRST_RUN_DATE = datetime.date(1900, 1, 1)


class ResCompany(models.Model):
    _inherit = "res.company"

    reimbursement_min_amount = fields.Monetary(
        string="Minimum Reimbursement",
        currency_field="currency_id",
        default=0.0,
        help="A customer is reimbursed only when its credit balance, in company currency, is at least this amount.",
    )
    reimbursement_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Reimbursement Bill Journal",
        check_company=True,
        domain="[('type', '=', 'purchase')]",
        help="Purchase journal of the vendor bills that reimburse customers.",
    )
    reimbursement_transfer_journal_id = fields.Many2one(
        comodel_name="account.journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Miscellaneous journal of the entries that move a customer's credit "
        "from the receivable account to the clearing account.",
    )
    reimbursement_clearing_account_id = fields.Many2one(
        comodel_name="account.account",
        check_company=True,
        domain="[('reconcile', '=', True), ('account_type', 'not in', ('asset_receivable', 'liability_payable'))]",
        help="Reconcilable account between the customer's receivable and the "
        "vendor bill; it nets to zero once a reimbursement is made.",
    )
    reimbursement_vendor_policy = fields.Selection(
        selection=[
            ("one_time", "Create a one-time vendor"),
            ("customer", "Bill the customer itself"),
        ],
        string="Vendor for Customers Without One",
        default="one_time",
        required=True,
        help="Which vendor receives the bill of a customer that has no vendor "
        "account: a one-time vendor created from the customer's data, or the "
        "customer's own partner.",
    )

    reimbursement_writeoff_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Write-off Account",
        check_company=True,
        domain="[('reconcile', '=', False), ('account_type', 'not in', ('asset_receivable', 'liability_payable'))]",
        help="Account credited when a run writes off a customer's small, dormant credit balance (an income "
        "account: the credit the customer no longer claims).",
    )
    reimbursement_writeoff_max_amount = fields.Monetary(
        string="Write Off Credits Below",
        currency_field="currency_id",
        default=0.0,
        help="A credit balance below this amount (in company currency) that is also below the minimum "
        "reimbursement and dormant may be written off by a run. 0: nothing is written off.",
    )
    reimbursement_writeoff_after_days = fields.Integer(
        string="Dormant After (Days)",
        default=1095,
        help="A credit balance is dormant when the customer's newest open item in its currency is older than "
        "this many days on the run date. The default, three years, is the Norwegian limitation period "
        "(foreldelsesloven § 2).",
    )
    reimbursement_write_off_small_credits = fields.Boolean(
        string="Write Off Small Credits",
        help="Default of new runs and the option of scheduled ones: the run also writes off the small, "
        "dormant credit balances it would otherwise leave.",
    )

    reimbursement_background_threshold = fields.Integer(
        string="Post in the Background Above",
        default=1000,
        help="A run with more reimbursements than this is posted in the background, batch by "
        "batch, and tells you when it is done; a smaller one is posted at once. 0 posts every "
        "run in the background.",
    )

    reimbursement_summarize_customer = fields.Boolean(
        string="Summarize Customers",
        default=True,
        help="Default of new runs and the option of scheduled ones: one reimbursement per customer and "
        "currency (checked), or per customer, currency, receivable account and analytic distribution.",
    )
    reimbursement_include_debit_customers = fields.Boolean(
        string="Include Customers with Outstanding Debit Transactions",
        help="Default of new runs and the option of scheduled ones.",
    )
    reimbursement_offset_debits = fields.Boolean(
        string="Settle Open Debits First",
        default=True,
        help="Default of new runs and the option of scheduled ones.",
    )
    reimbursement_partner_domain = fields.Char(
        string="Customers to Include",
        default="[]",
        help="Default of new runs and the option of scheduled ones: which customers may be reimbursed.",
    )
    reimbursement_schedule = fields.Selection(
        selection=[
            ("off", "Off"),
            ("propose", "Propose a run to review"),
            ("post", "Reimburse"),
        ],
        string="Scheduled Reimbursement",
        default="off",
        required=True,
        help="What the scheduled job does when the next date comes: nothing, a draft run with an activity "
        "to review it, or a posted run (left for approval when reimbursements need approval).",
    )
    reimbursement_schedule_interval = fields.Selection(
        selection=[("weekly", "Every week"), ("monthly", "Every month")],
        string="Scheduled Every",
        default="monthly",
        required=True,
    )
    reimbursement_next_date = fields.Date(
        string="Next Scheduled Reimbursement",
        help="When the scheduled job next makes a run for this company; it then moves on by the interval.",
    )
    reimbursement_notify_customers = fields.Boolean(
        string="Send Remittance Advice",
        help="Default of new runs: once a customer's reimbursement is posted, the customer gets an e-mail "
        "saying what is paid back, from which credit, and to which bank account.",
    )
    reimbursement_approval_required = fields.Boolean(
        string="Reimbursements Need Approval",
        help="Four eyes: a run is posted only by an accounting manager other than the one who proposed it.",
    )
    reimbursement_responsible_id = fields.Many2one(
        comodel_name="res.users",
        string="Reimbursement Reviewer",
        check_company=True,
        domain="[('share', '=', False)]",
        help="Who is asked to review and approve the runs proposed in this company; when empty, or "
        "when the reviewer proposed the run, the company's other accounting managers are asked.",
    )

    @api.constrains("reimbursement_min_amount")
    def _check_reimbursement_min_amount(self):
        for company in self:
            if company.currency_id.compare_amounts(company.reimbursement_min_amount, 0.0) < 0:
                raise ValidationError(
                    self.env._(
                        "The minimum reimbursement of %(company)s cannot be negative.",
                        company=company.display_name,
                    )
                )

    @api.constrains(
        "reimbursement_writeoff_account_id",
        "reimbursement_writeoff_max_amount",
        "reimbursement_writeoff_after_days",
        "reimbursement_write_off_small_credits",
    )
    def _check_reimbursement_writeoff(self):
        for company in self:
            account = company.reimbursement_writeoff_account_id
            if account and (
                account.reconcile
                or account.account_type in ("asset_receivable", "liability_payable")
                or not account.company_ids & company.parent_ids
            ):
                raise ValidationError(
                    self.env._(
                        "The write-off account of %(company)s must be an account of that company that is neither "
                        "receivable, payable nor reconcilable (an income account); %(account)s is not.",
                        company=company.display_name,
                        account=account.display_name,
                    )
                )
            if company.currency_id.compare_amounts(company.reimbursement_writeoff_max_amount, 0.0) < 0:
                raise ValidationError(
                    self.env._(
                        "The largest credit %(company)s writes off cannot be negative.",
                        company=company.display_name,
                    )
                )
            if company.reimbursement_writeoff_after_days < 0:
                raise ValidationError(
                    self.env._(
                        "The days after which a credit of %(company)s is dormant cannot be negative.",
                        company=company.display_name,
                    )
                )
            if company.reimbursement_write_off_small_credits and not account:
                raise ValidationError(
                    self.env._(
                        "%(company)s writes off small credits by default, so it needs a write-off account: set "
                        "one in Settings > Invoicing > Customer reimbursement.",
                        company=company.display_name,
                    )
                )

    @api.constrains("reimbursement_background_threshold")
    def _check_reimbursement_background_threshold(self):
        for company in self:
            if company.reimbursement_background_threshold < 0:
                raise ValidationError(
                    self.env._(
                        "The background posting threshold of %(company)s cannot be negative.",
                        company=company.display_name,
                    )
                )
            if company.reimbursement_background_threshold > MAX_BACKGROUND_THRESHOLD:
                raise ValidationError(
                    self.env._(
                        "The background posting threshold of %(company)s is a number of lines: at most %(max)s.",
                        company=company.display_name,
                        max=formatLang(self.env, MAX_BACKGROUND_THRESHOLD, digits=0),
                    )
                )

    @api.constrains(
        "reimbursement_journal_id",
        "reimbursement_transfer_journal_id",
        "reimbursement_clearing_account_id",
    )
    def _check_reimbursement_accounting(self):
        for company in self:
            bill_journal = company.reimbursement_journal_id
            transfer_journal = company.reimbursement_transfer_journal_id
            clearing = company.reimbursement_clearing_account_id
            # A branch may use the journals and accounts of its parents.
            companies = company.parent_ids
            if bill_journal and (bill_journal.type != "purchase" or bill_journal.company_id not in companies):
                raise ValidationError(
                    self.env._(
                        "The reimbursement bill journal of %(company)s must be a purchase journal of "
                        "that company; %(journal)s is not.",
                        company=company.display_name,
                        journal=bill_journal.display_name,
                    )
                )
            if transfer_journal and (
                transfer_journal.type != "general" or transfer_journal.company_id not in companies
            ):
                raise ValidationError(
                    self.env._(
                        "The reimbursement transfer journal of %(company)s must be a miscellaneous journal "
                        "of that company; %(journal)s is not.",
                        company=company.display_name,
                        journal=transfer_journal.display_name,
                    )
                )
            if clearing and (
                not clearing.reconcile
                or clearing.account_type in ("asset_receivable", "liability_payable")
                or not clearing.company_ids & companies
            ):
                raise ValidationError(
                    self.env._(
                        "The reimbursement clearing account of %(company)s must be a reconcilable account "
                        "of that company that is neither receivable nor payable; %(account)s is not.",
                        company=company.display_name,
                        account=clearing.display_name,
                    )
                )

    @api.model
    def _cron_scheduled_reimbursements(self):
        """Make the scheduled run of each company whose next date has come,
        with the company's default options, then move its next date on. A
        company that fails is logged and tried again the next day; the
        others go on."""
        today = fields.Date.context_today(self)
        companies = self.search([("reimbursement_schedule", "!=", "off"), ("reimbursement_next_date", "<=", today)])
        for company in companies:
            try:
                with self.env.cr.savepoint():
                    run = company._make_scheduled_reimbursement(today)
            except Exception:
                _logger.exception("Scheduled customer reimbursement of %s failed", company.name)
                continue
            if run:
                _logger.info("Scheduled customer reimbursement of %s: %s made", company.name, run.name)
            company._move_reimbursement_next_date(today)

    def _make_scheduled_reimbursement(self, date):
        """This company's scheduled run, dated ``date``, with its default
        options: a proposal whose reviewers get an activity, or a posted run
        (left for approval when the company wants four eyes). Nothing to
        reimburse makes no run.

        :return: the run, or an empty recordset
        """
        self.ensure_one()
        runs = self.env["account.reimbursement"].with_company(self).with_context(allowed_company_ids=self.ids)
        try:
            run = runs.propose(
                {"company_id": self.id, "date": date}, request_review=self.reimbursement_schedule == "propose"
            )
        except NothingToReimburse as nothing:
            _logger.info("Scheduled customer reimbursement of %s: %s", self.name, nothing.args[0])
            return runs.browse()
        if self.reimbursement_schedule == "post" and not run.approval_required:
            run.action_post()
        return run

    def _move_reimbursement_next_date(self, today):
        """The next date, moved on by the interval until it is after today."""
        for company in self:
            interval = SCHEDULE_INTERVALS[company.reimbursement_schedule_interval]
            next_date = company.reimbursement_next_date
            while next_date <= today:
                next_date += interval
            company.reimbursement_next_date = next_date

    def _get_reimbursement_open_items_domain(self):
        """Open items of this company on receivable accounts that carry a
        partner: what a reimbursement run looks at."""
        self.ensure_one()
        # An archived (19.0) receivable account's open items are the run's
        # too: posting then refuses them with Odoo's error, never skips them.
        receivable_accounts = (
            self.env["account.account"]
            .with_context(active_test=False)
            .search(
                [
                    *self.env["account.account"]._check_company_domain(self),
                    ("account_type", "=", "asset_receivable"),
                ]
            )
        )
        return [
            ("company_id", "=", self.id),
            ("account_id", "in", receivable_accounts.ids),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("partner_id", "!=", False),
        ]

    def _check_reimbursement_date(self, date):
        """Refuse a run dated where no accounting date can be: before 1900
        (where Odoo's lock dates and rates start) or more than a year ahead
        (a mistyped year); then as :meth:`_check_reimbursement_lock_dates`."""
        self.ensure_one()
        first, last = FIRST_RUN_DATE, fields.Date.context_today(self) + relativedelta(years=1)
        if not first <= date <= last:
            raise UserError(
                self.env._(
                    "%(date)s is not a plausible date for a reimbursement: "
                    "choose a date between %(first)s and %(last)s.",
                    date=format_date(self.env, date),
                    first=format_date(self.env, first),
                    last=format_date(self.env, last),
                )
            )
        self._check_reimbursement_lock_dates(date)

    def _check_reimbursement_lock_dates(self, date):
        """Refuse a reimbursement, or its cancellation, dated inside a lock
        date of this company that applies to its bills or transfer entries,
        rather than let Odoo move the entries' dates silently."""
        self.ensure_one()
        violations = set()
        for journal in (self.reimbursement_journal_id, self.reimbursement_transfer_journal_id):
            violations.update(self._get_violated_lock_dates(date, False, journal))
        if violations:
            raise UserError(
                self.env._(
                    "The date %(date)s is inside a lock date of %(company)s (%(locks)s). "
                    "Choose a date after the lock date.",
                    date=format_date(self.env, date),
                    company=self.display_name,
                    locks=self._format_lock_dates(sorted(violations)),
                )
            )

    def _reimbursement_setup_accounting(self):
        """Fill the reimbursement journals and clearing account of companies
        that have a chart of accounts, creating the clearing account when
        needed. Values already set are kept."""
        Journal = self.env["account.journal"]
        for company in self.filtered("chart_template"):
            vals = {}
            if not company.reimbursement_journal_id:
                vals["reimbursement_journal_id"] = Journal.search(
                    [*Journal._check_company_domain(company), ("type", "=", "purchase")],
                    limit=1,
                ).id
            if not company.reimbursement_transfer_journal_id:
                vals["reimbursement_transfer_journal_id"] = Journal.search(
                    [*Journal._check_company_domain(company), ("type", "=", "general")],
                    limit=1,
                ).id
            if not company.reimbursement_clearing_account_id:
                vals["reimbursement_clearing_account_id"] = company._reimbursement_get_root_clearing_account().id
            vals = {fname: value for fname, value in vals.items() if value}
            if vals:
                company.write(vals)

    def _reimbursement_get_root_clearing_account(self):
        """The clearing account of this company's root company, created for
        the root when it has none: a branch shares the accounts of its root,
        as Odoo's charts of accounts are shared with branches."""
        self.ensure_one()
        root = self.root_id
        if not root.reimbursement_clearing_account_id:
            root.reimbursement_clearing_account_id = root._reimbursement_create_clearing_account()
        return root.reimbursement_clearing_account_id

    def _reimbursement_create_clearing_account(self):
        """Create the "Customer reimbursements clearing" account of this
        company, coded next to its receivable account."""
        self.ensure_one()
        Account = self.env["account.account"].with_company(self)
        receivable = Account.search(
            [*Account._check_company_domain(self), ("account_type", "=", "asset_receivable")],
            order="code",
            limit=1,
        )
        code = Account._search_new_account_code(receivable.code or "1000")
        names = self._reimbursement_get_clearing_account_names()
        account = Account.with_context(lang="en_US").create(
            {
                "name": names.pop("en_US"),
                "code": code,
                "account_type": "asset_current",
                "reconcile": True,
                "company_ids": [fields.Command.set(self.ids)],
            }
        )
        account.update_field_translations("name", names)
        return account

    def _reimbursement_translate_clearing_accounts(self, langs):
        """Give the clearing accounts of these companies their name in the
        languages ``langs`` (codes) where it is still the English one, when
        a language is installed or the addon's translations are loaded
        again: a name given by hand, in any language, stays."""
        english = self.with_context(lang="en_US").env._("Customer reimbursements clearing")
        names = self._reimbursement_get_clearing_account_names()
        for account in self.reimbursement_clearing_account_id:
            translations = {
                lang: names[lang] for lang in langs if lang in names and account.with_context(lang=lang).name == english
            }
            if translations:
                account.update_field_translations("name", translations)

    def _reimbursement_get_clearing_account_names(self):
        """The clearing account's name in English and in each language of
        the database, from the addon's translations: an accountant reads the
        chart of accounts in its own language."""
        languages = {"en_US", *(code for code, _name in self.env["res.lang"].get_installed())}
        return {
            code: self.with_context(lang=code).env._("Customer reimbursements clearing") for code in sorted(languages)
        }
