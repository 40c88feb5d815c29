"""Tests of tools/rms_sandbox, the local RMS emulator (order API), over real HTTP with
``requests``."""

import ast
import base64
import json
import os
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tools.rms_sandbox import JST, RmsSandbox, fmt_dt

NOW = datetime(2025, 6, 10, 12, 0, 0, tzinfo=JST)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SANDBOX_SOURCE = os.path.join(ROOT, "tools", "rms_sandbox")

SEARCH = "ORDER_EXT_API_SEARCH_ORDER"
GET = "ORDER_EXT_API_GET_ORDER"
CONFIRM = "ORDER_EXT_API_CONFIRM_ORDER"
SHIP = "ORDER_EXT_API_UPDATE_ORDERSHIPPING"
ASYNC = "ORDER_EXT_API_UPDATE_ORDERSHIPPING_ASYNC"
RESULT = "ORDER_EXT_API_GET_RESULT_UPDATEORDERSHIPPING_ASYNC"
CANCEL = "ORDER_EXT_API_CANCEL_ORDER"
PAYMENT = "ORDER_EXT_API_GET_PAYMENT"


def esa(secret="sandbox-secret", key="sandbox-key"):
    return "ESA " + base64.b64encode(("%s:%s" % (secret, key)).encode()).decode()


