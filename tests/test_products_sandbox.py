"""Products from Rakuten end to end: the button, the cron, the client and the sandbox's catalogue
(its fixed items, whose SKUs RakutenCase already has as products, and generated ones)."""

from odoo.tests import tagged

from .test_products import ProductsCase


@tagged("post_install", "-at_install")
class TestProductsSandbox(ProductsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.generated = cls.sandbox.generate_catalog(30)
        cls.fixed = [
            entry for entry in cls.sandbox.catalog if entry not in cls.generated
        ]

    def press_import(self, team=None):
        team = team or self.team
        action = team.action_rakuten_import_products()
        self.assertEqual(action["tag"], "display_notification")
        log = self.env["rakuten.sync.log"].browse(action["params"]["next"]["res_id"])
        self.assertEqual((log.kind, log.state), ("products", "queued"))
        self.assertEqual(log.team_id, team)
        self.run_cron_job("products")
        return log

    def sku(self, entry, variant):
        return self.Sku.with_context(active_test=False).search(
            [
                ("team_id", "=", self.team.id),
                ("manage_number", "=", entry.manage_number),
                ("variant_id", "=", variant.variant_id),
            ]
        )

    def test_registration_from_the_sandbox(self):
        log = self.press_import()
        self.assertEqual(log.state, "done", log.line_ids.mapped("reason"))
        fixed_skus = sum(len(entry.variants) for entry in self.fixed)
        generated_skus = sum(len(entry.variants) for entry in self.generated)
        self.assertEqual(log.count_found, fixed_skus + generated_skus)
        # the fixed catalogue's SKUs are the merchant's products already: linked, not duplicated
        self.assertEqual(log.count_matched, fixed_skus)
        self.assertEqual(log.count_created, generated_skus)
        self.assertEqual(self.sandbox.calls["items.search"], 1, "50 items: one page")
        for entry in self.fixed:
            for variant in entry.variants:
                sku = self.sku(entry, variant)
                self.assertEqual(sku.origin, "matched")
                self.assertEqual(
                    sku.product_id.default_code, variant.merchant_defined_sku_id
                )
                self.assertIn(sku.product_id, self.products)
        taxes = {0.1: self.tax_10, 0.08: self.tax_8, None: self.tax_10}
        for entry in self.generated:
            templates = self.env["product.template"]
            for variant in entry.variants:
                sku = self.sku(entry, variant)
                product = sku.product_id
                templates |= product.product_tmpl_id
                self.assertEqual(sku.origin, "created")
                expected = variant.merchant_defined_sku_id or (
                    entry.item_number
                    if len(entry.variants) == 1
                    else "%s-%s" % (entry.item_number, variant.variant_id)
                )
                self.assertEqual(product.default_code, expected)
                self.assertEqual(product.barcode or None, variant.article_number)
                self.assertEqual(product.active, not (entry.hidden or variant.hidden))
                self.assertEqual(
                    sorted(product.product_template_attribute_value_ids.mapped("name")),
                    sorted(value for _key, value in variant.selectors),
                )
                self.assertEqual(product.lst_price, entry.price)
            self.assertEqual(len(templates), 1, "one template per 商品管理番号")
            self.assertEqual(templates.name, entry.item_name)
            self.assertEqual(templates.taxes_id, taxes[entry.tax_rate])
            self.assertEqual(templates.active, not entry.hidden)
            self.assertEqual(
                len(templates.with_context(active_test=False).product_variant_ids),
                len(entry.variants),
            )
            self.assertEqual(
                templates.attribute_line_ids.attribute_id.mapped("name"),
                [display for _key, display in entry.axes],
            )
            self.assertTrue(templates.image_1920, "the first CABINET image")
        attributes = self.env["product.attribute"].search(
            [("name", "in", ["カラー", "サイズ", "素材"])]
        )
        self.assertEqual(
            len(attributes),
            len(set(attributes.mapped("name"))),
            "attributes reused by name",
        )

        # a second press changes nothing
        products = (
            self.env["product.product"].with_context(active_test=False).search_count([])
        )
        again = self.press_import()
        self.assertEqual(
            (again.count_created, again.count_matched, again.count_updated), (0, 0, 0)
        )
        self.assertEqual(again.count_unchanged, fixed_skus + generated_skus)
        self.assertEqual(
            self.env["product.product"]
            .with_context(active_test=False)
            .search_count([]),
            products,
        )

    def test_daily_cron_reads_every_item_once_then_the_changes(self):
        log = self.run_job("products")
        self.assertEqual(log.state, "done")
        self.assertFalse(self.run_job("products"), "not again within the day")
        self.env["rakuten.sync.log"].search(
            [("kind", "=", "products")]
        ).date_start = "2020-01-01 00:00:00"
        self.sandbox.reset_counters()
        later = self.run_job("products")
        self.assertEqual(later.count_created, 0)
        self.assertTrue(later.count_unchanged)

    def test_queued_import_waits_for_the_running_one(self):
        first = self.team.action_rakuten_import_products()
        second = self.team.action_rakuten_import_products()
        self.assertEqual(
            first["params"]["next"]["res_id"],
            second["params"]["next"]["res_id"],
            "one queued import per channel",
        )

    def test_button_refused_when_the_api_is_off(self):
        from odoo.exceptions import UserError

        self.team.rakuten_active = False
        with self.assertRaises(UserError):
            self.team.action_rakuten_import_products()

    def test_orders_match_the_mapped_sku_and_detect_the_migration(self):
        self.run_job("products")
        self.team.rakuten_sku_migrated = False
        messages = self.team.message_ids
        number = self.add_order()
        self.import_orders()
        order = self.sale_order(number)
        self.assertTrue(order)
        raw = self.sandbox.orders[number]
        for package in raw["PackageModelList"]:
            for item in package["ItemModelList"]:
                [sku_model] = item["SkuModelList"]
                sku = self.Sku.search(
                    [
                        ("team_id", "=", self.team.id),
                        ("manage_number", "=", item["manageNumber"]),
                        ("variant_id", "=", sku_model["variantId"]),
                    ]
                )
                self.assertTrue(sku, "every sandbox SKU is mapped")
                self.assertIn(sku.product_id, order.order_line.product_id)
        self.assertNotEqual(
            order.rakuten_slip_state,
            "to_confirm",
            order.rakuten_confirm_reasons
            if "rakuten_confirm_reasons" in order._fields
            else "",
        )
        self.assertTrue(
            self.team.rakuten_sku_migrated,
            "an order with SKU管理番号 shows the migration",
        )
        self.assertEqual(len(self.team.message_ids - messages), 1)

    def test_test_connection_probes_the_migration(self):
        from unittest.mock import patch

        from odoo.addons.sale_rakuten.rms.client import RmsClient
        from odoo.addons.sale_rakuten.rms.items_client import MigrationProbe

        self.team.rakuten_sku_migrated = False
        # The sandbox answers the probe as RMS does before the migration (C008): the flag
        # stays off; so it does for an unknown answer or a "not migrated" one.
        self.addCleanup(
            setattr, self.sandbox, "sku_migrated", self.sandbox.sku_migrated
        )
        self.sandbox.sku_migrated = False
        action = self.team.action_rakuten_test_connection()
        self.assertFalse(
            self.team.rakuten_sku_migrated, "C008: the shop has not migrated"
        )
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.sandbox.calls["licenseExpiry"], 1)
        for migrated in (None, False):
            with patch.object(
                RmsClient,
                "probe_sku_migration",
                lambda client, migrated=migrated: MigrationProbe(migrated, None),
            ):
                self.team.action_rakuten_test_connection()
            self.assertFalse(
                self.team.rakuten_sku_migrated, "not proven: the flag stays off"
            )
        messages = self.team.message_ids
        with patch.object(
            RmsClient,
            "probe_sku_migration",
            lambda client: MigrationProbe(True, None, "N000"),
        ):
            action = self.team.action_rakuten_test_connection()
        self.assertTrue(self.team.rakuten_sku_migrated)
        self.assertIn("SKU", action["params"]["message"])
        [message] = self.team.message_ids - messages
        self.assertIn("shop.operationLeadTime.get", message.body)
        with patch.object(
            RmsClient,
            "probe_sku_migration",
            side_effect=AssertionError("not asked again"),
        ):
            self.team.action_rakuten_test_connection()
