"""Importing orders end to end against RMS: a plain order, amounts to the yen, customers,
recipients, the delivery guard, the cron over several channels.

Orders come from the sandbox's generator; where a test needs exact contents (items at both tax
rates, several recipients, a payment charge), :meth:`RakutenOrderCase.set_contents` rewrites a
generated order's packages, coupons and points and recomputes every RMS amount the way RMS
states them (totalPrice = goods + postage; requestPrice = totalPrice + deliveryPrice +
paymentCharge - couponAllTotalPrice - usedPoint; TaxSummaryModelList per rate with
reqPrice = totalPrice + paymentCharge - couponPrice and reqPriceTax rounded down).
"""

import copy
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.sale_rakuten.rms import mapping
from odoo.addons.sale_rakuten.tools.rms_sandbox import CATALOG

from .common import MultiCompanyCase, RakutenCase

CATALOG_INDEX = {entry.manage_number: index for index, entry in enumerate(CATALOG)}
PERCENT = {0.1: 10, 0.08: 8}
AMOUNTS_REASON = "differs from Rakuten"


def _tax_in(amount, pct):
    """Consumption tax inside a tax-included amount, rounded down (as RMS's reqPriceTax)."""
    return amount * pct // (100 + pct)


def person(
    family, first, family_kana, first_kana, prefecture, zip_code, city, street, phone
):
    zip1, zip2 = zip_code.split("-")
    phone1, phone2, phone3 = phone.split("-")
    return {
        "zipCode1": zip1,
        "zipCode2": zip2,
        "prefecture": prefecture,
        "city": city,
        "subAddress": street,
        "familyName": family,
        "firstName": first,
        "familyNameKana": family_kana,
        "firstNameKana": first_kana,
        "phoneNumber1": phone1,
        "phoneNumber2": phone2,
        "phoneNumber3": phone3,
        "isolatedIslandFlag": 0,
    }


BUYER = person(
    "山田",
    "太郎",
    "ヤマダ",
    "タロウ",
    "東京都",
    "160-0023",
    "新宿区",
    "西新宿2-8-1 メゾン桜101",
    "03-1234-5678",
)
BUYER_EMAIL = "0123456789abcdef0123456789abcdef@pc.fw.rakuten.ne.jp"
FRIEND = person(
    "鈴木",
    "花子",
    "スズキ",
    "ハナコ",
    "大阪府",
    "530-0001",
    "大阪市北区",
    "梅田1-1-3",
    "06-2222-3333",
)
PARENTS = person(
    "山田",
    "一郎",
    "ヤマダ",
    "イチロウ",
    "北海道",
    "060-0001",
    "札幌市中央区",
    "北一条西4-1",
    "011-444-5555",
)


