import json
import logging
import zlib
from datetime import datetime, timedelta, timezone

from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

from ..rms import codes, sync
from ..rms.exceptions import RmsAuthError, RmsError
from ..rms.order import OrderParseError, parse_order
from .rakuten_text import error_text

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

CHUNK = 100
#: RMS-side cancellations are looked for among the orders of the last 62 days.
CANCEL_LOOKBACK = timedelta(days=62)
#: A 楽天共通決済 order is followed for its payment this long after it was placed.
PAYMENT_FOLLOW = timedelta(days=30)
#: A carrier or shipping update RMS refused is sent again this many times at most.
MAX_ATTEMPTS = 5
JST = timezone(timedelta(hours=9))


def _chunks(records, size=CHUNK):
    for start in range(0, len(records), size):
        yield records[start:start + size]


class RakutenSync(models.AbstractModel):
    """The jobs that keep Odoo and RMS in agreement after import: confirmation, carrier rows
    and shipping reports, payment/approval and cancellation follow-up, license expiry.

    Every job runs per channel under its own advisory lock, writes a sync log, isolates each
    order, and records what it is about to send before sending it (committed first by the
    crons), so an interrupted run is checked against RMS instead of being sent twice.
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
    def _run_job(self, teams, kind, job, auto_commit):
        """Run ``job(team, client, log, auto_commit)`` for each team; one failing channel never
        stops the others. Returns the sync logs."""
        logs = self.env["rakuten.sync.log"]
        for team in teams:
            team = team.with_company(team.company_id)
            logs |= team._rakuten_locked_run(kind, job, auto_commit)
            if auto_commit:
                self.env["ir.cron"]._notify_progress(done=len(logs), remaining=len(teams) - len(logs))
        return logs

    def _commit(self, auto_commit):
        if auto_commit:
            self.env.cr.commit()

    def _commit_batch(self):
        """Commit the batch a job has just finished, so that a crash loses at most one batch.

        Whether to commit is the runner's decision (context key ``rakuten_auto_commit``, set
        for runs in a cron worker, never under test); job bodies only call this between
        batches.
        """
        if self.env.context.get("rakuten_auto_commit"):
            self.env.cr.commit()  # a finished batch survives a later crash of the run

    def _for_each_rms_order(self, orders, client, log, handle, auto_commit):
        """Re-read ``orders`` with getOrder (100 a call) and call ``handle(order, rms_order)``
        for each, in a savepoint: one order's failure is logged and never stops the others.
        Orders RMS does not return are left as they are."""
        for chunk in _chunks(orders):
            raws = {raw.get("orderNumber"): raw for raw in client.get_order(chunk.mapped("rakuten_order_number"))}
            for order in chunk:
                raw = raws.get(order.rakuten_order_number)
                if raw is None:
                    continue
                try:
                    with self.env.cr.savepoint():
                        handle(order, parse_order(raw))
                except (OrderParseError, RmsError) as error:
                    log._add_line(order.rakuten_order_number, "failed", error_text(error), order)
                except Exception as error:  # noqa: BLE001 - one order never stops the others
                    _logger.exception("Rakuten follow-up of %s failed", order.rakuten_order_number)
                    log._add_line(order.rakuten_order_number, "failed", error_text(error), order)
            self._commit(auto_commit)

    # ------------------------------------------------------------------
    # Auto-confirm (confirmOrder)
    # ------------------------------------------------------------------
    @api.model
    def _cron_confirm_orders(self, auto_commit=True):
        teams = self._active_teams().filtered(lambda t: not t.rakuten_manual_confirm)
        return self._run_job(teams, "confirm", self._confirm_team, auto_commit)

    def _confirm_team(self, team, client, log, auto_commit):
        Order = self.env["sale.order"]
        interrupted = Order.search([("team_id", "=", team.id), ("rakuten_confirm_state", "=", "sending")])
        if interrupted:
            # An earlier run stopped after marking these: ask RMS where they stand.
            def settle(order, rms_order):
                progress = rms_order.order_progress
                if progress in codes.PROGRESS_CANCELLED:
                    reason = _lt("The order is cancelled on Rakuten (status %(progress)s).", progress=progress)
                    order.write({"rakuten_confirm_state": "error", "rakuten_confirm_error": reason,
                                 "rakuten_order_progress": str(progress)})
                    log._add_line(order.rakuten_order_number, "failed", reason, order, counter="refused")
                elif progress != codes.PROGRESS_WAITING_CONFIRMATION:
                    order.write({"rakuten_confirm_state": "done", "rakuten_order_progress": str(progress)})
                    log._add_line(order.rakuten_order_number, "done",
                                  _lt("Confirmed on Rakuten by an earlier, interrupted run."), order,
                                  counter="confirmed")
                else:
                    order.rakuten_confirm_state = "todo"

            self._for_each_rms_order(interrupted, client, log, settle, auto_commit)
            interrupted.filtered(lambda o: o.rakuten_confirm_state == "sending").rakuten_confirm_state = "todo"
        now = fields.Datetime.now()
        todo = Order.search(
            [("team_id", "=", team.id), ("rakuten_confirm_state", "=", "todo"), ("rakuten_order_progress", "=", "100")],
            order="rakuten_order_datetime, id",
        ).filtered(lambda o: o.rakuten_asuraku or not o.rakuten_order_datetime
                   or o.rakuten_order_datetime + timedelta(minutes=team.rakuten_wait_minutes) <= now)
        log.count_found = len(todo)
        for chunk in _chunks(todo):
            chunk.write({"rakuten_confirm_state": "sending"})
            self._commit(auto_commit)
            results = {r.order_number: r for r in client.confirm_order(chunk.mapped("rakuten_order_number"))}
            for order in chunk:
                result = results.get(order.rakuten_order_number)
                if result is None:
                    order.rakuten_confirm_state = "todo"
                    continue
                outcome = sync.confirm_outcome(result)
                if outcome.status == sync.CONFIRMED:
                    order.write({"rakuten_confirm_state": "done", "rakuten_confirm_error": False,
                                 "rakuten_order_progress": str(codes.PROGRESS_RAKUTEN_PROCESSING)})
                    log._add_line(order.rakuten_order_number, "done",
                                  outcome.reason or _lt("Confirmed on Rakuten."), order, counter="confirmed")
                elif outcome.status == sync.GIVE_UP:
                    order.write({"rakuten_confirm_state": "error", "rakuten_confirm_error": outcome.reason})
                    log._add_line(order.rakuten_order_number, "failed", outcome.reason, order, counter="refused")
                else:
                    order.write({"rakuten_confirm_state": "todo", "rakuten_confirm_error": outcome.reason})
                    log._add_line(order.rakuten_order_number, "deferred",
                                  _lt("Refused by Rakuten, tried again next run: %(reason)s", reason=outcome.reason), order,
                                  counter="retried")
            self._commit(auto_commit)

    # ------------------------------------------------------------------
    # Carrier rows and shipping reports (updateOrderShippingAsync)
    # ------------------------------------------------------------------
    @api.model
    def _cron_update_carriers(self, auto_commit=True):
        return self._run_job(self._active_teams(), "carrier", self._carrier_team, auto_commit)

    def _carrier_team(self, team, client, log, auto_commit):
        Basket = self.env["rakuten.basket"]
        # Baskets an earlier run left 'sending' (stopped after marking, or RMS failed), and
        # shipping reports waiting for the その他 row's id: ask RMS which rows it has before
        # sending anything (under this job's lock, so never while a request is in flight).
        unsure = Basket.search([
            ("order_id.team_id", "=", team.id),
            ("order_id.rakuten_slip_state", "!=", "cancel"),
            "|", "|", ("carrier_state", "=", "sending"), ("ship_state", "=", "sending"),
            "&", ("carrier_state", "=", "sent"), ("ship_state", "=", "pending"),
        ])
        self._for_each_rms_order(
            unsure.order_id, client, log,
            lambda order, rms_order: (unsure & order.rakuten_basket_ids)._rakuten_verify(rms_order, client, log),
            auto_commit,
        )
        baskets = Basket.search([
            ("order_id.team_id", "=", team.id),
            ("order_id.rakuten_slip_state", "not in", ("new", "cancel")),
            "|", ("carrier_state", "=", "todo"), ("ship_state", "=", "pending"),
        ])
        if not team.rakuten_auto_ship_report:
            baskets = baskets.filtered(lambda b: b.carrier_state == "todo")
        requests = []
        for order, order_baskets in baskets.grouped("order_id").items():
            payload, ready = [], self.env["rakuten.basket"]
            for basket in order_baskets:
                try:
                    rows = basket._rakuten_payload(team)
                except ValueError as error:  # e.g. a tracking number RMS cannot take
                    basket.write({"ship_state": "error", "sync_error": error_text(error)})
                    log._add_line(order.rakuten_order_number, "failed",
                                  _lt("Shipping report of basket %(basket)s not sent: %(reason)s",
                                      basket=basket.basket_id, reason=error_text(error)), order)
                    continue
                if rows:
                    payload += rows
                    ready |= basket
            if payload:
                requests.append((order, ready, payload))
        log.count_found = len(requests)
        for chunk in _chunks(requests):
            sent = self.env["rakuten.basket"]
            for _order, order_baskets, payload in chunk:
                order_baskets._rakuten_mark_sending(payload)
                sent |= order_baskets
            self._commit(auto_commit)
            body = [{"orderNumber": order.rakuten_order_number, "BasketidModelList": payload}
                    for order, _b, payload in chunk]
            request_ids, messages = client.update_order_shipping_async_detailed(body)
            refused = {}
            for message in messages:
                if message.is_error and message.order_number:
                    refused.setdefault(message.order_number, "%s: %s" % (message.message_code, message.message))
            request_id = request_ids[0] if request_ids else False
            for order, order_baskets, _payload in chunk:
                reason = refused.get(order.rakuten_order_number)
                if reason or not request_id:
                    order_baskets._rakuten_mark_refused(reason or _lt("RMS accepted no request."), log)
                else:
                    # A basket sends either its shipping report (rows updated with the real
                    # carrier and tracking number) or its その他 row (set).
                    reported = order_baskets.filtered(lambda b: b.ship_state == "sending")
                    log._count("rows_updated", len(reported))
                    log._count("rows_set", len((order_baskets - reported).filtered(lambda b: b.carrier_state == "sending")))
                    order_baskets._rakuten_mark_sent(request_id)
                    log._add_line(order.rakuten_order_number, "done",
                                  _lt("Sent to Rakuten (request %(request)s).", request=request_id), order)
            self._commit(auto_commit)

    # ------------------------------------------------------------------
    # Follow RMS: payment and approval, carrier verification, cancellations
    # ------------------------------------------------------------------
    @api.model
    def _cron_sync_orders(self, auto_commit=True):
        return self._run_job(self._active_teams(), "payment", self._follow_team, auto_commit)

    def _follow_team(self, team, client, log, auto_commit):
        Order = self.env["sale.order"]
        now = datetime.now(timezone.utc)
        # Cancellations: RMS keeps cancelled orders searchable by status.
        cancelled = client.search_order(
            now - CANCEL_LOOKBACK, now, order_progress_list=[800, 900], date_type=1
        )
        to_cancel = Order.search([
            ("team_id", "=", team.id),
            ("rakuten_order_number", "in", cancelled),
            ("rakuten_slip_state", "!=", "cancel"),
            ("rakuten_cancel_checked", "=", False),
        ]) if cancelled else Order
        since = fields.Datetime.now() - PAYMENT_FOLLOW
        to_follow = Order.search([
            ("team_id", "=", team.id),
            ("rakuten_slip_state", "not in", ("cancel",)),
            "|", "|",
            # 楽天共通決済 orders until they ship: settlement, and a later refused re-authorization.
            "&", "&", "&", ("rakuten_is_rakuten_pay", "=", True),
            ("rakuten_approval_state", "in", ("10", "20", "30")),
            ("rakuten_slip_state", "not in", ("shipped", "new")),
            ("rakuten_order_datetime", ">=", since),
            # Rows RMS accepted, to verify ('sending' ones are the carrier job's to check).
            ("rakuten_basket_ids.carrier_state", "=", "sent"),
            ("rakuten_basket_ids.ship_state", "=", "sent"),
        ])
        orders = to_cancel | to_follow
        log.count_found = len(orders)
        self._for_each_rms_order(
            orders, client, log, lambda order, rms_order: order._rakuten_follow(team, rms_order, client, log),
            auto_commit,
        )

    # ------------------------------------------------------------------
    # License key
    # ------------------------------------------------------------------
    @api.model
    def _cron_check_licenses(self, auto_commit=True):
        return self._run_job(self._active_teams(include_expired=True), "license", self._license_team, auto_commit)

    def _license_team(self, team, client, log, auto_commit):
        try:
            expiry = client.get_license_expiry()
        except RmsAuthError as error:
            team._rakuten_set_auth_failure(error)
            raise
        team._rakuten_store_license_expiry(expiry)
        log._count("checked")
        log.message = _lt("License key valid until %(date)s (Japan time).", date=expiry.strftime("%Y-%m-%d"))

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
