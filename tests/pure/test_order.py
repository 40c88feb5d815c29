"""getOrder OrderModel parsing (rms/order.py) against anonymised RMS fixtures."""

import copy
import dataclasses
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from rms.order import (
    JST,
    Order,
    OrderParseError,
    Wrapping,
    parse_order,
    reconcile_amounts,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def load(name):
    return json.loads((FIXTURES / ("order_%s.json" % name)).read_text(encoding="utf-8"))


def parse(name):
    return parse_order(load(name))


# ---------------------------------------------------------------------------
# 楽天ペイ card order: 2 items (10 % tax-incl with SKU, 8 % tax-excl), coupons, points
# ---------------------------------------------------------------------------
def test_rpay_card_order_header():
    order = parse("rpay_card")
    assert isinstance(order, Order)
    assert order.order_number == "999999-20250301-0000000101"
    assert order.order_progress == 100
    assert order.order_type == 1
    assert order.order_datetime == datetime(2025, 3, 1, 10, 15, tzinfo=JST)
    assert order.order_datetime.utcoffset() == timedelta(hours=9)
    assert order.order_datetime == datetime(2025, 3, 1, 1, 15, tzinfo=timezone.utc)
    assert order.shop_order_cfm_datetime is None and order.order_fix_datetime is None
    assert order.remarks == "[配送日時指定:]\n指定なし"
    assert order.delivery_name == "宅配便"
    assert (order.asuraku, order.drug, order.gift, order.several_sender) == (False,) * 4
    assert order.rakuten_member is True
    assert order.version is None  # not part of this OrderModel
    assert order.due_dates[0].due_date == date(2025, 3, 8)
    assert order.due_dates[0].due_date_type == 0


def test_rpay_card_order_settlement_is_rakuten_pay_and_card_masked():
    order = parse("rpay_card")
    assert order.is_rakuten_pay and order.settlement.is_rakuten_pay
    assert not order.is_cash_on_delivery
    assert order.settlement.method_code == 1
    assert order.settlement.method_name == "クレジットカード"
    assert order.settlement.rpay_settlement_flag == 1
    assert order.settlement.card_name == "VISA"
    assert order.settlement.card_number == "XXXX-XXXX-XXXX-1234"
    assert order.settlement.card_pay_type == 0
    # card data stays out of log lines that print the order
    assert "XXXX-XXXX" not in repr(order)
    assert "TARO YAMADA" not in repr(order.settlement)


def test_rpay_card_order_orderer():
    orderer = parse("rpay_card").orderer
    assert (orderer.family_name, orderer.first_name) == ("山田", "太郎")
    assert orderer.name == "山田 太郎"
    assert orderer.name_kana == "ヤマダ タロウ"
    assert orderer.phone == "03-1234-5678"
    assert orderer.zip_code == "100-0001"
    assert orderer.prefecture == "東京都"
    assert orderer.state_code == "13"
    assert orderer.city == "千代田区"
    assert orderer.sub_address == "千代田1-1 テストマンション101"
    assert orderer.address == "東京都千代田区千代田1-1 テストマンション101"
    assert orderer.email == "a1b2c3d4e5f6a7b8@pc.fw.rakuten.ne.jp"
    assert orderer.sex == "男"
    assert orderer.birthday == date(1985, 4, 12)


def test_rpay_card_order_package_and_items():
    order = parse("rpay_card")
    (package,) = order.packages
    assert package.basket_id == 20000001
    assert package.postage_price == 550
    assert package.postage_tax_rate == Decimal("0.1")
    assert package.delivery_price == 0
    assert package.default_delivery_company_code == "1001"
    assert package.recipient_name == "山田 太郎"
    assert package.recipient.state_code == "13"
    assert package.shippings == ()
    assert not package.postage_undetermined

    towel, tea = package.items
    assert order.items == (towel, tea)
    assert towel.item_detail_id == 100000001
    assert towel.item_name == "今治タオル バスタオル 2枚セット"
    assert towel.item_id == 10000001
    assert towel.item_number == towel.manage_number == "towel-bath-2"
    assert (towel.price, towel.price_tax_incl, towel.units) == (3300, 3300, 2)
    assert towel.tax_rate == Decimal("0.1") and isinstance(towel.tax_rate, Decimal)
    assert towel.tax_percent == 10
    assert towel.include_tax is True and towel.include_postage is False
    assert towel.selected_choice == "ラッピング:不要"
    assert towel.sku_id == "TWL-BATH-NV"
    assert towel.variant_id == "navy"
    assert towel.sku.sku_info == "カラー:ネイビー"
    assert towel.subtotal_tax_incl == 6600

    assert tea.tax_rate == Decimal("0.08")
    assert tea.tax_percent == 8
    assert (tea.price, tea.price_tax_incl, tea.units) == (1000, 1080, 3)
    assert tea.include_tax is False
    assert tea.sku_id == "TEA-HJ-30"
    assert tea.sku.sku_info == ""
    assert tea.subtotal_tax_incl == 3240


def test_rpay_card_order_coupons_points_and_amounts():
    order = parse("rpay_card")
    shop, service = order.coupons
    assert shop.code == "SHOP-500OFF-0301"
    assert shop.capital == "ショップ" and shop.capital_code == 1 and shop.shop_funded
    assert (shop.price, shop.unit, shop.total_price) == (500, 1, 500)
    assert (shop.item_id, shop.item_detail_id) == (10000001, 100000001)
    assert shop.expiry == datetime(2025, 3, 31, 23, 59, 59, tzinfo=JST)
    assert service.capital_code == 3 and not service.shop_funded
    assert service.item_id == 0

    assert order.coupon_all_total_price == shop.total_price + service.total_price == 800
    assert order.coupon_shop_price == 500
    assert order.coupon_other_price == 300
    assert order.used_point == 1000
    assert order.goods_price == 9840
    assert order.postage_price == 550
    assert order.total_price == 10390
    # requestPrice = totalPrice + charges - coupons - points
    assert order.request_price == order.total_price - 800 - 1000
    assert order.payment_charge_tax_rate == Decimal("0.1")
    assert [t.tax_rate for t in order.tax_summaries] == [
        Decimal("0.1"),
        Decimal("0.08"),
    ]
    assert order.tax_summaries[0].req_price_tax == 622

    check = reconcile_amounts(order)
    assert check.items_total == 6600 + 3240
    assert check.postage == 550
    assert check.wrapping == 0
    assert check.computed_total == 10390
    assert check.difference == 0 and check.ok
    # 総合計 = totalPrice - couponAllTotalPrice + deliveryPrice + paymentCharge + additional fee
    assert check.grand_total == order.grand_total == 10390 - 800


def test_reconcile_reports_the_difference_in_yen():
    data = load("rpay_card")
    data["totalPrice"] = 10000
    check = reconcile_amounts(parse_order(data))
    assert check.difference == 390
    assert not check.ok
    data["totalPrice"] = 10500
    assert reconcile_amounts(parse_order(data)).difference == -110


def test_records_are_frozen():
    order = parse("rpay_card")
    with pytest.raises(dataclasses.FrozenInstanceError):
        order.order_progress = 300
    with pytest.raises(dataclasses.FrozenInstanceError):
        order.packages[0].items[0].units = 5
    assert isinstance(order.packages, tuple) and isinstance(order.coupons, tuple)


# ---------------------------------------------------------------------------
# 代金引換 (選択制決済) with a COD fee; version 9 shape; pre-SKU-migration item
# ---------------------------------------------------------------------------
def test_cod_selective_order():
    data = load("cod_selective")
    assert "socialGiftFlag" not in data  # version 9 shape
    order = parse_order(data)
    assert order.order_progress == 300
    assert not order.is_rakuten_pay
    assert order.settlement.rpay_settlement_flag == 0
    assert order.is_cash_on_delivery
    assert order.settlement.method_name == "代金引換"
    assert order.settlement.card_number == ""
    assert order.delivery_price == 330  # COD fee
    assert order.packages[0].delivery_price == 330
    assert order.packages[0].delivery_tax_rate == Decimal("0.1")
    assert order.social_gift is False
    assert order.shop_order_cfm_datetime == datetime(2025, 3, 2, 9, 5, tzinfo=JST)
    assert order.order_fix_datetime == datetime(2025, 3, 2, 9, 5, tzinfo=JST)
    assert order.orderer.birthday is None
    assert order.orderer.state_code == "27"
    (item,) = order.items
    assert item.include_postage is True
    # pre-migration orders carry an empty SKU: no variant, no SKU number
    assert len(item.skus) == 1
    assert item.sku_id is None and item.variant_id is None
    check = reconcile_amounts(order)
    assert check.difference == 0
    assert check.grand_total == 2200 + 330
    assert order.request_price == check.grand_total


# ---------------------------------------------------------------------------
# Two recipients; wrapping; a carrier row; version 8 shape
# ---------------------------------------------------------------------------
def test_multi_recipient_order():
    order = parse("multi_recipient")
    assert order.several_sender is True
    assert order.gift is True
    assert order.settlement.method_code == 9 and order.is_rakuten_pay
    first, second = order.packages
    assert (first.basket_id, second.basket_id) == (20000021, 20000022)
    assert first.recipient_name == "佐藤 花子"
    assert first.sender.state_code == "27"
    assert second.recipient_name == "鈴木 一郎"
    assert second.sender.prefecture == "北海道" and second.sender.state_code == "01"
    assert second.sender.zip_code == "060-0001"  # leading zero kept
    assert second.sender.phone == "011-111-2222"
    assert (first.postage_price, second.postage_price) == (660, 1100)
    assert order.postage_price == first.postage_price + second.postage_price
    assert first.noshi == second.noshi == "御礼"
    assert [i.units for i in order.items] == [1, 2]
    assert [i.item_detail_id for i in order.items] == [200000001, 200000002]
    assert order.orderer.name == "田中 美咲"  # the orderer is neither recipient

    (row,) = first.shippings
    assert row.shipping_detail_id == 300000001
    assert row.delivery_company == "1000"
    assert row.delivery_company_name == "その他"
    assert row.shipping_number == ""
    assert row.shipping_date is None
    assert second.shippings == ()

    assert order.wrapping1.title == 1
    assert order.wrapping1.name == "ギフト包装（有料）"
    assert order.wrapping1.price == 330 and order.wrapping1.include_tax
    assert order.wrapping2 is None
    check = reconcile_amounts(order)
    assert check.items_total == 2700 * 3
    assert check.wrapping == 330
    assert check.postage == 1760
    assert check.difference == 0


def test_wrapping_tax_and_deleted_wrapping():
    assert Wrapping(1, "包装", 330, True, False).price_tax_incl == 330
    assert (
        Wrapping(2, "リボン", 105, False, False).price_tax_incl == 115
    )  # 10.5 rounded down
    assert Wrapping(2, "リボン", 110, True, True).price_tax_incl == 0
    assert Wrapping(1, "包装", None, True, False).price_tax_incl == 0


def test_deleted_wrapping_is_left_out_of_the_total():
    data = load("multi_recipient")
    data["WrappingModel1"]["deleteWrappingFlag"] = 1
    order = parse_order(data)
    assert order.wrappings == ()
    assert reconcile_amounts(order).difference == -330


# ---------------------------------------------------------------------------
# あす楽, postage -9999, drug, reservation
# ---------------------------------------------------------------------------
def test_asuraku_order():
    order = parse("asuraku")
    assert order.asuraku is True
    assert order.delivery_date == date(2025, 3, 2)
    assert order.shipping_term == 1416
    assert order.settlement.method_code == 12
    assert order.packages[0].default_delivery_company_code == "1002"
    assert order.orderer.state_code == "14"


def test_postage_undetermined_order():
    order = parse("postage_undetermined")
    assert order.postage_price == -9999
    assert order.postage_undetermined
    assert order.packages[0].postage_undetermined
    assert order.amounts_undetermined
    assert order.grand_total is None
    check = reconcile_amounts(order)
    assert check.difference is None and not check.ok
    assert check.items_total == 15000
    assert order.isolated_island is True
    assert order.packages[0].sender.isolated_island is True
    assert order.orderer.state_code == "47"


def test_postage_undetermined_at_package_level_only():
    data = load("rpay_card")
    data["PackageModelList"][0]["postagePrice"] = -9999
    order = parse_order(data)
    assert order.postage_price == 550
    assert order.postage_undetermined
    assert order.grand_total is None


def test_drug_order():
    order = parse("drug")
    assert order.drug is True
    assert order.items[0].drug is True
    assert order.settlement.method_code == 21
    assert order.payment_charge == 330
    assert order.grand_total == 7500 + 330 == order.request_price
    assert order.shop_order_cfm_datetime == datetime(2025, 3, 1, 8, 30, tzinfo=JST)


def test_drug_flag_on_an_item_only_marks_the_order():
    data = load("drug")
    data["drugFlag"] = 0
    assert parse_order(data).drug is True
    data["PackageModelList"][0]["ItemModelList"][0]["drugFlag"] = 0
    assert parse_order(data).drug is False


def test_reserved_order_version_7():
    data = load("reserved")
    assert "deliveryCertPrgFlag" not in data and "goodsTax" in data  # version 7 shape
    order = parse_order(data)
    assert order.order_type == 6
    assert order.reserve_number == "100012345678"
    assert order.reserve_delivery_count == 1
    assert order.goods_tax == 0
    (item,) = order.items
    assert item.delvdate_info == "10月下旬発送予定"
    assert item.inventory_type == 2
    assert item.tax_rate == Decimal("0.08")
    assert item.sku_id == "RICE-KS-5"


def test_items_without_sku_list():
    data = load("rpay_card")
    del data["PackageModelList"][0]["ItemModelList"][0]["SkuModelList"]
    item = parse_order(data).items[0]
    assert item.skus == () and item.sku is None and item.sku_id is None


# ---------------------------------------------------------------------------
# Lenient readings
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025-03-01T10:15:00+0900", datetime(2025, 3, 1, 10, 15, tzinfo=JST)),
        ("2025-03-01T10:15:00+09:00", datetime(2025, 3, 1, 10, 15, tzinfo=JST)),
        (
            "2025-03-01T10:15:00",
            datetime(2025, 3, 1, 10, 15, tzinfo=JST),
        ),  # no offset: Japan time
        ("2025-03-01T01:15:00Z", datetime(2025, 3, 1, 10, 15, tzinfo=JST)),
    ],
)
def test_datetime_formats(text, expected):
    data = load("rpay_card")
    data["orderDatetime"] = text
    parsed = parse_order(data).order_datetime
    assert parsed == expected
    assert parsed.tzinfo is not None


