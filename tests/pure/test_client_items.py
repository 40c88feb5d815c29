"""Tests of the Item API 2.0 / Inventory API 2.0 calls of RmsClient (rms/items_client.py).

HTTP is mocked with `responses`; the envelopes are those of the RMS pages quoted in
rms-items-inventory.md / rms-api.md §7: items.search ``{numFound, offset, nextCursorMark,
results:[{item}]}``, items.bulk.get ``{results:[item]}``, inventories ``{inventories:[...]}``,
errors ``{errors:[{code, message, metadata{propertyPath}}]}``, gateway ``{Results:{errorCode,
message}}``. Waits go through an injected clock, so no test sleeps.
"""

import base64
import json
import logging
import runpy
import traceback
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from freezegun import freeze_time

from rms.client import DEFAULT_API_URL, Pacer, RmsClient
from rms.exceptions import (
    USER_MESSAGES,
    RmsAuthError,
    RmsBadRequestError,
    RmsConflictError,
    RmsDuplicateRowError,
    RmsError,
    RmsInventoryRangeError,
    RmsInventoryRelativeError,
    RmsMaintenanceError,
    RmsNotMigratedError,
    RmsRateLimitError,
    RmsServerError,
    RmsThrottleError,
)
from rms.items_client import FUNCTION_INTERVALS, InventoryRow, ItemBatch, MigrationProbe
from rms.messages import Message

SECRET = "SP777777_itemSERVICEsecret"
LICENSE = "SL777777_itemLICENSEkey"
TOKEN = base64.b64encode(f"{SECRET}:{LICENSE}".encode()).decode()
CREDENTIALS = (SECRET, LICENSE, TOKEN)

API = DEFAULT_API_URL + "2.0/"
SEARCH_URL = API + "items/search"
BULK_GET_URL = API + "items/bulk-get"
ITEM_URL = API + "items/manage-numbers/"
INV_GET_URL = API + "inventories/bulk-get"
INV_UPSERT_URL = API + "inventories/bulk-upsert"
LEAD_TIME_URL = DEFAULT_API_URL + "1.0/shop/operationLeadTime"


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def fake():
    return FakeClock()


def make_client(fake=None, min_interval=0, **kwargs):
    options = dict(
        min_interval=min_interval, max_retries=3, backoff_factor=0, timeout=(2, 5)
    )
    if fake is not None:
        options["pacer"] = Pacer(min_interval, clock=fake.clock, sleep=fake.sleep)
    options.update(kwargs)
    return RmsClient(SECRET, LICENSE, **options)


@pytest.fixture
def client(fake):
    return make_client(fake)


def item(number, variants=("s1",)):
    return {
        "manageNumber": number,
        "itemNumber": number.upper(),
        "title": f"Item {number}",
        "itemType": "NORMAL",
        "genreId": "100000",
        "hideItem": False,
        "payment": {"taxIncluded": True, "taxRate": "0.1"},
        "variants": {
            v: {
                "merchantDefinedSkuId": f"{number}-{v}",
                "standardPrice": "1100",
                "hidden": False,
            }
            for v in variants
        },
        "created": "2026-01-01T10:00:00+09:00",
        "updated": "2026-11-01T10:00:00+09:00",
    }


def query(call):
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


def body_of(call):
    return json.loads(call.request.body)


def errors(code, message, path=None):
    entry = {"code": code, "message": message}
    if path:
        entry["metadata"] = {"propertyPath": path}
    return {"errors": [entry]}


def gateway(code, message):
    return {"Results": {"errorCode": code, "message": message}}


def catalogue_search(catalogue):
    """A callback answering items.search like RMS: cursor = index of the next item."""

    def reply(request):
        params = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        hits = int(params.get("hits", 10))
        start = (
            0
            if params["cursorMark"] == "*"
            else int(params["cursorMark"].split("-")[1])
        )
        wanted = [
            i for i in catalogue if params.get("manageNumber", "") in i["manageNumber"]
        ]
        page = wanted[start : start + hits]
        following = f"c-{start + len(page)}" if page else params["cursorMark"]
        payload = {
            "numFound": len(wanted),
            "offset": 0,
            "nextCursorMark": following,
            "results": [{"item": i} for i in page],
        }
        return 200, {}, json.dumps(payload, ensure_ascii=False)

    return reply


# ------------------------------------------------------------------------------------------
# items.search
# ------------------------------------------------------------------------------------------


