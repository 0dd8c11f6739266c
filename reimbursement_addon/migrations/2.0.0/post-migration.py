# Copyright 2026 The reimbursement_addon authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""From 18.0.2.0.0 a reimbursement's clearing item in the transfer entry is
``clearing_line_id`` (shared by the company currency reimbursements of a
batch), and ``transfer_line_ids`` holds its own items only: the receivable
and any exchange difference. Reimbursements posted before had their own
clearing item among ``transfer_line_ids``: it moves to ``clearing_line_id``,
so that cancelling them reverses each item once."""

import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    # The clearing item is the line's only transfer item on a reconcilable
    # account other than a receivable (an exchange difference account is not
    # reconcilable).
    cr.execute(
        SQL(
            """
            WITH clearing AS (
                SELECT rel.reimbursement_line_id, rel.move_line_id
                  FROM account_reimbursement_line_transfer_rel rel
                  JOIN account_move_line aml ON aml.id = rel.move_line_id
                  JOIN account_account account ON account.id = aml.account_id
                 WHERE account.reconcile AND account.account_type != 'asset_receivable'
            ), moved AS (
                UPDATE account_reimbursement_line line
                   SET clearing_line_id = clearing.move_line_id
                  FROM clearing
                 WHERE line.id = clearing.reimbursement_line_id AND line.clearing_line_id IS NULL
             RETURNING line.id, clearing.move_line_id
            )
            DELETE FROM account_reimbursement_line_transfer_rel rel
             USING moved
             WHERE rel.reimbursement_line_id = moved.id AND rel.move_line_id = moved.move_line_id
            """
        )
    )
    _logger.info("Customer reimbursement: %s clearing items moved to clearing_line_id", cr.rowcount)
