"""rms.item: Item API 2.0 item JSON -> dataclasses, on fixtures shaped as RMS sends them."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from rms import item as rms_item
from rms.item import ItemParseError, parse_item, parse_search_page, price_extras

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def load(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_multi_sku_item_get():
    item = parse_item(load("item_get_multi_sku.json"), "sbxshop")
    assert item.manage_number == "tshirt-basic-01"
    assert item.item_number == "TS-BASIC-01"
    assert item.title == "【送料無料】ベーシック Tシャツ 綿100% 半袖"
    assert item.item_type == "NORMAL"
    assert item.hidden is False
    assert item.tax_rate == Decimal("0.1")  # sent as a number
    assert [(s.key, s.display_name, s.values) for s in item.selectors] == [
        ("color", "カラー", ("ホワイト", "ブラック")),
        ("size", "サイズ", ("M", "L", "XL")),
    ]
    assert [v.variant_id for v in item.variants] == [
        "sku-wh-m",
        "sku-wh-l",
        "sku-wh-xl",
        "sku-bk-m",
        "sku-bk-l",
    ]
    first = item.variants[0]
    assert first.sku_number == "TS-BASIC-01-WH-M"
    assert first.article_number == "4901234567894"
    assert first.standard_price == Decimal("2980")  # a string
    assert item.variants[3].standard_price == Decimal("2980")  # a number
    assert first.selector_values == (("color", "ホワイト"), ("size", "M"))
    assert first.hidden is False
    last = item.variants[4]
    assert last.hidden is True
    assert last.article_number == ""  # null JAN, exemption reason given
    assert last.sku_number == ""


def test_image_urls():
    item = parse_item(load("item_get_multi_sku.json"), "sbxshop")
    assert [image.url for image in item.images] == [
        "https://image.rakuten.co.jp/sbxshop/cabinet/imgrc0001/ts-basic-01_main.jpg",
        "https://image.rakuten.co.jp/sbxshop/cabinet/imgrc0001/ts-basic-01_sub1.jpg",
    ]
    assert item.image.alt == "ベーシック Tシャツ"
    assert (
        item.variants[3].images[0].url
        == "https://image.rakuten.co.jp/sbxshop/cabinet/imgrc0001/ts-basic-01_bk.jpg"
    )
    gold = parse_item(load("item_get_normal_inventory.json"), "teashop")
    assert gold.image.type == "GOLD"
    assert (
        gold.image.url == "https://www.rakuten.ne.jp/gold/teashop/img/item/gt-100.jpg"
    )


def test_image_of_first_sku_when_item_has_none():
    data = load("item_get_multi_sku.json")
    data["images"] = []
    item = parse_item(data, "sbxshop")
    assert item.image.location == "/imgrc0001/ts-basic-01_bk.jpg"
    data["variants"]["sku-bk-m"]["images"] = []
    assert parse_item(data, "sbxshop").image is None


def test_references():
    item = parse_item(load("item_get_multi_sku.json"), "sbxshop")
    refs = [item.reference(v) for v in item.variants]
    # the SKU without システム連携用SKU番号 among several: 商品番号-SKU管理番号, unique
    assert refs == [
        "TS-BASIC-01-WH-M",
        "TS-BASIC-01-WH-L",
        "TS-BASIC-01-WH-XL",
        "TS-BASIC-01-BK-M",
        "TS-BASIC-01-sku-bk-l",
    ]
    assert len(set(refs)) == len(refs)


def test_pre_migration_normal_inventory():
    item = parse_item(load("item_get_normal_inventory.json"), "teashop")
    assert item.tax_rate == Decimal("0.08")  # sent as a string
    assert item.selectors == ()
    [variant] = item.variants
    assert variant.variant_id == rms_item.NORMAL_INVENTORY
    assert variant.sku_number == ""
    assert variant.selector_values == ()
    assert variant.standard_price == Decimal("1080")
    assert variant.article_number == "4987654321098"
    assert item.reference(variant) == "GT-100"  # single SKU: 商品番号


def test_search_page():
    items, errors = parse_search_page(load("item_search_page.json"), "sbxshop")
    assert errors == []
    mug, rice, gift, deleted = items
    # single SKU, empty システム連携用SKU番号 (as migration left it), shop tax setting
    assert mug.tax_rate is None
    assert mug.reference(mug.variants[0]) == "MUG-CL"
    assert mug.variants[0].standard_price == Decimal("1650")
    # no 商品番号: the 商品管理番号, with the SKU管理番号 when there are several SKUs
    assert rice.hidden is True
    assert (
        rice.image.url == "https://www.rakuten.ne.jp/gold/sbxshop/images/rice-5kg.png"
    )
    assert [rice.reference(v) for v in rice.variants] == ["rice-5kg-w", "rice-5kg-b"]
    assert gift.tax_rate == Decimal("0")
    assert gift.item_type == "PRE_ORDER"
    assert gift.variants[0].article_number == ""
    assert gift.reference(gift.variants[0]) == "GIFT-A-SET"
    assert (
        deleted.deleted
        and deleted.variants == ()
        and deleted.manage_number == "old-item-deleted"
    )


def test_single_sku_without_item_number_uses_manage_number():
    item = parse_item(
        {
            "manageNumber": "plain-1",
            "title": "x",
            "variants": {"v1": {"standardPrice": "100"}},
        },
        "s",
    )
    assert item.reference(item.variants[0]) == "plain-1"
    assert item.title == "x" and item.item_number == ""


def test_bad_entry_is_reported_and_others_read():
    page = load("item_search_page.json")
    page["results"][1]["item"]["payment"]["taxRate"] = "0.05"
    page["results"][2]["item"]["variants"]["ga"]["standardPrice"] = "abc"
    items, errors = parse_search_page(page, "sbxshop")
    assert [i.manage_number for i in items] == ["mug-classic", "old-item-deleted"]
    assert [(e.manage_number, e.path) for e in errors] == [
        ("rice-5kg", "payment.taxRate"),
        ("gift-set-a", "variants.ga.standardPrice"),
    ]


@pytest.mark.parametrize(
    "mutate, path",
    [
        (lambda d: d.pop("manageNumber"), "manageNumber"),
        (lambda d: d.update(variants=[]), "variants"),
        (
            lambda d: d["variants"]["sku-wh-m"].update(selectorValues={"colour": "x"}),
            "variants.sku-wh-m.selectorValues",
        ),
        (
            lambda d: d["variantSelectors"].append({"key": "color", "values": []}),
            "variantSelectors",
        ),
        (
            lambda d: d["images"].append({"type": "FTP", "location": "/a.jpg"}),
            "images[2].type",
        ),
        (lambda d: d.update(hideItem="yes"), "hideItem"),
        (
            lambda d: d["variants"]["sku-wh-m"].update(standardPrice=-1),
            "variants.sku-wh-m.standardPrice",
        ),
        (lambda d: d.update(title="x" * 5000), "title"),
    ],
)
def test_unreadable_fields_raise_with_their_path(mutate, path):
    data = load("item_get_multi_sku.json")
    mutate(data)
    with pytest.raises(ItemParseError) as info:
        parse_item(data, "sbxshop")
    assert info.value.path == path


def test_price_extras_additive():
    item = parse_item(load("item_get_multi_sku.json"), "sbxshop")
    base, extras = price_extras(item)
    assert base == Decimal("2980")
    assert extras[("size", "XL")] == Decimal("300")
    for variant in item.variants:
        assert (
            base + sum(extras.get(pair, 0) for pair in variant.selector_values)
            == variant.standard_price
        )


def test_price_extras_not_additive():
    data = load("item_get_multi_sku.json")
    data["variants"]["sku-bk-l"]["standardPrice"] = "3500"  # black only costs more in L
    data["variants"]["sku-bk-m"]["standardPrice"] = "3100"
    assert price_extras(parse_item(data, "sbxshop")) is None


def test_price_extras_single_and_none():
    item = parse_item(load("item_get_normal_inventory.json"), "teashop")
    assert price_extras(item) == (Decimal("1080"), {})
    data = load("item_get_normal_inventory.json")
    data["variants"]["normal-inventory"].pop("standardPrice")
    assert price_extras(parse_item(data, "teashop")) is None


def test_price_extras_solved_through_other_skus():
    # no white XL: the XL extra is read from black XL, once black's extra is known from black M
    data = load("item_get_multi_sku.json")
    del data["variants"]["sku-wh-xl"]
    data["variants"]["sku-bk-xl"] = {
        "selectorValues": {"color": "ブラック", "size": "XL"},
        "standardPrice": "3280",
    }
    base, extras = price_extras(parse_item(data, "sbxshop"))
    assert (base, extras) == (Decimal("2980"), {("size", "XL"): Decimal("300")})
