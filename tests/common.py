"""Shared set-up of the Odoo tier: a Rakuten sales channel wired to the local RMS sandbox.

Odoo's test base blocks HTTP to any host but localhost, so the channel's API URL points at
the sandbox on 127.0.0.1 and its pacing is off.
"""

import copy
import functools
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

from odoo import Command
from odoo.tests import TransactionCase

from odoo.addons.sale_rakuten.rms.client import RmsClient
from odoo.addons.sale_rakuten.rms.codes import JST
from odoo.addons.sale_rakuten.tools.rms_sandbox import CATALOG, RmsSandbox

SECRET = "sbx-secret-4f2a9c"
LICENSE_KEY = "SL3-0000-license-7e1d"


def rms_datetime(moment):
    return moment.astimezone(JST).strftime("%Y-%m-%dT%H:%M:%S+0900")


class RakutenCase(TransactionCase):
    """A company in yen terms, taxes at 10 % and 8 % included in the price, the sandbox's
    catalogue as products (internal reference = システム連携用SKU番号), and a Rakuten channel.

    ``sandbox_switches`` (sandbox attribute: value) are set again before every test: a class
    whose tests confirm orders sets ``CONFIRM_SWITCHES`` (RMS confirms at once and moves the
    order to 200)."""

    CONFIRM_SWITCHES = {"async_delay_polls": 0, "confirm_moves_to": 200}
    sandbox_switches = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = RmsSandbox(SECRET, LICENSE_KEY, seed=7)
        cls.sandbox.start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.company = cls.env.company
        cls.jpy = cls.env.ref("base.JPY")
        cls.jpy.active = True
        cls.pricelist = cls.env["product.pricelist"].create(
            {
                "name": "Rakuten JPY",
                "currency_id": cls.jpy.id,
                "company_id": cls.company.id,
            }
        )
        cls.tax_10 = cls._make_tax("Rakuten 10% incl.", 10)
        cls.tax_8 = cls._make_tax("Rakuten 8% incl.", 8)
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.products = cls.env["product.product"]
        for entry in CATALOG:
            for variant in entry.variants:
                sku = variant.merchant_defined_sku_id
                cls.products |= cls.env["product.product"].create(
                    {
                        "name": "%s %s" % (entry.item_name, sku),
                        "default_code": sku,
                        "is_storable": True,
                        "list_price": entry.price,
                        "company_id": False,
                    }
                )
        stock = cls.warehouse.lot_stock_id
        for product in cls.products:
            cls.env["stock.quant"]._update_available_quantity(product, stock, 1000)
        cls.team = cls._make_team(cls.company, cls.warehouse, "Rakuten Shop", "sbxshop")

    @classmethod
    def _make_tax(cls, name, amount, company=None):
        return cls.env["account.tax"].create(
            {
                "name": name,
                "amount": amount,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": (company or cls.company).id,
            }
        )

    @classmethod
    def _make_carrier(cls, name, rakuten_code):
        """A fixed-price delivery method reported to Rakuten as carrier ``rakuten_code``."""
        service = cls.env["product.product"].create(
            {"name": "%s shipping" % name, "type": "service"}
        )
        return cls.env["delivery.carrier"].create(
            {
                "name": name,
                "product_id": service.id,
                "delivery_type": "fixed",
                "fixed_price": 0.0,
                "rakuten_carrier_code": rakuten_code,
            }
        )

    @classmethod
    def _make_team(cls, company, warehouse, name, shop_url, **values):
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=[company.id]))
        pricelist = (
            cls.pricelist
            if company == cls.company
            else env["product.pricelist"].create(
                {
                    "name": "Rakuten JPY",
                    "currency_id": cls.jpy.id,
                    "company_id": company.id,
                }
            )
        )
        tax_10 = (
            cls.tax_10
            if company == cls.company
            else cls._make_tax("10% incl.", 10, company)
        )
        tax_8 = (
            cls.tax_8
            if company == cls.company
            else cls._make_tax("8% incl.", 8, company)
        )
        vals = {
            "name": name,
            "company_id": company.id,
            "rakuten_active": True,
            "rakuten_shop_url": shop_url,
            "rakuten_service_secret": SECRET,
            "rakuten_license_key": LICENSE_KEY,
            "rakuten_api_url": cls.sandbox.url,
            "rakuten_request_interval": 0.0,
            "rakuten_authorization_type": "rakuten_pay",
            "rakuten_warehouse_id": warehouse.id,
            "rakuten_pricelist_id": pricelist.id,
            "rakuten_tax_10_id": tax_10.id,
            "rakuten_tax_8_id": tax_8.id,
            "rakuten_unmatched_product_id": env.ref(
                "sale_rakuten.product_rakuten_unmatched"
            ).id,
            "member_ids": [Command.clear()],
        }
        vals.update(values)
        return env["crm.team"].create(vals)

    def setUp(self):
        super().setUp()
        self.sandbox.orders.clear()
        self.sandbox.reset_counters()
        for switch in (
            "error_rate_5xx",
            "timeout_rate",
            "rate_limit_rate",
            "malformed_json_rate",
        ):
            setattr(self.sandbox, switch, 0.0)
        self.sandbox.expired_license = False
        self.sandbox.api_disabled = False
        for switch, value in self.sandbox_switches.items():
            setattr(self.sandbox, switch, value)
        # The sandbox lives for the whole class: put back the license tests change on it.
        expiry, key = self.sandbox.license_expiry, self.sandbox.license_key
        self.addCleanup(setattr, self.sandbox, "license_expiry", expiry)
        self.addCleanup(setattr, self.sandbox, "license_key", key)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    PLAIN_MIX = {
        "order_type": {1: 1.0},
        "packages": {1: 1.0},
        "asuraku": 0.0,
        "drug": 0.0,
        "postage_undetermined": 0.0,
        "remarks": 0.0,
        "shop_coupon": 0.0,
        "rakuten_coupon": 0.0,
        "points": 0.0,
        "wrapping": 0.0,
        "gift": 0.0,
        "delivery_date": 0.0,
        "caution": 0.0,
        "rakuten_confirm": 0.0,
    }

    def add_order(
        self, minutes_ago=60, progress=300, payment="card", mix=None, **fields
    ):
        """Add one consistent sandbox order placed ``minutes_ago`` minutes ago: a plain order
        (type 通常, one recipient, no flag) unless ``mix`` asks for more; then the given
        top-level fields replace the generated ones. Returns the order number."""
        ordered = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
        table = dict(self.PLAIN_MIX, payment={payment: 1.0}, progress={progress: 1.0})
        table.update(mix or {})
        [number] = self.sandbox.generate_orders(1, now=ordered, mix=table, hours=0)
        self.sandbox.orders[number].update(fields)
        return number

    def run_cron_job(self, kind):
        """Run the scheduled action of job ``kind`` (``rakuten.sync._cron_<kind>``) as the
        scheduler does (under test it commits nothing); return the logs of every channel."""
        return getattr(self.env["rakuten.sync"], "_cron_" + kind)()

    def run_job(self, kind, team=None):
        """Run the scheduled action of job ``kind``; return the log of ``team`` (this
        channel by default), empty when the job skipped the channel."""
        team = team or self.team
        log = self.run_cron_job(kind).filtered(lambda log: log.team_id == team)
        self.assertLessEqual(len(log), 1, "one log per channel and run")
        return log

    def run_logged_job(self, kind, team=None):
        """Like ``run_job``, for a channel the job must not skip: its one log."""
        log = self.run_job(kind, team)
        self.assertEqual(len(log), 1, "the job writes one log for the channel")
        return log

    def log_line(self, log, number):
        """The one line of ``log`` about order ``number``."""
        lines = log.line_ids.filtered(lambda line: line.order_number == number)
        self.assertEqual(
            len(lines), 1, "one log line for %s: %s" % (number, lines.mapped("reason"))
        )
        return lines

    @contextmanager
    def no_backoff(self):
        """Keep the client's retries but not their waits (a 5xx storm would take 15 s)."""
        client = functools.partial(RmsClient, backoff_factor=0)
        with patch("odoo.addons.sale_rakuten.models.crm_team.RmsClient", client):
            yield

    def lock_key(self, kind="import", team=None):
        """The two integers of the advisory lock of job ``kind`` for ``team``, for tests that
        hold it from another cursor."""
        return self.env["rakuten.sync"]._lock_key(kind, team or self.team)

    def import_orders(self, team=None):
        return (team or self.team)._rakuten_import_orders()

    def sale_order(self, number):
        return self.env["sale.order"].search([("rakuten_order_number", "=", number)])

    def pending(self, number, team=None):
        """The pending (deferred) record of order ``number`` on ``team``."""
        return self.env["rakuten.pending.order"].search(
            [("team_id", "=", (team or self.team).id), ("order_number", "=", number)]
        )


