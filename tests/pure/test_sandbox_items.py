"""Tests of the sandbox's Item API 2.0, Inventory API 2.0, catalogue and RMS-side stock, over
real HTTP with ``requests`` (the paths, envelopes, limits and codes of rms-items-inventory.md)."""

import base64
import json
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from tools.rms_sandbox import CATALOG, JST, RmsSandbox

NOW = datetime(2026, 6, 10, 12, 0, 0, tzinfo=JST)
AUTH = {
    "Authorization": "ESA " + base64.b64encode(b"sandbox-secret:sandbox-key").decode()
}


@pytest.fixture
def sandbox():
    with RmsSandbox(seed=7, clock=NOW) as box:
        yield box


def url(box, path):
    return box.url + path.lstrip("/")


def search(box, **params):
    return requests.get(
        url(box, "2.0/items/search"), params=params, headers=AUTH, timeout=10
    )


def post(box, path, body=None, data=None):
    return requests.post(url(box, path), json=body, data=data, headers=AUTH, timeout=10)


def codes(response):
    return [
        (e["code"], (e.get("metadata") or {}).get("propertyPath"))
        for e in response.json()["errors"]
    ]


def upsert(box, rows):
    return post(box, "2.0/inventories/bulk-upsert", {"inventories": rows})


def bulk_get(box, keys):
    return post(
        box,
        "2.0/inventories/bulk-get",
        {"inventories": [{"manageNumber": m, "variantId": v} for m, v in keys]},
    )


def jan_ok(code):
    digits = [int(c) for c in code]
    return (
        len(digits) == 13
        and (
            sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12])) + digits[12]
        )
        % 10
        == 0
    )


# ---------------------------------------------------------------------------
# catalogue
# ---------------------------------------------------------------------------
def test_catalog_entries_are_named_tuples():
    entry = CATALOG[0]
    assert (entry.manage_number, entry.item_number, entry.price, entry.tax_pct) == (
        "tshirt-basic",
        "TS-001",
        2980,
        10,
    )
    variant = entry.variants[0]
    assert (variant.variant_id, variant.merchant_defined_sku_id) == (
        "ts-wh-m",
        "TS001-WH-M",
    )
    assert variant.selectors == (("color", "ホワイト"), ("size", "M"))
    assert entry[8] is entry.variants  # still a tuple for old callers


def test_generated_catalogue_is_seeded_and_has_every_case():
    one, two = RmsSandbox(seed=3, clock=NOW), RmsSandbox(seed=3, clock=NOW)
    entries = one.generate_catalog(300)
    assert entries == two.generate_catalog(300)
    assert entries != RmsSandbox(seed=4, clock=NOW).generate_catalog(300)
    variants = [v for e in entries for v in e.variants]
    assert len({e.manage_number for e in entries}) == 300
    singles = [e for e in entries if len(e.variants) == 1]
    multis = [e for e in entries if len(e.variants) > 1]
    assert singles and multis and {len(e.axes) for e in multis} == {1, 2, 3}
    assert any(e.hidden for e in entries) and any(
        v.hidden for e in multis for v in e.variants
    )
    assert (
        sum(1 for e in singles if not e.variants[0].merchant_defined_sku_id)
        > len(singles) / 3
    )
    assert any(not v.merchant_defined_sku_id for e in multis for v in e.variants)
    assert {e.tax_rate for e in entries} == {0.1, 0.08, None}
    jans = [v.article_number for v in variants if v.article_number]
    assert len(variants) / 3 < len(jans) < len(variants) and all(
        jan_ok(j) for j in jans
    )
    assert all(1 <= len(e.images) <= 3 for e in entries)
    assert all(
        one.stock[(e.manage_number, v.variant_id)] >= 0
        for e in entries
        for v in e.variants
    )
    assert any(
        one.stock[(e.manage_number, v.variant_id)] == 0
        for e in entries
        for v in e.variants
    )