def test_search_follows_the_cursor_until_it_stops_changing(rsps, client):
    pages = [
        {
            "numFound": 3,
            "offset": 0,
            "nextCursorMark": "AoE1",
            "results": [{"item": item("a")}, {"item": item("b")}],
        },
        {
            "numFound": 3,
            "offset": 0,
            "nextCursorMark": "AoE2",
            "results": [{"item": item("c")}],
        },
        {"numFound": 3, "offset": 0, "nextCursorMark": "AoE2", "results": []},
    ]
    for page in pages:
        del page["numFound"]  # without numFound: RMS's own end condition only
    for page in pages:
        rsps.get(SEARCH_URL, json=page)
    found = client.search_items(isHiddenItem=False, updatedFrom=date(2026, 11, 1))
    assert [i["manageNumber"] for i in found] == ["a", "b", "c"]
    sent = [query(c) for c in rsps.calls]
    assert [q["cursorMark"] for q in sent] == ["*", "AoE1", "AoE2"]
    assert all(q["hits"] == "100" for q in sent)
    assert sent[0]["isHiddenItem"] == "false" and sent[0]["updatedFrom"] == "2026-11-01"
    assert not any(
        "sortKey" in q or "offset" in q for q in sent
    )  # not allowed with cursorMark
    assert rsps.calls[0].request.method == "GET"
    assert rsps.calls[0].request.headers["Authorization"] == f"ESA {TOKEN}"
    assert client.stats["items.search"] == 3


def test_search_stops_on_an_empty_page_or_a_missing_cursor(rsps, client):
    rsps.get(
        SEARCH_URL,
        json={"numFound": 0, "offset": 0, "nextCursorMark": "*", "results": []},
    )
    assert client.search_items() == []
    assert len(rsps.calls) == 1


def test_10000_items_take_100_search_calls(rsps, client):
    catalogue = [item(f"m{n:05d}") for n in range(10000)]
    rsps.add_callback(responses.GET, SEARCH_URL, callback=catalogue_search(catalogue))
    pages = list(client.iter_item_pages())
    assert [len(p) for p in pages] == [100] * 100
    assert [i["manageNumber"] for p in pages for i in p] == [
        i["manageNumber"] for i in catalogue
    ]
    # numFound says the 100th page was the last: no 101st call to see the cursor stop
    assert client.stats["items.search"] == 100


def test_search_stops_when_numfound_items_were_read(rsps, client):
    rsps.get(
        SEARCH_URL,
        json={
            "numFound": 2,
            "offset": 0,
            "nextCursorMark": "AoE1",
            "results": [{"item": item("a")}, {"item": item("b")}],
        },
    )
    assert [i["manageNumber"] for i in client.search_items()] == ["a", "b"]
    assert len(rsps.calls) == 1


def test_search_goes_on_while_numfound_is_not_reached(rsps, client):
    rsps.get(
        SEARCH_URL,
        json={
            "numFound": 3,
            "offset": 0,
            "nextCursorMark": "AoE1",
            "results": [{"item": item("a")}, {"item": item("b")}],
        },
    )
    rsps.get(
        SEARCH_URL,
        json={
            "numFound": 4,
            "offset": 0,
            "nextCursorMark": "AoE2",
            "results": [{"item": item("c")}],
        },
    )
    rsps.get(
        SEARCH_URL,
        json={
            "numFound": 4,
            "offset": 0,
            "nextCursorMark": "AoE3",
            "results": [{"item": item("d")}],
        },
    )
    assert len(client.search_items()) == 4  # an item added while paging is read too
    assert len(rsps.calls) == 3


def test_search_yields_deleted_items_as_sent(rsps, client):
    rsps.get(
        SEARCH_URL,
        json={
            "numFound": 1,
            "offset": 0,
            "nextCursorMark": "x",
            "results": [{"item": {"manageNumber": "gone"}}],
        },
    )
    rsps.get(
        SEARCH_URL,
        json={"numFound": 1, "offset": 0, "nextCursorMark": "x", "results": []},
    )
    assert client.search_items() == [{"manageNumber": "gone"}]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"page_size": 101},
        {"page_size": 0},
        {"offset": 10},
        {"sortKey": "updated"},
        {"cursorMark": "*"},
    ],
)
def test_search_refuses_what_cursor_paging_forbids(rsps, client, kwargs):
    with pytest.raises(ValueError):
        client.search_items(**kwargs)
    assert len(rsps.calls) == 0


@pytest.mark.parametrize(
    "payload", [{"results": {"item": {}}}, {"results": [{"noitem": 1}]}, []]
)
def test_search_unreadable_answers(rsps, client, payload):
    from rms.exceptions import RmsResponseError

    rsps.get(SEARCH_URL, json=payload)
    with pytest.raises(RmsResponseError):
        client.search_items()


