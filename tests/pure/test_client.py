"""Tests of rms/client.py: HTTP is mocked with `responses`; retry, timeout and log-redaction
behaviour of the real urllib3 stack is checked against a throw-away local HTTP server."""

import base64
import copy
import itertools
import json
import logging
import os
import socket
import threading
import time
import traceback
import types
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import responses
from freezegun import freeze_time

from rms.client import (
    DEFAULT_API_URL,
    GET_ORDER_VERSION,
    JST,
    MAX_SEARCH_RESULTS,
    OrderResult,
    Pacer,
    RmsClient,
    RmsMessage,
    format_rms_datetime,
    parse_rms_datetime,
)
from rms.exceptions import (
    RmsAuthError,
    RmsBadRequestError,
    RmsError,
    RmsRateLimitError,
    RmsResponseError,
    RmsServerError,
)

FIXTURES = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures"
)

SECRET = "SP123456_s3cr3tSERVICEvalue"
LICENSE = "SL123456_l1c3nseKEYvalue"
TOKEN = base64.b64encode(f"{SECRET}:{LICENSE}".encode()).decode()
CREDENTIALS = (SECRET, LICENSE, TOKEN)

ORDER_API = DEFAULT_API_URL + "2.0/order/"
SEARCH_URL = ORDER_API + "searchOrder/"
GET_URL = ORDER_API + "getOrder/"
CONFIRM_URL = ORDER_API + "confirmOrder/"
SHIP_URL = ORDER_API + "updateOrderShipping/"
ASYNC_URL = ORDER_API + "updateOrderShippingAsync/"
ASYNC_RESULT_URL = ORDER_API + "getResultUpdateOrderShippingAsync/"
CANCEL_URL = ORDER_API + "cancelOrder/"
PAYMENT_URL = ORDER_API + "getPayment/"
EXPIRY_URL = DEFAULT_API_URL + "1.0/license-management/license-key/expiry-date"

ORDER_NO = "123456-20261128-0000000123"


def load(name):
    with open(
        os.path.join(FIXTURES, f"client_{name}.json"), encoding="utf-8"
    ) as handle:
        return json.load(handle)


def make_client(**kwargs):
    options = dict(min_interval=0, max_retries=3, backoff_factor=0, timeout=(2, 5))
    options.update(kwargs)
    return RmsClient(SECRET, LICENSE, **options)


def body_of(call):
    return json.loads(call.request.body)


def order_number(n):
    return f"123456-20261128-{n:010d}"


def assert_no_credentials(text):
    for secret in CREDENTIALS:
        assert secret not in text


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client():
    return make_client()


# ------------------------------------------------------------------------------------------
# transport basics
# ------------------------------------------------------------------------------------------


def test_auth_header_content_type_and_url(rsps):
    rsps.post(SEARCH_URL, json=load("search_nohit"))
    small = RmsClient("abc", "def", min_interval=0)
    small.search_order(
        datetime(2026, 11, 28, 0, 0, tzinfo=JST),
        datetime(2026, 11, 28, 12, 0, tzinfo=JST),
    )
    request = rsps.calls[0].request
    assert request.url == "https://api.rms.rakuten.co.jp/es/2.0/order/searchOrder/"
    assert request.method == "POST"
    # base64("abc:def") computed by hand
    assert request.headers["Authorization"] == "ESA YWJjOmRlZg=="
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"


def test_credentials_are_not_stored_on_a_callers_session(rsps):
    import requests

    session = requests.Session()
    rsps.post(SEARCH_URL, json=load("search_nohit"))
    shared = RmsClient(SECRET, LICENSE, min_interval=0, session=session)
    shared.search_order(
        datetime(2026, 11, 28, tzinfo=JST), datetime(2026, 11, 28, 1, tzinfo=JST)
    )
    assert rsps.calls[0].request.headers["Authorization"] == f"ESA {TOKEN}"
    assert "Authorization" not in session.headers


def test_rejects_missing_credentials_and_timeout():
    with pytest.raises(ValueError):
        RmsClient("", LICENSE)
    with pytest.raises(ValueError):
        RmsClient(SECRET, LICENSE, timeout=None)


@pytest.mark.parametrize(
    "value, expected",
    [
        (datetime(2026, 11, 28, 3, 0, 0), "2026-11-28T12:00:00+0900"),  # naive = UTC
        (
            datetime(2026, 11, 28, 15, 30, 0),
            "2026-11-29T00:30:00+0900",
        ),  # crosses midnight
        (
            datetime(2026, 11, 28, 3, 0, 0, tzinfo=timezone.utc),
            "2026-11-28T12:00:00+0900",
        ),
        (
            datetime(2026, 11, 27, 22, 0, 0, tzinfo=timezone(timedelta(hours=-5))),
            "2026-11-28T12:00:00+0900",
        ),
        (
            datetime(2026, 11, 28, 12, 0, 0, 999999, tzinfo=JST),
            "2026-11-28T12:00:00+0900",
        ),
    ],
)
def test_format_rms_datetime(value, expected):
    assert format_rms_datetime(value) == expected