# ---------------------------------------------------------------------------
# items.search
# ---------------------------------------------------------------------------
def test_search_walks_the_whole_catalogue_with_cursor_mark(sandbox):
    sandbox.generate_catalog(184)
    total = len(CATALOG) + 184
    seen, cursor, pages = [], "*", 0
    while True:
        answer = search(sandbox, cursorMark=cursor, hits=100)
        assert answer.status_code == 200
        body = answer.json()
        pages += 1
        assert body["numFound"] == total and body["hits"] == len(body["results"]) <= 100
        seen += [r["item"]["manageNumber"] for r in body["results"]]
        if body["nextCursorMark"] == cursor:
            break
        cursor = body["nextCursorMark"]
    assert pages == 3 and len(seen) == total == len(set(seen)) and seen == sorted(seen)
    assert sandbox.calls["items.search"] == 3


def test_search_offset_paging_filters_and_limits(sandbox):
    sandbox.generate_catalog(40)
    names = sorted(e.manage_number for e in sandbox.catalog)
    body = search(sandbox, offset=10, hits=5).json()
    assert [r["item"]["manageNumber"] for r in body["results"]] == names[10:15]
    assert "nextCursorMark" not in body
    assert len(search(sandbox).json()["results"]) == 10  # default hits
    hidden = search(sandbox, isHiddenItem="true", hits=100).json()["results"]
    assert hidden and all(r["item"]["hideItem"] for r in hidden)
    assert len(hidden) == sum(1 for e in sandbox.catalog if e.hidden)
    one = search(sandbox, manageNumber="mug-hasami").json()
    assert one["numFound"] == 1 and one["results"][0]["item"]["itemNumber"] == "MG-200"
    by_sku = search(sandbox, merchantDefinedSkuId="TS001-NV-L").json()["results"]
    assert [r["item"]["manageNumber"] for r in by_sku] == ["tshirt-basic"]
    for params, path in (
        ({"hits": 101}, "hits"),
        ({"hits": 0}, "hits"),
        ({"offset": 10001}, "offset"),
    ):
        answer = search(sandbox, **params)
        assert answer.status_code == 400 and codes(answer) == [("IE0003", path)]
    assert codes(search(sandbox, hits="x")) == [("IE0002", "hits")]
    assert codes(search(sandbox, cursorMark="not-a-cursor")) == [
        ("IE0002", "cursorMark")
    ]
    assert codes(search(sandbox, cursorMark="*", sortKey="updated")) == [
        ("IE0002", "sortKey")
    ]


def test_search_item_shape(sandbox):
    item = search(sandbox, manageNumber="tshirt-basic").json()["results"][0]["item"]
    assert (
        item["title"] == "オーガニックコットン Tシャツ ベーシック"
        and item["hideItem"] is False
    )
    assert item["payment"]["taxRate"] == 0.1 and item["itemType"] == "NORMAL"
    assert item["genreId"] == "100000"
    assert item["variantSelectors"] == [
        {
            "key": "color",
            "displayName": "カラー",
            "values": [{"displayValue": "ホワイト"}, {"displayValue": "ネイビー"}],
        },
        {
            "key": "size",
            "displayName": "サイズ",
            "values": [{"displayValue": "M"}, {"displayValue": "L"}],
        },
    ]
    variant = item["variants"]["ts-nv-l"]
    assert (
        variant["merchantDefinedSkuId"] == "TS001-NV-L"
        and variant["standardPrice"] == "2980"
    )
    assert (
        variant["selectorValues"] == {"color": "ネイビー", "size": "L"}
        and variant["hidden"] is False
    )
    assert item["images"][0]["type"] == "CABINET" and item["images"][0][
        "location"
    ].startswith("/")
    tea = search(sandbox, manageNumber="tea-sencha").json()["results"][0]["item"]
    assert tea["payment"]["taxRate"] == 0.08 and tea["variantSelectors"] == []
    assert list(tea["variants"]) == ["tea-sencha"]


