"""rms/changes.py: what RMS changed in an order after import, without Odoo."""

import copy
import json
from pathlib import Path

import pytest

from rms import changes, mapping
from rms.messages import Message
from rms.order import parse_order

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "client_get_order.json"


@pytest.fixture
def raw():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))["OrderModelList"][0]


def two_baskets(raw):
    """The fixture order with a second recipient holding a copy of the first item."""
    second = copy.deepcopy(raw["PackageModelList"][0])
    second["basketId"] += 1
    second["SenderModel"]["familyName"] = "鈴木"
    for index, item in enumerate(second["ItemModelList"]):
        item["itemDetailId"] += 1000 + index
    raw["PackageModelList"].append(second)
    return raw


def compare(before, after):
    return changes.compare(parse_order(before), parse_order(after))


def first_item(raw):
    return raw["PackageModelList"][0]["ItemModelList"][0]


def codes(found):
    return [change.code for change in found]


def test_identical_data_has_no_change(raw):
    assert compare(raw, copy.deepcopy(raw)) == []


def test_units_change_is_appliable_and_readable(raw):
    after = copy.deepcopy(raw)
    first_item(after)["units"] += 2
    [change] = compare(raw, after)
    assert change.code == changes.ITEM_UNITS
    basket = raw["PackageModelList"][0]["basketId"]
    detail = first_item(raw)["itemDetailId"]
    assert change.key == (basket, detail)
    assert (change.before, change.after) == (
        first_item(raw)["units"],
        first_item(raw)["units"] + 2,
    )
    assert change.action == changes.Action(
        changes.SET_UNITS, (basket, detail), (first_item(after)["units"], detail)
    )
    text = str(change.message)
    assert text.startswith("Units (") and text.endswith(
        "%d → %d" % (change.before, change.after)
    )
    assert change.message.template == changes.CHANGE_OF
    assert isinstance(change.message.args["field"], Message)


def test_every_kind_of_change_in_a_stable_order(raw):
    after = copy.deepcopy(raw)
    item = first_item(after)
    item["units"] += 1
    item["priceTaxIncl"] += 100
    package = after["PackageModelList"][0]
    package["postagePrice"] = 660
    package["deliveryPrice"] = 330
    after["deliveryPrice"] = 330
    after["paymentCharge"] = 110
    after["couponShopPrice"] = 100
    after["couponAllTotalPrice"] = raw["couponAllTotalPrice"] + 300
    after["PointModel"] = {"usedPoint": 77}
    after["requestPrice"] += 500
    after["totalPrice"] += 500
    sender = package["SenderModel"]
    sender["familyName"] = "高橋"
    sender["city"] = "横浜市中区"
    sender["phoneNumber3"] = "9999"
    after["deliveryDate"] = "2031-04-01"
    after["shippingTerm"] = 1820
    after["asurakuFlag"] = 0 if raw.get("asurakuFlag") else 1
    after["remarks"] = "置き配"
    found = compare(raw, after)
    assert codes(found) == [
        changes.ITEM_UNITS,
        changes.ITEM_PRICE,
        changes.POSTAGE,
        changes.COD_FEE,
        changes.PAYMENT_FEE,
        changes.COUPON,
        changes.COUPON,
        changes.POINTS,
        changes.TOTAL,
        changes.TOTAL,
        changes.RECIPIENT_NAME,
        changes.ADDRESS,
        changes.PHONE,
        changes.DELIVERY_DATE,
        changes.DELIVERY_TIME,
        changes.ASURAKU,
        changes.REMARKS,
    ]
    assert all(change.appliable for change in found)
    assert [c.key for c in found if c.code == changes.COUPON] == [
        ("shop",),
        ("rakuten",),
    ]
    assert found == compare(raw, after), "deterministic"
    texts = [str(change.message) for change in found]
    assert "Postage: 0 yen → 660 yen" in texts
    assert "Delivery time slot: (none) → 18:00-20:00" in texts
    # the lines the Odoo layer writes: postage, COD fee, payment charge, shop coupon
    fee = {c.code: c.action for c in found if c.action.kind == changes.FEE_LINES}
    assert [s.price for s in fee[changes.POSTAGE].value] == [660]
    assert fee[changes.COD_FEE].target == (mapping.COD_FEE, None)
    assert [s.price for s in fee[changes.COUPON].value] == [-100]