# ------------------------------------------------------------------------------------------
# items.get / items.bulk.get and the fallback
# ------------------------------------------------------------------------------------------


def test_one_number_uses_items_get(rsps, client):
    rsps.get(ITEM_URL + "abc-1", json=item("abc-1"))
    batch = client.get_items(["ABC-1 "])  # RMS manage numbers are lower case
    assert isinstance(batch, ItemBatch)
    assert (batch.source, batch.missing, batch.notice) == ("items.get", [], None)
    assert batch.items[0]["manageNumber"] == "abc-1"


def test_items_get_unknown_number_is_missing(rsps, client):
    rsps.get(
        ITEM_URL + "nope",
        status=404,
        json=errors("GE0014", "Not found for inputs; identifier=nope"),
    )
    batch = client.get_items(["nope"])
    assert batch.items == [] and batch.missing == ["nope"]
    assert len(rsps.calls) == 1


def test_bulk_get_chunks_by_50_and_reports_unknown_numbers(rsps, client):
    def reply(request):
        numbers = json.loads(request.body)["manageNumbers"]
        return (
            200,
            {},
            json.dumps({"results": [item(n) for n in numbers if n != "m00007"]}),
        )

    rsps.add_callback(responses.POST, BULK_GET_URL, callback=reply)
    wanted = [f"m{n:05d}" for n in range(120)]
    batch = client.get_items(wanted + wanted[:5])  # duplicates read once
    assert [len(body_of(c)["manageNumbers"]) for c in rsps.calls] == [50, 50, 20]
    assert batch.source == "items.bulk.get" and batch.notice is None
    assert len(batch.items) == 119 and batch.missing == ["m00007"]
    assert client.stats["items.bulk.get"] == 3


@pytest.mark.parametrize(
    "status, body",
    [
        (403, gateway("ES04-01", "Bad Request")),
        (401, gateway("ES01-01", "Un-Authorised")),
        (403, {}),
    ],
)
def test_bulk_get_auth_error_falls_back_to_search(rsps, client, status, body):
    rsps.post(BULK_GET_URL, status=status, json=body)
    catalogue = [item("shirt"), item("shirt-xl"), item("cap", ("red", "blue"))]
    rsps.add_callback(responses.GET, SEARCH_URL, callback=catalogue_search(catalogue))

    batch = client.get_items(["shirt", "cap", "unknown"])

    # manageNumber is a partial match on items.search: "shirt-xl" must not come back
    assert [i["manageNumber"] for i in batch.items] == ["shirt", "cap"]
    assert batch.source == "items.search" and batch.missing == ["unknown"]
    assert isinstance(batch.notice, Message)
    assert batch.notice.template == USER_MESSAGES["items_no_bulk_edit"]
    assert batch.notice.args["operation"] == "items.bulk.get"
    assert batch.notice.args["error_code"] == (
        body.get("Results", {}).get("errorCode") or f"HTTP {status}"
    )
    assert "Item Bulk Edit" in str(batch.notice) and "items.search" in str(batch.notice)
    assert {query(c)["manageNumber"] for c in rsps.calls[1:]} == {
        "shirt",
        "cap",
        "unknown",
    }

    # later calls go straight to items.search and still say why
    calls = len(rsps.calls)
    again = client.get_items(["cap"])
    assert again.source == "items.search" and again.notice == batch.notice
    assert all(c.request.url.startswith(SEARCH_URL) for c in rsps.calls[calls:])
    assert client.stats["items.bulk.get"] == 1 and client.stats["items.get"] == 0


def test_items_get_auth_error_falls_back_too(rsps, client):
    rsps.get(ITEM_URL + "cap", status=403, json=gateway("ES04-01", "Bad Request"))
    rsps.add_callback(
        responses.GET, SEARCH_URL, callback=catalogue_search([item("cap")])
    )
    batch = client.get_items(["cap"])
    assert (
        batch.source == "items.search" and batch.notice.args["operation"] == "items.get"
    )


def test_fallback_refused_too_raises_the_auth_error(rsps, client):
    rsps.post(BULK_GET_URL, status=401, json=gateway("ES01-01", "Un-Authorised"))
    rsps.get(SEARCH_URL, status=401, json=gateway("ES01-01", "Un-Authorised"))
    with pytest.raises(RmsAuthError) as info:
        client.get_items(["a", "b"])
    assert (
        info.value.operation == "items.search"
        and info.value.user_code == "auth_ES01-01"
    )


