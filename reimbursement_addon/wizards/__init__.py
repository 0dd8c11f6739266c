from . import account_reimbursement_wizard
from . import account_reimbursement_report_wizard
