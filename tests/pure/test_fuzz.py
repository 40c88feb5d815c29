"""Fuzz suite of the pure tier: hostile getOrder entries (tools/hostile_orders.py, drawn by
hypothesis) through the parser, the import rules and the order mapping.

Properties, for any entry RMS may send:

* the parser returns an order or raises OrderParseError naming the field, nothing else;
* an order it returns holds only text PostgreSQL stores, names, addresses and codes short
  enough for Odoo's indexes, and no repeated basket or item line;
* the import rules and the line mapping never raise on it;
* an order that nothing holds in 確認待ち (no check, no hold reason) has lines that add up to
  Rakuten's total to the yen, no negative item, postage or fee, known tax rates, and units.

The number of cases tried is printed at the end of the run (conftest.py); the CI profile is
derandomized (same cases every run), ``HYPOTHESIS_PROFILE=dev`` explores new ones.
"""

import dataclasses
import json
import os
from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from conftest import FIXTURES
from rms import mapping, rules
from rms.order import (
    _UNSTORABLE,
    MAX_TEXT,
    OrderParseError,
    parse_order,
    valid_order_number,
)
from tools.hostile_orders import HOSTILE_TEXTS, hostile_orders

NOW = datetime(2025, 3, 2, 12, 0, tzinfo=timezone.utc)
BASES = {}
for name in (
    "order_rpay_card",
    "order_multi_recipient",
    "order_cod_selective",
    "order_asuraku",
):
    with open(os.path.join(FIXTURES, name + ".json"), encoding="utf-8") as handle:
        BASES[name] = json.load(handle)
OPTIONS = rules.ShopOptions(import_drug_orders=True, import_reserved_orders=True)
PERSON_FIELDS = (
    "family_name",
    "first_name",
    "family_name_kana",
    "first_name_kana",
    "phone",
    "zip_code",
    "prefecture",
    "city",
    "sub_address",
)