class Api:
    """Minimal raw HTTP access to a started sandbox."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.session = requests.Session()
        self.session.headers["Authorization"] = esa()

    def post(self, op, body, **kwargs):
        return self.session.post(
            self.sandbox.url + "2.0/order/%s/" % op, json=body, timeout=10, **kwargs
        )

    def search(self, start=NOW - timedelta(days=2), end=NOW, date_type=1, **extra):
        body = {
            "dateType": date_type,
            "startDatetime": fmt_dt(start),
            "endDatetime": fmt_dt(end),
        }
        body.update(extra)
        return self.post("searchOrder", body)

    def get_order(self, numbers, version=10):
        response = self.post(
            "getOrder", {"orderNumberList": list(numbers), "version": version}
        )
        assert response.status_code == 200, response.text
        return response.json()["OrderModelList"]

    def one(self, number, version=10):
        (order,) = self.get_order([number], version)
        return order

    def license(self, key="sandbox-key"):
        return self.session.get(
            self.sandbox.url + "1.0/license-management/license-key/expiry-date",
            params={"licenseKey": key},
            timeout=10,
        )


def codes(response):
    return [m["messageCode"] for m in response.json()["MessageModelList"]]


@pytest.fixture
def sandbox():
    with RmsSandbox(seed=7, clock=NOW) as sb:
        yield sb


@pytest.fixture
def api(sandbox):
    client = Api(sandbox)
    yield client
    client.session.close()


def make(sandbox, n=1, **mix):
    return sandbox.generate_orders(n, mix=mix)


# ---------------------------------------------------------------------------
# life cycle, auth, license
# ---------------------------------------------------------------------------
def test_start_gives_base_url_and_stop_closes_the_port():
    sb = RmsSandbox(clock=NOW)
    assert sb.url is None
    url = sb.start()
    assert (
        url == sb.url and url.startswith("http://127.0.0.1:") and url.endswith("/es/")
    )
    assert sb.start() == url  # idempotent
    api = Api(sb)
    assert api.license().status_code == 200
    sb.stop()
    sb.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(
            url + "1.0/license-management/license-key/expiry-date",
            timeout=2,
            headers={"Authorization": esa(), "Connection": "close"},
        )


def test_repr_never_shows_credentials():
    sb = RmsSandbox("top-secret-value", "license-value-123", clock=NOW)
    assert "top-secret-value" not in repr(sb) and "license-value-123" not in repr(sb)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Basic " + base64.b64encode(b"sandbox-secret:sandbox-key").decode(),
        esa("wrong-secret"),
        esa(key="wrong-key"),
        "ESA !!!not-base64!!!",
        "ESA" + base64.b64encode(b"sandbox-secret:sandbox-key").decode(),
    ],
)
def test_bad_or_missing_authorization_is_es01_01(sandbox, header):
    headers = {"Authorization": header} if header else {}
    response = requests.post(
        sandbox.url + "2.0/order/searchOrder/", json={}, headers=headers, timeout=5
    )
    assert response.status_code == 401
    assert response.json() == {
        "Results": {"errorCode": "ES01-01", "message": "Un-Authorised"}
    }


def test_expired_license_switch_refuses_every_call(sandbox, api):
    sandbox.expired_license = True
    for response in (
        api.search(),
        api.post("getOrder", {"orderNumberList": ["x"], "version": 10}),
        api.license(),
    ):
        assert response.status_code == 401
        assert response.json()["Results"]["errorCode"] == "ES01-01"
    sandbox.expired_license = False
    assert api.search().status_code == 200


def test_license_past_its_expiry_date_is_refused():
    with RmsSandbox(clock=NOW, license_expiry=date(2025, 6, 9)) as sb:
        assert Api(sb).search().status_code == 401
    with RmsSandbox(
        clock=NOW, license_expiry=date(2025, 6, 10)
    ) as sb:  # valid until 23:59:59
        assert Api(sb).search().status_code == 200


def test_api_disabled_switch_is_es04_01(sandbox, api):
    sandbox.api_disabled = True
    response = api.search()
    assert response.status_code == 400
    assert response.json() == {
        "Results": {"errorCode": "ES04-01", "message": "Bad Request"}
    }


def test_license_expiry_endpoint(api):
    response = api.license()
    assert response.status_code == 200
    assert response.json() == {
        "expiryDate": "2025-09-08T23:59:59"
    }  # NOW + 90 days, JST, no offset
    assert api.license(key="another-key").status_code == 400


def test_license_expiry_can_be_configured():
    with RmsSandbox(clock=NOW, license_expiry="2026-01-31") as sb:
        assert Api(sb).license().json() == {"expiryDate": "2026-01-31T23:59:59"}


def test_unknown_operation_and_wrong_method(sandbox, api):
    assert api.post("noSuchOperation", {}).status_code == 404
    response = api.session.get(sandbox.url + "2.0/order/searchOrder/", timeout=5)
    assert response.status_code == 405


def test_unreadable_request_body_is_a_format_error(sandbox, api):
    response = api.session.post(
        sandbox.url + "2.0/order/getOrder/",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 400
    assert codes(response) == [GET + "_ERROR_011"]


# ---------------------------------------------------------------------------
# searchOrder
# ---------------------------------------------------------------------------
def test_search_pages_cover_every_order_once_in_date_order(sandbox, api):
    numbers = make(sandbox, 95)
    collected = []
    for page in range(1, 5):
        response = api.search(
            PaginationRequestModel={
                "requestRecordsAmount": 30,
                "requestPage": page,
                "SortModelList": [{"sortColumn": 1, "sortDirection": 1}],
            }
        )
        assert response.status_code == 200
        body = response.json()
        assert body["MessageModelList"] == [
            {
                "messageType": "INFO",
                "messageCode": SEARCH + "_INFO_101",
                "message": body["MessageModelList"][0]["message"],
            }
        ]
        assert body["PaginationResponseModel"] == {
            "totalRecordsAmount": 95,
            "totalPages": 4,
            "requestPage": page,
        }
        collected += body["orderNumberList"]
    assert len(collected) == 95 and set(collected) == set(numbers)
    stamps = [sandbox.orders[n]["orderDatetime"] for n in collected]
    assert stamps == sorted(stamps)
    descending = api.search(
        PaginationRequestModel={
            "requestRecordsAmount": 1000,
            "requestPage": 1,
            "SortModelList": [{"sortColumn": 1, "sortDirection": 2}],
        }
    ).json()["orderNumberList"]
    assert [sandbox.orders[n]["orderDatetime"] for n in descending] == sorted(
        stamps, reverse=True
    )


def test_search_default_page_size_is_30(sandbox, api):
    make(sandbox, 40)
    body = api.search().json()
    assert len(body["orderNumberList"]) == 30
    assert body["PaginationResponseModel"] == {
        "totalRecordsAmount": 40,
        "totalPages": 2,
        "requestPage": 1,
    }


def test_search_without_hits_is_info_102_with_null_paging(sandbox, api):
    make(sandbox, 5)
    response = api.search(start=NOW - timedelta(days=30), end=NOW - timedelta(days=20))
    assert response.status_code == 200
    body = response.json()
    assert body["orderNumberList"] == []
    assert codes(response) == [SEARCH + "_INFO_102"]
    assert body["PaginationResponseModel"] == {
        "totalRecordsAmount": None,
        "totalPages": None,
        "requestPage": None,
    }


def test_search_missing_required_fields_is_error_009(api):
    response = api.post("searchOrder", {})
    assert response.status_code == 400
    body = response.json()
    assert body["orderNumberList"] is None and body["PaginationResponseModel"] is None
    assert codes(response) == [SEARCH + "_ERROR_009"] * 3
    text = " ".join(m["message"] for m in body["MessageModelList"])
    assert "dateType" in text and "startDatetime" in text and "endDatetime" in text
    response = api.post(
        "searchOrder", {"dateType": 1, "startDatetime": "", "endDatetime": None}
    )
    assert codes(response) == [SEARCH + "_ERROR_010"] * 2


@pytest.mark.parametrize(
    "value",
    [
        "2025-06-10T00:00:00Z",
        "2025-06-10T00:00:00+09:00",
        "2025-06-10T00:00:00+0000",
        "2025/06/10 00:00:00",
        "2025-06-10",
        "2025-02-30T00:00:00+0900",
        20250610,
    ],
)
def test_search_bad_datetime_format_is_error_011(api, value):
    response = api.post(
        "searchOrder",
        {"dateType": 1, "startDatetime": value, "endDatetime": fmt_dt(NOW)},
    )
    assert response.status_code == 400
    assert codes(response) == [SEARCH + "_ERROR_011"]
    assert "startDatetime" in response.json()["MessageModelList"][0]["message"]


@pytest.mark.parametrize("date_type", [0, 7, "1", None])
def test_search_bad_date_type(api, date_type):
    response = api.post(
        "searchOrder",
        {
            "dateType": date_type,
            "startDatetime": fmt_dt(NOW - timedelta(1)),
            "endDatetime": fmt_dt(NOW),
        },
    )
    assert response.status_code == 400
    assert codes(response)[0] in (SEARCH + "_ERROR_011", SEARCH + "_ERROR_010")


def test_search_window_of_63_days_at_most(api):
    assert api.search(start=NOW - timedelta(days=63), end=NOW).status_code == 200
    response = api.search(start=NOW - timedelta(days=63, seconds=1), end=NOW)
    assert response.status_code == 400
    assert codes(response) == [SEARCH + "_ERROR_012"]
    response = api.search(start=NOW, end=NOW - timedelta(seconds=1))
    assert response.status_code == 400


def test_search_start_at_most_730_days_back(api):
    start = NOW - timedelta(days=729)
    assert api.search(start=start, end=start + timedelta(days=1)).status_code == 200
    start = NOW - timedelta(days=731)
    response = api.search(start=start, end=start + timedelta(days=1))
    assert response.status_code == 400
    assert codes(response) == [SEARCH + "_ERROR_013"]


@pytest.mark.parametrize(
    "paging, ok",
    [
        ({"requestRecordsAmount": 1000, "requestPage": 1}, True),
        ({"requestRecordsAmount": 1001, "requestPage": 1}, False),
        ({"requestRecordsAmount": 0, "requestPage": 1}, False),
        ({"requestRecordsAmount": 30, "requestPage": 0}, False),
        (
            {
                "requestRecordsAmount": 30,
                "requestPage": 1,
                "SortModelList": [{"sortColumn": 2, "sortDirection": 1}],
            },
            False,
        ),
        (
            {
                "requestRecordsAmount": 30,
                "requestPage": 1,
                "SortModelList": [{"sortColumn": 1, "sortDirection": 3}],
            },
            False,
        ),
    ],
)
def test_search_paging_limits(api, paging, ok):
    response = api.search(PaginationRequestModel=paging)
    assert response.status_code == (200 if ok else 400)
    if not ok:
        assert codes(response) == [SEARCH + "_ERROR_011"]


def test_search_records_beyond_the_limit_are_unreachable(sandbox, api):
    make(sandbox, 95)
    sandbox.max_reachable_records = 40
    page2 = api.search(
        PaginationRequestModel={"requestRecordsAmount": 30, "requestPage": 2}
    ).json()
    assert len(page2["orderNumberList"]) == 10  # records 31..40 only
    assert page2["PaginationResponseModel"]["totalRecordsAmount"] == 95
    response = api.search(
        PaginationRequestModel={"requestRecordsAmount": 30, "requestPage": 3}
    )
    assert response.status_code == 400
    assert codes(response) == [SEARCH + "_ERROR_014"]


def test_search_default_limit_is_15000_records(sandbox, api):
    assert sandbox.max_reachable_records == 15000
    make(sandbox, 15001)
    page15 = api.search(
        PaginationRequestModel={"requestRecordsAmount": 1000, "requestPage": 15}
    )
    assert page15.status_code == 200
    assert len(page15.json()["orderNumberList"]) == 1000
    assert page15.json()["PaginationResponseModel"]["totalRecordsAmount"] == 15001
    page16 = api.search(
        PaginationRequestModel={"requestRecordsAmount": 1000, "requestPage": 16}
    )
    assert page16.status_code == 400 and codes(page16) == [SEARCH + "_ERROR_014"]


def test_search_filters(sandbox, api):
    make(sandbox, 300)
    everything = api.search(
        PaginationRequestModel={"requestRecordsAmount": 1000, "requestPage": 1}
    )
    assert everything.json()["PaginationResponseModel"]["totalRecordsAmount"] == 300
    checks = [
        ({"orderProgressList": [300]}, lambda o: o["orderProgress"] == 300),
        ({"orderProgressList": [100, 200]}, lambda o: o["orderProgress"] in (100, 200)),
        ({"orderTypeList": [4, 6]}, lambda o: o["orderType"] in (4, 6)),
        (
            {"settlementMethod": 2},
            lambda o: o["SettlementModel"]["settlementMethodCode"] == 2,
        ),
        ({"asurakuFlag": 1}, lambda o: o["asurakuFlag"] == 1),
        ({"asurakuFlag": 0}, lambda o: True),
        ({"drugFlag": 1}, lambda o: o["drugFlag"] == 1),
        ({"couponUseFlag": 1}, lambda o: bool(o["CouponModelList"])),
    ]
    for extra, predicate in checks:
        body = api.search(
            PaginationRequestModel={"requestRecordsAmount": 1000, "requestPage": 1},
            **extra,
        ).json()
        expected = {n for n, o in sandbox.orders.items() if predicate(o)}
        assert expected, extra
        assert set(body["orderNumberList"]) == expected, extra
    response = api.search(orderProgressList=[150])
    assert response.status_code == 400 and codes(response) == [SEARCH + "_ERROR_011"]


def test_search_by_confirm_fix_shipping_report_and_settlement_dates(sandbox, api):
    first, second = make(
        sandbox, 2, progress={100: 1.0}, payment={"card": 1.0}, postage_undetermined=0
    )
    window = {"start": NOW - timedelta(minutes=1), "end": NOW + timedelta(minutes=1)}
    assert api.search(date_type=2, **window).json()["orderNumberList"] == []
    api.post("confirmOrder", {"orderNumberList": [first]})
    assert api.search(date_type=2, **window).json()["orderNumberList"] == [first]
    assert api.search(date_type=3, **window).json()["orderNumberList"] == []
    assert api.search(date_type=6, **window).json()["orderNumberList"] == []
    sandbox.set_progress(first, 300)
    assert api.search(date_type=3, **window).json()["orderNumberList"] == [first]
    assert api.search(date_type=6, **window).json()["orderNumberList"] == [first]
    basket = sandbox.orders[first]["PackageModelList"][0]["basketId"]
    api.post(
        "updateOrderShipping",
        {
            "orderNumber": first,
            "BasketidModelList": [
                {
                    "basketId": basket,
                    "ShippingModelList": [
                        {
                            "deliveryCompany": "1001",
                            "shippingNumber": "1",
                            "shippingDate": "2025-06-10",
                        }
                    ],
                }
            ],
        },
    )
    assert api.search(date_type=5, **window).json()["orderNumberList"] == [first]
    day = {
        "start": datetime(2025, 6, 10, tzinfo=JST),
        "end": datetime(2025, 6, 10, 23, 59, 59, tzinfo=JST),
    }
    assert api.search(date_type=4, **day).json()["orderNumberList"] == [first]
    assert second not in api.search(date_type=4, **day).json()["orderNumberList"]


# ---------------------------------------------------------------------------
# getOrder
# ---------------------------------------------------------------------------
def test_get_order_full_shape(sandbox, api):
    numbers = make(sandbox, 3)
    response = api.post("getOrder", {"orderNumberList": numbers, "version": 10})
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 10
    assert body["MessageModelList"][0]["messageCode"] == GET + "_INFO_101"
    assert "3件" in body["MessageModelList"][0]["message"]
    assert [o["orderNumber"] for o in body["OrderModelList"]] == numbers
    order = body["OrderModelList"][0]
    for key in (
        "orderNumber",
        "orderProgress",
        "orderDatetime",
        "shopOrderCfmDatetime",
        "orderFixDatetime",
        "shippingCmplRptDatetime",
        "remarks",
        "orderType",
        "reserveNumber",
        "goodsPrice",
        "postagePrice",
        "deliveryPrice",
        "paymentCharge",
        "totalPrice",
        "requestPrice",
        "couponAllTotalPrice",
        "couponShopPrice",
        "couponOtherPrice",
        "asurakuFlag",
        "drugFlag",
        "rakutenConfirmFlag",
        "cautionDisplayType",
        "OrdererModel",
        "SettlementModel",
        "DeliveryModel",
        "PointModel",
        "WrappingModel1",
        "WrappingModel2",
        "PackageModelList",
        "CouponModelList",
        "ChangeReasonModelList",
        "TaxSummaryModelList",
        "socialGiftFlag",
    ):
        assert key in order, key
    assert "usedPoint" in order["PointModel"]
    assert {"settlementMethodCode", "settlementMethod", "rpaySettlementFlag"} <= set(
        order["SettlementModel"]
    )
    package = order["PackageModelList"][0]
    for key in (
        "basketId",
        "postagePrice",
        "SenderModel",
        "ItemModelList",
        "ShippingModelList",
        "defaultDeliveryCompanyCode",
        "dropOffFlag",
        "SocialGiftModel",
    ):
        assert key in package, key
    item = package["ItemModelList"][0]
    for key in (
        "itemDetailId",
        "itemName",
        "itemNumber",
        "manageNumber",
        "price",
        "priceTaxIncl",
        "taxRate",
        "units",
        "SkuModelList",
        "isSingleItemShipping",
        "drugFlag",
    ):
        assert key in item, key
    assert set(item["SkuModelList"][0]) == {
        "variantId",
        "merchantDefinedSkuId",
        "skuInfo",
    }
    datetime.strptime(order["orderDatetime"], "%Y-%m-%dT%H:%M:%S%z")
    assert order["orderDatetime"].endswith("+0900")


@pytest.mark.parametrize(
    "version, present, absent",
    [
        (
            3,
            {"TaxSummaryModelList", "item.taxRate", "goodsTax"},
            {
                "package.defaultDeliveryCompanyCode",
                "item.isSingleItemShipping",
                "DueDateModelList",
                "version",
            },
        ),
        (
            4,
            {"package.defaultDeliveryCompanyCode", "item.isSingleItemShipping"},
            {"DueDateModelList", "version"},
        ),
        (
            5,
            {"DueDateModelList", "receiptIssueCount"},
            {"cautionDisplayDetailType", "version"},
        ),
        (6, {"cautionDisplayDetailType", "version", "goodsTax"}, {"item.SkuModelList"}),
        (
            7,
            {"item.SkuModelList", "goodsTax", "isTaxRecalc", "package.goodsTax"},
            {"deliveryCertPrgFlag"},
        ),
        (
            8,
            {"deliveryCertPrgFlag", "oneDayOperationFlag"},
            {"goodsTax", "isTaxRecalc", "package.goodsTax", "package.dropOffFlag"},
        ),
        (
            9,
            {"package.dropOffFlag", "package.dropOffLocation"},
            {"socialGiftFlag", "package.SocialGiftModel"},
        ),
        (
            10,
            {"socialGiftFlag", "package.SocialGiftModel", "item.SkuModelList"},
            {"goodsTax"},
        ),
    ],
)
def test_get_order_fields_follow_the_version(sandbox, api, version, present, absent):
    (number,) = make(sandbox)
    body = api.post(
        "getOrder", {"orderNumberList": [number], "version": version}
    ).json()
    order = body["OrderModelList"][0]
    package = order["PackageModelList"][0]
    item = package["ItemModelList"][0]

    def has(name):
        if name == "version":
            return "version" in body
        scope, _, key = name.rpartition(".")
        return key in {"": order, "package": package, "item": item}[scope]

    for name in present:
        assert has(name), (version, name)
    for name in absent:
        assert not has(name), (version, name)
    # stripping a version never alters the stored order
    assert (
        "SkuModelList"
        in sandbox.orders[number]["PackageModelList"][0]["ItemModelList"][0]
    )


def test_get_order_unknown_number_gets_its_own_error(sandbox, api):
    (number,) = make(sandbox)
    response = api.post(
        "getOrder",
        {"orderNumberList": [number, "999999-20250101-99999901"], "version": 10},
    )
    assert response.status_code == 200
    body = response.json()
    assert [o["orderNumber"] for o in body["OrderModelList"]] == [number]
    errors = [m for m in body["MessageModelList"] if m["messageType"] == "ERROR"]
    assert errors == [
        {
            "messageType": "ERROR",
            "messageCode": GET + "_ERROR_101",
            "message": errors[0]["message"],
            "orderNumber": "999999-20250101-99999901",
        }
    ]


@pytest.mark.parametrize(
    "body, code",
    [
        ({"orderNumberList": ["a"]}, "_ERROR_009"),
        ({"version": 10}, "_ERROR_009"),
        ({"orderNumberList": [], "version": 10}, "_ERROR_010"),
        ({"orderNumberList": ["a"], "version": 2}, "_ERROR_011"),
        ({"orderNumberList": ["a"], "version": 11}, "_ERROR_011"),
        ({"orderNumberList": ["a"], "version": "10"}, "_ERROR_011"),
        (
            {"orderNumberList": ["n%d" % i for i in range(101)], "version": 10},
            "_ERROR_012",
        ),
    ],
)
def test_get_order_request_errors(api, body, code):
    response = api.post("getOrder", body)
    assert response.status_code == 400
    assert codes(response) == [GET + code]
    assert response.json()["OrderModelList"] == []


def test_get_order_accepts_100_numbers(sandbox, api):
    numbers = make(sandbox, 100)
    assert len(api.get_order(numbers)) == 100


# ---------------------------------------------------------------------------
# confirmOrder
# ---------------------------------------------------------------------------
def test_confirm_moves_100_to_200(sandbox, api):
    numbers = make(sandbox, 2, progress={100: 1.0}, postage_undetermined=0)
    response = api.post("confirmOrder", {"orderNumberList": numbers})
    assert response.status_code == 200
    messages = response.json()["MessageModelList"]
    assert [
        (m["messageType"], m["messageCode"], m["orderNumber"]) for m in messages
    ] == [("INFO", CONFIRM + "_INFO_101", n) for n in numbers]
    for order in api.get_order(numbers):
        assert order["orderProgress"] == 200
        assert order["shopOrderCfmDatetime"] == fmt_dt(NOW)
    again = api.post("confirmOrder", {"orderNumberList": numbers[:1]}).json()[
        "MessageModelList"
    ]
    assert [(m["messageType"], m["messageCode"]) for m in again] == [
        ("ERROR", CONFIRM + "_ERROR_103")
    ]


def test_confirm_per_order_errors(sandbox, api):
    good, cancelled = make(sandbox, 2, progress={100: 1.0}, postage_undetermined=0)
    (open_postage,) = make(sandbox, 1, postage_undetermined=1.0)
    assert sandbox.orders[open_postage]["postagePrice"] == -9999
    sandbox.set_progress(cancelled, 900)
    response = api.post(
        "confirmOrder", {"orderNumberList": [good, cancelled, open_postage, "nope-1"]}
    )
    assert response.status_code == 200
    result = {
        m["orderNumber"]: (m["messageType"], m["messageCode"])
        for m in response.json()["MessageModelList"]
    }
    assert result == {
        good: ("INFO", CONFIRM + "_INFO_101"),
        cancelled: ("ERROR", CONFIRM + "_ERROR_102"),
        open_postage: ("ERROR", CONFIRM + "_ERROR_105"),
        "nope-1": ("ERROR", CONFIRM + "_ERROR_101"),
    }
    assert sandbox.orders[open_postage]["orderProgress"] == 100


@pytest.mark.parametrize(
    "body, code",
    [
        ({}, "_ERROR_009"),
        ({"orderNumberList": []}, "_ERROR_010"),
        ({"orderNumberList": ["n%d" % i for i in range(101)]}, "_ERROR_012"),
    ],
)
def test_confirm_request_errors(api, body, code):
    response = api.post("confirmOrder", body)
    assert response.status_code == 400 and codes(response) == [CONFIRM + code]


def test_confirm_target_status_is_a_knob(sandbox, api):
    (number,) = make(sandbox, progress={100: 1.0}, postage_undetermined=0)
    sandbox.confirm_moves_to = 300
    api.post("confirmOrder", {"orderNumberList": [number]})
    order = api.one(number)
    assert order["orderProgress"] == 300 and order["orderFixDatetime"] == fmt_dt(NOW)


def test_concurrent_confirms_confirm_each_order_once(sandbox):
    numbers = make(sandbox, 50, progress={100: 1.0}, postage_undetermined=0)

    def confirm(_):
        with requests.Session() as session:
            session.headers["Authorization"] = esa()
            response = session.post(
                sandbox.url + "2.0/order/confirmOrder/",
                json={"orderNumberList": numbers},
                timeout=10,
            )
            return [
                m
                for m in response.json()["MessageModelList"]
                if m["messageType"] == "INFO"
            ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        infos = [m for batch in pool.map(confirm, range(8)) for m in batch]
    assert sorted(m["orderNumber"] for m in infos) == sorted(numbers)
    assert sandbox.calls["confirmOrder"] == 8


# ---------------------------------------------------------------------------
# updateOrderShipping
# ---------------------------------------------------------------------------
def ship(api, number, basket, rows):
    return api.post(
        "updateOrderShipping",
        {
            "orderNumber": number,
            "BasketidModelList": [{"basketId": basket, "ShippingModelList": rows}],
        },
    )


@pytest.fixture
def waiting(sandbox):
    """One order at 300 with one package; returns (number, basketId)."""
    (number,) = make(
        sandbox, progress={300: 1.0}, packages={1: 1.0}, postage_undetermined=0
    )
    return number, sandbox.orders[number]["PackageModelList"][0]["basketId"]


def test_shipping_row_add_update_delete(sandbox, api, waiting):
    number, basket = waiting
    response = ship(api, number, basket, [{"deliveryCompany": "1000"}])
    assert response.status_code == 200
    (message,) = response.json()["MessageModelList"]
    detail_id = message["shippingDetailId"]
    assert isinstance(detail_id, int) and detail_id > 0
    assert message == {
        "messageType": "INFO",
        "messageCode": SHIP + "_INFO_101",
        "message": message["message"],
        "orderNumber": number,
        "basketId": basket,
        "dataNumber": 1,
        "shippingDetailId": detail_id,
    }
    order = api.one(number)
    assert order["PackageModelList"][0]["ShippingModelList"] == [
        {
            "shippingDetailId": detail_id,
            "shippingNumber": None,
            "deliveryCompany": "1000",
            "deliveryCompanyName": "その他",
            "shippingDate": None,
        }
    ]
    assert order["orderProgress"] == 300  # a carrier-only row reports nothing

    response = ship(
        api,
        number,
        basket,
        [
            {
                "shippingDetailId": detail_id,
                "deliveryCompany": "1001",
                "shippingNumber": "1234-5678-9012",
                "shippingDate": "2025-06-10",
            }
        ],
    )
    assert response.status_code == 200
    (message,) = response.json()["MessageModelList"]
    assert (
        message["messageCode"],
        message["shippingDetailId"],
        message["dataNumber"],
    ) == (SHIP + "_INFO_102", detail_id, 1)
    order = api.one(number)
    assert order["PackageModelList"][0]["ShippingModelList"] == [
        {
            "shippingDetailId": detail_id,
            "shippingNumber": "1234-5678-9012",
            "deliveryCompany": "1001",
            "deliveryCompanyName": "ヤマト運輸",
            "shippingDate": "2025-06-10",
        }
    ]
    assert order["orderProgress"] == 500
    assert order["shippingCmplRptDatetime"] == fmt_dt(NOW)

    # omitted fields stay, empty ones are cleared
    ship(api, number, basket, [{"shippingDetailId": detail_id, "shippingNumber": ""}])
    row = api.one(number)["PackageModelList"][0]["ShippingModelList"][0]
    assert (
        row["shippingNumber"] is None
        and row["deliveryCompany"] == "1001"
        and row["shippingDate"] == "2025-06-10"
    )

    response = ship(
        api, number, basket, [{"shippingDetailId": detail_id, "shippingDeleteFlag": 1}]
    )
    assert response.status_code == 200
    assert codes(response) == [SHIP + "_INFO_103"]
    assert api.one(number)["PackageModelList"][0]["ShippingModelList"] == []


def test_shipping_data_numbers_run_across_baskets(sandbox, api):
    (number,) = make(
        sandbox, progress={300: 1.0}, packages={2: 1.0}, postage_undetermined=0
    )
    first, second = (p["basketId"] for p in sandbox.orders[number]["PackageModelList"])
    response = api.post(
        "updateOrderShipping",
        {
            "orderNumber": number,
            "BasketidModelList": [
                {
                    "basketId": first,
                    "ShippingModelList": [
                        {"deliveryCompany": "1000"},
                        {"deliveryCompany": "1002"},
                    ],
                },
                {
                    "basketId": second,
                    "ShippingModelList": [{"deliveryCompany": "1000"}],
                },
            ],
        },
    )
    assert response.status_code == 200
    messages = response.json()["MessageModelList"]
    assert [(m["basketId"], m["dataNumber"]) for m in messages] == [
        (first, 1),
        (first, 2),
        (second, 3),
    ]
    assert len({m["shippingDetailId"] for m in messages}) == 3
    packages = api.one(number)["PackageModelList"]
    assert [len(p["ShippingModelList"]) for p in packages] == [2, 1]


def test_shipping_date_before_300_changes_no_status(sandbox, api):
    (number,) = make(sandbox, progress={100: 1.0}, postage_undetermined=0)
    basket = sandbox.orders[number]["PackageModelList"][0]["basketId"]
    assert (
        ship(
            api,
            number,
            basket,
            [{"deliveryCompany": "1001", "shippingDate": "2025-06-10"}],
        ).status_code
        == 200
    )
    assert sandbox.orders[number]["orderProgress"] == 100


@pytest.mark.parametrize(
    "row, code",
    [
        ({"deliveryCompany": "ヤマト運輸"}, "_ERROR_011"),
        ({"deliveryCompany": 1001}, "_ERROR_011"),
        ({"deliveryCompany": "1032"}, "_ERROR_011"),
        ({"deliveryCompany": "0999"}, "_ERROR_011"),
        ({"deliveryCompany": "1001", "shippingDate": "2025/06/10"}, "_ERROR_011"),
        ({"deliveryCompany": "1001", "shippingDate": "2025-13-01"}, "_ERROR_011"),
        ({"deliveryCompany": "1001", "shippingNumber": "9" * 121}, "_ERROR_011"),
        ({"deliveryCompany": "1001", "shippingDeleteFlag": 2}, "_ERROR_011"),
        ({"shippingNumber": "123"}, "_ERROR_009"),
        ({"shippingDeleteFlag": 1}, "_ERROR_009"),
        ({"shippingDetailId": 1, "deliveryCompany": "1001"}, "_ERROR_104"),
    ],
)
def test_shipping_row_errors_reject_the_call(sandbox, api, waiting, row, code):
    number, basket = waiting
    response = ship(api, number, basket, [{"deliveryCompany": "1000"}, row])
    assert response.status_code == 400
    messages = response.json()["MessageModelList"]
    assert [m["messageCode"] for m in messages] == [SHIP + code]
    assert messages[0]["dataNumber"] == 2 and messages[0]["orderNumber"] == number
    assert (
        sandbox.orders[number]["PackageModelList"][0]["ShippingModelList"] == []
    )  # nothing applied


def test_shipping_number_of_120_characters_is_fine(api, waiting):
    number, basket = waiting
    assert (
        ship(
            api,
            number,
            basket,
            [{"deliveryCompany": "1001", "shippingNumber": "9" * 120}],
        ).status_code
        == 200
    )


def test_shipping_at_most_20_rows_per_basket(sandbox, api, waiting):
    number, basket = waiting
    response = ship(api, number, basket, [{"deliveryCompany": "1000"}] * 21)
    assert response.status_code == 400 and codes(response) == [SHIP + "_ERROR_105"]
    assert (
        ship(api, number, basket, [{"deliveryCompany": "1000"}] * 20).status_code == 200
    )
    response = ship(api, number, basket, [{"deliveryCompany": "1000"}])
    assert response.status_code == 400 and codes(response) == [SHIP + "_ERROR_105"]
    assert len(sandbox.orders[number]["PackageModelList"][0]["ShippingModelList"]) == 20


def test_shipping_order_level_errors(sandbox, api, waiting):
    number, basket = waiting
    response = ship(api, number, basket + 12345, [{"deliveryCompany": "1000"}])
    assert response.status_code == 400 and codes(response) == [SHIP + "_ERROR_103"]
    response = ship(
        api, "999999-20250101-00000001", basket, [{"deliveryCompany": "1000"}]
    )
    assert response.status_code == 400 and codes(response) == [SHIP + "_ERROR_101"]
    sandbox.set_progress(number, 800)
    response = ship(api, number, basket, [{"deliveryCompany": "1000"}])
    assert response.status_code == 400 and codes(response) == [SHIP + "_ERROR_102"]
    assert response.json()["MessageModelList"][0]["orderNumber"] == number
    response = api.post("updateOrderShipping", {"orderNumber": number})
    assert response.status_code == 400 and codes(response) == [SHIP + "_ERROR_009"]


# ---------------------------------------------------------------------------
# updateOrderShippingAsync + getResultUpdateOrderShippingAsync
# ---------------------------------------------------------------------------
def async_entry(sandbox, number, rows):
    basket = sandbox.orders[number]["PackageModelList"][0]["basketId"]
    return {
        "orderNumber": number,
        "BasketidModelList": [{"basketId": basket, "ShippingModelList": rows}],
    }


def test_async_shipping_result_after_polls(sandbox, api):
    good, cancelled = make(
        sandbox, 2, progress={300: 1.0}, packages={1: 1.0}, postage_undetermined=0
    )
    sandbox.set_progress(cancelled, 900)
    sandbox.async_delay_polls = 2
    row = {
        "deliveryCompany": "1002",
        "shippingNumber": "555",
        "shippingDate": "2025-06-10",
    }
    response = api.post(
        "updateOrderShippingAsync",
        {
            "OrderShippingModelList": [
                async_entry(sandbox, good, [row]),
                async_entry(sandbox, cancelled, [row]),
            ]
        },
    )
    assert response.status_code == 200
    (accepted,) = response.json()["MessageModelList"]
    assert accepted["messageCode"] == ASYNC + "_INFO_101"
    request_id = accepted["requestId"]
    assert isinstance(request_id, str) and request_id
    # the work is applied as updateOrderShipping would
    assert api.one(good)["orderProgress"] == 500
    for _ in range(2):
        pending = api.post(
            "getResultUpdateOrderShippingAsync", {"requestId": request_id}
        )
        assert pending.status_code == 200
        (entry,) = pending.json()["ResultShippingModelList"]
        assert "orderNumber" not in entry
        assert [m["messageCode"] for m in entry["MessageModelList"]] == [
            RESULT + "_INFO_101"
        ]
    done = api.post(
        "getResultUpdateOrderShippingAsync", {"requestId": request_id}
    ).json()
    results = {
        r["orderNumber"]: r["MessageModelList"] for r in done["ResultShippingModelList"]
    }
    assert set(results) == {good, cancelled}
    (info,) = results[good]
    detail_id = api.one(good)["PackageModelList"][0]["ShippingModelList"][0][
        "shippingDetailId"
    ]
    assert (info["messageCode"], info["dataNumber"], info["shippingDetailId"]) == (
        SHIP + "_INFO_101",
        1,
        detail_id,
    )
    assert [m["messageCode"] for m in results[cancelled]] == [SHIP + "_ERROR_102"]


def test_async_result_without_delay_and_for_unknown_ids(sandbox, api):
    (number,) = make(sandbox, progress={300: 1.0}, postage_undetermined=0)
    request_id = api.post(
        "updateOrderShippingAsync",
        {
            "OrderShippingModelList": [
                async_entry(sandbox, number, [{"deliveryCompany": "1000"}])
            ]
        },
    ).json()["MessageModelList"][0]["requestId"]
    done = api.post(
        "getResultUpdateOrderShippingAsync", {"requestId": request_id}
    ).json()
    assert done["ResultShippingModelList"][0]["orderNumber"] == number
    unknown = api.post(
        "getResultUpdateOrderShippingAsync", {"requestId": "nope"}
    ).json()
    assert (
        unknown["ResultShippingModelList"][0]["MessageModelList"][0]["messageCode"]
        == RESULT + "_INFO_101"
    )
    missing = api.post("getResultUpdateOrderShippingAsync", {})
    assert missing.status_code == 400
    assert (
        missing.json()["ResultShippingModelList"][0]["MessageModelList"][0][
            "messageCode"
        ]
        == RESULT + "_ERROR_009"
    )


def test_async_request_errors(sandbox, api):
    numbers = make(sandbox, 2, progress={300: 1.0}, postage_undetermined=0)
    entry = async_entry(sandbox, numbers[0], [{"deliveryCompany": "1000"}])
    response = api.post(
        "updateOrderShippingAsync", {"OrderShippingModelList": [entry, entry]}
    )
    assert response.status_code == 400 and codes(response) == [ASYNC + "_ERROR_013"]
    many = [dict(entry, orderNumber="n%d" % i) for i in range(101)]
    response = api.post("updateOrderShippingAsync", {"OrderShippingModelList": many})
    assert response.status_code == 400 and codes(response) == [ASYNC + "_ERROR_012"]
    response = api.post("updateOrderShippingAsync", {})
    assert response.status_code == 400 and codes(response) == [ASYNC + "_ERROR_009"]
    # row format errors are answered at once, with the order number and no requestId
    bad = async_entry(
        sandbox,
        numbers[1],
        [{"deliveryCompany": "1000"}, {"deliveryCompany": "佐川急便"}],
    )
    response = api.post(
        "updateOrderShippingAsync", {"OrderShippingModelList": [entry, bad]}
    )
    assert response.status_code == 200
    (error,) = response.json()["MessageModelList"]
    assert (error["messageCode"], error["orderNumber"], error["dataNumber"]) == (
        ASYNC + "_ERROR_011",
        numbers[1],
        2,
    )
    assert "requestId" not in error
    assert all(
        not p["ShippingModelList"]
        for n in numbers
        for p in sandbox.orders[n]["PackageModelList"]
    )


def test_async_accepts_100_orders(sandbox, api):
    numbers = make(sandbox, 100, progress={300: 1.0}, postage_undetermined=0)
    response = api.post(
        "updateOrderShippingAsync",
        {
            "OrderShippingModelList": [
                async_entry(sandbox, n, [{"deliveryCompany": "1000"}]) for n in numbers
            ]
        },
    )
    assert codes(response) == [ASYNC + "_INFO_101"]


# ---------------------------------------------------------------------------
# cancelOrder, getPayment
# ---------------------------------------------------------------------------
def test_cancel_moves_to_800_with_a_change_reason(sandbox, api):
    (number,) = make(
        sandbox, progress={200: 1.0}, payment={"card": 1.0}, postage_undetermined=0
    )
    response = api.post(
        "cancelOrder",
        {
            "orderNumber": number,
            "inventoryRestoreType": 1,
            "changeReasonDetailApply": 10,
        },
    )
    assert response.status_code == 200
    assert response.json()["MessageModelList"] == [
        {
            "messageType": "INFO",
            "messageCode": CANCEL + "_INFO_101",
            "message": response.json()["MessageModelList"][0]["message"],
            "orderNumber": number,
        }
    ]
    order = api.one(number)
    assert order["orderProgress"] == 800
    (reason,) = order["ChangeReasonModelList"]
    assert (
        reason["changeType"],
        reason["changeReason"],
        reason["changeReasonDetail"],
    ) == (0, 0, 10)
    assert reason["changeApplyDatetime"] == fmt_dt(NOW) and isinstance(
        reason["changeId"], int
    )
    payment = api.post("getPayment", {"orderNumber": number, "version": 4}).json()
    assert payment["OrderModel"]["PaymentModelList"][0]["paymentStatus"] == 31400
    sandbox.set_progress(number, 900)
    payment = api.post("getPayment", {"orderNumber": number, "version": 4}).json()
    assert payment["OrderModel"]["PaymentModelList"][0]["paymentStatus"] == 31500
    assert api.one(number)["ChangeReasonModelList"][0]["changeFixDatetime"] == fmt_dt(
        NOW
    )


@pytest.mark.parametrize(
    "body, code",
    [
        ({"inventoryRestoreType": 1, "changeReasonDetailApply": 1}, "_ERROR_009"),
        ({"orderNumber": "N", "changeReasonDetailApply": 1}, "_ERROR_009"),
        ({"orderNumber": "N", "inventoryRestoreType": 1}, "_ERROR_009"),
        (
            {
                "orderNumber": "N",
                "inventoryRestoreType": 3,
                "changeReasonDetailApply": 1,
            },
            "_ERROR_011",
        ),
        (
            {
                "orderNumber": "N",
                "inventoryRestoreType": 1,
                "changeReasonDetailApply": 7,
            },
            "_ERROR_011",
        ),
        (
            {
                "orderNumber": "nope",
                "inventoryRestoreType": 1,
                "changeReasonDetailApply": 1,
            },
            "_ERROR_101",
        ),
    ],
)
def test_cancel_errors(sandbox, api, body, code):
    (number,) = make(sandbox, progress={100: 1.0})
    if body.get("orderNumber") == "N":
        body = dict(body, orderNumber=number)
    response = api.post("cancelOrder", body)
    assert response.status_code == 400 and codes(response) == [CANCEL + code]
    assert sandbox.orders[number]["orderProgress"] == 100


@pytest.mark.parametrize("progress", [400, 500, 700, 800, 900])
def test_cancel_only_from_100_200_300(sandbox, api, progress):
    (number,) = make(sandbox, progress={300: 1.0}, postage_undetermined=0)
    sandbox.set_progress(number, progress)
    response = api.post(
        "cancelOrder",
        {
            "orderNumber": number,
            "inventoryRestoreType": 0,
            "changeReasonDetailApply": 1,
        },
    )
    assert response.status_code == 400 and codes(response) == [CANCEL + "_ERROR_102"]
    assert sandbox.orders[number]["orderProgress"] == progress


@pytest.mark.parametrize(
    "kind, progress, status",
    [
        ("card", 100, 30300),
        ("card", 300, 30600),
        ("card", 500, 30600),
        ("deferred", 200, 30300),
        ("deferred", 300, 30600),
        ("bank", 100, 30100),
        ("bank", 300, 30600),
        ("cod", 300, 30000),
    ],
)
def test_get_payment_follows_settlement_and_progress(
    sandbox, api, kind, progress, status
):
    (number,) = make(
        sandbox, progress={progress: 1.0}, payment={kind: 1.0}, postage_undetermined=0
    )
    response = api.post("getPayment", {"orderNumber": number, "version": 4})
    assert response.status_code == 200
    body = response.json()
    assert body["MessageModelList"][0]["messageCode"] == PAYMENT + "_INFO_101"
    assert body["OrderModel"]["orderNumber"] == number
    (payment,) = body["OrderModel"]["PaymentModelList"]
    order = sandbox.orders[number]
    assert payment["paymentStatus"] == status
    assert payment["paymentMethod"] == order["SettlementModel"]["settlementMethodCode"]
    assert payment["paymentAmount"] == order["requestPrice"]
    assert payment["paymentCharge"] == order["paymentCharge"]
    assert (
        isinstance(payment["orderPaymentNumber"], str) and payment["orderPaymentNumber"]
    )
    assert (payment["paymentFixDatetime"] is not None) == (status == 30600)


def test_get_payment_status_override_and_errors(sandbox, api):
    (number,) = make(sandbox, progress={100: 1.0}, payment={"card": 1.0})
    sandbox.set_payment_status(number, 30400)
    body = api.post("getPayment", {"orderNumber": number, "version": 4}).json()
    assert body["OrderModel"]["PaymentModelList"][0]["paymentStatus"] == 30400
    response = api.post("getPayment", {"orderNumber": number})
    assert response.status_code == 400 and codes(response) == [PAYMENT + "_ERROR_009"]
    response = api.post("getPayment", {"orderNumber": number, "version": 3})
    assert response.status_code == 400 and codes(response) == [PAYMENT + "_ERROR_011"]
    response = api.post("getPayment", {"orderNumber": "nope", "version": 4})
    assert response.status_code == 400 and codes(response) == [PAYMENT + "_ERROR_101"]


# ---------------------------------------------------------------------------
# faults and counters
# ---------------------------------------------------------------------------
def test_5xx_switch(sandbox, api):
    sandbox.error_rate_5xx = 1.0
    statuses = set()
    for _ in range(12):
        response = api.search()
        statuses.add(response.status_code)
        assert response.json()["Results"]["errorCode"] in ("SBX-500", "SBX-503")
    assert statuses == {500, 503}
    sandbox.error_rate_5xx = 0.0
    assert api.search().status_code == 200


def test_rate_limit_switch(sandbox, api):
    sandbox.rate_limit_rate = 1.0
    sandbox.retry_after = 2
    response = api.search()
    assert response.status_code == 429
    assert response.json() == {
        "Results": {"errorCode": "SBX-429", "message": "Too Many Requests"}
    }
    assert response.headers["Retry-After"] == "2"


def test_malformed_json_switch(sandbox, api):
    make(sandbox, 3)
    sandbox.malformed_json_rate = 1.0
    response = api.search()
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.text)


def test_latency_switch(sandbox, api):
    sandbox.latency = 0.3
    started = time.monotonic()
    assert api.search().status_code == 200
    assert time.monotonic() - started >= 0.3


def test_timeout_switch(sandbox, api):
    sandbox.timeout_rate = 1.0
    sandbox.timeout_sleep = 1.0
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.session.post(sandbox.url + "2.0/order/searchOrder/", json={}, timeout=0.3)
    sandbox.timeout_rate = 0.0
    with requests.Session() as fresh:
        fresh.headers["Authorization"] = esa()
        assert (
            fresh.get(
                sandbox.url + "1.0/license-management/license-key/expiry-date",
                params={"licenseKey": "sandbox-key"},
                timeout=5,
            ).status_code
            == 200
        )


def test_faults_are_deterministic_per_seed():
    def run(seed):
        with RmsSandbox(seed=seed, clock=NOW) as sb:
            sb.error_rate_5xx = 0.5
            api = Api(sb)
            return [api.search().status_code for _ in range(30)]

    first = run(3)
    assert first == run(3)
    assert set(first) >= {200} and set(first) & {500, 503}
    assert first != run(4)


def test_calls_count_every_request_by_endpoint(sandbox, api):
    (number,) = make(sandbox, progress={100: 1.0}, postage_undetermined=0)
    api.search()
    api.get_order([number])
    api.post("confirmOrder", {"orderNumberList": [number]})
    api.post("getPayment", {"orderNumber": number, "version": 4})
    api.license()
    requests.post(
        sandbox.url + "2.0/order/getOrder/", json={}, timeout=5
    )  # 401, still counted
    sandbox.error_rate_5xx = 1.0
    api.search()  # 5xx, still counted
    assert sandbox.calls == Counter(
        {
            "searchOrder": 2,
            "getOrder": 2,
            "confirmOrder": 1,
            "getPayment": 1,
            "licenseExpiry": 1,
        }
    )
    sandbox.reset_counters()
    assert sandbox.calls == Counter()


# ---------------------------------------------------------------------------
# generator
# ---------------------------------------------------------------------------
def check_amounts(order):
    """Recompute an order's money from its lines (independently of the sandbox code)."""
    items = [i for p in order["PackageModelList"] for i in p["ItemModelList"]]
    wrapping = sum(
        (w or {}).get("price") or 0
        for w in (order["WrappingModel1"], order["WrappingModel2"])
    )
    items_total = sum(i["priceTaxIncl"] * i["units"] for i in items)
    assert order["goodsPrice"] == items_total + wrapping
    assert (
        sum(p["goodsPrice"] for p in order["PackageModelList"]) == order["goodsPrice"]
    )
    for item in items:
        assert item["taxRate"] in (0.1, 0.08)
        assert item["includeTaxFlag"] == 1 and item["price"] == item["priceTaxIncl"]
    coupons = order["CouponModelList"]
    shop = sum(c["couponTotalPrice"] for c in coupons if c["couponCapitalCode"] == 1)
    other = sum(c["couponTotalPrice"] for c in coupons if c["couponCapitalCode"] != 1)
    assert (
        order["couponShopPrice"],
        order["couponOtherPrice"],
        order["couponAllTotalPrice"],
    ) == (shop, other, shop + other)
    for coupon in coupons:
        assert (
            coupon["couponTotalPrice"] == coupon["couponPrice"] * coupon["couponUnit"]
        )
    assert order["drugFlag"] == int(any(i["drugFlag"] for i in items))
    settlement = order["SettlementModel"]
    if settlement["settlementMethodCode"] == 2:
        assert settlement["rpaySettlementFlag"] == 0 and order["deliveryPrice"] > 0
    else:
        assert settlement["rpaySettlementFlag"] == 1 and order["deliveryPrice"] == 0
    if order["postagePrice"] == -9999:
        assert order["totalPrice"] == order["requestPrice"] == -9999
        assert all(p["postagePrice"] == -9999 for p in order["PackageModelList"])
        return
    assert order["postagePrice"] == sum(
        p["postagePrice"] for p in order["PackageModelList"]
    )
    assert order["totalPrice"] == order["goodsPrice"] + order["postagePrice"]
    for package in order["PackageModelList"]:
        assert package["totalPrice"] == package["goodsPrice"] + package["postagePrice"]
    assert order["requestPrice"] == (
        order["totalPrice"]
        + order["deliveryPrice"]
        + order["paymentCharge"]
        + order["additionalFeeOccurAmountToUser"]
        - order["couponAllTotalPrice"]
        - order["PointModel"]["usedPoint"]
    )
    assert order["requestPrice"] >= 0
    summaries = order["TaxSummaryModelList"]
    assert (
        sum(s["reqPrice"] for s in summaries)
        == order["requestPrice"] + order["PointModel"]["usedPoint"]
    )
    assert sum(s["couponPrice"] for s in summaries) == order["couponAllTotalPrice"]
    for summary in summaries:
        pct = round(summary["taxRate"] * 100)
        assert summary["reqPriceTax"] == summary["reqPrice"] * pct // (100 + pct)
        assert summary["point"] == 0