class RakutenOrderCase(RakutenCase):
    def set_contents(
        self,
        number,
        packages,
        cod_fee=0,
        payment_charge=0,
        shop_coupons=(),
        rakuten_coupons=(),
        points=0,
    ):
        """Rewrite the contents of sandbox order ``number`` consistently.

        ``packages``: [{"items": [(manageNumber, units)], "postage": yen, "sender": SenderModel
        (default: the orderer)}]; coupons: [(package index, item index, yen)]; the COD fee
        (deliveryPrice) goes on the first package. Returns the raw order.
        """
        raw = self.sandbox.orders[number]
        rng = random.Random(number)
        template = raw["PackageModelList"][0]
        orderer = {
            k: v
            for k, v in raw["OrdererModel"].items()
            if k not in ("emailAddress", "sex", "birthYear", "birthMonth", "birthDay")
        }
        models = []
        for index, spec in enumerate(packages):
            items = [
                self.sandbox._item(rng, CATALOG_INDEX[manage], units)
                for manage, units in spec["items"]
            ]
            goods = sum(item["priceTaxIncl"] * item["units"] for item in items)
            package = copy.deepcopy(template)
            package.update(
                {
                    "basketId": self.sandbox._new_id("basket"),
                    "postagePrice": spec["postage"],
                    "postageTaxRate": 0.1,
                    "deliveryPrice": cod_fee if index == 0 else 0,
                    "deliveryTaxRate": 0.1,
                    "goodsPrice": goods,
                    "goodsTax": sum(
                        _tax_in(i["priceTaxIncl"] * i["units"], PERCENT[i["taxRate"]])
                        for i in items
                    ),
                    "totalPrice": goods + spec["postage"],
                    "noshi": None,
                    "SenderModel": dict(
                        spec.get("sender") or dict(orderer, isolatedIslandFlag=0)
                    ),
                    "ItemModelList": items,
                    "ShippingModelList": [],
                }
            )
            models.append(package)
        coupons = []
        for capital_code, capital, specs in (
            (1, "ショップ", shop_coupons),
            (3, "サービス", rakuten_coupons),
        ):
            for package_index, item_index, amount in specs:
                item = models[package_index]["ItemModelList"][item_index]
                coupons.append(
                    {
                        "couponCode": "%s-%s-%s"
                        % (capital_code, item["itemDetailId"], amount),
                        "itemId": item["itemId"],
                        "couponName": "%d円OFFクーポン" % amount,
                        "couponSummary": "%d円OFF" % amount,
                        "couponCapital": capital,
                        "couponCapitalCode": capital_code,
                        "expiryDate": None,
                        "couponPrice": amount,
                        "couponUnit": 1,
                        "couponTotalPrice": amount,
                        "itemDetailId": item["itemDetailId"],
                    }
                )
        items = [item for package in models for item in package["ItemModelList"]]
        rate_of = {item["itemDetailId"]: PERCENT[item["taxRate"]] for item in items}
        goods = sum(p["goodsPrice"] for p in models)
        postage = sum(p["postagePrice"] for p in models)
        coupon_shop = sum(
            c["couponTotalPrice"] for c in coupons if c["couponCapitalCode"] == 1
        )
        coupon_other = sum(
            c["couponTotalPrice"] for c in coupons if c["couponCapitalCode"] != 1
        )
        summaries = []
        for pct, rate in ((10, 0.1), (8, 0.08)):
            amount = sum(
                i["priceTaxIncl"] * i["units"]
                for i in items
                if rate_of[i["itemDetailId"]] == pct
            )
            coupon = sum(
                c["couponTotalPrice"]
                for c in coupons
                if rate_of[c["itemDetailId"]] == pct
            )
            charge = cod_fee + payment_charge if pct == 10 else 0
            amount += postage if pct == 10 else 0
            if amount or charge or coupon:
                req = amount + charge - coupon
                summaries.append(
                    {
                        "taxRate": rate,
                        "reqPrice": req,
                        "reqPriceTax": _tax_in(req, pct),
                        "totalPrice": amount,
                        "paymentCharge": charge,
                        "couponPrice": coupon,
                        "point": 0,
                    }
                )
        raw.update(
            {
                "PackageModelList": models,
                "CouponModelList": coupons,
                "TaxSummaryModelList": summaries,
                "severalSenderFlag": 1 if len(models) > 1 else 0,
                "equalSenderFlag": 0 if len(models) > 1 else 1,
                "WrappingModel1": None,
                "WrappingModel2": None,
                "goodsPrice": goods,
                "goodsTax": sum(p["goodsTax"] for p in models),
                "postagePrice": postage,
                "deliveryPrice": cod_fee,
                "paymentCharge": payment_charge,
                "paymentChargeTaxRate": 0.1,
                "totalPrice": goods + postage,
                "requestPrice": goods
                + postage
                + cod_fee
                + payment_charge
                - coupon_shop
                - coupon_other
                - points,
                "couponAllTotalPrice": coupon_shop + coupon_other,
                "couponShopPrice": coupon_shop,
                "couponOtherPrice": coupon_other,
                "PointModel": {"usedPoint": points},
            }
        )
        return raw

    # ------------------------------------------------------------------
    # What RMS says the order is worth, and how Odoo's lines add up
    # ------------------------------------------------------------------
    @staticmethod
    def rms_total(raw):
        """requestPrice + usedPoint + Rakuten-funded coupons: what the shop gets for the order."""
        return (
            raw["requestPrice"]
            + (raw.get("PointModel") or {}).get("usedPoint", 0)
            + raw["couponOtherPrice"]
        )

    def rakuten_coupons_by_rate(self, raw):
        rates = {
            i["itemDetailId"]: PERCENT[i["taxRate"]]
            for p in raw["PackageModelList"]
            for i in p["ItemModelList"]
        }
        result = defaultdict(int)
        for coupon in raw["CouponModelList"]:
            if coupon["couponCapitalCode"] != 1:
                result[rates[coupon["itemDetailId"]]] += coupon["couponTotalPrice"]
        return result

    def odoo_by_rate(self, order):
        """{percent: (tax-included total, tax)} of the order's lines, per channel tax."""
        result = {}
        for pct, tax in ((10, self.tax_10), (8, self.tax_8)):
            lines = order.order_line.filtered(lambda line, t=tax: line.tax_id == t)
            result[pct] = (
                sum(lines.mapped("price_total")),
                sum(lines.mapped("price_tax")),
                len(lines),
            )
        return result

    def assert_reconciles(self, order, raw):
        """The order totals to the yen what RMS says, and each rate's lines what RMS bills at
        that rate plus the Rakuten-funded coupons of that rate's items."""
        number = raw["orderNumber"]
        expected = self.rms_total(raw)
        self.assertEqual(order.rakuten_expected_amount, expected, number)
        self.assertEqual(order.amount_total, expected, number)
        self.assertEqual(order.rakuten_request_amount, raw["requestPrice"], number)
        self.assertEqual(order.rakuten_coupon_amount, raw["couponOtherPrice"], number)
        self.assertEqual(
            order.rakuten_point_amount,
            (raw.get("PointModel") or {}).get("usedPoint", 0),
            number,
        )
        self.assertNotIn(AMOUNTS_REASON, order.rakuten_confirm_reasons or "", number)
        # every line carries the channel's tax of its rate, nothing else
        self.assertFalse(
            order.order_line.filtered(
                lambda line: line.tax_id not in (self.tax_10, self.tax_8)
            ),
            number,
        )
        odoo = self.odoo_by_rate(order)
        rakuten = self.rakuten_coupons_by_rate(raw)
        rows = {PERCENT[row["taxRate"]]: row for row in raw["TaxSummaryModelList"]}
        self.assertTrue(rows, number)
        for pct in (10, 8):
            row = rows.get(pct)
            total = row["reqPrice"] + rakuten[pct] if row else 0
            self.assertEqual(odoo[pct][0], total, "%s: lines at %s %%" % (number, pct))
        return odoo, rows


