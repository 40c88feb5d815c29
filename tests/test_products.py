"""Products from Rakuten (※6 商品管理の一括登録): registration from Item API items.

These tests feed the registration items read from fixtures shaped as RMS sends them; the
end-to-end tests against the sandbox catalogue are in test_products_sandbox.py.
"""

import base64
import copy
import http.server
import json
import threading
from datetime import timedelta, timezone
from pathlib import Path
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.sale_rakuten.rms import item as rms_item
from odoo.addons.sale_rakuten.rms.order import parse_order

from .common import RakutenCase

FIXTURES = Path(__file__).resolve().parent / "fixtures"
JA, EN = "ja_JP", "en_US"
# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def fixture(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class _ImageHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path.endswith(".jpg") or self.path.endswith(".png"):
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()
            self.wfile.write(PNG)
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args):
        pass


class ProductsCase(RakutenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ImageHandler)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)
        base = "http://127.0.0.1:%d" % cls.server.server_port
        # Images are read from localhost only under test (Odoo's test guard blocks the rest).
        for name, value in (
            ("CABINET_URL", base + "/%(shop)s/cabinet%(location)s"),
            ("GOLD_URL", base + "/gold/%(shop)s%(location)s"),
        ):
            patcher = patch.object(rms_item, name, value)
            patcher.start()
            cls.addClassCleanup(patcher.stop)
        cls.Sku = cls.env["rakuten.sku"]

    def new_log(self, team=None):
        return self.env["rakuten.sync.log"].create(
            {"team_id": (team or self.team).id, "kind": "products"}
        )

    def register(self, *entries, team=None):
        log = self.new_log(team)
        self.Sku._rakuten_import_entries(team or self.team, list(entries), log)
        log._finish()
        return log

    def counts(self, log):
        return {
            name: log["count_%s" % name]
            for name in (
                "found",
                "created",
                "updated",
                "matched",
                "unchanged",
                "skipped",
                "warning",
                "failed",
            )
        }

    def skus(self, manage_number):
        return self.Sku.with_context(active_test=False).search(
            [("team_id", "=", self.team.id), ("manage_number", "=", manage_number)]
        )


