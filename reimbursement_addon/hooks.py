def post_init_hook(env):
    """Give every company that already has a chart of accounts its
    reimbursement configuration (clearing account and journals)."""
    companies = env["res.company"].search([("chart_template", "!=", False)])
    companies._reimbursement_setup_accounting()
