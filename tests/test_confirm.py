"""Auto-confirm (confirmOrder) against the RMS sandbox (its stored orders and its call
counters): in bulk, with refusals, the cancellation window, a run interrupted halfway.

The jobs commit nothing under test (rakuten.sync decides: only in a cron worker).
"""

import copy
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import ConfirmCarrierCase

CONFIRM = "confirmOrder"
GET = "getOrder"


@tagged("post_install", "-at_install")
class TestConfirm(ConfirmCarrierCase):
    # ------------------------------------------------------------------
    # Auto-confirm
    # ------------------------------------------------------------------
    def test_confirm_150_orders_in_two_calls_with_refusals(self):
        numbers = self.add_orders(150, progress=100, payment="card", minutes_ago=45)
        orders = self.imported(numbers)
        self.assertEqual(set(orders.mapped("rakuten_confirm_state")), {"todo"})
        cancelled, no_postage = numbers[3], numbers[77]
        self.sandbox.set_progress(cancelled, 900)
        original = self.sandbox.undetermine_postage(no_postage)
        self.sandbox.reset_counters()

        with self.wire() as sent:
            log = self.confirm_job()
        self.assertEqual(self.sandbox.calls[CONFIRM], 2)
        batches = [body["orderNumberList"] for body in sent[CONFIRM]]
        self.assertTrue(
            all(len(batch) <= 100 for batch in batches), [len(b) for b in batches]
        )
        self.assertEqual(sorted(n for batch in batches for n in batch), sorted(numbers))
        self.assertEqual(log.state, "partial", log.message)

        confirmed = orders.filtered(
            lambda o: o.rakuten_order_number not in (cancelled, no_postage)
        )
        self.assertEqual(len(confirmed), 148)
        self.assertEqual(set(confirmed.mapped("rakuten_confirm_state")), {"done"})
        self.assertEqual(set(confirmed.mapped("rakuten_order_progress")), {"200"})
        self.assertEqual(
            {
                self.sandbox.orders[n]["orderProgress"]
                for n in confirmed.mapped("rakuten_order_number")
            },
            {200},
        )

        gone = self.sale_order(cancelled)
        self.assertEqual(gone.rakuten_confirm_state, "error")
        self.assertIn(
            "ORDER_EXT_API_CONFIRM_ORDER_ERROR_102", gone.rakuten_confirm_error
        )
        self.assertIn(
            "既にキャンセルされています", gone.rakuten_confirm_error
        )  # RMS's own message
        self.assertEqual(self.log_line(log, cancelled).outcome, "failed")
        self.assertIn("ERROR_102", self.log_line(log, cancelled).reason)

        waiting = self.sale_order(no_postage)
        self.assertEqual(waiting.rakuten_confirm_state, "todo")
        self.assertIn(
            "ORDER_EXT_API_CONFIRM_ORDER_ERROR_105", waiting.rakuten_confirm_error
        )
        self.assertEqual(self.log_line(log, no_postage).outcome, "deferred")
        self.assertIn("送料が未確定", self.log_line(log, no_postage).reason)

        # Next run: only the order whose postage is missing is sent again, never the cancelled one.
        self.sandbox.reset_counters()
        with self.wire() as sent:
            self.confirm_job()
        self.assertEqual(
            [body["orderNumberList"] for body in sent[CONFIRM]], [[no_postage]]
        )
        self.assertEqual(waiting.rakuten_confirm_state, "todo")

        # The shop sets the postage in RMS: the run after confirms it.
        self.sandbox.orders[no_postage].update(copy.deepcopy(original))
        self.sandbox.reset_counters()
        with self.wire() as sent:
            self.confirm_job()
        self.assertEqual(
            [body["orderNumberList"] for body in sent[CONFIRM]], [[no_postage]]
        )
        self.assertEqual(
            (waiting.rakuten_confirm_state, waiting.rakuten_order_progress),
            ("done", "200"),
        )
        self.assertFalse(waiting.rakuten_confirm_error)
        self.assertEqual(self.sandbox.orders[no_postage]["orderProgress"], 200)
        self.assertEqual(gone.rakuten_confirm_state, "error")

        # Nothing left: no call at all.
        self.sandbox.reset_counters()
        self.confirm_job()
        self.assertEqual(self.sandbox.calls[CONFIRM], 0)

    def test_manual_confirm_channel_never_confirms(self):
        before = self.add_orders(1, progress=100, minutes_ago=45)[0]
        order_before = self.imported([before])
        self.assertEqual(order_before.rakuten_confirm_state, "todo")
        self.team.rakuten_manual_confirm = True  # ※3
        after = self.add_orders(1, progress=100, minutes_ago=45)[0]
        order_after = self.imported([after])
        self.assertEqual(order_after.rakuten_slip_state, "new")
        self.assertEqual(order_after.rakuten_confirm_state, "none")
        self.sandbox.reset_counters()

        log = self.confirm_job()
        self.assertFalse(log, "a channel with ※3 is not even visited")
        self.assertEqual(self.sandbox.calls[CONFIRM], 0)
        self.assertEqual(self.sandbox.orders[before]["orderProgress"], 100)
        self.assertEqual(self.sandbox.orders[after]["orderProgress"], 100)

    def test_confirm_waits_for_the_cancellation_window_except_asuraku(self):
        self.team.rakuten_wait_minutes = 5
        young = self.add_orders(1, progress=100, minutes_ago=10)[0]
        asuraku = self.add_orders(
            1, progress=100, minutes_ago=10, mix={"asuraku": 1.0}
        )[0]
        orders = self.imported([young, asuraku])
        self.assertEqual(set(orders.mapped("rakuten_confirm_state")), {"todo"})
        self.team.rakuten_wait_minutes = 30
        self.sandbox.reset_counters()

        with self.wire() as sent:
            self.confirm_job()
        self.assertEqual(
            [body["orderNumberList"] for body in sent[CONFIRM]], [[asuraku]]
        )
        self.assertEqual(self.sale_order(asuraku).rakuten_confirm_state, "done")
        self.assertEqual(self.sale_order(young).rakuten_confirm_state, "todo")
        self.assertEqual(self.sandbox.orders[young]["orderProgress"], 100)

        # 31 minutes after ordering, the order goes.
        self.sale_order(young).rakuten_order_datetime = (
            fields.Datetime.now() - timedelta(minutes=31)
        )
        with self.wire() as sent:
            self.confirm_job()
        self.assertEqual([body["orderNumberList"] for body in sent[CONFIRM]], [[young]])
        self.assertEqual(self.sale_order(young).rakuten_confirm_state, "done")

    def test_interrupted_confirm_checks_rms_and_sends_nothing_twice(self):
        numbers = self.add_orders(4, progress=100, minutes_ago=45)
        orders = self.imported(numbers)
        # A run marked the four, RMS confirmed two of them, then the worker died; meanwhile the
        # buyer cancelled the fourth.
        orders.write({"rakuten_confirm_state": "sending"})
        self.sandbox.set_progress(numbers[0], 200)
        self.sandbox.set_progress(numbers[1], 200)
        self.sandbox.set_progress(numbers[3], 900)
        self.sandbox.reset_counters()

        with self.wire() as sent:
            log = self.confirm_job()
        self.assertEqual(self.sandbox.calls[GET], 1)
        self.assertEqual(
            [body["orderNumberList"] for body in sent[CONFIRM]], [[numbers[2]]]
        )
        cancelled = self.sale_order(numbers[3])
        self.assertEqual(
            cancelled.rakuten_confirm_state, "error", "not recorded as confirmed"
        )
        self.assertIn("cancelled", cancelled.rakuten_confirm_error)
        self.assertEqual(self.log_line(log, numbers[3]).outcome, "failed")
        orders -= cancelled
        self.assertEqual(set(orders.mapped("rakuten_confirm_state")), {"done"})
        self.assertEqual(set(orders.mapped("rakuten_order_progress")), {"200"})
        self.assertEqual(self.log_line(log, numbers[0]).outcome, "done")
        self.sandbox.reset_counters()
        self.confirm_job()
        self.assertEqual(sum(self.sandbox.calls.values()), 0)
