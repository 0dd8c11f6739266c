from . import reimbursement_report