def test_numeric_strings_and_integral_floats_are_read_as_integers():
    data = load("rpay_card")
    data["orderProgress"] = "200"
    data["PackageModelList"][0]["ItemModelList"][0]["units"] = 2.0
    order = parse_order(data)
    assert order.order_progress == 200
    assert order.items[0].units == 2


def test_missing_optional_parts_get_defaults():
    data = load("rpay_card")
    for key in (
        "PointModel",
        "WrappingModel1",
        "CouponModelList",
        "TaxSummaryModelList",
        "DueDateModelList",
        "ChangeReasonModelList",
        "DeliveryModel",
        "remarks",
        "couponAllTotalPrice",
        "paymentCharge",
    ):
        data.pop(key)
    data["OrdererModel"]["phoneNumber3"] = None
    data["OrdererModel"]["prefecture"] = "Unknown"
    order = parse_order(data)
    assert order.used_point == 0
    assert (
        order.coupons == () and order.tax_summaries == () and order.change_reasons == ()
    )
    assert (
        order.remarks == ""
        and order.delivery_name == ""
        and order.delivery_class is None
    )
    assert order.coupon_all_total_price == 0 and order.payment_charge == 0
    assert order.orderer.phone == "03-1234"
    assert order.orderer.state_code is None


def test_settlement_and_coupon_codes_fall_back_to_names():
    data = load("rpay_card")
    del data["SettlementModel"]["settlementMethodCode"]
    del data["CouponModelList"][0]["couponCapitalCode"]
    order = parse_order(data)
    assert order.settlement.method_code == 1
    assert order.coupons[0].capital_code == 1 and order.coupons[0].shop_funded
    data["SettlementModel"]["settlementMethod"] = "未知の決済"
    assert parse_order(data).settlement.method_code is None


