"""入金状況 / 承認状況 changed by hand run the distribution (振り分け) again, both ways, and
show in the chatter."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RakutenCase


@tagged("post_install", "-at_install")
class TestHandChangedMoneyStates(RakutenCase):
    def imported(self, slip_state, payment="card", **fields):
        number = self.add_order(payment=payment, **fields)
        log = self.import_orders()
        order = self.sale_order(number)
        self.assertEqual(
            order.rakuten_slip_state, slip_state, log.line_ids.mapped("reason")
        )
        return order

    def ship(self, order):
        picking = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing"
        )
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        self.assertIs(picking.with_context(skip_sms=True).button_validate(), True)
        self.assertEqual(order.rakuten_slip_state, "shipped")

    def assert_shippable(self, order, shippable):
        picking = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing"
        )
        self.assertEqual(len(picking), 1)
        with self.env.cr.savepoint() as savepoint:
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
            picking.move_ids.picked = True
            if shippable:
                self.assertIs(
                    picking.with_context(skip_sms=True).button_validate(), True
                )
                self.assertEqual(picking.state, "done")
            else:
                with self.assertRaises(UserError):
                    picking.with_context(skip_sms=True).button_validate()
            savepoint.rollback()
        self.env.invalidate_all()

    def tracked(self, order, field):
        """(old, new) values of ``field`` tracked in the order's chatter, oldest first."""
        values = order.message_ids.sudo().tracking_value_ids.filtered(
            lambda t: t.field_id.name == field
        )
        return [(t.old_value_char, t.new_value_char) for t in values.sorted("id")]

    def test_settled_by_hand_moves_on_and_back(self):
        order = self.imported("waiting_payment")
        self.assertEqual(
            (order.rakuten_payment_state, order.rakuten_approval_state), ("0", "10")
        )
        self.assert_shippable(order, False)

        order.rakuten_payment_state = "2"
        self.assertEqual(order.rakuten_slip_state, "ready")
        order.rakuten_approval_state = "30"
        self.assertEqual(order.rakuten_slip_state, "ready")
        self.assert_shippable(order, True)

        # Set back to 未入金: waits for the money again, and cannot ship.
        order.rakuten_payment_state = "0"
        self.assertEqual(order.rakuten_slip_state, "waiting_payment")
        self.assert_shippable(order, False)
        order.rakuten_payment_state = "2"
        self.assertEqual(order.rakuten_slip_state, "ready")

        # Set back to 未承認: the same.
        order.rakuten_approval_state = "10"
        self.assertEqual(order.rakuten_slip_state, "waiting_payment")
        order.rakuten_approval_state = "30"
        self.assertEqual(order.rakuten_slip_state, "ready")

        # Both at once, one of them back: the slip waits.
        order.write({"rakuten_payment_state": "1", "rakuten_approval_state": "30"})
        self.assertEqual(order.rakuten_slip_state, "waiting_payment")

    def test_both_fields_are_tracked(self):
        order = self.imported("waiting_payment")
        self.env.cr.precommit.run()  # the import's own tracking
        order.write({"rakuten_payment_state": "2", "rakuten_approval_state": "30"})
        self.env.cr.precommit.run()  # tracking is written at commit time
        order.rakuten_payment_state = "0"
        self.env.cr.precommit.run()
        self.assertEqual(
            self.tracked(order, "rakuten_payment_state"),
            [("Not paid", "Paid"), ("Paid", "Not paid")],
        )
        self.assertEqual(
            self.tracked(order, "rakuten_approval_state"),
            [("Not approved", "Approved")],
        )
        self.assertEqual(
            self.tracked(order, "rakuten_slip_state")[-2:],
            [
                ("Waiting for Payment", "Ready to Ship"),
                ("Ready to Ship", "Waiting for Payment"),
            ],
        )

    def test_a_check_that_holds_keeps_the_slip_to_confirm(self):
        order = self.imported(
            "to_confirm", remarks="不在の場合は宅配ボックスに入れてください。"
        )
        order.write({"rakuten_payment_state": "2", "rakuten_approval_state": "30"})
        self.assertEqual(order.rakuten_slip_state, "to_confirm")
        order.rakuten_payment_state = "0"
        self.assertEqual(order.rakuten_slip_state, "to_confirm")
        order.action_rakuten_mark_checked()
        self.assertEqual(order.rakuten_slip_state, "waiting_payment")

        # A waiting slip whose check reasons were not cleared by a person goes to 確認待ち.
        order.rakuten_confirm_reasons = "Buyer remarks"
        order.rakuten_payment_state = "2"
        self.assertEqual(order.rakuten_slip_state, "to_confirm")

    def test_shipped_cancelled_and_new_slips_never_move(self):
        shipped = self.imported("ready", payment="cod")
        self.ship(shipped)
        for value in ("0", "2", "1"):
            shipped.rakuten_payment_state = value
            self.assertEqual(shipped.rakuten_slip_state, "shipped")
        shipped.rakuten_approval_state = "10"
        self.assertEqual(shipped.rakuten_slip_state, "shipped")

        cancelled = self.imported("waiting_payment")
        self.sandbox.set_progress(cancelled.rakuten_order_number, 900)
        self.run_cron_job("follow")
        self.assertEqual(cancelled.rakuten_slip_state, "cancel")
        for field, value in (
            ("rakuten_payment_state", "2"),
            ("rakuten_approval_state", "30"),
            ("rakuten_payment_state", "0"),
        ):
            cancelled[field] = value
            self.assertEqual(cancelled.rakuten_slip_state, "cancel")

        self.team.rakuten_manual_confirm = True
        new = self.imported("new", progress=100)
        new.write({"rakuten_payment_state": "2", "rakuten_approval_state": "30"})
        self.assertEqual(new.rakuten_slip_state, "new")

    def test_cod_order_set_unpaid_by_hand_waits(self):
        order = self.imported("ready", payment="cod")
        self.assertEqual(order.rakuten_payment_state, "0")
        order.rakuten_payment_state = "2"
        self.assertEqual(order.rakuten_slip_state, "ready")
        order.rakuten_payment_state = "0"
        self.assertEqual(order.rakuten_slip_state, "waiting_payment")
