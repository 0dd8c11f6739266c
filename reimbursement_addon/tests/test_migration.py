import importlib.util
from pathlib import Path

from odoo.tests import tagged
from odoo.tools import SQL

from .common import ReimbursementCommon

MIGRATION = Path(__file__).parents[1] / "migrations" / "2.0.0" / "post-migration.py"


def load_migration():
    spec = importlib.util.spec_from_file_location("reimbursement_post_migration_18_0_2_0_0", MIGRATION)
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
