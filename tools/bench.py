"""Benchmark of a reimbursement run over many customers.

    tools/bench.py build   -c CONF -d DB -n N    customers with credits, committed
    tools/bench.py measure -c CONF -d DB -n N    the three runs below, rolled back

``measure`` runs, on identical data (each in a transaction rolled back
afterwards, the tables vacuumed before the next):

- the preview and the reimbursement of all N customers through
  ``account.reimbursement.wizard``, posted in the call (the company's
  background threshold above N);
- the floor: N one-line vendor bills created and posted 500 per
  ``create()``, with the planner's statistics refreshed after the first
  batch as a run does;
- unless ``--no-naive``, the naive way: a loop over the customers calling
  the ORM per customer (one-time vendor, transfer entry, bill,
  reconciliation), as a script written against Odoo's API would;
- last, as it commits: the background path, from ``action_reimburse()``
  (threshold 0) to the run ``done``, the cron job run as Odoo's cron
  threads run it (``ir.cron._process_jobs``, every other job switched off).

With ``--repeat K``, the run and the floor are measured K times each, in
turn: the ``bench:`` line gives the fastest of each and, as ``overhead``,
the median ratio of the K pairs, each measured back to back (on a machine
whose speed drifts from one minute to the next, a pair shares its speed);
``background_ratio`` sets the background run, measured once, against the
median run.

With ``--phases``, the run and the floor also print where their time goes:
the time in each step of the engine and of Odoo's posting (see PHASES),
per customer, so that two sizes show which step grows faster.

It checks that every way produced the same accounting (open residual per
customer, bill total per customer), prints one line per figure and ends
with the ``bench:`` line. ``make bench N=...`` builds a fresh database and
calls both.
"""

import argparse
import functools
import resource
import statistics
import sys
import time
from collections import defaultdict
from contextlib import closing, contextmanager, nullcontext

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.sql_db import db_connect

RUN_DATE = "2026-01-31"
CREDIT_DATE = "2026-01-05"
BATCH = 500
PROGRESS = 1000  # the naive loop prints its progress every PROGRESS customers

