import importlib.util
from pathlib import Path

from odoo.tests import TransactionCase, tagged

# The demo's Norwegian company, as make run sets it up (tools/ of the repository).
DEMO = Path(__file__).parents[2] / "tools" / "demo_norway.py"


def load_demo():
    spec = importlib.util.spec_from_file_location("reimbursement_demo_norway", DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestDemoNorway(TransactionCase):
    """The demo's Norwegian company is what docs/development.md says it is: a
    company of its own with eight customers, six bank accounts (all trusted
    but Fjellstua Kafé's, Solberg Bygg's a domestic account number), the
    company's account at a bank with a BIC, and a preview that proposes and
    leaves out whom that page names."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("nb_NO")
        cls.company = load_demo().main(cls.env)

    def test_demo_company_matches_the_readme(self):
        company = self.company
        self.assertEqual(company.name, "Nordlys Handel AS")
        self.assertEqual(company.currency_id.name, "NOK")
        bank_account = company.reimbursement_payment_mode_id.fixed_journal_id.bank_account_id
        self.assertEqual(bank_account.bank_id.name, "DNB Bank ASA")
        self.assertEqual(bank_account.bank_bic, "DNBANOKK")
        clearing = company.reimbursement_clearing_account_id
        self.assertEqual(clearing.with_context(lang="nb_NO").name, "Mellomkonto for kunderefusjoner")

        moves = self.env["account.move"].search([("company_id", "=", company.id), ("move_type", "!=", "entry")])
        customers = moves.partner_id
        # Eight customers, and no document of anyone else in the company.
        self.assertEqual(
            sorted(customers.mapped("name")),
            [
                "Fjellstua Kafé AS",
                "Hansen Rørleggerservice AS",
                "Havbris Sjømat AS",
                "Lillehammer Ski og Fritid AS",
                "Nordkapp Reiseliv AS",
                "Solberg Bygg AS",
                "Trondheim Trykk AS",
                "Vestland Elektro AS",
            ],
        )
        banks = customers.bank_ids
        self.assertEqual(len(banks), 6)
        self.assertEqual(banks.filtered(lambda bank: not bank.allow_out_payment).partner_id.name, "Fjellstua Kafé AS")
        self.assertEqual(banks.filtered(lambda bank: bank.acc_type != "iban").partner_id.name, "Solberg Bygg AS")

        proposer = self.env["res.users"].search([("login", "=", "regnskap")])
        self.assertEqual(proposer.lang, "nb_NO")
        wizard = (
            self.env["account.reimbursement.wizard"]
            .with_user(proposer)
            .with_company(company)
            .with_context(lang="en_US")
            .create({})
        )
        wizard.action_preview()
        reimbursed = {
            line.customer_id.name: (line.kind, line.currency_id.name, line.amount) for line in wizard.line_ids
        }
        self.assertEqual(
            reimbursed,
            {
                "Fjellstua Kafé AS": ("reimbursement", "NOK", 200.0),
                "Hansen Rørleggerservice AS": ("reimbursement", "NOK", 1250.0),
                "Havbris Sjømat AS": ("reimbursement", "EUR", 350.0),
                "Nordkapp Reiseliv AS": ("write_off", "NOK", 42.0),
                "Solberg Bygg AS": ("reimbursement", "NOK", 4800.0),
                "Trondheim Trykk AS": ("reimbursement", "NOK", 2150.0),
            },
        )
        self.assertIn("Vestland Elektro AS", wizard.skipped_summary)
        self.assertIn("Lillehammer Ski og Fritid AS", wizard.skipped_summary)
