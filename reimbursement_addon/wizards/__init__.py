from . import account_reimbursement_wizard