def test_generated_orders_cover_every_kind_with_consistent_amounts(sandbox):
    numbers = make(sandbox, 500)
    assert len(set(numbers)) == 500
    orders = [sandbox.orders[n] for n in numbers]
    for order in orders:
        check_amounts(order)
        assert (
            NOW - timedelta(hours=24)
            <= datetime.strptime(order["orderDatetime"], "%Y-%m-%dT%H:%M:%S%z")
            <= NOW
        )
    items = [
        i for o in orders for p in o["PackageModelList"] for i in p["ItemModelList"]
    ]
    settlement = Counter(
        (
            o["SettlementModel"]["settlementMethodCode"],
            o["SettlementModel"]["rpaySettlementFlag"],
        )
        for o in orders
    )
    assert set(settlement) == {(1, 1), (9, 1), (21, 1), (2, 0)}
    assert {o["orderType"] for o in orders} == {1, 4, 5, 6}
    assert all(o["reserveNumber"] for o in orders if o["orderType"] in (4, 5, 6))
    assert {len(o["PackageModelList"]) for o in orders} == {1, 2, 3}
    assert {o["orderProgress"] for o in orders} >= {100, 200, 300, 500, 800, 900}
    assert any(o["asurakuFlag"] == 1 for o in orders)
    assert any(o["drugFlag"] == 1 for o in orders)
    assert any(o["postagePrice"] == -9999 for o in orders)
    assert any(o["remarks"] for o in orders)
    assert {c["couponCapitalCode"] for o in orders for c in o["CouponModelList"]} == {
        1,
        3,
    }
    assert any(o["PointModel"]["usedPoint"] > 0 for o in orders)
    assert any(o["WrappingModel1"] for o in orders)
    assert {i["taxRate"] for i in items} == {0.1, 0.08}
    assert any(
        len({i["taxRate"] for p in o["PackageModelList"] for i in p["ItemModelList"]})
        == 2
        for o in orders
    )
    assert len({o["OrdererModel"]["prefecture"] for o in orders}) == 47
    assert all(
        o["shippingCmplRptDatetime"] and o["PackageModelList"][0]["ShippingModelList"]
        for o in orders
        if o["orderProgress"] == 500
    )
    assert all(
        o["ChangeReasonModelList"] for o in orders if o["orderProgress"] in (800, 900)
    )
    basket_ids = [p["basketId"] for o in orders for p in o["PackageModelList"]]
    assert len(basket_ids) == len(set(basket_ids))
    assert len({i["itemDetailId"] for i in items}) == len(items)


