from . import test_configuration
from . import test_reimbursement
from . import test_report
from . import test_translation
from . import test_tour