def test_search_shows_generated_specials(sandbox):
    entries = sandbox.generate_catalog(200)
    items = {
        r["item"]["manageNumber"]: r["item"]
        for page in (
            search(sandbox, offset=o, hits=100).json()["results"] for o in (0, 100, 200)
        )
        for r in page
    }
    assert len(items) == len(CATALOG) + 200
    for entry in entries:
        item = items[entry.manage_number]
        assert (
            item["hideItem"] == entry.hidden
            and item["payment"]["taxRate"] == entry.tax_rate
        )
        for variant in entry.variants:
            model = item["variants"][variant.variant_id]
            assert model["merchantDefinedSkuId"] == (
                variant.merchant_defined_sku_id or None
            )
            assert model["hidden"] == variant.hidden
            assert ("articleNumber" in model) == bool(variant.article_number)
            if variant.article_number:
                assert model["articleNumber"]["value"] == variant.article_number
            assert model["selectorValues"] == dict(variant.selectors)
        assert [s["key"] for s in item["variantSelectors"]] == [
            key for key, _name in entry.axes
        ]


# ---------------------------------------------------------------------------
# items.get and items.bulk-get (商品一括編集機能)
# ---------------------------------------------------------------------------
def test_items_get_needs_the_bulk_edit_option(sandbox):
    path = "2.0/items/manage-numbers/mug-hasami"
    refused = requests.get(url(sandbox, path), headers=AUTH, timeout=10)
    assert refused.status_code == 401
    assert refused.json() == {
        "Results": {"errorCode": "ES01-01", "message": "Un-Authorised"}
    }
    assert (
        post(
            sandbox, "2.0/items/bulk-get", {"manageNumbers": ["mug-hasami"]}
        ).status_code
        == 401
    )
    assert search(sandbox).status_code == 200  # items.search needs no option
    sandbox.item_bulk_edit = True
    item = requests.get(url(sandbox, path), headers=AUTH, timeout=10).json()
    assert (
        item == search(sandbox, manageNumber="mug-hasami").json()["results"][0]["item"]
    )
    missing = requests.get(
        url(sandbox, "2.0/items/manage-numbers/nothing"), headers=AUTH, timeout=10
    )
    assert missing.status_code == 404 and codes(missing) == [("GE0014", None)]
    assert (
        requests.put(url(sandbox, path), json={}, headers=AUTH, timeout=10).status_code
        == 405
    )
    assert sandbox.calls["items.get"] == 4


def test_bulk_get_limits_and_codes(sandbox):
    sandbox.item_bulk_edit = True
    sandbox.generate_catalog(60)
    names = [e.manage_number for e in sandbox.catalog]
    body = post(sandbox, "2.0/items/bulk-get", {"manageNumbers": names[:50]}).json()
    assert [i["manageNumber"] for i in body["results"]] == names[:50]
    answer = post(sandbox, "2.0/items/bulk-get", {"manageNumbers": names[:51]})
    assert answer.status_code == 400 and codes(answer) == [("IE1101", "manageNumbers")]
    answer = post(
        sandbox,
        "2.0/items/bulk-get",
        {"manageNumbers": ["mug-hasami", "x", "mug-hasami"]},
    )
    assert answer.status_code == 400 and codes(answer) == [
        ("IE1106", "manageNumbers[2]")
    ]
    answer = post(sandbox, "2.0/items/bulk-get", {"manageNumbers": ["a" * 33]})
    assert answer.status_code == 400 and codes(answer) == [
        ("IE0004", "manageNumbers[0]")
    ]
    some = post(
        sandbox, "2.0/items/bulk-get", {"manageNumbers": ["nothing", "tea-sencha"]}
    ).json()
    assert [i["manageNumber"] for i in some["results"]] == ["tea-sencha"]
    none = post(sandbox, "2.0/items/bulk-get", {"manageNumbers": ["nothing", "else"]})
    assert none.status_code == 200 and none.json() == {"results": []}
    assert codes(post(sandbox, "2.0/items/bulk-get", {})) == [
        ("IE0001", "manageNumbers")
    ]
    empty = post(sandbox, "2.0/items/bulk-get", data=b"")
    assert empty.status_code == 400 and codes(empty) == [("GE0011", None)]
    broken = post(sandbox, "2.0/items/bulk-get", data=b"{not json")
    assert broken.status_code == 415 and codes(broken) == [("GE0012", None)]


