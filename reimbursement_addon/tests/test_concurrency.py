import threading
import time
import uuid

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.sql_db import Cursor
from odoo.tests import BaseCase, get_db_name, tagged

from .. import series
from . import series as test_series


@tagged("post_install", "-at_install")
class TestReimbursementConcurrency(BaseCase):
    """Two runs started at the same time over overlapping customers, in two
    real database connections: every credit is reimbursed exactly once.

    The data is committed (two connections must see it) in a company of its
    own, so that no other test meets it; the test database is dropped after
    the suite.
    """

    def setUp(self):
        super().setUp()
        test_series.lend_registry_lock(self)
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            # A connection of its own, not a test cursor on another's.
            self.assertIs(type(cr), Cursor)
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].create(
                {"name": f"Concurrency {uuid.uuid4().hex[:8]}", "currency_id": env.ref("base.USD").id}
            )
            env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
            env = env(context={"allowed_company_ids": company.ids})
            self.company_id = company.id
            self.user_id = (
                env["res.users"]
                .create(
                    {
                        "name": "Concurrent Accountant",
                        "login": f"concurrent_{company.id}",
                        "company_id": company.id,
                        "company_ids": [Command.set(company.ids)],
                        series.USER_GROUPS: [Command.set([env.ref("account.group_account_manager").id])],
                    }
                )
                .id
            )
            customers = env["res.partner"].create(
                [{"name": f"Concurrent {name}", "customer_rank": 1} for name in ("X", "Y", "Z")]
            )
            credit_notes = (
                env["account.move"]
                .with_company(company)
                .create(
                    [
                        {
                            "move_type": "out_refund",
                            "partner_id": customer.id,
                            "invoice_date": fields.Date.from_string("2019-01-15"),
                            "invoice_line_ids": [
                                Command.create({"name": "credit", "quantity": 1, "price_unit": amount, "tax_ids": []})
                            ],
                        }
                        for customer, amount in zip(customers, (100.0, 200.0, 300.0), strict=True)
                    ]
                )
            )
            credit_notes.action_post()
            self.x, self.y, self.z = customers.ids

    def _env(self, cr):
        return api.Environment(cr, self.user_id, {"allowed_company_ids": [self.company_id]})

    def _reimburse(self, env, customer_ids):
        wizard = env["account.reimbursement.wizard"].create(
            {"date": "2019-06-15", "partner_domain": str([("id", "in", customer_ids)])}
        )
        action = wizard.action_reimburse()
        return action["res_id"]

    def test_two_runs_reimburse_each_credit_once(self):
        first_processed = threading.Event()
        second_waits = threading.Event()
        second_pid = []
        runs = {}
        errors = []

        def first():
            try:
                with self.registry.cursor() as cr:
                    runs["first"] = self._reimburse(self._env(cr), [self.x, self.y])
                    first_processed.set()
                    # Commit only once the second run waits on the locked credits.
                    second_waits.wait(60)
            except Exception as exc:  # reported by the test thread
                errors.append(exc)
                first_processed.set()

        def second():
            first_processed.wait(120)
            try:
                with self.registry.cursor() as cr:
                    second_pid.append(cr._cnx.get_backend_pid())
                    env = self._env(cr)
                    runs["second"] = retrying(lambda: self._reimburse(env, [self.y, self.z]), env)
            except Exception as exc:  # reported by the test thread
                errors.append(exc)

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        waiting_query = self._wait_for_lock_wait(second_pid)
        second_waits.set()
        for thread in threads:
            thread.join(120)
        self.assertFalse(errors, errors)

        # The second run waited on the lock of the customers' open items,
        # before computing any balance.
        self.assertTrue(waiting_query.startswith("SELECT id FROM account_move_line WHERE id IN ("), waiting_query)
        with self.registry.cursor() as cr:
            env = self._env(cr)
            Line = env["account.reimbursement.line"]
            first_run = env["account.reimbursement"].browse(runs["first"])
            second_run = env["account.reimbursement"].browse(runs["second"])
            self.assertEqual(first_run.line_ids.customer_id.ids, [self.x, self.y])
            # Y was settled by the first run when the second one went on.
            self.assertEqual(second_run.line_ids.customer_id.ids, [self.z])
            for customer_id, amount in ((self.x, 100.0), (self.y, 200.0), (self.z, 300.0)):
                lines = Line.search([("customer_id", "=", customer_id), ("state", "=", "done")])
                self.assertEqual(len(lines), 1)
                self.assertEqual(lines.bill_id.amount_total, amount)
                self.assertFalse(self._open_items(env, customer_id))

    def test_two_cron_workers_post_each_line_once(self):
        """Two calls of the background job on one run, from two connections
        (two Odoo servers on one database): while the first is inside a
        batch (held up here by a third connection that holds a customer's
        items), the second leaves the run alone; every line is posted once."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            env.company.sudo().reimbursement_background_threshold = 0
            run_id = self._reimburse(env, [self.x, self.y, self.z])
            self.assertEqual(env["account.reimbursement"].browse(run_id).state, "posting")
        results = {}
        errors = []
        first_pid = []

        def call_job(name, pids=None):
            try:
                with self.registry.cursor() as cr:
                    if pids is not None:
                        pids.append(cr._cnx.get_backend_pid())
                    job = api.Environment(cr, SUPERUSER_ID, {}).ref("reimbursement_addon.ir_cron_post_reimbursements")
                    # The context of a call by the cron runner.
                    cron, progress = job.with_context(cron_id=job.id)._add_progress()
                    cron.env["account.reimbursement"]._cron_post_reimbursements()
                    results[name] = (progress.done, progress.remaining)
            except Exception as exc:  # reported by the test thread
                errors.append(exc)

        with self.registry.cursor() as blocker:
            blocker.execute(
                "SELECT id FROM account_move_line WHERE partner_id = %s AND reconciled IS NOT TRUE FOR NO KEY UPDATE",
                [self.y],
            )
            first = threading.Thread(target=call_job, args=("first", first_pid))
            first.start()
            waiting_query = self._wait_for_lock_wait(first_pid)
            call_job("second")
            blocker.rollback()
        first.join(120)
        self.assertFalse(errors, errors)

        self.assertTrue(waiting_query.startswith("SELECT id FROM account_move_line WHERE id IN ("), waiting_query)
        self.assertEqual(results["second"], (0, 3))
        self.assertEqual(results["first"], (3, 0))
        with self.registry.cursor() as cr:
            env = self._env(cr)
            run = env["account.reimbursement"].browse(run_id)
            self.assertRecordValues(run, [{"state": "done", "progress_done": 3, "amount_total": 600.0}])
            for customer_id, amount in ((self.x, 100.0), (self.y, 200.0), (self.z, 300.0)):
                lines = env["account.reimbursement.line"].search([("customer_id", "=", customer_id)])
                self.assertRecordValues(lines, [{"state": "done", "reimbursement_id": run_id}])
                self.assertRecordValues(lines.bill_id, [{"state": "posted", "amount_total": amount}])
                self.assertFalse(self._open_items(env, customer_id))

    def _open_items(self, env, customer_id):
        return env["account.move.line"].search(
            [
                ("partner_id", "=", customer_id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
                ("parent_state", "=", "posted"),
            ]
        )

    def _wait_for_lock_wait(self, second_pid, timeout=60):
        """The query the second connection waits in, once it waits on a lock."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if second_pid:
                with self.registry.cursor() as cr:
                    cr.execute(
                        "SELECT wait_event_type, query FROM pg_stat_activity WHERE pid = %s",
                        [second_pid[0]],
                    )
                    row = cr.fetchone()
                if row and row[0] == "Lock":
                    return row[1]
            time.sleep(0.1)
        self.fail("The second run never waited for the first one.")
