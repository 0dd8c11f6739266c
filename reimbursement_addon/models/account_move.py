from odoo import fields, models
from odoo.exceptions import UserError

from .engine import ENGINE


class AccountMove(models.Model):
    _inherit = "account.move"

    # The inverse of the reimbursement lines' bill: besides telling which
    # reimbursement a bill pays, it lets Odoo find the lines whose payment
    # status follows a bill without a query per bill it changes.
    reimbursement_line_ids = fields.One2many(
        comodel_name="account.reimbursement.line",
        inverse_name="bill_id",
        string="Customer Reimbursements",
        readonly=True,
    )

    def write(self, vals):
        # Reset to draft and cancel both end in this write.
        if vals.get("state") in ("draft", "cancel"):
            self._check_reimbursement_documents()
        return super().write(vals)

    def unlink(self):
        # Before Odoo's own refusals of a posted or reconciled entry, which
        # would not say that the entry is a reimbursement's.
        self._check_reimbursement_documents()
        return super().unlink()

    def _check_reimbursement_documents(self):
        """Refuse to reset to draft, cancel or delete a reimbursement's bill,
        transfer entry or cancellation entry from the accounting side: the
        run and its lines would no longer tell what the ledger holds. Only
        the reimbursement's own cancellation changes them."""
        if self.env.context.get(ENGINE) or not self.ids:
            return
        # sudo: whoever may change an entry must learn it is a reimbursement's,
        # runs of companies they cannot read included.
        lines = (
            self.env["account.reimbursement.line"]
            .sudo()
            .search(
                [
                    "|",
                    "|",
                    ("bill_id", "in", self.ids),
                    ("transfer_move_id", "in", self.ids),
                    ("cancel_move_id", "in", self.ids),
                ]
            )
        )
        if not lines:
            return
        move = (lines.bill_id | lines.transfer_move_id | lines.cancel_move_id) & self
        move = move.sorted("id")[:1]
        move_lines = lines.filtered(lambda line: move in (line.bill_id | line.transfer_move_id | line.cancel_move_id))
        run = move_lines.reimbursement_id[:1]
        customers = run._join_names(move_lines.customer_id.mapped("display_name"))
        if any(line.state == "done" for line in move_lines):
            raise UserError(
                self.env._(
                    "%(move)s belongs to the customer reimbursement %(run)s of %(customers)s: it cannot be "
                    "reset to draft, cancelled or deleted on its own. Cancel the reimbursement instead "
                    "(Accounting > Periodic > Reimbursements, the run, Cancel Reimbursement).",
                    move=move.display_name,
                    run=run.name,
                    customers=customers,
                )
            )
        raise UserError(
            self.env._(
                "%(move)s belongs to the customer reimbursement %(run)s of %(customers)s, which is cancelled: "
                "it stays as it is, so that the cancellation keeps the customers' credits and the clearing "
                "account balanced.",
                move=move.display_name,
                run=run.name,
                customers=customers,
            )
        )