# The steps --phases times: the engine's, then Odoo's that they call. A step
# called within itself (create() calling create()) counts once.
PHASES = {
    "account.reimbursement": [
        "_create_lines",
        "_post_batch",
        "_check_lines",
        "_refresh_statistics",
    ],
    "account.reimbursement.line": [
        "_get_vendors",
        "_create_bills",
        "_create_transfer_move",
        "_post_moves",
        "_reconcile_moves",
        "write",
        "_set_relations",
        "_log_on_moves",
    ],
    "account.move": ["create", "_post", "_message_log_batch"],
    "account.move.line": ["_reconcile_plan"],
    "res.partner": ["create", "_increase_rank"],
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("build", "measure"))
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-n", "--customers", type=int, default=2000)
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure the run and the floor this many times each, in turn (overhead: the median of the pairs)",
    )
    parser.add_argument(
        "--phases",
        action="store_true",
        help="print the time of each step of the run and of the floor, per customer",
    )
    parser.add_argument(
        "--no-naive",
        action="store_true",
        help="skip the naive loop (minutes per thousand customers): no speedup in the bench line then",
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def batches(items, size=BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def setup_company(env, credit_rate, run_rate):
    """The current company with a chart of accounts, its reimbursement
    configuration, and euros worth ``credit_rate`` at CREDIT_DATE and
    ``run_rate`` at RUN_DATE (euros per unit of company currency)."""
    company = env.company
    if not company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
    company._reimbursement_setup_accounting()
    eur = env.ref("base.EUR")
    eur.active = True
    env["res.currency.rate"].create(
        [
            {"currency_id": eur.id, "name": CREDIT_DATE, "rate": credit_rate, "company_id": company.id},
            {"currency_id": eur.id, "name": RUN_DATE, "rate": run_rate, "company_id": company.id},
        ]
    )
    return company


def build(env, count):
    """N customers holding credits of mixed kinds: credit notes, bank
    receipts, 10% in euros, 10% with an open invoice besides a larger credit."""
    company = setup_company(env, 0.9, 0.95)
    eur = env.ref("base.EUR")
    customers = env["res.partner"].create(
        [{"name": f"Bench Customer {index:05d}", "customer_rank": 1} for index in range(count)]
    )
    bank_journal = env["account.journal"].search([("company_id", "=", company.id), ("type", "=", "bank")], limit=1)
    refunds, invoices, receipts = [], [], []
    for index, customer in enumerate(customers):
        amount = 100.0 + index % 97
        kind = index % 10
        if kind == 0:
            refunds.append(_invoice_vals(customer, "out_refund", amount, eur))
        elif kind == 1:
            refunds.append(_invoice_vals(customer, "out_refund", amount + 50.0))
            invoices.append(_invoice_vals(customer, "out_invoice", 50.0))
        elif kind % 2:
            receipts.append(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": customer.id,
                    "amount": amount,
                    "date": CREDIT_DATE,
                    "journal_id": bank_journal.id,
                }
            )
        else:
            refunds.append(_invoice_vals(customer, "out_refund", amount))
    for vals_list in batches(refunds + invoices):
        env["account.move"].create(vals_list).action_post()
        env.invalidate_all()
    for vals_list in batches(receipts):
        env["account.payment"].create(vals_list).action_post()
        env.invalidate_all()
    return customers


def _invoice_vals(customer, move_type, amount, currency=None):
    vals = {
        "move_type": move_type,
        "partner_id": customer.id,
        "invoice_date": CREDIT_DATE,
        "invoice_line_ids": [Command.create({"name": "Bench", "quantity": 1, "price_unit": amount, "tax_ids": []})],
    }
    if currency:
        vals["currency_id"] = currency.id
    return vals


def bench_customers(env):
    return env["res.partner"].search([("name", "=like", "Bench Customer %")], order="name")


# ---------------------------------------------------------------------------
# The three ways
# ---------------------------------------------------------------------------


def in_request(env, count):
    """The company posts runs of up to ``count`` lines in the call."""
    env.company.reimbursement_background_threshold = count


def run_wizard(env, _argument=None):
    wizard = env["account.reimbursement.wizard"].create(
        {"date": RUN_DATE, "include_debit_customers": True, "offset_debits": True}
    )
    action = wizard.action_reimburse()
    return env["account.reimbursement"].browse(action["res_id"])


def run_preview(env):
    wizard = env["account.reimbursement.wizard"].create(
        {"date": RUN_DATE, "include_debit_customers": True, "offset_debits": True}
    )
    wizard.action_preview()
    return len(wizard.line_ids)


def run_naive(env, customers):
    """One customer at a time through the ORM, as a script would, with what
    a careful script author adds and the wizard does too:

    - the wizard's context (no creation or tracking messages, no followers),
      so that the speedup measures batching, not chatter. With chatter, the
      records Odoo holds for tracking until the commit keep their
      environments alive, and Odoo compares every new environment with all
      the live ones: the cost per customer grows with every customer, and
      10,000 take hours;
    - the cache emptied every 500 customers and the statistics refreshed
      after the first 500 (without either, about 1.3 s a customer after
      4,000 of 10,000, against 0.22 s for 1,000)."""
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nosubscribe=True))
    company = env.company
    clearing = company.reimbursement_clearing_account_id
    AccountMoveLine = env["account.move.line"]
    start = time.perf_counter()
    for number, customer_id in enumerate(customers.ids, start=1):
        if number % BATCH == 0:
            env.invalidate_all()
            if number == BATCH:
                env["account.reimbursement"]._refresh_statistics()
        customer = env["res.partner"].browse(customer_id)
        items = AccountMoveLine.search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "=", customer.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
            ]
        )
        for currency, currency_items in items.grouped("currency_id").items():
            amount = -sum(currency_items.mapped("amount_residual_currency"))
            if currency.compare_amounts(amount, 0.0) <= 0:
                continue
            vendor = env["res.partner"].create(customer._prepare_reimbursement_vendor_vals(company))
            customer.with_company(company).reimbursement_vendor_id = vendor
            bill = env["account.move"].create(
                {
                    "move_type": "in_invoice",
                    "journal_id": company.reimbursement_journal_id.id,
                    "partner_id": vendor.id,
                    "currency_id": currency.id,
                    "invoice_date": RUN_DATE,
                    "date": RUN_DATE,
                    "ref": f"Naive - {customer.name}",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": customer.name,
                                "account_id": clearing.id,
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [],
                            }
                        )
                    ],
                }
            )
            bill.action_post()
            bill_clearing = bill.line_ids.filtered(lambda line: line.account_id == clearing)
            transfer = env["account.move"].create(
                {
                    "move_type": "entry",
                    "journal_id": company.reimbursement_transfer_journal_id.id,
                    "date": RUN_DATE,
                    "ref": customer.name,
                    "line_ids": [
                        Command.create(
                            {
                                "partner_id": customer.id,
                                "account_id": currency_items.account_id[:1].id,
                                "currency_id": currency.id,
                                "amount_currency": amount,
                                "balance": bill_clearing.balance,
                            }
                        ),
                        Command.create(
                            {
                                "partner_id": customer.id,
                                "account_id": clearing.id,
                                "currency_id": currency.id,
                                "amount_currency": -amount,
                                "balance": -bill_clearing.balance,
                            }
                        ),
                    ],
                }
            )
            transfer.action_post()
            (currency_items + transfer.line_ids.filtered(lambda line: line.account_id != clearing)).reconcile()
            (bill_clearing + transfer.line_ids.filtered(lambda line: line.account_id == clearing)).reconcile()
        if number % PROGRESS == 0:
            print(f"naive: {number} of {len(customers)} customers in {time.perf_counter() - start:.0f}s", flush=True)


