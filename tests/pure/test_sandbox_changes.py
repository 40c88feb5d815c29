"""The sandbox changes an order as RMS's order screen would (modify_order), and getOrder over
HTTP shows it: the data, modifyFlag, a ChangeReasonModel, and totals that add up."""

import base64
from datetime import datetime

import pytest
import requests

from rms.order import parse_order, reconcile_amounts
from tools.rms_sandbox import JST, RmsSandbox

NOW = datetime(2025, 6, 10, 12, 0, 0, tzinfo=JST)
GET = "2.0/order/getOrder/"


@pytest.fixture
def sandbox():
    box = RmsSandbox(seed=11, clock=lambda: NOW)
    box.start()
    yield box
    box.stop()


def get_order(sandbox, number):
    token = base64.b64encode(b"sandbox-secret:sandbox-key").decode()
    answer = requests.post(
        sandbox.url + GET,
        json={"orderNumberList": [number], "version": 10},
        headers={"Authorization": "ESA " + token},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    [order] = answer.json()["OrderModelList"]
    return order


def plain_order(sandbox, **mix):
    table = {
        "packages": {1: 1.0},
        "postage_undetermined": 0.0,
        "payment": {"card": 1.0},
        "progress": {300: 1.0},
        "order_type": {1: 1.0},
    }
    table.update(mix)
    [number] = sandbox.generate_orders(1, now=NOW, mix=table, hours=1)
    return number


def consistent(order):
    parsed = parse_order(order)
    assert reconcile_amounts(parsed).ok
    coupons = sum(c["couponTotalPrice"] for c in order["CouponModelList"])
    assert order["couponAllTotalPrice"] == coupons
    assert order["requestPrice"] == (
        order["totalPrice"]
        + order["deliveryPrice"]
        + order["paymentCharge"]
        - coupons
        - order["PointModel"]["usedPoint"]
    )
    for package in order["PackageModelList"]:
        assert package["totalPrice"] == package["goodsPrice"] + package["postagePrice"]
    return parsed


def test_untouched_order_is_consistent(sandbox):
    number = plain_order(sandbox, shop_coupon=1.0, points=1.0)
    order = get_order(sandbox, number)
    consistent(order)
    assert order["modifyFlag"] == 0


def test_units_and_price_change_by_the_customer(sandbox):
    number = plain_order(sandbox)
    before = get_order(sandbox, number)
    item = before["PackageModelList"][0]["ItemModelList"][0]
    detail = item["itemDetailId"]
    request = sandbox.modify_order(
        number, units={detail: item["units"] + 2}, prices={detail: 1234}, by="customer"
    )
    after = get_order(sandbox, number)
    changed = after["PackageModelList"][0]["ItemModelList"][0]
    assert (changed["units"], changed["priceTaxIncl"]) == (item["units"] + 2, 1234)
    consistent(after)
    assert after["requestPrice"] == request
    assert after["modifyFlag"] == 1
    [reason] = after["ChangeReasonModelList"]
    assert (reason["changeType"], reason["changeReason"]) == (6, 1)
    assert reason["changeTypeDetail"] in (0, 1)


def test_money_and_recipient_changes_by_the_shop(sandbox):
    number = plain_order(sandbox)
    sandbox.modify_order(
        number,
        postage=1320,
        cod_fee=330,
        coupon_shop=150,
        coupon_rakuten=200,
        points=40,
        recipient={"city": "那覇市", "prefecture": "沖縄県"},
        delivery_date="2025-06-20",
        shipping_term=1416,
        remarks="夕方希望",
        asuraku=True,
        change_type=5,
    )
    after = get_order(sandbox, number)
    parsed = consistent(after)
    package = after["PackageModelList"][0]
    assert (package["postagePrice"], package["deliveryPrice"]) == (1320, 330)
    assert (after["couponShopPrice"], after["couponOtherPrice"]) == (150, 200)
    assert after["PointModel"]["usedPoint"] == 40
    assert parsed.packages[0].sender.address.startswith("沖縄県那覇市")
    assert (after["deliveryDate"], after["shippingTerm"], after["remarks"]) == (
        "2025-06-20",
        1416,
        "夕方希望",
    )
    assert after["asurakuFlag"] == 1
    [reason] = after["ChangeReasonModelList"]
    assert (reason["changeType"], reason["changeReason"]) == (5, 0)


def test_item_added_and_removed(sandbox):
    number = plain_order(sandbox, items={2: 1.0})
    before = get_order(sandbox, number)
    [first, second] = before["PackageModelList"][0]["ItemModelList"]
    sandbox.modify_order(number, units={second["itemDetailId"]: 0}, add_item=(0, 3))
    after = get_order(sandbox, number)
    items = after["PackageModelList"][0]["ItemModelList"]
    assert [i["itemDetailId"] for i in items][0] == first["itemDetailId"]
    assert second["itemDetailId"] not in [i["itemDetailId"] for i in items]
    assert items[-1]["units"] == 3 and items[-1]["manageNumber"]
    consistent(after)


def test_changes_are_counted_as_changes_not_cancellations(sandbox):
    number = plain_order(sandbox)
    sandbox.modify_order(number, remarks="a")
    sandbox.modify_order(number, remarks="b", by="customer")
    reasons = get_order(sandbox, number)["ChangeReasonModelList"]
    assert [r["changeType"] for r in reasons] == [6, 6]
    assert len({r["changeId"] for r in reasons}) == 2
    assert get_order(sandbox, number)["orderProgress"] == 300


def test_wrong_arguments_are_refused(sandbox):
    number = plain_order(sandbox)
    with pytest.raises(ValueError):
        sandbox.modify_order(number, by="rakuten-bot")
    with pytest.raises(ValueError):
        sandbox.modify_order(number, change_type=1)