def test_bulk_get_bad_request_does_not_fall_back(rsps, client):
    rsps.post(
        BULK_GET_URL,
        status=400,
        json=errors(
            "IE0004",
            "Max length of manageNumber must be within 32 bytes.",
            "manageNumbers[0]",
        ),
    )
    with pytest.raises(RmsBadRequestError) as info:
        client.get_items(["x" * 40, "b"])
    assert info.value.error_code == "IE0004"
    assert "manageNumbers[0]" in info.value.message
    assert info.value.user_code == "rejected" and "32 bytes" in info.value.user_message
    assert len(rsps.calls) == 1


# ------------------------------------------------------------------------------------------
# inventories
# ------------------------------------------------------------------------------------------


def test_get_inventories_chunks_by_1000_and_returns_rows(rsps, client):
    def reply(request):
        wanted = json.loads(request.body)["inventories"]
        return (
            200,
            {},
            json.dumps(
                {
                    "inventories": [
                        {
                            "manageNumber": w["manageNumber"],
                            "variantId": w["variantId"],
                            "quantity": 7,
                            "created": "2022-01-01T19:00:00+09:00",
                            "updated": "2022-02-01T19:30:00+09:00",
                        }
                        for w in wanted
                        if w["variantId"] != "gone"
                    ]
                }
            ),
        )

    rsps.add_callback(responses.POST, INV_GET_URL, callback=reply)
    pairs = [(f"m{n:04d}", f"s{n}") for n in range(2499)] + [
        ("m0000", "gone"),
        ("M0001", "s1"),
    ]
    rows = client.get_inventories(pairs)
    assert [len(body_of(c)["inventories"]) for c in rsps.calls] == [1000, 1000, 500]
    assert len(rows) == 2499  # the duplicate (M0001 = m0001) was read once
    assert rows[0] == InventoryRow("m0000", "s0", 7, "2022-02-01T19:30:00+09:00")
    assert rsps.calls[0].request.url == INV_GET_URL  # 2.0, not 2.1


def test_upsert_sends_absolute_rows_by_400_on_inventory_api_2_0(rsps, client):
    rsps.post(INV_UPSERT_URL, status=204)
    rows = [(f"m{n:04d}", "s1", n % 50) for n in range(900)]
    sent = client.upsert_inventories(rows)
    bodies = [body_of(c) for c in rsps.calls]
    assert [len(b["inventories"]) for b in bodies] == [400, 400, 100]
    assert all(
        set(e) == {"manageNumber", "variantId", "mode", "quantity"}
        for b in bodies
        for e in b["inventories"]
    )
    assert {e["mode"] for b in bodies for e in b["inventories"]} == {"ABSOLUTE"}
    assert bodies[0]["inventories"][3] == {
        "manageNumber": "m0003",
        "variantId": "s1",
        "mode": "ABSOLUTE",
        "quantity": 3,
    }
    assert all(
        c.request.url == INV_UPSERT_URL and "/2.1/" not in c.request.url
        for c in rsps.calls
    )
    assert [r.quantity for r in sent] == [n % 50 for n in range(900)]
    assert client.stats["inventories.bulk.upsert"] == 3


def test_upsert_accepts_rows_and_dicts(rsps, client):
    rsps.post(INV_UPSERT_URL, status=204)
    client.upsert_inventories(
        [
            InventoryRow("a", "x", 1),
            {"manageNumber": "b", "variantId": "y", "quantity": 0},
        ]
    )
    assert body_of(rsps.calls[0])["inventories"][1] == {
        "manageNumber": "b",
        "variantId": "y",
        "mode": "ABSOLUTE",
        "quantity": 0,
    }


@pytest.mark.parametrize(
    "rows",
    [
        [("a", "x", 1), ("A", "x", 2)],  # manageNumber is folded to lower case by RMS
        [("a", "x", -1)],
        [("a", "x", 100000)],
        [("a", "x", 1.5)],
        [("a", "x", True)],
        [("", "x", 1)],
    ],
)
def test_upsert_refuses_bad_rows_before_sending(rsps, client, rows):
    with pytest.raises(ValueError):
        client.upsert_inventories(rows)
    assert len(rsps.calls) == 0


def test_upsert_keeps_variant_id_case(rsps, client):
    rsps.post(INV_UPSERT_URL, status=204)
    client.upsert_inventories(
        [("a", "X", 1), ("a", "x", 2)]
    )  # two SKUs: variantId is case-sensitive
    assert [e["variantId"] for e in body_of(rsps.calls[0])["inventories"]] == ["X", "x"]