@pytest.mark.parametrize(
    "text, expected_utc",
    [
        (
            "2026-11-28T10:15:42+0900",
            datetime(2026, 11, 28, 1, 15, 42, tzinfo=timezone.utc),
        ),
        (
            "2026-11-28T10:15:42+09:00",
            datetime(2026, 11, 28, 1, 15, 42, tzinfo=timezone.utc),
        ),
        (
            "2026-11-28T10:15:42",
            datetime(2026, 11, 28, 1, 15, 42, tzinfo=timezone.utc),
        ),  # JST implied
    ],
)
def test_parse_rms_datetime(text, expected_utc):
    parsed = parse_rms_datetime(text)
    assert parsed == expected_utc
    assert parsed.utcoffset() == timedelta(hours=9)


def test_parse_rms_datetime_rejects_garbage():
    assert parse_rms_datetime(None) is None
    with pytest.raises(ValueError):
        parse_rms_datetime("28/11/2026")


# ------------------------------------------------------------------------------------------
# searchOrder
# ------------------------------------------------------------------------------------------


def test_search_follows_all_pages(rsps, client):
    pages = {1: load("search_page1"), 2: load("search_page2")}

    def reply(request):
        page = json.loads(request.body)["PaginationRequestModel"]["requestPage"]
        return 200, {}, json.dumps(pages[page], ensure_ascii=False)

    rsps.add_callback(responses.POST, SEARCH_URL, callback=reply)
    numbers = client.search_order(
        datetime(2026, 11, 27, 0, 0),
        datetime(2026, 11, 28, 3, 0),
        order_progress_list=[100, 200, 300],
        order_type_list=[1, 4],
        page_size=3,
    )
    assert numbers == [
        "123456-20261127-0000000101",
        "123456-20261127-0000000102",
        "123456-20261128-0000000103",
        "123456-20261128-0000000104",
        "123456-20261128-0000000123",
    ]
    assert len(rsps.calls) == 2
    first, second = body_of(rsps.calls[0]), body_of(rsps.calls[1])
    assert first == {
        "dateType": 1,
        "orderProgressList": [100, 200, 300],
        "orderTypeList": [1, 4],
        "startDatetime": "2026-11-27T09:00:00+0900",
        "endDatetime": "2026-11-28T12:00:00+0900",
        "PaginationRequestModel": {
            "requestRecordsAmount": 3,
            "requestPage": 1,
            "SortModelList": [{"sortColumn": 1, "sortDirection": 1}],
        },
    }
    assert second["PaginationRequestModel"]["requestPage"] == 2
    assert client.stats["searchOrder"] == 2


def test_search_passes_optional_and_extra_criteria(rsps, client):
    rsps.post(SEARCH_URL, json=load("search_nohit"))
    client.search_order(
        datetime(2026, 11, 28, tzinfo=JST),
        datetime(2026, 11, 28, 6, tzinfo=JST),
        date_type=2,
        settlement_method=2,
        asuraku_flag=1,
        subStatusIdList=[-1],
    )
    sent = body_of(rsps.calls[0])
    assert sent["dateType"] == 2
    assert sent["settlementMethod"] == 2
    assert sent["asurakuFlag"] == 1
    assert sent["subStatusIdList"] == [-1]
    assert "orderProgressList" not in sent
    assert sent["PaginationRequestModel"]["requestRecordsAmount"] == 1000


def test_search_no_hits_is_not_an_error(rsps, client):
    rsps.post(SEARCH_URL, json=load("search_nohit"))
    assert client.search_order(datetime(2026, 11, 28), datetime(2026, 11, 28, 1)) == []
    assert len(rsps.calls) == 1


def test_search_rejects_bad_arguments(client):
    with pytest.raises(ValueError):
        client.search_order(datetime(2026, 11, 28), datetime(2026, 11, 27))
    with pytest.raises(ValueError):
        client.search_order(
            datetime(2026, 11, 27), datetime(2026, 11, 28), page_size=1001
        )


def _window_seconds(body):
    start = parse_rms_datetime(body["startDatetime"])
    end = parse_rms_datetime(body["endDatetime"])
    return start, end


def test_search_splits_windows_longer_than_63_days(rsps, client):
    def reply(request):
        start, end = _window_seconds(json.loads(request.body))
        numbers = [
            f"123456-{start:%Y%m%d}-0000000001",
            f"123456-{end:%Y%m%d}-0000000002",
        ]
        payload = {
            "MessageModelList": [],
            "orderNumberList": numbers,
            "PaginationResponseModel": {
                "totalRecordsAmount": 2,
                "totalPages": 1,
                "requestPage": 1,
            },
        }
        return 200, {}, json.dumps(payload)

    rsps.add_callback(responses.POST, SEARCH_URL, callback=reply)
    start = datetime(2026, 1, 1, 0, 0, 0, tzinfo=JST)
    end = datetime(2026, 4, 15, 0, 0, 0, tzinfo=JST)  # 104 days
    numbers = client.search_order(start, end)
    windows = [
        (body_of(c)["startDatetime"], body_of(c)["endDatetime"]) for c in rsps.calls
    ]
    assert windows == [
        ("2026-01-01T00:00:00+0900", "2026-03-05T00:00:00+0900"),  # exactly 63 days
        ("2026-03-05T00:00:01+0900", "2026-04-15T00:00:00+0900"),
    ]
    # 20260305 appears at the end of window 1 and the start of window 2: kept once each number
    assert numbers == [
        "123456-20260101-0000000001",
        "123456-20260305-0000000002",
        "123456-20260305-0000000001",
        "123456-20260415-0000000002",
    ]


