from collections import defaultdict

from markupsafe import Markup, escape

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from .engine import ENGINE
from .reimbursement_proposal import KIND_REIMBURSEMENT, KIND_WRITE_OFF


class AccountReimbursementLine(models.Model):
    """Cancelling posted reimbursements: each customer's credit back exactly
    as it was, the bills cancelled, the advice taken back."""

    _inherit = "account.reimbursement.line"  # pylint: disable=consider-merging-classes-inherited

    def action_cancel(self):
        """Cancel these reimbursements. Their reconciliations are removed,
        their transfer journal items reversed at the run date and their bills
        cancelled, so that each customer's open items and residuals are back
        as they were before the run. Refused when a bill is paid or partly
        paid, or when a lock date covers the run date."""
        self.check_access("write")
        # A payment registered, or a cancellation started, at the same time
        # waits for this one (and Odoo retries it), or this one waits for it.
        if self:
            self._lock_for_cancellation()
        lines = self.filtered(lambda line: line.state == "done")
        if not lines:
            raise UserError(self.env._("These reimbursements are already cancelled, or were never posted."))
        if any(run.state == "posting" for run in lines.reimbursement_id):
            raise UserError(self.env._("A run being posted cannot be cancelled: wait until it is posted."))
        lines._check_cancellable()
        lines = lines.with_context(**{ENGINE: True})
        # All or nothing, like the posting itself.
        with self.env.cr.savepoint():
            lines.partial_reconcile_ids.unlink()
            cancel_moves = lines._create_cancel_moves()
            lines._reconcile_cancel_moves(cancel_moves)
            lines.bill_id.button_draft()
            lines.bill_id.button_cancel()
            for line, move in zip(lines, cancel_moves, strict=True):
                line._mark_cancelled(move)
            runs = lines.reimbursement_id
            runs.filtered(lambda run: all(line.state != "done" for line in run.line_ids))._mark_cancelled()
            lines._log_cancellation()
            lines._withdraw_remittance_advice()
        return True

    def _lock_for_cancellation(self):
        self.env.cr.execute(
            SQL("SELECT id FROM account_reimbursement_line WHERE id IN %s ORDER BY id FOR UPDATE", tuple(self.ids))
        )
        bills = self.bill_id
        if bills:
            self.env.cr.execute(
                SQL("SELECT id FROM account_move WHERE id IN %s ORDER BY id FOR UPDATE", tuple(bills.ids))
            )
        self.invalidate_recordset(["state"])
        bills.invalidate_recordset(["state", "payment_state"])

    def _check_cancellable(self):
        for line in self.filtered(lambda line: line.kind == KIND_REIMBURSEMENT):
            bill = line.bill_id
            payable = bill.line_ids.filtered(lambda aml: aml.account_id.account_type == "liability_payable")
            if (
                bill.state != "posted"
                or bill.payment_state != "not_paid"
                or payable.matched_debit_ids
                or payable.matched_credit_ids
            ):
                raise UserError(
                    self.env._(
                        "The reimbursement of %(customer)s cannot be cancelled: its vendor bill %(bill)s "
                        "is paid, partly paid or no longer posted. Undo the payment first.",
                        customer=line.customer_id.display_name,
                        bill=bill.display_name,
                    )
                )
        for (company, date), _lines in self.grouped(lambda line: (line.company_id, line.date)).items():
            company._check_reimbursement_lock_dates(date)

    def _prepare_cancel_move_vals(self):
        """Entry reversing this reimbursement's transfer journal items, and
        its share of the clearing item, at the run date so that every period
        shows the credit and the clearing account as if the reimbursement
        had never been made."""
        self.ensure_one()
        reversed_items = [
            {
                "name": item.name,
                "partner_id": item.partner_id.id,
                "account_id": item.account_id.id,
                "currency_id": item.currency_id.id,
                "amount_currency": -item.amount_currency,
                "balance": -item.balance,
                "analytic_distribution": item.analytic_distribution,
                "tax_ids": [Command.clear()],
            }
            for item in self.transfer_line_ids.sorted("id")
        ]
        if self.kind == KIND_REIMBURSEMENT:
            clearing = self._prepare_clearing_line_vals()
            reversed_items.append(
                dict(clearing, amount_currency=-clearing["amount_currency"], balance=-clearing["balance"])
            )
        return {
            "move_type": "entry",
            "journal_id": self.company_id.reimbursement_transfer_journal_id.id,
            "date": self.date,
            "ref": self.env._(
                "Cancellation of %(run)s - %(customer)s",
                run=self.reimbursement_id.name,
                customer=self.customer_id.name,
            ),
            "line_ids": [Command.create(vals) for vals in reversed_items],
        }

    def _create_cancel_moves(self):
        moves = self.env["account.move"].create([line._prepare_cancel_move_vals() for line in self])
        moves.action_post()
        return moves

    def _reconcile_cancel_moves(self, cancel_moves):
        """Settle each transfer journal item with its reversal (all but an
        exchange difference, whose account is not reconcilable), and the
        clearing item with the reversals of the cancelled shares."""
        plan = []
        shares_per_clearing = defaultdict(lambda: self.env["account.move.line"])
        for line, move in zip(self, cancel_moves, strict=True):
            reversals = move.line_ids.sorted("id")
            for item, reversal in zip(line.transfer_line_ids.sorted("id"), reversals, strict=False):
                if item.account_id.reconcile:
                    plan.append(item + reversal)
            if line.kind == KIND_REIMBURSEMENT:
                shares_per_clearing[line.clearing_line_id] += reversals[-1]
        plan += [clearing_item + shares for clearing_item, shares in shares_per_clearing.items()]
        self.env["account.move.line"]._reconcile_plan(plan)

    def _log_cancellation(self):
        user_name = self.env.user.name
        today = format_date(self.env, fields.Date.context_today(self))
        for run, lines in self.grouped("reimbursement_id").items():
            run._message_log(
                body=escape(
                    self.env._(
                        "%(user)s cancelled the reimbursement of %(customers)s on %(date)s.",
                        user=user_name,
                        customers=", ".join(lines.customer_id.mapped("display_name")),
                        date=today,
                    )
                )
            )
        bill_body = Markup(self.env._("%(user)s cancelled the customer reimbursement %(run)s on %(date)s."))
        self.bill_id._message_log_batch(
            bodies={
                line.bill_id.id: bill_body
                % {"user": user_name, "run": line.reimbursement_id._get_html_link(), "date": today}
                for line in self
            }
        )
        customer_bodies = defaultdict(list)
        for line in self:
            if line.kind == KIND_WRITE_OFF:
                message = self.env._(
                    "%(user)s cancelled the write-off of %(amount)s (%(run)s) on %(date)s: "
                    "the credit balance is open again."
                )
            else:
                message = self.env._(
                    "%(user)s cancelled the reimbursement of %(amount)s (%(run)s) on %(date)s: "
                    "the credit balance is open again."
                )
            customer_bodies[line.customer_id.id].append(
                message
                % {
                    "user": user_name,
                    "amount": line.currency_id.format(line.amount),
                    "run": line.reimbursement_id.name,
                    "date": today,
                }
            )
        customers = self.customer_id
        customers._message_log_batch(
            bodies={cid: Markup("<br/>").join(escape(text) for text in texts) for cid, texts in customer_bodies.items()}
        )
