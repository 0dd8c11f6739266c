"""Benchmark of paying a run by bank file: each click of OCA's flow.

    tools/bench_payment_order.py -c CONF -d DB [-n N]

On a database built by ``tools/bench.py build`` with
``reimbursement_payment_order`` installed: each of the first N bench
customers (all by default) gets a trusted bank account, the company a bank
journal paying by credit transfer file and a reimbursement payment mode;
their run is posted in the request; then *Create Payment Order*, *Confirm
Payments*, *Generate Payment File* and *File Successfully Uploaded* are
timed one by one, with their queries. Everything is rolled back at the end.
Prints a line per step and a ``bench_payment_order:`` line.
"""

import argparse
import sys
import time
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, Command, api
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
    return parser.parse_args()


def setup(env, customers):
    """Trusted accounts for the customers, the company's bank file."""
    company = env.company
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
            "bank_account_id": env["res.partner.bank"]
            .create({"partner_id": company.partner_id.id, "acc_number": "NO9386011117947", "allow_out_payment": True})
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


def main():
    args = parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        customers = bench.bench_customers(env)[: args.customers]
        setup(env, customers)
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
        print(f"run: {len(run.line_ids)} bills posted in {run_time:.1f}s", flush=True)
        figures = []
        order = env["account.payment.order"]
        for step, label in STEPS:
            env.invalidate_all()
            queries, start = cr.sql_log_count, time.perf_counter()
            if step == "create_order":
                run.action_create_payment_order()
                order = run.payment_order_ids
            else:
                getattr(order, step)()
            env.flush_all()
            seconds, queries = time.perf_counter() - start, cr.sql_log_count - queries
            print(f"{label}: {seconds:.1f}s, {queries} queries ({queries / len(run.line_ids):.1f} a bill)", flush=True)
            figures.append(f"{step}={seconds:.1f}s")
        paid = run.line_ids.bill_id.filtered(lambda bill: bill.payment_state in ("paid", "in_payment"))
        print(
            f"bench_payment_order: bills={len(run.line_ids)} paid={len(paid)} run={run_time:.1f}s {' '.join(figures)}",
            flush=True,
        )
        cr.rollback()


if __name__ == "__main__":
    main()
