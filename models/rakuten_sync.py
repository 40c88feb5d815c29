import logging
import random
import threading
import time
from collections import namedtuple
from datetime import datetime, timedelta, timezone

import psycopg2

from odoo import api, fields, models
from odoo.tools import split_every
from odoo.tools.translate import LazyTranslate

from ..rms import codes, rules, sync
from ..rms.codes import JST
from ..rms.exceptions import (
    RmsAuthError,
    RmsBadRequestError,
    RmsError,
    RmsMaintenanceError,
    RmsRateLimitError,
)
from ..rms.order import OrderParseError, clean_text, parse_order, valid_order_number
from .rakuten_text import error_text

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

#: Orders re-read with one getOrder call (RMS takes 100 at most) by the follow-up jobs.
CHUNK = 100
#: Orders fetched with one getOrder call, decided and written together by the import.
IMPORT_BATCH_SIZE = 100
#: getOrder batches one call of a channel's import cron fetches before it commits, reports
#: its progress and returns: the scheduler calls it again (up to ir.cron's
#: MAX_BATCH_PER_CRON_JOB times), then lets the other ready crons run (no starvation).
IMPORT_SLICE_BATCHES = 3
#: Tries of one getOrder batch that conflicts with another cron worker (a serialization
#: failure or a deadlock, e.g. two shops reserving the same products at once).
CONFLICT_TRIES = 5
#: A channel whose credentials RMS refused is tried again by the import after this delay.
AUTH_RETRY_DELAY = timedelta(hours=1)
#: RMS-side cancellations are looked for among the orders of the last 62 days.
CANCEL_LOOKBACK = timedelta(days=62)
#: A 楽天共通決済 order is followed for its payment this long after it was placed.
PAYMENT_FOLLOW = timedelta(days=30)
#: A shipped order is still compared with RMS (changes after shipping: a coupon corrected, a
#: unit refunded) this long after it was placed, and only while RMS shows it below 支払手続き済
#: (700), once Rakuten has settled the money the order is closed for the shop. 30 days covers
#: the delivery and the buyer's first claims; re-reading every shipped order for ever would
#: cost getOrder calls (100 orders each) for orders that no longer change.
CHANGES_AFTER_SHIPPING = timedelta(days=30)
#: RMS statuses (orderProgress, as stored) of the orders followed for changes: open orders
#: below キャンセル確定 (900), shipped ones below 支払手続き済 (700).
OPEN_PROGRESS = [str(code) for code in codes.ORDER_PROGRESS_EN if code < 900]
SHIPPED_CHANGE_PROGRESS = [str(code) for code in codes.ORDER_PROGRESS_EN if code < 700]
#: 承認状況 of a 楽天共通決済 order whose settlement (or a refused re-authorization) is followed.
FOLLOWED_APPROVAL_STATES = (
    codes.APPROVAL_STATE_UNAPPROVED,
    codes.APPROVAL_STATE_IN_PROGRESS,
    codes.APPROVAL_STATE_APPROVED,
)
#: A queued past import whose channel is busy is looked at again this much later.
PAST_IMPORT_RETRY = timedelta(minutes=10)
#: A channel's products are imported again (the items changed) this long after the last run.
PRODUCTS_INTERVAL = timedelta(hours=20)
#: After a cancellation whose answer was lost, the cancel job reads the order back this much
#: later.
CANCEL_CHECK_DELAY = timedelta(minutes=5)
#: First key of the advisory locks of sale_rakuten ("RAK" and a zero byte); a job's lock is
#: ``(LOCK_BASE + Job.lock, team id)``.
LOCK_BASE = 0x52414B00

#: What an order shows when a cancellation's answer was lost and RMS does not show it
#: cancelled.
UNCONFIRMED_CANCEL = _lt(
    "Rakuten did not confirm the cancellation; check RMS, then cancel again."
)


def rms_refusal(messages, error=None):
    """RMS's own words for a refused call, as RMS wrote them: its first ERROR message with
    its code; else the explanation of ``error``."""
    refusal = next((m for m in messages or () if m.is_error), None)
    if refusal is None:
        return error_text(error) if error is not None else _lt("RMS refused the call.")
    return clean_text(
        "%s: %s" % (refusal.message_code, refusal.message)
        if refusal.message
        else str(refusal.message_code)
    )


Job = namedtuple("Job", "lock label counters")
Job.__doc__ = """One Rakuten job: ``lock`` its number in the advisory-lock key, ``label`` the
name of its kind on the sync log, ``counters`` the counters its log shows, in that order."""

#: Every Rakuten job, by its one name: the log kind, ``_job_<kind>`` (what it does for one
#: channel) and ``_cron_<kind>`` (its scheduled action). Adding a job: an entry here, a
#: ``_job_<kind>`` and a ``_cron_<kind>`` method, and a cron record calling the latter.
JOBS = {
    "import": Job(
        1,
        "Order Import",
        ("found", "imported", "updated", "unchanged", "deferred", "skipped", "failed"),
    ),
    "confirm": Job(
        2, "Order Confirmation", ("found", "confirmed", "refused", "retried", "failed")
    ),
    "carrier": Job(
        3,
        "Carrier Update",
        ("found", "rows_set", "rows_updated", "refused", "retried", "failed"),
    ),
    # The follow job also verifies the rows RMS accepted: a refused shipping report shows here.
    "follow": Job(
        4,
        "Order Follow-up",
        (
            "found",
            "settled",
            "approval_refused",
            "cancelled",
            # changes made on Rakuten after import (rms/changes.py)
            "changes_found",
            "changes_applied",
            "changes_held",
            "refused",
            "retried",
            "failed",
        ),
    ),
    "license": Job(5, "License Check", ("checked",)),
    # Cancel in Odoo, cancelled on Rakuten (cancelOrder): what the cancel wizard recorded.
    "cancel": Job(
        6,
        "Cancellation to Rakuten",
        ("found", "cancelled", "refused", "retried", "failed"),
    ),
    # ※6: counts SKUs; a warning is a SKU registered without its barcode or image.
    "products": Job(
        8,
        "Products from Rakuten",
        (
            "found",
            "created",
            "updated",
            "matched",
            "unchanged",
            "skipped",
            "warning",
            "failed",
        ),
    ),
    # ※6 Stock to Rakuten (lock numbers kept clear of the other ※6 jobs).
    "stock": Job(
        20, "Stock to Rakuten", ("found", "stock_pushed", "stock_unchanged", "failed")
    ),
    "stock_check": Job(
        21, "Stock Check", ("found", "stock_unchanged", "stock_differences", "failed")
    ),
}