# ---------------------------------------------------------------------------
# orders agree with the catalogue; RMS-side stock
# ---------------------------------------------------------------------------
def test_orders_carry_the_catalogue_skus_and_take_stock():
    box = RmsSandbox(seed=11, clock=NOW)
    box.generate_catalog(80, stock=(50, 80), empty_stock=0.2)
    before = dict(box.stock)
    numbers = box.generate_orders(300)
    assert len(numbers) > 250  # a few not placed: a SKU had too little stock
    skus = {
        (e.manage_number, v.variant_id): (e, v) for e in box.catalog for v in e.variants
    }
    sold = {}
    for number in numbers:
        order = box.orders[number]
        for package in order["PackageModelList"]:
            for item in package["ItemModelList"]:
                sku = item["SkuModelList"][0]
                entry, variant = skus[(item["manageNumber"], sku["variantId"])]
                assert (
                    item["itemNumber"] == entry.item_number
                    and item["itemName"] == entry.item_name
                )
                assert sku["merchantDefinedSkuId"] == (
                    variant.merchant_defined_sku_id or None
                )
                assert sku["skuInfo"] == variant.sku_info
                assert not entry.hidden and not variant.hidden
                if order["orderProgress"] not in (800, 900):
                    key = (item["manageNumber"], sku["variantId"])
                    sold[key] = sold.get(key, 0) + item["units"]
    assert any(key[0].startswith("sbx-") for key in sold)
    for key, quantity in before.items():
        assert box.stock[key] == quantity - sold.get(key, 0), key
        assert box.stock[key] >= 0
    assert not any(before[key] == 0 for key in sold)


def test_nothing_in_stock_means_no_orders():
    box = RmsSandbox(seed=4, clock=NOW)
    for key in box.stock:
        box.stock[key] = 0
    box.set_stock("tea-sencha", "tea-sencha", 1)
    numbers = box.generate_orders(40)
    assert len(numbers) <= 1 and box.stock[("tea-sencha", "tea-sencha")] == 1 - len(
        numbers
    )
    assert (
        box.generate_orders(10) == []
        and box.place_order({("mug-hasami", "mug-hasami"): 1}) is None
    )
    assert len(box.orders) == len(numbers)


def test_place_order_takes_stock_or_refuses():
    box = RmsSandbox(seed=5, clock=NOW)
    box.set_stock("mug-hasami", "mug-hasami", 3)
    box.set_stock("tea-sencha", "tea-sencha", 10)
    number = box.place_order(
        [("mug-hasami", "mug-hasami", 2), ("tea-sencha", "tea-sencha", 1)]
    )
    order = box.orders[number]
    assert (
        order["orderProgress"] == 100
        and order["orderDatetime"] == "2026-06-10T12:00:00+0900"
    )
    lines = [
        (i["manageNumber"], i["SkuModelList"][0]["variantId"], i["units"])
        for p in order["PackageModelList"]
        for i in p["ItemModelList"]
    ]
    assert lines == [("mug-hasami", "mug-hasami", 2), ("tea-sencha", "tea-sencha", 1)]
    assert (
        box.stock[("mug-hasami", "mug-hasami")],
        box.stock[("tea-sencha", "tea-sencha")],
    ) == (1, 9)
    count = len(box.orders)
    assert box.place_order({("mug-hasami", "mug-hasami"): 2}) is None  # only 1 left
    assert len(box.orders) == count and box.stock[("mug-hasami", "mug-hasami")] == 1
    assert box.place_order({("mug-hasami", "mug-hasami"): 1}) is not None
    assert box.place_order({("mug-hasami", "mug-hasami"): 1}) is None
    with pytest.raises(ValueError):
        box.place_order([("nothing", "x", 1)])
    box.generate_catalog(100)
    hidden = next(
        (e, v) for e in box.catalog for v in e.variants if v.hidden and not e.hidden
    )
    with pytest.raises(ValueError):
        box.place_order([(hidden[0].manage_number, hidden[1].variant_id, 1)])


