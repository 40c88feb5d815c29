"""Shared set-up of the Odoo tier: a Rakuten sales channel wired to the local RMS sandbox.

Odoo's test base blocks HTTP to any host but localhost, so the channel's API URL points at
the sandbox on 127.0.0.1 and its pacing is off.
"""
from datetime import datetime, timedelta, timezone

from odoo import Command
from odoo.tests import TransactionCase

from odoo.addons.sale_rakuten.rms.codes import JST
from odoo.addons.sale_rakuten.tools.rms_sandbox import CATALOG, RmsSandbox

SECRET = "sbx-secret-4f2a9c"
LICENSE_KEY = "SL3-0000-license-7e1d"


def rms_datetime(moment):
    return moment.astimezone(JST).strftime("%Y-%m-%dT%H:%M:%S+0900")


class RakutenCase(TransactionCase):
    """A company in yen terms, taxes at 10 % and 8 % included in the price, the sandbox's
    catalogue as products (internal reference = システム連携用SKU番号), and a Rakuten channel."""

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
            {"name": "Rakuten JPY", "currency_id": cls.jpy.id, "company_id": cls.company.id}
        )
        cls.tax_10 = cls._make_tax("Rakuten 10% incl.", 10)
        cls.tax_8 = cls._make_tax("Rakuten 8% incl.", 8)
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.products = cls.env["product.product"]
        for entry in CATALOG:
            for variant in entry.variants:
                sku = variant.merchant_defined_sku_id
                cls.products |= cls.env["product.product"].create({
                    "name": "%s %s" % (entry.item_name, sku),
                    "default_code": sku,
                    "is_storable": True,
                    "list_price": entry.price,
                    "company_id": False,
                })
        stock = cls.warehouse.lot_stock_id
        for product in cls.products:
            cls.env["stock.quant"]._update_available_quantity(product, stock, 1000)
        cls.team = cls._make_team(cls.company, cls.warehouse, "Rakuten Shop", "sbxshop")

    @classmethod
    def _make_tax(cls, name, amount, company=None):
        return cls.env["account.tax"].create({
            "name": name,
            "amount": amount,
            "amount_type": "percent",
            "type_tax_use": "sale",
            "price_include_override": "tax_included",
            "company_id": (company or cls.company).id,
        })

    @classmethod
    def _make_carrier(cls, name, rakuten_code):
        """A fixed-price delivery method reported to Rakuten as carrier ``rakuten_code``."""
        service = cls.env["product.product"].create({"name": "%s shipping" % name, "type": "service"})
        return cls.env["delivery.carrier"].create({
            "name": name,
            "product_id": service.id,
            "delivery_type": "fixed",
            "fixed_price": 0.0,
            "rakuten_carrier_code": rakuten_code,
        })

    @classmethod
    def _make_team(cls, company, warehouse, name, shop_url, **values):
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=[company.id]))
        pricelist = cls.pricelist if company == cls.company else env["product.pricelist"].create(
            {"name": "Rakuten JPY", "currency_id": cls.jpy.id, "company_id": company.id}
        )
        tax_10 = cls.tax_10 if company == cls.company else cls._make_tax("10% incl.", 10, company)
        tax_8 = cls.tax_8 if company == cls.company else cls._make_tax("8% incl.", 8, company)
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
            "rakuten_unmatched_product_id": env.ref("sale_rakuten.product_rakuten_unmatched").id,
            "member_ids": [Command.clear()],
        }
        vals.update(values)
        return env["crm.team"].create(vals)

    def setUp(self):
        super().setUp()
        self.sandbox.orders.clear()
        self.sandbox.reset_counters()
        for switch in ("error_rate_5xx", "timeout_rate", "rate_limit_rate", "malformed_json_rate"):
            setattr(self.sandbox, switch, 0.0)
        self.sandbox.expired_license = False
        self.sandbox.api_disabled = False

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

    def add_order(self, minutes_ago=60, progress=300, payment="card", mix=None, **fields):
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
        log = self.run_cron_job(kind).filtered(lambda l: l.team_id == team)
        self.assertLessEqual(len(log), 1, "one log per channel and run")
        return log

    def lock_key(self, kind="import", team=None):
        """The two integers of the advisory lock of job ``kind`` for ``team``, for tests that
        hold it from another cursor."""
        return self.env["rakuten.sync"]._lock_key(kind, team or self.team)

    def import_orders(self, team=None):
        return (team or self.team)._rakuten_import_orders()

    def sale_order(self, number):
        return self.env["sale.order"].search([("rakuten_order_number", "=", number)])
