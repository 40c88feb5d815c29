from odoo import _, api, fields, models

from .rakuten_sync import JOBS
from .rakuten_text import RakutenText

#: The log kinds: one per job of rakuten.sync (its JOBS table), labelled as there.
KINDS = [(kind, job.label) for kind, job in JOBS.items()]
STATES = [
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Done"),
    ("partial", "Done with Errors"),
    ("failed", "Failed"),
    ("skipped", "Skipped"),
    ("interrupted", "Interrupted"),
]
#: The counters that tell what each kind of job did, in the order the log shows them.
KIND_COUNTERS = {kind: job.counters for kind, job in JOBS.items()}
#: Counters of orders the job could not handle: the run ends 'Done with Errors'.
PROBLEM_COUNTERS = ("failed", "refused")


class RakutenSyncLog(models.Model):
    _name = "rakuten.sync.log"
    _description = "Rakuten Sync Log"
    _order = "date_start desc, id desc"
    _rec_name = "name"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Channel",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="team_id.company_id", store=True, index=True)
    kind = fields.Selection(KINDS, required=True, default="import")
    state = fields.Selection(STATES, required=True, default="running", index=True)
    date_start = fields.Datetime(
        string="Started", required=True, default=fields.Datetime.now, readonly=True
    )
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
    count_done = fields.Integer(
        string="Done", readonly=True, help="Orders whose update Rakuten accepted."
    )
    count_confirmed = fields.Integer(
        string="Confirmed", readonly=True, help="Orders confirmed on Rakuten."
    )
    count_refused = fields.Integer(
        string="Refused",
        readonly=True,
        help="Orders or rows Rakuten refused for good: a person has to look at them.",
    )
    count_retried = fields.Integer(
        string="To Retry",
        readonly=True,
        help="Orders or rows Rakuten refused this time; the next run sends them again.",
    )
    count_rows_set = fields.Integer(
        string="Carrier Rows Set",
        readonly=True,
        help="Baskets that got their その他 (other) carrier row on Rakuten.",
    )
    count_rows_updated = fields.Integer(
        string="Shipments Reported",
        readonly=True,
        help=(
            "Baskets whose rows on Rakuten were updated with the real carrier and "
            "tracking number."
        ),
    )
    count_settled = fields.Integer(
        string="Payments Settled",
        readonly=True,
        help="Orders whose payment Rakuten settled.",
    )
    count_approval_refused = fields.Integer(
        string="Approvals Refused",
        readonly=True,
        help="Orders whose authorization Rakuten refused (承認NG).",
    )
    count_cancelled = fields.Integer(
        string="Cancellations",
        readonly=True,
        help="Orders cancelled on Rakuten and cancelled in Odoo.",
    )
    # Changes made on Rakuten after import (follow-up job)
    count_changes_found = fields.Integer(
        string="Changes Found",
        readonly=True,
        help="Changes Rakuten made to orders after import (one per field, line or recipient).",
    )
    count_changes_applied = fields.Integer(
        string="Changes Applied",
        readonly=True,
        help="Changes Odoo applied to the orders and their deliveries.",
    )
    count_changes_held = fields.Integer(
        string="Changes Held",
        readonly=True,
        help="Changes left for a person: the order waits in To Confirm, or was already "
        "shipped (an activity tells the salesperson).",
    )
    count_checked = fields.Integer(
        string="Keys Checked", readonly=True, help="License keys whose expiry RMS told."
    )
    count_created = fields.Integer(
        string="Created",
        readonly=True,
        help="Rakuten SKUs registered as new products (variants).",
    )
    count_matched = fields.Integer(
        string="Matched",
        readonly=True,
        help=(
            "Rakuten SKUs linked to a product already in Odoo (same internal reference or "
            "barcode)."
        ),
    )
    count_warning = fields.Integer(
        string="Warnings",
        readonly=True,
        help=(
            "SKUs registered without their barcode (another product has it) or image (download "
            "failed)."
        ),
    )
    # ※6 Stock to Rakuten (the stock push and the nightly stock check)
    count_stock_pushed = fields.Integer(
        string="SKUs Sent",
        readonly=True,
        help="SKUs whose quantity was sent to Rakuten.",
    )
    count_stock_unchanged = fields.Integer(
        string="SKUs Unchanged",
        readonly=True,
        help="SKUs checked whose quantity on Rakuten was already right: nothing was sent.",
    )
    count_stock_differences = fields.Integer(
        string="Differences",
        readonly=True,
        help=(
            "SKUs whose quantity on Rakuten differed from what Odoo can sell; the next push "
            "corrects them."
        ),
    )
    summary = fields.Char(
        string="Result",
        compute="_compute_summary",
        help="The counters of this kind of job.",
    )
    is_past_import = fields.Boolean(
        string="Past Import",
        readonly=True,
        help="An import of past orders, queued by 'Import Past Orders' and run in the background.",
    )
    line_ids = fields.One2many(
        "rakuten.sync.log.line", "log_id", string="Orders", readonly=True
    )

    @api.depends("kind", "team_id", "date_start", "is_past_import")
    @api.depends_context("lang", "tz")
    def _compute_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for log in self:
            log.name = "%s - %s - %s" % (
                self.env._("Past Order Import")
                if log.is_past_import
                else kinds.get(log.kind, ""),
                log.team_id.name or "",
                fields.Datetime.to_string(
                    fields.Datetime.context_timestamp(log, log.date_start)
                )
                if log.date_start
                else "",
            )

    @api.depends(
        "kind",
        *sorted(
            {"count_%s" % name for names in KIND_COUNTERS.values() for name in names}
        ),
    )
    @api.depends_context("lang")
    def _compute_summary(self):
        for log in self:
            log.summary = " · ".join(
                "%s %s"
                % (
                    log._fields["count_%s" % name]._description_string(self.env),
                    log["count_%s" % name],
                )
                for name in KIND_COUNTERS.get(log.kind, ())
            )

    def _count(self, counter, number=1):
        """Add ``number`` to the counter ``counter`` (e.g. ``"rows_set"``)."""
        self.ensure_one()
        if number:
            self["count_%s" % counter] += number

    def _add_line(self, order_number, outcome, reason, sale_order=None, counter=None):
        """Record what happened to one order, counted in ``counter`` (one of the counters of
        :data:`KIND_COUNTERS`), by default the outcome's. ``unchanged`` is only counted: an
        order already imported is seen again on every run of its window. ``reason``: a
        ``_lt(...)``, an ``rms`` message, or RMS's own text, stored to be read in the reader's
        language."""
        self.ensure_one()
        self._count(counter or outcome)
        if outcome == "unchanged":
            return self.env["rakuten.sync.log.line"]
        return self.env["rakuten.sync.log.line"].create(
            {
                "log_id": self.id,
                "order_number": order_number,
                "outcome": outcome,
                "reason": reason,
                "sale_order_id": sale_order.id if sale_order else False,
            }
        )

    def _add_lines(self, entries):
        """:meth:`_add_line` for many orders at once, with one create: ``entries`` are
        ``(order_number, outcome, reason, sale_order)``."""
        self.ensure_one()
        vals_list = []
        for order_number, outcome, reason, sale_order in entries:
            self["count_%s" % outcome] += 1
            if outcome != "unchanged":
                vals_list.append(
                    {
                        "log_id": self.id,
                        "order_number": order_number,
                        "outcome": outcome,
                        "reason": reason,
                        "sale_order_id": sale_order.id if sale_order else False,
                    }
                )
        return self.env["rakuten.sync.log.line"].create(vals_list)

    def _finish(self, state=None, message=None):
        for log in self:
            values = {"date_end": fields.Datetime.now()}
            if state:
                values["state"] = state
            elif any(log["count_%s" % name] for name in PROBLEM_COUNTERS):
                values["state"] = "partial"
            else:
                values["state"] = "done"
            if message:
                values["message"] = message
            log.write(values)

    # ------------------------------------------------------------------
    # Past imports, queued and run by their own cron
    # ------------------------------------------------------------------
    @api.model
    def _rakuten_queue_past_import(self, team, date_from, date_to):
        """Queue the import of ``team``'s orders placed from ``date_from`` to ``date_to``
        (naive UTC); the past-import cron is woken to run it. Returns the queued log."""
        log = self.create(
            {
                "team_id": team.id,
                "kind": "import",
                "state": "queued",
                "is_past_import": True,
                "window_start": date_from,
                "window_end": date_to,
            }
        )
        self.env.ref("sale_rakuten.ir_cron_rakuten_import_past_orders")._trigger()
        return log

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
        self.search(
            [("date_start", "<", limit), ("state", "not in", ("running", "queued"))]
        ).unlink()
