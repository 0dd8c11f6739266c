"""The demo's Norwegian company, to see the monthly routine in Norwegian.

Run by ``tools/dev.sh run`` inside ``odoo-bin shell`` (which gives ``env``),
on a demo database where ``l10n_no`` is installed: a company of its own,
Nordlys Handel AS, on the Norwegian chart in NOK, with no other documents
than those of its customers below, who hold credits of every kind (one
small and dormant, written off by the run), and two Norwegian-speaking
accountants, one who proposes and one who approves. The company pays its
reimbursements by bank file (``reimbursement_payment_order``): a bank
journal with a Norwegian account at DNB (whose BIC the file names), a
payment mode, and its customers' bank accounts, trusted for outgoing
payments but one.
"""

from dateutil.relativedelta import relativedelta

from odoo import Command, fields

USERS = {
    # login: (name, role); the password is the login.
    "regnskap": ("Kari Nordmann", "proposes the monthly reimbursement"),
    "regnskapssjef": ("Ola Nordmann", "approves it (four eyes)"),
}

# The company's own account, which the bank file pays from, at DNB.
COMPANY_BANK_ACCOUNT = "NO49 1503 5260 185"
COMPANY_BANK = {"name": "DNB Bank ASA", "bic": "DNBANOKK", "country": "no"}

# name, city, (bank account, trusted for outgoing payments) or None,
# (documents: (kind, NOK or EUR amount, days ago, payments)).
CUSTOMERS = [
    (
        "Hansen Rørleggerservice AS",
        "Drammen",
        ("NO69 9710 0166 139", True),
        [("invoice", 12500.0, 60, [(13750.0, 40)])],
    ),
    ("Solberg Bygg AS", "Hamar", ("1207.18.60912", True), [("refund", 4800.0, 45, [])]),
    # An account nobody has checked yet: the bank file leaves it out.
    (
        "Fjellstua Kafé AS",
        "Lillehammer",
        ("NO81 3000 3909 960", False),
        [("invoice", 2000.0, 70, [(1200.0, 50), (1000.0, 30)])],
    ),
    ("Havbris Sjømat AS", "Ålesund", ("NO17 6012 0308 249", True), [("refund_eur", 350.0, 50, [])]),
    ("Lillehammer Ski og Fritid AS", "Lillehammer", None, [("refund", 60.0, 40, [])]),
    (
        "Vestland Elektro AS",
        "Bergen",
        ("NO05 8601 8219 931", True),
        [("refund", 3000.0, 35, []), ("invoice", 1200.0, 10, [])],
    ),
    ("Trondheim Trykk AS", "Trondheim", ("NO93 8601 1117 947", True), [("refund", 2150.0, 25, [])]),
    # A small credit nobody has claimed for more than three years: inntektsført.
    ("Nordkapp Reiseliv AS", "Honningsvåg", None, [("refund", 42.0, 1300, [])]),
]