def test_generator_is_deterministic_per_seed():
    def orders(seed):
        sb = RmsSandbox(seed=seed, clock=NOW)
        sb.generate_orders(50)
        return json.dumps(sb.orders, sort_keys=True)

    assert orders(11) == orders(11)
    assert orders(11) != orders(12)


def test_generator_mix_and_hours(sandbox):
    numbers = sandbox.generate_orders(
        30,
        mix={
            "payment": {"cod": 1.0},
            "progress": {300: 1.0},
            "postage_undetermined": 0,
        },
        hours=2,
    )
    for number in numbers:
        order = sandbox.orders[number]
        assert (
            order["SettlementModel"]["settlementMethodCode"] == 2
            and order["orderProgress"] == 300
        )
        assert NOW - timedelta(hours=2) <= datetime.strptime(
            order["orderDatetime"], "%Y-%m-%dT%H:%M:%S%z"
        )


def test_add_order_full_and_partial(sandbox, api):
    (template,) = make(sandbox)
    copy_of = json.loads(json.dumps(sandbox.orders[template]))
    copy_of["orderNumber"] = "999999-20250610-12345601"
    assert sandbox.add_order(copy_of) == "999999-20250610-12345601"
    served = api.one("999999-20250610-12345601")
    assert [p["ItemModelList"] for p in served["PackageModelList"]] == [
        p["ItemModelList"] for p in copy_of["PackageModelList"]
    ]
    assert served["OrdererModel"] == copy_of["OrdererModel"]
    number = sandbox.add_order(orderProgress=300, remarks="テスト備考")
    order = api.one(number)
    assert order["orderProgress"] == 300 and order["remarks"] == "テスト備考"
    check_amounts(order)
    with pytest.raises(ValueError):
        sandbox.add_order(copy_of)