def test_search_window_of_exactly_63_days_is_one_call(rsps, client):
    rsps.post(SEARCH_URL, json=load("search_nohit"))
    start = datetime(2026, 1, 1, tzinfo=JST)
    client.search_order(start, start + timedelta(days=63))
    assert len(rsps.calls) == 1


def test_search_splits_a_window_with_more_than_15000_hits(rsps, client):
    """Emulate RMS with one order every 10 seconds: a 2-day window holds 17,281 orders, more
    than the 15,000 reachable, so the client must halve it and still return every order once."""
    base = datetime(2026, 11, 1, 0, 0, 0, tzinfo=JST)
    step = 10

    def reply(request):
        sent = json.loads(request.body)
        start, end = _window_seconds(sent)
        first = -(-int((start - base).total_seconds()) // step)
        last = int((end - base).total_seconds()) // step
        every = [f"123456-20261101-{k:010d}" for k in range(first, last + 1)]
        size = sent["PaginationRequestModel"]["requestRecordsAmount"]
        page = sent["PaginationRequestModel"]["requestPage"]
        if (page - 1) * size >= MAX_SEARCH_RESULTS:
            return (
                400,
                {},
                json.dumps(
                    {
                        "MessageModelList": [
                            {
                                "messageType": "ERROR",
                                "messageCode": "X",
                                "message": "beyond 15000",
                            }
                        ]
                    }
                ),
            )
        payload = {
            "MessageModelList": [],
            "orderNumberList": every[(page - 1) * size : page * size],
            "PaginationResponseModel": {
                "totalRecordsAmount": len(every),
                "totalPages": -(-len(every) // size),
                "requestPage": page,
            },
        }
        return 200, {}, json.dumps(payload)

    rsps.add_callback(responses.POST, SEARCH_URL, callback=reply)
    numbers = client.search_order(base, base + timedelta(days=2))
    assert numbers == [f"123456-20261101-{k:010d}" for k in range(17281)]
    bodies = [body_of(c) for c in rsps.calls]
    # call 1: the whole window (17,281 > 15,000) -> split into two halves of 9 pages each
    assert len(bodies) == 1 + 9 + 9
    assert (bodies[1]["startDatetime"], bodies[1]["endDatetime"]) == (
        "2026-11-01T00:00:00+0900",
        "2026-11-02T00:00:00+0900",
    )
    assert (bodies[10]["startDatetime"], bodies[10]["endDatetime"]) == (
        "2026-11-02T00:00:01+0900",
        "2026-11-03T00:00:00+0900",
    )
    assert all(b["PaginationRequestModel"]["requestPage"] <= 15 for b in bodies)


def test_search_whole_call_error_raises_bad_request(rsps, client):
    rsps.post(SEARCH_URL, json=load("search_error_009"))
    with pytest.raises(RmsBadRequestError) as info:
        client.search_order(datetime(2026, 11, 27), datetime(2026, 11, 28))
    assert info.value.error_code == "ORDER_EXT_API_SEARCH_ORDER_ERROR_009"
    assert "dateType" in info.value.message
    assert info.value.operation == "searchOrder"
    assert len(rsps.calls) == 1


# ------------------------------------------------------------------------------------------
# getOrder
# ------------------------------------------------------------------------------------------


def _orders_reply(request):
    template = load("get_order")["OrderModelList"][0]
    sent = json.loads(request.body)
    orders = []
    for number in sent["orderNumberList"]:
        order = copy.deepcopy(template)
        order["orderNumber"] = number
        orders.append(order)
    payload = {
        "MessageModelList": [
            {
                "messageType": "INFO",
                "messageCode": "ORDER_EXT_API_GET_ORDER_INFO_101",
                "message": f"受注情報取得に成功しました。(取得件数{len(orders)}件)",
            }
        ],
        "version": sent["version"],
        "OrderModelList": orders,
    }
    return 200, {}, json.dumps(payload, ensure_ascii=False)


def test_get_order_chunks_by_100_and_sends_the_newest_version(rsps, client):
    rsps.add_callback(responses.POST, GET_URL, callback=_orders_reply)
    wanted = [order_number(n) for n in range(1, 251)]
    orders = client.get_order(wanted)
    assert [o["orderNumber"] for o in orders] == wanted
    assert orders[0]["OrdererModel"]["prefecture"] == "東京都"
    bodies = [body_of(c) for c in rsps.calls]
    assert [len(b["orderNumberList"]) for b in bodies] == [100, 100, 50]
    assert {b["version"] for b in bodies} == {10}
    assert GET_ORDER_VERSION == 10
    assert client.stats["getOrder"] == 3


def test_get_order_deduplicates_and_allows_another_version(rsps, client):
    rsps.add_callback(responses.POST, GET_URL, callback=_orders_reply)
    orders = client.get_order([ORDER_NO, ORDER_NO], version=9)
    assert len(orders) == 1
    assert body_of(rsps.calls[0]) == {"orderNumberList": [ORDER_NO], "version": 9}


def test_get_order_per_order_error_does_not_raise(rsps, client):
    payload = load("get_order")
    payload["MessageModelList"].append(
        {
            "messageType": "ERROR",
            "messageCode": "ORDER_EXT_API_GET_ORDER_ERROR_001",
            "message": "指定された注文番号は存在しません。",
            "orderNumber": "123456-20261128-0000000999",
        }
    )
    rsps.post(GET_URL, json=payload)
    orders, messages = client.get_order_detailed(
        [ORDER_NO, "123456-20261128-0000000999"]
    )
    assert [o["orderNumber"] for o in orders] == [ORDER_NO]
    errors = [m for m in messages if m.is_error]
    assert [(m.order_number, m.message_code) for m in errors] == [
        ("123456-20261128-0000000999", "ORDER_EXT_API_GET_ORDER_ERROR_001")
    ]


def test_get_order_http_400_raises_bad_request_without_retry(rsps, client):
    rsps.post(GET_URL, status=400, json=load("get_order_400"))
    with pytest.raises(RmsBadRequestError) as info:
        client.get_order([ORDER_NO])
    assert info.value.http_status == 400
    assert info.value.error_code == "ORDER_EXT_API_GET_ORDER_ERROR_010"
    assert info.value.messages[0].message == "バージョンの指定が不正です。"
    assert len(rsps.calls) == 1


# ------------------------------------------------------------------------------------------
# confirmOrder
# ------------------------------------------------------------------------------------------


def test_confirm_order_returns_one_result_per_order(rsps, client):
    rsps.post(CONFIRM_URL, json=load("confirm_order"))
    wanted = [order_number(n) for n in (121, 122, 123, 124, 122)]  # duplicate sent once
    results = client.confirm_order(wanted)
    assert body_of(rsps.calls[0]) == {"orderNumberList": wanted[:4]}
    assert [r.order_number for r in results] == wanted[:4]
    assert [r.ok for r in results] == [True, False, True, False]
    assert results[1].errors[0].message_code == "ORDER_EXT_API_CONFIRM_ORDER_ERROR_103"
    assert (
        results[3].errors[0].message == "送料が確定していないため注文確認できません。"
    )
    assert all(isinstance(r, OrderResult) for r in results)


def test_confirm_order_chunks_and_keeps_partial_results_on_failure(rsps, client):
    def first_chunk(request):
        numbers = json.loads(request.body)["orderNumberList"]
        payload = {
            "MessageModelList": [
                {
                    "messageType": "INFO",
                    "messageCode": "ORDER_EXT_API_CONFIRM_ORDER_INFO_101",
                    "message": "注文確認に成功しました。",
                    "orderNumber": n,
                }
                for n in numbers
            ]
        }
        return 200, {}, json.dumps(payload, ensure_ascii=False)

    calls = {"n": 0}

    def reply(request):
        calls["n"] += 1
        if calls["n"] == 1:
            return first_chunk(request)
        return 500, {}, "Internal Server Error"

    rsps.add_callback(responses.POST, CONFIRM_URL, callback=reply)
    with pytest.raises(RmsServerError) as info:
        client.confirm_order([order_number(n) for n in range(150)])
    assert [len(body_of(c)["orderNumberList"]) for c in rsps.calls][:2] == [100, 50]
    assert len(rsps.calls) == 1 + 4  # second chunk: 1 try + 3 retries
    partial = info.value.partial_results
    assert len(partial) == 100 and all(r.ok for r in partial)


def test_confirm_order_error_for_the_whole_call_raises(rsps, client):
    rsps.post(
        CONFIRM_URL,
        json={
            "MessageModelList": [
                {
                    "messageType": "ERROR",
                    "messageCode": "ORDER_EXT_API_CONFIRM_ORDER_ERROR_001",
                    "message": "注文番号リストが指定されていません。",
                }
            ]
        },
    )
    with pytest.raises(RmsBadRequestError) as info:
        client.confirm_order([order_number(1), order_number(2)])
    assert info.value.error_code == "ORDER_EXT_API_CONFIRM_ORDER_ERROR_001"


# ------------------------------------------------------------------------------------------
# shipping
# ------------------------------------------------------------------------------------------


def test_update_order_shipping_body_and_messages(rsps, client):
    rsps.post(SHIP_URL, json=load("update_shipping"))
    baskets = [
        {
            "basketId": 987654321,
            "ShippingModelList": [
                {
                    "shippingDetailId": 55500011,
                    "deliveryCompany": "1001",
                    "shippingNumber": "123456789012",
                    "shippingDate": date(2026, 11, 29),
                },
                {"deliveryCompany": "1000"},
            ],
        }
    ]
    result = client.update_order_shipping(ORDER_NO, baskets)
    sent = body_of(rsps.calls[0])
    assert sent == {
        "orderNumber": ORDER_NO,
        "BasketidModelList": [
            {
                "basketId": 987654321,
                "ShippingModelList": [
                    {
                        "shippingDetailId": 55500011,
                        "deliveryCompany": "1001",
                        "shippingNumber": "123456789012",
                        "shippingDate": "2026-11-29",
                    },
                    {"deliveryCompany": "1000"},
                ],
            }
        ],
    }
    assert result.ok and result.order_number == ORDER_NO
    assert [
        (m.data_number, m.shipping_detail_id, m.basket_id) for m in result.messages
    ] == [(1, 55500011, 987654321), (2, 55500012, 987654321)]
    assert (
        result.messages[1].message_code == "ORDER_EXT_API_UPDATE_ORDERSHIPPING_INFO_101"
    )


def test_update_order_shipping_error_is_a_result_not_an_exception(rsps, client):
    rsps.post(SHIP_URL, json=load("update_shipping_error"))
    result = client.update_order_shipping(
        ORDER_NO,
        [
            {
                "basketId": 987654321,
                "ShippingModelList": [{"deliveryCompany": "ヤマト運輸"}],
            }
        ],
    )
    assert not result.ok
    error = result.errors[0]
    assert (error.message_code, error.data_number, error.shipping_detail_id) == (
        "ORDER_EXT_API_UPDATE_ORDERSHIPPING_ERROR_011",
        1,
        None,
    )


def test_update_order_shipping_async_returns_request_ids_per_100(rsps, client):
    counter = {"n": 0}

    def reply(request):
        counter["n"] += 1
        payload = load("shipping_async")
        payload["MessageModelList"][0]["requestId"] = (
            f"2026112812000012345{counter['n']}"
        )
        return 200, {}, json.dumps(payload, ensure_ascii=False)

    rsps.add_callback(responses.POST, ASYNC_URL, callback=reply)
    entries = [
        {
            "orderNumber": order_number(n),
            "BasketidModelList": [
                {
                    "basketId": 900000000 + n,
                    "ShippingModelList": [{"deliveryCompany": "1000"}],
                }
            ],
        }
        for n in range(150)
    ]
    ids = client.update_order_shipping_async(entries)
    assert ids == ["20261128120000123451", "20261128120000123452"]
    bodies = [body_of(c) for c in rsps.calls]
    assert [len(b["OrderShippingModelList"]) for b in bodies] == [100, 50]
    assert bodies[0]["OrderShippingModelList"][0] == entries[0]


def test_update_order_shipping_async_refuses_duplicate_orders(rsps, client):
    entry = {"orderNumber": ORDER_NO, "BasketidModelList": []}
    with pytest.raises(ValueError, match=ORDER_NO):
        client.update_order_shipping_async([entry, dict(entry)])
    assert len(rsps.calls) == 0


def test_get_result_update_order_shipping_async(rsps, client):
    rsps.post(ASYNC_RESULT_URL, json=load("shipping_async_result"))
    results = client.get_result_update_order_shipping_async("20261128120000123456")
    assert body_of(rsps.calls[0]) == {"requestId": "20261128120000123456"}
    assert [(r.order_number, r.ok) for r in results] == [
        ("123456-20261128-0000000121", True),
        ("123456-20261128-0000000122", False),
    ]
    assert results[0].messages[0].shipping_detail_id == 55500021
    assert results[1].errors[0].order_number == "123456-20261128-0000000122"
    assert (
        results[1].errors[0].message_code
        == "ORDER_EXT_API_UPDATE_ORDERSHIPPING_ERROR_102"
    )


def test_get_result_update_order_shipping_async_not_ready(rsps, client):
    rsps.post(ASYNC_RESULT_URL, json=load("shipping_async_noresult"))
    assert client.get_result_update_order_shipping_async("20261128120000123456") == []


# ------------------------------------------------------------------------------------------
# cancel, payment, license
# ------------------------------------------------------------------------------------------


def test_cancel_order(rsps, client):
    rsps.post(CANCEL_URL, json=load("cancel_order"))
    result = client.cancel_order(ORDER_NO, inventory_restore_type=1, reason_code=8)
    assert body_of(rsps.calls[0]) == {
        "orderNumber": ORDER_NO,
        "inventoryRestoreType": 1,
        "changeReasonDetailApply": 8,
    }
    assert result.ok
    assert result.messages[0].message == "キャンセル申請に成功しました"


def test_get_payment_sends_version_4(rsps, client):
    rsps.post(PAYMENT_URL, json=load("get_payment"))
    model = client.get_payment(ORDER_NO)
    assert body_of(rsps.calls[0]) == {"orderNumber": ORDER_NO, "version": 4}
    assert model["orderNumber"] == ORDER_NO
    assert model["PaymentModelList"][0]["paymentStatus"] == 30600


def test_license_expiry_is_parsed_as_aware_jst(rsps, client):
    rsps.get(EXPIRY_URL, json=load("license_expiry"))
    expiry = client.get_license_expiry()
    assert expiry == datetime(2026, 11, 28, 23, 59, 59, tzinfo=JST)
    assert expiry.utcoffset() == timedelta(hours=9)
    assert expiry.astimezone(timezone.utc) == datetime(
        2026, 11, 28, 14, 59, 59, tzinfo=timezone.utc
    )
    request = rsps.calls[0].request
    assert request.method == "GET"
    assert request.url == f"{EXPIRY_URL}?licenseKey={LICENSE}"
    assert request.headers["Authorization"] == f"ESA {TOKEN}"
    assert client.stats["licenseExpiryDate"] == 1


def test_license_expiry_unreadable_date(rsps, client):
    rsps.get(EXPIRY_URL, json={"expiryDate": "someday"})
    with pytest.raises(RmsResponseError):
        client.get_license_expiry()


# ------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------


def test_es01_01_raises_auth_error_without_retry(rsps, client):
    rsps.post(SEARCH_URL, status=401, json=load("error_es01"))
    with pytest.raises(RmsAuthError) as info:
        client.search_order(datetime(2026, 11, 27), datetime(2026, 11, 28))
    error = info.value
    assert len(rsps.calls) == 1
    assert (error.error_code, error.http_status, error.message) == (
        "ES01-01",
        401,
        "Un-Authorised",
    )
    assert "Renew" in error.user_message and "15-30 minutes" in error.user_message


def test_es04_01_tells_which_functions_to_enable(rsps, client):
    rsps.get(EXPIRY_URL, status=400, json=load("error_es04"))
    with pytest.raises(RmsAuthError) as info:
        client.get_license_expiry()
    text = info.value.user_message
    assert info.value.user_code == "auth_ES04-01"
    assert (
        "edit the functions" in text
        and "rpay.order" in text
        and "license.expiryDate.get" in text
    )
    assert "30 minutes" in text
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    "status, body, expected",
    [
        (403, "", RmsAuthError),
        (
            401,
            '{"Results":{"errorCode":"GA0001","message":"Unauthorized"}}',
            RmsAuthError,
        ),
        (
            200,
            '{"Results":{"errorCode":"ES01-01","message":"Un-Authorised"}}',
            RmsAuthError,
        ),
        (404, "Not Found", RmsBadRequestError),
        (405, "", RmsBadRequestError),
        (200, '{"MessageModelList": [', RmsResponseError),
        (200, "<html>maintenance</html>", RmsResponseError),
        (200, "[]", RmsResponseError),
        (200, "", RmsResponseError),
    ],
)
def test_error_shapes_map_to_typed_errors(rsps, client, status, body, expected):
    rsps.post(CONFIRM_URL, status=status, body=body)
    with pytest.raises(expected) as info:
        client.confirm_order([ORDER_NO])
    assert type(info.value) is expected
    assert info.value.operation == "confirmOrder"
    assert len(rsps.calls) == 1  # none of these is retried


@pytest.mark.parametrize("statuses", [(500, 503), (502, 504), (429, 429)])
def test_retries_then_succeeds(rsps, client, statuses):
    for status in statuses:
        rsps.post(SEARCH_URL, status=status, body="busy")
    rsps.post(SEARCH_URL, json=load("search_nohit"))
    assert client.search_order(datetime(2026, 11, 27), datetime(2026, 11, 28)) == []
    assert len(rsps.calls) == 3
    assert (
        client.stats["searchOrder"] == 1
    )  # one logical call; retries happen in urllib3


@pytest.mark.parametrize(
    "status, expected",
    [(503, RmsServerError), (500, RmsServerError), (429, RmsRateLimitError)],
)
def test_retries_exhausted(rsps, client, status, expected):
    for _ in range(10):
        rsps.post(CONFIRM_URL, status=status, body="")
    with pytest.raises(expected) as info:
        client.confirm_order([ORDER_NO])
    assert len(rsps.calls) == 4  # 1 + max_retries=3
    assert info.value.http_status == status


def test_connection_error_becomes_server_error(rsps, client):
    import requests

    rsps.post(
        CONFIRM_URL, body=requests.exceptions.ConnectionError("Connection refused")
    )
    with pytest.raises(RmsServerError) as info:
        client.confirm_order([ORDER_NO])
    assert info.value.http_status is None
    assert "connection" in str(info.value).lower()


def test_message_model_parsing():
    message = RmsMessage.from_dict(
        {
            "messageType": "error",
            "messageCode": "C",
            "message": "m",
            "dataNumber": "2",
            "shippingDetailId": "77",
        },
        ORDER_NO,
    )
    assert message.is_error and message.order_number == ORDER_NO
    assert (message.data_number, message.shipping_detail_id) == (2, 77)
    assert OrderResult(ORDER_NO, [message]).ok is False
    assert OrderResult(ORDER_NO, []).ok is True


# ------------------------------------------------------------------------------------------
# pacing
# ------------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_pacing_spaces_request_starts(rsps):
    fake = FakeClock()
    paced = make_client(pacer=Pacer(1.0, clock=fake.clock, sleep=fake.sleep))
    rsps.post(SEARCH_URL, json=load("search_nohit"))
    starts = []
    for _ in range(3):
        paced.search_order(datetime(2026, 11, 27), datetime(2026, 11, 28))
        starts.append(fake.now)
        fake.now += 0.25  # the caller works a little between calls
    assert fake.sleeps == [0.75, 0.75]
    assert [b - a for a, b in itertools.pairwise(starts)] == [1.0, 1.0]
    fake.now += 5  # idle long enough: no wait
    paced.search_order(datetime(2026, 11, 27), datetime(2026, 11, 28))
    assert fake.sleeps == [0.75, 0.75]


def test_min_interval_zero_never_sleeps():
    fake = FakeClock()
    pacer = Pacer(0, clock=fake.clock, sleep=fake.sleep)
    for _ in range(5):
        pacer.wait()
    assert fake.sleeps == []
    with pytest.raises(ValueError):
        Pacer(-1)


def test_pacer_is_thread_safe():
    """Threads starting together each get their own slot: waits 0, 0.5, 1.0, ... seconds."""
    lock = threading.Lock()
    waits = []

    def record(seconds):
        with lock:
            waits.append(seconds)

    pacer = Pacer(0.5, clock=lambda: 50.0, sleep=record)
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        pacer.wait()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == [
        0.5 * k for k in range(1, 8)
    ]  # the first thread did not sleep


def test_default_pacer_clock_follows_frozen_time():
    slept = []
    with freeze_time("2026-11-28 03:00:00") as frozen:

        def sleep(seconds):
            slept.append(seconds)
            frozen.tick(timedelta(seconds=seconds))

        pacer = Pacer(1.0, sleep=sleep)
        pacer.wait()
        frozen.tick(timedelta(seconds=0.4))
        pacer.wait()
        frozen.tick(timedelta(seconds=3))
        pacer.wait()
    assert slept == [pytest.approx(0.6)]


# ------------------------------------------------------------------------------------------
# no credentials anywhere
# ------------------------------------------------------------------------------------------


def test_no_credentials_in_logs_errors_or_repr(rsps, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client()
    rsps.post(SEARCH_URL, status=503, body="")
    rsps.post(SEARCH_URL, json=load("search_page2"))
    rsps.get(EXPIRY_URL, json=load("license_expiry"))
    rsps.post(CONFIRM_URL, status=401, json=load("error_es01"))
    rsps.post(GET_URL, body=f"not json {SECRET} {LICENSE}")
    client.search_order(datetime(2026, 11, 27), datetime(2026, 11, 28))
    client.get_license_expiry()
    raised = []
    for action in (
        lambda: client.confirm_order([ORDER_NO]),
        lambda: client.get_order([ORDER_NO]),
    ):
        with pytest.raises(RmsError) as info:
            action()
        raised.append(info.value)
    debug_lines = [r.getMessage() for r in caplog.records if r.name == "rms.client"]
    assert any("searchOrder" in line and "1 item" in line for line in debug_lines)
    assert any("licenseExpiryDate" in line for line in debug_lines)
    assert_no_credentials(caplog.text)
    for error in raised:
        assert_no_credentials(
            str(error) + repr(error) + (error.message or "") + error.user_message
        )
    assert repr(client) == f"<RmsClient base_url='{DEFAULT_API_URL}'>"
    assert_no_credentials(repr(vars(client)))
    assert_no_credentials(repr(client.session.headers))


def test_error_text_echoing_credentials_is_scrubbed(rsps, client):
    rsps.post(
        SEARCH_URL,
        status=401,
        json={
            "Results": {
                "errorCode": "ES01-01",
                "message": f"bad key {LICENSE} (ESA {TOKEN})",
            }
        },
    )
    with pytest.raises(RmsAuthError) as info:
        client.search_order(datetime(2026, 11, 27), datetime(2026, 11, 28))
    assert_no_credentials(str(info.value) + repr(info.value))
    assert "bad key ***" in info.value.message


# ------------------------------------------------------------------------------------------
# the real urllib3 stack against a local server
# ------------------------------------------------------------------------------------------


class ScriptedServer:
    """Tiny HTTP server answering from a script of (status, headers, body, delay) tuples."""

    def __init__(self):
        self.script = []
        self.hits = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                owner.hits.append((self.command, self.path, self.rfile.read(length)))
                status, headers, body, delay = (
                    owner.script.pop(0) if owner.script else (200, {}, b"{}", 0)
                )
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/es/"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}
        )
        self.thread.daemon = True
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = ScriptedServer()
    yield srv
    srv.close()


def _json_bytes(name):
    return json.dumps(load(name), ensure_ascii=False).encode("utf-8")


def test_real_stack_retries_post_on_503(server):
    server.script = [
        (503, {}, b"", 0),
        (503, {}, b"", 0),
        (200, {}, _json_bytes("confirm_order"), 0),
    ]
    real = make_client(base_url=server.url)
    results = real.confirm_order([order_number(121)])
    assert len(server.hits) == 3
    assert all(
        hit[0] == "POST" and hit[1] == "/es/2.0/order/confirmOrder/"
        for hit in server.hits
    )
    assert results[0].ok


def test_real_stack_backoff_and_retry_after(server, monkeypatch):
    slept = []
    monkeypatch.setattr(
        "urllib3.util.retry.time",
        types.SimpleNamespace(sleep=slept.append, time=time.time),
    )
    server.script = [
        (500, {}, b"", 0),
        (500, {}, b"", 0),
        (429, {"Retry-After": "7"}, b"", 0),
        (429, {"Retry-After": "86400"}, b"", 0),
        (200, {}, _json_bytes("search_nohit"), 0),
    ]
    real = make_client(base_url=server.url, max_retries=4, backoff_factor=0.5)
    assert real.search_order(datetime(2026, 11, 27), datetime(2026, 11, 28)) == []
    assert len(server.hits) == 5
    # exponential backoff from the first retry on; Retry-After honoured, capped at 120 s
    assert slept == [0.5, 1.0, 7, 120.0]


def test_real_stack_read_timeout_is_retried_then_server_error(server):
    server.script = [(200, {}, b"{}", 0.6)] * 3
    real = make_client(base_url=server.url, max_retries=2, timeout=(1, 0.15))
    with pytest.raises(RmsServerError) as info:
        real.confirm_order([ORDER_NO])
    assert len(server.hits) == 3
    assert "timed out" in str(info.value)


def test_real_stack_connection_refused_keeps_the_license_key_out(caplog):
    caplog.set_level(logging.DEBUG)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    real = make_client(base_url=f"http://127.0.0.1:{port}/es/", max_retries=2)
    with pytest.raises(RmsServerError) as info:
        real.get_license_expiry()  # the license key travels in the query string
    retry_warnings = [
        r
        for r in caplog.records
        if r.name == "urllib3.connectionpool" and "Retrying" in r.getMessage()
    ]
    assert len(retry_warnings) == 2
    assert "license-key/expiry-date" in caplog.text
    assert_no_credentials(caplog.text)
    error = info.value
    assert_no_credentials("".join(traceback.format_exception(error)) + repr(error))
    assert error.__cause__ is None and error.__suppress_context__


# ------------------------------------------------------------------------------------------
# writes that must not be sent twice
# ------------------------------------------------------------------------------------------

SHIPPING_ROW = [{"basketId": 1, "ShippingModelList": [{"deliveryCompany": "1000"}]}]


def test_real_stack_row_adding_call_is_not_resent_after_a_read_timeout(server):
    # RMS may have added the row before the answer was lost: sending it again would add a second.
    server.script = [(200, {}, b"{}", 0.6)] * 3
    real = make_client(base_url=server.url, max_retries=2, timeout=(1, 0.15))
    with pytest.raises(RmsServerError):
        real.update_order_shipping(ORDER_NO, SHIPPING_ROW)
    assert len(server.hits) == 1


@pytest.mark.parametrize("status", [500, 502, 504])
def test_real_stack_cancel_is_not_resent_after_a_server_error(server, status):
    server.script = [(status, {}, b"", 0), (200, {}, b"{}", 0)]
    real = make_client(base_url=server.url, max_retries=2)
    with pytest.raises(RmsServerError):
        real.cancel_order(ORDER_NO, inventory_restore_type=1, reason_code=10)
    assert len(server.hits) == 1


MAINTENANCE_BODY = json.dumps(
    {"Results": {"errorCode": "ES01-02", "message": "API In Maintenance"}}
).encode()


@pytest.mark.parametrize("status, body", [(429, b""), (503, MAINTENANCE_BODY)])
def test_real_stack_writes_are_retried_when_rms_surely_did_not_process_them(
    server, status, body
):
    ok = json.dumps(
        {
            "MessageModelList": [
                {
                    "messageType": "INFO",
                    "messageCode": "ORDER_EXT_API_UPDATE_ORDERSHIPPING_INFO_101",
                    "message": "ok",
                    "orderNumber": ORDER_NO,
                    "dataNumber": 1,
                    "shippingDetailId": 77,
                }
            ]
        }
    ).encode()
    server.script = [(status, {}, body, 0), (200, {}, ok, 0)]
    real = make_client(base_url=server.url, max_retries=2)
    result = real.update_order_shipping(ORDER_NO, SHIPPING_ROW)
    assert len(server.hits) == 2
    assert result.ok and result.messages[0].shipping_detail_id == 77


@pytest.mark.parametrize(
    "body",
    [
        b"",
        json.dumps({"Results": {"errorCode": "SBX-503", "message": "x"}}).encode(),
        b"<html>Service Unavailable</html>",
    ],
)
def test_real_stack_row_adding_call_is_not_resent_after_a_plain_503(server, body):
    # A 503 that does not say "maintenance" may come from a gateway after RMS added the row.
    server.script = [(503, {}, body, 0), (200, {}, b"{}", 0)]
    real = make_client(base_url=server.url, max_retries=3)
    with pytest.raises(RmsServerError):
        real.update_order_shipping(ORDER_NO, SHIPPING_ROW)
    with pytest.raises(RmsServerError):
        server.script = [(503, {}, body, 0), (200, {}, b"{}", 0)]
        real.cancel_order(ORDER_NO, inventory_restore_type=1, reason_code=10)
    assert len(server.hits) == 2


def test_real_stack_maintenance_resends_are_bounded(server):
    server.script = [(503, {}, MAINTENANCE_BODY, 0)] * 5
    real = make_client(base_url=server.url, max_retries=2)
    with pytest.raises(RmsServerError):
        real.update_order_shipping(ORDER_NO, SHIPPING_ROW)
    assert len(server.hits) == 3
    assert real.stats["updateOrderShipping"] == 3
