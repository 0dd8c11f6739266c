import logging
import time
from contextlib import closing
from unittest.mock import patch

from odoo import Command
from odoo.sql_db import db_connect
from odoo.tests import get_db_name, tagged

from .. import series
from ..models import account_reimbursement_post
from . import series as test_series
from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestBatches(ReimbursementCommon):
    """A run posted batch by batch: ranks, statistics, one transfer entry a
    batch, followers and chatter as Odoo's own posting makes them."""

    def test_partner_ranks_grow_as_posting_counts_them(self):
        """A batch applies the ranks Odoo's posting counts (the transfer
        entry's customers, the bills' vendors) in one update: each partner
        still gets exactly its increment."""
        customers = self._customer("Ranked Customer") + self._customer("Other Ranked Customer")
        for customer in customers:
            self._credit_note(customer, 70.0)

        def ranks(partners, field):
            """Each partner's rank, with what Odoo is yet to add (19.0)."""
            partners.invalidate_recordset([field])
            pending = test_series.pending_rank_increments(self.env, field)
            return [partner[field] + pending.get(partner.id, 0) for partner in partners]

        ranks_before = ranks(customers, "customer_rank")

        run = self._reimburse(customers)

        self.assertEqual(ranks(customers, "customer_rank"), [rank + 1 for rank in ranks_before])
        # Created as a vendor (1), then counted for its bill.
        self.assertEqual(ranks(run.line_ids.vendor_id, "supplier_rank"), [2, 2])

    def test_run_in_several_batches(self):
        """Five customers in batches of two: three transfer entries, every
        credit settled, each bill and reimbursement once, the progress logged
        after each batch and the run's record counting them all."""
        customers = self.env["res.partner"]
        for index in range(5):
            customer = self._customer(f"Batched Customer {index}")
            self._credit_note(customer, 10.0 + index)
            customers |= customer

        with (
            patch.object(account_reimbursement_post, "BATCH_SIZE", 2),
            # logging.INFO: Odoo names another level "INFO".
            self.assertLogs(account_reimbursement_post._logger, logging.INFO) as logs,
        ):
            run = self._reimburse(customers)

        progress = [record.getMessage() for record in logs.records if "customers reimbursed" in record.getMessage()]
        self.assertEqual(len(progress), 3)
        for message, customers_done, done in zip(progress, (2, 4, 5), (2, 4, 5), strict=True):
            self.assertIn(
                f"{run.name}: {customers_done} of 5 customers reimbursed ({done} of 5 reimbursements)", message
            )

        self.assertEqual(len(run.line_ids), 5)
        self.assertEqual(run.customer_count, 5)
        self.assertEqual(len(run.line_ids.transfer_move_id), 3)
        self.assertEqual(len(run.line_ids.bill_id), 5)
        self.assertEqual(run.amount_total, 60.0)
        for index, customer in enumerate(customers):
            line = run.line_ids.filtered(lambda rl, c=customer: rl.customer_id == c)
            self.assertReimbursed(line, customer, 10.0 + index)
            self.assertEqual(self._open_residual(customer), 0.0)
        self.assertEqual(self._account_balance(self.clearing), 0.0)

    def test_statistics_held_by_another_session_are_not_waited_for(self):
        """Refreshing the statistics after the first batch never makes a run
        wait for another session (another long run, a VACUUM)."""
        runs = self.env["account.reimbursement"]
        with closing(db_connect(get_db_name()).cursor()) as other:
            other.execute("LOCK TABLE account_move IN SHARE UPDATE EXCLUSIVE MODE")
            started = time.monotonic()
            with self.assertLogs(account_reimbursement_post._logger, logging.INFO) as logs:
                runs._refresh_statistics()
            waited = time.monotonic() - started
            other.rollback()
        self.assertIn("not refreshed", logs.output[0])
        self.assertLess(waited, 5.0)
        # The run's transaction goes on, with the usual lock timeout.
        self.env.cr.execute("SHOW lock_timeout")
        self.assertEqual(self.env.cr.fetchone()[0], "0")

    def test_one_transfer_entry_per_batch(self):
        """The customers of a run share the transfer entry of their batch;
        each reimbursement keeps its own lines of it and is settled by them."""
        first = self._customer("Shared Entry One")
        second = self._customer("Shared Entry Two")
        self._credit_note(first, 70.0)
        self._credit_note(second, 30.0, currency=self.eur)

        run = self._reimburse(first + second)

        self.assertEqual(len(run.line_ids.transfer_move_id), 1)
        self.assertEqual(run.transfer_move_count, 1)
        self.assertEqual(run.bill_count, 2)
        for line, customer, amount, currency in (
            (run.line_ids.filtered(lambda rl: rl.customer_id == first), first, 70.0, None),
            (run.line_ids.filtered(lambda rl: rl.customer_id == second), second, 30.0, self.eur),
        ):
            self.assertReimbursed(line, customer, amount, currency=currency)
            self.assertEqual(line.transfer_line_ids.partner_id, customer)
        self.assertEqual(
            run.line_ids.transfer_move_id.line_ids, run.line_ids.transfer_line_ids | run.line_ids.clearing_line_id
        )

    def test_bills_followed_by_their_vendor_as_odoo_posts_them(self):
        """Each bill is followed by its vendor alone, with the subtypes Odoo's
        own posting gives a vendor: the default ones, the internal ones for a
        vendor who is a user."""
        one_time = self._customer("Follower One-time")
        employee = self._manager("reimbursement_vendor_employee").partner_id
        linked = self._customer("Follower Linked")
        linked.with_company(self.company).reimbursement_vendor_id = employee
        for customer in one_time + linked:
            self._credit_note(customer, 40.0)

        run = self._reimburse(one_time + linked)

        for line in run.line_ids:
            reference = (
                self.env["account.move"]
                .with_context(mail_create_nosubscribe=True)
                .create(
                    {
                        "move_type": "in_invoice",
                        "partner_id": line.vendor_id.id,
                        "invoice_date": "2019-03-01",
                        "invoice_line_ids": [Command.create({"name": "Reference", "price_unit": 10.0, "tax_ids": []})],
                    }
                )
            )
            reference.action_post()
            with self.subTest(customer=line.customer_id.name):
                self.assertEqual(line.bill_id.message_partner_ids, reference.message_partner_ids)
                self.assertEqual(
                    line.bill_id.message_follower_ids.subtype_ids, reference.message_follower_ids.subtype_ids
                )
        if series.POSTING_SUBSCRIBES_PARTNER:
            self.assertEqual(run.line_ids.bill_id.message_partner_ids, run.line_ids.vendor_id)
            self.assertEqual(
                run.line_ids.filtered(lambda line: line.customer_id == linked).bill_id.message_follower_ids.subtype_ids,
                self.env["mail.message.subtype"].default_subtypes("account.move")[0],
            )
        else:
            self.assertFalse(run.line_ids.bill_id.message_partner_ids)

    if series.POSTING_SUBSCRIBES_PARTNER:

        def test_vendor_already_following_the_bill_is_left_alone(self):
            """18.0, where the addon subscribes a batch's vendors itself."""
            vendor = self.env["res.partner"].create({"name": "Already Following"})
            bill = self.env["account.move"].create({"move_type": "in_invoice", "partner_id": vendor.id})
            bill.message_subscribe(vendor.ids, self.env.ref("mail.mt_note").ids)

            self.env["account.reimbursement.line"]._subscribe_vendors(bill)

            self.assertEqual(bill.message_follower_ids.partner_id, vendor)
            self.assertEqual(bill.message_follower_ids.subtype_ids, self.env.ref("mail.mt_note"))

    def test_documents_name_their_run_in_chatter(self):
        customer = self._customer("Chatter Link")
        self._credit_note(customer, 22.0)

        run = self._reimburse(customer)

        for move in run.line_ids.bill_id + run.line_ids.transfer_move_id:
            self.assertIn(run.name, move.ref)
            bodies = " ".join(move.message_ids.mapped("body"))
            self.assertIn("Created by the customer reimbursement", bodies)
            self.assertIn(run.name, bodies)


@tagged("post_install", "-at_install")
class TestBatchesNorway(TestBatches):
    """The same in a Norwegian company: the l10n_no chart, in NOK."""

    # Odoo's own runner runs a class's own test methods only, unless told.
    allow_inherited_tests_method = True

    country_code = "NO"
    chart_template = "no"