def test_item_added_and_removed(raw):
    after = copy.deepcopy(raw)
    items = after["PackageModelList"][0]["ItemModelList"]
    gone = items.pop(0)
    added = copy.deepcopy(gone)
    added.update(itemDetailId=999, manageNumber="other-item", itemNumber="other-1")
    added["SkuModelList"] = []
    items.append(added)
    found = compare(raw, after)
    assert codes(found)[:2] == [changes.ITEM_ADDED, changes.ITEM_REMOVED]
    add, remove = found[:2]
    assert add.action.kind == changes.ADD_LINE
    assert add.action.value.product_keys == ("other-1", "other-item")
    assert remove.action == changes.Action(
        changes.SET_UNITS, remove.key, (0, gone["itemDetailId"])
    )
    assert str(remove.message).endswith("→ (none)")


def test_renumbered_line_is_the_same_item(raw):
    after = copy.deepcopy(raw)
    first_item(after)["itemDetailId"] = 424242
    first_item(after)["units"] += 1
    [change] = compare(raw, after)
    assert change.code == changes.ITEM_UNITS
    assert change.action.value == (first_item(after)["units"], 424242)


def test_undetermined_money_is_shown_and_never_appliable(raw):
    after = copy.deepcopy(raw)
    for data in [after] + after["PackageModelList"]:
        data["postagePrice"] = -9999
        data["totalPrice"] = -9999
    after["requestPrice"] = -9999
    found = compare(raw, after)
    assert found and not any(change.appliable for change in found)
    assert "not determined (-9999)" in str(found[0].message)
    # and back: set again, the difference is appliable
    assert compare(after, raw) and all(c.appliable for c in compare(after, raw))


def test_new_recipient_is_never_appliable(raw):
    after = two_baskets(copy.deepcopy(raw))
    found = compare(raw, after)
    added = [c for c in found if c.code == changes.ITEM_ADDED]
    assert added and not any(c.appliable for c in added)


def test_basket_names_say_which_recipient(raw):
    before = two_baskets(copy.deepcopy(raw))
    after = copy.deepcopy(before)
    after["PackageModelList"][1]["postagePrice"] = 880
    [change, *_totals] = compare(before, after)
    assert change.code == changes.POSTAGE
    assert change.key == (before["PackageModelList"][1]["basketId"],)
    assert "鈴木" in change.what


def test_who_asked(raw):
    after = copy.deepcopy(raw)
    after["remarks"] = "変更"
    after["ChangeReasonModelList"] = [
        {"changeId": 1, "changeType": 6, "changeReason": 1, "changeTypeDetail": 2}
    ]
    before, now = (
        changes.snapshot(parse_order(raw)),
        changes.snapshot(parse_order(after)),
    )
    assert changes.changed_by(before, now) == "customer"
    lines = changes.messages(changes.diff(before, now), "customer")
    assert str(lines[0]) == "Changed on Rakuten at the buyer's request."
    # a cancellation entry (changeType 0-3) says nothing about changes
    after["ChangeReasonModelList"][0]["changeType"] = 0
    assert changes.changed_by(before, changes.snapshot(parse_order(after))) is None
    # an entry the baseline already had is not new
    assert changes.changed_by(now, now) is None


def test_digest_is_stable_and_tells_changes_apart(raw):
    after = copy.deepcopy(raw)
    first_item(after)["units"] += 1
    other = copy.deepcopy(raw)
    first_item(other)["units"] += 2
    assert changes.digest(compare(raw, after)) == changes.digest(
        compare(raw, copy.deepcopy(after))
    )
    assert changes.digest(compare(raw, after)) != changes.digest(compare(raw, other))


def test_values_as_text():
    assert str(changes.show(changes.ASURAKU, True)) == "Yes"
    assert str(changes.show(changes.POSTAGE, 12000)) == "12,000 yen"
    assert str(changes.show(changes.DELIVERY_TIME, 2)) == "Afternoon"
    assert str(changes.show(changes.REMARKS, "")) == "(none)"
    assert changes.show(changes.ITEM_UNITS, 3) == 3


def test_every_code_has_a_field_name():
    for code in changes.CODES:
        assert code in changes.FIELD_NAMES or any(
            isinstance(key, tuple) and key[0] == code for key in changes.FIELD_NAMES
        ), code