def test_set_progress_stamps_dates(sandbox):
    (number,) = make(sandbox, progress={100: 1.0})
    sandbox.set_progress(number, 500)
    order = sandbox.orders[number]
    assert order["orderProgress"] == 500
    assert (
        order["shopOrderCfmDatetime"]
        and order["orderFixDatetime"]
        and order["shippingCmplRptDatetime"]
    )
    with pytest.raises(ValueError):
        sandbox.set_progress(number, 150)


def test_2500_orders_generated_and_served():
    """2,500 orders are listed over the pages and served by getOrder, each once (how fast:
    tools/bench_client.py prints it)."""
    with RmsSandbox(seed=1) as sb:
        sb.generate_orders(2500)
        api = Api(sb)
        now = sb.now()
        numbers, page = [], 1
        while True:
            body = api.search(
                start=now - timedelta(days=2),
                end=now,
                PaginationRequestModel={
                    "requestRecordsAmount": 1000,
                    "requestPage": page,
                },
            ).json()
            numbers += body["orderNumberList"]
            if page >= body["PaginationResponseModel"]["totalPages"]:
                break
            page += 1
        orders = [
            o
            for i in range(0, len(numbers), 100)
            for o in api.get_order(numbers[i : i + 100])
        ]
    assert len(orders) == 2500 and len(set(numbers)) == 2500