@tagged("post_install", "-at_install")
class TestImport(RakutenCase):
    def test_plain_card_order_is_imported_reserved_and_waits_for_payment(self):
        number = self.add_order(progress=300, payment="card")
        log = self.import_orders()
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual((log.count_found, log.count_imported), (1, 1))
        order = self.sale_order(number)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.rakuten_slip_state, "waiting_payment")
        self.assertEqual(
            (order.rakuten_payment_state, order.rakuten_approval_state), ("0", "10")
        )
        raw = self.sandbox.orders[number]
        self.assertEqual(order.amount_total, order.rakuten_expected_amount)
        self.assertEqual(
            order.amount_total,
            raw["requestPrice"]
            + raw["PointModel"]["usedPoint"]
            + raw["couponOtherPrice"]
            if raw.get("PointModel")
            else raw["requestPrice"] + raw["couponOtherPrice"],
        )
        self.assertTrue(order.picking_ids)
        self.assertEqual(order.picking_ids.state, "assigned")


@tagged("post_install", "-at_install")
class TestImportAmounts(RakutenOrderCase):
    def test_ten_and_eight_percent_postage_coupons_points_and_payment_charge(self):
        number = self.add_order(payment="card")
        raw = self.set_contents(
            number,
            [
                {
                    "items": [
                        ("tea-sencha", 2),
                        ("rice-koshihikari", 1),
                        ("tshirt-basic", 1),
                    ],
                    "postage": 660,
                }
            ],
            payment_charge=220,
            shop_coupons=[(0, 2, 300)],  # on the T-shirt, 10 %
            rakuten_coupons=[(0, 0, 200)],  # on the tea, 8 %
            points=500,
        )
        log = self.import_orders()
        self.assertEqual((log.state, log.count_imported), ("done", 1), log.message)
        order = self.sale_order(number)
        odoo, rows = self.assert_reconciles(order, raw)
        # the buyer paid 500 points and Rakuten 200 of coupons less than the shop earns
        self.assertEqual(order.amount_total, raw["requestPrice"] + 500 + 200)
        self.assertEqual(
            (order.rakuten_coupon_amount, order.rakuten_point_amount), (200, 500)
        )

        lines = order.order_line
        self.assertEqual(
            Counter(lines.mapped("rakuten_line_kind")),
            Counter({"item": 3, "postage": 1, "payment_charge": 1, "shop_coupon": 1}),
            "Rakuten-funded coupons and points are not lines",
        )
        rms_items = raw["PackageModelList"][0]["ItemModelList"]
        for item in rms_items:
            line = lines.filtered(
                lambda line, i=item: (
                    line.rakuten_line_kind == "item"
                    and line.rakuten_item_detail_id == str(i["itemDetailId"])
                )
            )
            self.assertEqual(len(line), 1)
            self.assertEqual(
                line.product_id.default_code,
                item["SkuModelList"][0]["merchantDefinedSkuId"],
            )
            self.assertFalse(line.rakuten_unmatched)
            self.assertEqual(
                (line.price_unit, line.product_uom_qty),
                (item["priceTaxIncl"], item["units"]),
            )
            self.assertEqual(
                line.tax_id,
                self.tax_8 if item["taxRate"] == 0.08 else self.tax_10,
                item["itemName"],
            )
        self.assertEqual(
            lines.filtered(lambda line: line.product_id.default_code == "TE100").tax_id,
            self.tax_8,
        )
        self.assertEqual(
            lines.filtered(lambda line: line.product_id.default_code == "RC500").tax_id,
            self.tax_8,
        )
        kinds = {
            "postage": ("sale_rakuten.product_rakuten_postage", 660),
            "payment_charge": ("sale_rakuten.product_rakuten_payment_charge", 220),
            "shop_coupon": ("sale_rakuten.product_rakuten_shop_coupon", -300),
        }
        for kind, (xmlid, price) in kinds.items():
            line = lines.filtered(lambda line, k=kind: line.rakuten_line_kind == k)
            self.assertEqual(line.product_id, self.env.ref(xmlid), kind)
            self.assertEqual(
                (line.price_unit, line.product_uom_qty, line.price_total),
                (price, 1, price),
                kind,
            )
            self.assertEqual(line.tax_id, self.tax_10, kind)
        # 8 %: the tea and the rice, whose RMS bill is 200 yen lower (Rakuten's coupon)
        self.assertEqual(odoo[8][0], 2 * 1080 + 3480)
        self.assertEqual(rows[8]["reqPrice"], 2 * 1080 + 3480 - 200)
        # 10 %: T-shirt, postage and payment charge less the shop coupon, as RMS bills it
        self.assertEqual(odoo[10][0], rows[10]["reqPrice"])

    def test_cash_on_delivery_fee_and_taxes_per_rate(self):
        number = self.add_order(payment="cod", progress=300)
        # Amounts whose tax has no fraction: Odoo rounds the tax of each line while RMS rounds
        # each rate's total down, so only such amounts can be compared to the yen.
        raw = self.set_contents(
            number,
            [
                {
                    "items": [
                        ("mug-hasami", 1),
                        ("coffee-beans", 2),
                        ("tea-sencha", 1),
                    ],
                    "postage": 660,
                }
            ],
            cod_fee=330,
        )
        self.import_orders()
        order = self.sale_order(number)
        odoo, rows = self.assert_reconciles(order, raw)
        self.assertFalse(order.rakuten_is_rakuten_pay)
        self.assertEqual(
            (order.rakuten_payment_state, order.rakuten_approval_state), ("0", "0")
        )
        self.assertEqual(order.rakuten_slip_state, "ready")
        cod = order.order_line.filtered(
            lambda line: line.rakuten_line_kind == "cod_fee"
        )
        self.assertEqual(
            cod.product_id, self.env.ref("sale_rakuten.product_rakuten_cod_fee")
        )
        self.assertEqual(
            (cod.price_unit, cod.tax_id), (raw["deliveryPrice"], self.tax_10)
        )
        self.assertEqual(raw["deliveryPrice"], 330)
        self.assertEqual(set(rows), {10, 8})
        for pct, row in rows.items():
            self.assertEqual(odoo[pct][1], row["reqPriceTax"], "tax at %s %%" % pct)
        self.assertEqual(
            order.amount_tax, sum(row["reqPriceTax"] for row in rows.values())
        )

    def test_sixty_varied_orders_reconcile(self):
        now = datetime.now(timezone.utc) - timedelta(hours=1)
        mix = {
            "payment": {"card": 0.45, "bank": 0.1, "deferred": 0.1, "cod": 0.35},
            "order_type": {1: 0.9, 4: 0.1},
            "progress": {200: 0.25, 300: 0.75},
            "packages": {1: 0.6, 2: 0.25, 3: 0.15},
            "asuraku": 0.15,
            "drug": 0.0,
            "postage_undetermined": 0.0,
            "remarks": 0.2,
            "shop_coupon": 0.35,
            "rakuten_coupon": 0.35,
            "points": 0.45,
            "wrapping": 0.1,
            "gift": 0.1,
            "delivery_date": 0.3,
            "caution": 0.03,
            "rakuten_confirm": 0.0,
        }
        numbers = self.sandbox.generate_orders(60, now=now, mix=mix, hours=10)
        raws = {n: self.sandbox.orders[n] for n in numbers}
        # 選択制 (cash on delivery) orders wait for 300 発送待ち; all others are imported now
        waiting = {
            n
            for n, r in raws.items()
            if r["SettlementModel"]["rpaySettlementFlag"] == 0
            and r["orderProgress"] < 300
        }
        log = self.import_orders()
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(log.count_found, 60)
        imported = set(
            log.line_ids.filtered(lambda line: line.outcome == "imported").mapped(
                "order_number"
            )
        )
        self.assertEqual(imported, set(numbers) - waiting)
        self.assertEqual(
            set(
                log.line_ids.filtered(lambda line: line.outcome == "deferred").mapped(
                    "order_number"
                )
            ),
            waiting,
        )

        seen = Counter()
        orders = self.env["sale.order"].search(
            [("rakuten_order_number", "in", list(imported))]
        )
        self.assertEqual(len(orders), len(imported))
        for order in orders:
            raw = raws[order.rakuten_order_number]
            odoo, rows = self.assert_reconciles(order, raw)
            lines = order.order_line
            by_kind = defaultdict(int)
            for line in lines:
                by_kind[line.rakuten_line_kind] += line.price_total
            self.assertEqual(by_kind["item"] + by_kind["wrapping"], raw["goodsPrice"])
            self.assertEqual(by_kind["postage"], raw["postagePrice"])
            self.assertEqual(by_kind["cod_fee"], raw["deliveryPrice"])
            self.assertEqual(by_kind["shop_coupon"], -raw["couponShopPrice"])
            self.assertEqual(
                len(lines.filtered(lambda line: line.rakuten_line_kind == "item")),
                sum(len(p["ItemModelList"]) for p in raw["PackageModelList"]),
            )
            self.assertFalse(lines.filtered("rakuten_unmatched"))
            # each item at its RMS rate
            rates = {
                str(i["itemDetailId"]): i["taxRate"]
                for p in raw["PackageModelList"]
                for i in p["ItemModelList"]
            }
            for line in lines.filtered(lambda line: line.rakuten_line_kind == "item"):
                self.assertEqual(
                    line.tax_id,
                    self.tax_8
                    if rates[line.rakuten_item_detail_id] == 0.08
                    else self.tax_10,
                )
            # the tax of each rate is RMS's, up to rounding: Odoo rounds each line, RMS the total
            # of the rate (down), and Odoo also taxes the Rakuten-funded coupons (shop income)
            rakuten = self.rakuten_coupons_by_rate(raw)
            for pct, row in rows.items():
                base_tax = _tax_in(row["reqPrice"] + rakuten[pct], pct)
                self.assertLessEqual(
                    abs(odoo[pct][1] - base_tax), odoo[pct][2], (order.name, pct)
                )
            self.assertEqual(
                len(order.rakuten_basket_ids), len(raw["PackageModelList"])
            )
            seen["cod"] += raw["deliveryPrice"] > 0
            seen["shop_coupon"] += raw["couponShopPrice"] > 0
            seen["rakuten_coupon"] += raw["couponOtherPrice"] > 0
            seen["points"] += raw["PointModel"]["usedPoint"] > 0
            seen["8%"] += 8 in rows
            seen["several"] += len(raw["PackageModelList"]) > 1
            seen["wrapping"] += bool(raw["WrappingModel1"])
        # the batch really had every kind of amount
        for kind in (
            "cod",
            "shop_coupon",
            "rakuten_coupon",
            "points",
            "8%",
            "several",
            "wrapping",
        ):
            self.assertGreater(seen[kind], 0, kind)