def _strings(value):
    """Every str inside a parsed order (dataclasses, tuples)."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value):
        for item in dataclasses.fields(value):
            yield from _strings(getattr(value, item.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _strings(item)


entries = st.sampled_from(sorted(BASES)).flatmap(
    lambda name: hostile_orders(BASES[name])
)


def test_the_valid_bases_are_imported_without_a_hold():
    for raw in BASES.values():
        order = parse_order(raw)
        assert mapping.hold_reasons(order) == []
        assert sum(
            line.subtotal for line in mapping.order_lines(order)
        ) == mapping.expected_total(order)


@given(entry=entries)
def test_hostile_entries_are_read_or_refused_with_the_field(entry, fuzz_cases):
    raw, what = entry
    fuzz_cases["pure: hostile getOrder entries"] += 1
    try:
        order = parse_order(raw)
    except OrderParseError as error:
        # refused: the reason names a field, and it is text PostgreSQL stores
        assert error.field and not _UNSTORABLE.search(str(error)), what
        assert len(str(error)) < 1000, what
        return
    assert valid_order_number(order.order_number), what
    for text in _strings(order):
        assert not _UNSTORABLE.search(text), (what, text[:50])
    for person in (order.orderer, *(package.sender for package in order.packages)):
        assert all(
            len(getattr(person, name)) <= 3 * MAX_TEXT for name in PERSON_FIELDS
        ), what
    baskets = [package.basket_id for package in order.packages]
    details = [item.item_detail_id for item in order.items]
    assert len(set(baskets)) == len(baskets) and len(set(details)) == len(details), what

    result = rules.decide(order, OPTIONS, NOW)
    lines = mapping.order_lines(order)
    if result.decision not in (rules.Decision.IMPORT, rules.Decision.PROVISIONAL):
        return
    odoo_total = sum(line.subtotal for line in lines)
    held = mapping.confirm_reasons(
        order, {mapping.CHECK_AMOUNTS}, (), odoo_total
    ) + mapping.hold_reasons(order)
    if held:
        fuzz_cases["pure: held in 確認待ち"] += 1
        return
    # Nothing holds it: it would be ready to ship. Then its money must be right.
    fuzz_cases["pure: ready to ship"] += 1
    expected = mapping.expected_total(order)
    assert expected is not None and 0 <= expected == odoo_total, what
    for line in lines:
        assert line.tax_rate in mapping.KNOWN_RATES, what
        assert line.quantity > 0, what
        if line.kind != mapping.SHOP_COUPON:
            assert 0 <= line.price <= mapping.MAX_TOTAL, what


@given(
    name=st.sampled_from(sorted(BASES)),
    text=st.sampled_from(HOSTILE_TEXTS),
    field=st.sampled_from(("familyName", "firstName", "city", "subAddress")),
)
def test_unstorable_text_is_cleaned_and_holds_the_order(name, text, field, fuzz_cases):
    fuzz_cases["pure: cleaned names"] += 1
    raw = json.loads(json.dumps(BASES[name]))
    raw["OrdererModel"][field] = "山田" + text + "花子"
    order = parse_order(raw)
    value = {
        "familyName": order.orderer.family_name,
        "firstName": order.orderer.first_name,
        "city": order.orderer.city,
        "subAddress": order.orderer.sub_address,
    }[field]
    assert not _UNSTORABLE.search(value)
    codes = [code for code, _template, _args in mapping.hold_reasons(order)]
    assert ("text_cleaned" in codes) == bool(_UNSTORABLE.search(text))


def test_long_names_are_refused_with_the_field():
    raw = json.loads(json.dumps(BASES["order_rpay_card"]))
    raw["PackageModelList"][0]["SenderModel"]["familyName"] = "あ" * 40_000
    try:
        parse_order(raw)
    except OrderParseError as error:
        assert error.field == "PackageModelList[0].SenderModel.familyName"
        assert "longer than 255 characters (40000)" in str(error)
    else:
        raise AssertionError("a 40,000-character name was accepted")


def test_repeated_basket_and_item_line_are_refused():
    raw = json.loads(json.dumps(BASES["order_multi_recipient"]))
    raw["PackageModelList"][1]["basketId"] = raw["PackageModelList"][0]["basketId"]
    try:
        parse_order(raw)
    except OrderParseError as error:
        assert (
            error.field == "PackageModelList[1].basketId"
            and "appears twice" in error.detail
        )
    else:
        raise AssertionError("a repeated basketId was accepted")
    raw = json.loads(json.dumps(BASES["order_rpay_card"]))
    items = raw["PackageModelList"][0]["ItemModelList"]
    items.append(dict(items[0]))
    try:
        parse_order(raw)
    except OrderParseError as error:
        assert error.field.endswith("itemDetailId") and "appears twice" in error.detail
    else:
        raise AssertionError("a repeated itemDetailId was accepted")


def test_money_and_codes_that_cannot_be_right_hold_the_order():
    def held(change):
        raw = json.loads(json.dumps(BASES["order_rpay_card"]))
        change(raw)
        return {
            code: args
            for code, _template, args in mapping.hold_reasons(parse_order(raw))
        }

    def set_item(**values):
        return lambda raw: raw["PackageModelList"][0]["ItemModelList"][0].update(values)

    assert (
        "priceTaxIncl -900"
        in held(set_item(price=-900, priceTaxIncl=-900))["money_negative"]["amounts"]
    )
    assert (
        "PackageModelList[0].postagePrice -500"
        in held(lambda raw: raw["PackageModelList"][0].update(postagePrice=-500))[
            "money_negative"
        ]["amounts"]
    )
    assert "money_absurd" in held(set_item(units=10**6))
    assert "0.05" in held(set_item(taxRate=0.05))["tax_rate_unknown"]["rates"]
    assert "zero_units" in held(set_item(units=0))
    assert "money_undetermined" in held(lambda raw: raw.update(paymentCharge=-9999))
    assert held(lambda raw: None) == {}
