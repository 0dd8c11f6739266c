import importlib.util
from pathlib import Path

from odoo.tests import tagged
from odoo.tools import SQL

from .common import ReimbursementCommon

MIGRATIONS = Path(__file__).parents[1] / "migrations"


def load_migration(version="2.0.0"):
    spec = importlib.util.spec_from_file_location(
        f"reimbursement_post_migration_{version.replace('.', '_')}", MIGRATIONS / version / "post-migration.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestMigration(ReimbursementCommon):
    """The 2.0.0 migration (18.0.2.0.0), on reimbursements laid out as 18.0.1.0.0
    left them (the clearing item among the line's own transfer items);
    ``make upgrade-test`` runs it on a database of that release."""

    def _as_before_18_0_2(self, lines):
        self.env.flush_all()
        for line in lines:
            self.env.cr.execute(
                SQL(
                    "INSERT INTO account_reimbursement_line_transfer_rel (reimbursement_line_id, move_line_id) "
                    "VALUES (%s, %s)",
                    line.id,
                    line.clearing_line_id.id,
                )
            )
        self.env.cr.execute(
            SQL("UPDATE account_reimbursement_line SET clearing_line_id = NULL WHERE id IN %s", tuple(lines.ids))
        )
        self.env.invalidate_all()

    def test_clearing_items_move_to_clearing_line(self):
        local = self._customer("Migrated Local")
        euro = self._customer("Migrated Euro")
        self._credit_note(local, 80.0)
        self._credit_note(euro, 300.0, currency=self.eur)
        lines = self._reimburse(local + euro).line_ids
        clearing_items = {line: line.clearing_line_id for line in lines}
        own_items = {line: line.transfer_line_ids for line in lines}
        self._as_before_18_0_2(lines)
        self.assertFalse(lines.clearing_line_id)

        migration = load_migration()
        migration.migrate(self.env.cr, None)  # a new install: nothing to do
        self.env.invalidate_all()
        self.assertFalse(lines.clearing_line_id)
        migration.migrate(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()

        for line in lines:
            self.assertEqual(line.clearing_line_id, clearing_items[line])
            self.assertEqual(line.transfer_line_ids, own_items[line])
        # Cancelled after the migration, each customer gets its credit back.
        lines.action_cancel()
        self.assertEqual(self._open_residual(local), -80.0)
        self.assertEqual(self._open_residual(euro, self.eur), -300.0)
        self.assertEqual(self._account_balance(self.clearing), 0.0)


@tagged("post_install", "-at_install")
class TestMigration220(ReimbursementCommon):
    """The 2.2.0 migration: no payment status on reimbursements not posted
    (2.1.0 showed a cancelled one's bill as "Not Paid"), and the advice
    template restored to its text that names trusted accounts only."""

    def test_cancelled_lines_lose_their_payment_status(self):
        customer = self._customer("Migrated Cancelled")
        kept = self._customer("Migrated Kept")
        self._credit_note(customer, 60.0)
        self._credit_note(kept, 70.0)
        run = self._reimburse(customer + kept)
        cancelled = run.line_ids.filtered(lambda line: line.customer_id == customer)
        cancelled.action_cancel()
        self.env.flush_all()
        # As 2.1.0 left it: the cancelled bill's status on the line.
        self.env.cr.execute(
            SQL("UPDATE account_reimbursement_line SET payment_state = 'not_paid' WHERE id = %s", cancelled.id)
        )
        template = self.env.ref("reimbursement_addon.mail_template_reimbursement_advice")
        template.body_html = "<p>The amount will be paid to your bank account.</p>"
        self.env.invalidate_all()
        self.assertEqual(cancelled.payment_state, "not_paid")

        load_migration("2.2.0").migrate(self.env.cr, "18.0.2.1.0")
        self.env.invalidate_all()

        self.assertFalse(cancelled.payment_state)
        self.assertEqual((run.line_ids - cancelled).payment_state, "not_paid")
        self.assertIn("advice_bank_account_unchecked", template.body_html)
        self.assertEqual(self._open_residual(customer), -60.0)
        self.assertEqual(self._open_residual(kept), 0.0)