class RakutenSync(models.AbstractModel):
    """Every Rakuten job: order import, confirmation, carrier rows and shipping reports,
    payment/approval and cancellation follow-up, license expiry (and the ※6 jobs).

    A job is ``_job_<kind>(team, client, log)``, run by :meth:`_run` for each channel under
    the channel's advisory lock for that job, with a sync log, in the shop's language and
    company; its body isolates each order in a savepoint, records what it is about to send
    before sending it and calls :meth:`_commit_batch` after each batch, so that an
    interrupted run is checked against RMS instead of being sent twice.
    """

    _name = "rakuten.sync"
    _description = "Rakuten Synchronization Jobs"

    # ------------------------------------------------------------------
    # Framework
    # ------------------------------------------------------------------
    @api.model
    def _active_teams(self, include_expired=False):
        teams = self.env["crm.team"].sudo().search([("rakuten_active", "=", True)])
        if not include_expired:
            teams = teams.filtered(lambda t: not t._rakuten_license_blocked())
        return teams

    @api.model
    def _lock_key(self, kind, team):
        """The two integers of the advisory lock that lets one run of job ``kind`` per channel.
        Advisory locks are per database, so the channel's id is enough beside the job."""
        return LOCK_BASE + JOBS[kind].lock, team.id

    @api.model
    def _try_lock(self, kind, team):
        """Take the lock of job ``kind`` for ``team``; False when another run holds it.

        An advisory lock, not a row lock (``SELECT ... FOR UPDATE`` on the channel): it is
        held by the session, so it survives the commits the job makes after each batch, and
        it never blocks writes to the channel (settings, counters) by users meanwhile."""
        self.env.cr.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", self._lock_key(kind, team)
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _unlock(self, kind, team):
        self.env.cr.execute(
            "SELECT pg_advisory_unlock(%s, %s)", self._lock_key(kind, team)
        )

    @api.model
    def _commits(self):
        """Whether a run commits as it goes: only in a cron worker (the scheduler or Run
        Manually, which give ``ir_cron_progress_id``) and never under test. A button run
        inside a request (Import Now) commits nothing before the request ends."""
        return bool(self.env.context.get("ir_cron_progress_id")) and not getattr(
            threading.current_thread(), "testing", False
        )

    def _commit_batch(self):
        """Commit the batch a job has just finished, so that a crash loses at most one batch;
        return whether it committed.

        Whether to commit is the runner's decision (context key ``rakuten_auto_commit``, set
        by :meth:`_run` for runs in a cron worker, never under test); job bodies only call
        this between batches.
        """
        if not self.env.context.get("rakuten_auto_commit"):
            return False
        # Commit so that a finished batch survives a later crash of the run.
        self.env.cr.commit()  # pylint: disable=invalid-commit
        return True

    @api.model
    def _run(self, kind, teams, log=None):
        """Run job ``kind`` for each channel of ``teams``; one failing channel never stops the
        others. ``log``: the queued log of a past import (one channel) that this run fills in.
        Returns the sync logs."""
        runner = self.with_context(rakuten_auto_commit=self._commits())
        logs = self.env["rakuten.sync.log"]
        for index, team in enumerate(teams):
            logs |= runner._run_channel(kind, team, log)
            self.env["ir.cron"]._notify_progress(
                done=index + 1, remaining=len(teams) - index - 1
            )
        return logs

    @api.model
    def _run_channel(self, kind, team, log=None):
        """Run ``_job_<kind>(team, client, log)`` for one channel under the channel's advisory
        lock for ``kind`` (a second run of the same job stops at once), with a sync log of kind
        ``kind``: ``log`` when given (a queued past import), else a new one. A failure ends in
        the log, never in the caller. A queued log whose lock is taken stays queued, for a
        later run of its cron."""
        commit = self.env.context.get("rakuten_auto_commit")
        # The job writes chatter, activities and line names (not rendered again per reader) in
        # the shop's language, for the shop's company.
        team = team.with_company(team.company_id).with_context(
            lang=team._rakuten_lang(), rakuten_auto_commit=commit
        )
        jobs = self.with_env(team.env)
        # The lock first, then the log: a 'running' log is then always that of the run holding
        # the lock (or of one that died holding it), never that of a run about to stop, which
        # the sweep below would mark interrupted while that run writes 'skipped' on it.
        locked = self._try_lock(kind, team)
        if log is None:
            log = jobs.env["rakuten.sync.log"].create(
                {"team_id": team.id, "kind": kind}
            )
            if commit and locked:
                # Commit so that the log shows the run while it runs.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        else:
            log = log.with_env(team.env)
        if not locked:
            if log.state != "queued":
                log._finish(
                    "skipped",
                    _lt(
                        "Another run of this job is in progress for this channel; this one stopped."
                    ),
                )
            return log
        # The lock is ours: a log of this job still 'running' is that of a run that died
        # (killed, server stopped) without finishing it. A past import that died is queued
        # again instead (_rakuten_requeue_dead_past_imports).
        log.search(
            [
                ("team_id", "=", team.id),
                ("kind", "=", kind),
                ("state", "=", "running"),
                ("id", "<", log.id),
                ("is_past_import", "=", False),
            ]
        )._finish(
            "interrupted",
            _lt(
                "This run stopped before it finished (the server was stopped or the process was "
                "killed); what it had saved is kept, and later runs took over."
            ),
        )
        if log.state == "queued":
            log.write({"state": "running", "date_start": fields.Datetime.now()})
            if commit:
                # Commit so that the queued past import shows as running while it runs.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        # Without commits (manual runs, tests) an unexpected error is rolled back to here: an SQL
        # error aborts the transaction, and the log and the unlock below must still be written.
        savepoint = None if commit else self.env.cr.savepoint()
        client = None
        try:
            client = team._rakuten_client()
            with client:
                getattr(jobs, "_job_" + kind)(team, client, log)
                log.api_calls = sum(client.stats.values())
            if savepoint:
                savepoint.close(rollback=False)
            if log.api_calls and team.rakuten_auth_error:
                # RMS accepted the credentials again (a renewed key that took a while to work):
                # the other jobs resume without waiting for a new key or the daily check.
                team.sudo().write(
                    {"rakuten_auth_error": False, "rakuten_auth_error_date": False}
                )
            log._finish()
        except Exception as error:  # noqa: BLE001 - one channel never stops the others
            if commit:
                self.env.cr.rollback()  # drop the failed batch; the committed ones stay
            elif savepoint:
                # RMS errors leave the transaction sound: keep what was written before them, as
                # the cron keeps its committed batches.
                savepoint.close(rollback=not isinstance(error, RmsError))
            if isinstance(error, RmsAuthError):
                team._rakuten_set_auth_failure(error)
            if isinstance(error, RmsError):
                _logger.warning(
                    "Rakuten %s of channel %s failed: %s", kind, team.id, error
                )
            else:
                _logger.exception("Rakuten %s of channel %s failed", kind, team.id)
            if client is not None:
                # The calls made before the failure, including the one that failed.
                log.api_calls = sum(client.stats.values())
            log._finish("failed", error_text(error))
        finally:
            self._unlock(kind, team)
        if commit:
            # Commit the finished log (the runner's last write of the run).
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return log

    def _for_each_rms_order(self, orders, client, log, handle, with_raw=False):
        """Re-read ``orders`` with getOrder (100 a call) and call ``handle(order, rms_order)``
        (``handle(order, rms_order, raw)`` ``with_raw``: the JSON too) for each, in a
        savepoint: one order's failure is logged and never stops the others. Orders RMS
        does not return are left as they are."""
        for chunk in split_every(CHUNK, orders.ids, orders.browse):
            raws = {
                raw.get("orderNumber"): raw
                for raw in client.get_order(chunk.mapped("rakuten_order_number"))
            }
            for order in chunk:
                raw = raws.get(order.rakuten_order_number)
                if raw is None:
                    continue
                try:
                    with self.env.cr.savepoint():
                        if with_raw:
                            handle(order, parse_order(raw), raw)
                        else:
                            handle(order, parse_order(raw))
                except (OrderParseError, RmsError) as error:
                    log._add_line(
                        order.rakuten_order_number, "failed", error_text(error), order
                    )
                except Exception as error:  # noqa: BLE001 - one order never stops the others
                    _logger.exception(
                        "Rakuten follow-up of %s failed", order.rakuten_order_number
                    )
                    log._add_line(
                        order.rakuten_order_number, "failed", error_text(error), order
                    )
            self._commit_batch()

    # ------------------------------------------------------------------
    # Order import (searchOrder, getOrder)
    # ------------------------------------------------------------------
    @api.model
    def _import_teams(self, teams):
        """The channels of ``teams`` the scheduled import runs for: active ones whose license
        is not blocked, and those whose credentials RMS refused once an hour (a renewed key
        may take 30 minutes to work; a new key saved retries at once)."""
        retry_before = fields.Datetime.now() - AUTH_RETRY_DELAY
        return teams.filtered(
            lambda t: (
                t.rakuten_active
                and (
                    not t._rakuten_license_blocked()
                    or (
                        t.rakuten_auth_error
                        and (t.rakuten_auth_error_date or retry_before) <= retry_before
                    )
                )
            )
        )

    @api.model
    def _cron_import(self):
        """Import the orders of every active Rakuten channel, one after the other and each
        whole (no slices); return the sync logs. The scheduler runs
        :meth:`_cron_import_channel` instead, one cron per channel."""
        teams = self.env["crm.team"].search([("rakuten_active", "=", True)])
        return self._run("import", self._import_teams(teams))

    @api.model
    def _cron_import_channel(self, team_id):
        """The scheduled action of one channel's import cron (crm.team's
        ``rakuten_import_cron_id``): one slice of its import (at most
        :data:`IMPORT_SLICE_BATCHES` getOrder batches), its progress reported to the scheduler
        so that a sale-day backlog goes on in the next calls while other shops' crons get
        their turn. Returns the sync log (empty when the channel is not imported)."""
        team = self._import_teams(self.env["crm.team"].browse(team_id).exists())
        if not team:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return self.env["rakuten.sync.log"]
        runner = self.with_context(
            rakuten_auto_commit=self._commits(), rakuten_import_slice=True
        )
        return runner._run_channel("import", team.with_env(runner.env))

    @api.model
    def _cron_import_past_orders(self):
        """Run the oldest queued past import whose channel is free; the scheduler calls again
        while some remain (``ir.cron._notify_progress``). Past imports of one channel run one
        after the other, in the order they were queued, and never while another import of
        the channel runs (its advisory lock). Returns the log that ran, if any."""
        Log = self.env["rakuten.sync.log"].sudo()
        self._rakuten_requeue_dead_past_imports()
        queued = Log.search(
            [("state", "=", "queued"), ("is_past_import", "=", True)], order="id"
        )
        waiting_teams = set()
        for log in queued:
            if log.team_id in waiting_teams:
                continue  # an earlier past import of this channel goes first
            if not log.team_id.rakuten_active:
                log._finish(
                    "failed",
                    _lt("The Rakuten RMS API is switched off for this channel."),
                )
                continue
            self._run("import", log.team_id, log=log)
            if log.state == "queued":
                waiting_teams.add(
                    log.team_id
                )  # another import of the channel is running
                continue
            remaining = Log.search_count(
                [("state", "=", "queued"), ("is_past_import", "=", True)]
            )
            self.env["ir.cron"]._notify_progress(done=1, remaining=remaining)
            return log
        if waiting_teams:
            self.env.ref("sale_rakuten.ir_cron_rakuten_import_past_orders")._trigger(
                fields.Datetime.now() + PAST_IMPORT_RETRY
            )
        self.env["ir.cron"]._notify_progress(done=0, remaining=0)
        return Log.browse()

    @api.model
    def _rakuten_requeue_dead_past_imports(self):
        """A past import still 'running' while its channel's import lock is free was stopped
        with its worker (a server restart, a time limit): queue it again. Importing again is
        safe, as orders already imported are recognised."""
        for log in (
            self.env["rakuten.sync.log"]
            .sudo()
            .search([("state", "=", "running"), ("is_past_import", "=", True)])
        ):
            if self._try_lock("import", log.team_id):
                self._unlock("import", log.team_id)
                log.state = "queued"

    def _job_import(self, team, client, log):
        """Search the channel's orders over the log's window (a past import's queued log
        carries its dates; else the last ``rakuten_window_hours`` hours, extended back to the
        last successful run less a margin), decide each with the import rules, and write them
        in batches of 100. Only a run without dates moves the watermark.

        A channel's import cron (context ``rakuten_import_slice``) fetches at most
        :data:`IMPORT_SLICE_BATCHES` batches per call: the orders still to fetch are kept on
        the channel (``rakuten_import_backlog``, updated with each committed batch), the next
        call goes on with them without searching again, and the watermark moves to the start
        of the round once all are imported, deferred or skipped."""
        backlog = None if log.is_past_import else team._rakuten_import_backlog_get()
        if backlog:
            todo, numbers, round_start, now = self._import_backlog_todo(
                team, log, backlog
            )
        else:
            todo, numbers, round_start, now = self._import_search_todo(
                team, client, log
            )
        keep = not log.is_past_import and len(todo) > IMPORT_BATCH_SIZE
        if self.env.context.get("rakuten_import_slice") and not log.is_past_import:
            limit = IMPORT_SLICE_BATCHES * IMPORT_BATCH_SIZE
        else:
            limit = len(todo)
        this_run, rest = todo[:limit], todo[limit:]
        if keep or backlog:
            # Record the round before fetching: an interrupted run goes on with what is left.
            team._rakuten_import_backlog_set(todo, round_start, log)
        # Commit what the search wrote, so that a batch conflicting with another worker can
        # be rolled back alone and tried again (_import_chunk).
        self._commit_batch()
        started = time.monotonic()
        done = 0
        for chunk in split_every(IMPORT_BATCH_SIZE, this_run, list):
            raw_orders, messages = client.get_order_detailed(chunk)
            self._import_chunk(team, log, chunk, raw_orders, messages, now)
            done += len(chunk)
            if keep or backlog:
                team._rakuten_import_backlog_set(
                    this_run[done:] + rest, round_start, log
                )
            if not self._commit_batch():
                # The commit empties the record cache; without it the cache would keep every
                # order of the run and memory would grow with the number of orders.
                self.env.invalidate_all()
        _logger.info(
            "Rakuten import of channel %s: %s orders found, %s fetched in %.1f s (%s)",
            team.id,
            len(numbers),
            done,
            time.monotonic() - started,
            dict(client.stats),
        )
        if rest and self._rakuten_other_imports_waiting(team):
            # Other shops' import crons are due: this call is reported done and the
            # channel's cron triggered again, so that the scheduler runs theirs before
            # this channel's next slice (otherwise it calls this one up to ten times in a
            # row: a small shop would wait behind 3,000 orders of a big one on one worker).
            self.env["ir.cron"]._notify_progress(done=done, remaining=0)
            team.sudo().rakuten_import_cron_id._trigger()
        else:
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(rest))
        if log.is_past_import:
            return
        if rest:
            log.message = _lt(
                "Sale-day backlog: %(done)s orders fetched in this run, %(remaining)s left for "
                "the next runs (the search window moves on once they are all imported).",
                done=done,
                remaining=len(rest),
            )
            return
        team._rakuten_import_backlog_set([], round_start, log)
        team.rakuten_last_import_start = round_start

    def _rakuten_other_imports_waiting(self, team):
        """Whether the import cron of another channel is due now (its next call or one of its
        triggers has come), so that a backlog of ``team`` gives it its turn."""
        cron = team.sudo().rakuten_import_cron_id
        if not cron:
            return False
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT 1
              FROM ir_cron c
              JOIN crm_team t ON t.rakuten_import_cron_id = c.id
             WHERE c.active AND c.id != %s
               AND (c.nextcall <= (now() AT TIME ZONE 'UTC')
                    OR EXISTS (SELECT 1 FROM ir_cron_trigger tr
                                WHERE tr.cron_id = c.id
                                  AND tr.call_at <= (now() AT TIME ZONE 'UTC')))
             LIMIT 1
            """,
            [cron.id],
        )
        return bool(self.env.cr.fetchone())

    def _import_chunk(self, team, log, numbers, raw_orders, messages, now):
        """:meth:`_import_batch_isolated`, tried again when it conflicts with another cron
        worker (several shops importing at once, reserving the same products): in a cron
        worker, everything since the last commit is this batch, so it is rolled back and
        redone with a new snapshot, a few times. Elsewhere (Import Now, which commits
        nothing) the run fails as a whole, rolled back, and says why in its log."""
        for attempt in range(1, CONFLICT_TRIES + 1):
            try:
                self._import_batch_isolated(
                    team, log, numbers, raw_orders, messages, now
                )
                return
            except psycopg2.extensions.TransactionRollbackError:
                if not self.env.context.get("rakuten_auto_commit") or (
                    attempt == CONFLICT_TRIES
                ):
                    raise
                _logger.info(
                    "Rakuten import batch of channel %s conflicted with another worker, "
                    "trying again (%s/%s)",
                    team.id,
                    attempt,
                    CONFLICT_TRIES,
                )
                # Drop the conflicting batch (the earlier ones are committed).
                self.env.cr.rollback()  # pylint: disable=invalid-commit
                time.sleep(random.uniform(0.05, 0.2) * attempt)

    def _import_backlog_todo(self, team, log, backlog):
        """The orders a slice of a backlogged round fetches: those of the round still to
        fetch, less those imported meanwhile (e.g. by a past import). Returns ``(todo,
        numbers, round start, decision time)``."""
        numbers = backlog["numbers"]
        log.write(
            {
                "window_start": backlog["window_start"],
                "window_end": backlog["window_end"],
            }
        )
        log.count_found = len(numbers)
        todo = self.env["sale.order"]._rakuten_numbers_to_fetch(numbers)
        log.count_unchanged = len(numbers) - len(todo)
        round_start = fields.Datetime.to_datetime(backlog["round_start"])
        return todo, numbers, round_start, datetime.now(timezone.utc)

    def _import_search_todo(self, team, client, log):
        """searchOrder over the run's window and the orders waiting from earlier runs: the
        orders to fetch, failed ones last. Returns ``(todo, numbers, run start, decision
        time)``."""
        run_start = fields.Datetime.now()
        now = datetime.now(timezone.utc)
        options = team._rakuten_shop_options()
        if log.is_past_import:
            # A past import: its queued log carries the dates the wizard was given.
            start = log.window_start.replace(tzinfo=timezone.utc)
            end = log.window_end.replace(tzinfo=timezone.utc) if log.window_end else now
        else:
            last = team.rakuten_last_import_start
            start, end = rules.search_window(
                now, last.replace(tzinfo=timezone.utc) if last else None, options
            )
        log.write(
            {
                "window_start": start.astimezone(timezone.utc).replace(tzinfo=None),
                "window_end": end.astimezone(timezone.utc).replace(tzinfo=None),
            }
        )
        numbers, provisional_only = [], set()
        for criteria in rules.search_criteria(options):
            found = client.search_order(start, end, **criteria)
            if not all(valid_order_number(n) for n in found):
                _logger.warning(
                    "Rakuten channel %s: searchOrder returned entries that are no order number",
                    team.id,
                )
                found = [n for n in found if valid_order_number(n)]
            numbers += found
            if criteria["order_progress_list"] == [codes.PROGRESS_WAITING_CONFIRMATION]:
                # Manual-confirm mode: still at 100, a provisional slip has nothing new.
                provisional_only.update(found)
        pending = self.env["rakuten.pending.order"].search([("team_id", "=", team.id)])
        # A waiting record that names no order (e.g. "?" left by an older version) is a ghost.
        ghosts = pending.filtered(lambda p: not valid_order_number(p.order_number))
        pending -= ghosts
        ghosts.unlink()
        waiting = pending.filtered(lambda p: p.state == "waiting")
        options_key = team._rakuten_options_key()
        skipped = set(
            pending.filtered(
                lambda p: p.state == "skipped" and p.options_key == options_key
            ).mapped("order_number")
        )
        numbers = list(dict.fromkeys(numbers + waiting.mapped("order_number")))
        log.count_found = len(numbers)
        todo = self.env["sale.order"]._rakuten_numbers_to_fetch(
            [n for n in numbers if n not in skipped], provisional_only
        )
        log.count_unchanged = len(numbers) - len(todo)
        todo_set = set(todo)
        failing = {
            p.order_number: p
            for p in waiting
            if p.order_number in todo_set and p.failures
        }
        waiting.filtered(lambda p: p.order_number not in todo_set).unlink()
        # Orders that failed on earlier runs come after the others, and those that failed
        # the same way several runs in a row are kept aside until their next try.
        aside = [p for p in failing.values() if p.next_try and p.next_try > run_start]
        log._add_lines(
            [
                (
                    p.order_number,
                    "deferred",
                    _lt(
                        "Failed %(count)s imports in a row; kept aside until %(date)s "
                        "(Japan time). Last error: %(reason)s",
                        count=p.failures,
                        reason=p.reason or "",
                        date=p.next_try.replace(tzinfo=timezone.utc)
                        .astimezone(JST)
                        .strftime("%Y-%m-%d %H:%M"),
                    ),
                    None,
                )
                for p in aside
            ]
        )
        aside_numbers = {p.order_number for p in aside}
        todo = [n for n in todo if n not in failing] + [
            n for n in todo if n in failing and n not in aside_numbers
        ]
        return todo, numbers, run_start, now

    def _import_batch_isolated(self, team, log, numbers, raw_orders, messages, now):
        """:meth:`_import_batch` in a savepoint; should the batch fail as a whole
        (nothing foreseen does), each order is processed alone, and one that still fails is
        logged as failed and waits: the rest of the run goes on."""
        try:
            with self.env.cr.savepoint():
                self._import_batch(team, log, numbers, raw_orders, messages, now)
            return
        except Exception as error:  # noqa: BLE001 - isolate the order that breaks the batch
            if isinstance(error, psycopg2.extensions.TransactionRollbackError):
                raise  # a conflict with another worker: _import_chunk tries again
            _logger.exception(
                "Rakuten import batch of channel %s failed, retrying order by order",
                team.id,
            )

        def number_of(entry):
            number = entry.get("orderNumber") if isinstance(entry, dict) else None
            return number.strip() if isinstance(number, str) else None

        for number in numbers:
            raws = [raw for raw in raw_orders if number_of(raw) == number]
            try:
                with self.env.cr.savepoint():
                    self._import_batch(
                        team,
                        log,
                        [number],
                        raws,
                        [m for m in messages if m.order_number == number],
                        now,
                    )
            except Exception as error:  # noqa: BLE001 - one bad order never stops the others
                if isinstance(error, psycopg2.extensions.TransactionRollbackError):
                    raise  # a conflict with another worker: _import_chunk tries again
                _logger.exception("Rakuten order %s could not be imported", number)
                reason = _lt(
                    "The order could not be imported (%(error)s).",
                    error=clean_text(repr(error))[:500],
                )
                log._add_line(number, "failed", reason)
                self.env["rakuten.pending.order"]._rakuten_defer_many(
                    team,
                    [
                        (
                            number,
                            reason,
                            "waiting",
                            True,
                            raws[0] if len(raws) == 1 else raws,
                        )
                    ],
                )

    def _import_batch(self, team, log, numbers, raw_orders, messages, now):
        """Parse, decide and write one getOrder chunk. One bad order never stops the others:
        whatever RMS sent for an order (any JSON value), it ends in one line of the log."""
        options = team._rakuten_shop_options()
        requested = set(numbers)
        received = set()
        to_write = []
        unreadable = []  # entries of OrderModelList that name no order of the chunk
        # Log lines and pending orders are written together after the loop (one create, one
        # search), in the same order as one by one.
        lines, pending = [], []

        def hold(number, outcome, reason, state="waiting", raw=None):
            lines.append((number, outcome, reason, None))
            if outcome == "failed":
                pending.append((number, reason, state, True, raw))
            else:
                pending.append((number, reason, state))

        for raw in raw_orders:
            number = raw.get("orderNumber") if isinstance(raw, dict) else None
            number = number.strip() if isinstance(number, str) else None
            if number not in requested or number in received:
                # Not an order object, no readable number, one not asked for, or an order sent
                # twice: the order it belongs to, if any, is reported below as without data.
                unreadable.append(raw)
                continue
            received.add(number)
            try:
                order = parse_order(raw)
                result = rules.decide(order, options, now)
                reason = team._rakuten_rule_reason(result)
            except OrderParseError as error:
                hold(number, "failed", error_text(error), raw=raw)
                continue
            except Exception as error:  # noqa: BLE001 - data nobody foresaw fails its order alone
                _logger.warning("Rakuten order %s could not be read: %r", number, error)
                hold(
                    number,
                    "failed",
                    _lt(
                        "The order data could not be read (%(error)s).",
                        error=clean_text(repr(error))[:500],
                    ),
                    raw=raw,
                )
                continue
            if result.decision == rules.Decision.SKIP:
                hold(number, "skipped", reason, state="skipped")
            elif result.decision == rules.Decision.DEFER:
                hold(number, "deferred", reason)
            else:
                to_write.append((order, raw, result))
        for message in messages:
            if (
                message.is_error
                and message.order_number in requested
                and message.order_number not in received
            ):
                received.add(message.order_number)
                hold(
                    message.order_number,
                    "failed",
                    clean_text(str(message.message or message.message_code)),
                )
        for number in [n for n in numbers if n not in received]:
            if unreadable:
                hold(
                    number,
                    "failed",
                    _lt(
                        "RMS sent no readable data for this order (%(count)s unreadable "
                        "entries in its answer); it will be looked at again.",
                        count=len(unreadable),
                    ),
                    raw=unreadable,
                )
            else:
                hold(
                    number,
                    "failed",
                    _lt(
                        "RMS returned no data for this order; it will be looked at again."
                    ),
                )
        log._add_lines(lines)
        self.env["rakuten.pending.order"]._rakuten_defer_many(team, pending)
        if to_write:
            self.env["sale.order"]._rakuten_upsert_orders(team, to_write, log)
            # ※6: an order with SKU管理番号 shows the shop migrated to the SKU model
            self.env["rakuten.sku"]._rakuten_detect_migration(
                team, [entry[0] for entry in to_write]
            )

    # ------------------------------------------------------------------
    # Auto-confirm (confirmOrder)
    # ------------------------------------------------------------------
    @api.model
    def _cron_confirm(self):
        return self._run(
            "confirm",
            self._active_teams().filtered(lambda t: not t.rakuten_manual_confirm),
        )

    def _job_confirm(self, team, client, log):
        Order = self.env["sale.order"]
        interrupted = Order.search(
            [("team_id", "=", team.id), ("rakuten_confirm_state", "=", "sending")]
        )
        if interrupted:
            # An earlier run stopped after marking these: ask RMS where they stand.
            def settle(order, rms_order):
                progress = rms_order.order_progress
                if progress in codes.PROGRESS_CANCELLED:
                    reason = _lt(
                        "The order is cancelled on Rakuten (status %(progress)s).",
                        progress=progress,
                    )
                    order.write(
                        {
                            "rakuten_confirm_state": "error",
                            "rakuten_confirm_error": reason,
                            "rakuten_order_progress": str(progress),
                        }
                    )
                    log._add_line(
                        order.rakuten_order_number,
                        "failed",
                        reason,
                        order,
                        counter="refused",
                    )
                elif progress != codes.PROGRESS_WAITING_CONFIRMATION:
                    order.write(
                        {
                            "rakuten_confirm_state": "done",
                            "rakuten_order_progress": str(progress),
                        }
                    )
                    log._add_line(
                        order.rakuten_order_number,
                        "done",
                        _lt("Confirmed on Rakuten by an earlier, interrupted run."),
                        order,
                        counter="confirmed",
                    )
                else:
                    order.rakuten_confirm_state = "todo"

            self._for_each_rms_order(interrupted, client, log, settle)
            interrupted.filtered(
                lambda o: o.rakuten_confirm_state == "sending"
            ).rakuten_confirm_state = "todo"
        now = fields.Datetime.now()
        todo = Order.search(
            [
                ("team_id", "=", team.id),
                ("rakuten_confirm_state", "=", "todo"),
                (
                    "rakuten_order_progress",
                    "=",
                    str(codes.PROGRESS_WAITING_CONFIRMATION),
                ),
            ],
            order="rakuten_order_datetime, id",
        ).filtered(
            lambda o: (
                o.rakuten_asuraku
                or not o.rakuten_order_datetime
                or o.rakuten_order_datetime
                + timedelta(minutes=team.rakuten_wait_minutes)
                <= now
            )
        )
        log.count_found = len(todo)
        for chunk in split_every(CHUNK, todo.ids, todo.browse):
            chunk.write({"rakuten_confirm_state": "sending"})
            self._commit_batch()
            results = {
                r.order_number: r
                for r in client.confirm_order(chunk.mapped("rakuten_order_number"))
            }
            for order in chunk:
                result = results.get(order.rakuten_order_number)
                if result is None:
                    order.rakuten_confirm_state = "todo"
                    continue
                outcome = sync.confirm_outcome(result)
                if outcome.status == sync.CONFIRMED:
                    order.write(
                        {
                            "rakuten_confirm_state": "done",
                            "rakuten_confirm_error": False,
                            "rakuten_order_progress": str(
                                codes.PROGRESS_RAKUTEN_PROCESSING
                            ),
                        }
                    )
                    log._add_line(
                        order.rakuten_order_number,
                        "done",
                        outcome.reason or _lt("Confirmed on Rakuten."),
                        order,
                        counter="confirmed",
                    )
                elif outcome.status == sync.GIVE_UP:
                    order.write(
                        {
                            "rakuten_confirm_state": "error",
                            "rakuten_confirm_error": outcome.reason,
                        }
                    )
                    log._add_line(
                        order.rakuten_order_number,
                        "failed",
                        outcome.reason,
                        order,
                        counter="refused",
                    )
                else:
                    order.write(
                        {
                            "rakuten_confirm_state": "todo",
                            "rakuten_confirm_error": outcome.reason,
                        }
                    )
                    log._add_line(
                        order.rakuten_order_number,
                        "deferred",
                        _lt(
                            "Refused by Rakuten, tried again next run: %(reason)s",
                            reason=outcome.reason,
                        ),
                        order,
                        counter="retried",
                    )
            self._commit_batch()

    # ------------------------------------------------------------------
    # Carrier rows and shipping reports (updateOrderShippingAsync)
    # ------------------------------------------------------------------
    @api.model
    def _cron_carrier(self):
        return self._run("carrier", self._active_teams())

    def _job_carrier(self, team, client, log):
        Basket = self.env["rakuten.basket"]
        # Baskets an earlier run left 'sending' (stopped after marking, or RMS failed), and
        # shipping reports waiting for the その他 row's id: ask RMS which rows it has before
        # sending anything (under this job's lock, so never while a request is in flight).
        unsure = Basket.search(
            [
                ("order_id.team_id", "=", team.id),
                ("order_id.rakuten_slip_state", "!=", "cancel"),
                "|",
                "|",
                ("carrier_state", "=", "sending"),
                ("ship_state", "=", "sending"),
                "&",
                ("carrier_state", "=", "sent"),
                ("ship_state", "=", "pending"),
            ]
        )
        self._for_each_rms_order(
            unsure.order_id,
            client,
            log,
            lambda order, rms_order: (
                unsure & order.rakuten_basket_ids
            )._rakuten_verify(rms_order, client, log),
        )
        baskets = Basket.search(
            [
                ("order_id.team_id", "=", team.id),
                ("order_id.rakuten_slip_state", "not in", ("new", "cancel")),
                "|",
                ("carrier_state", "=", "todo"),
                ("ship_state", "=", "pending"),
            ]
        )
        if not team.rakuten_auto_ship_report:
            baskets = baskets.filtered(lambda b: b.carrier_state == "todo")
        requests = []
        for order, order_baskets in baskets.grouped("order_id").items():
            payload, ready = [], self.env["rakuten.basket"]
            for basket in order_baskets:
                try:
                    rows = basket._rakuten_payload(team)
                except ValueError as error:  # e.g. a tracking number RMS cannot take
                    basket.write(
                        {"ship_state": "error", "sync_error": error_text(error)}
                    )
                    log._add_line(
                        order.rakuten_order_number,
                        "failed",
                        _lt(
                            "Shipping report of basket %(basket)s not sent: %(reason)s",
                            basket=basket.basket_id,
                            reason=error_text(error),
                        ),
                        order,
                    )
                    continue
                if rows:
                    payload += rows
                    ready |= basket
            if payload:
                requests.append((order, ready, payload))
        log.count_found = len(requests)
        for chunk in split_every(CHUNK, requests):
            sent = self.env["rakuten.basket"]
            for _order, order_baskets, payload in chunk:
                order_baskets._rakuten_mark_sending(payload)
                sent |= order_baskets
            self._commit_batch()
            body = [
                {
                    "orderNumber": order.rakuten_order_number,
                    "BasketidModelList": payload,
                }
                for order, _b, payload in chunk
            ]
            request_ids, messages = client.update_order_shipping_async_detailed(body)
            refused = {}
            for message in messages:
                if message.is_error and message.order_number:
                    refused.setdefault(
                        message.order_number,
                        "%s: %s" % (message.message_code, message.message),
                    )
            request_ref = request_ids[0] if request_ids else False
            for order, order_baskets, _payload in chunk:
                reason = refused.get(order.rakuten_order_number)
                if reason or not request_ref:
                    order_baskets._rakuten_mark_refused(
                        reason or _lt("RMS accepted no request."), log
                    )
                else:
                    # A basket sends either its shipping report (rows updated with the real
                    # carrier and tracking number) or its その他 row (set).
                    reported = order_baskets.filtered(
                        lambda b: b.ship_state == "sending"
                    )
                    log._count("rows_updated", len(reported))
                    log._count(
                        "rows_set",
                        len(
                            (order_baskets - reported).filtered(
                                lambda b: b.carrier_state == "sending"
                            )
                        ),
                    )
                    order_baskets._rakuten_mark_sent(request_ref)
                    log._add_line(
                        order.rakuten_order_number,
                        "done",
                        _lt(
                            "Sent to Rakuten (request %(request)s).",
                            request=request_ref,
                        ),
                        order,
                    )
            self._commit_batch()

    # ------------------------------------------------------------------
    # Follow RMS: payment and approval, carrier verification, cancellations
    # ------------------------------------------------------------------
    @api.model
    def _cron_follow(self):
        return self._run("follow", self._active_teams())

    def _job_follow(self, team, client, log):
        Order = self.env["sale.order"]
        now = datetime.now(timezone.utc)
        # Cancellations: RMS keeps cancelled orders searchable by status.
        cancelled = client.search_order(
            now - CANCEL_LOOKBACK,
            now,
            order_progress_list=list(codes.PROGRESS_CANCELLED),
            date_type=1,
        )
        to_cancel = (
            Order.search(
                [
                    ("team_id", "=", team.id),
                    ("rakuten_order_number", "in", cancelled),
                    ("rakuten_slip_state", "!=", "cancel"),
                    ("rakuten_cancel_checked", "=", False),
                ]
            )
            if cancelled
            else Order
        )
        since = fields.Datetime.now() - PAYMENT_FOLLOW
        to_follow = Order.search(
            [
                ("team_id", "=", team.id),
                ("rakuten_slip_state", "!=", "cancel"),
                "|",
                "|",
                # 楽天共通決済 orders until they ship: settlement, a later refused re-authorization.
                "&",
                "&",
                "&",
                ("rakuten_is_rakuten_pay", "=", True),
                ("rakuten_approval_state", "in", FOLLOWED_APPROVAL_STATES),
                ("rakuten_slip_state", "not in", ("shipped", "new")),
                ("rakuten_order_datetime", ">=", since),
                # Rows RMS accepted, to verify ('sending' ones are the carrier job's to check).
                ("rakuten_basket_ids.carrier_state", "=", "sent"),
                ("rakuten_basket_ids.ship_state", "=", "sent"),
            ]
        )
        # Changes made on Rakuten after import: every open order, and shipped ones for a while.
        to_compare = Order.search(
            [
                ("team_id", "=", team.id),
                "|",
                "&",
                ("rakuten_slip_state", "not in", ("cancel", "new", "shipped")),
                ("rakuten_order_progress", "in", OPEN_PROGRESS),
                "&",
                "&",
                ("rakuten_slip_state", "=", "shipped"),
                ("rakuten_order_progress", "in", SHIPPED_CHANGE_PROGRESS),
                (
                    "rakuten_order_datetime",
                    ">=",
                    fields.Datetime.now() - CHANGES_AFTER_SHIPPING,
                ),
            ]
        )
        orders = to_cancel | to_follow | to_compare
        log.count_found = len(orders)

        # The imported data (the baseline of the changes) is read 100 orders at a time, as
        # the orders are re-read: one query a chunk, not one an order.
        ids = orders.ids
        position = {order_id: index for index, order_id in enumerate(ids)}
        fetched = set()

        def follow(order, rms_order, raw):
            order._rakuten_follow(team, rms_order, client, log)
            if order.id not in fetched:
                start = position[order.id] - position[order.id] % CHUNK
                chunk = orders.browse(ids[start : start + CHUNK]).sudo()
                chunk.fetch(["rakuten_raw_data"])
                fetched.update(chunk.ids)
            order._rakuten_follow_changes(team, rms_order, raw, log)

        self._for_each_rms_order(orders, client, log, follow, with_raw=True)

    # ------------------------------------------------------------------
    # License key
    # ------------------------------------------------------------------
    @api.model
    def _cron_license(self):
        return self._run("license", self._active_teams(include_expired=True))

    def _job_license(self, team, client, log):
        try:
            expiry = client.get_license_expiry()
        except RmsAuthError as error:
            team._rakuten_set_auth_failure(error)
            raise
        team._rakuten_store_license_expiry(expiry)
        log._count("checked")
        log.message = _lt(
            "License key valid until %(date)s (Japan time).",
            date=expiry.strftime("%Y-%m-%d"),
        )

    # ------------------------------------------------------------------
    # Products from Rakuten (※6 商品管理の一括登録)
    # ------------------------------------------------------------------
    @api.model
    def _cron_products(self):
        """Run the product imports queued by "Import Products from Rakuten", then the daily
        import of each active channel whose last one began :data:`PRODUCTS_INTERVAL` ago or
        more (or never ran: it then reads every item). Returns the sync logs."""
        Log = self.env["rakuten.sync.log"].sudo()
        logs = Log.browse()
        busy = False
        for log in Log.search(
            [("kind", "=", "products"), ("state", "=", "queued")], order="id"
        ):
            if not log.team_id.rakuten_active:
                log._finish(
                    "failed",
                    _lt("The Rakuten RMS API is switched off for this channel."),
                )
                continue
            logs |= self._run("products", log.team_id, log=log)
            busy = (
                busy or log.state == "queued"
            )  # another product import of the channel runs
        if busy:
            self.env.ref("sale_rakuten.ir_cron_rakuten_import_products")._trigger(
                fields.Datetime.now() + PAST_IMPORT_RETRY
            )
        recent = Log.search(
            [
                ("kind", "=", "products"),
                ("state", "!=", "queued"),
                ("date_start", ">", fields.Datetime.now() - PRODUCTS_INTERVAL),
            ]
        ).team_id
        return logs | self._run("products", self._active_teams() - recent)

    @api.model
    def _queue_products(self, team):
        """Queue a product import of ``team`` (or return the one queued or running) and wake
        the products cron. Returns its log."""
        Log = self.env["rakuten.sync.log"].sudo()
        log = Log.search(
            [
                ("team_id", "=", team.id),
                ("kind", "=", "products"),
                ("state", "in", ("queued", "running")),
            ],
            limit=1,
        )
        if not log:
            log = Log.create(
                {"team_id": team.id, "kind": "products", "state": "queued"}
            )
        self.env.ref("sale_rakuten.ir_cron_rakuten_import_products")._trigger()
        return log.with_env(self.env)

    def _job_products(self, team, client, log):
        """Register the channel's Rakuten items as products (``rakuten.sku``, batches of
        :data:`~.rakuten_sku.ITEM_BATCH` items: one savepoint and one commit each).

        The first run reads every item with items.search (the one full read every shop has, 100
        items a call); later runs read the items changed since a day before the previous
        successful run started, as the search index lags up to 24 hours. A read on Rakuten's
        side: it runs before the shop's SKU migration too (variantIds then are those RMS shows
        before migration; the import after the migration maps the new ones to the same
        products by internal reference)."""
        since = self._products_since(team, log)
        criteria = {"updatedFrom": since.astimezone(JST)} if since else {}
        Sku = self.env["rakuten.sku"]
        for page in client.iter_item_pages(**criteria):
            Sku._rakuten_import_entries(team, page, log)
        if not team.rakuten_sku_migrated:
            log.message = _lt(
                "Products are registered; the shop is not known to have migrated to Rakuten's SKU "
                "model yet, so no stock is sent to Rakuten."
            )

    def _products_since(self, team, log):
        """Start of the previous successful product import of ``team`` less a day (aware
        UTC), or None for a full read."""
        previous = (
            self.env["rakuten.sync.log"]
            .sudo()
            .search(
                [
                    ("team_id", "=", team.id),
                    ("kind", "=", "products"),
                    ("state", "in", ("done", "partial")),
                    ("id", "!=", log.id),
                ],
                order="date_start desc",
                limit=1,
            )
        )
        if not previous:
            return None
        return previous.date_start.replace(tzinfo=timezone.utc) - timedelta(days=1)

    # ------------------------------------------------------------------
    # ※6 Stock to Rakuten (在庫連携): the stock push and the nightly stock check
    # ------------------------------------------------------------------
    @api.model
    def _stock_teams(self):
        return self._active_teams().filtered(lambda t: t.rakuten_stock_push)

    @api.model
    def _cron_stock(self):
        return self._run("stock", self._stock_teams())

    @api.model
    def _cron_stock_check(self):
        return self._run("stock_check", self._stock_teams())

    def _job_stock(self, team, client, log):
        """Send the sellable quantity of the channel's changed SKUs (rakuten.sku._stock_push)."""
        self.env["rakuten.sku"]._stock_push(team, client, log)

    def _job_stock_check(self, team, client, log):
        """Compare Rakuten's stock with what Odoo can sell; report and re-check differences."""
        self.env["rakuten.sku"]._stock_check(team, client, log)

    # ------------------------------------------------------------------
    # Cancel in Odoo, cancelled on Rakuten (cancelOrder)
    # ------------------------------------------------------------------
    @api.model
    def _cron_cancel(self):
        """Send the cancellations the cancel wizard recorded; only the channels that have
        some (to send, or sent without an answer) get a run and a log."""
        waiting = self.env["sale.order"]._read_group(
            [("rakuten_cancel_state", "in", ("todo", "sending"))], ["team_id"]
        )
        teams = self.env["crm.team"].union(*(team for (team,) in waiting))
        return self._run("cancel", self._active_teams() & teams)

    def _job_cancel(self, team, client, log):
        """cancelOrder for each order the wizard marked ``todo``: marked ``sending`` and
        committed before the call, so that an answer lost (a crash, a timeout, a gateway
        error after RMS acted) is never sent again; the next run reads the order back with
        getOrder instead: cancelled on RMS (800/900) is done, anything else is an error a
        person looks at."""
        Order = self.env["sale.order"]
        interrupted = Order.search(
            [("team_id", "=", team.id), ("rakuten_cancel_state", "=", "sending")]
        )
        todo = Order.search(
            [("team_id", "=", team.id), ("rakuten_cancel_state", "=", "todo")],
            order="id",
        )
        log.count_found = len(interrupted | todo)
        if interrupted:

            def settle(order, rms_order):
                if rms_order.order_progress in codes.PROGRESS_CANCELLED:
                    order.rakuten_order_progress = str(rms_order.order_progress)
                    order._rakuten_cancel_done(log)
                else:
                    order._rakuten_cancel_failed(UNCONFIRMED_CANCEL, log, "failed")

            self._for_each_rms_order(interrupted, client, log, settle)
            # RMS returned nothing for these: still unconfirmed, never sent again.
            for order in interrupted.filtered(
                lambda o: o.rakuten_cancel_state == "sending"
            ):
                order._rakuten_cancel_failed(UNCONFIRMED_CANCEL, log, "failed")
            self._commit_batch()
        for order in todo:
            if order.rakuten_slip_state == "cancel":
                # Cancelled on Rakuten meanwhile (the follow-up applied it): nothing to send.
                order.rakuten_cancel_state = "none"
                continue
            if not self._cancel_one(order, client, log):
                break  # RMS did not answer: the others wait for the next run

    def _cancel_one(self, order, client, log):
        """Send one order's cancelOrder; return False when the run should stop (RMS did not
        answer, or did not act)."""
        order.rakuten_cancel_state = "sending"
        self._commit_batch()  # recorded before it is sent
        try:
            result = client.cancel_order(
                order.rakuten_order_number,
                inventory_restore_type=int(order.rakuten_cancel_restore or 0),
                reason_code=int(order.rakuten_cancel_request_reason),
            )
        except (RmsAuthError, RmsMaintenanceError, RmsRateLimitError) as error:
            # RMS said it did nothing: the cancellation waits for the next run, and this run
            # stops (the next call would meet the same answer).
            order.rakuten_cancel_state = "todo"
            log._add_line(
                order.rakuten_order_number,
                "deferred",
                _lt(
                    "Rakuten did not act on the cancellation (%(error)s); it is sent on "
                    "the next run.",
                    error=error_text(error),
                ),
                order,
                counter="retried",
            )
            self._commit_batch()
            raise
        except RmsBadRequestError as error:  # RMS answered: refused
            with self.env.cr.savepoint():
                order._rakuten_cancel_failed(rms_refusal(error.messages, error), log)
            self._commit_batch()
            return True
        except RmsError as error:
            # No answer, or one that cannot be read: RMS may have cancelled the order. Never
            # sent again: the next run reads it back.
            log._add_line(
                order.rakuten_order_number,
                "failed",
                _lt(
                    "Rakuten's answer to the cancellation was lost (%(error)s); the order "
                    "is read back from RMS on the next run, never sent again.",
                    error=error_text(error),
                ),
                order,
            )
            self.env.ref("sale_rakuten.ir_cron_rakuten_cancel_orders").sudo()._trigger(
                fields.Datetime.now() + CANCEL_CHECK_DELAY
            )
            self._commit_batch()
            return False
        # RMS answered: from here on, the answer is recorded whatever happens in Odoo.
        if not result.ok:
            with self.env.cr.savepoint():
                order._rakuten_cancel_failed(rms_refusal(result.errors), log)
            self._commit_batch()
            return True
        order.write(
            {
                "rakuten_cancel_state": "done",
                "rakuten_order_progress": str(codes.PROGRESS_CANCELLED[0]),
            }
        )
        self._commit_batch()
        try:
            with self.env.cr.savepoint():
                order._rakuten_cancel_done(log)
        except Exception as error:  # noqa: BLE001 - one order never stops the others
            _logger.exception(
                "Rakuten order %s: cancelled on Rakuten, not in Odoo",
                order.rakuten_order_number,
            )
            log._add_line(
                order.rakuten_order_number,
                "failed",
                _lt(
                    "Cancelled on Rakuten, but the order could not be cancelled in Odoo "
                    "(%(error)s); cancel it in Odoo only.",
                    error=error_text(error),
                ),
                order,
            )
        self._commit_batch()
        return True
