from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..models.engine import NothingToReimburse
from .common import ReimbursementCommon


@tagged("post_install", "-at_install")
class TestRunFromOptions(ReimbursementCommon):
    """``account.reimbursement.preview()`` and ``propose()``: a run made from
    options, as the wizard, the scheduler and RPC clients make it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.first = cls._customer("Recipe First")
        cls.second = cls._customer("Recipe Second")
        cls._credit_note(cls.first, 120.0)
        cls._credit_note(cls.second, 45.0)
        cls._invoice(cls.second, 20.0)
        cls.runs = cls.env["account.reimbursement"]
        cls.options = {
            "date": "2019-06-15",
            "partner_domain": str([("id", "in", (cls.first + cls.second).ids)]),
        }

    def test_options_not_given_are_the_company_defaults(self):
        """The company says: include customers with open debits, settle them
        first, one reimbursement per receivable account. The run made from
        a date and a filter alone does just that: the second customer gets
        its credit net of its invoice."""
        self.company.write(
            {
                "reimbursement_include_debit_customers": True,
                "reimbursement_offset_debits": True,
                "reimbursement_summarize_customer": False,
            }
        )

        run = self.runs.propose(self.options)

        self.assertRecordValues(
            run,
            [
                {
                    "state": "draft",
                    "company_id": self.company.id,
                    "include_debit_customers": True,
                    "offset_debits": True,
                    "summarize_customer": False,
                    "notify_customers": False,
                    "considered_customer_count": 2,
                    "amount_total": 145.0,
                }
            ],
        )
        run.action_post()
        self.assertReimbursed(run.line_ids.filtered(lambda line: line.customer_id == self.first), self.first, 120.0)
        self.assertReimbursed(run.line_ids.filtered(lambda line: line.customer_id == self.second), self.second, 25.0)
        self.assertEqual(self._open_residual(self.first), 0.0)
        self.assertEqual(self._open_residual(self.second), 0.0)
        self.assertEqual(self._account_balance(self.clearing), 0.0)

    def test_preview_then_propose_what_was_selected(self):
        """The preview writes nothing; the run proposed of one previewed key
        holds that reimbursement alone, and posting it leaves the other
        customer's credit as it was."""
        preview = self.runs.preview(self.options)

        self.assertEqual(self.runs.search_count([("company_id", "=", self.company.id)]), 0)
        self.assertEqual([line["customer_id"] for line in preview["lines"]], [self.first.id])
        self.assertEqual(preview["lines"][0]["amount"], 120.0)
        self.assertEqual(preview["lines"][0]["vendor_name"], "New one-time vendor")
        self.assertIn("Recipe Second", preview["skipped"])

        selected = {preview["lines"][0]["key"]: 120.0}
        run = self.runs.propose({**self.options, "include_debit_customers": True}, previewed=selected)
        run.action_post()

        self.assertEqual(run.line_ids.customer_id, self.first)
        self.assertReimbursed(run.line_ids, self.first, 120.0)
        self.assertEqual(self._open_residual(self.second), -25.0)

    def test_a_previewed_amount_that_changed_is_refused(self):
        preview = self.runs.preview(self.options)
        with self.assertRaisesRegex(UserError, "Recipe First in USD changed since the preview"):
            self.runs.propose(self.options, previewed={preview["lines"][0]["key"]: 100.0})
        self.assertEqual(self.runs.search_count([("company_id", "=", self.company.id)]), 0)

    def test_unknown_option_is_refused_by_name(self):
        with self.assertRaisesRegex(UserError, "summarise_customers: not options of a reimbursement run"):
            self.runs.propose({**self.options, "summarise_customers": True})

    def test_nothing_to_reimburse_is_a_user_error_of_its_own(self):
        """The scheduler tells it from a failure; the user reads the reasons."""
        options = {**self.options, "partner_domain": str([("id", "=", self.second.id)])}
        with self.assertRaises(NothingToReimburse) as caught:
            self.runs.propose(options)
        self.assertIsInstance(caught.exception, UserError)
        self.assertIn("outstanding debit transactions", caught.exception.args[0])
        self.assertEqual(self._open_residual(self.second), -25.0)

    def test_who_may_not_make_runs_may_not_preview_them(self):
        billing = new_test_user(
            self.env, login="recipe_billing", groups="account.group_account_invoice", company_id=self.company.id
        )
        with self.assertRaises(AccessError):
            self.runs.with_user(billing).preview(self.options)
        with self.assertRaises(AccessError):
            self.runs.with_user(billing).propose(self.options)