@tagged("post_install", "-at_install")
class TestProducts(ProductsCase):
    def test_multi_sku_item(self):
        log = self.register(fixture("item_get_multi_sku.json"))
        self.assertEqual(
            self.counts(log),
            dict(
                found=5,
                created=5,
                updated=0,
                matched=0,
                unchanged=0,
                skipped=0,
                warning=0,
                failed=0,
            ),
        )
        self.assertEqual(log.state, "done")
        skus = self.skus("tshirt-basic-01")
        self.assertEqual(len(skus), 5)
        self.assertEqual(set(skus.mapped("origin")), {"created"})
        template = skus.product_id.product_tmpl_id
        self.assertEqual(len(template), 1, "one template per 商品管理番号")
        self.assertEqual(template.name, "【送料無料】ベーシック Tシャツ 綿100% 半袖")
        self.assertTrue(template.is_storable)
        self.assertEqual(template.company_id, self.team.company_id)
        self.assertEqual(template.taxes_id, self.tax_10)
        # one variant per SKU: the missing ブラック/XL combination is not made
        variants = template.with_context(active_test=False).product_variant_ids
        self.assertEqual(len(variants), 5)
        self.assertEqual(
            template.attribute_line_ids.attribute_id.mapped("name"),
            ["カラー", "サイズ"],
        )
        self.assertEqual(
            set(template.attribute_line_ids.attribute_id.mapped("create_variant")),
            {"always"},
        )
        by_variant = {sku.variant_id: sku.product_id for sku in skus}
        white_m = by_variant["sku-wh-m"]
        self.assertEqual(white_m.default_code, "TS-BASIC-01-WH-M")
        self.assertEqual(white_m.barcode, "4901234567894")
        self.assertEqual(
            white_m.product_template_attribute_value_ids.mapped("name"),
            ["ホワイト", "M"],
        )
        self.assertEqual(white_m.lst_price, 2980)
        self.assertEqual(by_variant["sku-wh-xl"].lst_price, 3280, "the XL extra price")
        # the SKU without システム連携用SKU番号 among several: 商品番号-SKU管理番号
        black_l = by_variant["sku-bk-l"]
        self.assertEqual(black_l.default_code, "TS-BASIC-01-sku-bk-l")
        self.assertFalse(black_l.barcode)
        self.assertFalse(black_l.active, "a hidden SKU is archived")
        self.assertTrue(white_m.active)
        sku = skus.filtered(lambda s: s.variant_id == "sku-wh-m")
        self.assertEqual(sku.variant_name, "カラー: ホワイト / サイズ: M")
        self.assertEqual(sku.sku_number, "TS-BASIC-01-WH-M")
        self.assertEqual(sku.item_number, "TS-BASIC-01")
        self.assertEqual(template.rakuten_sku_count, 5)
        self.assertTrue(template.image_1920, "the first image, downloaded")
        self.assertEqual(base64.b64decode(template.image_1920)[:8], PNG[:8])

    def test_second_run_changes_nothing(self):
        self.register(
            fixture("item_get_multi_sku.json"),
            fixture("item_get_normal_inventory.json"),
        )
        products = (
            self.env["product.product"].with_context(active_test=False).search_count([])
        )
        templates = (
            self.env["product.template"].with_context(active_test=False).search([])
        )
        stamps = templates.mapped("write_date")
        skus = self.Sku.with_context(active_test=False).search([])
        log = self.register(
            fixture("item_get_multi_sku.json"),
            fixture("item_get_normal_inventory.json"),
        )
        self.assertEqual(
            self.counts(log),
            dict(
                found=6,
                created=0,
                updated=0,
                matched=0,
                unchanged=6,
                skipped=0,
                warning=0,
                failed=0,
            ),
        )
        self.assertFalse(log.line_ids)
        self.assertEqual(
            self.env["product.product"]
            .with_context(active_test=False)
            .search_count([]),
            products,
        )
        self.assertEqual(self.Sku.with_context(active_test=False).search([]), skus)
        self.assertEqual(templates.mapped("write_date"), stamps)

    def test_fallbacks_taxes_hidden_and_deleted(self):
        single = fixture("item_get_normal_inventory.json")
        page = fixture("item_search_page.json")
        log = self.register(single, *page["results"])
        self.assertEqual(log.count_created, 1 + 1 + 2 + 1)
        tea = self.skus("green-tea-100g")
        self.assertEqual(tea.variant_id, "normal-inventory")
        self.assertEqual(tea.product_id.default_code, "GT-100", "single SKU: 商品番号")
        self.assertEqual(tea.product_id.barcode, "4987654321098")
        self.assertEqual(
            tea.product_id.taxes_id, self.tax_8, "taxRate sent as the string 0.08"
        )
        self.assertEqual(tea.product_id.lst_price, 1080)
        self.assertFalse(tea.product_id.product_template_attribute_value_ids)
        self.assertTrue(tea.product_id.image_1920, "a GOLD image")
        mug = self.skus("mug-classic").product_id
        self.assertEqual(
            mug.default_code, "MUG-CL", "empty システム連携用SKU番号: 商品番号"
        )
        self.assertEqual(
            mug.taxes_id, self.tax_10, "taxRate null: the shop's (standard) rate"
        )
        rice = self.skus("rice-5kg")
        self.assertEqual(
            sorted(rice.product_id.mapped("default_code")),
            ["rice-5kg-b", "rice-5kg-w"],
            "no 商品番号: 商品管理番号-SKU管理番号",
        )
        self.assertFalse(
            rice.product_id.product_tmpl_id.active, "a hidden item (倉庫) is archived"
        )
        self.assertFalse(any(rice.product_id.mapped("active")))
        self.assertEqual(rice.product_id.product_tmpl_id.list_price, 3780)
        self.assertEqual(rice.product_id.product_tmpl_id.taxes_id, self.tax_8)
        self.assertTrue(all(rice.mapped("rakuten_hidden")))
        gift = self.skus("gift-set-a").product_id
        self.assertFalse(gift.taxes_id, "taxRate 0: no tax")
        self.assertFalse(gift.image_1920)
        self.assertFalse(self.skus("old-item-deleted"))
        line = log.line_ids.filtered(lambda line: line.order_number == "rice-5kg")
        self.assertEqual(line.outcome, "created")
        self.assertIn("archived", line.reason)

    def test_existing_products_are_matched_never_duplicated(self):
        own = self.env["product.product"].create(
            {
                "name": "My white T-shirt M",
                "default_code": "TS-BASIC-01-WH-M",
                "list_price": 2500,
            }
        )
        by_barcode = self.env["product.product"].create(
            {
                "name": "My white T-shirt L",
                "default_code": "MY-WL",
                "barcode": "4901234567900",
            }
        )
        log = self.register(fixture("item_get_multi_sku.json"))
        self.assertEqual((log.count_matched, log.count_created), (2, 3))
        skus = self.skus("tshirt-basic-01")
        mapped = {sku.variant_id: sku for sku in skus}
        self.assertEqual(mapped["sku-wh-m"].product_id, own)
        self.assertEqual(mapped["sku-wh-m"].origin, "matched")
        self.assertEqual(mapped["sku-wh-l"].product_id, by_barcode)
        self.assertEqual(own.list_price, 2500, "a matched product is never changed")
        self.assertEqual(own.name, "My white T-shirt M")
        self.assertEqual(
            self.env["product.product"].search_count(
                [("default_code", "=", "TS-BASIC-01-WH-M")]
            ),
            1,
        )
        created = (skus - mapped["sku-wh-m"] - mapped["sku-wh-l"]).product_id
        self.assertEqual(len(created.product_tmpl_id), 1)
        self.assertEqual(len(created), 3)
        reasons = log.line_ids.filtered(lambda line: line.outcome == "matched").mapped(
            "reason"
        )
        self.assertTrue(
            any("same internal reference TS-BASIC-01-WH-M" in r for r in reasons),
            reasons,
        )
        self.assertTrue(
            any("same barcode 4901234567900" in r for r in reasons), reasons
        )
        again = self.register(fixture("item_get_multi_sku.json"))
        self.assertEqual(
            (again.count_unchanged, again.count_created, again.count_matched), (5, 0, 0)
        )

    def test_taken_barcode_is_skipped_with_a_line(self):
        self.env["product.product"].create(
            {"name": "Other", "default_code": "OTHER", "barcode": "4987654321098"}
        )
        data = fixture("item_get_normal_inventory.json")
        data["itemNumber"] = "GT-100-NEW"
        log = self.register(data)
        # the barcode matched the other product: linked, not created
        self.assertEqual(log.count_matched, 1)
        # a SKU whose JAN another SKU of the same run takes first is created without it
        first, second = (
            fixture("item_get_normal_inventory.json"),
            fixture("item_get_normal_inventory.json"),
        )
        first.update(manageNumber="tea-a", itemNumber="TEA-A")
        second.update(manageNumber="tea-b", itemNumber="TEA-B")
        for entry in (first, second):
            entry["variants"]["normal-inventory"]["articleNumber"]["value"] = (
                "4900000000012"
            )
        log = self.register(first, second)
        self.assertEqual((log.count_created, log.count_warning), (2, 1))
        self.assertEqual(self.skus("tea-a").product_id.barcode, "4900000000012")
        self.assertFalse(self.skus("tea-b").product_id.barcode)
        line = log.line_ids.filtered(lambda line: line.outcome == "warning")
        self.assertIn("4900000000012", line.reason)
        self.assertEqual(log.state, "done", "a warning is no failure")

    def test_attributes_reused_by_name(self):
        color = self.env["product.attribute"].create(
            {"name": "カラー", "create_variant": "always"}
        )
        white = self.env["product.attribute.value"].create(
            {"name": "ホワイト", "attribute_id": color.id}
        )
        no_variant = self.env["product.attribute"].create(
            {"name": "サイズ", "create_variant": "no_variant"}
        )
        self.register(fixture("item_get_multi_sku.json"))
        template = self.skus("tshirt-basic-01").product_id.product_tmpl_id
        lines = template.attribute_line_ids
        self.assertEqual(lines[0].attribute_id, color)
        self.assertIn(white, lines[0].value_ids)
        self.assertNotEqual(
            lines[1].attribute_id,
            no_variant,
            "an attribute that makes no variant is not reused",
        )
        self.assertEqual(lines[1].attribute_id.create_variant, "always")
        self.assertEqual(
            self.env["product.attribute.value"].search_count(
                [("attribute_id", "=", color.id), ("name", "=", "ホワイト")]
            ),
            1,
        )
        # the next item with the same axes reuses the attributes made by the first
        other = fixture("item_get_multi_sku.json")
        other["manageNumber"], other["itemNumber"] = "tshirt-basic-02", "TS-BASIC-02"
        for variant in other["variants"].values():
            variant["merchantDefinedSkuId"] = (
                variant.get("merchantDefinedSkuId") or "x"
            ).replace("01", "02")
            variant["articleNumber"] = {"value": None}
        self.register(other)
        second = self.skus("tshirt-basic-02").product_id.product_tmpl_id
        self.assertEqual(second.attribute_line_ids.attribute_id, lines.attribute_id)

    def test_rakuten_changes_are_followed(self):
        self.register(fixture("item_get_multi_sku.json"))
        changed = fixture("item_get_multi_sku.json")
        changed["title"] = "ベーシック Tシャツ（新）"
        changed["updated"] = "2026-11-30T09:00:00+09:00"
        changed["variants"]["sku-wh-m"]["merchantDefinedSkuId"] = "TS-BASIC-01-WH-M2"
        changed["variants"]["sku-bk-l"]["hidden"] = False
        del changed["variants"]["sku-wh-xl"]
        changed["variants"]["sku-bk-xl"] = {
            "selectorValues": {"color": "ブラック", "size": "XL"},
            "standardPrice": "3280",
            "articleNumber": {"value": "4901234567931"},
            "hidden": False,
            "merchantDefinedSkuId": "TS-BASIC-01-BK-XL",
        }
        changed["variantSelectors"][1]["values"].append({"displayValue": "XXL"})
        changed["variants"]["sku-wh-xxl"] = {
            "selectorValues": {"color": "ホワイト", "size": "XXL"},
            "standardPrice": "3580",
            "hidden": False,
            "merchantDefinedSkuId": "TS-BASIC-01-WH-XXL",
        }
        log = self.register(changed)
        skus = {sku.variant_id: sku for sku in self.skus("tshirt-basic-01")}
        template = skus["sku-wh-m"].product_id.product_tmpl_id
        self.assertEqual(template.name, "ベーシック Tシャツ（新）")
        self.assertEqual(skus["sku-wh-m"].product_id.default_code, "TS-BASIC-01-WH-M2")
        self.assertTrue(skus["sku-bk-l"].product_id.active, "shown again on Rakuten")
        self.assertFalse(
            skus["sku-wh-xl"].active, "no longer on Rakuten: the mapping is archived"
        )
        self.assertEqual(
            skus["sku-bk-xl"].product_id.product_tmpl_id,
            template,
            "a new SKU joins the template",
        )
        self.assertEqual(skus["sku-bk-xl"].product_id.default_code, "TS-BASIC-01-BK-XL")
        self.assertEqual(
            skus["sku-wh-xxl"].product_id.product_template_attribute_value_ids.mapped(
                "name"
            ),
            ["ホワイト", "XXL"],
        )
        self.assertEqual(log.count_created, 2)
        self.assertGreaterEqual(log.count_updated, 2)
        self.assertEqual(log.count_failed, 0)
        again = self.register(changed)
        self.assertEqual(
            (again.count_created, again.count_updated, again.count_unchanged), (0, 0, 6)
        )

    def test_failed_image_never_fails_the_product(self):
        data = fixture("item_get_normal_inventory.json")
        data["images"][0]["location"] = "/img/item/missing.gif"
        log = self.register(data)
        product = self.skus("green-tea-100g").product_id
        self.assertTrue(product)
        self.assertFalse(product.image_1920)
        self.assertEqual((log.count_created, log.count_warning), (1, 1))
        self.assertIn(
            "could not be downloaded",
            log.line_ids.filtered(lambda line: line.outcome == "warning").reason,
        )

    def test_one_bad_item_never_stops_the_others(self):
        bad = fixture("item_get_multi_sku.json")
        bad["payment"]["taxRate"] = "0.05"
        log = self.register(bad, fixture("item_get_normal_inventory.json"))
        self.assertEqual((log.count_failed, log.count_created), (1, 1))
        self.assertEqual(log.state, "partial")
        line = log.line_ids.filtered(lambda line: line.outcome == "failed")
        self.assertEqual(line.order_number, "tshirt-basic-01")
        self.assertIn("payment.taxRate", line.reason)
        # a record PostgreSQL refuses fails its own item only (the batch is retried item by item)
        longer = fixture("item_get_normal_inventory.json")
        longer.update(manageNumber="tea-x", itemNumber="TEA-X")
        fine = copy.deepcopy(longer)
        fine.update(manageNumber="tea-y", itemNumber="TEA-Y")
        fine["variants"]["normal-inventory"]["articleNumber"]["value"] = "4900000000029"
        longer["variants"]["normal-inventory"]["articleNumber"]["value"] = (
            "4900000000036"
        )
        original = type(self.env["product.product"]).create

        def create(products, vals_list):
            if any(vals.get("default_code") == "TEA-X" for vals in vals_list):
                raise ValueError("refused")
            return original(products, vals_list)

        with patch.object(type(self.env["product.product"]), "create", create):
            log = self.register(longer, fine)
        self.assertEqual((log.count_failed, log.count_created), (1, 1))
        self.assertTrue(self.skus("tea-y").product_id)
        self.assertFalse(self.skus("tea-x"))

    def test_order_items_match_the_mapped_sku_first(self):
        self.register(fixture("item_get_multi_sku.json"))
        sku = self.skus("tshirt-basic-01").filtered(
            lambda s: s.variant_id == "sku-bk-l"
        )
        sku.product_id.active = True
        raw = json.loads(
            (FIXTURES / "order_rpay_card.json").read_text(encoding="utf-8")
        )
        item = raw["PackageModelList"][0]["ItemModelList"][0]
        item.update(manageNumber="tshirt-basic-01", itemNumber="TS-BASIC-01")
        item["SkuModelList"] = [
            {
                "variantId": "sku-bk-l",
                "merchantDefinedSkuId": None,
                "skuInfo": "カラー:ブラック\nサイズ:L",
            }
        ]
        order = parse_order(raw)
        [order_item] = [i for i in order.items if i.manage_number == "tshirt-basic-01"]
        products = self.env["product.product"]._rakuten_match_products(
            self.team, [order_item]
        )
        from odoo.addons.sale_rakuten.rms.mapping import item_keys

        self.assertEqual(
            products[item_keys(order_item)],
            sku.product_id,
            "by variantId, though no product has the 商品番号 as internal reference",
        )

    def test_smart_button_and_views(self):
        self.register(fixture("item_get_multi_sku.json"))
        template = self.skus("tshirt-basic-01").product_id.product_tmpl_id
        action = template.action_view_rakuten_skus()
        self.assertEqual(action["res_model"], "rakuten.sku")
        self.assertEqual(
            self.env["rakuten.sku"].search(action["domain"]),
            self.skus("tshirt-basic-01").filtered("active"),
        )
        sku = self.skus("tshirt-basic-01")[0]
        self.assertEqual(sku.action_view_product()["res_id"], sku.product_id.id)

    def test_texts_in_the_readers_language(self):
        self.env["res.lang"]._activate_lang(JA)
        self.env["ir.module.module"]._load_module_terms(["sale_rakuten"], [JA])
        self.env["product.product"].create({"name": "Mine", "default_code": "GT-100"})
        log = self.register(
            fixture("item_get_multi_sku.json"),
            fixture("item_get_normal_inventory.json"),
        )
        created = log.line_ids.filtered(
            lambda line: line.order_number == "tshirt-basic-01"
        )
        matched = log.line_ids.filtered(lambda line: line.outcome == "matched")
        for line, en, ja in (
            (created, "with 5 variants", "バリエーション5件"),
            (matched, "same internal reference GT-100", "内部参照GT-100"),
        ):
            text_ja = line.with_context(lang=JA).read(["reason"])[0]["reason"]
            text_en = line.with_context(lang=EN).read(["reason"])[0]["reason"]
            self.assertIn(en, text_en)
            self.assertIn(ja, text_ja)
        summary_ja = log.with_context(lang=JA).summary
        self.assertIn("作成", summary_ja)


