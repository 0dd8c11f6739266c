from . import res_company
from . import res_config_settings
from . import res_partner
from . import res_users
from . import account_chart_template
from . import account_move
from . import account_reimbursement
from . import account_reimbursement_line
