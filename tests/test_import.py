from odoo.tests import tagged

from .common import RakutenCase


@tagged("post_install", "-at_install")
class TestImport(RakutenCase):
    def test_plain_card_order_is_imported_reserved_and_waits_for_payment(self):
        number = self.add_order(progress=300, payment="card")
        log = self.import_orders()
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual((log.count_found, log.count_imported), (1, 1))
        order = self.sale_order(number)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.rakuten_slip_state, "waiting_payment")
        self.assertEqual((order.rakuten_payment_state, order.rakuten_approval_state), ("0", "10"))
        raw = self.sandbox.orders[number]
        self.assertEqual(order.amount_total, order.rakuten_expected_amount)
        self.assertEqual(
            order.amount_total,
            raw["requestPrice"] + raw["PointModel"]["usedPoint"] + raw["couponOtherPrice"]
            if raw.get("PointModel") else raw["requestPrice"] + raw["couponOtherPrice"],
        )
        self.assertTrue(order.picking_ids)
        self.assertEqual(order.picking_ids.state, "assigned")
