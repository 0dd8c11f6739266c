"""The demo's Norwegian company, to see the monthly routine in Norwegian.

Run by ``tools/dev.sh run`` inside ``odoo-bin shell`` (which gives ``env``),
on a demo database where ``l10n_no`` is installed with its demo data: its
company ("NO Company", on the Norwegian chart, in NOK) becomes Nordlys Handel
AS, with customers holding credits of every kind and two Norwegian-speaking
accountants, one who proposes and one who approves.
"""

from dateutil.relativedelta import relativedelta

from odoo import Command, fields

USERS = {
    # login: (name, role); the password is the login.
    "regnskap": ("Kari Nordmann", "proposes the monthly reimbursement"),
    "regnskapssjef": ("Ola Nordmann", "approves it (four eyes)"),
}

# name, city, (documents: (kind, NOK or EUR amount, days ago, payments)).
CUSTOMERS = [
    ("Hansen Rørleggerservice AS", "Drammen", [("invoice", 12500.0, 60, [(13750.0, 40)])]),
    ("Solberg Bygg AS", "Hamar", [("refund", 4800.0, 45, [])]),
    ("Fjellstua Kafé AS", "Lillehammer", [("invoice", 2000.0, 70, [(1200.0, 50), (1000.0, 30)])]),
    ("Havbris Sjømat AS", "Ålesund", [("refund_eur", 350.0, 50, [])]),
    ("Lillehammer Ski og Fritid AS", "Lillehammer", [("refund", 60.0, 40, [])]),
    ("Vestland Elektro AS", "Bergen", [("refund", 3000.0, 35, []), ("invoice", 1200.0, 10, [])]),
    ("Trondheim Trykk AS", "Trondheim", [("refund", 2150.0, 25, [])]),
]


def main(env):
    today = fields.Date.context_today(env.user)
    company = env.ref("base.demo_company_no")
    env = env(context=dict(env.context, allowed_company_ids=company.ids, lang="nb_NO"))
    company = company.with_env(env)
    norway = env.ref("base.no")

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
    accountants._reimbursement_add_groups(["account.group_account_manager", "account.group_account_user"])
    company.write(
        {
            "name": "Nordlys Handel AS",
            "email": "regnskap@nordlys.example.com",
            "reimbursement_min_amount": 100.0,
            "reimbursement_approval_required": True,
            "reimbursement_responsible_id": accountants[1].id,
            "reimbursement_notify_customers": True,
            "external_report_layout_id": env.ref("web.external_layout_standard").id,
        }
    )
    eur = env.ref("base.EUR")
    env["res.currency.rate"].create(
        {"currency_id": eur.id, "company_id": company.id, "name": today - relativedelta(days=95), "rate": 0.085}
    )

    for name, city, documents in CUSTOMERS:
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
        if slug == "trondheim":
            env["res.partner.bank"].create({"partner_id": customer.id, "acc_number": "NO93 8601 1117 947"})
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
    env.cr.commit()


main(env)  # noqa: F821 (given by odoo-bin shell)
