from odoo import api, fields, models


class RakutenPendingOrder(models.Model):
    """An order found on Rakuten and not imported yet (deferred, or failed). Every import of
    the channel fetches it again, whatever its search window, until it is imported or skipped:
    an order deferred for longer than the window is never lost."""

    _name = "rakuten.pending.order"
    _description = "Rakuten Order Waiting for Import"
    _order = "first_seen, id"
    _rec_name = "order_number"

    team_id = fields.Many2one("crm.team", string="Sales Channel", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="team_id.company_id", store=True)
    order_number = fields.Char(string="Rakuten Order Number", required=True)
    reason = fields.Text(readonly=True)
    first_seen = fields.Datetime(default=fields.Datetime.now, readonly=True)
    last_seen = fields.Datetime(default=fields.Datetime.now, readonly=True)
    attempts = fields.Integer(default=1, readonly=True)

    _sql_constraints = [
        ("team_order_uniq", "UNIQUE(team_id, order_number)", "An order waits once per channel."),
    ]

    @api.model
    def _rakuten_defer(self, team, order_number, reason):
        pending = self.search([("team_id", "=", team.id), ("order_number", "=", order_number)], limit=1)
        if pending:
            pending.write({
                "reason": reason,
                "last_seen": fields.Datetime.now(),
                "attempts": pending.attempts + 1,
            })
            return pending
        return self.create({"team_id": team.id, "order_number": order_number, "reason": reason})

    @api.model
    def _rakuten_forget(self, team, order_numbers):
        if order_numbers:
            self.search([("team_id", "=", team.id), ("order_number", "in", list(order_numbers))]).unlink()
