"""Fault test: a background run, then its payment order's upload, survive an
Odoo server killed in the middle of them.

    tools/faults.py --odoo-bin ODOO_BIN -c CONF -d DB --log-dir DIR [--port PORT] [--workers N]
                    [--payment-order]

The database holds customers with credit balances (``tools/bench.py
build``). The script

1. starts a real Odoo server on DB with Odoo's default time limits and cron
   on: threaded as ``make run`` serves, or with ``--workers N`` in
   multi-worker mode (N HTTP workers, two cron workers);
2. logs in and reimburses every customer through JSON-RPC, the calls the
   web client makes (``web_save`` of the wizard, then its button
   ``action_reimburse``): the run is handed to the background;
3. waits until the cron job has committed a few batches, then kills the
   server (every process of it) with SIGKILL in the middle of the next one;
4. checks that what was committed is consistent and the run still
   ``posting``, restarts the server and waits for the run to be ``done``;
5. checks the accounting in SQL: one line and one posted bill per customer,
   every customer's open receivable zero, the clearing account at zero, no
   bill or entry outside the run's lines, nothing left in draft, and no
   error in the server's log.

With ``--payment-order`` (``reimbursement_payment_order`` installed, the
customers given trusted bank accounts by ``tools/bench_payment_order.py
--setup-only``), the run's bills are then paid by a payment order through
JSON-RPC (*Create Payment Order*, *Confirm Payments*, *Generate Payment
File*, *File Successfully Uploaded*): its payments go to the background; the
server is killed again after a few committed batches of them, restarted, and
the order must end uploaded with every bill paid once by a payment of its
own, reconciled with it.

It prints its figures and exits non-zero on any breach.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from contextlib import closing

import psycopg2
import requests

RUN_DATE = "2026-01-31"  # tools/bench.py's run date
BATCHES_BEFORE_KILL = 3
# Payments committed before the kill of the upload: three of its batches.
PAYMENTS_BEFORE_KILL = 300


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--port", type=int, default=8169)
    parser.add_argument("--log-dir", required=True)
    parser.add_argument("--workers", type=int, default=0, help="multi-worker mode with N HTTP workers")
    parser.add_argument("--payment-order", action="store_true", help="then pay the run by payment order")
    return parser.parse_args()


class Server:
    """An Odoo server process serving one database, as make run starts it."""

    def __init__(self, args):
        self.args = args
        self.process = None
        self.starts = 0
        self.logs = []

    @property
    def url(self):
        return f"http://127.0.0.1:{self.args.port}"

    def start(self):
        self.starts += 1
        self.log = os.path.join(self.args.log_dir, f"faults-server-{self.starts}.log")
        if os.path.exists(self.log):
            os.remove(self.log)
        self.logs.append(self.log)
        command = [
            sys.executable,
            self.args.odoo_bin,
            "-c",
            self.args.config,
            "-d",
            self.args.database,
            f"--db-filter=^{self.args.database}$",
            f"--http-port={self.args.port}",
            "--http-interface=127.0.0.1",
            f"--logfile={self.log}",
            f"--workers={self.args.workers}",
        ]
        # A session of its own: the kill reaches the workers too.
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/web/login", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None:
                sys.exit(f"error: the Odoo server exited at start-up (log: {self.log})")
            time.sleep(1)
        sys.exit(f"error: the Odoo server did not answer within 120 s (log: {self.log})")

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()

    def errors(self):
        errors = []
        for path in self.logs:
            with open(path, encoding="utf-8") as log:
                errors += [line.rstrip() for line in log if " ERROR " in line or " CRITICAL " in line]
        return errors


class WebClient:
    """JSON-RPC as the web client speaks it, in a logged-in session."""

    def __init__(self, url, database):
        self.url = url
        self.session = requests.Session()
        self._call("/web/session/authenticate", {"db": database, "login": "admin", "password": "admin"})

    def _call(self, path, params):
        response = self.session.post(
            f"{self.url}{path}",
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
            timeout=120,
        )
        response.raise_for_status()
        payload = response.json()
        if "error" in payload:
            sys.exit(f"error: {path} answered {payload['error'].get('data', {}).get('message', payload['error'])}")
        return payload["result"]

    def web_save(self, model, vals):
        return self._call(
            f"/web/dataset/call_kw/{model}/web_save",
            {"model": model, "method": "web_save", "args": [[], vals], "kwargs": {"specification": {}}},
        )[0]["id"]

    def call_button(self, model, method, record_id):
        return self._call(
            "/web/dataset/call_button",
            {"model": model, "method": method, "args": [[record_id]], "kwargs": {"context": {}}},
        )


def query(args, sql, params=()):
    with closing(psycopg2.connect(dbname=args.database)) as connection, connection.cursor() as cr:
        cr.execute(sql, params)
        return cr.fetchall()


def run_figures(args, run_id):
    [(state, done, total)] = query(
        args, "SELECT state, progress_done, progress_total FROM account_reimbursement WHERE id = %s", [run_id]
    )
    [(batches,)] = query(
        args,
        "SELECT count(DISTINCT transfer_move_id) FROM account_reimbursement_line WHERE reimbursement_id = %s",
        [run_id],
    )
    return state, done, total, batches


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        print(f"{'ok' if ok else 'BREACH'}: {what}", flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1


def check_ledger(args, run_id, customers, checks):
    [(run_name, state)] = query(args, "SELECT name, state FROM account_reimbursement WHERE id = %s", [run_id])
    checks.check(state == "done", f"the run {run_name} is done ({state})")
    [(lines, done_lines, line_customers, posted_bills, bills)] = query(
        args,
        """SELECT count(*), count(*) FILTER (WHERE l.state = 'done'), count(DISTINCT l.customer_id),
                  count(DISTINCT b.id) FILTER (WHERE b.state = 'posted'), count(DISTINCT l.bill_id)
             FROM account_reimbursement_line l LEFT JOIN account_move b ON b.id = l.bill_id
            WHERE l.reimbursement_id = %s""",
        [run_id],
    )
    checks.check(
        lines == done_lines == line_customers == customers,
        f"one done line per customer: {done_lines} done of {lines} lines, {line_customers} customers of {customers}",
    )
    checks.check(posted_bills == bills == customers, f"one posted bill per customer: {posted_bills} posted of {bills}")
    [(origin_bills,)] = query(
        args, "SELECT count(*) FROM account_move WHERE move_type = 'in_invoice' AND invoice_origin = %s", [run_name]
    )
    checks.check(origin_bills == customers, f"no bill outside the run's lines: {origin_bills} bills name the run")
    [(entries, linked_entries)] = query(
        args,
        """SELECT count(*), count(*) FILTER (WHERE id IN (SELECT transfer_move_id FROM account_reimbursement_line
                                                          WHERE reimbursement_id = %s))
             FROM account_move WHERE move_type = 'entry' AND ref = %s""",
        [run_id, run_name],
    )
    checks.check(entries == linked_entries, f"no orphan transfer entry: {linked_entries} of {entries} are the run's")
    [(drafts,)] = query(
        args,
        """SELECT count(*) FROM account_move m JOIN res_company c ON c.id = m.company_id
            WHERE m.state = 'draft' AND m.journal_id IN (c.reimbursement_journal_id,
                                                          c.reimbursement_transfer_journal_id)""",
    )
    checks.check(drafts == 0, f"nothing left in draft in the reimbursement journals: {drafts}")
    [(open_items, open_residual)] = query(
        args,
        """SELECT count(*), coalesce(sum(aml.amount_residual), 0)
             FROM account_move_line aml JOIN account_account a ON a.id = aml.account_id
             JOIN res_partner p ON p.id = aml.partner_id
            WHERE a.account_type = 'asset_receivable' AND aml.parent_state = 'posted' AND NOT aml.reconciled
              AND p.name LIKE 'Bench Customer %%'""",
    )
    checks.check(
        open_items == 0 and open_residual == 0,
        f"every customer's open receivable is zero: {open_items} open items, {open_residual} open",
    )
    [(clearing,)] = query(
        args,
        """SELECT coalesce(sum(aml.balance), 0) FROM account_move_line aml
             JOIN res_company c ON c.reimbursement_clearing_account_id = aml.account_id
            WHERE aml.parent_state = 'posted'""",
    )
    checks.check(clearing == 0, f"the clearing account's balance is zero: {clearing}")
    [(unsettled,)] = query(
        args,
        """SELECT count(*) FROM account_reimbursement_line_source_rel r
             JOIN account_reimbursement_line l ON l.id = r.reimbursement_line_id
             JOIN account_move_line aml ON aml.id = r.move_line_id
            WHERE l.reimbursement_id = %s AND NOT aml.reconciled""",
        [run_id],
    )
    checks.check(unsettled == 0, f"every settled item is reconciled: {unsettled} not")


def kill_in_a_transaction(args, server):
    """Into the next batch: kill the server while it is inside a transaction.

    :return: how many transactions of it were open at the kill
    """
    in_flight = 0
    deadline = time.monotonic() + 30
    while not in_flight and time.monotonic() < deadline:
        [(in_flight,)] = query(
            args,
            """SELECT count(*) FROM pg_stat_activity
                WHERE datname = %s AND pid <> pg_backend_pid() AND state <> 'idle'
                  AND xact_start IS NOT NULL""",
            [args.database],
        )
    server.kill()
    return in_flight


def order_figures(args, order_id):
    [(state, upload_state, done, total)] = query(
        args,
        """SELECT state, upload_state, upload_progress_done, upload_progress_total
             FROM account_payment_order WHERE id = %s""",
        [order_id],
    )
    [(posted,)] = query(
        args, "SELECT count(*) FROM account_payment WHERE payment_order_id = %s AND state <> 'draft'", [order_id]
    )
    return state, upload_state, done, total, posted


def pay_by_payment_order(args, server, client, run_id, customers, checks):
    """The run's bills paid by a payment order whose upload goes to the
    background; the server killed in the middle of it, restarted; the order
    must end uploaded with every bill paid once."""
    started = time.monotonic()
    action = client.call_button("account.reimbursement", "action_create_payment_order", run_id)
    order_id = (action["params"]["next"] if action["type"] == "ir.actions.client" else action)["res_id"]
    for step in ("draft2open", "open2generated", "generated2uploaded"):
        client.call_button("account.payment.order", step, order_id)
    request_time = time.monotonic() - started
    state, upload_state, done, total, posted = order_figures(args, order_id)
    print(f"faults: payment order of {total} payments, its four clicks {request_time:.1f}s, {state} {upload_state}")
    checks.check(
        (state, upload_state) == ("generated", "posting"),
        f"the upload went to the background ({state}, {upload_state})",
    )

    deadline = time.monotonic() + 600
    while done < PAYMENTS_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.2)
        state, upload_state, done, total, posted = order_figures(args, order_id)
    in_flight = kill_in_a_transaction(args, server)
    state, upload_state, done, total, posted = order_figures(args, order_id)
    print(
        f"faults: SIGKILL with {done} of {total} payments posted, {in_flight} transaction(s) of the server open "
        "at the kill"
    )
    checks.check(
        upload_state == "posting" and 0 < done < total,
        f"the killed upload is still posting, part done ({upload_state}, {done} of {total})",
    )
    [(unreconciled,)] = query(
        args,
        """SELECT count(*) FROM account_payment p JOIN account_move_line aml ON aml.move_id = p.move_id
             JOIN account_account a ON a.id = aml.account_id
            WHERE p.payment_order_id = %s AND p.state <> 'draft' AND a.account_type = 'liability_payable'
              AND NOT aml.reconciled""",
        [order_id],
    )
    checks.check(
        posted == done and not unreconciled,
        f"what was committed is whole: {posted} payments posted, progress {done}, {unreconciled} not reconciled",
    )

    restarted = time.monotonic()
    server.start()
    deadline = time.monotonic() + 900
    while state == "generated" and time.monotonic() < deadline:
        time.sleep(1)
        state, upload_state, done, total, posted = order_figures(args, order_id)
    print(f"faults: restarted, order {state} {time.monotonic() - restarted:.1f}s later")
    server.stop()
    check_order_ledger(args, run_id, order_id, customers, checks)


def check_order_ledger(args, run_id, order_id, customers, checks):
    state, upload_state, _done, total, posted = order_figures(args, order_id)
    checks.check(state == "uploaded" and not upload_state, f"the order is uploaded ({state}, {upload_state or 'done'})")
    checks.check(posted == total == customers, f"one posted payment per bill: {posted} of {total}, {customers} bills")
    [(paid_bills, open_payables, bills_total)] = query(
        args,
        """SELECT count(DISTINCT b.id) FILTER (WHERE b.payment_state IN ('paid', 'in_payment')),
                  count(aml.id) FILTER (WHERE NOT aml.reconciled OR aml.amount_residual <> 0),
                  sum(b.amount_total)
             FROM account_reimbursement_line l JOIN account_move b ON b.id = l.bill_id
             JOIN account_move_line aml ON aml.move_id = b.id
             JOIN account_account a ON a.id = aml.account_id AND a.account_type = 'liability_payable'
            WHERE l.reimbursement_id = %s""",
        [run_id],
    )
    checks.check(
        paid_bills == customers and not open_payables,
        f"every bill paid: {paid_bills} of {customers}, {open_payables} payables open",
    )
    [(payments_total, partials, paired_bills)] = query(
        args,
        """SELECT (SELECT sum(amount) FROM account_payment WHERE payment_order_id = %(order)s),
                  count(pr.id), count(DISTINCT bill_line.move_id)
             FROM account_payment p JOIN account_move_line pay_line ON pay_line.move_id = p.move_id
             JOIN account_partial_reconcile pr ON pr.credit_move_id = pay_line.id OR pr.debit_move_id = pay_line.id
             JOIN account_move_line bill_line
               ON bill_line.id = CASE WHEN pr.credit_move_id = pay_line.id THEN pr.debit_move_id
                                      ELSE pr.credit_move_id END
            WHERE p.payment_order_id = %(order)s""",
        {"order": order_id},
    )
    checks.check(
        partials == paired_bills == customers and payments_total == bills_total,
        f"each payment reconciled with its bill alone, for its amount: {partials} reconciliations, "
        f"{paired_bills} bills, payments {payments_total} for bills {bills_total}",
    )


def main():
    args = parse_args()
    [(customers,)] = query(args, "SELECT count(*) FROM res_partner WHERE name LIKE 'Bench Customer %%'")
    checks = Checks()
    server = Server(args)
    try:
        server.start()
        client = WebClient(server.url, args.database)
        started = time.monotonic()
        wizard_id = client.web_save(
            "account.reimbursement.wizard",
            {"date": RUN_DATE, "include_debit_customers": True, "offset_debits": True},
        )
        action = client.call_button("account.reimbursement.wizard", "action_reimburse", wizard_id)
        run_id = action["res_id"]
        request_time = time.monotonic() - started
        state, done, total, batches = run_figures(args, run_id)
        mode = f"{args.workers} HTTP workers" if args.workers else "threaded"
        print(
            f"faults: {customers} customers, server {mode}, run of {total} reimbursements, "
            f"request {request_time:.1f}s, {state}"
        )
        checks.check(state == "posting", f"the run went to the background ({state})")

        deadline = time.monotonic() + 600
        while batches < BATCHES_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.2)
            state, done, total, batches = run_figures(args, run_id)
        in_flight = kill_in_a_transaction(args, server)
        state, done, total, batches = run_figures(args, run_id)
        print(
            f"faults: SIGKILL after {batches} committed batches, {done} of {total} reimbursements posted, "
            f"{in_flight} transaction(s) of the server open at the kill"
        )
        checks.check(
            state == "posting" and 0 < done < total,
            f"the killed run is still posting, part done ({state}, {done} of {total})",
        )
        [(line_done, line_bills)] = query(
            args,
            """SELECT count(*) FILTER (WHERE state <> 'draft'), count(bill_id)
                 FROM account_reimbursement_line WHERE reimbursement_id = %s""",
            [run_id],
        )
        checks.check(
            line_done == done == line_bills,
            f"what was committed is whole: {line_done} lines posted, {line_bills} with a bill, progress {done}",
        )

        restarted = time.monotonic()
        server.start()
        deadline = time.monotonic() + 900
        while state == "posting" and time.monotonic() < deadline:
            time.sleep(1)
            state, done, total, batches = run_figures(args, run_id)
        finish_time = time.monotonic() - restarted
        print(f"faults: restarted, run {state} {finish_time:.1f}s later, {batches} batches in all")
        server.stop()

        check_ledger(args, run_id, customers, checks)
        if args.payment_order:
            server.start()
            client = WebClient(server.url, args.database)
            pay_by_payment_order(args, server, client, run_id, customers, checks)
        errors = server.errors()
        checks.check(not errors, f"no error in the servers' logs: {errors[:3]}")
    finally:
        server.stop()
    print(f"faults: {checks.passed} passed, {checks.failed} failed", flush=True)
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
