"""Benchmark of writing off small, dormant credits: the same customers'
credits reimbursed, then written off.

    tools/bench_write_off.py -c CONF -d DB [--repeat K]

On a database built by ``tools/bench.py build``, every bench customer's
credit is run twice, each in a transaction rolled back afterwards and posted
in the request: reimbursed (a bill and a transfer entry each, as ``make
bench`` measures them), then written off (the company's minimum and
write-off amount above every credit, dormant after 20 days: each a
``write_off`` line, many to one entry in the transfer journal). Prints each
run's time and queries, checks that both leave every customer's receivable
settled, and ends with a ``bench_write_off:`` line whose ``ratio`` is the
write-off run's time over the reimbursement run's (with ``--repeat K``, the
median of K pairs, each measured back to back).
"""

import argparse
import statistics
import sys
from pathlib import Path

import odoo
from odoo.modules.registry import Registry

sys.path.insert(0, str(Path(__file__).parent))
import bench  # the bench customers, their run and its measurement

# Every bench credit (100 to 196, some in euros) is below these, and older.
WRITE_OFF_LIMIT = 100000.0
DORMANT_AFTER_DAYS = 20


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--repeat", type=int, default=1, help="measure both runs this many times, in turn")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def reimbursing(count):
    def prepare(env):
        bench.in_request(env, count)

    return prepare


def writing_off(count):
    def prepare(env):
        bench.in_request(env, count)
        account = env["account.account"].search(
            [("account_type", "=", "income_other"), ("company_ids", "in", env.company.ids)], limit=1
        )
        env.company.write(
            {
                "reimbursement_min_amount": WRITE_OFF_LIMIT,
                "reimbursement_writeoff_account_id": account.id,
                "reimbursement_writeoff_max_amount": WRITE_OFF_LIMIT,
                "reimbursement_writeoff_after_days": DORMANT_AFTER_DAYS,
                "reimbursement_write_off_small_credits": True,
            }
        )

    return prepare


def lines_of_kind(kind):
    """The run of the wizard, as the number of its lines of ``kind``."""

    def run(env, _argument):
        return len(bench.run_wizard(env).line_ids.filtered(lambda line: line.kind == kind))

    return run


def main():
    args = parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        count = len(bench.bench_customers(bench.environment(cr)))
    if not count:
        sys.exit("error: the database holds no bench customers: build it with tools/bench.py build first.")

    pairs = []
    for _repetition in range(args.repeat):
        pairs.append(
            tuple(
                measure_run(registry, count, kind, prepare)
                for kind, prepare in (("reimbursement", reimbursing(count)), ("write_off", writing_off(count)))
            )
        )
    # The queries of the first pair: the same in every pair.
    (_time, reimbursement_queries, reimbursements), (_time, write_off_queries, write_offs) = pairs[0]
    reimbursement_time = min(reimbursed[0] for reimbursed, _written_off in pairs)
    write_off_time = min(written_off[0] for _reimbursed, written_off in pairs)
    ratio = statistics.median(written_off[0] / reimbursed[0] for reimbursed, written_off in pairs)
    print(
        f"bench_write_off: N={count} reimbursements={reimbursements} write_offs={write_offs} "
        f"reimbursement_time={reimbursement_time:.1f}s write_off_time={write_off_time:.1f}s ratio={ratio:.2f} "
        f"queries_per_reimbursement={reimbursement_queries / reimbursements:.1f} "
        f"queries_per_write_off={write_off_queries / write_offs:.1f}",
        flush=True,
    )


def measure_run(registry, count, kind, prepare):
    """The run of every bench customer, its lines of ``kind``, measured and
    rolled back; every customer's receivable must be settled after it.

    :return: (time, queries, lines)
    """
    elapsed, queries, lines, outcome = bench.measured(registry, kind, lines_of_kind(kind), count, prepare=prepare)
    open_after = sum(1 for residual, _bill in outcome.values() if residual)
    if not lines or open_after:
        sys.exit(f"error: the {kind} run made {lines} lines of its kind and left {open_after} customers open.")
    return elapsed, queries, lines


if __name__ == "__main__":
    main()
