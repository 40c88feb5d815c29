"""Changes made on Rakuten after import, end to end against the sandbox: the follow-up job
compares what RMS shows with what was imported, and applies the changes (channel option on,
nothing shipped, nothing changed in Odoo meanwhile), holds them for a person (確認待ち, the
buttons Apply Rakuten Changes and Keep Odoo Version) or, after shipping, tells the
salesperson once.

Jobs commit nothing under test (rakuten.sync decides: only in a cron worker).
"""

import json
import re
from contextlib import contextmanager
from datetime import date, timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import RakutenCase

JA, EN = "ja_JP", "en_US"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@tagged("post_install", "-at_install")
class TestChanges(RakutenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang(JA)
        cls.env["ir.module.module"]._load_module_terms(["sale_rakuten"], [JA])
        cls.salesman = cls.env["res.users"].create(
            {
                "name": "Rakuten Salesman",
                "login": "rakuten_changes_salesman",
                "email": "changes@example.com",
                "groups_id": [
                    Command.set([cls.env.ref("sales_team.group_sale_salesman").id])
                ],
            }
        )
        cls.team.user_id = cls.salesman

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def imported(self, **values):
        """A cash-on-delivery order imported as 出荷待ち (nothing holds it); its number and
        its sales order."""
        number = self.add_order(payment="cod", **values)
        self.import_orders()
        order = self.sale_order(number)
        self.assertEqual(
            order.rakuten_slip_state, "ready", order.rakuten_confirm_reasons
        )
        return number, order

    def item_line(self, order):
        return order.order_line.filtered(lambda ln: ln.rakuten_line_kind == "item")[:1]

    def first_detail(self, number):
        return self.sandbox.orders[number]["PackageModelList"][0]["ItemModelList"][0][
            "itemDetailId"
        ]

    def delivery(self, order):
        return order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state != "cancel"
        )

    def follow(self):
        log = self.run_logged_job("follow")
        self.assertIn(log.state, ("done", "partial"), log.message)
        return log

    def counters(self, log):
        return (
            log.count_changes_found,
            log.count_changes_applied,
            log.count_changes_held,
        )

    def read_in(self, record, fname):
        return tuple(
            record.with_context(lang=lang).read([fname])[0][fname] for lang in (JA, EN)
        )

    def notes(self, order, text):
        return order.message_ids.filtered(lambda m: text in str(m.body))

    def ship(self, order):
        picking = self.delivery(order)
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        self.assertIs(picking.with_context(skip_sms=True).button_validate(), True)
        self.assertEqual(order.rakuten_slip_state, "shipped")

    @contextmanager
    def spy_get_order(self):
        asked = []
        original = self.sandbox._op_getOrder

        def spy(request):
            asked.append(list(request.get("orderNumberList") or []))
            return original(request)

        with patch.object(self.sandbox, "_op_getOrder", spy):
            yield asked

    def baseline(self, order):
        return json.loads(order.sudo().rakuten_raw_data)

    # ------------------------------------------------------------------
    # Nothing changed
    # ------------------------------------------------------------------
    def test_no_change_does_nothing_twice(self):
        number, order = self.imported()
        messages = len(order.message_ids)
        for _run in range(2):
            log = self.follow()
            self.assertEqual(self.counters(log), (0, 0, 0))
            self.assertFalse(
                log.line_ids.filtered(lambda ln: ln.order_number == number)
            )
        self.assertEqual(len(order.message_ids), messages)
        self.assertFalse(order.rakuten_change_state)
        self.assertEqual(order.rakuten_slip_state, "ready")

    def test_order_without_raw_data_gets_todays_data_as_baseline(self):
        number, order = self.imported()
        order.sudo().rakuten_raw_data = False
        self.sandbox.modify_order(number, postage=880)
        log = self.follow()
        self.assertEqual(self.counters(log), (0, 0, 0))
        self.assertEqual(
            self.baseline(order)["PackageModelList"][0]["postagePrice"], 880
        )
        self.assertEqual(order.rakuten_slip_state, "ready")

    # ------------------------------------------------------------------
    # Option off: held for a person
    # ------------------------------------------------------------------
    def test_option_off_holds_the_changes_with_a_readable_diff(self):
        number, order = self.imported()
        line = self.item_line(order)
        units = int(line.product_uom_qty)
        self.sandbox.modify_order(
            number, units={self.first_detail(number): units + 2}, by="customer"
        )
        log = self.follow()
        # units, the order total and what the buyer pays
        self.assertEqual(self.counters(log), (3, 0, 3))
        self.assertEqual(order.rakuten_slip_state, "to_confirm")
        self.assertEqual(order.rakuten_change_state, "held")
        self.assertEqual(line.product_uom_qty, units, "nothing applied")
        ja, en = self.read_in(order, "rakuten_change_text")
        self.assertIn("Units (", en)
        self.assertIn("): %d → %d" % (units, units + 2), en)
        self.assertIn("Changed on Rakuten at the buyer's request.", en)
        self.assertIn("does not apply Rakuten changes automatically", en)
        self.assertIn("数量", ja)
        self.assertIn("変更前 %d → 変更後 %d" % (units, units + 2), ja)
        self.assertIn("お客様", ja)
        self.assertNotIn("Units", ja)
        line_ja, line_en = self.read_in(self.log_line(log, number), "reason")
        self.assertIn("wait for a person", line_en)
        self.assertTrue(JAPANESE.search(line_ja))
        self.assertNotIn("wait for a person", line_ja)
        self.assertEqual(len(self.notes(order, "%d → %d" % (units, units + 2))), 1)
        # A second run with no new change says nothing again.
        messages = len(order.message_ids)
        log = self.follow()
        self.assertEqual(self.counters(log), (0, 0, 0))
        self.assertEqual(len(order.message_ids), messages)
        # The Checked button waits for the changes to be handled.
        with self.assertRaises(UserError):
            order.action_rakuten_mark_checked()

    def test_apply_button_applies_to_order_and_delivery(self):
        number, order = self.imported()
        line = self.item_line(order)
        units = int(line.product_uom_qty)
        self.sandbox.modify_order(
            number,
            units={self.first_detail(number): units + 1},
            shipping_term=1416,
            delivery_date=(date.today() + timedelta(days=5)).isoformat(),
        )
        self.follow()
        self.assertEqual(order.rakuten_change_state, "held")
        result = order.with_user(self.salesman).action_rakuten_apply_changes()
        self.assertIs(result, True)
        self.assertEqual(line.product_uom_qty, units + 1)
        self.assertEqual(
            sum(
                line.move_ids.filtered(lambda m: m.state != "cancel").mapped(
                    "product_uom_qty"
                )
            ),
            units + 1,
        )
        self.assertEqual(order.rakuten_delivery_time, "14:00-16:00")
        self.assertEqual(order.commitment_date.date(), date.today() + timedelta(days=5))
        self.assertEqual(order.amount_total, order.rakuten_expected_amount)
        self.assertEqual(
            order.rakuten_slip_state, "ready", order.rakuten_confirm_reasons
        )
        self.assertFalse(order.rakuten_change_state)
        self.assertFalse(order.rakuten_change_text)
        self.assertEqual(
            self.baseline(order)["PackageModelList"][0]["ItemModelList"][0]["units"],
            units + 1,
            "the new RMS data is the baseline",
        )
        applied = self.notes(order, "Rakuten changes applied by")
        self.assertTrue(applied)
        # The note lists the changes, not the reason they were held for.
        self.assertNotIn(
            "does not apply Rakuten changes automatically", str(applied[0].body)
        )
        log = self.follow()
        self.assertEqual(self.counters(log), (0, 0, 0))

    def test_keep_odoo_version_button(self):
        number, order = self.imported()
        total = order.amount_total
        self.sandbox.modify_order(number, postage=990)
        self.follow()
        self.assertEqual(order.rakuten_slip_state, "to_confirm")
        expected = order.rakuten_expected_amount
        order.with_user(self.salesman).action_rakuten_keep_odoo()
        self.assertEqual(order.amount_total, total, "Odoo's order is left as it is")
        # What Rakuten charges is Rakuten's new figure, so the totals no longer agree: the
        # slip waits for a person with the amount check's reason, not 出荷待ち.
        self.assertNotEqual(order.rakuten_expected_amount, expected)
        self.assertEqual(order.rakuten_basket_ids[:1].postage, 990)
        self.assertEqual(order.rakuten_slip_state, "to_confirm")
        ja, en = self.read_in(order, "rakuten_confirm_reasons")
        self.assertIn(str(int(order.rakuten_expected_amount)), en)
        self.assertTrue(JAPANESE.search(ja))
        self.assertFalse(order.rakuten_change_state)
        self.assertEqual(
            self.baseline(order)["PackageModelList"][0]["postagePrice"], 990
        )
        self.assertTrue(self.notes(order, "Odoo version kept by"))
        log = self.follow()
        self.assertEqual(self.counters(log), (0, 0, 0))
        with self.assertRaises(UserError):
            order.action_rakuten_keep_odoo()

    def test_held_diff_is_replaced_when_rms_changes_again(self):
        number, order = self.imported()
        self.sandbox.modify_order(number, postage=990)
        self.follow()
        self.assertIn("990 yen", order.with_context(lang=EN).rakuten_change_text)
        self.sandbox.modify_order(number, postage=1210)
        log = self.follow()
        text = order.with_context(lang=EN).rakuten_change_text
        self.assertIn("1,210 yen", text)
        self.assertNotIn("990 yen", text)
        self.assertEqual(log.count_changes_held, log.count_changes_found)
        self.assertEqual(len(self.log_line(log, number)), 1)

    def test_rms_going_back_releases_the_slip(self):
        number, order = self.imported()
        original = json.loads(json.dumps(self.sandbox.orders[number]))
        self.sandbox.modify_order(number, remarks="置き配希望")
        self.follow()
        self.assertEqual(order.rakuten_slip_state, "to_confirm")
        self.sandbox.replace_order(number, original)
        self.follow()
        self.assertFalse(order.rakuten_change_state)
        self.assertEqual(order.rakuten_slip_state, "ready")

    # ------------------------------------------------------------------
    # Option on: applied automatically
    # ------------------------------------------------------------------
    def test_option_on_applies_every_kind_of_change(self):
        self.team.rakuten_apply_changes = True
        number, order = self.imported()
        line = self.item_line(order)
        units = int(line.product_uom_qty)
        detail = self.first_detail(number)
        new_date = (date.today() + timedelta(days=4)).isoformat()
        self.sandbox.modify_order(
            number,
            units={detail: units + 3},
            prices={detail: 1500},
            postage=1320,
            cod_fee=440,
            coupon_shop=200,
            coupon_rakuten=300,
            points=50,
            recipient={"city": "札幌市北区", "subAddress": "北七条西5-5-5"},
            delivery_date=new_date,
            shipping_term=2,
            remarks="夕方以降にお願いします",
        )
        log = self.follow()
        found, applied, held = self.counters(log)
        self.assertEqual((applied, held), (found, 0), self.log_line(log, number).reason)
        self.assertGreaterEqual(found, 11)
        self.assertEqual(line.product_uom_qty, units + 3)
        self.assertEqual(line.price_unit, 1500)
        kinds = {
            kind: sum(
                ln.price_unit * ln.product_uom_qty
                for ln in order.order_line
                if ln.rakuten_line_kind == kind
            )
            for kind in ("postage", "cod_fee", "shop_coupon")
        }
        self.assertEqual(kinds, {"postage": 1320, "cod_fee": 440, "shop_coupon": -200})
        self.assertEqual(order.rakuten_coupon_amount, 300)
        self.assertEqual(order.rakuten_point_amount, 50)
        self.assertEqual(order.amount_total, order.rakuten_expected_amount)
        self.assertEqual(
            order.rakuten_slip_state, "ready", order.rakuten_confirm_reasons
        )
        picking = self.delivery(order)
        self.assertEqual(
            sum(
                line.move_ids.filtered(lambda m: m.state != "cancel").mapped(
                    "product_uom_qty"
                )
            ),
            units + 3,
        )
        recipient = order.rakuten_basket_ids.partner_id
        self.assertEqual(recipient.city, "札幌市北区")
        self.assertEqual(picking.partner_id, recipient)
        self.assertEqual(order.partner_shipping_id, recipient)
        self.assertNotEqual(order.partner_id.city, "札幌市北区", "the buyer is kept")
        self.assertEqual(fields.Date.to_string(order.commitment_date), new_date)
        self.assertEqual(order.with_context(lang=EN).rakuten_delivery_time, "Afternoon")
        self.assertEqual(order.rakuten_remarks, "夕方以降にお願いします")
        self.assertTrue(self.notes(order, "1,320"))
        self.assertEqual(
            self.baseline(order)["PackageModelList"][0]["postagePrice"], 1320
        )
        log = self.follow()
        self.assertEqual(self.counters(log), (0, 0, 0))

    def test_option_on_amount_check_runs_again(self):
        """A change whose lines do not add up to Rakuten's total (here: RMS's total moved
        but no line did) sends the slip to 確認待ち after applying."""
        self.team.rakuten_apply_changes = True
        number, order = self.imported()
        self.sandbox.orders[number]["requestPrice"] += 100
        self.sandbox.orders[number]["totalPrice"] += 100
        self.follow()
        self.assertEqual(order.rakuten_slip_state, "to_confirm")
        self.assertIn(
            "differs from Rakuten", order.with_context(lang=EN).rakuten_confirm_reasons
        )
        self.assertFalse(order.rakuten_change_state)

    def test_staff_change_in_odoo_is_never_overwritten(self):
        self.team.rakuten_apply_changes = True
        number, order = self.imported()
        line = self.item_line(order)
        units = int(line.product_uom_qty)
        line.product_uom_qty = units + 5  # staff, in Odoo
        self.sandbox.modify_order(number, units={self.first_detail(number): units + 1})
        log = self.follow()
        self.assertEqual(log.count_changes_applied, 0)
        self.assertEqual(line.product_uom_qty, units + 5)
        self.assertEqual(order.rakuten_change_state, "held")
        ja, en = self.read_in(order, "rakuten_change_text")
        self.assertIn("was changed in Odoo too (now %d)" % (units + 5), en)
        self.assertIn("Odoo", ja)
        self.assertTrue(JAPANESE.search(ja))

    def test_staff_changed_address_is_held(self):
        self.team.rakuten_apply_changes = True
        number, order = self.imported()
        self.delivery(order).partner_id = self.env["res.partner"].create(
            {"name": "倉庫留め", "city": "川崎市"}
        )
        self.sandbox.modify_order(number, recipient={"city": "千代田区"})
        self.follow()
        self.assertEqual(order.rakuten_change_state, "held")
        self.assertIn(
            "changed in Odoo too", order.with_context(lang=EN).rakuten_change_text
        )

    def test_item_with_unknown_product_is_never_applied(self):
        self.team.rakuten_apply_changes = True
        number, order = self.imported()
        # The item added on Rakuten is one Odoo has no product for (any more).
        sku = self.sandbox.catalog[0].variants[0].merchant_defined_sku_id
        self.products.filtered(lambda p: p.default_code == sku).default_code = "gone"
        self.sandbox.modify_order(number, add_item=(0, 1))
        self.follow()
        self.assertEqual(order.rakuten_change_state, "held")
        self.assertIn(
            "matches no product", order.with_context(lang=EN).rakuten_change_text
        )
        lines = len(order.order_line)
        order.action_rakuten_apply_changes()
        self.assertEqual(len(order.order_line), lines + 1)
        self.assertTrue(order.order_line.filtered("rakuten_unmatched"))
        self.assertEqual(
            order.rakuten_slip_state, "to_confirm", "the unmatched item holds it"
        )

    def test_item_added_with_known_product_is_applied(self):
        self.team.rakuten_apply_changes = True
        number, order = self.imported()
        lines = order.order_line.filtered(lambda ln: ln.rakuten_line_kind == "item")
        self.sandbox.modify_order(number, add_item=(0, 2))
        self.follow()
        self.assertFalse(order.rakuten_change_state, order.rakuten_change_text)
        added = (
            order.order_line.filtered(lambda ln: ln.rakuten_line_kind == "item") - lines
        )
        self.assertEqual(added.product_uom_qty, 2)
        self.assertFalse(added.rakuten_unmatched)
        self.assertIn(added.product_id, self.delivery(order).move_ids.product_id)

    def test_undetermined_amount_is_never_applied(self):
        self.team.rakuten_apply_changes = True
        number, order = self.imported()
        self.sandbox.undetermine_postage(number)
        self.follow()
        self.assertEqual(order.rakuten_change_state, "held")
        self.assertIn("not determined", order.with_context(lang=EN).rakuten_change_text)

    # ------------------------------------------------------------------
    # After shipping
    # ------------------------------------------------------------------
    def test_after_shipping_an_activity_once_and_nothing_changed(self):
        self.team.rakuten_apply_changes = True
        number, order = self.imported()
        self.ship(order)
        self.sandbox.set_progress(number, 500)
        total = order.amount_total
        self.sandbox.modify_order(number, postage=770)
        log = self.follow()
        self.assertEqual(self.counters(log)[1:], (0, log.count_changes_found))
        self.assertEqual(order.amount_total, total)
        self.assertEqual(order.rakuten_slip_state, "shipped")
        self.assertEqual(order.rakuten_change_state, "announced")
        activities = order.activity_ids.filtered(
            lambda a: (
                a.user_id == self.salesman and "shipped order" in (a.summary or "")
            )
        )
        self.assertEqual(len(activities), 1)
        self.assertIn("770", str(activities.note))
        self.assertTrue(self.notes(order, "after a delivery was done"))
        log = self.follow()
        self.assertEqual(self.counters(log), (0, 0, 0))
        self.assertEqual(len(order.activity_ids), 1, "announced once")
        with self.assertRaises(UserError):
            order.action_rakuten_apply_changes()

    def test_after_shipping_no_kind_of_change_is_applied(self):
        self.team.rakuten_apply_changes = True
        number, order = self.imported()
        self.ship(order)
        line = self.item_line(order)
        before = (
            line.product_uom_qty,
            line.price_unit,
            order.amount_total,
            order.partner_shipping_id,
            order.commitment_date,
            order.rakuten_delivery_time,
            order.rakuten_remarks,
            order.rakuten_point_amount,
        )
        detail = self.first_detail(number)
        self.sandbox.modify_order(
            number,
            units={detail: int(line.product_uom_qty) + 1},
            prices={detail: 999},
            cod_fee=660,
            points=30,
            recipient={"city": "函館市"},
            delivery_date=(date.today() + timedelta(days=9)).isoformat(),
            shipping_term=9,
            remarks="再配達希望",
        )
        log = self.follow()
        self.assertGreaterEqual(log.count_changes_found, 9)
        self.assertEqual(log.count_changes_applied, 0)
        self.assertEqual(log.count_changes_held, log.count_changes_found)
        self.assertEqual(
            before,
            (
                line.product_uom_qty,
                line.price_unit,
                order.amount_total,
                order.partner_shipping_id,
                order.commitment_date,
                order.rakuten_delivery_time,
                order.rakuten_remarks,
                order.rakuten_point_amount,
            ),
        )
        ja, en = self.read_in(order, "rakuten_change_text")
        self.assertIn("Address", en)
        self.assertIn("住所", ja)
        self.assertEqual(len(order.activity_ids), 1)

    def test_apply_button_refused_once_a_delivery_is_done(self):
        number, order = self.imported()
        self.sandbox.modify_order(number, postage=770)
        self.follow()
        self.assertEqual(order.rakuten_change_state, "held")
        # the goods left anyway (a person forced the delivery through)
        self.delivery(order).state = "done"
        with self.assertRaises(UserError):
            order.action_rakuten_apply_changes()

    # ------------------------------------------------------------------
    # Which orders are re-read
    # ------------------------------------------------------------------
    def test_open_and_recent_shipped_orders_are_re_read(self):
        open_number, _open = self.imported()
        shipped_number, shipped = self.imported()
        old_number, old = self.imported()
        for number, order in ((shipped_number, shipped), (old_number, old)):
            self.ship(order)
            self.sandbox.set_progress(number, 500)
        old.rakuten_order_datetime = fields.Datetime.now() - timedelta(days=31)
        self.follow()  # the progress is read back
        with self.spy_get_order() as asked:
            self.follow()
        self.assertEqual(len(asked), 1)
        self.assertEqual(set(asked[0]), {open_number, shipped_number})

    def test_readable_in_the_form(self):
        number, order = self.imported()
        self.sandbox.modify_order(number, shipping_term=1)
        self.follow()
        form = Form(order.with_context(lang=JA))
        self.assertIn("午前", form.rakuten_change_text)