def test_upsert_failure_keeps_the_rows_already_accepted(rsps, client):
    rsps.post(INV_UPSERT_URL, status=204)
    rsps.post(
        INV_UPSERT_URL,
        status=400,
        json=errors(
            "IE0003", "quantity must be between 0 and 99999.", "inventories[0].quantity"
        ),
    )
    with pytest.raises(RmsBadRequestError) as info:
        client.upsert_inventories([(f"m{n}", "s", 1) for n in range(500)])
    assert [r.manage_number for r in info.value.partial_results] == [
        f"m{n}" for n in range(400)
    ]


# ------------------------------------------------------------------------------------------
# typed errors
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, message, cls, user_code",
    [
        (
            "IE1105",
            "This endpoint is disabled for the shop not migrated to SKU.",
            RmsNotMigratedError,
            "not_migrated",
        ),
        (
            "IE0500",
            "Cannot use relative mode to update inventory which the combination of manageNumber "
            "and variantId does not exist.",
            RmsInventoryRelativeError,
            "inventory_relative",
        ),
        (
            "IE0117",
            "After update, the quantity must be between 0 and 99999.",
            RmsInventoryRangeError,
            "inventory_range",
        ),
        (
            "IE1102",
            "There are multiple occurrences of the same manageNumber and variantId : m1/s1",
            RmsDuplicateRowError,
            "duplicate_rows",
        ),
    ],
)
def test_inventory_error_codes_are_typed_and_not_resent(
    rsps, client, code, message, cls, user_code
):
    rsps.post(INV_UPSERT_URL, status=400, json=errors(code, message, "inventories[0]"))
    with pytest.raises(cls) as info:
        client.upsert_inventories([("m1", "s1", 3)])
    error = info.value
    assert type(error) is cls and isinstance(error, RmsBadRequestError)
    assert (error.error_code, error.http_status, error.operation) == (
        code,
        400,
        "inventories.bulk.upsert",
    )
    assert (
        error.user_code == user_code and error.user_message == USER_MESSAGES[user_code]
    )
    assert message in error.message and "inventories[0]" in error.message
    assert len(rsps.calls) == 1


def test_not_migrated_is_distinct_from_other_bad_requests():
    assert issubclass(RmsNotMigratedError, RmsBadRequestError)
    assert not issubclass(RmsBadRequestError, RmsNotMigratedError)
    assert "stay off" in USER_MESSAGES["not_migrated"]


def test_409_conflict_is_resent_then_succeeds(rsps, fake):
    client = make_client(fake, backoff_factor=0.5)
    body = errors(
        "CE0001",
        "Your request could not be processed due to a conflict with another process. "
        "Please try again after a short while.",
    )
    rsps.post(INV_UPSERT_URL, status=409, json=body)
    rsps.post(INV_UPSERT_URL, status=409, json=body)
    rsps.post(INV_UPSERT_URL, status=204)
    client.upsert_inventories([("m1", "s1", 3)])
    assert len(rsps.calls) == 3
    assert body_of(rsps.calls[0]) == body_of(rsps.calls[2])  # the same ABSOLUTE rows
    assert fake.sleeps == [0.5, 1.0]  # exponential backoff


def test_409_conflict_exhausting_the_retries(rsps, client):
    for _ in range(6):
        rsps.post(INV_GET_URL, status=409, json=errors("CE0001", "conflict"))
    with pytest.raises(RmsConflictError) as info:
        client.get_inventories([("m1", "s1")])
    assert len(rsps.calls) == 4  # 1 + max_retries
    assert info.value.http_status == 409 and info.value.user_code == "conflict"
    assert isinstance(info.value, RmsServerError)


@pytest.mark.parametrize(
    "status, code",
    [(403, "ES01-03"), (403, "ES01-04"), (429, "GA0003"), (403, "GA0003")],
)
def test_throttle_answers_wait_retry_after_then_succeed(rsps, fake, status, code):
    client = make_client(fake)
    rsps.get(
        SEARCH_URL,
        status=status,
        json=gateway(code, "Forbidden- Exceeded QPS Limitation"),
        headers={"Retry-After": "3"},
    )
    rsps.get(
        SEARCH_URL,
        status=status,
        json=gateway(code, "Forbidden- Exceeded QPS Limitation"),
        headers={"Retry-After": "86400"},
    )
    rsps.get(
        SEARCH_URL,
        json={"numFound": 0, "offset": 0, "nextCursorMark": "*", "results": []},
    )
    assert client.search_items() == []
    assert len(rsps.calls) == 3  # urllib3 does not retry them a second time
    assert fake.sleeps == [3.0, 120.0]  # Retry-After honoured, capped at 120 s


