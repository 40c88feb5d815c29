"""tools/demo.py's set-up on the test database: what a merchant finds when the demo starts,
that a second run finds it again instead of adding to it, and that the demo channel's
buttons work against the sandbox."""

from odoo.tests import TransactionCase, tagged

from odoo.addons.sale_rakuten.tools import demo
from odoo.addons.sale_rakuten.tools.rms_sandbox import CATALOG, RmsSandbox

SKUS = [
    variant.merchant_defined_sku_id for entry in CATALOG for variant in entry.variants
]


@tagged("post_install", "-at_install")
class TestDemoSetup(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = RmsSandbox(demo.SANDBOX_SECRET, demo.SANDBOX_KEY, seed=11)
        cls.sandbox.start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.country_before = cls.env.company.country_id
        cls.team = demo.setup_demo(cls.env, cls.sandbox.url)

    def _counts(self):
        company = self.team.company_id
        return {
            "teams": self.env["crm.team"].search_count(
                [("rakuten_shop_url", "=", demo.SHOP_URL)]
            ),
            "products": self.env["product.product"].search_count(
                [("default_code", "in", SKUS)]
            ),
            "taxes": self.env["account.tax"].search_count(
                [
                    ("name", "in", list(demo.TAX_NAMES.values())),
                    ("company_id", "=", company.id),
                ]
            ),
            "pricelists": self.env["product.pricelist"].search_count(
                [("name", "=", demo.PRICELIST_NAME)]
            ),
            "quants": self.env["stock.quant"].search_count(
                [
                    ("product_id.default_code", "in", SKUS),
                    ("location_id.usage", "=", "internal"),
                ]
            ),
        }

    def test_japanese_shop_in_yen(self):
        admin = self.env.ref("base.user_admin")
        self.assertTrue(self.env["res.lang"]._lang_get("ja_JP").active)
        self.assertEqual(admin.lang, "ja_JP")
        self.assertIn(
            self.env.ref("sale_rakuten.group_rakuten_manager"), admin.groups_id
        )
        # the addon's terms are loaded: the channel's page reads in Japanese
        self.assertEqual(
            self.env.ref("sale_rakuten.menu_rakuten_sync_log")
            .with_context(lang="ja_JP")
            .name,
            "同期ログ",
        )
        company = self.team.company_id
        self.assertEqual(company.currency_id, self.env.ref("base.JPY"))
        # a company without a country is put in Japan; one in another country stays there
        self.assertEqual(
            company.country_id, self.country_before or self.env.ref("base.jp")
        )

    def test_catalogue_with_stock_taxes_and_pricelist(self):
        team = self.team
        self.assertEqual(len(SKUS), self._counts()["products"])
        stock = team.rakuten_warehouse_id.lot_stock_id
        for sku in SKUS:
            product = self.env["product.product"].search([("default_code", "=", sku)])
            self.assertTrue(product.is_storable, sku)
            self.assertEqual(
                product.with_context(location=stock.id).qty_available,
                demo.STOCK_QUANTITY,
                sku,
            )
        for rate, tax in ((10, team.rakuten_tax_10_id), (8, team.rakuten_tax_8_id)):
            self.assertEqual((tax.amount, tax.price_include), (rate, True))
        tea = self.env["product.product"].search([("default_code", "=", "TE100")])
        self.assertEqual(tea.taxes_id, team.rakuten_tax_8_id)  # food: the reduced rate
        self.assertEqual(
            team.rakuten_pricelist_id.currency_id, self.env.ref("base.JPY")
        )

    def test_channel_on_the_sandbox_and_jobs_every_minute(self):
        team = self.team
        self.assertTrue(team.rakuten_active)
        self.assertEqual(team.rakuten_api_url, self.sandbox.url)
        self.assertTrue(team.rakuten_api_url.startswith("http://127.0.0.1:"))
        self.assertTrue(team.rakuten_credentials_set)
        self.assertEqual(team.rakuten_authorization_type, "rakuten_pay")
        for xmlid in demo.CRONS:
            cron = self.env.ref(xmlid)
            self.assertEqual(
                (cron.active, cron.interval_number, cron.interval_type),
                (True, 1, "minutes"),
                xmlid,
            )

    def test_second_run_reuses_everything(self):
        before = self._counts()
        self.assertEqual(before["teams"], 1)
        self.team.action_rakuten_test_connection()
        expiry = self.team.rakuten_license_expiry
        self.assertTrue(expiry)
        # a restarted demo has a new sandbox port: the channel follows it
        team = demo.setup_demo(self.env, "http://127.0.0.1:1/es/")
        self.assertEqual(team, self.team)
        self.assertEqual(team.rakuten_api_url, "http://127.0.0.1:1/es/")
        self.assertEqual(
            team.rakuten_license_expiry, expiry, "the same key: its expiry date stays"
        )
        self.assertEqual(self._counts(), before)

    def test_demo_channel_buttons_work_on_the_sandbox(self):
        self.sandbox.generate_orders(
            6,
            mix={
                "order_type": {1: 1.0},
                "progress": {300: 1.0},
                "postage_undetermined": 0.0,
                "drug": 0.0,
            },
        )
        action = self.team.action_rakuten_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        action = self.team.action_rakuten_import_now()
        log = self.env["rakuten.sync.log"].search(
            [("team_id", "=", self.team.id)], order="id desc", limit=1
        )
        self.assertEqual(action["res_model"], "rakuten.sync.log")
        self.assertEqual(action.get("res_id"), log.id)
        orders = self.env["sale.order"].search([("team_id", "=", self.team.id)])
        self.assertTrue(orders, "no order imported: %s" % log.line_ids.mapped("reason"))
        self.assertEqual(len(orders), log.count_imported)
        # every item found its product: the catalogue is registered under the orders' SKUs
        items = orders.order_line.filtered(
            lambda line: line.product_id.default_code in SKUS
        )
        self.assertTrue(items)
        self.assertFalse(
            orders.order_line.filtered(
                lambda line: line.product_id == self.team.rakuten_unmatched_product_id
            )
        )
