from . import rakuten_import_wizard
