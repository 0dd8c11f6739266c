# Copyright 2026 The reimbursement_addon authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""From 2.2.0 a reimbursement has a payment status while it is posted
only: a cancelled one showed its cancelled bill's "Not Paid". The remittance
advice names the customer's bank account only when it is trusted for
outgoing payments, and says otherwise that it will be checked: its template
(kept from updates, as Odoo keeps mail templates) is restored to that text.
The clearing account gets its name in each installed language when the
addon's translations load, at this update too."""

import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            "UPDATE account_reimbursement_line SET payment_state = NULL "
            "WHERE state != 'done' AND payment_state IS NOT NULL"
        )
    )
    _logger.info("Payment status removed from %s reimbursements not posted", cr.rowcount)
    env = api.Environment(cr, SUPERUSER_ID, {})
    env.ref("reimbursement_addon.mail_template_reimbursement_advice").reset_template()
    _logger.info("Remittance advice template restored to its 2.2.0 text")
