"""Who sees what: credentials, raw RMS data, logs; several companies."""

import base64
import logging
from contextlib import contextmanager
from datetime import datetime, time, timedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import LICENSE_KEY, SECRET, MultiCompanyCase, RakutenCase

ESA_TOKEN = base64.b64encode(("%s:%s" % (SECRET, LICENSE_KEY)).encode()).decode()
SECRETS = (SECRET, LICENSE_KEY, ESA_TOKEN)


@contextmanager
def all_logs():
    """Every log record of every logger, at DEBUG, formatted with its traceback or stack. The
    console stays at its level."""
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Collect(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    manager = logging.root.manager
    loggers = [logging.root] + [
        lg for lg in manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    levels = [(lg, lg.level) for lg in loggers]
    handlers = [(h, h.level) for h in logging.root.handlers]
    isolated = [lg for lg in loggers if not lg.propagate]
    try:
        for h in logging.root.handlers:
            h.setLevel(max(h.level, logging.WARNING))
        for lg in loggers:
            lg.setLevel(logging.DEBUG)
        logging.root.addHandler(handler)
        for lg in isolated:
            lg.addHandler(handler)
        yield records
    finally:
        logging.root.removeHandler(handler)
        for lg in isolated:
            lg.removeHandler(handler)
        for lg, level in levels:
            lg.setLevel(level)
        for h, level in handlers:
            h.setLevel(level)


class SecurityCase(RakutenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Users = cls.env["res.users"].with_context(no_reset_password=True)
        cls.salesman = Users.create(
            {
                "name": "Plain Salesperson",
                "login": "rakuten_salesman",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("base.group_user").id,
                            cls.env.ref("sales_team.group_sale_salesman").id,
                        ]
                    )
                ],
            }
        )
        cls.manager = Users.create(
            {
                "name": "Rakuten Manager",
                "login": "rakuten_manager",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("base.group_user").id,
                            cls.env.ref("sale_rakuten.group_rakuten_manager").id,
                        ]
                    )
                ],
            }
        )