def floor_vendors(env, count):
    """One vendor per bill, as the wizard bills one vendor per customer (Odoo
    compares a vendor's bills for duplicates: one vendor for all would not be
    a floor)."""
    return env["res.partner"].create(
        [{"name": f"Bench Floor Vendor {index:05d}", "supplier_rank": 1} for index in range(count)]
    )


def run_floor(env, vendors):
    """N one-line vendor bills, 500 per create(), and nothing else but what
    a run does to keep Odoo's numbering of its bills at a constant cost: the
    statistics refreshed once the first batch is posted (see the run's
    ``_refresh_statistics``)."""
    company = env.company
    for number, chunk in enumerate(batches(list(enumerate(vendors.ids)))):
        bills = env["account.move"].create(
            [
                {
                    "move_type": "in_invoice",
                    "journal_id": company.reimbursement_journal_id.id,
                    "partner_id": vendor_id,
                    "invoice_date": RUN_DATE,
                    "date": RUN_DATE,
                    "ref": f"Floor - {index}",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": f"Floor {index}",
                                "account_id": company.reimbursement_clearing_account_id.id,
                                "quantity": 1,
                                "price_unit": 100.0 + index % 97,
                                "tax_ids": [],
                            }
                        )
                    ],
                }
                for index, vendor_id in chunk
            ]
        )
        bills.action_post()
        env.invalidate_all()
        if number == 0:
            env["account.reimbursement"]._refresh_statistics()


def accounting(env, customers):
    """Open residual (company currency) and bill total per customer."""
    env.flush_all()
    env.cr.execute(
        """
        SELECT partner_id, SUM(amount_residual)
          FROM account_move_line aml
          JOIN account_account acc ON acc.id = aml.account_id
         WHERE aml.partner_id = ANY(%s) AND acc.account_type = 'asset_receivable'
           AND aml.parent_state = 'posted' AND NOT aml.reconciled
         GROUP BY partner_id
        """,
        [customers.ids],
    )
    residuals = {partner_id: round(residual, 2) for partner_id, residual in env.cr.fetchall()}
    # The bills name their customer in their reference: "<run> - <customer>".
    env.cr.execute(
        """
        SELECT p.id, SUM(m.amount_total)
          FROM account_move m
          JOIN res_partner p ON p.name = split_part(m.ref, ' - ', 2)
         WHERE m.move_type = 'in_invoice' AND m.state = 'posted' AND p.id = ANY(%s)
         GROUP BY p.id
        """,
        [customers.ids],
    )
    bills = {partner_id: round(total, 2) for partner_id, total in env.cr.fetchall()}
    return {
        customer_id: (residuals.get(customer_id, 0.0), bills.get(customer_id, 0.0)) for customer_id in customers.ids
    }


def environment(cr):
    env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
    return env(context=dict(env.context, allowed_company_ids=env.company.ids))


