"""Stock to Rakuten (※6 在庫連携), end to end: the changed-only push, safety stock / allocation /
cap, the no-oversell design, interrupted pushes, the migration gate, and the nightly check.

RMS's Inventory API and its stock, which Rakuten orders take from at order time, are the
sandbox's; jobs run as the scheduler runs them, without commits (tests never commit).
"""

from datetime import timedelta
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.sale_rakuten.rms.client import RmsClient
from odoo.addons.sale_rakuten.rms.exceptions import RmsBadRequestError, RmsServerError
from odoo.addons.sale_rakuten.rms.stock import StockRule
from odoo.addons.sale_rakuten.tools.rms_sandbox import CATALOG

from .common import RakutenCase


class StockMixin:
    """A channel that sends stock, every catalogue SKU mapped to its product (1,000 units in
    the warehouse), and helpers that act as RMS, buyers and the warehouse do."""

    initial_rms = 100000

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ja_JP")
        cls.env["ir.module.module"]._load_module_terms(["sale_rakuten"], ["ja_JP"])
        cls.team.write({"rakuten_sku_migrated": True, "rakuten_stock_push": True})
        Sku = cls.env["rakuten.sku"]
        cls.skus = Sku
        by_code = {p.default_code: p for p in cls.products}
        for manage, variant, code in cls.catalog_skus():
            if not code or code not in by_code:
                continue
            cls.skus |= Sku.create(
                {
                    "team_id": cls.team.id,
                    "manage_number": manage,
                    "variant_id": variant,
                    "sku_number": code,
                    "product_id": by_code[code].id,
                }
            )

    def setUp(self):
        super().setUp()
        self.env["rakuten.stock.change"]._rakuten_flush()
        self.env["rakuten.stock.change"].search([]).unlink()
        self.env.cr.postcommit.data.pop("sale_rakuten.ir_cron_rakuten_push_stock", None)
        self.reset_rms_stock()

    # -- RMS ---------------------------------------------------------------------------------
    @classmethod
    def catalog_skus(cls):
        for entry in CATALOG:
            for variant in entry.variants:
                yield (
                    entry.manage_number,
                    variant.variant_id,
                    variant.merchant_defined_sku_id,
                )

    def reset_rms_stock(self):
        """RMS's stock of every catalogue SKU back to ``initial_rms`` (the sandbox lives for
        the whole class)."""
        self.sandbox.sku_migrated = True
        for manage, variant, _code in self.catalog_skus():
            self.sandbox.set_stock(manage, variant, self.initial_rms)

    def rms_quantity(self, sku):
        return self.sandbox.stock.get(sku._key())

    def set_rms_quantity(self, sku, quantity):
        self.sandbox.set_stock(sku.manage_number, sku.variant_id, quantity)

    def upsert_calls(self):
        return self.sandbox.calls["inventories.bulk.upsert"]

    def place_rakuten_order(self, sku, units):
        """A buyer orders ``units`` of ``sku`` on Rakuten now: RMS takes them off its stock."""
        number = self.sandbox.place_order([(sku.manage_number, sku.variant_id, units)])
        self.assertTrue(number, "RMS had the stock")
        return number

    def cancel_rakuten_order(self, number):
        self.sandbox.set_progress(number, 900)  # RMS gives the units back

    def import_placed(self, number):
        """Time passes (the 30-minute wait), then the import runs."""
        self.sandbox.age_order(number, timedelta(minutes=40))
        self.import_orders()

    # -- Odoo ---------------------------------------------------------------------------------
    def push(self):
        log = self.env["rakuten.sync"]._run("stock", self.team)
        self.env.invalidate_all()
        return log

    def check(self):
        log = self.env["rakuten.sync"]._run("stock_check", self.team)
        self.env.invalidate_all()
        return log

    def receive(self, product, quantity):
        self.env["stock.quant"]._update_available_quantity(
            product, self.warehouse.lot_stock_id, quantity
        )

    def deliver(self, product, quantity, validate=True):
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "product_uom": product.uom_id.id,
                            "location_id": self.warehouse.lot_stock_id.id,
                            "location_dest_id": self.env.ref(
                                "stock.stock_location_customers"
                            ).id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        if validate:
            picking.move_ids.picked = True
            picking.button_validate()
        return picking


