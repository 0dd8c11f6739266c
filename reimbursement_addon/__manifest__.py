# Copyright 2026 The reimbursement_addon authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
{
    "name": "Customer Reimbursement",
    "summary": "Reimburse customer credit balances through vendor bills, "
    "as the Reimbursement periodic task of Dynamics 365 Finance",
    "version": "2.2.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/reimbursement-addon/reimbursement_addon",
    "author": "The reimbursement_addon authors",
    "maintainers": ["reimbursement-addon"],
    "development_status": "Beta",
    "license": "LGPL-3",
    "depends": ["account"],
    "data": [
        "security/ir.model.access.csv",
        "security/reimbursement_security.xml",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        "data/mail_activity_type_data.xml",
        "data/mail_template_data.xml",
        "views/account_reimbursement_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/account_reimbursement_wizard_views.xml",
        "wizards/account_reimbursement_report_wizard_views.xml",
        "views/menus.xml",
        "report/reimbursement_report.xml",
    ],
    "demo": [
        "demo/reimbursement_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "reimbursement_addon/static/src/**/*.js",
            "reimbursement_addon/static/src/**/*.scss",
        ],
        "web.assets_tests": [
            "reimbursement_addon/static/tests/tours/**/*.js",
        ],
    },
    "post_init_hook": "post_init_hook",
}
