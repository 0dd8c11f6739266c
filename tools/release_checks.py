"""Release checks: the upgrade from the previous release, and the wheel.

    tools/release_checks.py make  -c CONF -d DB -o SNAPSHOT   with the previous release's code
    tools/release_checks.py check -c CONF -d DB -i SNAPSHOT   with this code, after -u reimbursement_addon
    tools/release_checks.py smoke -c CONF -d DB --addon-under DIR

``make`` (run against the previous release, installed in DB) builds
customers with credits, in company currency and in euros, and makes two
runs: one done, one with a reimbursement cancelled. It writes what the
ledger holds to SNAPSHOT: every run, line, bill and reconciliation, and each
customer's credit before it was reimbursed.

``check`` (after ``-u reimbursement_addon`` with this code) asserts that all
of it is intact, that the old runs read as done, that their lines can still
be cancelled with each customer's credit restored exactly, and that a new
run works. It prints its figures and exits non-zero on any breach.
``make upgrade-test`` (tools/dev.sh) drives both around the upgrade.

``smoke`` checks that the addon installed in DB was loaded from under DIR
(the wheel's install target, for ``make wheel-test``) and makes one
reimbursement there, checking the bill and the customer's receivable.
"""

import argparse
import json
import os
import sys

# The benchmark's data builder, beside this script.
from bench import CREDIT_DATE, RUN_DATE, setup_company

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry

# name: (amount, in euros)
CREDITS = {
    "Upgrade Alpha": (120.0, False),
    "Upgrade Beta": (75.5, False),
    "Upgrade Euro": (300.0, True),
    "Upgrade Gamma": (42.0, False),
    "Upgrade Delta": (64.25, False),
}
FIRST_RUN = ("Upgrade Alpha", "Upgrade Beta", "Upgrade Euro")
SECOND_RUN = ("Upgrade Gamma", "Upgrade Delta")
CANCELLED = "Upgrade Gamma"
NEW_CUSTOMER = "Upgrade Newcomer"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("make", "check", "smoke"))
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-o", "--output", help="make: where to write the snapshot")
    parser.add_argument("-i", "--input", help="check: the snapshot that make wrote")
    parser.add_argument("--addon-under", help="smoke: the folder the addon must be loaded from")
    return parser.parse_args()


# ---------------------------------------------------------------------------
# Data (previous release)
# ---------------------------------------------------------------------------


def give_credit(env, name, amount, in_euros):
    customer = env["res.partner"].create({"name": name, "customer_rank": 1})
    refund = env["account.move"].create(
        {
            "move_type": "out_refund",
            "partner_id": customer.id,
            "invoice_date": CREDIT_DATE,
            "date": CREDIT_DATE,
            "currency_id": (env.ref("base.EUR") if in_euros else env.company.currency_id).id,
            "invoice_line_ids": [
                Command.create({"name": "Credit", "quantity": 1, "price_unit": amount, "tax_ids": [Command.clear()]})
            ],
        }
    )
    refund.action_post()
    return customer


def reimburse(env, customers):
    wizard = env["account.reimbursement.wizard"].create(
        {"date": RUN_DATE, "partner_domain": str([("id", "in", customers.ids)])}
    )
    return env["account.reimbursement"].browse(wizard.action_reimburse()["res_id"])


def make(env, output):
    company = setup_company(env, 0.5, 0.4)
    customers = {name: give_credit(env, name, *credit) for name, credit in CREDITS.items()}
    credits = {name: open_residuals(env, customer) for name, customer in customers.items()}
    by_name = env["res.partner"].browse
    first = reimburse(env, by_name([customers[name].id for name in FIRST_RUN]))
    second = reimburse(env, by_name([customers[name].id for name in SECOND_RUN]))
    second.line_ids.filtered(lambda line: line.customer_id == customers[CANCELLED]).action_cancel()
    snapshot = {
        "customers": {name: customer.id for name, customer in customers.items()},
        "credits": credits,
        "clearing_account": company.reimbursement_clearing_account_id.id,
        "ledger": read_ledger(env, first | second),
    }
    with open(output, "w", encoding="utf-8") as handle:
        json.dump(snapshot, handle, indent=1, sort_keys=True)
    runs, lines = snapshot["ledger"]["runs"], snapshot["ledger"]["lines"]
    print(f"upgrade: made {len(runs)} runs, {len(lines)} lines with the previous release")