@contextmanager
def timed_phases(registry, label, count):
    """Time the steps of PHASES (and the flushes of the cache) while the
    block runs, then print them, the longest first."""
    totals, calls, running = defaultdict(float), defaultdict(int), set()

    def timer(name, method):
        @functools.wraps(method)
        def timed(*args, **kwargs):
            if name in running:
                return method(*args, **kwargs)
            running.add(name)
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                totals[name] += time.perf_counter() - start
                calls[name] += 1
                running.discard(name)

        return timed

    targets = [(registry[model], method) for model, methods in PHASES.items() for method in methods]
    targets.append((api.Environment, "flush_all"))
    originals = [(owner, method, owner.__dict__.get(method)) for owner, method in targets]
    for owner, method in targets:
        name = f"{getattr(owner, '_name', 'env')}.{method}"
        setattr(owner, method, timer(name, getattr(owner, method)))
    try:
        yield
    finally:
        for owner, method, original in originals:
            if original is None:
                delattr(owner, method)
            else:
                setattr(owner, method, original)
    for name, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(
            f"{label} phase: {name} {seconds:.1f}s {1000 * seconds / count:.2f}ms_per_customer calls={calls[name]}",
            flush=True,
        )


def measured(registry, label, func, count, prepare=None, phases=False):
    """Run ``func(env)`` in a transaction of its own, rolled back afterwards,
    then vacuum, so that no way pays for the rows another left behind.

    :return: (time, queries, what ``func`` returned, the accounting after it)
    """
    with registry.cursor() as cr:
        env = environment(cr)
        customers = bench_customers(env)
        argument = prepare(env) if prepare else None
        env.flush_all()
        env.invalidate_all()
        queries = cr.sql_log_count
        with timed_phases(registry, label, count) if phases else nullcontext():
            start = time.perf_counter()
            result = func(env, argument) if prepare else func(env)
            env.flush_all()
            elapsed = time.perf_counter() - start
        queries = cr.sql_log_count - queries
        outcome = accounting(env, customers)
        cr.rollback()
    vacuum(registry)
    print(f"{label}: time={elapsed:.2f}s queries={queries} per_customer={queries / count:.1f}", flush=True)
    return elapsed, queries, result, outcome