@tagged("post_install", "-at_install")
class TestImportCustomer(RakutenOrderCase):
    def add_buyer_order(self, email=BUYER_EMAIL, orderer=None, **fields):
        orderer = orderer or BUYER
        number = self.add_order(**fields)
        raw = self.sandbox.orders[number]
        raw["OrdererModel"].update(orderer, emailAddress=email)
        raw["PackageModelList"][0]["SenderModel"] = dict(orderer)
        return number

    def test_orderer_becomes_the_customer_without_email(self):
        remarks = "不在の場合は宅配ボックスに入れてください。"
        number = self.add_buyer_order(remarks=remarks)
        # the reason is translated in the order's language, without "no translation
        # language" warnings
        with self.assertNoLogs("odoo.tools.translate", level="WARNING"):
            self.import_orders()
        order = self.sale_order(number)
        raw = self.sandbox.orders[number]
        partner = order.partner_id
        self.assertEqual(partner.name, "山田 太郎")
        self.assertEqual(partner.rakuten_name_kana, "ヤマダ タロウ")
        self.assertEqual(partner.phone, "03-1234-5678")
        self.assertEqual(partner.zip, "160-0023")
        self.assertEqual(partner.state_id, self.env.ref("base.state_jp_jp-13"))
        self.assertEqual(partner.country_id, self.env.ref("base.jp"))
        self.assertEqual(
            (partner.city, partner.street), ("新宿区", "西新宿2-8-1 メゾン桜101")
        )
        self.assertFalse(partner.parent_id)
        self.assertEqual(partner.company_id, self.company)
        # the masked relay address is kept apart: Odoo never mails Rakuten buyers
        self.assertEqual(partner.rakuten_email, BUYER_EMAIL)
        self.assertFalse(partner.email)
        self.assertNotIn(partner, order.message_partner_ids)
        self.assertFalse(
            self.env["mail.mail"].search([("recipient_ids", "in", partner.ids)])
        )
        self.assertFalse(
            self.env["mail.message"].search(
                [
                    ("partner_ids", "in", partner.ids),
                    ("message_type", "in", ("email", "comment")),
                ]
            )
        )
        # one recipient at the buyer's own address: the buyer
        self.assertEqual(order.partner_invoice_id, partner)
        self.assertEqual(order.partner_shipping_id, partner)
        self.assertEqual(order.rakuten_basket_ids.partner_id, partner)
        self.assertEqual(order.picking_ids.partner_id, partner)
        # order date and the buyer's remarks, which a person must read
        ordered = datetime.strptime(raw["orderDatetime"], "%Y-%m-%dT%H:%M:%S%z")
        naive_utc = ordered.astimezone(timezone.utc).replace(tzinfo=None)
        self.assertEqual(order.date_order, naive_utc)
        self.assertEqual(order.rakuten_order_datetime, naive_utc)
        self.assertEqual(order.rakuten_remarks, remarks)
        self.assertEqual(order.rakuten_slip_state, "to_confirm")
        self.assertIn(
            mapping.CHECK_REASONS[mapping.CHECK_REMARKS], order.rakuten_confirm_reasons
        )
        self.assertFalse(order.commitment_date)
        self.assertFalse(order.rakuten_asuraku or order.rakuten_gift)

    def test_delivery_date_asuraku_and_gift(self):
        wanted = (datetime.now(timezone.utc) + timedelta(days=2)).date()
        # あす楽 orders are imported at once, without the 30 minutes' wait
        number = self.add_buyer_order(
            minutes_ago=2,
            deliveryDate=wanted.isoformat(),
            asurakuFlag=1,
            giftCheckFlag=1,
            shippingTerm=1416,
        )
        log = self.import_orders()
        self.assertEqual(log.count_imported, 1, log.line_ids.mapped("reason"))
        order = self.sale_order(number)
        self.assertTrue(order.rakuten_asuraku)
        self.assertTrue(order.rakuten_gift)
        self.assertEqual(order.rakuten_delivery_time, "14:00-16:00")
        self.assertTrue(order.commitment_date)
        in_japan = fields.Datetime.context_timestamp(
            order.with_context(tz="Asia/Tokyo"), order.commitment_date
        )
        self.assertEqual(in_japan.date(), wanted)

    def test_same_buyer_is_found_again(self):
        first = self.add_buyer_order()
        self.import_orders()
        customer = self.sale_order(first).partner_id
        second = self.add_buyer_order(minutes_ago=45)
        # and twice in one run: two orders of another buyer in the same batch
        other = dict(
            BUYER, familyName="佐藤", familyNameKana="サトウ", phoneNumber3="9999"
        )
        third = self.add_buyer_order(
            email="ffff@pc.fw.rakuten.ne.jp", orderer=other, minutes_ago=50
        )
        fourth = self.add_buyer_order(
            email="ffff@pc.fw.rakuten.ne.jp", orderer=other, minutes_ago=40
        )
        log = self.import_orders()
        self.assertEqual(log.count_imported, 3, log.line_ids.mapped("reason"))
        self.assertEqual(self.sale_order(second).partner_id, customer)
        self.assertEqual(self.sale_order(second).partner_shipping_id, customer)
        self.assertEqual(
            self.env["res.partner"].search_count([("rakuten_email", "=", BUYER_EMAIL)]),
            1,
        )
        self.assertEqual(
            self.env["res.partner"].search_count([("name", "=", "山田 太郎")]), 1
        )
        self.assertEqual(
            self.sale_order(third).partner_id, self.sale_order(fourth).partner_id
        )
        self.assertNotEqual(self.sale_order(third).partner_id, customer)
        self.assertEqual(self.sale_order(third).partner_id.name, "佐藤 太郎")

    def test_several_recipients_one_delivery_each(self):
        number = self.add_buyer_order(payment="card")
        raw = self.set_contents(
            number,
            [
                {"items": [("tea-sencha", 1)], "postage": 660},
                {
                    "items": [("mug-hasami", 1), ("socks-3p", 2)],
                    "postage": 660,
                    "sender": FRIEND,
                },
                {"items": [("towel-face", 1)], "postage": 1320, "sender": PARENTS},
            ],
        )
        self.import_orders()
        order = self.sale_order(number)
        customer = order.partner_id
        self.assert_reconciles(order, raw)
        self.assertEqual(len(order.rakuten_basket_ids), 3)
        pickings = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing"
        )
        self.assertEqual(len(pickings), 3)
        expected = {
            0: ("山田 太郎", customer),
            1: ("鈴木 花子", None),
            2: ("山田 一郎", None),
        }
        for index, package in enumerate(raw["PackageModelList"]):
            basket = order.rakuten_basket_ids.filtered(
                lambda b, p=package: b.basket_id == str(p["basketId"])
            )
            self.assertEqual(len(basket), 1)
            name, partner = expected[index]
            self.assertEqual(basket.partner_id.name, name)
            if partner:
                self.assertEqual(basket.partner_id, partner)
            else:
                self.assertEqual(basket.partner_id.parent_id, customer)
                self.assertEqual(basket.partner_id.type, "delivery")
                sender = package["SenderModel"]
                self.assertEqual(
                    basket.partner_id.zip,
                    "%s-%s" % (sender["zipCode1"], sender["zipCode2"]),
                )
                self.assertEqual(basket.partner_id.city, sender["city"])
                self.assertEqual(basket.partner_id.street, sender["subAddress"])
                self.assertFalse(basket.partner_id.email)
            self.assertEqual(basket.postage, package["postagePrice"])
            # one delivery per recipient, to that recipient, with that recipient's items only
            self.assertEqual(len(basket.picking_ids), 1)
            picking = basket.picking_ids
            self.assertEqual(picking.partner_id, basket.partner_id)
            self.assertEqual(
                Counter(
                    {
                        m.product_id.default_code: m.product_uom_qty
                        for m in picking.move_ids
                    }
                ),
                Counter(
                    {
                        i["SkuModelList"][0]["merchantDefinedSkuId"]: i["units"]
                        for i in package["ItemModelList"]
                    }
                ),
            )
            # and its postage line
            postage = order.order_line.filtered(
                lambda line, b=basket: (
                    line.rakuten_line_kind == "postage"
                    and line.rakuten_basket_number == b.basket_id
                )
            )
            self.assertEqual(len(postage), 1)
            self.assertEqual(postage.price_total, package["postagePrice"])
            self.assertIn(name, postage.name)
        self.assertEqual(pickings.partner_id, order.rakuten_basket_ids.partner_id)
        self.assertEqual(
            self.env.ref("base.state_jp_jp-01"),
            order.rakuten_basket_ids.filtered(
                lambda b: b.partner_id.name == "山田 一郎"
            ).partner_id.state_id,
        )
        # the friend is a delivery address of the buyer, found again on the next order
        again = self.add_buyer_order(payment="card", minutes_ago=40)
        self.set_contents(
            again,
            [
                {"items": [("tea-sencha", 1)], "postage": 660},
                {"items": [("mug-hasami", 1)], "postage": 660, "sender": FRIEND},
            ],
        )
        self.import_orders()
        second = self.sale_order(again)
        self.assertEqual(second.partner_id, customer)
        self.assertEqual(
            set(second.rakuten_basket_ids.partner_id.ids),
            set(
                order.rakuten_basket_ids.filtered(
                    lambda b: b.partner_id.name != "山田 一郎"
                ).partner_id.ids
            ),
        )