# ---------------------------------------------------------------------------
# Reading the ledger (both releases)
# ---------------------------------------------------------------------------


def open_residuals(env, customer):
    """The customer's open receivable: in company currency, and per currency."""
    items = env["account.move.line"].search(
        [
            ("partner_id", "=", customer.id),
            ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
        ]
    )
    per_currency = {}
    for item in items:
        per_currency[item.currency_id.name] = round(
            per_currency.get(item.currency_id.name, 0.0) + item.amount_residual_currency, 2
        )
    return {"company": round(sum(items.mapped("amount_residual")), 2), "currency": per_currency}


def read_ledger(env, runs):
    """What the runs hold, in plain data: runs, lines, their moves and every
    reconciliation of those moves' items."""
    lines = runs.line_ids
    moves = lines.bill_id | lines.transfer_move_id | lines.cancel_move_id
    items = moves.line_ids | lines.source_line_ids
    return {
        "runs": {
            str(run.id): {"name": run.name, "state": run.state, "lines": sorted(run.line_ids.ids)} for run in runs
        },
        "lines": {
            str(line.id): {
                "state": line.state,
                "customer": line.customer_id.id,
                "vendor": line.vendor_id.id,
                "currency": line.currency_id.name,
                "amount": line.amount,
                "bill": line.bill_id.id,
                "transfer_move": line.transfer_move_id.id,
                "cancel_move": line.cancel_move_id.id,
                "source_items": sorted(line.source_line_ids.ids),
            }
            for line in lines
        },
        "moves": {
            str(move.id): {
                "name": move.name,
                "state": move.state,
                "amount_total": move.amount_total,
                "amount_residual": move.amount_residual,
                "items": {
                    str(item.id): [item.account_id.id, item.partner_id.id, item.balance, item.amount_currency]
                    for item in move.line_ids
                },
            }
            for move in moves
        },
        "reconciliations": sorted(
            [partial.debit_move_id.id, partial.credit_move_id.id, partial.amount, partial.full_reconcile_id.id]
            for partial in (items.matched_debit_ids | items.matched_credit_ids)
        ),
    }


# ---------------------------------------------------------------------------
# Checks (this release)
# ---------------------------------------------------------------------------


class Checks:
    def __init__(self):
        self.made = 0
        self.breaches = []

    def equal(self, what, actual, expected):
        self.made += 1
        if actual != expected:
            self.breaches.append(f"{what}: {actual!r}, expected {expected!r}")


def clearing_balance(env, account_id):
    items = env["account.move.line"].search([("account_id", "=", account_id), ("parent_state", "=", "posted")])
    return round(sum(items.mapped("balance")), 2)