def test_cancellation_gives_the_units_back(sandbox):
    key = ("mug-hasami", "mug-hasami")
    sandbox.set_stock(*key, 10)
    first, second, third = (sandbox.place_order({key: 2}) for _ in range(3))
    assert sandbox.stock[key] == 4

    def cancel(number, restore):
        return post(
            sandbox,
            "2.0/order/cancelOrder/",
            {
                "orderNumber": number,
                "inventoryRestoreType": restore,
                "changeReasonDetailApply": 8,
            },
        )

    assert cancel(first, 1).status_code == 200 and sandbox.stock[key] == 6
    sandbox.set_progress(
        first, 900
    )  # Rakuten fixes the cancellation: no second restock
    assert sandbox.stock[key] == 6
    assert (
        cancel(second, 2).status_code == 200 and sandbox.stock[key] == 6
    )  # 在庫を戻さない
    sandbox.set_progress(second, 900)
    assert sandbox.stock[key] == 6
    sandbox.set_progress(third, 900)  # the buyer cancelled through Rakuten
    assert sandbox.stock[key] == 8


def test_state_dump_keeps_catalogue_and_stock():
    box = RmsSandbox(seed=2, clock=NOW)
    box.generate_catalog(20)
    box.generate_orders(30)
    state = json.loads(json.dumps(box.dump_state()))
    again = RmsSandbox(seed=9, clock=NOW)
    again.load_state(state)
    assert again.catalog == box.catalog and again.stock == box.stock


def test_order_mutations_for_tests(sandbox):
    number = sandbox.generate_orders(
        1, now=NOW, mix={"progress": {300: 1}, "postage_undetermined": 0}
    )[0]
    order = sandbox.orders[number]
    dates = {
        k: order[k]
        for k in ("orderDatetime", "shopOrderCfmDatetime", "orderFixDatetime")
    }
    sandbox.age_order(number, timedelta(hours=10, minutes=5))
    for key, text in dates.items():
        moved = datetime.strptime(order[key], "%Y-%m-%dT%H:%M:%S%z")
        assert datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z") - moved == timedelta(
            hours=10, minutes=5
        )
    fresh = sandbox.generate_orders(
        1, now=NOW, mix={"progress": {100: 1}, "postage_undetermined": 0}
    )[0]
    original = sandbox.undetermine_postage(fresh)
    raw = sandbox.orders[fresh]
    assert (raw["postagePrice"], raw["totalPrice"], raw["requestPrice"]) == (-9999,) * 3
    assert all(
        p["postagePrice"] == p["totalPrice"] == -9999 for p in raw["PackageModelList"]
    )
    assert all(
        s["reqPrice"] == s["reqPriceTax"] == s["totalPrice"] == -9999
        for s in raw["TaxSummaryModelList"]
    )
    assert original["postagePrice"] >= 0 and original["requestPrice"] > 0
    refused = post(
        sandbox, "2.0/order/confirmOrder/", {"orderNumberList": [fresh]}
    ).json()
    assert (
        refused["MessageModelList"][0]["messageCode"]
        == "ORDER_EXT_API_CONFIRM_ORDER_ERROR_105"
    )
    sandbox.replace_order(fresh, original)  # the shop sets the postage
    assert sandbox.orders[fresh] == original
    done = post(sandbox, "2.0/order/confirmOrder/", {"orderNumberList": [fresh]}).json()
    assert done["MessageModelList"][0]["messageType"] == "INFO"