# ---------------------------------------------------------------------------
# command line and independence
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [[SANDBOX_SOURCE], ["-m", "tools.rms_sandbox"]],
    ids=["python tools/rms_sandbox", "python -m tools.rms_sandbox"],
)
def test_command_line_runs_a_demo_server(command):
    process = subprocess.Popen(
        [sys.executable, *command, "--port", "0", "--orders", "5"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("RMS sandbox listening on http://127.0.0.1:")
        url = line.split()[-1]
        credentials = process.stdout.readline()
        assert "sandbox-secret" in credentials and "sandbox-key" in credentials
        response = requests.post(
            url + "2.0/order/searchOrder/",
            headers={"Authorization": esa()},
            timeout=5,
            json={
                "dateType": 1,
                "startDatetime": fmt_dt(datetime.now(JST) - timedelta(days=2)),
                "endDatetime": fmt_dt(datetime.now(JST)),
            },
        )
        assert response.json()["PaginationResponseModel"]["totalRecordsAmount"] == 5
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def test_sandbox_imports_only_the_standard_library():
    modules = set()
    for path in Path(SANDBOX_SOURCE).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif (
                isinstance(node, ast.ImportFrom) and node.level == 0
            ):  # relative: the package itself
                if (
                    node.module != "tools.rms_sandbox.state"
                ):  # the script form's own import
                    modules.add(node.module.split(".")[0])
    assert modules and modules <= set(sys.stdlib_module_names), modules - set(
        sys.stdlib_module_names
    )