def check(env, snapshot_path):
    with open(snapshot_path, encoding="utf-8") as handle:
        snapshot = json.load(handle)
    before = snapshot["ledger"]
    checks = Checks()
    runs = env["account.reimbursement"].browse(int(run_id) for run_id in before["runs"])

    # Every run, line, bill and reconciliation is intact.
    checks.equal("runs carried over", sorted(runs.exists().ids), sorted(runs.ids))
    after = read_ledger(env, runs)
    for section in ("runs", "lines", "moves", "reconciliations"):
        checks.equal(section, after[section], before[section])
    for run in runs:
        checks.equal(f"{run.name} reads as", run.state, "done")
    for line in runs.line_ids:
        if line.state == "done":
            clearing = line.clearing_line_id
            checks.equal(f"line {line.id} clearing item account", clearing.account_id.id, snapshot["clearing_account"])
            checks.equal(f"line {line.id} clearing item reconciled", clearing.reconciled, True)
            checks.equal(
                f"line {line.id} own transfer items hold no clearing item",
                line.transfer_line_ids.filtered(lambda item: item.account_id.id == snapshot["clearing_account"]).ids,
                [],
            )
    checks.equal("clearing account balance", clearing_balance(env, snapshot["clearing_account"]), 0.0)

    # The old reimbursements can still be cancelled, each credit restored exactly.
    partners = env["res.partner"].browse
    customers = {name: partners(customer_id) for name, customer_id in snapshot["customers"].items()}
    done = runs.line_ids.filtered(lambda line: line.state == "done")
    done.action_cancel()
    for line in done:
        checks.equal(f"line {line.id} cancelled", line.state, "cancelled")
        checks.equal(f"bill of line {line.id}", line.bill_id.state, "cancel")
    for name, customer in customers.items():
        checks.equal(f"{name}'s credit after cancelling", open_residuals(env, customer), snapshot["credits"][name])
    checks.equal("clearing account balance after cancelling", clearing_balance(env, snapshot["clearing_account"]), 0.0)

    # A new run works, for a new customer and for one cancelled before the upgrade.
    newcomer = give_credit(env, NEW_CUSTOMER, 55.0, False)
    run = reimburse(env, newcomer | customers[CANCELLED])
    checks.equal("new run", run.state, "done")
    checks.equal("new run's lines", sorted(run.line_ids.mapped("state")), ["done", "done"])
    for line in run.line_ids:
        checks.equal(f"new bill of {line.customer_id.name}", line.bill_id.amount_residual, line.amount)
        checks.equal(
            f"{line.customer_id.name}'s credit after the new run", open_residuals(env, line.customer_id)["company"], 0.0
        )
    checks.equal("clearing account balance after the new run", clearing_balance(env, snapshot["clearing_account"]), 0.0)

    print(
        f"upgrade: runs={len(runs)} lines={len(runs.line_ids)} "
        f"(cancelled before={sum(1 for line in before['lines'].values() if line['state'] == 'cancelled')}) "
        f"bills={len(runs.line_ids.bill_id)} reconciliations={len(before['reconciliations'])} "
        f"checks={checks.made} breaches={len(checks.breaches)}"
    )
    for breach in checks.breaches:
        print(f"BREACH: {breach}")
    return not checks.breaches


def smoke(env, addon_under):
    """One reimbursement with both addons loaded from under ``addon_under``."""
    checks = Checks()
    for addon in ("reimbursement_addon", "reimbursement_payment_order"):
        path = odoo.modules.module.get_module_path(addon)
        checks.equal(
            f"{addon} is loaded from under", os.path.realpath(path).startswith(os.path.realpath(addon_under)), True
        )
        checks.equal(f"{addon} is installed", env["ir.module.module"]._get(addon).state, "installed")
    setup_company(env, 0.5, 0.4)
    customer = give_credit(env, "Wheel Customer", 88.0, False)
    line = reimburse(env, customer).line_ids
    checks.equal("run line", line.state, "done")
    checks.equal("bill", (line.bill_id.state, line.bill_id.amount_residual), ("posted", 88.0))
    checks.equal("customer's credit", open_residuals(env, customer)["company"], 0.0)
    print(f"wheel: both addons loaded from under {addon_under}; checks={checks.made} breaches={len(checks.breaches)}")
    for breach in checks.breaches:
        print(f"BREACH: {breach}")
    return not checks.breaches


def main():
    args = parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        if args.action == "make":
            make(env, args.output)
            return 0
        ok = check(env, args.input) if args.action == "check" else smoke(env, args.addon_under)
        # Nothing of the checks stays: the database is the upgraded one.
        cr.rollback()
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