def vacuum(registry):
    """Clean the tables of the rolled-back rows (VACUUM needs autocommit)."""
    connection = db_connect(registry.db_name)
    with closing(connection.cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute("VACUUM ANALYZE account_move, account_move_line, account_partial_reconcile, res_partner")


def run_background(registry, count):
    """From ``action_reimburse()`` to the run done, in the background: the
    run is committed, then the cron job runs as Odoo's cron threads run it,
    a window of Odoo's calls at a time, until the run is done. Every other
    job is switched off, so that the figures are this job's alone. It
    commits: measured last.

    :return: (time, the accounting after it)
    """
    with registry.cursor() as cr:
        env = environment(cr)
        job = only_job(env, "reimbursement_addon.ir_cron_post_reimbursements")
        env.company.reimbursement_background_threshold = 0
    start = time.perf_counter()
    with registry.cursor() as cr:
        run_id = run_wizard(environment(cr)).id
    request_time = time.perf_counter() - start
    figures = run_job_until(
        registry, job, "SELECT state != 'posting', state FROM account_reimbursement WHERE id = %s", [run_id]
    )
    elapsed = time.perf_counter() - start
    with registry.cursor() as cr:
        env = environment(cr)
        outcome = accounting(env, bench_customers(env))
    print(f"background: time={elapsed:.2f}s request={request_time:.2f}s {figures}", flush=True)
    return elapsed, outcome


def only_job(env, xmlid):
    """The cron job ``xmlid``, every other one switched off, so that the
    figures are this job's alone (committed)."""
    job = env.ref(xmlid)
    env["ir.cron"].search([("id", "!=", job.id)]).active = False
    return job


def run_job_until(registry, job, query, params):
    """Run the cron ``job`` as Odoo's cron threads run it, a window of
    Odoo's calls at a time, until ``query`` (on ``params``) gives a first
    column true; its second column is the state reported.

    :return: the figures of the windows and calls, as a line to print
    """
    cron_class = registry["ir.cron"]
    windows = []
    done = False
    while not done:
        window_start, cpu_start = time.perf_counter(), time.process_time()
        cron_class._process_jobs(registry.db_name)
        windows.append((time.perf_counter() - window_start, time.process_time() - cpu_start))
        with registry.cursor() as cr:
            cr.execute(query, params)
            done, state = cr.fetchone()
    with registry.cursor() as cr:
        cr.execute(
            """SELECT count(*), max(extract(epoch FROM write_date - create_date)) FROM ir_cron_progress
                WHERE cron_id = %s""",
            [job.id],
        )
        calls, longest_call = cr.fetchone()
    return (
        f"state={state} calls={calls} longest_call={longest_call:.1f}s windows={len(windows)} "
        f"longest_window={max(real for real, _cpu in windows):.1f}s "
        f"longest_window_cpu={max(cpu for _real, cpu in windows):.1f}s (Odoo's limits: 120s real, 60s CPU)"
    )


def compare(label, reference, outcome):
    differences = [
        (customer_id, reference[customer_id], outcome[customer_id])
        for customer_id in reference
        if reference[customer_id] != outcome[customer_id]
    ]
    if differences:
        sys.exit(f"error: the run and {label} differ for {len(differences)} customers: {differences[:5]}")
    print(f"accounting: the run and {label} identical for {len(reference)} customers", flush=True)


def measure(registry, count, naive=True, phases=False, repeat=1):
    with registry.cursor() as cr:
        found = len(bench_customers(environment(cr)))
    if found != count:
        sys.exit(f"error: the database holds {found} bench customers, not {count}: build it first.")

    preview_time, _queries, proposed, _outcome = measured(registry, "preview", run_preview, count)
    print(f"preview: {proposed} reimbursements proposed for {count} customers", flush=True)

    run_times, floor_times = [], []
    for repetition in range(repeat):
        with_phases = phases and not repetition  # the steps of the first pair
        run_time, queries, _run, outcome = measured(
            registry, "run", run_wizard, count, prepare=lambda env: in_request(env, count), phases=with_phases
        )
        run_times.append(run_time)
        if not repetition:
            run_queries, run_accounting = queries, outcome
            open_after = sum(1 for residual, _bill in run_accounting.values() if residual)
            print(f"accounting: {open_after} customers left with an open balance after the run", flush=True)
        floor_time, _queries, _none, _outcome = measured(
            registry, "floor", run_floor, count, prepare=lambda env: floor_vendors(env, count), phases=with_phases
        )
        floor_times.append(floor_time)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The machine's speed drifts from one minute to the next: each pair, run
    # and floor measured one after the other, shares it, and the middle of
    # their ratios is the overhead.
    ratios = [run / floor for run, floor in zip(run_times, floor_times, strict=True)]
    run_time, floor_time, overhead = min(run_times), min(floor_times), statistics.median(ratios)
    if repeat > 1:
        print(
            f"repeat: {repeat} times each, in turn: run {run_time:.1f}s to {max(run_times):.1f}s, "
            f"floor {floor_time:.1f}s to {max(floor_times):.1f}s, overhead of each pair "
            f"{' '.join(f'{ratio:.2f}' for ratio in ratios)}; below the fastest of each and the median overhead",
            flush=True,
        )
    print(f"preview: time={preview_time:.2f}s for {count} customers", flush=True)

    naive_figures = "naive_time=- speedup=-"
    if naive:
        naive_time, _queries, _none, naive_accounting = measured(
            registry, "naive", run_naive, count, prepare=bench_customers
        )
        compare("the naive loop", run_accounting, naive_accounting)
        naive_figures = f"naive_time={naive_time:.1f}s speedup={naive_time / run_time:.2f}"

    # Measured once (it commits): against the middle of the runs, not the
    # fastest of several, which a single measurement would seldom match.
    background_time, background_accounting = run_background(registry, count)
    background_ratio = background_time / statistics.median(run_times)
    peak_rss = max(peak_rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    compare("the background run", run_accounting, background_accounting)
    print(
        f"bench: N={count} time={run_time:.1f}s rate={count / run_time:.1f} "
        f"queries_per_customer={run_queries / count:.1f} peak_rss={peak_rss:.0f}MB "
        f"{naive_figures} floor_time={floor_time:.1f}s overhead={overhead:.2f} "
        f"background_time={background_time:.1f}s background_ratio={background_ratio:.2f}",
        flush=True,
    )


def main():
    args = parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)
    if args.action == "build":
        start = time.perf_counter()
        with registry.cursor() as cr:
            build(environment(cr), args.customers)
        vacuum(registry)
        print(f"build: {args.customers} customers in {time.perf_counter() - start:.1f}s", flush=True)
    else:
        measure(registry, args.customers, naive=not args.no_naive, phases=args.phases, repeat=args.repeat)


if __name__ == "__main__":
    main()
