"""Benchmark of paying a run by bank file: each click of OCA's flow.

    tools/bench_payment_order.py -c CONF -d DB [-n N]

On a database built by ``tools/bench.py build`` with
``reimbursement_payment_order`` installed: each of the first N bench
customers (all by default) gets a trusted bank account, the company a bank
journal paying by credit transfer file and a reimbursement payment mode;
their run is posted in the request; then *Create Payment Order*, *Confirm
Payments* and *Generate Payment File* are timed one by one, with their
queries, and committed. *File Successfully Uploaded* is timed twice: in the
request (the company's background threshold above the order's size, rolled
back), then as the company posts it (threshold 0: the click, then the cron
job run as Odoo's cron threads run it until the order is uploaded). It
commits: use a database of its own. Prints a line per step and a
``bench_payment_order:`` line.
"""

import argparse
import sys
import time
from pathlib import Path

import odoo
from odoo.fields import Command
from odoo.modules.registry import Registry

sys.path.insert(0, str(Path(__file__).parent))
import bench  # the bench customers and their run

STEPS = [
    ("create_order", "Create Payment Order"),
    ("draft2open", "Confirm Payments"),
    ("open2generated", "Generate Payment File"),
    ("generated2uploaded", "File Successfully Uploaded"),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-n", "--customers", type=int, help="the first N bench customers (default: all)")
    parser.add_argument(
        "--setup-only",
        action="store_true",
        help="only give the customers trusted accounts and the company its bank file, and commit "
        "(tools/faults.py pays the run)",
    )
    return parser.parse_args()


def setup(env, customers):
    """Trusted accounts for the customers, the company's bank file; the
    administrator pays by payment order."""
    # Importable once the configuration has put the addons on the path.
    from odoo.addons.reimbursement_addon import series  # noqa: PLC0415

    company = env.company
    env.ref("base.user_admin").write(
        {series.USER_GROUPS: [Command.link(env.ref("account_payment_order.group_account_payment").id)]}
    )
    env["res.partner.bank"].create(
        [
            {"partner_id": customer.id, "acc_number": f"NO{index:013d}", "allow_out_payment": True}
            for index, customer in enumerate(customers)
        ]
    )
    method = env.ref("account_banking_sepa_credit_transfer.sepa_credit_transfer")
    journal = env["account.journal"].search([("company_id", "=", company.id), ("type", "=", "bank")], limit=1)
    journal.write(
        {
            "outbound_payment_method_line_ids": [Command.create({"payment_method_id": method.id})],
            # At a bank with its BIC: the file of a Norwegian account names it.
            "bank_account_id": env["res.partner.bank"]
            .create(
                {
                    "partner_id": company.partner_id.id,
                    "acc_number": "NO9386011117947",
                    "bank_id": env["res.bank"].create({"name": "DNB Bank ASA", "bic": "DNBANOKK"}).id,
                    "allow_out_payment": True,
                }
            )
            .id,
        }
    )
    company.reimbursement_payment_mode_id = env["account.payment.mode"].create(
        {
            "name": "Bench reimbursements by bank file",
            "payment_method_id": method.id,
            "bank_account_link": "fixed",
            "fixed_journal_id": journal.id,
        }
    )


def timed(env, label, count, func):
    """``func()`` timed with its queries; prints its line.

    :return: (seconds, what ``func`` returned)
    """
    cr = env.cr
    env.invalidate_all()
    queries, start = cr.sql_log_count, time.perf_counter()
    result = func()
    env.flush_all()
    seconds, queries = time.perf_counter() - start, cr.sql_log_count - queries
    print(f"{label}: {seconds:.1f}s, {queries} queries ({queries / count:.1f} a bill)", flush=True)
    return seconds, result


def main():
    args = parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)
    figures = []
    with registry.cursor() as cr:
        env = bench.environment(cr)
        customers = bench.bench_customers(env)[: args.customers]
        setup(env, customers)
        if args.setup_only:
            print(f"bench_payment_order: {len(customers)} customers with trusted bank accounts", flush=True)
            return
        bench.in_request(env, len(customers))
        wizard = env["account.reimbursement.wizard"].create(
            {
                "date": bench.RUN_DATE,
                "include_debit_customers": True,
                "offset_debits": True,
                "partner_domain": str([("id", "in", customers.ids)]),
            }
        )
        env.flush_all()
        start = time.perf_counter()
        run = env["account.reimbursement"].browse(wizard.action_reimburse()["res_id"])
        env.flush_all()
        run_time = time.perf_counter() - start
        bills = len(run.line_ids)
        print(f"run: {bills} bills posted in {run_time:.1f}s", flush=True)

        def create_order():
            run.action_create_payment_order()
            return run.payment_order_ids

        seconds, order = timed(env, STEPS[0][1], bills, create_order)
        figures.append(f"{STEPS[0][0]}={seconds:.1f}s")
        for step, label in STEPS[1:3]:
            seconds, _result = timed(env, label, bills, getattr(order, step))
            figures.append(f"{step}={seconds:.1f}s")
        order_id, run_id = order.id, run.id

    # In the request, as OCA does it (rolled back).
    with registry.cursor() as cr:
        env = bench.environment(cr)
        order = env["account.payment.order"].browse(order_id)
        bench.in_request(env, bills)
        seconds, _result = timed(env, f"{STEPS[3][1]} (in the request)", bills, order.generated2uploaded)
        figures.append(f"uploaded_in_request={seconds:.1f}s")
        cr.rollback()

    # As the company does it: in the background above its threshold.
    with registry.cursor() as cr:
        env = bench.environment(cr)
        job = bench.only_job(env, "reimbursement_payment_order.ir_cron_post_payment_orders")
        env.company.reimbursement_background_threshold = 0
        order = env["account.payment.order"].browse(order_id)
        start = time.perf_counter()
        seconds, _result = timed(env, f"{STEPS[3][1]} (the click)", bills, order.generated2uploaded)
        figures.append(f"uploaded_click={seconds:.1f}s")
    window_figures = bench.run_job_until(
        registry,
        job,
        "SELECT state != 'generated' OR upload_state IS DISTINCT FROM 'posting', "
        "COALESCE(upload_state, state) FROM account_payment_order WHERE id = %s",
        [order_id],
    )
    background = time.perf_counter() - start
    print(f"{STEPS[3][1]} (in the background): {background:.1f}s {window_figures}", flush=True)
    figures.append(f"uploaded_background={background:.1f}s")
    with registry.cursor() as cr:
        env = bench.environment(cr)
        run = env["account.reimbursement"].browse(run_id)
        paid = run.line_ids.bill_id.filtered(lambda bill: bill.payment_state in ("paid", "in_payment"))
        state = env["account.payment.order"].browse(order_id).state
    print(
        f"bench_payment_order: bills={bills} paid={len(paid)} order={state} run={run_time:.1f}s {' '.join(figures)}",
        flush=True,
    )


if __name__ == "__main__":
    main()
