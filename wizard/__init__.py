from . import rakuten_import_wizard
from . import rakuten_order_cancel