@tagged("post_install", "-at_install")
class TestStockPush(StockMixin, RakutenCase):
    # ------------------------------------------------------------------
    # Changed-only push
    # ------------------------------------------------------------------
    def test_first_push_sends_every_sku_then_nothing_until_stock_changes(self):
        log = self.push()
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(log.count_stock_pushed, len(self.skus))
        for sku in self.skus:
            self.assertEqual(self.rms_quantity(sku), 1000)
            self.assertEqual(
                (sku.stock_state, sku.stock_sent, sku.stock_rakuten),
                ("sent", 1000, 1000),
            )
            self.assertTrue(sku.stock_sent_date)
        upserts = self.upsert_calls()
        log = self.push()
        self.assertEqual(
            log.count_found, 0, "nothing changed: no SKU is even looked at"
        )
        self.assertEqual(log.count_stock_pushed, 0)
        self.assertEqual(self.upsert_calls(), upserts, "nothing is sent")
        # A receipt of 5 units of one product: that SKU only.
        sku = self.skus[0]
        self.receive(sku.product_id, 5)
        log = self.push()
        self.assertEqual((log.count_found, log.count_stock_pushed), (1, 1))
        self.assertEqual(self.rms_quantity(sku), 1005)
        self.assertEqual(sku.stock_sent, 1005)
        self.assertEqual(self.upsert_calls(), upserts + 1)

    def test_a_sku_whose_quantity_rakuten_already_has_is_not_sent(self):
        self.push()
        sku = self.skus[1]
        self.receive(sku.product_id, 3)
        self.set_rms_quantity(sku, 1003)  # someone already set it in RMS
        upserts = self.upsert_calls()
        log = self.push()
        self.assertEqual(
            (log.count_found, log.count_stock_pushed, log.count_stock_unchanged),
            (1, 0, 1),
        )
        self.assertEqual(self.upsert_calls(), upserts)
        self.assertEqual(sku.stock_state, "sent")

    def test_validated_delivery_queues_its_skus_and_triggers_the_push(self):
        self.push()
        sku = self.skus[2]
        cron = self.env.ref("sale_rakuten.ir_cron_rakuten_push_stock")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        picking = self.deliver(sku.product_id, 4)
        self.env["rakuten.stock.change"]._rakuten_flush()
        self.assertEqual(self.env["rakuten.stock.change"].search([]).sku_id, sku)
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers,
        )
        self.assertEqual(picking.state, "done")
        self.push()
        self.assertEqual(self.rms_quantity(sku), 996)
        self.assertFalse(
            self.env["rakuten.stock.change"].search([]), "the queue is consumed"
        )

    def test_reservation_and_unreservation_change_the_quantity(self):
        self.push()
        sku = self.skus[0]
        picking = self.deliver(sku.product_id, 10, validate=False)
        self.push()
        self.assertEqual(
            self.rms_quantity(sku), 990, "reserved for an Odoo delivery: not offered"
        )
        picking.do_unreserve()
        self.push()
        self.assertEqual(
            self.rms_quantity(sku), 990, "unreserved, the delivery still needs it"
        )
        picking.action_cancel()
        self.push()
        self.assertEqual(self.rms_quantity(sku), 1000)

    def test_inventory_adjustment_changes_the_quantity(self):
        self.push()
        sku = self.skus[0]
        quant = self.env["stock.quant"].search(
            [
                ("product_id", "=", sku.product_id.id),
                ("location_id", "=", self.warehouse.lot_stock_id.id),
            ]
        )
        quant.inventory_quantity = 7
        quant.action_apply_inventory()
        self.push()
        self.assertEqual(self.rms_quantity(sku), 7)

    # ------------------------------------------------------------------
    # Safety stock, allocation rate, cap
    # ------------------------------------------------------------------
    def test_channel_rule_and_sku_override(self):
        self.team.write({"rakuten_stock_safety": 100, "rakuten_stock_rate": 50})
        own = self.skus[1]
        own.write(
            {
                "stock_override": True,
                "stock_safety": 0,
                "stock_rate": 100,
                "stock_use_cap": True,
                "stock_cap": 30,
            }
        )
        self.push()
        self.assertEqual(self.rms_quantity(self.skus[0]), 450, "(1000 - 100) x 50 %")
        self.assertEqual(self.rms_quantity(own), 30, "its own rule: capped at 30")
        # Changing the channel's rule checks its SKUs again, not those with their own rule.
        self.team.write({"rakuten_stock_use_cap": True, "rakuten_stock_cap": 0})
        log = self.push()
        self.assertEqual(log.count_found, len(self.skus) - 1)
        self.assertEqual(self.rms_quantity(self.skus[0]), 0, "cap 0 offers nothing")
        self.assertEqual(self.rms_quantity(own), 30)
        self.team.write({"rakuten_stock_use_cap": False, "rakuten_stock_rate": 0})
        self.push()
        self.assertEqual(self.rms_quantity(self.skus[0]), 0, "0 % offers nothing")

    def test_channel_form_stock_group(self):
        """The settings a merchant fills in on the channel's Rakuten page."""
        self.team.rakuten_stock_push = False
        with Form(self.team) as form:
            form.rakuten_stock_push = True
            form.rakuten_stock_safety = 2
            form.rakuten_stock_rate = 80
            form.rakuten_stock_use_cap = True
            form.rakuten_stock_cap = 50
        self.assertEqual(
            self.skus[0]._stock_rule(), StockRule(safety=2, rate=80, cap=50)
        )
        self.assertTrue(self.team.rakuten_stock_push_since)
        with Form(self.team) as form:
            form.rakuten_stock_use_cap = False
            with self.assertRaises(AssertionError):
                form.rakuten_stock_cap = 5  # hidden without the limit
        self.assertEqual(self.skus[0]._stock_rule().cap, None)

    def test_stock_rule_values_are_checked(self):
        for values in (
            {"rakuten_stock_rate": 101},
            {"rakuten_stock_rate": -1},
            {"rakuten_stock_safety": -1},
            {"rakuten_stock_cap": -2},
        ):
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                self.team.write(values)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.skus[0].write({"stock_rate": 150})

    # ------------------------------------------------------------------
    # No oversell
    # ------------------------------------------------------------------
    def test_order_on_rakuten_not_imported_yet_is_not_given_back(self):
        """RMS took 3 units at order time; Odoo has not imported the order (it waits 30
        minutes). A receipt of 2 units is pushed meanwhile: Rakuten gets +2, never the 3 back."""
        self.push()
        sku = self.skus[0]
        number = self.place_rakuten_order(sku, 3)
        self.assertEqual(self.rms_quantity(sku), 997)
        self.receive(sku.product_id, 2)
        log = self.push()
        self.assertEqual(self.rms_quantity(sku), 999, "1000 + 2 - 3")
        self.assertEqual(sku.stock_held, 3)
        self.assertTrue(
            self.env["rakuten.stock.hold"].search([("order_number", "=", number)])
        )
        self.assertEqual(log.state, "done")
        # Once imported (and reserved), the order holds nothing more and nothing changes.
        self.import_placed(number)
        self.assertTrue(self.sale_order(number))
        log = self.push()
        self.assertEqual(self.rms_quantity(sku), 999)
        self.assertEqual(log.count_stock_pushed, 0)
        self.assertFalse(
            self.env["rakuten.stock.hold"].search([("order_number", "=", number)])
        )
        self.assertEqual(sku.stock_held, 0)

    def test_order_placed_while_the_push_is_under_way_is_not_given_back(self):
        """An order placed after the push read RMS's quantity and before its row arrives: the
        row is a difference, RMS applies it on top of the order."""
        self.push()
        sku = self.skus[0]
        self.receive(sku.product_id, 10)
        original = RmsClient.adjust_inventories
        placed = []

        def upsert(client, rows, *args, **kwargs):
            if not placed:
                placed.append(self.place_rakuten_order(sku, 4))
            return original(client, rows, *args, **kwargs)

        with patch.object(RmsClient, "adjust_inventories", upsert):
            self.push()
        self.assertEqual(
            self.rms_quantity(sku), 1006, "1000 + 10 - 4: the order's units stay sold"
        )

    def test_cancelled_order_on_rakuten_is_offered_again(self):
        self.push()
        sku = self.skus[0]
        number = self.place_rakuten_order(sku, 2)
        self.receive(sku.product_id, 1)
        self.push()
        self.assertEqual(self.rms_quantity(sku), 999)
        self.cancel_rakuten_order(number)
        self.assertEqual(self.rms_quantity(sku), 1001, "RMS restored the units")
        self.receive(sku.product_id, 1)
        self.push()
        self.assertEqual(self.rms_quantity(sku), 1002)
        self.assertEqual(sku.stock_held, 0)

    def test_cancelled_order_rakuten_did_not_restock_is_offered_by_the_next_run(self):
        """An order cancelled on Rakuten without restocking (在庫戻しなし): Odoo still has the
        goods. Nothing changed in Odoo, yet the SKU is queued and the next push offers them."""
        self.push()
        sku = self.skus[0]
        number = self.place_rakuten_order(sku, 2)
        upserts = self.upsert_calls()
        self.push()  # finds the order: its SKU is queued
        self.push()  # checks it: Rakuten already took the 2 units off, nothing to send
        self.assertEqual(sku.stock_held, 2)
        self.assertEqual(self.rms_quantity(sku), 998)
        self.assertEqual(self.upsert_calls(), upserts)
        self.cancel_rakuten_order(number)
        self.set_rms_quantity(sku, 998)  # RMS kept them off its stock
        log = self.push()
        self.assertEqual(log.count_found, 0, "nothing changed in Odoo")
        self.assertTrue(
            self.env["rakuten.stock.change"].search([("sku_id", "=", sku.id)])
        )
        self.push()
        self.assertEqual(self.rms_quantity(sku), 1000)
        self.assertEqual(sku.stock_held, 0)

    def test_change_made_while_a_push_runs_is_kept_for_the_next(self):
        """The queue rows a push read are the ones it deletes: a stock change committed while
        it runs keeps its row."""
        self.push()
        first, second = self.skus[0], self.skus[1]
        self.receive(first.product_id, 1)
        Sku = type(self.env["rakuten.sku"])
        original = Sku._stock_push_batch

        def batch_then_change(records, *args, **kwargs):
            result = original(records, *args, **kwargs)
            self.receive(second.product_id, 4)
            self.env["rakuten.stock.change"]._rakuten_flush()
            return result

        with patch.object(Sku, "_stock_push_batch", batch_then_change):
            self.push()
        self.assertEqual(self.rms_quantity(first), 1001)
        self.assertEqual(self.env["rakuten.stock.change"].search([]).sku_id, second)
        self.push()
        self.assertEqual(self.rms_quantity(second), 1004)

    # ------------------------------------------------------------------
    # Interrupted push, failures
    # ------------------------------------------------------------------
    def test_push_that_timed_out_after_rakuten_applied_it_is_not_applied_twice(self):
        self.push()
        sku = self.skus[0]
        self.receive(sku.product_id, 5)
        original = RmsClient.adjust_inventories

        def applied_then_timeout(client, rows, *args, **kwargs):
            original(client, rows, *args, **kwargs)
            raise RmsServerError("timed out", operation="inventories.bulk-upsert")

        with (
            patch.object(RmsClient, "adjust_inventories", applied_then_timeout),
            mute_logger(
                "odoo.addons.sale_rakuten.models.rakuten_sku",
                "odoo.addons.sale_rakuten.models.rakuten_sync",
            ),
        ):
            log = self.push()
        self.assertEqual(log.state, "failed")
        self.assertEqual(sku.stock_state, "error")
        self.assertEqual(self.rms_quantity(sku), 1005)
        log = self.push()
        self.assertEqual(
            self.rms_quantity(sku),
            1005,
            "read again: the difference is 0, nothing resent",
        )
        self.assertEqual(
            (log.count_found, log.count_stock_pushed, log.count_stock_unchanged),
            (1, 0, 1),
        )
        self.assertEqual(sku.stock_state, "sent")

    def test_push_interrupted_before_rakuten_applied_it_is_sent_by_the_next_run(self):
        self.push()
        sku = self.skus[0]
        self.receive(sku.product_id, 5)

        def refused(client, rows, *args, **kwargs):
            raise RmsServerError(
                "connection failed", operation="inventories.bulk-upsert"
            )

        with (
            patch.object(RmsClient, "adjust_inventories", refused),
            mute_logger(
                "odoo.addons.sale_rakuten.models.rakuten_sku",
                "odoo.addons.sale_rakuten.models.rakuten_sync",
            ),
        ):
            self.push()
        self.assertEqual(self.rms_quantity(sku), 1000)
        self.assertTrue(
            self.env["rakuten.stock.change"].search([("sku_id", "=", sku.id)]),
            "the change stays queued",
        )
        self.push()
        self.assertEqual(self.rms_quantity(sku), 1005)

    def test_one_sku_rakuten_refuses_never_holds_the_others_back(self):
        """RMS rejects a whole bulk-upsert for one bad row: the others are read again and sent
        in halves, the bad one ends in error with a line in the log."""
        bad = self.skus[3]
        original = RmsClient.adjust_inventories

        def refuse_bad(client, rows, *args, **kwargs):
            if any(row["variantId"] == bad.variant_id for row in rows):
                raise RmsBadRequestError(
                    "IE0004", operation="inventories.bulk.upsert", error_code="IE0004"
                )
            return original(client, rows, *args, **kwargs)

        self.reset_rms_stock()
        with (
            patch.object(RmsClient, "adjust_inventories", refuse_bad),
            mute_logger("odoo.addons.sale_rakuten.models.rakuten_sku"),
        ):
            log = self.push()
        self.assertEqual(log.state, "partial")
        self.assertEqual(log.count_stock_pushed, len(self.skus) - 1)
        self.assertEqual(
            (log.count_failed, log.line_ids.order_number), (1, "%s/%s" % bad._key())
        )
        self.assertEqual(bad.stock_state, "error")
        self.assertTrue(bad.stock_error)
        for sku in self.skus - bad:
            self.assertEqual(self.rms_quantity(sku), 1000)
        self.assertEqual(self.rms_quantity(bad), self.initial_rms)
        self.push()
        self.assertEqual(self.rms_quantity(bad), 1000, "sent by the next run")
        self.assertEqual(bad.stock_state, "sent")

    # ------------------------------------------------------------------
    # Migration gate
    # ------------------------------------------------------------------
    def test_nothing_is_sent_before_the_sku_migration(self):
        self.team.rakuten_sku_migrated = False
        calls = sum(self.sandbox.calls.values())
        log = self.push()
        self.assertEqual(log.state, "done")
        self.assertEqual(sum(self.sandbox.calls.values()), calls, "no RMS call at all")
        for lang, text in (
            ("en_US", "has not migrated to Rakuten's SKU model"),
            ("ja_JP", "SKU"),
        ):
            self.assertIn(text, log.with_context(lang=lang).message)
        self.assertEqual(self.rms_quantity(self.skus[0]), self.initial_rms)

    def test_rms_refusing_stock_writes_is_reported(self):
        """The channel says migrated, RMS says not (IE1105): the run stops and says why."""
        self.receive(self.skus[0].product_id, 1)
        self.sandbox.sku_migrated = False
        with mute_logger(
            "odoo.addons.sale_rakuten.models.rakuten_sku",
            "odoo.addons.sale_rakuten.models.rakuten_sync",
        ):
            log = self.push()
        self.assertEqual(log.state, "failed")
        self.assertIn("IE1105", log.with_context(lang="en_US").message)
        self.assertIn("IE1105", log.with_context(lang="ja_JP").message)
        self.assertNotEqual(
            log.with_context(lang="en_US").message,
            log.with_context(lang="ja_JP").message,
        )
        self.assertEqual(self.rms_quantity(self.skus[0]), self.initial_rms)
        self.sandbox.sku_migrated = True
        self.push()
        self.assertEqual(self.rms_quantity(self.skus[0]), 1001)

    def test_switched_off_channel_sends_nothing(self):
        self.team.rakuten_stock_push = False
        log = self.push()
        self.assertIn("switched off", log.message)
        self.assertEqual(self.rms_quantity(self.skus[0]), self.initial_rms)

    # ------------------------------------------------------------------
    # The nightly check
    # ------------------------------------------------------------------
    def test_check_reports_a_difference_and_the_next_push_corrects_it(self):
        self.push()
        sku = self.skus[0]
        self.set_rms_quantity(sku, 970)  # changed in RMS's screens
        log = self.check()
        self.assertEqual(log.count_stock_differences, 1)
        self.assertEqual(log.count_stock_unchanged, len(self.skus) - 1)
        line = log.line_ids
        self.assertEqual(
            line.order_number, "%s/%s" % (sku.manage_number, sku.variant_id)
        )
        self.assertIn(
            "On Rakuten: 970, sellable in Odoo: 1000",
            line.with_context(lang="en_US").reason,
        )
        self.assertIn("970", line.with_context(lang="ja_JP").reason)
        self.assertEqual(sku.stock_state, "todo")
        self.push()
        self.assertEqual(self.rms_quantity(sku), 1000)
        self.assertEqual(self.check().count_stock_differences, 0)
