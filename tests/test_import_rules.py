"""The import rules of the spec, end to end: sandbox RMS -> cron / _rakuten_import_orders ->
sale orders, pending queue and sync log.

The cron entry point commits nothing under test (rakuten.sync decides: only in a cron worker).
"""

from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.sale_rakuten.rms.exceptions import RmsServerError

from .common import RakutenCase

UNDETERMINED = -9999
RMS_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


@tagged("post_install", "-at_install")
class TestImportRules(RakutenCase):
    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def add_units(self, number, extra):
        """The shop changes the order in RMS: ``extra`` more units of the first item."""
        raw = self.sandbox.orders[number]
        package = raw["PackageModelList"][0]
        item = package["ItemModelList"][0]
        amount = item["priceTaxIncl"] * extra
        item["units"] += extra
        for model in (raw, package):
            model["goodsPrice"] += amount
            model["totalPrice"] += amount
        raw["requestPrice"] += amount
        return item

    @contextmanager
    def spy_searches(self):
        """Record every searchOrder request the sandbox receives, with the numbers it answered."""
        requests = []
        original = self.sandbox._op_searchOrder

        def spy(request):
            status, payload = original(request)
            requests.append((dict(request), list(payload.get("orderNumberList") or [])))
            return status, payload

        with patch.object(self.sandbox, "_op_searchOrder", spy):
            yield requests

    def describe(self, order):
        """The order's confirmation reasons and lines, for failure messages."""
        return "%s\n%s" % (
            order.rakuten_confirm_reasons,
            "\n".join(
                "%s %s %s x %s %s = %s"
                % (
                    line.rakuten_line_kind,
                    line.product_id.default_code,
                    line.product_uom_qty,
                    line.price_unit,
                    line.tax_id.mapped("name"),
                    line.price_total,
                )
                for line in order.order_line
            ),
        )

    def assert_imported(self, log, number, slip_state):
        line = self.log_line(log, number)
        self.assertEqual(line.outcome, "imported", line.reason)
        order = self.sale_order(number)
        self.assertEqual(len(order), 1)
        self.assertEqual(line.sale_order_id, order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.rakuten_slip_state, slip_state, self.describe(order))
        self.assertEqual(order.amount_total, order.rakuten_expected_amount)
        self.assertFalse(self.pending(number))
        return order

    def assert_not_imported(self, log, number, outcome, *fragments):
        line = self.log_line(log, number)
        self.assertEqual(line.outcome, outcome, line.reason)
        for fragment in fragments:
            self.assertIn(fragment, line.reason)
        self.assertFalse(self.sale_order(number))
        pending = self.pending(number)
        self.assertEqual(
            len(pending), 1, "a deferred order waits, a skipped one is remembered"
        )
        self.assertEqual(pending.reason, line.reason)
        self.assertEqual(
            pending.state, "waiting" if outcome == "deferred" else "skipped"
        )
        return line

    # ------------------------------------------------------------------
    # The rules of the spec
    # ------------------------------------------------------------------
    def test_import_rules_table(self):
        """Each rule of the spec through one cron run; then ※2/※4 turn the skipped ones on."""
        postage = self.add_order(progress=100, payment="card")
        self.sandbox.undetermine_postage(postage)
        cases = [
            # (label, number, outcome, slip state or reason fragments)
            (
                "楽天ペイ card at 100",
                self.add_order(progress=100, payment="card"),
                "imported",
                "waiting_payment",
            ),
            (
                "楽天ペイ bank at 200",
                self.add_order(progress=200, payment="bank"),
                "imported",
                "waiting_payment",
            ),
            (
                "楽天ペイ deferred at 300",
                self.add_order(progress=300, payment="deferred"),
                "imported",
                "waiting_payment",
            ),
            (
                "選択制 COD at 100",
                self.add_order(progress=100, payment="cod"),
                "deferred",
                ("Selective payment", "代金引換", "300"),
            ),
            (
                "選択制 COD at 200",
                self.add_order(progress=200, payment="cod"),
                "deferred",
                ("Selective payment", "200"),
            ),
            (
                "選択制 COD at 300",
                self.add_order(progress=300, payment="cod"),
                "imported",
                "ready",
            ),
            (
                "type 4 定期",
                self.add_order(mix={"order_type": {4: 1.0}}),
                "imported",
                "waiting_payment",
            ),
            ("postage -9999", postage, "deferred", ("Postage is not determined",)),
            (
                "第一類医薬品",
                self.add_order(mix={"drug": 1.0}),
                "skipped",
                ("first-class drug", "※2"),
            ),
            (
                "not あす楽, 10 minutes old",
                self.add_order(minutes_ago=10),
                "deferred",
                ("30 minutes",),
            ),
            (
                "あす楽, 1 minute old",
                self.add_order(minutes_ago=1, mix={"asuraku": 1.0}),
                "imported",
                "waiting_payment",
            ),
        ]
        club = self.add_order(mix={"order_type": {5: 1.0}})
        reserved = self.add_order(mix={"order_type": {6: 1.0}})
        self.assertEqual(self.sandbox.orders[cases[-1][1]]["asurakuFlag"], 1)

        cases += [
            ("頒布会", club, "skipped", ("Distribution-club", "CSV")),
            ("予約 with ※4 off", reserved, "skipped", ("Reservation order", "※4")),
        ]
        with self.spy_searches() as searches:
            log = self.run_logged_job("import")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(log.count_found, len(cases))
        for label, number, outcome, expected in cases:
            with self.subTest(label):
                if outcome == "imported":
                    self.assert_imported(log, number, expected)
                else:
                    self.assert_not_imported(log, number, outcome, *expected)
        self.assertEqual(log.count_imported, 6)
        self.assertEqual(log.count_deferred, 4)
        self.assertEqual(log.count_skipped, 3)
        self.assertEqual(self.sale_order(cases[6][1]).rakuten_order_type, "4")
        # Every order type is searched, so 頒布会 and 予約 orders are explained, not unseen.
        for request, _numbers in searches:
            self.assertNotIn("orderTypeList", request)

        # Skipped orders are remembered: the next run neither fetches nor logs them again.
        fetched = self.sandbox.calls["getOrder"]
        log_again = self.run_logged_job("import")
        self.assertEqual(log_again.count_skipped, 0)
        for number in (club, reserved, cases[8][1]):
            self.assertNotIn(number, log_again.line_ids.mapped("order_number"))
        self.assertEqual(
            self.sandbox.calls["getOrder"], fetched + 1
        )  # the deferred ones only

        # ※2 and ※4 on: the options changed, so the skipped orders are decided again.
        self.team.write(
            {"rakuten_import_drug_orders": True, "rakuten_import_reserved_orders": True}
        )
        log2 = self.run_logged_job("import")
        self.assertEqual(log2.state, "done", log2.message)
        drug = self.assert_imported(log2, cases[8][1], "to_confirm")
        self.assertTrue(drug.rakuten_drug)
        self.assertIn("first-class drug", drug.rakuten_confirm_reasons)
        reservation = self.assert_imported(log2, reserved, "waiting_payment")
        self.assertEqual(reservation.rakuten_order_type, "6")
        self.assertEqual(
            fields.Date.to_string(reservation.commitment_date),
            self.sandbox.orders[reserved]["deliveryDate"],
        )
        self.assertFalse(self.sale_order(club))
        self.assert_not_imported(log2, club, "skipped", "Distribution-club")
        self.assertEqual(
            (log2.count_imported, log2.count_skipped, log2.count_unchanged), (2, 1, 6)
        )
        for label, number, outcome, _expected in cases:
            if outcome == "deferred":
                with self.subTest("still deferred: " + label):
                    self.assert_not_imported(log2, number, "deferred")
                    self.assertEqual(self.pending(number).attempts, 3)
        self.assertEqual(
            len(self.env["sale.order"].search([("team_id", "=", self.team.id)])), 8
        )

    def test_status_changes_of_pending_orders(self):
        """Orders waiting in the pending queue are fetched again whatever their status:
        400 is deferred, 500 and 900 are skipped and leave the queue; 予約 with ※4 turned
        off meanwhile is skipped; 頒布会 is skipped with the CSV hint."""
        self.team.rakuten_import_reserved_orders = True
        numbers = {
            400: self.add_order(minutes_ago=10, progress=300),
            500: self.add_order(minutes_ago=10, progress=300),
            900: self.add_order(minutes_ago=10, progress=300),
            "reserved": self.add_order(minutes_ago=10, mix={"order_type": {6: 1.0}}),
        }
        log = self.run_logged_job("import")
        for number in numbers.values():
            self.assert_not_imported(log, number, "deferred", "30 minutes")

        # 40 minutes later: RMS moved them on; ※4 was switched off.
        self.team.rakuten_import_reserved_orders = False
        for progress in (400, 500, 900):
            self.sandbox.set_progress(numbers[progress], progress)
        for number in numbers.values():
            self.sandbox.age_order(number, timedelta(minutes=40))
        club = self.add_order(mix={"order_type": {5: 1.0}})
        # A 頒布会 order already waiting in the queue is skipped with the CSV hint too.
        self.env["rakuten.pending.order"]._rakuten_defer(
            self.team, club, "queued by hand"
        )

        log = self.import_orders()
        self.assertEqual(log.state, "done", log.message)
        cases = [
            ("400 変更確定待ち", numbers[400], "deferred", ("400", "confirmed")),
            ("500 shipped", numbers[500], "skipped", ("500", "already shipped")),
            ("900 cancelled", numbers[900], "skipped", ("900", "cancelled")),
            (
                "予約 with ※4 off",
                numbers["reserved"],
                "skipped",
                ("Reservation order", "※4"),
            ),
            ("頒布会", club, "skipped", ("Distribution-club", "CSV")),
        ]
        for label, number, outcome, fragments in cases:
            with self.subTest(label):
                self.assert_not_imported(log, number, outcome, *fragments)
        self.assertEqual(
            (log.count_deferred, log.count_skipped, log.count_imported), (1, 4, 0)
        )

        # The change is confirmed: back to 300, imported from the queue.
        self.sandbox.set_progress(numbers[400], 300)
        log = self.run_logged_job("import")
        self.assert_imported(log, numbers[400], "waiting_payment")

    def test_deferred_orders_are_imported_later_outside_the_window(self):
        """A deferred order that becomes importable is imported by the next run, even once it
        is older than the search window: the pending queue is fetched again."""
        young = self.add_order(minutes_ago=10, progress=300)
        postage = self.add_order(minutes_ago=60, progress=100)
        determined = self.sandbox.undetermine_postage(postage)
        log = self.run_logged_job("import")
        self.assert_not_imported(log, young, "deferred", "30 minutes")
        self.assert_not_imported(log, postage, "deferred", "Postage is not determined")

        # Two days pass (the server was fine, the orders just waited); the shop sets the postage.
        self.sandbox.replace_order(postage, determined)
        for number in (young, postage):
            self.sandbox.age_order(number, timedelta(days=2))
        with self.spy_searches() as searches:
            log = self.run_logged_job("import")
        found = {number for _request, numbers in searches for number in numbers}
        self.assertFalse(found & {young, postage}, "both are outside the search window")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual((log.count_found, log.count_imported), (2, 2))
        self.assert_imported(log, young, "waiting_payment")
        order = self.assert_imported(log, postage, "waiting_payment")
        self.assertEqual(order.rakuten_order_progress, "100")
        self.assertFalse(
            self.env["rakuten.pending.order"].search([("team_id", "=", self.team.id)])
        )

    # ------------------------------------------------------------------
    # Search window and watermark
    # ------------------------------------------------------------------
    def test_search_window_and_downtime(self):
        old = self.add_order(minutes_ago=25 * 60)
        before = fields.Datetime.now()
        log = self.run_logged_job("import")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(
            log.count_found, 0, "an order older than 24 hours is not found"
        )
        self.assertFalse(self.sale_order(old))
        self.assertGreaterEqual(
            self.team.rakuten_last_import_start, before.replace(microsecond=0)
        )
        self.assertLessEqual(
            log.window_start, before - timedelta(hours=24) + timedelta(minutes=1)
        )
        self.assertGreaterEqual(
            log.window_start, before - timedelta(hours=24, minutes=1)
        )

        # The server was down for three days: the next run looks back to the last success.
        self.team.rakuten_last_import_start = fields.Datetime.now() - timedelta(days=3)
        two_days = self.add_order(minutes_ago=2 * 24 * 60)
        log = self.run_logged_job("import")
        self.assertEqual(log.state, "done", log.message)
        self.assertLessEqual(
            log.window_start, fields.Datetime.now() - timedelta(days=3)
        )
        self.assert_imported(log, two_days, "waiting_payment")
        self.assert_imported(log, old, "waiting_payment")
        self.assertGreaterEqual(
            self.team.rakuten_last_import_start,
            fields.Datetime.now() - timedelta(minutes=5),
        )

    def test_watermark_moves_only_on_success(self):
        number = self.add_order(progress=300)
        watermark = fields.Datetime.now().replace(microsecond=0) - timedelta(hours=2)
        self.team.rakuten_last_import_start = watermark

        self.sandbox.error_rate_5xx = 1.0
        with (
            self.no_backoff(),
            mute_logger(
                "urllib3.connectionpool", "odoo.addons.sale_rakuten.models.rakuten_sync"
            ),
        ):
            log = self.run_logged_job("import")
        self.assertEqual(log.state, "failed")
        self.assertEqual(log.message, RmsServerError.default_user_message)
        self.assertEqual(self.team.rakuten_last_import_start, watermark)
        self.assertGreater(self.sandbox.calls["searchOrder"], 1, "the client retried")
        self.assertFalse(self.sale_order(number))

        self.sandbox.error_rate_5xx = 0.0
        self.sandbox.expired_license = True
        with mute_logger("odoo.addons.sale_rakuten.models.rakuten_sync"):
            log = self.import_orders()
        self.assertEqual(log.state, "failed")
        self.assertIn("ES01-01", log.message)
        self.assertIn("Renew or re-issue the license key", log.message)
        self.assertEqual(self.team.rakuten_last_import_start, watermark)
        self.assertFalse(self.sale_order(number))

        self.sandbox.expired_license = False
        before = fields.Datetime.now().replace(microsecond=0)
        log = self.import_orders()
        self.assertEqual(log.state, "done", log.message)
        self.assert_imported(log, number, "waiting_payment")
        self.assertGreaterEqual(self.team.rakuten_last_import_start, before)

    def test_database_error_without_commits_is_contained(self):
        """An SQL error inside a run that does not commit ("Import now", tests) is rolled back:
        the run ends as a failed log, the watermark stays, the channel's lock is released."""
        number = self.add_order(progress=300)
        watermark = fields.Datetime.now().replace(microsecond=0) - timedelta(hours=2)
        self.team.rakuten_last_import_start = watermark
        Sync = type(self.env["rakuten.sync"])
        original = Sync._import_batch_isolated

        def broken(sync, team, log, *args):
            original(sync, team, log, *args)
            sync.env.cr.execute("SELECT 1 / 0")

        with (
            patch.object(Sync, "_import_batch_isolated", broken),
            mute_logger("odoo.sql_db", "odoo.addons.sale_rakuten.models.rakuten_sync"),
        ):
            log = self.import_orders()
        self.assertEqual(log.state, "failed")
        self.assertIn("division by zero", log.message)
        self.assertFalse(log.line_ids, "what the failed run wrote is rolled back")
        self.assertFalse(self.sale_order(number))
        self.assertEqual(self.team.rakuten_last_import_start, watermark)
        with self.registry.cursor() as other:
            other.execute("SELECT pg_try_advisory_lock(%s, %s)", self.lock_key())
            self.assertTrue(
                other.fetchone()[0], "the failed run released the channel's lock"
            )
            other.execute("SELECT pg_advisory_unlock(%s, %s)", self.lock_key())
        log = self.run_logged_job("import")
        self.assert_imported(log, number, "waiting_payment")

    # ------------------------------------------------------------------
    # [新規受付] slips and manual confirmation (※3)
    # ------------------------------------------------------------------
    def test_provisional_slip_is_completed_not_duplicated(self):
        self.team.rakuten_manual_confirm = True
        number = self.add_order(progress=100, payment="card")
        log = self.import_orders()
        slip = self.sale_order(number)
        self.assertEqual(slip.rakuten_slip_state, "new")
        self.assertEqual(self.log_line(log, number).sale_order_id, slip)
        item_line = slip.order_line.filtered(
            lambda line: line.rakuten_line_kind == "item"
        )[:1]
        self.assertTrue(item_line)
        units_before = item_line.product_uom_qty

        # The shop adds a unit in RMS, confirms, the order reaches 発送待ち; ※3 is switched off.
        item = self.add_units(number, 1)
        self.sandbox.set_progress(number, 300)
        self.team.rakuten_manual_confirm = False
        log = self.run_logged_job("import")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual((log.count_updated, log.count_imported), (1, 0))
        line = self.log_line(log, number)
        self.assertEqual(line.outcome, "updated")
        order = self.sale_order(number)
        self.assertEqual(
            order, slip, "the provisional slip is completed, never duplicated"
        )
        self.assertEqual(
            order.rakuten_slip_state, "waiting_payment", self.describe(order)
        )
        self.assertEqual(order.rakuten_order_progress, "300")
        self.assertEqual(item_line.product_uom_qty, units_before + 1)
        self.assertEqual(item_line.product_uom_qty, item["units"])
        self.assertEqual(order.amount_total, order.rakuten_expected_amount)
        self.assertEqual(order.amount_total, self.sandbox.orders[number]["totalPrice"])
        moves = order.picking_ids.move_ids.filtered(
            lambda m: m.product_id == item_line.product_id
        )
        self.assertEqual(sum(moves.mapped("product_uom_qty")), item["units"])
        self.assertEqual(len(order.rakuten_basket_ids), 1)

        # And again: nothing changes.
        log = self.run_logged_job("import")
        self.assertEqual((log.count_unchanged, log.count_updated), (1, 0))
        self.assertEqual(
            self.env["sale.order"].search_count(
                [("rakuten_order_number", "=", number)]
            ),
            1,
        )

    def test_slip_created_elsewhere_is_completed(self):
        """A [新規受付] slip created before the API import (e.g. from the order mail) is
        completed with the RMS lines, confirmed and distributed."""
        number = self.add_order(progress=300, payment="cod")
        partner = self.env["res.partner"].create({"name": "Mail order buyer"})
        slip = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "team_id": self.team.id,
                "rakuten_order_number": number,
                "rakuten_slip_state": "new",
            }
        )
        log = self.run_logged_job("import")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(self.log_line(log, number).outcome, "updated")
        self.assertEqual(self.sale_order(number), slip)
        self.assertEqual(slip.state, "sale")
        self.assertEqual(slip.rakuten_slip_state, "ready", self.describe(slip))
        raw = self.sandbox.orders[number]
        items = [
            item
            for package in raw["PackageModelList"]
            for item in package["ItemModelList"]
        ]
        item_lines = slip.order_line.filtered(
            lambda line: line.rakuten_line_kind == "item"
        )
        self.assertEqual(len(item_lines), len(items))
        self.assertEqual(
            item_lines.mapped("product_id.default_code"),
            [item["SkuModelList"][0]["merchantDefinedSkuId"] for item in items],
        )
        self.assertTrue(
            slip.order_line.filtered(lambda line: line.rakuten_line_kind == "cod_fee")
        )
        self.assertEqual(slip.amount_total, slip.rakuten_expected_amount)
        self.assertEqual(slip.picking_ids.state, "assigned")

    def test_manual_confirm_mode(self):
        self.team.rakuten_manual_confirm = True
        number = self.add_order(minutes_ago=20 * 60, progress=100, payment="card")
        with self.spy_searches() as searches:
            log = self.run_logged_job("import")
        self.assertEqual(log.state, "done", log.message)
        criteria = sorted(
            (r["dateType"], tuple(r["orderProgressList"])) for r, _n in searches
        )
        self.assertEqual(criteria, [(1, (100,)), (2, (200, 300))])
        line = self.log_line(log, number)
        self.assertIn("provisional", line.reason)
        slip = self.sale_order(number)
        self.assertEqual(slip.rakuten_slip_state, "new")
        self.assertEqual(slip.state, "sale")
        self.assertEqual(
            slip.picking_ids.state,
            "assigned",
            "the provisional slip reserves the stock",
        )
        self.assertEqual(self.sandbox.calls["confirmOrder"], 0)
        with self.assertRaisesRegex(UserError, "cannot be validated"):
            slip.picking_ids.button_validate()
        self.assertEqual(slip.picking_ids.state, "assigned")

        # Still 注文確認待ち: found again, but neither fetched nor rewritten.
        fetched, messages = self.sandbox.calls["getOrder"], len(slip.message_ids)
        log = self.run_logged_job("import")
        self.assertEqual(self.sale_order(number), slip)
        self.assertEqual(slip.rakuten_slip_state, "new")
        self.assertEqual(
            (log.count_imported, log.count_updated, log.count_unchanged), (0, 0, 1)
        )
        self.assertEqual(self.sandbox.calls["getOrder"], fetched)
        self.assertEqual(len(slip.message_ids), messages)

        # 10 hours later the shop confirms it in RMS: its order date is out of the 24-hour
        # window, its confirmation date (dateType 2) is not.
        self.sandbox.age_order(number, timedelta(hours=10))
        self.sandbox.set_progress(number, 200)
        self.assertTrue(self.sandbox.orders[number]["shopOrderCfmDatetime"])
        with self.spy_searches() as searches:
            log = self.run_logged_job("import")
        self.assertEqual(log.state, "done", log.message)
        by_type = {r["dateType"]: numbers for r, numbers in searches}
        self.assertNotIn(number, by_type[1])
        self.assertIn(number, by_type[2])
        self.assertEqual(self.log_line(log, number).outcome, "updated")
        self.assertEqual(self.sale_order(number), slip)
        self.assertEqual(
            slip.rakuten_slip_state, "waiting_payment", self.describe(slip)
        )
        self.assertEqual(slip.rakuten_order_progress, "200")

    # ------------------------------------------------------------------
    # Idempotency and concurrency
    # ------------------------------------------------------------------
    def test_importing_twice_creates_one_order(self):
        number = self.add_order(progress=300)
        log = self.import_orders()
        self.assertEqual(log.count_imported, 1)
        fetched = self.sandbox.calls["getOrder"]
        log = self.run_logged_job("import")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(
            (log.count_found, log.count_unchanged, log.count_imported), (1, 1, 0)
        )
        self.assertEqual(
            self.sandbox.calls["getOrder"],
            fetched,
            "an imported order is not fetched again",
        )
        self.assertEqual(
            self.env["sale.order"].search_count(
                [("rakuten_order_number", "=", number)]
            ),
            1,
        )

    def test_second_import_of_the_channel_stops(self):
        number = self.add_order(progress=300)
        key = self.lock_key()
        with self.registry.cursor() as other:
            other.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
            self.assertTrue(other.fetchone()[0], "no import of the channel runs")
            try:
                log = self.import_orders()
            finally:
                other.execute("SELECT pg_advisory_unlock(%s, %s)", key)
        self.assertEqual(log.state, "skipped")
        self.assertRegex(log.message, r"^Another (import|run)\b.*(running|in progress)")
        self.assertFalse(self.sale_order(number))
        self.assertFalse(self.pending(number))
        self.assertFalse(log.line_ids)
        self.assertEqual(sum(self.sandbox.calls.values()), 0)
        # The other run is over: this channel imports again (its own lock was released too).
        log = self.run_logged_job("import")
        self.assert_imported(log, number, "waiting_payment")
        log = self.run_logged_job("import")
        self.assertEqual(log.state, "done", log.message)

    def test_order_number_is_unique(self):
        number = self.add_order(progress=300)
        self.import_orders()
        order = self.sale_order(number)
        self.assertEqual(len(order), 1)
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.env["sale.order"].create(
                {
                    "partner_id": order.partner_id.id,
                    "rakuten_order_number": number,
                }
            )
        self.assertEqual(
            self.env["sale.order"].search_count(
                [("rakuten_order_number", "=", number)]
            ),
            1,
        )

    # ------------------------------------------------------------------
    # Bad data
    # ------------------------------------------------------------------
    def test_malformed_order_does_not_stop_the_others(self):
        good1 = self.add_order(progress=300)
        bad = self.add_order(progress=300)
        good2 = self.add_order(progress=300)
        self.sandbox.orders[bad]["PackageModelList"][0]["ItemModelList"][0]["units"] = (
            "x"
        )
        log = self.run_logged_job("import")
        self.assertEqual(log.state, "partial")
        self.assertEqual((log.count_imported, log.count_failed), (2, 1))
        self.assert_imported(log, good1, "waiting_payment")
        self.assert_imported(log, good2, "waiting_payment")
        line = self.log_line(log, bad)
        self.assertEqual(line.outcome, "failed")
        self.assertIn("cannot be read", line.reason)
        self.assertIn("units", line.reason)
        self.assertFalse(self.sale_order(bad))
        self.assertEqual(self.pending(bad).reason, line.reason)

        # Fixed in RMS: the next run imports it from the queue.
        self.sandbox.orders[bad]["PackageModelList"][0]["ItemModelList"][0]["units"] = 1
        log = self.import_orders()
        self.assertEqual(log.state, "done", log.message)
        self.assert_imported(log, bad, "waiting_payment")

    def test_unmatched_item(self):
        number = self.add_order(progress=300, mix={"packages": {1: 1.0}})
        raw = self.sandbox.orders[number]
        item = raw["PackageModelList"][0]["ItemModelList"][0]
        item.update(
            itemName="幻の限定品",
            itemNumber="NO-SUCH-ITEM",
            manageNumber="no-such-item",
        )
        item["SkuModelList"][0].update(merchantDefinedSkuId="NO-SUCH-SKU", skuInfo="")
        log = self.run_logged_job("import")
        self.assertEqual(log.state, "done", log.message)
        order = self.assert_imported(log, number, "to_confirm")
        line = order.order_line.filtered(lambda line: line.rakuten_unmatched)
        self.assertEqual(len(line), 1)
        self.assertEqual(line.product_id, self.team.rakuten_unmatched_product_id)
        self.assertEqual(line.name, "幻の限定品")
        self.assertEqual(line.price_unit, item["priceTaxIncl"])
        self.assertEqual(line.product_uom_qty, item["units"])
        self.assertEqual(line.rakuten_item_detail_id, str(item["itemDetailId"]))
        self.assertIn("幻の限定品", order.rakuten_confirm_reasons)
        self.assertIn("matches no product", order.rakuten_confirm_reasons)
        others = (
            order.order_line.filtered(lambda line: line.rakuten_line_kind == "item")
            - line
        )
        self.assertFalse(others.filtered("rakuten_unmatched"))
        self.assertNotIn(self.team.rakuten_unmatched_product_id, others.product_id)