@pytest.mark.parametrize("status, code", [(403, "ES01-03"), (429, "GA0003")])
def test_throttle_exhausting_the_retries_is_not_an_auth_error(rsps, fake, status, code):
    client = make_client(fake, backoff_factor=1)
    for _ in range(6):
        rsps.post(
            INV_UPSERT_URL,
            status=status,
            json=gateway(code, "Forbidden- Exceeded QPS Limitation"),
        )
    with pytest.raises(RmsThrottleError) as info:
        client.upsert_inventories([("m1", "s1", 3)])
    error = info.value
    assert isinstance(error, RmsRateLimitError) and not isinstance(error, RmsAuthError)
    assert (error.error_code, error.http_status, error.user_code) == (
        code,
        status,
        "throttle",
    )
    assert len(rsps.calls) == 4
    assert fake.sleeps == [1.0, 2.0, 4.0]  # no Retry-After: backoff


def test_throttle_code_on_the_order_api_is_a_rate_limit_error(rsps):
    client = make_client()
    rsps.post(
        DEFAULT_API_URL + "2.0/order/confirmOrder/",
        status=403,
        json=gateway("ES01-03", "Forbidden- Exceeded QPS Limitation"),
    )
    with pytest.raises(RmsThrottleError):
        client.confirm_order(["123456-20261128-0000000001"])


def test_maintenance_is_a_distinct_error_after_the_retries(rsps, client):
    for _ in range(6):
        rsps.post(
            INV_UPSERT_URL, status=503, json=gateway("ES01-02", "API In Maintenance")
        )
    with pytest.raises(RmsMaintenanceError) as info:
        client.upsert_inventories([("m1", "s1", 3)])
    assert info.value.error_code == "ES01-02" and info.value.user_code == "maintenance"
    assert isinstance(
        info.value, RmsServerError
    )  # callers of the order API see a server error
    assert len(rsps.calls) == 4  # urllib3: 1 + max_retries


def test_maintenance_ending_during_the_retries(rsps, client):
    rsps.post(INV_UPSERT_URL, status=503, json=gateway("ES01-02", "API In Maintenance"))
    rsps.post(INV_UPSERT_URL, status=204)
    assert len(client.upsert_inventories([("m1", "s1", 3)])) == 1
    assert len(rsps.calls) == 2


def test_server_error_body_in_the_errors_envelope(rsps, client):
    for _ in range(6):
        rsps.post(
            INV_GET_URL,
            status=500,
            json=errors("GE0019", "Failed to get the shop status."),
        )
    with pytest.raises(RmsServerError) as info:
        client.get_inventories([("m1", "s1")])
    assert info.value.error_code == "GE0019"


# ------------------------------------------------------------------------------------------
# pacing, per function
# ------------------------------------------------------------------------------------------


def test_each_function_keeps_its_documented_pace(rsps, fake):
    client = make_client(fake, min_interval=1.0)
    rsps.post(INV_UPSERT_URL, status=204)
    rsps.post(INV_GET_URL, json={"inventories": []})
    rsps.post(BULK_GET_URL, json={"results": []})

    client.upsert_inventories(
        [(f"m{n}", "s", 1) for n in range(1200)]
    )  # 3 calls at 1/s
    assert fake.sleeps == [1.05, 1.05]
    fake.sleeps.clear()
    client.get_inventories([(f"m{n}", "s") for n in range(3000)])  # 3 calls at 5/s
    assert fake.sleeps == [0.21, 0.21]
    fake.sleeps.clear()
    client.get_items([f"m{n}" for n in range(100)])  # 2 calls at 1/s
    assert fake.sleeps == [1.05]
    # the documented rates, plus a 5 % margin
    assert FUNCTION_INTERVALS == {
        "items.search": 0.21,
        "items.get": 0.21,
        "items.bulk.get": 1.05,
        "inventories.bulk.get": 0.21,
        "inventories.bulk.upsert": 1.05,
        "shop.operationLeadTime.get": 1.05,
    }


def test_functions_do_not_wait_for_each_other(rsps, fake):
    """A push right after a read does not wait for the read's pace, nor for the order API's."""
    client = make_client(fake, min_interval=1.0)
    rsps.post(INV_UPSERT_URL, status=204)
    rsps.post(INV_GET_URL, json={"inventories": []})
    rsps.post(
        DEFAULT_API_URL + "2.0/order/confirmOrder/", json={"MessageModelList": []}
    )
    client.confirm_order(["123456-20261128-0000000001"])
    client.get_inventories([("m1", "s")])
    client.upsert_inventories([("m1", "s", 1)])
    assert fake.sleeps == []
    client.upsert_inventories([("m1", "s", 2)])
    assert fake.sleeps == [1.05]


