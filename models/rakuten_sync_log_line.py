from odoo import fields, models

from .rakuten_text import RakutenText

OUTCOMES = [
    ("imported", "Imported"),
    ("updated", "Updated"),
    ("deferred", "Deferred"),
    ("skipped", "Skipped"),
    ("failed", "Failed"),
    ("done", "Done"),
    ("created", "Created"),
    ("matched", "Matched"),
    ("warning", "Warning"),
]


class RakutenSyncLogLine(models.Model):
    _name = "rakuten.sync.log.line"
    _description = "Rakuten Sync Log Line"
    _order = "id"
    _rec_name = "order_number"

    log_id = fields.Many2one(
        "rakuten.sync.log", required=True, ondelete="cascade", index=True
    )
    team_id = fields.Many2one(related="log_id.team_id", store=True)
    company_id = fields.Many2one(related="log_id.company_id", store=True)
    order_number = fields.Char(string="Rakuten Order Number", index=True)
    outcome = fields.Selection(OUTCOMES, required=True)
    reason = RakutenText()  # read in the reader's language
    sale_order_id = fields.Many2one(
        "sale.order", string="Sales Order", ondelete="set null"
    )