@tagged("post_install", "-at_install")
class TestCredentials(SecurityCase):
    def test_salesperson_reads_the_channel_but_not_its_credentials(self):
        self.assertFalse(self.salesman.has_group("sale_rakuten.group_rakuten_manager"))
        team = self.team.with_user(self.salesman)
        [values] = team.read(
            ["name", "rakuten_active", "rakuten_shop_url", "rakuten_credentials_set"]
        )
        self.assertEqual(
            (values["rakuten_active"], values["rakuten_shop_url"]), (True, "sbxshop")
        )
        self.assertTrue(values["rakuten_credentials_set"])
        fields = team.fields_get()
        self.assertIn("rakuten_credentials_set", fields)
        for name in ("rakuten_service_secret", "rakuten_license_key"):
            with self.assertRaises(AccessError):
                team.read([name])
            with self.assertRaises(AccessError):
                team.search_read([("id", "=", team.id)], [name])
            with self.assertRaises(AccessError):
                # nor can the value be guessed by searching on it
                team.search(
                    [
                        (
                            name,
                            "=",
                            SECRET if name == "rakuten_service_secret" else LICENSE_KEY,
                        )
                    ]
                )
            self.assertNotIn(name, fields)
        # what read() without a field list returns
        readable = team.check_field_access_rights("read", None)
        self.assertIn("rakuten_credentials_set", readable)
        self.assertNotIn("rakuten_service_secret", readable)
        self.assertNotIn("rakuten_license_key", readable)
        arch = team.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("rakuten_service_secret", arch)
        self.assertNotIn("rakuten_license_key", arch)

    def test_rakuten_manager_reads_the_credentials(self):
        team = self.team.with_user(self.manager)
        [values] = team.read(
            ["rakuten_service_secret", "rakuten_license_key", "rakuten_credentials_set"]
        )
        self.assertEqual(
            (
                values["rakuten_service_secret"],
                values["rakuten_license_key"],
                values["rakuten_credentials_set"],
            ),
            (SECRET, LICENSE_KEY, True),
        )
        self.assertIn("rakuten_license_key", team.fields_get())
        self.assertIn(
            "rakuten_service_secret",
            team.get_views([(False, "form")])["views"]["form"]["arch"],
        )

    def test_only_rakuten_managers_change_the_credentials(self):
        sales_admin = self.env.ref("sales_team.group_sale_manager")
        # a sales administrator may edit the channel, not its credentials
        self.salesman.groups_id = [Command.link(sales_admin.id)]
        team = self.team.with_user(self.salesman)
        team.write({"rakuten_wait_minutes": 20})
        for name in ("rakuten_service_secret", "rakuten_license_key"):
            with self.assertRaises(AccessError):
                team.write({name: "forged"})
            with self.assertRaises(AccessError):
                team.read([name])
        # a Rakuten manager who may edit the channel pastes a renewed key
        self.manager.groups_id = [Command.link(sales_admin.id)]
        self.team.with_user(self.manager).write(
            {"rakuten_license_key": "SL3-0000-renewed"}
        )
        self.assertEqual(self.team.rakuten_license_key, "SL3-0000-renewed")
        self.assertTrue(self.team.rakuten_credentials_set)

    def test_raw_rms_data_is_for_rakuten_managers(self):
        number = self.add_order()
        self.import_orders()
        order = self.sale_order(number)
        as_salesman = order.with_user(self.salesman)
        [values] = as_salesman.read(["name", "rakuten_order_number", "amount_total"])
        self.assertEqual(values["rakuten_order_number"], number)
        with self.assertRaises(AccessError):
            as_salesman.read(["rakuten_raw_data"])
        self.assertNotIn("rakuten_raw_data", as_salesman.fields_get())
        self.assertNotIn("rakuten_raw_data", as_salesman.read()[0])
        [raw] = order.with_user(self.manager).read(["rakuten_raw_data"])
        self.assertIn(number, raw["rakuten_raw_data"])

    def test_secrets_never_reach_logs_chatter_or_sync_logs(self):
        with all_logs() as records:
            number = self.add_order(remarks="置き配希望")
            log = self.import_orders()
            self.sandbox.expired_license = True
            failed = self.import_orders()
            expired = self.team.action_rakuten_test_connection()
            self.sandbox.expired_license = False
            self.sandbox.api_disabled = True
            disabled = self.team.action_rakuten_test_connection()
        self.assertEqual((log.state, log.count_imported), ("done", 1), log.message)
        self.assertEqual(failed.state, "failed")
        self.assertEqual(
            (expired["params"]["type"], disabled["params"]["type"]),
            ("danger", "danger"),
        )
        text = "\n".join(records)
        # the capture saw the HTTP calls (urllib3 logs each URL at DEBUG), the key masked
        self.assertIn("license-key/expiry-date", text)
        self.assertIn("licenseKey=***", text)
        self.assertIn("searchOrder", text)
        for secret in SECRETS:
            self.assertNotIn(secret, text)
        # sync logs and their lines
        logs = self.env["rakuten.sync.log"].search([("team_id", "=", self.team.id)])
        self.assertIn(failed, logs)
        self.assertTrue(failed.message)
        stored = "\n".join(
            logs.mapped(lambda line: line.message or "")
            + logs.line_ids.mapped(lambda line: line.reason or "")
            + [self.team.sudo().rakuten_auth_error or ""]
            + [expired["params"]["message"], disabled["params"]["message"]]
        )
        # chatter of the channel and of the orders, tracked values included
        order = self.sale_order(number)
        messages = self.env["mail.message"].search(
            [
                "|",
                "&",
                ("model", "=", "crm.team"),
                ("res_id", "=", self.team.id),
                "&",
                ("model", "=", "sale.order"),
                ("res_id", "=", order.id),
            ]
        )
        self.assertTrue(
            messages.filtered(lambda m: "The buyer wrote remarks." in (m.body or ""))
        )
        stored += "\n".join(str(m.body) for m in messages)
        for secret in SECRETS:
            self.assertNotIn(secret, stored)
            for field in ("body", "subject"):
                self.assertFalse(
                    self.env["mail.message"].search_count([(field, "ilike", secret)]),
                    field,
                )
            for field in (
                "old_value_char",
                "new_value_char",
                "old_value_text",
                "new_value_text",
            ):
                self.assertFalse(
                    self.env["mail.tracking.value"].search_count(
                        [(field, "ilike", secret)]
                    ),
                    field,
                )

    def test_test_connection_stores_the_expiry(self):
        result = self.team.action_rakuten_test_connection()
        params = result["params"]
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(params["type"], "success")
        expiry = self.sandbox.license_expiry
        self.assertIn(expiry.isoformat(), params["message"])
        # 23:59:59 Japan time, stored in UTC
        self.assertEqual(
            self.team.rakuten_license_expiry,
            datetime.combine(expiry, time(23, 59, 59)) - timedelta(hours=9),
        )

    def test_test_connection_expired_license_says_what_to_do(self):
        self.sandbox.expired_license = True
        params = self.team.action_rakuten_test_connection()["params"]
        self.assertEqual(params["type"], "danger")
        self.assertIn("renew", params["message"].lower())
        self.assertIn("license key", params["message"].lower())
        self.assertFalse(self.team.rakuten_license_expiry)

    def test_test_connection_api_not_enabled_points_to_function_settings(self):
        self.sandbox.api_disabled = True
        params = self.team.action_rakuten_test_connection()["params"]
        self.assertEqual(params["type"], "danger")
        self.assertIn("edit the functions of this key", params["message"])
        self.assertIn("WEB API Service", params["message"])
        self.assertFalse(self.team.rakuten_license_expiry)


