from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

# Payments posted and reconciled per batch in the background.
UPLOAD_BATCH_SIZE = 100


class AccountPaymentOrder(models.Model):
    _name = "account.payment.order"
    _inherit = ["account.payment.order", "reimbursement.background.mixin"]
    _background_cron = "reimbursement_payment_order.ir_cron_post_payment_orders"

    upload_state = fields.Selection(
        selection=[("posting", "Posting in the Background"), ("failed", "Posting Failed")],
        string="Posting of the Payments",
        readonly=True,
        copy=False,
        help="An order paying reimbursements with more payments than the company's background threshold "
        "posts them in the background once its file is uploaded, batch by batch; it is File Uploaded when "
        "they are all posted.",
    )
    upload_progress_done = fields.Integer(string="Payments Posted", readonly=True, copy=False)
    upload_progress_total = fields.Integer(string="Payments to Post", readonly=True, copy=False)
    upload_error_message = fields.Text(string="Posting Error", readonly=True, copy=False)
    pays_reimbursements = fields.Boolean(
        compute="_compute_pays_reimbursements",
        help="An outbound order with a line on a reimbursement's vendor bill.",
    )
    upload_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Upload Confirmed By",
        readonly=True,
        copy=False,
        help="Who said the file was uploaded: the payments are posted in the background as this user.",
    )

    @api.depends("payment_type", "payment_line_ids.move_line_id")
    def _compute_pays_reimbursements(self):
        ours = self._filter_reimbursement_orders()
        for order in self:
            order.pays_reimbursements = order in ours

    @api.ondelete(at_uninstall=False)
    def _unlink_except_posting_in_background(self):
        if self.filtered(lambda order: order.upload_state == "posting"):
            raise UserError(self.env._("A payment order whose payments are being posted cannot be deleted."))

    def action_cancel(self):
        if self.filtered(lambda order: order.upload_state == "posting"):
            raise UserError(
                self.env._(
                    "The payments of this order are being posted in the background. Wait until they are, "
                    "then cancel the order if you must."
                )
            )
        self.filtered("upload_state").write({"upload_state": False, "upload_error_message": False})
        return super().action_cancel()

    def generated2uploaded(self):
        """The file is uploaded to the bank: post the order's payments and
        reconcile them with the bills, in the call for an order of at most
        the company's background threshold of payments, else in the
        background (and so for an order whose background posting failed:
        this goes on with the payments still in draft)."""
        if self.filtered(lambda order: order.upload_state == "posting"):
            raise UserError(self.env._("The payments of this order are already being posted in the background."))
        background = self.filtered(lambda order: order._must_upload_in_background())
        for order in background:
            order._start_background_upload()
        in_request = self - background
        if in_request:
            super(AccountPaymentOrder, in_request).generated2uploaded()
            ours = in_request._filter_reimbursement_orders()
            ours.filtered("upload_state").write({"upload_state": False, "upload_error_message": False})
            for order in ours:
                order._log_reimbursements_paid()
        return True

    def post_and_reconcile(self):
        ours = self._filter_reimbursement_orders()
        # Only the payments still in draft: those of a background posting
        # that failed part way are posted already.
        self._post_and_reconcile_payments(ours.payment_ids.filtered(lambda payment: payment.state == "draft"))
        return super(AccountPaymentOrder, self - ours).post_and_reconcile()

    @api.model
    def _post_and_reconcile_payments(self, payments):
        # OCA reconciles each payment with its bills in a call of its own
        # (``reconcile()``, a plan of one); an order of a reimbursement run
        # holds thousands of them, and Odoo recomputes the reconciled
        # documents' payment states at each call. The same reconciliations,
        # in one plan. The ordinary bills of a mixed order are reconciled as
        # OCA reconciles them; only the reimbursement bills are checked for a
        # payment made since they went into the order.
        payments._check_bills_still_to_pay()
        payments.action_post()
        self.env["account.move.line"]._reconcile_plan(
            [
                payment.payment_line_ids.move_line_id
                + payment.move_id.line_ids.filtered(lambda aml, p=payment: aml.account_id == p.destination_account_id)
                for payment in payments
            ]
        )

    def _filter_reimbursement_orders(self):
        """The orders among these that pay reimbursements: outbound orders
        with a line on a reimbursement's vendor bill. What this module adds
        to OCA's payment orders applies to them alone; ordinary vendor
        orders and inbound (direct debit) orders behave as OCA ships them."""
        return self.filtered(lambda order: order.payment_line_ids._filter_reimbursement_lines())

    # ------------------------------------------------------------------
    # Posting the payments in the background
    # ------------------------------------------------------------------

    def _must_upload_in_background(self):
        """An order that pays reimbursements and has more payments to post
        than its company posts in a request, or whose background posting
        failed."""
        self.ensure_one()
        if self.upload_state == "failed":
            return True
        if not self._filter_reimbursement_orders():
            return False
        drafts = self.env["account.payment"].search_count(self._get_draft_payments_domain())
        return drafts > self.company_id.reimbursement_background_threshold

    def _get_draft_payments_domain(self):
        return [("payment_order_id", "in", self.ids), ("state", "=", "draft")]

    def _start_background_upload(self):
        self.ensure_one()
        drafts = self.env["account.payment"].search_count(self._get_draft_payments_domain())
        total = len(self.payment_ids)
        self.write(
            {
                "upload_state": "posting",
                "upload_error_message": False,
                "upload_user_id": self.env.uid,
                "upload_progress_done": total - drafts,
                "upload_progress_total": total,
            }
        )
        self._start_background_work(
            self.env._(
                "Posting %(count)s payment(s) in the background, started by %(user)s.",
                count=drafts,
                user=self.env.user.name,
            )
        )

    @api.model
    def _cron_post_payment_orders(self):
        """Post the payments of the orders being posted in the background, a
        batch at a time, each batch in a transaction of its own, within
        Odoo's time limits (see ``_cron_run_background_batches()``)."""
        self._cron_run_background_batches()

    # ------------------------------------------------------------------
    # The hooks of the background protocol
    # ------------------------------------------------------------------

    def _get_background_condition(self):
        return SQL("state = 'generated' AND upload_state = 'posting'")

    @api.model
    def _count_background_remaining(self):
        return self.env["account.payment"].search_count(
            [
                ("payment_order_id.state", "=", "generated"),
                ("payment_order_id.upload_state", "=", "posting"),
                ("state", "=", "draft"),
            ]
        )

    def _get_background_user(self):
        return self.upload_user_id

    def _get_background_batch(self):
        return self.env["account.payment"].search(
            self._get_draft_payments_domain(), order="id", limit=UPLOAD_BATCH_SIZE
        )

    def _process_background_items(self, items):
        self._post_and_reconcile_payments(items)
        self.upload_progress_done += len(items)

    def _has_background_work_left(self):
        return bool(self.env["account.payment"].search_count(self._get_draft_payments_domain(), limit=1))

    def _finish_background_work(self):
        """Every payment is posted: the order is uploaded as in a request."""
        self.upload_state = False
        self.generated2uploaded()

    def _fail_background_work(self, item, error):
        """The posting stops at the payment ``item``; *File Successfully
        Uploaded* goes on from that payment."""
        self.write(
            {
                "upload_state": "failed",
                "upload_error_message": self.env._(
                    "The payment to %(partner)s (%(amount)s) failed: %(cause)s",
                    partner=item.partner_id.display_name,
                    amount=item.currency_id.format(item.amount),
                    cause=self._format_error(error),
                ),
            }
        )
        self._message_log(
            body=escape(
                self.env._(
                    "Posting stopped: %(error)s %(done)s of %(total)s payment(s) are posted. Correct the "
                    "cause, then click File Successfully Uploaded again to go on.",
                    error=self.upload_error_message,
                    done=self.upload_progress_done,
                    total=self.upload_progress_total,
                )
            )
        )

    def _get_background_progress(self):
        return self.upload_state or self.state, self.upload_progress_done, self.upload_progress_total

    def _get_background_outcome(self):
        if self.upload_state == "failed":
            return True, self.env._("Payments failed"), self.upload_error_message
        return (
            False,
            self.env._("Payments posted"),
            self.env._(
                "%(order)s is uploaded: its %(count)s payment(s) are posted and reconciled with the bills.",
                order=self.name,
                count=self.upload_progress_total,
            ),
        )

    # ------------------------------------------------------------------
    # The runs paid
    # ------------------------------------------------------------------

    def _log_reimbursements_paid(self):
        """Tell each run whose bills this uploaded order paid, and send
        their customers the payment advice when the run sends advice."""
        self.ensure_one()
        bills = self.payment_line_ids._filter_reimbursement_lines().move_line_id.move_id
        lines = bills.reimbursement_line_ids.filtered(lambda line: line.state == "done")
        for run, run_lines in lines.grouped("reimbursement_id").items():
            body = Markup(
                self.env._(
                    "%(count)s reimbursement(s) paid by the payment order %(order)s, its file uploaded to the "
                    "bank on %(date)s."
                )
            ) % {
                "count": len(run_lines),
                "order": self._get_html_link(),
                "date": format_date(self.env, self.date_uploaded),
            }
            if run.notify_customers:
                run_lines._queue_remittance_advice("reimbursement_payment_order.mail_template_reimbursement_paid")
                body += run._format_customers_without_email(run_lines)
            run._message_log(body=body)