def test_search_pace_under_frozen_time(rsps):
    catalogue = [item(f"m{n:03d}") for n in range(300)]
    rsps.add_callback(responses.GET, SEARCH_URL, callback=catalogue_search(catalogue))
    slept = []
    with freeze_time("2026-12-01 03:00:00") as frozen:

        def sleep(seconds):
            slept.append(round(seconds, 6))
            frozen.tick(timedelta(seconds=seconds))

        client = RmsClient(
            SECRET,
            LICENSE,
            min_interval=1.0,
            backoff_factor=0,
            pacer=Pacer(1.0, sleep=sleep),
        )
        assert len(client.search_items()) == 300
    assert slept == [0.21, 0.21]  # 3 calls at 5 calls/s


def test_min_interval_zero_paces_nothing(rsps, fake):
    rsps.post(INV_UPSERT_URL, status=204)
    make_client(fake).upsert_inventories([(f"m{n}", "s", 1) for n in range(1200)])
    assert fake.sleeps == []


# ------------------------------------------------------------------------------------------
# SKU migration probe
# ------------------------------------------------------------------------------------------

MIGRATED_XML = """<?xml version="1.0" encoding="UTF-8"?>
<shopbiz:shopBizApiResponse xmlns:shopbiz="http://rakuten.co.jp/rms/mall/shop/biz/api/model/resource">
    <resultCode>N000</resultCode>
    <resultMessageList><resultMessage><code>N000</code><message>Succeeded.</message></resultMessage></resultMessageList>
    <result xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
            xsi:type="shopbiz:operationLeadTimeBizModel">
        <operationLeadTimeList><operationLeadTime><operationLeadTimeId>41</operationLeadTimeId>
        <name>出荷リードタイム01</name><numberOfDays>1</numberOfDays></operationLeadTime></operationLeadTimeList>
    </result>
</shopbiz:shopBizApiResponse>"""
NOT_MIGRATED_XML = """<?xml version="1.0" encoding="UTF-8"?>
<shopbiz:shopBizApiResponse xmlns:shopbiz="http://rakuten.co.jp/rms/mall/shop/biz/api/model/resource">
    <resultCode>C008</resultCode>
    <resultMessageList>
        <resultMessage>
            <code>C008</code><message>Requested data is not found.</message>
        </resultMessage>
    </resultMessageList>
</shopbiz:shopBizApiResponse>"""


def test_probe_migrated(rsps, client):
    rsps.get(
        LEAD_TIME_URL,
        body=MIGRATED_XML.encode(),
        content_type="application/xml; charset=UTF-8",
    )
    probe = client.probe_sku_migration()
    assert isinstance(probe, MigrationProbe)
    assert (probe.migrated, probe.evidence, probe.error) == (True, "N000", None)
    assert probe.reason.template == USER_MESSAGES["probe_migrated"]
    request = rsps.calls[0].request
    assert request.method == "GET" and request.headers["Accept"] == "application/xml"
    assert client.stats == {"shop.operationLeadTime.get": 1}


def test_probe_not_migrated(rsps, client):
    rsps.get(
        LEAD_TIME_URL, body=NOT_MIGRATED_XML.encode(), content_type="application/xml"
    )
    probe = client.probe_sku_migration()
    assert (probe.migrated, probe.evidence) == (False, "C008")
    assert "C008" in str(probe.reason)


@pytest.mark.parametrize(
    "status, body, evidence",
    [
        (
            400,
            json.dumps(gateway("ES04-01", "Bad Request")),
            "ES04-01",
        ),  # function not enabled
        (401, json.dumps(gateway("ES01-01", "Un-Authorised")), "ES01-01"),
        (500, "", None),
        (200, "<html>oops</html>", None),
        (
            200,
            "<shopBizApiResponse><resultCode>E999</resultCode></shopBizApiResponse>",
            "E999",
        ),
    ],
)
def test_probe_unknown_never_raises(rsps, client, status, body, evidence):
    for _ in range(5):
        rsps.get(LEAD_TIME_URL, status=status, body=body)
    probe = client.probe_sku_migration()
    assert probe.migrated is None and probe.evidence == evidence
    assert probe.reason.template == USER_MESSAGES["probe_unknown"]
    assert "shop.operationLeadTime.get" in str(probe.reason)
    if status >= 400:
        assert isinstance(probe.error, RmsError)


