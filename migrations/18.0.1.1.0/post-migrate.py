"""18.0.1.1.0: every job runs on rakuten.sync.

The scheduled actions are noupdate (an upgrade keeps the administrator's interval and active
flag), so their model and code are moved here; their xml ids are unchanged.
"""

from odoo import SUPERUSER_ID, api

#: cron xml id -> its new code, all on rakuten.sync
CRONS = {
    "ir_cron_rakuten_import_orders": "model._cron_import()",
    "ir_cron_rakuten_confirm_orders": "model._cron_confirm()",
    "ir_cron_rakuten_update_carriers": "model._cron_carrier()",
    "ir_cron_rakuten_sync_orders": "model._cron_follow()",
    "ir_cron_rakuten_check_licenses": "model._cron_license()",
    "ir_cron_rakuten_import_past_orders": "model._cron_import_past_orders()",
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    model = env["ir.model"]._get("rakuten.sync")
    for xmlid, code in CRONS.items():
        cron = env.ref("sale_rakuten.%s" % xmlid, raise_if_not_found=False)
        if cron:
            cron.write({"model_id": model.id, "code": code})
