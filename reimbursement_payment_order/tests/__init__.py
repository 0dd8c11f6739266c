from . import test_background_upload
from . import test_demo_norway
from . import test_other_orders
from . import test_payment_advice
from . import test_payment_file
from . import test_payment_order
from . import test_tour
