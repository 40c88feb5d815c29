"""18.0.1.2.0: one import cron per Rakuten channel.

The single "Rakuten: Import Orders" cron (noupdate, so an upgrade keeps it) would import every
channel one after the other on one cron worker, and twice with the channels' own crons: it is
removed. Each active Rakuten channel gets its own import cron; the channels take the old
cron's interval (5 minutes at least), and their crons stay off if it was off.
"""

from odoo import SUPERUSER_ID, api

#: Minutes of one unit of ir.cron's interval_type.
MINUTES = {"minutes": 1, "hours": 60, "days": 1440, "weeks": 10080}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    teams = (
        env["crm.team"]
        .with_context(active_test=False)
        .search([("rakuten_active", "=", True)])
    )
    old = env.ref(
        "sale_rakuten.ir_cron_rakuten_import_orders", raise_if_not_found=False
    )
    was_active = True
    if old:
        was_active = old.active
        minutes = old.interval_number * MINUTES.get(old.interval_type, 0)
        if minutes:
            teams.write({"rakuten_import_interval": max(minutes, 5)})
        # The server action goes with the cron (ir.cron delegates to it).
        action = old.ir_actions_server_id
        old.unlink()
        action.exists().unlink()
    teams._rakuten_sync_import_cron()
    if not was_active:
        teams.sudo().rakuten_import_cron_id.active = False