@tagged("post_install", "-at_install")
class TestMigrationDetected(ProductsCase):
    def order(self, variant_ids):
        raw = json.loads(
            (FIXTURES / "order_rpay_card.json").read_text(encoding="utf-8")
        )
        items = raw["PackageModelList"][0]["ItemModelList"]
        for item, variant_id in zip(items, variant_ids, strict=False):
            item["SkuModelList"][0]["variantId"] = variant_id
        return parse_order(raw)

    def test_order_with_variant_ids_sets_the_flag_once(self):
        self.team.rakuten_sku_migrated = False
        Sku = self.env["rakuten.sku"]
        messages = self.team.message_ids
        # pre-migration orders: no SKU管理番号, or only the pre-migration key
        self.assertFalse(
            Sku._rakuten_detect_migration(self.team, [self.order([None, None])])
        )
        self.assertFalse(
            Sku._rakuten_detect_migration(
                self.team, [self.order([None, "normal-inventory"])]
            )
        )
        self.assertFalse(self.team.rakuten_sku_migrated)
        order = self.order(["navy", None])
        self.assertTrue(Sku._rakuten_detect_migration(self.team, [order]))
        self.assertTrue(self.team.rakuten_sku_migrated)
        new = self.team.message_ids - messages
        self.assertEqual(len(new), 1)
        self.assertIn(order.order_number, new.body)
        self.assertIn("SKU", new.body)
        self.assertFalse(Sku._rakuten_detect_migration(self.team, [order]), "once")
        self.assertEqual(len(self.team.message_ids - messages), 1)

    def test_chatter_in_the_shop_language(self):
        self.env["res.lang"]._activate_lang(JA)
        self.env["ir.module.module"]._load_module_terms(["sale_rakuten"], [JA])
        self.company.partner_id.lang = JA
        self.team.rakuten_sku_migrated = False
        messages = self.team.message_ids
        self.env["rakuten.sku"]._rakuten_detect_migration(
            self.team, [self.order(["navy"])]
        )
        body = str((self.team.message_ids - messages).body)
        self.assertIn("楽天SKU移行", body)
        self.assertIn("SKU管理番号", body)