@tagged("post_install", "-at_install")
class TestDeliveryGuard(RakutenOrderCase):
    def delivery(self, order):
        picking = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing"
        )
        self.assertEqual(len(picking), 1)
        self.assertEqual(picking.state, "assigned")
        return picking

    def assert_blocked(self, order, label):
        picking = self.delivery(order)
        with self.assertRaises(UserError) as caught:
            picking.button_validate()
        message = str(caught.exception)
        self.assertIn(picking.name, message)
        self.assertIn(order.name, message)
        self.assertIn(label, message)
        self.assertIn("Ready to Ship", message)
        self.assertEqual(picking.state, "assigned")

    def assert_ships(self, order):
        picking = self.delivery(order)
        self.assertTrue(picking.partner_id.phone)
        # validated at once: no wizard, and no SMS to the buyer (stock_sms, when installed)
        self.assertIs(picking.button_validate(), True)
        self.assertEqual(picking.state, "done")
        self.assertFalse(
            picking.message_ids.filtered(lambda m: m.message_type == "sms")
        )
        if "sms.sms" in self.env:
            self.assertFalse(
                self.env["sms.sms"].search([("partner_id", "=", picking.partner_id.id)])
            )

    def test_to_confirm_ships_once_checked(self):
        number = self.add_order(
            payment="cod", progress=300, remarks="領収書をお願いします。"
        )
        self.import_orders()
        order = self.sale_order(number)
        self.assertEqual(order.rakuten_slip_state, "to_confirm")
        self.assert_blocked(order, "To Confirm")
        order.action_rakuten_mark_checked()
        self.assertEqual(order.rakuten_slip_state, "ready")
        self.assertFalse(order.rakuten_confirm_reasons)
        self.assert_ships(order)
        with self.assertRaises(UserError):
            order.action_rakuten_mark_checked()

    def test_checked_card_order_still_waits_for_payment(self):
        number = self.add_order(
            payment="card", remarks="できるだけ早く届けてください。"
        )
        self.import_orders()
        order = self.sale_order(number)
        self.assertEqual(order.rakuten_slip_state, "to_confirm")
        order.action_rakuten_mark_checked()
        self.assertEqual(order.rakuten_slip_state, "waiting_payment")
        self.assert_blocked(order, "Waiting for Payment")

    def test_waiting_payment_ships_once_paid(self):
        number = self.add_order(payment="card")
        self.import_orders()
        order = self.sale_order(number)
        self.assertEqual(order.rakuten_slip_state, "waiting_payment")
        self.assert_blocked(order, "Waiting for Payment")
        order.rakuten_payment_state = "1"
        self.assertEqual(order.rakuten_slip_state, "waiting_payment")
        order.rakuten_payment_state = "2"
        self.assertEqual(order.rakuten_slip_state, "ready")
        self.assert_ships(order)

    def test_new_provisional_slip_reserves_but_does_not_ship(self):
        self.team.rakuten_manual_confirm = True
        number = self.add_order(payment="card", progress=100)
        log = self.import_orders()
        order = self.sale_order(number)
        self.assertEqual(order.rakuten_slip_state, "new", log.line_ids.mapped("reason"))
        self.assert_blocked(order, "New")