def test_command_line_serves_a_generated_catalogue():
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.rms_sandbox",
            "--port",
            "0",
            "--orders",
            "3",
            "--items",
            "30",
            "--bulk-edit",
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = process.stdout.readline().split()[-1]
        process.stdout.readline()
        body = requests.get(
            base + "2.0/items/search", params={"hits": 100}, headers=AUTH, timeout=10
        ).json()
        assert body["numFound"] == len(CATALOG) + 30
        assert requests.get(
            base + "2.0/items/manage-numbers/sbx-00001", headers=AUTH, timeout=10
        ).ok
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


# ---------------------------------------------------------------------------
# Inventory API 2.0
# ---------------------------------------------------------------------------
def test_inventory_bulk_get(sandbox):
    sandbox.set_stock("mug-hasami", "mug-hasami", 7)
    answer = bulk_get(
        sandbox,
        [("mug-hasami", "mug-hasami"), ("nothing", "x"), ("tshirt-basic", "ts-wh-m")],
    )
    assert answer.status_code == 200
    rows = answer.json()["inventories"]
    assert [(r["manageNumber"], r["variantId"], r["quantity"]) for r in rows] == [
        ("mug-hasami", "mug-hasami", 7),
        ("tshirt-basic", "ts-wh-m", 100000),
    ]
    assert rows[0]["created"].startswith("2026-06-10T12:00:00")
    keys = [("mug-hasami", "v%d" % i) for i in range(1001)]
    assert codes(bulk_get(sandbox, keys)) == [("IE1101", "inventories")]
    assert bulk_get(sandbox, keys[:1000]).status_code == 200
    dup = bulk_get(sandbox, [("mug-hasami", "mug-hasami")] * 2)
    assert dup.status_code == 400 and codes(dup) == [("IE1102", "inventories[1]")]
    missing = post(
        sandbox,
        "2.0/inventories/bulk-get",
        {"inventories": [{"manageNumber": "mug-hasami"}]},
    )
    assert codes(missing) == [("IE0001", "inventories[0].variantId")]
    assert codes(post(sandbox, "2.0/inventories/bulk-get", {})) == [
        ("IE0001", "inventories")
    ]
    sandbox.sku_migrated = False  # reads still work before the migration
    assert bulk_get(sandbox, [("mug-hasami", "mug-hasami")]).status_code == 200


def test_inventory_bulk_upsert(sandbox):
    key = ("mug-hasami", "mug-hasami")
    answer = upsert(
        sandbox,
        [
            {
                "manageNumber": key[0],
                "variantId": key[1],
                "mode": "ABSOLUTE",
                "quantity": 12,
            }
        ],
    )
    assert (
        answer.status_code == 204 and answer.content == b"" and sandbox.stock[key] == 12
    )
    assert (
        upsert(
            sandbox,
            [
                {
                    "manageNumber": key[0],
                    "variantId": key[1],
                    "mode": "RELATIVE",
                    "quantity": -5,
                }
            ],
        ).status_code
        == 204
    )
    assert sandbox.stock[key] == 7
    new = upsert(
        sandbox,
        [
            {
                "manageNumber": "new-item",
                "variantId": "v1",
                "mode": "ABSOLUTE",
                "quantity": 3,
            }
        ],
    )
    assert (
        new.status_code == 204 and sandbox.stock[("new-item", "v1")] == 3
    )  # unknown SKUs accepted
    rows = [
        {
            "manageNumber": "mug-hasami",
            "variantId": "v%d" % i,
            "mode": "ABSOLUTE",
            "quantity": 1,
        }
        for i in range(401)
    ]
    assert codes(upsert(sandbox, rows)) == [("IE1101", "inventories")]
    assert upsert(sandbox, rows[:400]).status_code == 204


