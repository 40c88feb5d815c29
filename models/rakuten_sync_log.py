from odoo import _, api, fields, models

from .rakuten_text import RakutenText

KINDS = [
    ("import", "Order Import"),
    ("confirm", "Order Confirmation"),
    ("carrier", "Carrier Update"),
    ("shipping", "Shipping Report"),
    ("payment", "Payment Sync"),
    ("cancel", "Cancellation Sync"),
    ("license", "License Check"),
]
STATES = [
    ("running", "Running"),
    ("done", "Done"),
    ("partial", "Done with Errors"),
    ("failed", "Failed"),
    ("skipped", "Skipped"),
]
COUNTED = ("imported", "updated", "deferred", "skipped", "failed", "unchanged")


class RakutenSyncLog(models.Model):
    _name = "rakuten.sync.log"
    _description = "Rakuten Sync Log"
    _order = "date_start desc, id desc"
    _rec_name = "name"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    team_id = fields.Many2one("crm.team", string="Sales Channel", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="team_id.company_id", store=True, index=True)
    kind = fields.Selection(KINDS, required=True, default="import")
    state = fields.Selection(STATES, required=True, default="running", index=True)
    date_start = fields.Datetime(string="Started", required=True, default=fields.Datetime.now, readonly=True)
    date_end = fields.Datetime(string="Finished", readonly=True)
    window_start = fields.Datetime(string="Orders From", readonly=True)
    window_end = fields.Datetime(string="Orders To", readonly=True)
    message = RakutenText(readonly=True)  # read in the reader's language
    api_calls = fields.Integer(string="RMS Calls", readonly=True)
    count_found = fields.Integer(string="Found", readonly=True)
    count_imported = fields.Integer(string="Imported", readonly=True)
    count_updated = fields.Integer(string="Updated", readonly=True)
    count_deferred = fields.Integer(string="Deferred", readonly=True)
    count_skipped = fields.Integer(string="Skipped", readonly=True)
    count_failed = fields.Integer(string="Failed", readonly=True)
    count_unchanged = fields.Integer(string="Already Imported", readonly=True)
    count_done = fields.Integer(string="Done", readonly=True, help="Orders confirmed or rows sent to Rakuten.")
    line_ids = fields.One2many("rakuten.sync.log.line", "log_id", string="Orders", readonly=True)

    @api.depends("kind", "team_id", "date_start")
    def _compute_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for log in self:
            log.name = "%s - %s - %s" % (
                kinds.get(log.kind, ""),
                log.team_id.name or "",
                fields.Datetime.to_string(fields.Datetime.context_timestamp(log, log.date_start))
                if log.date_start else "",
            )

    def _add_line(self, order_number, outcome, reason, sale_order=None):
        """Record what happened to one order. ``unchanged`` is only counted: an order already
        imported is seen again on every run of its window. ``reason``: a ``_lt(...)``, an
        ``rms`` message, or RMS's own text, stored to be read in the reader's language."""
        self.ensure_one()
        field = "count_%s" % outcome
        self[field] += 1
        if outcome == "unchanged":
            return self.env["rakuten.sync.log.line"]
        return self.env["rakuten.sync.log.line"].create({
            "log_id": self.id,
            "order_number": order_number,
            "outcome": outcome,
            "reason": reason,
            "sale_order_id": sale_order.id if sale_order else False,
        })

    def _add_lines(self, entries):
        """:meth:`_add_line` for many orders at once, with one create: ``entries`` are
        ``(order_number, outcome, reason, sale_order)``."""
        self.ensure_one()
        vals_list = []
        for order_number, outcome, reason, sale_order in entries:
            self["count_%s" % outcome] += 1
            if outcome != "unchanged":
                vals_list.append({
                    "log_id": self.id,
                    "order_number": order_number,
                    "outcome": outcome,
                    "reason": reason,
                    "sale_order_id": sale_order.id if sale_order else False,
                })
        return self.env["rakuten.sync.log.line"].create(vals_list)

    def _finish(self, state=None, message=None):
        for log in self:
            values = {"date_end": fields.Datetime.now()}
            if state:
                values["state"] = state
            elif log.count_failed:
                values["state"] = "partial"
            else:
                values["state"] = "done"
            if message:
                values["message"] = message
            log.write(values)

    def action_view_orders(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Orders"),
            "res_model": "sale.order",
            "view_mode": "list,form",
            "domain": [("id", "in", self.line_ids.sale_order_id.ids)],
        }

    @api.autovacuum
    def _gc_old_logs(self):
        """Keep three months of logs."""
        limit = fields.Datetime.subtract(fields.Datetime.now(), days=90)
        self.search([("date_start", "<", limit), ("state", "!=", "running")]).unlink()
