# Copyright 2026 The reimbursement_addon authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
{
    "name": "Customer Reimbursement: Payment Orders",
    "summary": "Pay the vendor bills of customer reimbursement runs with OCA payment orders "
    "and an ISO 20022 credit transfer file, to trusted bank accounts only",
    "version": "1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/reimbursement-addon/reimbursement_addon",
    "author": "The reimbursement_addon authors",
    "maintainers": ["reimbursement-addon"],
    "development_status": "Alpha",
    "license": "LGPL-3",
    "depends": ["reimbursement_addon", "account_banking_sepa_credit_transfer"],
    "data": [
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "views/res_config_settings_views.xml",
        "views/account_reimbursement_views.xml",
        "views/account_payment_line_views.xml",
        "views/account_payment_order_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "reimbursement_payment_order/static/tests/tours/**/*.js",
        ],
    },
    "external_dependencies": {"python": ["unidecode"]},
    "auto_install": True,
}
