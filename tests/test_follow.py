"""Following Rakuten after import, end to end against the sandbox: payment settlement
(自動入金確認), 承認NG, RMS-side cancellations (※1), and the follow job's reliability (the
license key's expiry is in test_license.py).

Jobs commit nothing under test (rakuten.sync decides: only in a cron worker).
"""

from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.sale_rakuten.models.crm_team import MANAGER_GROUP
from odoo.addons.sale_rakuten.rms.exceptions import RmsServerError

from .common import RakutenCase

RMS_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


@tagged("post_install", "-at_install")
class TestFollow(RakutenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = cls.env["res.users"].create(
            {
                "name": "Rakuten Salesman",
                "login": "rakuten_salesman",
                "email": "salesman@example.com",
                "groups_id": [
                    Command.set([cls.env.ref("sales_team.group_sale_salesman").id])
                ],
            }
        )
        cls.manager = cls.env["res.users"].create(
            {
                "name": "Rakuten Manager",
                "login": "rakuten_manager",
                "email": "manager@example.com",
                "groups_id": [Command.set([cls.env.ref(MANAGER_GROUP).id])],
            }
        )
        cls.team.user_id = cls.salesman
        cls.team.rakuten_cancel_reason = "楽天でキャンセル"

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def imported(self, number, slip_state):
        order = self.sale_order(number)
        self.assertEqual(len(order), 1, "order %s imported" % number)
        self.assertEqual(
            order.rakuten_slip_state, slip_state, order.rakuten_confirm_reasons
        )
        return order

    def activities(self, record, user=None, summary=None):
        return record.activity_ids.filtered(
            lambda a: (
                (user is None or a.user_id == user)
                and (summary is None or summary in (a.summary or ""))
            )
        )

    def notes(self, record, text):
        return record.message_ids.filtered(lambda m: text in str(m.body))

    def reserved(self, products):
        quants = self.env["stock.quant"].search(
            [
                ("product_id", "in", products.ids),
                ("location_id", "child_of", self.warehouse.lot_stock_id.id),
            ]
        )
        return sum(quants.mapped("reserved_quantity"))

    def ship(self, order):
        picking = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing"
        )
        self.assertEqual(picking.state, "assigned")
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        result = picking.with_context(skip_sms=True).button_validate()
        self.assertIs(result, True, "validated without a wizard")
        self.assertEqual(picking.state, "done")
        return picking

    @contextmanager
    def spy_get_order(self):
        """Record the order numbers of every getOrder call the sandbox serves."""
        asked = []
        original = self.sandbox._op_getOrder

        def spy(request):
            asked.append(list(request.get("orderNumberList") or []))
            return original(request)

        with patch.object(self.sandbox, "_op_getOrder", spy):
            yield asked

    # ------------------------------------------------------------------
    # Payment settlement (自動入金確認)
    # ------------------------------------------------------------------
    def test_settlement_moves_waiting_slip_to_ready(self):
        numbers = [self.add_order(progress=100), self.add_order(progress=200)]
        self.assertEqual(self.import_orders().count_imported, 2)
        for number in numbers:
            order = self.imported(number, "waiting_payment")
            self.assertEqual(
                (order.rakuten_payment_state, order.rakuten_approval_state), ("0", "10")
            )

        # Not settled yet: nothing moves, and nothing is logged as updated.
        log = self.run_logged_job("follow")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(log.count_settled, 0)
        for number in numbers:
            self.assertEqual(
                self.sale_order(number).rakuten_slip_state, "waiting_payment"
            )

        for number in numbers:
            self.sandbox.set_progress(number, 300)
        self.sandbox.reset_counters()
        log = self.run_logged_job("follow")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(log.count_settled, 2)
        self.assertEqual(
            self.sandbox.calls["getOrder"], 1, "both re-read with one getOrder"
        )
        self.assertEqual(
            self.sandbox.calls["getPayment"],
            0,
            "getOrder alone tells a plain order is settled",
        )
        for number in numbers:
            order = self.sale_order(number)
            self.assertEqual(
                (order.rakuten_payment_state, order.rakuten_approval_state), ("2", "30")
            )
            self.assertEqual(order.rakuten_slip_state, "ready")
            self.assertEqual(order.rakuten_order_progress, "300")
            self.assertEqual(self.log_line(log, number).outcome, "updated")
            self.assertTrue(self.notes(order, "settled"))

        # A second run changes nothing and logs nothing.
        log = self.run_logged_job("follow")
        self.assertEqual(
            (log.state, log.count_settled, len(log.line_ids)), ("done", 0, 0)
        )

    def test_settlement_of_250_orders_uses_three_get_order_calls(self):
        table = dict(self.PLAIN_MIX, payment={"card": 1.0}, progress={200: 1.0})
        numbers = self.sandbox.generate_orders(
            250, now=fields.Datetime.now() - timedelta(hours=1), mix=table, hours=0
        )
        log = self.import_orders()
        self.assertEqual(log.count_imported, 250, log.line_ids.mapped("reason"))
        for number in numbers:
            self.sandbox.set_progress(number, 300)
        self.sandbox.reset_counters()
        with self.spy_get_order() as asked:
            log = self.run_logged_job("follow")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(self.sandbox.calls["getOrder"], 3)
        self.assertEqual(sorted(len(chunk) for chunk in asked), [50, 100, 100])
        self.assertEqual(self.sandbox.calls["getPayment"], 0)
        self.assertEqual(log.count_settled, 250)
        orders = self.env["sale.order"].search(
            [("rakuten_order_number", "in", numbers)]
        )
        self.assertEqual(set(orders.mapped("rakuten_slip_state")), {"ready"})
        self.assertEqual(set(orders.mapped("rakuten_payment_state")), {"2"})

    def test_cod_order_is_not_followed_for_payment(self):
        cod = self.add_order(progress=300, payment="cod")
        card = self.add_order(progress=200, payment="card")
        self.import_orders()
        cod_order = self.imported(cod, "ready")
        self.assertFalse(cod_order.rakuten_is_rakuten_pay)
        self.assertEqual(
            (cod_order.rakuten_payment_state, cod_order.rakuten_approval_state),
            ("0", "0"),
        )
        self.sandbox.set_progress(card, 300)
        with self.spy_get_order() as asked:
            log = self.run_logged_job("follow")
        self.assertEqual(log.state, "done", log.message)
        # Both are re-read (every open order is compared for RMS-side changes); only the
        # 楽天ペイ order is followed for its payment.
        self.assertEqual([sorted(a) for a in asked], [sorted([card, cod])])
        self.assertEqual(self.sale_order(card).rakuten_slip_state, "ready")
        self.assertEqual(
            (cod_order.rakuten_payment_state, cod_order.rakuten_approval_state),
            ("0", "0"),
        )
        self.assertFalse(log.line_ids.filtered(lambda line: line.order_number == cod))

    # ------------------------------------------------------------------
    # 承認NG
    # ------------------------------------------------------------------
    def assert_refused(self, order, log):
        self.assertEqual(order.rakuten_approval_state, "90")
        self.assertEqual(order.rakuten_slip_state, "to_confirm")
        self.assertTrue(order.rakuten_confirm_reasons)
        self.assertEqual(
            self.log_line(log, order.rakuten_order_number).outcome, "updated"
        )
        activity = self.activities(order, summary="Rakuten refused the payment")
        self.assertEqual(len(activity), 1)
        self.assertEqual(
            activity.user_id, self.salesman, "the salesperson of the order"
        )
        self.assertIn(order.rakuten_order_number, str(activity.note))

    def test_payment_refused_by_get_payment(self):
        unapproved = self.add_order(progress=200)
        approved = self.add_order(progress=300)
        self.import_orders()
        self.run_logged_job("follow")
        self.imported(unapproved, "waiting_payment")
        self.assertEqual(self.imported(approved, "ready").rakuten_approval_state, "30")

        # RMS flags both orders and getPayment says the authorization / the payment failed.
        for number, status in ((unapproved, 30400), (approved, 30700)):
            self.sandbox.orders[number]["cautionDisplayType"] = 1
            self.sandbox.set_payment_status(number, status)
        self.sandbox.reset_counters()
        log = self.run_logged_job("follow")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(self.sandbox.calls["getPayment"], 2)
        for number, status in ((unapproved, 30400), (approved, 30700)):
            order = self.sale_order(number)
            self.assert_refused(order, log)
            self.assertIn(
                "refused the payment (status %s)" % status,
                order.rakuten_confirm_reasons,
            )
        # Handled once: the next run neither re-reads nor re-schedules.
        self.sandbox.reset_counters()
        log = self.run_logged_job("follow")
        self.assertEqual(
            (log.count_approval_refused, self.sandbox.calls["getPayment"]), (0, 0)
        )
        self.assertEqual(
            len(
                self.activities(
                    self.sale_order(unapproved), summary="Rakuten refused the payment"
                )
            ),
            1,
        )

    def test_order_sent_back_to_200_with_caution_is_refused(self):
        number = self.add_order(progress=300)
        self.import_orders()
        self.run_logged_job("follow")
        order = self.imported(number, "ready")
        self.assertEqual(order.rakuten_approval_state, "30")

        self.sandbox.set_progress(number, 200)
        self.sandbox.orders[number]["cautionDisplayType"] = 1
        log = self.run_logged_job("follow")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(order.rakuten_order_progress, "200")
        self.assert_refused(order, log)
        self.assertIn("the authorization was refused", order.rakuten_confirm_reasons)

    # ------------------------------------------------------------------
    # Cancellation (※1)
    # ------------------------------------------------------------------
    def test_cancelled_on_rakuten_is_cancelled_in_odoo(self):
        numbers = {800: self.add_order(progress=300), 900: self.add_order(progress=200)}
        keep = self.add_order(progress=300)
        products = self.env["product.product"]
        self.import_orders()
        for number in numbers.values():
            order = self.imported(number, "waiting_payment")
            products |= order.order_line.product_id.filtered("is_storable")
        reserved_before = self.reserved(products)
        ordered = sum(
            line.product_uom_qty
            for number in numbers.values()
            for line in self.sale_order(number).order_line
            if line.product_id.is_storable
        )
        self.assertGreater(ordered, 0)
        for progress, number in numbers.items():
            self.sandbox.set_progress(number, progress)

        log = self.run_logged_job("follow")
        self.assertEqual(log.state, "done", log.message)
        for progress, number in numbers.items():
            order = self.sale_order(number)
            self.assertEqual(order.state, "cancel")
            self.assertEqual(order.rakuten_slip_state, "cancel")
            self.assertEqual(order.rakuten_order_progress, str(progress))
            self.assertEqual(order.rakuten_cancel_reason, "楽天でキャンセル")
            self.assertEqual(set(order.picking_ids.mapped("state")), {"cancel"})
            self.assertEqual(
                len(self.notes(order, "楽天でキャンセル")),
                1,
                "a chatter note with the reason",
            )
            self.assertEqual(self.log_line(log, number).outcome, "updated")
        self.assertEqual(
            self.reserved(products), reserved_before - ordered, "the stock is released"
        )
        self.assertEqual(self.sale_order(keep).state, "sale")

        # Already cancelled: not touched again.
        log = self.run_logged_job("follow")
        self.assertFalse(log.line_ids)

    def test_cancellation_looks_back_62_days(self):
        # 選択制 orders: not followed for payment. Shipped more than 30 days ago, they are no
        # longer re-read for changes either: only the cancellation search finds them.
        recent = self.add_order(progress=300, payment="cod")
        old = self.add_order(progress=300, payment="cod")
        self.import_orders()
        for number, age in ((recent, 61), (old, 64)):
            order = self.imported(number, "ready")
            self.ship(order)
            order.rakuten_order_datetime = fields.Datetime.now() - timedelta(days=age)
            self.sandbox.age_order(number, timedelta(days=age))
            self.sandbox.set_progress(number, 900)
        log = self.run_logged_job("follow")
        # a cancellation after shipping is a line for a person
        self.assertEqual(log.state, "partial", log.message)
        self.assertTrue(self.sale_order(recent).rakuten_cancel_checked, "found")
        self.assertFalse(log.line_ids.filtered(lambda line: line.order_number == old))
        self.assertFalse(
            self.sale_order(old).rakuten_cancel_checked,
            "older than 62 days: not searched",
        )

    def test_cancelled_after_shipping_goes_to_a_person(self):
        number = self.add_order(progress=300)
        self.import_orders()
        self.run_logged_job("follow")
        order = self.imported(number, "ready")
        picking = self.ship(order)
        self.assertEqual(order.rakuten_slip_state, "shipped")

        self.sandbox.set_progress(number, 800)
        log = self.run_logged_job("follow")
        self.assertEqual(log.state, "partial", log.message)
        self.assertEqual(order.state, "sale", "not silently cancelled")
        self.assertEqual(picking.state, "done")
        self.assertEqual(order.rakuten_slip_state, "to_confirm")
        self.assertIn(picking.name, order.rakuten_confirm_reasons)
        self.assertFalse(order.rakuten_cancel_reason)
        activity = self.activities(order, summary="cancelled a shipped order")
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesman)
        self.assertIn("after its goods were shipped", str(activity.note))
        self.assertEqual(self.log_line(log, number).outcome, "failed")

        # Not handled again on the next runs.
        for _run in range(2):
            log = self.run_logged_job("follow")
            self.assertEqual(log.state, "done", log.message)
            self.assertFalse(
                log.line_ids.filtered(lambda line: line.order_number == number)
            )
        self.assertEqual(len(self.activities(order)), 1)
        self.assertEqual(order.rakuten_slip_state, "to_confirm")

    # ------------------------------------------------------------------
    # Reliability
    # ------------------------------------------------------------------
    def test_one_bad_order_does_not_stop_the_others(self):
        numbers = [self.add_order(progress=200) for _i in range(3)]
        self.import_orders()
        for number in numbers:
            self.sandbox.set_progress(number, 300)
        bad = numbers[1]
        del self.sandbox.orders[bad]["SettlementModel"]
        with mute_logger("odoo.addons.sale_rakuten.models.rakuten_sync"):
            log = self.run_logged_job("follow")
        self.assertEqual(log.state, "partial", log.message)
        self.assertEqual((log.count_settled, log.count_failed), (2, 1))
        self.assertIn("SettlementModel", self.log_line(log, bad).reason)
        for number in numbers:
            expected = "waiting_payment" if number == bad else "ready"
            self.assertEqual(self.sale_order(number).rakuten_slip_state, expected)

    def test_rms_5xx_during_follow_ends_in_the_log(self):
        number = self.add_order(progress=200)
        self.import_orders()
        self.sandbox.set_progress(number, 300)
        self.sandbox.error_rate_5xx = 1.0
        with (
            self.no_backoff(),
            mute_logger(
                "urllib3.connectionpool", "odoo.addons.sale_rakuten.models.rakuten_sync"
            ),
        ):
            log = self.run_logged_job("follow")
        self.assertEqual(log.state, "failed")
        self.assertEqual(log.message, RmsServerError.default_user_message)
        self.assertGreater(sum(self.sandbox.calls.values()), 1, "the client retried")
        self.assertEqual(self.sale_order(number).rakuten_slip_state, "waiting_payment")

        self.sandbox.error_rate_5xx = 0.0
        log = self.run_logged_job("follow")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(self.sale_order(number).rakuten_slip_state, "ready")