class _FakeItemClient:
    """The client calls the job makes, answering fixture pages (until the sandbox's land)."""

    def __init__(self, pages):
        self.pages = pages
        self.criteria = []

    def iter_item_pages(self, **criteria):
        self.criteria.append(criteria)
        yield from self.pages


@tagged("post_install", "-at_install")
class TestProductsJob(ProductsCase):
    def test_full_read_first_then_changes(self):
        page = [entry["item"] for entry in fixture("item_search_page.json")["results"]]
        client = _FakeItemClient([page, [fixture("item_get_multi_sku.json")]])
        log = self.new_log()
        self.env["rakuten.sync"]._job_products(self.team, client, log)
        log._finish()
        self.assertEqual(client.criteria, [{}], "the first run reads every item")
        self.assertEqual(log.count_created, 1 + 2 + 1 + 5)
        second = self.new_log()
        self.env["rakuten.sync"]._job_products(self.team, client, second)
        since = client.criteria[1]["updatedFrom"]
        self.assertEqual(since.utcoffset().total_seconds(), 9 * 3600, "in Japan time")
        self.assertEqual(
            since.astimezone(timezone.utc).replace(tzinfo=None),
            log.date_start - timedelta(days=1),
            "a day before the previous run began: the search index lags up to 24 hours",
        )
        self.assertEqual((second.count_created, second.count_unchanged), (0, 9))


@tagged("post_install", "-at_install")
class TestProductsAcrossTheMigration(ProductsCase):
    def test_new_variant_ids_keep_the_products(self):
        """Before the migration RMS shows ``normal-inventory``; after it the SKU has its own
        SKU管理番号: the same product is kept, still the import's own."""
        self.register(fixture("item_get_normal_inventory.json"))
        [before] = self.skus("green-tea-100g")
        migrated = fixture("item_get_normal_inventory.json")
        migrated["variants"] = {
            "gt100-1": dict(
                migrated["variants"]["normal-inventory"], merchantDefinedSkuId=""
            )
        }
        migrated["title"] = "静岡県産 煎茶 100g"
        log = self.register(migrated)
        skus = self.skus("green-tea-100g")
        after = skus.filtered(lambda s: s.variant_id == "gt100-1")
        self.assertFalse(before.active, "the pre-migration key is archived")
        self.assertEqual(after.product_id, before.product_id)
        self.assertEqual(after.origin, "created")
        self.assertEqual(log.count_created, 0)
        again = self.register(migrated)
        self.assertEqual(
            after.product_id.name, "静岡県産 煎茶 100g", "followed as the import's own"
        )
        self.assertEqual(again.count_updated, 1)