@pytest.mark.parametrize(
    "row, expected",
    [
        (
            {"mode": "RELATIVE", "quantity": 1, "variantId": "unknown"},
            ("IE0500", "inventories[1]"),
        ),
        ({"mode": "RELATIVE", "quantity": -8}, ("IE0117", "inventories[1].quantity")),
        (
            {"mode": "RELATIVE", "quantity": 99999},
            ("IE0117", "inventories[1].quantity"),
        ),
        (
            {"mode": "ABSOLUTE", "quantity": 100000},
            ("IE0003", "inventories[1].quantity"),
        ),
        ({"mode": "ABSOLUTE", "quantity": -1}, ("IE0003", "inventories[1].quantity")),
        ({"mode": "ABSOLUTE", "quantity": "5"}, ("IE0002", "inventories[1].quantity")),
        ({"mode": "ABSOLUTE", "quantity": True}, ("IE0002", "inventories[1].quantity")),
        ({"mode": "SET", "quantity": 5}, ("IE0002", "inventories[1].mode")),
        ({"quantity": 5}, ("IE0001", "inventories[1].mode")),
        ({"mode": "ABSOLUTE"}, ("IE0001", "inventories[1].quantity")),
        (
            {"mode": "ABSOLUTE", "quantity": 5, "manageNumber": "x" * 33},
            ("IE0004", "inventories[1].manageNumber"),
        ),
        (
            {
                "mode": "ABSOLUTE",
                "quantity": 5,
                "variantId": "tea-sencha",
                "manageNumber": "tea-sencha",
            },
            ("IE1102", "inventories[1]"),
        ),
    ],
)
def test_inventory_bulk_upsert_errors_reject_the_whole_call(sandbox, row, expected):
    sandbox.set_stock("mug-hasami", "mug-hasami", 7)
    first = {
        "manageNumber": "tea-sencha",
        "variantId": "tea-sencha",
        "mode": "ABSOLUTE",
        "quantity": 1,
    }
    second = dict({"manageNumber": "mug-hasami", "variantId": "mug-hasami"}, **row)
    answer = upsert(sandbox, [first, second])
    assert answer.status_code == 400 and codes(answer) == [expected]
    assert sandbox.stock[("tea-sencha", "tea-sencha")] == 100000  # nothing applied
    assert sandbox.stock[("mug-hasami", "mug-hasami")] == 7


def test_inventory_upsert_before_the_sku_migration(sandbox):
    sandbox.sku_migrated = False
    answer = upsert(
        sandbox,
        [
            {
                "manageNumber": "mug-hasami",
                "variantId": "mug-hasami",
                "mode": "ABSOLUTE",
                "quantity": 1,
            }
        ],
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "IE1105"
    assert "not migrated to SKU" in answer.json()["errors"][0]["message"]
    assert sandbox.stock[("mug-hasami", "mug-hasami")] == 100000


def test_inventory_wrong_method_and_body(sandbox):
    assert (
        requests.get(
            url(sandbox, "2.0/inventories/bulk-upsert"), headers=AUTH, timeout=10
        ).status_code
        == 405
    )
    assert post(sandbox, "2.0/inventories/bulk-upsert", data=b"").status_code == 400
    assert post(sandbox, "2.0/inventories/bulk-upsert", data=b"[").status_code == 415
    assert (
        requests.post(
            url(sandbox, "2.0/inventories/bulk-get"),
            json={"inventories": []},
            timeout=10,
        ).status_code
        == 401
    )


# ---------------------------------------------------------------------------
# faults, rates, counters
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "status, code, message",
    [
        (429, "GA0003", "Forbidden- Exceeded QPS Limitation"),
        (403, "GA0003", "Forbidden- Exceeded QPS Limitation"),
        (403, "ES01-03", "Forbidden- Exceeded QPS Limitation"),
        (403, "ES01-04", "Forbidden- Exceeded QPM Limitation"),
    ],
)
def test_throttle_fault(sandbox, status, code, message):
    sandbox.throttle_rate, sandbox.throttle_status, sandbox.throttle_code = (
        1.0,
        status,
        code,
    )
    sandbox.retry_after = 3
    answer = upsert(
        sandbox,
        [
            {
                "manageNumber": "mug-hasami",
                "variantId": "mug-hasami",
                "mode": "ABSOLUTE",
                "quantity": 1,
            }
        ],
    )
    assert answer.status_code == status and answer.headers["Retry-After"] == "3"
    assert answer.json() == {"Results": {"errorCode": code, "message": message}}
    assert sandbox.stock[("mug-hasami", "mug-hasami")] == 100000