@tagged("post_install", "-at_install")
class TestImportChannels(MultiCompanyCase):
    def test_cron_imports_every_channel_and_a_failing_one_stops_nothing(self):
        number_a, number_b = self.add_order(), self.add_order_b()
        logs = self.run_cron_job("import")
        log_a = logs.filtered(lambda log: log.team_id == self.team)
        log_b = logs.filtered(lambda log: log.team_id == self.team_b)
        self.assertEqual(
            (log_a.state, log_a.count_imported), ("done", 1), log_a.message
        )
        self.assertEqual(
            (log_b.state, log_b.count_imported), ("done", 1), log_b.message
        )
        self.assertEqual(self.sale_order(number_a).company_id, self.company)
        self.assertEqual(self.sale_order(number_b).company_id, self.company_b)

        # B's license expires; B runs first and fails, A still imports
        self.team_b.sequence, self.team.sequence = 1, 2
        self.sandbox_b.expired_license = True
        number_a2, number_b2 = (
            self.add_order(minutes_ago=45),
            self.add_order_b(minutes_ago=45),
        )
        logs = self.run_cron_job("import")
        log_a = logs.filtered(lambda log: log.team_id == self.team)
        log_b = logs.filtered(lambda log: log.team_id == self.team_b)
        self.assertEqual(log_b.state, "failed")
        self.assertIn("renew", log_b.message.lower())
        self.assertLess(log_b.id, log_a.id)
        self.assertEqual(
            (log_a.state, log_a.count_imported), ("done", 1), log_a.message
        )
        self.assertTrue(self.sale_order(number_a2))
        self.assertFalse(self.sale_order(number_b2))
        self.assertEqual(self.sandbox.calls["getOrder"], 2)