@tagged("post_install", "-at_install")
class TestMultiCompany(MultiCompanyCase):
    def test_orders_belong_to_their_channel_company(self):
        number_a = self.add_order()
        raw_a = self.sandbox.orders[number_a]
        # the same buyer at both shops
        number_b = self.add_order_b(OrdererModel=dict(raw_a["OrdererModel"]))
        self.sandbox_b.orders[number_b]["PackageModelList"][0]["SenderModel"] = dict(
            raw_a["PackageModelList"][0]["SenderModel"]
        )
        log_a, log_b = self.import_both()
        self.assertEqual(
            (log_a.state, log_a.count_imported), ("done", 1), log_a.message
        )
        self.assertEqual(
            (log_b.state, log_b.count_imported), ("done", 1), log_b.message
        )
        self.assertEqual(
            (log_a.company_id, log_b.company_id), (self.company, self.company_b)
        )
        for number, team, company, warehouse in (
            (number_a, self.team, self.company, self.warehouse),
            (number_b, self.team_b, self.company_b, self.warehouse_b),
        ):
            order = self.sale_order(number)
            self.assertEqual(len(order), 1, number)
            self.assertEqual(
                (order.team_id, order.company_id, order.warehouse_id),
                (team, company, warehouse),
            )
            self.assertEqual(order.partner_id.company_id, company)
            self.assertEqual(order.pricelist_id, team.rakuten_pricelist_id)
            self.assertTrue(order.order_line.tax_id)
            self.assertLessEqual(
                order.order_line.tax_id, team.rakuten_tax_10_id | team.rakuten_tax_8_id
            )
            self.assertEqual(order.order_line.tax_id.company_id, company)
            self.assertEqual(order.picking_ids.company_id, company)
            self.assertEqual(order.picking_ids.picking_type_id.warehouse_id, warehouse)
            self.assertEqual(order.rakuten_basket_ids.company_id, company)
            self.assertEqual(order.amount_total, order.rakuten_expected_amount)
        # one partner per company for the same buyer
        self.assertNotEqual(
            self.sale_order(number_a).partner_id, self.sale_order(number_b).partner_id
        )
        self.assertEqual(
            self.sale_order(number_a).partner_id.name,
            self.sale_order(number_b).partner_id.name,
        )

    def test_users_see_their_own_company_only(self):
        number_a, number_b = self.add_order(), self.add_order_b()
        log_a, log_b = self.import_both()
        order_a, order_b = self.sale_order(number_a), self.sale_order(number_b)
        for user, own_log, other_log, own_order, other_order in (
            (self.user_a, log_a, log_b, order_a, order_b),
            (self.user_b, log_b, log_a, order_b, order_a),
        ):
            Log = self.env["rakuten.sync.log"].with_user(user)
            logs = Log.search([])
            self.assertIn(own_log, logs)
            self.assertNotIn(other_log, logs)
            self.assertEqual(logs.company_id, own_log.company_id)
            lines = self.env["rakuten.sync.log.line"].with_user(user).search([])
            self.assertEqual(lines.company_id, own_log.company_id)
            with self.assertRaises(AccessError):
                other_log.with_user(user).read(["message"])
            orders = (
                self.env["sale.order"]
                .with_user(user)
                .search([("rakuten_order_number", "!=", False)])
            )
            self.assertEqual(orders, own_order)
            with self.assertRaises(AccessError):
                other_order.with_user(user).read(["name"])
            baskets = self.env["rakuten.basket"].with_user(user).search([])
            self.assertEqual(baskets.order_id, own_order)