def main(env):
    today = fields.Date.context_today(env.user)
    norway = env.ref("base.no")
    company = env["res.company"].create(
        {
            "name": "Nordlys Handel AS",
            "street": "Storgata 12",
            "zip": "0184",
            "city": "Oslo",
            "country_id": norway.id,
            "currency_id": env.ref("base.NOK").id,
            "email": "regnskap@nordlys.example.com",
            "phone": "+47 22 12 34 56",
        }
    )
    env.user.company_ids = [Command.link(company.id)]
    env = env(context=dict(env.context, allowed_company_ids=company.ids, lang="nb_NO"))
    company = company.with_env(env)
    env["account.chart.template"].try_loading("no", company, install_demo=False)

    accountants = env["res.users"]
    for login, (name, _role) in USERS.items():
        accountants |= env["res.users"].create(
            {
                "name": name,
                "login": login,
                "password": login,
                "email": f"{login}@nordlys.example.com",
                "lang": "nb_NO",
                "tz": "Europe/Oslo",
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
            }
        )
    accountants._reimbursement_add_groups(
        ["account.group_account_manager", "account.group_account_user", "account_payment_order.group_account_payment"]
    )
    # The approver checks bank accounts: the one-time vendors of the runs he
    # posts keep their customers' trusted accounts.
    accountants[1]._reimbursement_add_groups(["account.group_validate_bank_account"])
    company.write(
        {
            "reimbursement_min_amount": 100.0,
            "reimbursement_approval_required": True,
            "reimbursement_responsible_id": accountants[1].id,
            "reimbursement_notify_customers": True,
            # Small credits that have not moved for three years go to
            # 3900 Annen driftsrelatert inntekt.
            "reimbursement_writeoff_account_id": env["account.account"]
            .search([("code", "=", "3900"), ("company_ids", "in", company.ids)], limit=1)
            .id,
            "reimbursement_writeoff_max_amount": 100.0,
            "reimbursement_write_off_small_credits": True,
            "external_report_layout_id": env.ref("web.external_layout_standard").id,
        }
    )
    eur = env.ref("base.EUR")
    eur.active = True
    env["res.currency.rate"].create(
        {"currency_id": eur.id, "company_id": company.id, "name": today - relativedelta(days=95), "rate": 0.085}
    )

    setup_bank_file(env, company)

    for name, city, bank, documents in CUSTOMERS:
        slug = name.split()[0].lower().replace("ø", "o").replace("å", "a")
        customer = env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "city": city,
                "country_id": norway.id,
                "lang": "nb_NO",
                "customer_rank": 1,
                "email": f"regnskap@{slug}.example.com",
            }
        )
        if bank:
            acc_number, trusted = bank
            env["res.partner.bank"].create(
                {"partner_id": customer.id, "acc_number": acc_number, "allow_out_payment": trusted}
            )
        for kind, amount, days_ago, payments in documents:
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice" if kind == "invoice" else "out_refund",
                    "partner_id": customer.id,
                    "invoice_date": today - relativedelta(days=days_ago),
                    "currency_id": (eur if kind == "refund_eur" else company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Varer og tjenester" if kind == "invoice" else "Kreditert",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
            move.action_post()
            for paid, paid_days_ago in payments:
                env["account.payment.register"].with_context(active_model="account.move", active_ids=move.ids).create(
                    {
                        "amount": paid,
                        "payment_date": today - relativedelta(days=paid_days_ago),
                        "payment_difference_handling": "open",
                    }
                )._create_payments()
    return company


def setup_bank_file(env, company):
    """The bank journal pays from the company's Norwegian account by OCA's
    credit transfer file, and the company's reimbursements by that mode."""
    journal = env["account.journal"].search([("company_id", "=", company.id), ("type", "=", "bank")], limit=1)
    method = env.ref("account_banking_sepa_credit_transfer.sepa_credit_transfer")
    journal.write(
        {
            "bank_account_id": env["res.partner.bank"]
            .create(
                {
                    "partner_id": company.partner_id.id,
                    "acc_number": COMPANY_BANK_ACCOUNT,
                    "bank_id": env["res.bank"]
                    .create(dict(COMPANY_BANK, country=env.ref(f"base.{COMPANY_BANK['country']}").id))
                    .id,
                    "allow_out_payment": True,
                }
            )
            .id,
            "outbound_payment_method_line_ids": [Command.create({"payment_method_id": method.id})],
        }
    )
    company.reimbursement_payment_mode_id = env["account.payment.mode"].create(
        {
            "name": "Kunderefusjoner med bankfil",
            "company_id": company.id,
            "payment_method_id": method.id,
            "bank_account_link": "fixed",
            "fixed_journal_id": journal.id,
        }
    )


# odoo-bin shell runs this file with ``env``; the demo's test imports main().
if "env" in globals():
    main(env)  # noqa: F821 (given by odoo-bin shell)
    env.cr.commit()  # noqa: F821
