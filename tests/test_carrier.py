"""The carrier その他 row per basket and the shipping report (※5) through
updateOrderShippingAsync, checked against the RMS sandbox (its stored rows and its call
counters): interrupted runs, RMS failures, several parcels, refused reports.

The jobs commit nothing under test (rakuten.sync decides: only in a cron worker).
"""

from datetime import datetime
from unittest import mock

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.sale_rakuten.rms.client import _RmsRetry

from .common import ConfirmCarrierCase

CONFIRM = "confirmOrder"
GET = "getOrder"
ASYNC = "updateOrderShippingAsync"
RESULT = "getResultUpdateOrderShippingAsync"
QUIET = (
    "odoo.addons.sale_rakuten.models.rakuten_sync",
    "odoo.addons.sale_rakuten.rms.client",
    "urllib3.connectionpool",
)


@tagged("post_install", "-at_install")
class TestCarrierShipping(ConfirmCarrierCase):
    # ------------------------------------------------------------------
    # Carrier その他 row per basket
    # ------------------------------------------------------------------
    def test_carrier_other_row_per_basket(self):
        numbers = self.add_orders(100, progress=100, minutes_ago=45)
        multi = self.add_orders(
            1, progress=100, minutes_ago=45, mix={"packages": {2: 1.0}}
        )[0]
        numbers.append(multi)
        orders = self.imported(numbers)
        self.assertEqual(len(self.sale_order(multi).rakuten_basket_ids), 2)
        self.assertEqual(
            set(orders.rakuten_basket_ids.mapped("carrier_state")), {"todo"}
        )
        self.sandbox.reset_counters()

        with self.wire() as sent:
            log = self.carrier_job()
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(self.sandbox.calls[ASYNC], 2)
        entries = [
            entry for body in sent[ASYNC] for entry in body["OrderShippingModelList"]
        ]
        self.assertTrue(
            all(len(body["OrderShippingModelList"]) <= 100 for body in sent[ASYNC])
        )
        self.assertEqual(
            sorted(entries, key=lambda e: e["orderNumber"]),
            sorted(
                (
                    {
                        "orderNumber": number,
                        "BasketidModelList": [
                            {
                                "basketId": basket,
                                "ShippingModelList": [{"deliveryCompany": "1000"}],
                            }
                            for basket in self.basket_ids(number)
                        ],
                    }
                    for number in numbers
                ),
                key=lambda e: e["orderNumber"],
            ),
        )
        self.assertEqual(
            set(orders.rakuten_basket_ids.mapped("carrier_state")), {"sent"}
        )
        self.assertTrue(all(orders.rakuten_basket_ids.mapped("request_ref")))
        for number in numbers:
            for index, _basket in enumerate(self.basket_ids(number)):
                rows = self.rows(number, index)
                self.assertEqual(len(rows), 1, rows)
                self.assertEqual(rows[0]["deliveryCompany"], "1000")
                self.assertFalse(rows[0]["shippingNumber"] or rows[0]["shippingDate"])

        # The follow job reads the ids RMS gave each row.
        self.sandbox.reset_counters()
        self.follow_job()
        self.assertEqual(
            self.sandbox.calls[RESULT], 0, "the rows are there: no result call needed"
        )
        for order in orders:
            for basket in order.rakuten_basket_ids:
                package = next(
                    p
                    for p in self.sandbox.orders[order.rakuten_order_number][
                        "PackageModelList"
                    ]
                    if str(p["basketId"]) == basket.basket_id
                )
                self.assertEqual(basket.carrier_state, "done")
                self.assertEqual(
                    basket.shipping_detail_refs,
                    str(package["ShippingModelList"][0]["shippingDetailId"]),
                )
        multi_ids = self.sale_order(multi).rakuten_basket_ids.mapped(
            "shipping_detail_refs"
        )
        self.assertEqual(len(set(multi_ids)), 2)

        # Nothing is ever sent twice.
        self.sandbox.reset_counters()
        self.carrier_job()
        self.follow_job()
        self.carrier_job()
        self.assertEqual(self.sandbox.calls[ASYNC], 0)
        self.assertEqual(len(self.rows(multi, 0)) + len(self.rows(multi, 1)), 2)

    def test_interrupted_carrier_job_checks_rms_and_sends_nothing_twice(self):
        numbers = self.add_orders(4, progress=100, minutes_ago=45)
        orders = self.imported(numbers)
        lost_answer = orders.filtered(lambda o: o.rakuten_order_number in numbers[:2])
        never_sent = orders - lost_answer
        # A run marked all four 'sending' (and committed). RMS received the rows of two of them,
        # then the worker died before recording the answer; the other two were never sent.
        for order in orders:
            order.rakuten_basket_ids._rakuten_mark_sending(
                [b._rakuten_payload(self.team)[0] for b in order.rakuten_basket_ids]
            )
        self.assertEqual(
            set(orders.rakuten_basket_ids.mapped("carrier_state")), {"sending"}
        )
        with self.team._rakuten_client() as client:
            client.update_order_shipping_async(
                [
                    {
                        "orderNumber": o.rakuten_order_number,
                        "BasketidModelList": [
                            {
                                "basketId": int(b.basket_id),
                                "ShippingModelList": [{"deliveryCompany": "1000"}],
                            }
                            for b in o.rakuten_basket_ids
                        ],
                    }
                    for o in lost_answer
                ]
            )
        self.sandbox.reset_counters()

        with self.wire() as sent:
            log = self.carrier_job()
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(
            self.sandbox.calls[GET], 1, "one getOrder checks the interrupted baskets"
        )
        self.assertEqual(self.sandbox.calls[ASYNC], 1)
        self.assertEqual(
            sorted(e["orderNumber"] for e in sent[ASYNC][0]["OrderShippingModelList"]),
            sorted(never_sent.mapped("rakuten_order_number")),
        )
        self.assertEqual(
            set(lost_answer.rakuten_basket_ids.mapped("carrier_state")), {"done"}
        )
        for basket in lost_answer.rakuten_basket_ids:
            self.assertEqual(
                basket.shipping_detail_refs,
                str(
                    self.rows(basket.order_id.rakuten_order_number)[0][
                        "shippingDetailId"
                    ]
                ),
            )
        self.assertEqual(
            set(never_sent.rakuten_basket_ids.mapped("carrier_state")), {"sent"}
        )
        for number in numbers:
            self.assertEqual(len(self.rows(number)), 1, "no duplicate row on RMS")

        # A shipping report interrupted the same way is checked too.
        self.follow_job()
        self.team.rakuten_auto_ship_report = True
        order = never_sent[0]
        self.ship(order, "5555-6666")
        basket = order.rakuten_basket_ids
        basket._rakuten_mark_sending(basket._rakuten_payload(self.team))
        self.assertEqual(basket.ship_state, "sending")
        self.sandbox.reset_counters()
        with self.wire() as sent:
            self.carrier_job()
        self.assertEqual(
            self.sandbox.calls[ASYNC], 1, "the report never left: sent once now"
        )
        self.follow_job()
        self.assertEqual(basket.ship_state, "done")
        self.assertEqual(
            [r["shippingNumber"] for r in self.rows(order.rakuten_order_number)],
            ["5555-6666"],
        )

    def test_rms_calls_per_thousand_orders(self):
        numbers = self.add_orders(300, progress=100, minutes_ago=45)
        orders = self.imported(numbers)
        self.sandbox.reset_counters()
        self.confirm_job()
        self.carrier_job()
        self.follow_job()  # verification of the carrier rows
        self.carrier_job()  # nothing left to send
        self.assertEqual(set(orders.mapped("rakuten_confirm_state")), {"done"})
        self.assertEqual(
            set(orders.rakuten_basket_ids.mapped("carrier_state")), {"done"}
        )
        calls = self.sandbox.calls
        counted = calls[CONFIRM] + calls[ASYNC] + calls[RESULT]
        per_thousand = counted * 1000 / len(numbers)
        # The counts are exact (the sandbox counts the calls): asserted, not printed.
        calls_seen = "RMS calls for %d orders: %s" % (len(numbers), dict(calls))
        self.assertEqual((calls[CONFIRM], calls[ASYNC]), (3, 3), calls_seen)
        self.assertLessEqual(per_thousand, 25, calls_seen)

    def test_rms_failures_end_in_the_log_and_nothing_is_lost(self):
        numbers = self.add_orders(3, progress=100, minutes_ago=45)
        orders = self.imported(numbers)
        baskets = orders.rakuten_basket_ids
        with (
            mock.patch.object(_RmsRetry, "get_backoff_time", return_value=0.0),
            mute_logger(*QUIET),
        ):
            for switch in ("error_rate_5xx", "rate_limit_rate"):
                setattr(self.sandbox, switch, 1.0)
                log = self.carrier_job()
                setattr(self.sandbox, switch, 0.0)
                self.assertEqual(log.state, "failed")
                self.assertTrue(log.message)
                self.assertRegex(
                    log.message,
                    r"Rakuten RMS is (unavailable|limiting the request rate)",
                )
                self.assertIn("next scheduled run will try again", log.message)
                self.assertFalse(
                    baskets.filtered(lambda b: b.carrier_state in ("sent", "done"))
                )
            self.sandbox.error_rate_5xx = 1.0
            confirm_log = self.confirm_job()
            self.sandbox.error_rate_5xx = 0.0
        self.assertEqual(confirm_log.state, "failed")
        self.assertTrue(confirm_log.message)
        for number in numbers:
            self.assertEqual(self.rows(number), [], "RMS applied nothing")
            self.assertEqual(self.sandbox.orders[number]["orderProgress"], 100)

        # RMS is back: the next runs send everything, once.
        self.sandbox.reset_counters()
        self.assertEqual(self.carrier_job().state, "done")
        self.assertEqual(self.confirm_job().state, "done")
        self.follow_job()
        self.assertEqual(self.sandbox.calls[ASYNC], 1)
        self.assertEqual(set(baskets.mapped("carrier_state")), {"done"})
        self.assertEqual(set(orders.mapped("rakuten_confirm_state")), {"done"})
        for number in numbers:
            self.assertEqual(len(self.rows(number)), 1)
            self.assertEqual(self.sandbox.orders[number]["orderProgress"], 200)

    # ------------------------------------------------------------------
    # Shipping report (※5)
    # ------------------------------------------------------------------
    def test_shipping_report_overwrites_the_other_row(self):
        self.team.rakuten_auto_ship_report = True
        number = self.add_orders(1, progress=300, minutes_ago=45)[0]
        order = self.imported([number])
        self.set_carrier_rows([number])
        basket = order.rakuten_basket_ids
        other_id = self.rows(number)[0]["shippingDetailId"]
        self.assertEqual(basket.shipping_detail_refs, str(other_id))

        picking = self.ship(order, "1234-5678-9012")
        self.assertEqual(basket.ship_state, "pending")
        self.assertEqual(order.rakuten_slip_state, "shipped")
        self.assertEqual(picking.rakuten_ship_state, "pending")
        # Shipped at 01:30 Japan time on 2 March (16:30 UTC on 1 March).
        picking.date_done = datetime(2025, 3, 1, 16, 30)

        with self.wire() as sent:
            log = self.carrier_job()
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(
            sent[ASYNC],
            [
                {
                    "OrderShippingModelList": [
                        {
                            "orderNumber": number,
                            "BasketidModelList": [
                                {
                                    "basketId": self.basket_ids(number)[0],
                                    "ShippingModelList": [
                                        {
                                            "shippingDetailId": other_id,
                                            "deliveryCompany": "1001",
                                            "shippingNumber": "1234-5678-9012",
                                            "shippingDate": "2025-03-02",
                                        }
                                    ],
                                }
                            ],
                        }
                    ]
                }
            ],
        )
        self.assertEqual(basket.ship_state, "sent")
        self.follow_job()
        self.assertEqual(basket.ship_state, "done")
        rows = self.rows(number)
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(
            {
                k: rows[0][k]
                for k in (
                    "shippingDetailId",
                    "deliveryCompany",
                    "shippingNumber",
                    "shippingDate",
                )
            },
            {
                "shippingDetailId": other_id,
                "deliveryCompany": "1001",
                "shippingNumber": "1234-5678-9012",
                "shippingDate": "2025-03-02",
            },
        )
        self.assertEqual(self.sandbox.orders[number]["orderProgress"], 500)
        self.sandbox.reset_counters()
        self.carrier_job()
        self.assertEqual(self.sandbox.calls[ASYNC], 0)

        # A corrected tracking number later: the same row is updated, not duplicated.
        picking.carrier_tracking_ref = "2222-3333-4444"
        self.assertEqual(basket.ship_state, "pending")
        with self.wire() as sent:
            self.carrier_job()
        [row] = sent[ASYNC][0]["OrderShippingModelList"][0]["BasketidModelList"][0][
            "ShippingModelList"
        ]
        self.assertEqual(
            (row["shippingDetailId"], row["shippingNumber"]),
            (other_id, "2222-3333-4444"),
        )
        self.follow_job()
        self.assertEqual(basket.ship_state, "done")
        rows = self.rows(number)
        self.assertEqual(
            [
                (r["shippingDetailId"], r["deliveryCompany"], r["shippingNumber"])
                for r in rows
            ],
            [(other_id, "1001", "2222-3333-4444")],
        )

    def test_shipping_report_several_parcels(self):
        self.team.rakuten_auto_ship_report = True
        number = self.add_orders(1, progress=300, minutes_ago=45)[0]
        order = self.imported([number])
        self.set_carrier_rows([number])
        other_id = self.rows(number)[0]["shippingDetailId"]
        picking = self.ship(order, "111, 222")
        with self.wire() as sent:
            self.carrier_job()
        [sent_rows] = [
            b["ShippingModelList"]
            for b in sent[ASYNC][0]["OrderShippingModelList"][0]["BasketidModelList"]
        ]
        self.assertEqual(
            [r.get("shippingDetailId") for r in sent_rows], [other_id, None]
        )
        self.follow_job()
        basket = order.rakuten_basket_ids
        self.assertEqual(basket.ship_state, "done")
        rows = self.rows(number)
        self.assertEqual(
            [(r["deliveryCompany"], r["shippingNumber"]) for r in rows],
            [("1001", "111"), ("1001", "222")],
        )
        self.assertEqual(
            basket.shipping_detail_refs,
            ",".join(str(r["shippingDetailId"]) for r in rows),
        )

        # One parcel number corrected: still two rows, the same ids.
        picking.carrier_tracking_ref = "111, 333"
        self.carrier_job()
        self.follow_job()
        rows_after = self.rows(number)
        self.assertEqual(
            [(r["shippingDetailId"], r["shippingNumber"]) for r in rows_after],
            [
                (rows[0]["shippingDetailId"], "111"),
                (rows[1]["shippingDetailId"], "333"),
            ],
        )
        self.assertEqual(basket.ship_state, "done")

    def test_shipping_before_the_other_row_is_verified_uses_its_id(self):
        self.team.rakuten_auto_ship_report = True
        number = self.add_orders(1, progress=300, minutes_ago=45)[0]
        order = self.imported([number])
        order.rakuten_payment_state = "2"
        self.carrier_job()  # その他 row sent, not verified yet
        basket = order.rakuten_basket_ids
        self.assertEqual(basket.carrier_state, "sent")
        self.ship(order, "7777")
        self.carrier_job()
        self.follow_job()
        self.assertEqual(basket.ship_state, "done")
        rows = self.rows(number)
        self.assertEqual(
            [(r["deliveryCompany"], r["shippingNumber"]) for r in rows],
            [("1001", "7777")],
            "the その他 row is overwritten, not left beside the real one",
        )

    def test_shipping_report_off_sends_nothing(self):
        number = self.add_orders(1, progress=300, minutes_ago=45)[0]
        order = self.imported([number])
        self.set_carrier_rows([number])
        self.assertFalse(self.team.rakuten_auto_ship_report)
        self.ship(order, "1234-5678-9012")
        self.assertEqual(order.rakuten_slip_state, "shipped")
        self.assertEqual(order.rakuten_basket_ids.ship_state, "none")
        self.assertTrue(order.rakuten_carrier_is_other)
        self.carrier_job()
        self.follow_job()
        self.assertEqual(self.sandbox.calls[ASYNC], 0)
        self.assertEqual(
            [(r["deliveryCompany"], r["shippingNumber"]) for r in self.rows(number)],
            [("1000", None)],
        )

    def test_refused_shipping_report_shows_and_can_be_retried(self):
        self.team.rakuten_auto_ship_report = True
        number = self.add_orders(1, progress=300, minutes_ago=45)[0]
        order = self.imported([number])
        self.set_carrier_rows([number])
        basket = order.rakuten_basket_ids
        self.sandbox.set_progress(number, 900)  # cancelled on Rakuten meanwhile
        self.sandbox.async_delay_polls = 1
        picking = self.ship(order, "1234-5678-9012")

        log = self.carrier_job()
        self.assertEqual(self.sandbox.calls[ASYNC], 1)
        self.assertEqual(
            log.state, "done", "RMS accepted the request; its result comes later"
        )
        self.assertEqual(basket.ship_state, "sent")
        first = self.follow_job()
        self.assertEqual(self.sandbox.calls[RESULT], 1)
        self.assertEqual(basket.ship_state, "sent", "no result yet")
        self.assertFalse(picking.rakuten_sync_error)
        second = self.follow_job()
        self.assertEqual(self.sandbox.calls[RESULT], 2)
        self.assertEqual(basket.ship_state, "error")
        self.assertIn(
            "ORDER_EXT_API_UPDATE_ORDERSHIPPING_ERROR_102", picking.rakuten_sync_error
        )
        self.assertIn("キャンセル", picking.rakuten_sync_error)
        lines = (first | second).line_ids.filtered(
            lambda line: "ERROR_102" in (line.reason or "")
        )
        self.assertEqual(len(lines), 1, (first | second).line_ids.mapped("reason"))
        self.assertEqual(lines.outcome, "failed")
        self.assertEqual(
            order.rakuten_slip_state,
            "to_confirm",
            "shipped, then cancelled: a person decides",
        )
        self.assertEqual(len(order.activity_ids), 1)
        # RMS said the order is cancelled: resending cannot help, nothing is sent by itself.
        self.sandbox.reset_counters()
        self.carrier_job()
        self.follow_job()
        self.assertEqual(self.sandbox.calls[ASYNC], 0)
        self.assertEqual(
            len(order.activity_ids), 1, "the cancellation is handed over once"
        )

        picking.action_rakuten_retry()
        self.assertEqual(basket.ship_state, "pending")
        self.assertFalse(picking.rakuten_sync_error)

    def test_bad_tracking_number_does_not_stop_the_others(self):
        self.team.rakuten_auto_ship_report = True
        numbers = self.add_orders(2, progress=300, minutes_ago=45)
        orders = self.imported(numbers)
        self.set_carrier_rows(numbers)
        bad, good = self.sale_order(numbers[0]), self.sale_order(numbers[1])
        bad_picking = self.ship(bad, "9" * 121)  # RMS takes at most 120 characters
        self.ship(good, "1234")
        with self.wire() as sent:
            log = self.carrier_job()
        self.assertEqual(
            [e["orderNumber"] for e in sent[ASYNC][0]["OrderShippingModelList"]],
            [numbers[1]],
        )
        self.assertEqual(good.rakuten_basket_ids.ship_state, "sent")
        self.assertEqual(bad.rakuten_basket_ids.ship_state, "error")
        self.assertIn("120", bad_picking.rakuten_sync_error)
        self.assertEqual(self.log_line(log, numbers[0]).outcome, "failed")
        self.assertEqual(log.state, "partial")
        # Corrected on the delivery: reported.
        bad_picking.carrier_tracking_ref = "5678"
        self.carrier_job()
        self.follow_job()
        self.assertEqual(set(orders.rakuten_basket_ids.mapped("ship_state")), {"done"})