def test_change_reasons():
    data = load("rpay_card")
    data["ChangeReasonModelList"] = [
        {
            "changeId": 5001,
            "changeType": 0,
            "changeTypeDetail": None,
            "changeReason": 1,
            "changeReasonDetail": 1,
            "changeApplyDatetime": "2025-03-01T11:00:00+0900",
            "changeFixDatetime": None,
            "changeCmplDatetime": None,
        }
    ]
    (change,) = parse_order(data).change_reasons
    assert (change.change_id, change.change_type, change.change_reason_detail) == (
        5001,
        0,
        1,
    )
    assert change.apply_datetime == datetime(2025, 3, 1, 11, 0, tzinfo=JST)
    assert change.fix_datetime is None


# ---------------------------------------------------------------------------
# OrderParseError: required and malformed fields
# ---------------------------------------------------------------------------
NUMBER = "999999-20250301-0000000101"


def _set(path, value):
    """Mutator setting data[path...] = value; the value DELETE removes the key."""

    def mutate(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        if value is DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return mutate


DELETE = object()
ITEMS = ("PackageModelList", 0, "ItemModelList")

ERROR_CASES = [
    # (id, mutation, field, detail fragment)
    (
        "progress-missing",
        _set(("orderProgress",), DELETE),
        "orderProgress",
        "required but missing",
    ),
    (
        "progress-null",
        _set(("orderProgress",), None),
        "orderProgress",
        "required but missing",
    ),
    (
        "progress-text",
        _set(("orderProgress",), "abc"),
        "orderProgress",
        "expected an integer, got 'abc'",
    ),
    (
        "progress-bool",
        _set(("orderProgress",), True),
        "orderProgress",
        "expected an integer",
    ),
    ("type-missing", _set(("orderType",), DELETE), "orderType", "required but missing"),
    (
        "type-float",
        _set(("orderType",), 1.5),
        "orderType",
        "expected an integer, got 1.5",
    ),
    (
        "datetime-missing",
        _set(("orderDatetime",), DELETE),
        "orderDatetime",
        "required but missing",
    ),
    (
        "datetime-empty",
        _set(("orderDatetime",), ""),
        "orderDatetime",
        "required but missing",
    ),
    (
        "datetime-bad",
        _set(("orderDatetime",), "2025/03/01 10:15"),
        "orderDatetime",
        "expected a datetime",
    ),
    (
        "datetime-number",
        _set(("orderDatetime",), 20250301),
        "orderDatetime",
        "expected a datetime",
    ),
    ("version-old", _set(("version",), 6), "version", "version 6 is not supported"),
    (
        "postage-missing",
        _set(("postagePrice",), DELETE),
        "postagePrice",
        "required but missing",
    ),
    (
        "total-missing",
        _set(("totalPrice",), DELETE),
        "totalPrice",
        "required but missing",
    ),
    ("remarks-number", _set(("remarks",), 12), "remarks", "expected a string, got 12"),
    (
        "asuraku-text",
        _set(("asurakuFlag",), "yes"),
        "asurakuFlag",
        "expected an integer",
    ),
    (
        "settlement-missing",
        _set(("SettlementModel",), DELETE),
        "SettlementModel",
        "required but missing",
    ),
    (
        "settlement-list",
        _set(("SettlementModel",), []),
        "SettlementModel",
        "expected an object",
    ),
    (
        "rpay-missing",
        _set(("SettlementModel", "rpaySettlementFlag"), DELETE),
        "SettlementModel.rpaySettlementFlag",
        "required but missing",
    ),
    (
        "rpay-2",
        _set(("SettlementModel", "rpaySettlementFlag"), 2),
        "SettlementModel.rpaySettlementFlag",
        "expected 0 or 1, got 2",
    ),
    (
        "orderer-missing",
        _set(("OrdererModel",), DELETE),
        "OrdererModel",
        "required but missing",
    ),
    (
        "family-missing",
        _set(("OrdererModel", "familyName"), DELETE),
        "OrdererModel.familyName",
        "required but missing",
    ),
    (
        "family-empty",
        _set(("OrdererModel", "familyName"), " "),
        "OrdererModel.familyName",
        "required but empty",
    ),
    (
        "zip-list",
        _set(("OrdererModel", "zipCode1"), ["100"]),
        "OrdererModel.zipCode1",
        "expected a string",
    ),
    (
        "packages-missing",
        _set(("PackageModelList",), DELETE),
        "PackageModelList",
        "required but missing",
    ),
    (
        "packages-empty",
        _set(("PackageModelList",), []),
        "PackageModelList",
        "required but empty",
    ),
    (
        "packages-object",
        _set(("PackageModelList",), {}),
        "PackageModelList",
        "expected a list",
    ),
    (
        "package-text",
        _set(("PackageModelList", 0), "x"),
        "PackageModelList[0]",
        "expected an object",
    ),
    (
        "basket-missing",
        _set(("PackageModelList", 0, "basketId"), DELETE),
        "PackageModelList[0].basketId",
        "required but missing",
    ),
    (
        "package-postage-missing",
        _set(("PackageModelList", 0, "postagePrice"), DELETE),
        "PackageModelList[0].postagePrice",
        "required but missing",
    ),
    (
        "sender-missing",
        _set(("PackageModelList", 0, "SenderModel"), DELETE),
        "PackageModelList[0].SenderModel",
        "required but missing",
    ),
    (
        "items-empty",
        _set(ITEMS, []),
        "PackageModelList[0].ItemModelList",
        "required but empty",
    ),
    (
        "items-missing",
        _set(ITEMS, DELETE),
        "PackageModelList[0].ItemModelList",
        "required but missing",
    ),
    (
        "detail-id-missing",
        _set(ITEMS + (1, "itemDetailId"), DELETE),
        "PackageModelList[0].ItemModelList[1].itemDetailId",
        "required but missing",
    ),
    (
        "price-null",
        _set(ITEMS + (0, "price"), None),
        "PackageModelList[0].ItemModelList[0].price",
        "required but missing",
    ),
    (
        "price-incl-missing",
        _set(ITEMS + (0, "priceTaxIncl"), DELETE),
        "PackageModelList[0].ItemModelList[0].priceTaxIncl",
        "required but missing",
    ),
    (
        "units-text",
        _set(ITEMS + (1, "units"), "x"),
        "PackageModelList[0].ItemModelList[1].units",
        "expected an integer, got 'x'",
    ),
    (
        "units-negative",
        _set(ITEMS + (1, "units"), -1),
        "PackageModelList[0].ItemModelList[1].units",
        "expected a quantity of 0 or more",
    ),
    (
        "tax-rate-missing",
        _set(ITEMS + (0, "taxRate"), DELETE),
        "PackageModelList[0].ItemModelList[0].taxRate",
        "required but missing",
    ),
    (
        "tax-rate-percent",
        _set(ITEMS + (0, "taxRate"), 10),
        "PackageModelList[0].ItemModelList[0].taxRate",
        "expected a tax rate",
    ),
    (
        "tax-rate-text",
        _set(ITEMS + (0, "taxRate"), "ten"),
        "PackageModelList[0].ItemModelList[0].taxRate",
        "expected a tax rate",
    ),
    (
        "sku-list-object",
        _set(ITEMS + (0, "SkuModelList"), {"variantId": "navy"}),
        "PackageModelList[0].ItemModelList[0].SkuModelList",
        "expected a list",
    ),
    (
        "coupon-price-text",
        _set(("CouponModelList", 1, "couponPrice"), "300円"),
        "CouponModelList[1].couponPrice",
        "expected an integer",
    ),
    (
        "tax-summary-rate",
        _set(("TaxSummaryModelList", 0, "taxRate"), "x"),
        "TaxSummaryModelList[0].taxRate",
        "expected a tax rate",
    ),
    (
        "due-date-bad",
        _set(("DueDateModelList", 0, "dueDate"), "2025-02-30"),
        "DueDateModelList[0].dueDate",
        "expected a date",
    ),
    (
        "point-text",
        _set(("PointModel", "usedPoint"), "many"),
        "PointModel.usedPoint",
        "expected an integer",
    ),
]


@pytest.mark.parametrize(
    "mutate, field, detail",
    [c[1:] for c in ERROR_CASES],
    ids=[c[0] for c in ERROR_CASES],
)
def test_parse_errors_name_order_and_field(mutate, field, detail):
    data = load("rpay_card")
    mutate(data)
    with pytest.raises(OrderParseError) as info:
        parse_order(data)
    error = info.value
    assert error.order_number == NUMBER
    assert error.field == field
    assert detail in error.detail
    assert str(error) == "%s %s: %s" % (NUMBER, field, error.detail)
    assert isinstance(error, ValueError)


def test_parse_error_message_example():
    data = load("rpay_card")
    data["PackageModelList"][0]["ItemModelList"][1]["units"] = "x"
    with pytest.raises(
        OrderParseError,
        match=r"^999999-20250301-0000000101 "
        r"PackageModelList\[0\]\.ItemModelList\[1\]\.units: "
        r"expected an integer, got 'x'$",
    ):
        parse_order(data)


@pytest.mark.parametrize(
    "path, field",
    [
        (("PackageModelList", 1, "basketId"), "PackageModelList[1].basketId"),
        (
            ("PackageModelList", 1, "ItemModelList", 0, "units"),
            "PackageModelList[1].ItemModelList[0].units",
        ),
        (
            ("PackageModelList", 0, "ShippingModelList", 0, "shippingDate"),
            "PackageModelList[0].ShippingModelList[0].shippingDate",
        ),
        (
            ("PackageModelList", 1, "SenderModel", "isolatedIslandFlag"),
            "PackageModelList[1].SenderModel.isolatedIslandFlag",
        ),
        (("WrappingModel1", "price"), "WrappingModel1.price"),
    ],
)
def test_parse_errors_in_the_second_package_and_sub_models(path, field):
    data = load("multi_recipient")
    _set(path, "bad")(data)
    with pytest.raises(OrderParseError) as info:
        parse_order(data)
    assert info.value.field == field
    assert info.value.order_number == "999999-20250228-0000000303"


@pytest.mark.parametrize(
    "model, detail",
    [
        ([], "expected an object"),
        (None, "expected an object"),
        ("999999-1", "expected an object"),
    ],
)
def test_not_an_order_model(model, detail):
    with pytest.raises(OrderParseError) as info:
        parse_order(model)
    assert info.value.order_number is None
    assert info.value.field == "OrderModel"
    assert detail in str(info.value)


@pytest.mark.parametrize(
    "number, detail",
    [
        (DELETE, "required but missing"),
        (12345, "expected a string"),
        ("  ", "required but empty"),
    ],
)
def test_order_number_required(number, detail):
    data = load("rpay_card")
    _set(("orderNumber",), number)(data)
    with pytest.raises(OrderParseError) as info:
        parse_order(data)
    assert info.value.order_number is None
    assert info.value.field == "orderNumber"
    assert str(info.value).startswith("(unknown order) orderNumber: ")
    assert detail in info.value.detail


def test_input_is_not_modified():
    data = load("multi_recipient")
    before = copy.deepcopy(data)
    parse_order(data)
    assert data == before