# ------------------------------------------------------------------------------------------
# secrets
# ------------------------------------------------------------------------------------------


def test_no_credentials_in_errors_logs_or_reprs(rsps, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(FakeClock())
    echo = f"bad key {LICENSE} ESA {TOKEN} {SECRET}"
    rsps.post(INV_UPSERT_URL, status=400, json=errors("IE1105", echo))
    rsps.post(INV_GET_URL, status=403, json=gateway("ES01-03", echo))
    rsps.post(BULK_GET_URL, status=401, json=gateway("ES01-01", echo))
    rsps.get(SEARCH_URL, status=401, json=gateway("ES01-01", echo))
    rsps.get(LEAD_TIME_URL, status=401, json=gateway("ES01-01", echo))
    raised = []
    for action in (
        lambda: client.upsert_inventories([("m", "s", 1)]),
        lambda: client.get_inventories([("m", "s")]),
        lambda: client.get_items(["a", "b"]),
    ):
        with pytest.raises(RmsError) as info:
            action()
        raised.append(info.value)
    probe = client.probe_sku_migration()
    raised.append(probe.error)
    texts = [
        caplog.text,
        repr(client),
        repr(vars(client)),
        repr(probe),
        str(probe.reason),
    ]
    for error in raised:
        texts += [
            str(error),
            repr(error),
            error.message,
            error.user_message,
            "".join(traceback.format_exception(error)),
        ]
    for text in texts:
        for secret in CREDENTIALS:
            assert secret not in text
    assert "bad key ***" in raised[0].message


@pytest.mark.parametrize(
    "status, body, code",
    [(403, {}, "HTTP 403"), (400, gateway("ES04-01", "Bad Request"), "ES04-01")],
)
def test_refused_function_points_to_the_item_and_inventory_apis(
    rsps, client, status, body, code
):
    rsps.post(INV_UPSERT_URL, status=status, json=body)
    with pytest.raises(RmsAuthError) as info:
        client.upsert_inventories([("m1", "s1", 3)])
    assert info.value.user_code == "auth_items" and info.value.user_args == {
        "error_code": code
    }
    assert (
        "Inventory API 2.0" in info.value.user_message
        and "rpay.order" not in info.value.user_message
    )
    assert len(rsps.calls) == 1


def test_items_get_unknown_endpoint_is_not_a_missing_item(rsps, client):
    rsps.get(ITEM_URL + "abc", status=404, json=gateway("ES05-06", "Not Found"))
    with pytest.raises(RmsBadRequestError):
        client.get_items(["abc"])


def test_nothing_to_read_or_push_makes_no_call(rsps, client):
    assert client.upsert_inventories([]) == []
    assert client.get_inventories([]) == []
    assert client.get_items(["", "  "]).items == []
    assert len(rsps.calls) == 0


def test_bench_items_script_counts_the_calls(capsys):
    """tools/bench_items.py on a small catalogue: the figures it prints add up. The script
    is run from its path, not imported: benchmarks are not shipped in the wheel, and the
    shipped tests import nothing that is not (tools/check_wheel.py checks it)."""
    script = Path(__file__).resolve().parents[2] / "tools" / "bench_items.py"
    bench_items = runpy.run_path(str(script), run_name="bench_items")
    run, report = bench_items["run"], bench_items["report"]

    stats = run(250, 3, seed=1, target="stub", min_interval=0)
    assert (stats["items"], stats["skus"], stats["stock_rows"]) == (250, 750, 750)
    assert stats["calls"] == {
        "items.search": 3,
        "inventories.bulk.get": 1,
        "inventories.bulk.upsert": 2,
    }
    report(stats)
    printed = capsys.readouterr().out
    assert (
        "items.search calls:     3" in printed
        and "inventories.bulk.upsert: 2 calls" in printed
    )


def test_any_429_is_resent(rsps, fake):
    client = make_client(fake)
    rsps.post(
        INV_GET_URL, status=429, body="Too Many Requests", headers={"Retry-After": "2"}
    )
    rsps.post(INV_GET_URL, json={"inventories": []})
    assert client.get_inventories([("m", "s")]) == []
    assert len(rsps.calls) == 2 and fake.sleeps == [2.0]


def test_a_bare_409_is_a_conflict_too(rsps, client):
    for _ in range(5):
        rsps.post(INV_UPSERT_URL, status=409, body="")
    with pytest.raises(RmsConflictError):
        client.upsert_inventories([("m", "s", 1)])
    assert len(rsps.calls) == 4
