"""Channel settings: a merchant's first hour (a fresh company, without l10n_jp, sets up its
Rakuten shop: setup helpers, the Rakuten section of the settings) and the checks on the
channel's own settings (shop URL, authorization type).

The merchant fills in the shop URL, the credentials and the authorization type; the rest has a
working default or a one-click fix, and the Rakuten page says what is still missing.
"""

from lxml import etree

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, TransactionCase, tagged
from odoo.tools.safe_eval import safe_eval

from .common import RakutenCase

SHOP_URL = "https://www.rakuten.ne.jp/gold/firsthour/"

TODO_CREDENTIALS = (
    "• A Rakuten manager enters the Service Secret and License Key from RMS "
    "(店舗様向け情報・サービス > WEB APIサービス), then presses Test Connection."
)
TODO_AUTHORIZATION = (
    "• Choose the Authorization Type (オーソリ区分): RakutenPay for a RakutenPay shop."
)
TODO_PRICELIST = (
    "• Choose a pricelist in yen (JPY), or press Use a Yen Pricelist "
    "(created if the company has none)."
)
TODO_TAXES = (
    "• Choose the 10% and 8% sales taxes included in the price, or press Use Tax-Included Taxes "
    "(created if the company has none)."
)


@tagged("post_install", "-at_install")
class TestSetup(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.jpy = cls.env.ref("base.JPY")
        cls.jpy.active = True
        cls.company = cls.env["res.company"].create(
            {
                "name": "First Hour KK",
                "country_id": cls.env.ref("base.jp").id,
                "currency_id": cls.jpy.id,
            }
        )
        # A company has no yen pricelist of its own; a shared one would be found instead.
        cls.env["product.pricelist"].search(
            [
                ("currency_id", "=", cls.jpy.id),
                ("company_id", "in", (cls.company.id, False)),
            ]
        ).action_archive()
        cls.manager = cls.env["res.users"].create(
            {
                "name": "Rakuten Manager",
                "login": "first_hour_manager",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("base.group_user").id,
                            cls.env.ref("sales_team.group_sale_manager").id,
                            cls.env.ref("sale_rakuten.group_rakuten_manager").id,
                        ]
                    )
                ],
            }
        )
        cls.uenv = cls.env(
            user=cls.manager, context={"allowed_company_ids": cls.company.ids}
        )
        # Settings are for administrators (the integrator who connects the shop).
        cls.admin = cls.env["res.users"].create(
            {
                "name": "Integrator",
                "login": "first_hour_admin",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [
                    Command.set(
                        (cls.manager.groups_id | cls.env.ref("base.group_system")).ids
                    )
                ],
            }
        )
        cls.aenv = cls.env(
            user=cls.admin, context={"allowed_company_ids": cls.company.ids}
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.unmatched = cls.env.ref("sale_rakuten.product_rakuten_unmatched")

    def new_channel(self, **values):
        """A channel made a Rakuten shop the way the merchant does it: in the form."""
        with Form(self.uenv["crm.team"]) as form:
            form.name = values.pop("name", "Rakuten Shop")
            form.rakuten_shop_url = SHOP_URL
            for name, value in values.items():
                setattr(form, name, value)
        return form.record

    def company_taxes(self, amount, **domain):
        return self.env["account.tax"].search(
            [
                ("company_id", "=", self.company.id),
                ("amount", "=", amount),
                ("type_tax_use", "=", "sale"),
                *[(name, "=", value) for name, value in domain.items()],
            ]
        )

    def assert_notification(self, action, kind):
        self.assertEqual(action["type"], "ir.actions.client")
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], kind)
        # The form reloads afterwards, showing the new values.
        self.assertEqual(
            action["params"]["next"], {"type": "ir.actions.act_window_close"}
        )
        return action["params"]["message"]

    # ------------------------------------------------------------------
    # Defaults and the list of what is missing
    # ------------------------------------------------------------------
    def test_fresh_company_gets_working_defaults(self):
        team = self.new_channel()
        self.assertEqual(team.company_id, self.company)
        self.assertEqual(team.rakuten_shop_url, "firsthour")
        self.assertEqual(team.rakuten_warehouse_id, self.warehouse)
        self.assertEqual(team.rakuten_unmatched_product_id, self.unmatched)
        # No yen pricelist and no tax-included tax yet: not invented by the form.
        self.assertFalse(team.rakuten_pricelist_id)
        self.assertFalse(team.rakuten_tax_10_id | team.rakuten_tax_8_id)
        self.assertEqual(
            team.rakuten_setup_missing, "credentials authorization pricelist taxes"
        )
        self.assertEqual(
            team.rakuten_setup_todo.splitlines(),
            [TODO_CREDENTIALS, TODO_AUTHORIZATION, TODO_PRICELIST, TODO_TAXES],
        )

    def test_buttons_fix_the_rest_then_the_api_can_be_switched_on(self):
        team = self.new_channel()
        message = self.assert_notification(
            team.action_rakuten_setup_pricelist(), "success"
        )
        pricelist = team.rakuten_pricelist_id
        self.assertEqual(pricelist.currency_id, self.jpy)
        self.assertEqual(pricelist.company_id, self.company)
        self.assertEqual(
            message, "Rakuten Pricelist: %s (created)" % pricelist.display_name
        )

        message = self.assert_notification(team.action_rakuten_setup_taxes(), "success")
        for tax, amount in ((team.rakuten_tax_10_id, 10), (team.rakuten_tax_8_id, 8)):
            self.assertTrue(tax.price_include)
            self.assertEqual(
                (tax.amount, tax.amount_type, tax.type_tax_use),
                (amount, "percent", "sale"),
            )
            self.assertEqual(tax.company_id, self.company)
            self.assertEqual(tax.name, "%s%% Tax Included" % amount)
            self.assertEqual(tax.tax_group_id.name, "Tax %s%%" % amount)
            self.assertEqual(tax.tax_group_id.company_id, self.company)
        self.assertEqual(
            message.split("; "),
            [
                "Tax 10%%: %s (created)" % team.rakuten_tax_10_id.display_name,
                "Tax 8%% (reduced): %s (created)" % team.rakuten_tax_8_id.display_name,
            ],
        )
        self.assertEqual(team.rakuten_setup_missing, "credentials authorization")

        team.write(
            {
                "rakuten_service_secret": "secret",
                "rakuten_license_key": "key",
                "rakuten_authorization_type": "rakuten_pay",
            }
        )
        self.assertFalse(team.rakuten_setup_missing)
        self.assertFalse(team.rakuten_setup_todo)
        team.rakuten_active = (
            True  # the last guard (_check_rakuten_settings) lets it through
        )
        self.assertTrue(team.rakuten_active)

    def test_fix_buttons_are_idempotent(self):
        team = self.new_channel()
        buttons = (
            team.action_rakuten_setup_company,
            team.action_rakuten_setup_warehouse,
            team.action_rakuten_setup_pricelist,
            team.action_rakuten_setup_taxes,
            team.action_rakuten_setup_product,
        )
        for button in buttons:
            button()
        names = [
            "company_id",
            "rakuten_warehouse_id",
            "rakuten_pricelist_id",
            "rakuten_tax_10_id",
            "rakuten_tax_8_id",
            "rakuten_unmatched_product_id",
        ]
        settings = team.read(names)
        counts = (
            self.env["product.pricelist"].search_count(
                [("company_id", "=", self.company.id)]
            ),
            self.env["account.tax"].search_count(
                [("company_id", "=", self.company.id)]
            ),
            self.env["account.tax.group"].search_count(
                [("company_id", "=", self.company.id)]
            ),
        )
        for button in buttons:
            message = self.assert_notification(button(), "info")
            self.assertEqual(
                message, "Nothing to change: these settings are already done."
            )
        team.invalidate_recordset()
        self.assertEqual(team.read(names), settings)
        self.assertEqual(
            counts,
            (
                self.env["product.pricelist"].search_count(
                    [("company_id", "=", self.company.id)]
                ),
                self.env["account.tax"].search_count(
                    [("company_id", "=", self.company.id)]
                ),
                self.env["account.tax.group"].search_count(
                    [("company_id", "=", self.company.id)]
                ),
            ),
        )

    def test_existing_tax_included_taxes_and_yen_pricelist_are_found(self):
        group = self.env["account.tax.group"].create(
            {"name": "消費税", "company_id": self.company.id}
        )
        taxes = self.env["account.tax"].create(
            [
                {
                    "name": "内税 %s%%" % amount,
                    "amount": amount,
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included",
                    "company_id": self.company.id,
                    "tax_group_id": group.id,
                }
                for amount in (10, 8)
            ]
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "円", "currency_id": self.jpy.id, "company_id": self.company.id}
        )
        team = self.new_channel()
        self.assertEqual(team.rakuten_tax_10_id, taxes[0])
        self.assertEqual(team.rakuten_tax_8_id, taxes[1])
        self.assertEqual(team.rakuten_pricelist_id, pricelist)
        self.assertNotIn("taxes", team.rakuten_setup_missing)

    def test_l10n_jp_taxes_get_tax_included_variants_in_their_groups(self):
        """l10n_jp ships its sales taxes "10%" / "8%" excluded from the price, in the groups
        "GST 10%" / "GST 8%", with tax accounts and report tags: the variants keep them."""
        account = (
            self.env["account.account"]
            .with_company(self.company)
            .create(
                {
                    "name": "仮受消費税",
                    "code": "330800",
                    "account_type": "liability_current",
                }
            )
        )
        jp_taxes = self.env["account.tax"]
        for amount in (8, 10):
            group = self.env["account.tax.group"].create(
                {"name": "GST %s%%" % amount, "company_id": self.company.id}
            )
            for use in ("sale", "purchase"):
                jp_taxes |= self.env["account.tax"].create(
                    {
                        "name": "%s%%" % amount,
                        "amount": amount,
                        "type_tax_use": use,
                        "tax_group_id": group.id,
                        "company_id": self.company.id,
                        "invoice_repartition_line_ids": [
                            Command.create({"repartition_type": "base"}),
                            Command.create(
                                {"repartition_type": "tax", "account_id": account.id}
                            ),
                        ],
                    }
                )
        team = self.new_channel()
        self.assertFalse(
            team.rakuten_tax_10_id, "a tax excluded from the price is never taken"
        )
        team.action_rakuten_setup_taxes()
        for tax, amount in ((team.rakuten_tax_10_id, 10), (team.rakuten_tax_8_id, 8)):
            self.assertNotIn(tax, jp_taxes)
            self.assertTrue(tax.price_include)
            self.assertEqual(tax.type_tax_use, "sale")
            self.assertEqual(tax.tax_group_id.name, "GST %s%%" % amount)
            self.assertEqual(
                tax.invoice_repartition_line_ids.filtered(
                    lambda line: line.repartition_type == "tax"
                ).account_id,
                account,
            )
        self.assertEqual(
            len(self.company_taxes(10)), 2
        )  # l10n_jp's, and the tax-included copy

    def test_tax_of_wrong_rate_or_excluded_is_reported(self):
        team = self.new_channel()
        team.action_rakuten_setup_taxes()
        excluded = self.env["account.tax"].create(
            {
                "name": "Excluded 10",
                "amount": 10,
                "type_tax_use": "sale",
                "company_id": self.company.id,
                "price_include_override": "tax_excluded",
            }
        )
        team.rakuten_tax_10_id = excluded
        self.assertIn("taxes", team.rakuten_setup_missing)
        team.rakuten_tax_10_id = team.rakuten_tax_8_id
        self.assertIn("taxes", team.rakuten_setup_missing)
        team.action_rakuten_setup_taxes()
        self.assertEqual(team.rakuten_tax_10_id.amount, 10)
        self.assertNotIn("taxes", team.rakuten_setup_missing or "")

    def test_yen_activated_for_the_pricelist(self):
        company = self.env["res.company"].create(
            {"name": "Euro GmbH", "currency_id": self.env.ref("base.EUR").id}
        )
        self.env.ref("base.EUR").active = True
        self.env["product.pricelist"].search(
            [("currency_id", "=", self.jpy.id)]
        ).action_archive()
        self.jpy.with_context(force_deactivate=True).active = False
        team = self.env["crm.team"].create(
            {"name": "Rakuten EU", "company_id": company.id}
        )
        team.action_rakuten_setup_pricelist()
        self.assertTrue(self.jpy.active)
        self.assertEqual(team.rakuten_pricelist_id.currency_id, self.jpy)
        self.assertEqual(team.rakuten_pricelist_id.company_id, company)

    # ------------------------------------------------------------------
    # The channel's company
    # ------------------------------------------------------------------
    def test_standard_sales_channel_gets_the_current_company(self):
        sales = self.env.ref("sales_team.team_sales_department")
        sales.company_id = False
        self.assertEqual(sales.rakuten_setup_missing.split()[0], "company")
        self.assertEqual(
            sales.rakuten_setup_todo.splitlines()[0],
            "• Set the company of this sales channel: press Use Current Company.",
        )
        message = self.assert_notification(
            sales.action_rakuten_setup_company(), "success"
        )
        self.assertEqual(sales.company_id, self.env.company)
        self.assertEqual(message, "Company: %s" % self.env.company.name)
        self.assertNotIn("company", sales.rakuten_setup_missing)

        plain = self.env["crm.team"].create({"name": "Plain"})
        self.assertFalse(plain.company_id)
        plain.with_company(self.company).write({"rakuten_shop_url": "plain"})
        self.assertEqual(
            plain.company_id, self.company, "made a Rakuten shop: the current company"
        )
        created = (
            self.env["crm.team"]
            .with_company(self.company)
            .create({"name": "New", "rakuten_shop_url": "new"})
        )
        self.assertEqual(created.company_id, self.company)

    def test_form_on_the_standard_channel(self):
        sales = self.env.ref("sales_team.team_sales_department")
        sales.company_id = False
        form = Form(sales.with_env(self.uenv))
        form.rakuten_shop_url = "standard"
        self.assertEqual(form.company_id, self.company)
        self.assertEqual(form.rakuten_warehouse_id, self.warehouse)
        self.assertEqual(form.rakuten_unmatched_product_id, self.unmatched)

    def test_pasted_shop_url_is_reduced_when_the_field_is_left(self):
        form = Form(self.env["crm.team"].with_env(self.uenv))
        form.name = "Pasted"
        for pasted in (
            "https://www.rakuten.co.jp/myshop/",
            "https://item.rakuten.co.jp/myshop/item-1/",
            "https://www.rakuten.ne.jp/gold/myshop/",
            "myshop",
        ):
            form.rakuten_shop_url = pasted
            self.assertEqual(form.rakuten_shop_url, "myshop", pasted)
        with self.assertLogs("odoo.tests.form.onchange", level="WARNING") as logs:
            form.rakuten_shop_url = "https://example.com/"
        self.assertIn("is not a Rakuten shop URL", "\n".join(logs.output))
        self.assertEqual(form.rakuten_shop_url, "https://example.com/")

    def test_rakuten_channel_needs_a_company(self):
        team = self.new_channel()
        team.action_rakuten_setup_all()
        team.write(
            {
                "rakuten_service_secret": "s",
                "rakuten_license_key": "k",
                "rakuten_authorization_type": "none",
            }
        )
        team.rakuten_active = True
        with self.assertRaises(UserError):
            team.company_id = False

    def test_missing_list_in_japanese(self):
        self.env["res.lang"]._activate_lang("ja_JP")
        team = self.new_channel()
        todo = team.with_context(lang="ja_JP").rakuten_setup_todo.splitlines()
        self.assertEqual(len(todo), 4)
        self.assertNotIn(TODO_TAXES, todo)
        self.assertIn("税込", todo[3])
        self.assertIn("オーソリ区分", todo[1])
        message = team.with_context(lang="ja_JP").action_rakuten_setup_taxes()[
            "params"
        ]["message"]
        self.assertIn("作成", message)
        # Names created by the set-up are stored in every installed language.
        self.assertEqual(
            team.rakuten_tax_10_id.with_context(lang="en_US").name, "10% Tax Included"
        )
        self.assertEqual(
            team.rakuten_tax_10_id.with_context(lang="ja_JP").name, "10% 内税"
        )

    # ------------------------------------------------------------------
    # Settings > Sales
    # ------------------------------------------------------------------
    def test_settings_open_the_shops_and_start_a_new_one(self):
        team = self.new_channel(name="Connected")
        team.action_rakuten_setup_all()
        team.write(
            {
                "rakuten_service_secret": "s",
                "rakuten_license_key": "k",
                "rakuten_authorization_type": "rakuten_pay",
                "rakuten_active": True,
            }
        )
        self.new_channel(name="Being Set Up", rakuten_shop_url="other")
        # As the settings page shows them (a new record, computed in the onchange).
        form = Form(self.aenv["res.config.settings"])
        self.assertEqual((form.rakuten_shop_count, form.rakuten_setup_count), (1, 1))
        settings = form.save()

        action = settings.action_rakuten_shops()
        self.assertEqual(action["res_model"], "crm.team")
        shops = self.uenv["crm.team"].search(safe_eval(action["domain"]))
        self.assertEqual(sorted(shops.mapped("name")), ["Being Set Up", "Connected"])
        self.assertNotIn(self.env.ref("sales_team.team_sales_department"), shops)

        action = settings.action_rakuten_new_shop()
        self.assertEqual(
            (action["res_model"], action["view_mode"]), ("crm.team", "form")
        )
        # The new shop opens on its Rakuten page: the first page of the form it names, as in the
        # Rakuten Shops menu.
        [(view_id, _mode)] = action["views"]
        shop_views = self.env.ref("sale_rakuten.action_rakuten_shops").view_ids
        self.assertEqual(
            shop_views.filtered(lambda v: v.view_mode == "form").view_id.id, view_id
        )
        arch = etree.fromstring(self.uenv["crm.team"].get_view(view_id, "form")["arch"])
        self.assertEqual(arch.xpath("//notebook/page")[0].get("name"), "rakuten")
        with Form(
            self.uenv["crm.team"].with_context(**action["context"]), view=view_id
        ) as form:
            form.name = "Second Shop"
            self.assertEqual(form.company_id, self.company)
            self.assertEqual(form.rakuten_warehouse_id, self.warehouse)
            self.assertEqual(form.rakuten_pricelist_id, team.rakuten_pricelist_id)
            self.assertEqual(form.rakuten_tax_10_id, team.rakuten_tax_10_id)
            self.assertEqual(form.rakuten_tax_8_id, team.rakuten_tax_8_id)
            self.assertEqual(form.rakuten_unmatched_product_id, self.unmatched)
            form.rakuten_shop_url = "second"
        self.assertEqual(form.record.rakuten_setup_missing, "credentials authorization")

    def test_settings_view_shows_the_rakuten_section(self):
        arch = self.aenv["res.config.settings"].get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        self.assertIn('id="rakuten_connector"', arch)
        self.assertIn('name="action_rakuten_shops"', arch)
        self.assertIn('name="action_rakuten_new_shop"', arch)

    def test_changing_the_company_follows_with_its_settings(self):
        other = self.env["res.company"].create(
            {"name": "Second KK", "currency_id": self.jpy.id}
        )
        self.manager.company_ids = [Command.link(other.id)]
        self.env.ref("base.group_multi_company").users = [Command.link(self.manager.id)]
        uenv = self.uenv(
            context=dict(
                self.uenv.context, allowed_company_ids=[self.company.id, other.id]
            )
        )
        form = Form(uenv["crm.team"])
        form.name = "Moving Shop"
        form.rakuten_shop_url = "moving"
        self.assertEqual(form.rakuten_warehouse_id, self.warehouse)
        form.company_id = other
        self.assertEqual(form.rakuten_warehouse_id.company_id, other)
        self.assertEqual(
            form.rakuten_unmatched_product_id,
            self.unmatched,
            "shared by all companies: kept",
        )
        self.assertFalse(form.rakuten_tax_10_id)
        form.save()

    def test_fix_all_button(self):
        sales = self.env.ref(
            "sales_team.team_sales_department"
        )  # its leader works for the main company
        sales.company_id = False
        self.assertEqual(
            sales.rakuten_setup_missing,
            "company shop_url credentials authorization warehouse pricelist taxes product",
        )
        message = self.assert_notification(sales.action_rakuten_setup_all(), "success")
        self.assertEqual(sales.company_id, self.env.company)
        self.assertEqual(
            sales.rakuten_setup_missing, "shop_url credentials authorization"
        )
        self.assertEqual(
            len(message.split("; ")), 6
        )  # company, warehouse, pricelist, 2 taxes, product
        self.assertEqual(
            self.assert_notification(sales.action_rakuten_setup_all(), "info"),
            "Nothing to change: these settings are already done.",
        )

    def test_each_fix_button_shows_with_its_line(self):
        arch = self.uenv["crm.team"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        for code in ("company", "warehouse", "pricelist", "taxes", "product"):
            self.assertIn(
                '<button name="action_rakuten_setup_%s" type="object" string=' % code,
                arch.replace(' groups="sales_team.group_sale_manager"', ""),
            )
            self.assertIn(
                "invisible=\"'%s' not in rakuten_setup_missing\"" % code, arch
            )
        self.assertIn('name="action_rakuten_setup_all"', arch)


@tagged("post_install", "-at_install")
class TestChannelSettings(RakutenCase):
    def test_pasted_shop_url_is_reduced_to_its_code(self):
        for value in (
            "https://www.rakuten.ne.jp/myshop/",
            "https://www.rakuten.ne.jp/gold/myshop/",
            "http://www.rakuten.ne.jp/gold/myshop/index.html",
            "www.rakuten.ne.jp/myshop",
            "https://www.rakuten.co.jp/myshop/",
            "https://item.rakuten.co.jp/myshop/item-1/?variantId=a1",
            "  myshop ",
        ):
            self.team.rakuten_shop_url = value
            self.assertEqual(self.team.rakuten_shop_url, "myshop", value)
        team = self._make_team(
            self.company,
            self.warehouse,
            "Second shop",
            "https://www.rakuten.ne.jp/gold/other-shop/",
        )
        self.assertEqual(team.rakuten_shop_url, "other-shop")

    def test_other_urls_are_refused_with_the_expected_form(self):
        for value in (
            "https://books.rakuten.co.jp/myshop/",
            "https://www.amazon.co.jp/myshop/",
            "my shop",
            "https://www.rakuten.ne.jp/",
            "https://www.rakuten.ne.jp/gold/",
        ):
            with self.assertRaises(ValidationError) as caught:
                self.team.rakuten_shop_url = value
            message = str(caught.exception)
            for form in (
                "https://www.rakuten.co.jp/XXXX/",
                "https://www.rakuten.ne.jp/gold/XXXX/",
                "https://www.rakuten.ne.jp/XXXX/",
                "https://item.rakuten.co.jp/XXXX/",
            ):
                self.assertIn(form, message, value)
        self.assertEqual(self.team.rakuten_shop_url, "sbxshop")
        with self.assertRaises(ValidationError):
            self._make_team(
                self.company, self.warehouse, "Bad", "https://www.rakuten.co.jp/"
            )

    def test_activation_needs_the_authorization_type(self):
        with self.assertRaises(ValidationError) as caught:
            self._make_team(
                self.company,
                self.warehouse,
                "No auth",
                "noauth",
                rakuten_authorization_type=False,
            )
        self.assertIn("Authorization Type", str(caught.exception))
        with self.assertRaises(ValidationError):
            self.team.rakuten_authorization_type = False
        # a channel that does not use the API yet may leave it empty, not switch it on
        team = self._make_team(
            self.company,
            self.warehouse,
            "Later",
            "later",
            rakuten_active=False,
            rakuten_authorization_type=False,
        )
        with self.assertRaises(ValidationError) as caught:
            team.rakuten_active = True
        self.assertIn("Authorization Type", str(caught.exception))
        team.write({"rakuten_authorization_type": "none", "rakuten_active": True})
        self.assertTrue(team.rakuten_active)
