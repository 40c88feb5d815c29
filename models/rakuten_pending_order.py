import hashlib
from datetime import timedelta

from odoo import api, fields, models

from .crm_team import MANAGER_GROUP
from .rakuten_text import RakutenText

#: A failing order is retried on the next run, then kept aside for this long, doubling on each
#: further failure in a row, at most MAX_RETRY_DELAY (the import runs every 15 minutes).
FIRST_RETRY_DELAY = timedelta(minutes=15)
MAX_RETRY_DELAY = timedelta(hours=24)
#: Raw RMS data kept on a failed waiting order, at most (characters).
RAW_DATA_LIMIT = 200_000


def retry_delay(failures):
    """How long an order that failed ``failures`` runs in a row is kept aside."""
    if failures < 2:
        return timedelta(0)
    return min(FIRST_RETRY_DELAY * 2 ** (failures - 2), MAX_RETRY_DELAY)


class RakutenPendingOrder(models.Model):
    """An order found on Rakuten and not imported.

    Waiting (deferred, or failed): every import of the channel fetches it again, whatever its
    search window, until it is imported or skipped, so an order deferred for longer than the
    window is never lost. Skipped: remembered so that the next runs, which find it again in
    their window, neither fetch it nor log it again, unless the channel's options that decided
    the skip (※2, ※4) have changed since.
    """

    _name = "rakuten.pending.order"
    _description = "Rakuten Order Waiting for Import"
    _order = "first_seen, id"
    _rec_name = "order_number"

    team_id = fields.Many2one(
        "crm.team",
        string="Sales Channel",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="team_id.company_id", store=True)
    order_number = fields.Char(string="Rakuten Order Number", required=True)
    reason = RakutenText(readonly=True)  # read in the reader's language
    first_seen = fields.Datetime(default=fields.Datetime.now, readonly=True)
    last_seen = fields.Datetime(default=fields.Datetime.now, readonly=True)
    attempts = fields.Integer(default=1, readonly=True)
    state = fields.Selection(
        [("waiting", "Waiting"), ("skipped", "Skipped")],
        default="waiting",
        required=True,
        index=True,
    )
    options_key = fields.Char(
        help="The channel's import options when the order was skipped."
    )
    failures = fields.Integer(
        string="Failed Runs in a Row",
        readonly=True,
        help="Imports in a row in which this order failed the same way. From the second, the "
        "order is kept aside for a while, longer after each failure (at most a day).",
    )
    failure_key = fields.Char(readonly=True)
    next_try = fields.Datetime(
        readonly=True,
        help="Imports before this moment leave the failing order aside (and say so in their log).",
    )
    raw_data = fields.Text(
        string="RMS Data of the Last Failure",
        readonly=True,
        prefetch=False,
        groups=MANAGER_GROUP,
        help="What RMS sent for this order when it last failed, to find out why.",
    )

    _sql_constraints = [
        (
            "team_order_uniq",
            "UNIQUE(team_id, order_number)",
            "An order waits once per channel.",
        ),
    ]

    @api.model
    def _rakuten_defer(self, team, order_number, reason):
        """Let ``order_number`` wait for the next imports of ``team``. ``reason``: a ``_lt(...)``,
        an ``rms`` message, or RMS's own text (see :mod:`.rakuten_text`)."""
        return self._rakuten_defer_many(team, [(order_number, reason, "waiting")])

    @api.model
    def _rakuten_defer_many(self, team, entries):
        """:meth:`_rakuten_defer` for ``entries`` = ``[(order_number, reason, state)]``, in
        order, with one search and one create instead of a search per order. An entry may
        carry two more items, ``(..., failed, raw)``: the order failed (``raw``: the data RMS
        sent for it, any JSON value), which counts its failures in a row."""
        if not entries:
            return self
        existing = {
            pending.order_number: pending
            for pending in self.search(
                [
                    ("team_id", "=", team.id),
                    ("order_number", "in", list({e[0] for e in entries})),
                ]
            )
        }
        options_key = (
            team._rakuten_options_key()
            if any(e[2] == "skipped" for e in entries)
            else False
        )
        now = fields.Datetime.now()
        to_create = {}
        for order_number, reason, state, *failure in entries:
            vals = {
                "reason": reason,
                "state": state,
                "options_key": options_key if state == "skipped" else False,
            }
            pending = existing.get(order_number)
            vals.update(self._rakuten_failure_vals(pending, reason, *failure, now=now))
            if pending:
                pending.sudo().write(
                    dict(vals, last_seen=now, attempts=pending.attempts + 1)
                )
            elif (
                order_number in to_create
            ):  # twice in one batch: the second call would update
                previous = to_create[order_number]
                to_create[order_number] = dict(
                    previous,
                    **vals,
                    last_seen=now,
                    attempts=previous.get("attempts", 1) + 1,
                )
            else:
                to_create[order_number] = dict(
                    vals, team_id=team.id, order_number=order_number
                )
        created = (
            self.sudo().create(list(to_create.values())).sudo(False)
            if to_create
            else self
        )
        return self.browse([p.id for p in existing.values()]) | created

    @api.model
    def _rakuten_failure_vals(self, pending, reason, failed=False, raw=None, now=None):
        """Failure counters of an order deferred again (``pending``, or none yet)."""
        if not failed:
            return {
                "failures": 0,
                "failure_key": False,
                "next_try": False,
                "raw_data": False,
            }
        key = hashlib.sha1(str(reason).encode("utf-8", "replace")).hexdigest()
        same = pending and pending.failures and pending.failure_key == key
        failures = pending.failures + 1 if same else 1
        delay = retry_delay(failures)
        vals = {
            "failures": failures,
            "failure_key": key,
            "next_try": (now or fields.Datetime.now()) + delay if delay else False,
        }
        if raw is not None:
            vals["raw_data"] = self._rakuten_raw_text(raw)
        return vals

    @api.model
    def _rakuten_raw_text(self, raw):
        """``raw`` (any JSON value) as storable text, cut to :data:`RAW_DATA_LIMIT`."""
        from .sale_order import raw_json  # noqa: PLC0415 - one place renders RMS data

        text = raw_json(raw)
        return text if len(text) <= RAW_DATA_LIMIT else text[:RAW_DATA_LIMIT] + "\n…"

    @api.autovacuum
    def _gc_skipped(self):
        """Skipped orders leave every search window after a while: forget them after 62 days."""
        limit = fields.Datetime.subtract(fields.Datetime.now(), days=62)
        self.search([("state", "=", "skipped"), ("last_seen", "<", limit)]).unlink()

    @api.model
    def _rakuten_forget(self, team, order_numbers):
        if order_numbers:
            self.search(
                [("team_id", "=", team.id), ("order_number", "in", list(order_numbers))]
            ).unlink()
