from . import res_company
from . import res_config_settings
from . import account_reimbursement
from . import account_reimbursement_line
from . import account_payment
from . import account_payment_line
from . import account_payment_order
from . import account_payment_order_file
