from . import test_import
from . import test_install
from . import test_import_rules
from . import test_follow
from . import test_confirm_carrier
from . import test_import_orders
from . import test_security
from . import test_i18n_render