def test_faults_can_target_operations(sandbox):
    sandbox.throttle_rate = 1.0
    sandbox.fault_operations = {"inventories.bulk.upsert"}
    assert search(sandbox).status_code == 200
    assert bulk_get(sandbox, [("mug-hasami", "mug-hasami")]).status_code == 200
    assert (
        upsert(
            sandbox,
            [
                {
                    "manageNumber": "mug-hasami",
                    "variantId": "mug-hasami",
                    "mode": "ABSOLUTE",
                    "quantity": 1,
                }
            ],
        ).status_code
        == 429
    )


def test_conflict_and_maintenance(sandbox):
    sandbox.conflict_rate = 1.0
    row = {
        "manageNumber": "mug-hasami",
        "variantId": "mug-hasami",
        "mode": "ABSOLUTE",
        "quantity": 1,
    }
    answer = upsert(sandbox, [row])
    assert answer.status_code == 409 and codes(answer) == [("CE0001", None)]
    assert sandbox.stock[("mug-hasami", "mug-hasami")] == 100000
    assert search(sandbox).status_code == 409
    sandbox.conflict_rate = 0.0
    sandbox.maintenance, sandbox.retry_after = True, 60
    down = upsert(sandbox, [row])
    assert down.status_code == 503 and down.headers["Retry-After"] == "60"
    assert down.json() == {
        "Results": {"errorCode": "ES01-02", "message": "API In Maintenance"}
    }
    assert search(sandbox).status_code == 503
    sandbox.maintenance = False
    assert upsert(sandbox, [row]).status_code == 204


def test_documented_rates_are_enforced_when_asked(sandbox):
    sandbox.enforce_rates = True
    sandbox.throttle_status, sandbox.throttle_code = 403, "ES01-03"
    row = {
        "manageNumber": "mug-hasami",
        "variantId": "mug-hasami",
        "mode": "ABSOLUTE",
        "quantity": 1,
    }
    assert upsert(sandbox, [row]).status_code == 204
    second = upsert(sandbox, [row])  # 1 call a second
    assert (
        second.status_code == 403 and second.json()["Results"]["errorCode"] == "ES01-03"
    )
    statuses = [search(sandbox).status_code for _ in range(6)]  # 5 calls a second
    assert statuses == [200] * 5 + [403]
    time.sleep(1.05)
    assert (
        upsert(sandbox, [row]).status_code == 204 and search(sandbox).status_code == 200
    )
    sandbox.enforce_rates = False
    assert [search(sandbox).status_code for _ in range(8)] == [200] * 8


def test_counters_per_operation(sandbox):
    sandbox.reset_counters()
    search(sandbox)
    search(sandbox, hits=500)
    bulk_get(sandbox, [("mug-hasami", "mug-hasami")])
    upsert(
        sandbox,
        [
            {
                "manageNumber": "mug-hasami",
                "variantId": "mug-hasami",
                "mode": "ABSOLUTE",
                "quantity": 1,
            }
        ],
    )
    requests.get(
        url(sandbox, "2.0/items/manage-numbers/mug-hasami"), headers=AUTH, timeout=10
    )
    assert sandbox.calls == {
        "items.search": 2,
        "inventories.bulk.get": 1,
        "inventories.bulk.upsert": 1,
        "items.get": 1,
    }
    assert sandbox.answers == {
        ("items.search", 200): 1,
        ("items.search", 400): 1,
        ("inventories.bulk.get", 200): 1,
        ("inventories.bulk.upsert", 204): 1,
        ("items.get", 401): 1,
    }
    sandbox.reset_counters()
    assert not sandbox.calls and not sandbox.answers