SECRET_B = "sbx-secret-b-91c3"
LICENSE_KEY_B = "SL3-0000-license-b-22aa"


class MultiCompanyCase(RakutenCase):
    """A second company with its own channel (team_b) on its own sandbox (sandbox_b), and a
    salesperson in each company (user_a, user_b)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox_b = RmsSandbox(SECRET_B, LICENSE_KEY_B, seed=11)
        cls.sandbox_b.shop_id = "888888"
        cls.sandbox_b.start()
        cls.addClassCleanup(cls.sandbox_b.stop)
        cls.company_b = cls.env["res.company"].create(
            {
                "name": "Rakuten Second Company",
                "currency_id": cls.jpy.id,
                "country_id": cls.env.ref("base.jp").id,
            }
        )
        cls.env["account.tax.group"].create(
            {"name": "Taxes", "company_id": cls.company_b.id}
        )
        # Odoo creates a new company's warehouse only under its own test runner
        Warehouse = cls.env["stock.warehouse"].with_company(cls.company_b)
        cls.warehouse_b = Warehouse.search(
            [("company_id", "=", cls.company_b.id)], limit=1
        ) or Warehouse.create(
            {"name": "Rakuten B", "code": "RKB", "company_id": cls.company_b.id}
        )
        cls.team_b = cls._make_team(
            cls.company_b,
            cls.warehouse_b,
            "Rakuten Shop B",
            "sbxshopb",
            rakuten_api_url=cls.sandbox_b.url,
            rakuten_service_secret=SECRET_B,
            rakuten_license_key=LICENSE_KEY_B,
        )
        Users = cls.env["res.users"].with_context(no_reset_password=True)
        groups = [
            cls.env.ref("base.group_user").id,
            cls.env.ref("sales_team.group_sale_salesman_all_leads").id,
        ]
        cls.user_a = Users.create(
            {
                "name": "Seller A",
                "login": "rakuten_seller_a",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [Command.set(groups)],
            }
        )
        cls.user_b = Users.create(
            {
                "name": "Seller B",
                "login": "rakuten_seller_b",
                "company_id": cls.company_b.id,
                "company_ids": [Command.set(cls.company_b.ids)],
                "groups_id": [Command.set(groups)],
            }
        )

    def setUp(self):
        super().setUp()
        self.sandbox_b.orders.clear()
        self.sandbox_b.reset_counters()
        self.sandbox_b.expired_license = False

    def add_order_b(self, minutes_ago=60, **fields):
        ordered = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
        table = dict(self.PLAIN_MIX, payment={"card": 1.0}, progress={300: 1.0})
        [number] = self.sandbox_b.generate_orders(1, now=ordered, mix=table, hours=0)
        self.sandbox_b.orders[number].update(fields)
        return number

    def import_both(self):
        return self.import_orders(), self.import_orders(self.team_b)


class ConfirmCarrierCase(RakutenCase):
    """What the confirm, carrier and shipping-report tests share: RMS confirms at once, a
    Yamato delivery method reported as carrier 1001, orders in bulk, the order-API request
    bodies the client sends, a validated delivery."""

    sandbox_switches = RakutenCase.CONFIRM_SWITCHES

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.yamato = cls._make_carrier("Yamato (Rakuten)", "1001")

    def add_orders(self, n, progress=100, payment="card", minutes_ago=45, mix=None):
        """``n`` plain sandbox orders placed ``minutes_ago`` minutes ago."""
        ordered = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
        table = dict(self.PLAIN_MIX, payment={payment: 1.0}, progress={progress: 1.0})
        table.update(mix or {})
        return self.sandbox.generate_orders(n, now=ordered, mix=table, hours=0)

    def imported(self, numbers):
        log = self.import_orders()
        self.assertEqual(log.state, "done", log.message)
        orders = self.env["sale.order"].search(
            [("rakuten_order_number", "in", numbers)]
        )
        self.assertEqual(
            len(orders),
            len(numbers),
            [(line.order_number, line.reason) for line in log.line_ids],
        )
        return orders

    def confirm_job(self):
        return self.run_job("confirm")

    def carrier_job(self):
        return self.run_job("carrier")

    def follow_job(self):
        return self.run_job("follow")

    def rows(self, number, package=0):
        return self.sandbox.orders[number]["PackageModelList"][package][
            "ShippingModelList"
        ]

    def basket_ids(self, number):
        return [p["basketId"] for p in self.sandbox.orders[number]["PackageModelList"]]

    @contextmanager
    def wire(self):
        """Record every order-API request body the client sends: ``{operation: [body, ...]}``."""
        sent = {}
        original = RmsClient._call_order_api

        def spy(client, operation, body, count=1):
            sent.setdefault(operation, []).append(copy.deepcopy(body))
            return original(client, operation, body, count=count)

        with patch.object(RmsClient, "_call_order_api", autospec=True, side_effect=spy):
            yield sent

    def ship(self, order, tracking, carrier=None):
        """Validate the Rakuten order's delivery with a carrier and tracking number(s)."""
        if order.rakuten_slip_state == "waiting_payment":
            order.rakuten_payment_state = "2"
        self.assertEqual(order.rakuten_slip_state, "ready")
        picking = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing"
        )
        self.assertEqual(len(picking), 1)
        picking.write(
            {
                "carrier_id": (carrier or self.yamato).id,
                "carrier_tracking_ref": tracking,
            }
        )
        self.assertEqual(picking.state, "assigned")
        res = picking.with_context(skip_sms=True).button_validate()
        self.assertIs(res, True, res)
        self.assertEqual(picking.state, "done")
        return picking

    def set_carrier_rows(self, numbers):
        """Import done: the carrier job sets the その他 rows and the follow job stores their ids."""
        self.carrier_job()
        self.follow_job()
        baskets = (
            self.env["sale.order"]
            .search([("rakuten_order_number", "in", numbers)])
            .rakuten_basket_ids
        )
        self.assertEqual(set(baskets.mapped("carrier_state")), {"done"})
        self.sandbox.reset_counters()
