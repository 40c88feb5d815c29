"""End-to-end: rms.client.RmsClient against tools.rms_sandbox.RmsSandbox over real HTTP.

The sandbox is an independent emulator (stdlib only, it never imports rms/), and every call
count below is read from the sandbox's own ``calls`` counter, i.e. what really reached the
server, retries included. The client runs without pacing and without backoff so the suite
stays fast; pacing and backoff timings are covered by test_client.py.
"""

import base64
import logging
import math
import random
import time
import traceback
from datetime import date, datetime, timedelta

import pytest

import rms.client as client_module
from rms.client import JST as CLIENT_JST
from rms.client import OrderResult, RmsClient
from rms.exceptions import (
    RmsAuthError,
    RmsBadRequestError,
    RmsError,
    RmsRateLimitError,
    RmsResponseError,
    RmsServerError,
)
from tools.rms_sandbox import JST, RmsSandbox

NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=JST)
SECRET = "SP999999_sbxSERVICEsecret4711"
LICENSE = "SL999999_sbxLICENSEkey0815xyz"
TOKEN = base64.b64encode(f"{SECRET}:{LICENSE}".encode()).decode()
CREDENTIALS = (SECRET, LICENSE, TOKEN)
IMPORT_PROGRESS = [100, 200, 300]
IMPORT_TYPES = [1, 4, 6]


# ---------------------------------------------------------------------------------------------
# fixtures and helpers
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def sandbox():
    box = RmsSandbox(
        SECRET, LICENSE, seed=20260310, clock=NOW, license_expiry=date(2026, 5, 31)
    )
    box.start()
    try:
        yield box
    finally:
        box.stop()


def make_client(sandbox, **kwargs):
    options = dict(min_interval=0, backoff_factor=0, max_retries=4, timeout=(5, 10))
    options.update(kwargs)
    return RmsClient(SECRET, LICENSE, sandbox.url, **options)


@pytest.fixture
def client(sandbox):
    with make_client(sandbox) as rms_client:
        yield rms_client


def rms_dt(text):
    """Independent reading of an RMS datetime string (not the client's parser)."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z") if text else None


def matching(sandbox, start, end, progress=None, types=None):
    """Order numbers of the sandbox's state matching searchOrder criteria (dateType 1)."""
    found = set()
    for number, order in sandbox.orders.items():
        ordered = rms_dt(order["orderDatetime"])
        if not start <= ordered <= end:
            continue
        if progress is not None and order["orderProgress"] not in progress:
            continue
        if types is not None and order["orderType"] not in types:
            continue
        found.add(number)
    return found


def postage_open(order):
    return order["postagePrice"] == -9999 or any(
        p["postagePrice"] == -9999 for p in order["PackageModelList"]
    )


def pick(sandbox, predicate, count):
    numbers = sorted(n for n, o in sandbox.orders.items() if predicate(o))
    assert len(numbers) >= count, "the generated data set is too small for this test"
    return numbers[:count]


def fail_first(monkeypatch, sandbox, attribute, failures):
    """Turn a fault switch on for the first ``failures`` requests served, then off."""
    original = sandbox._handle
    served = [0]

    def handle(*args, **kwargs):
        setattr(sandbox, attribute, 1.0 if served[0] < failures else 0.0)
        served[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(sandbox, "_handle", handle)
    return served


# ---------------------------------------------------------------------------------------------
# searchOrder + getOrder at volume
# ---------------------------------------------------------------------------------------------


def test_2500_orders_listed_in_3_searches_and_fetched_in_25_get_orders(sandbox, client):
    numbers = sandbox.generate_orders(2500, now=NOW, hours=24)
    # orders of the day before: outside the window, must not be listed
    older = sandbox.generate_orders(200, now=NOW - timedelta(hours=25), hours=24)
    sandbox.reset_counters()

    listed = client.search_order(NOW - timedelta(hours=24), NOW)

    assert len(listed) == len(set(listed)) == 2500
    assert set(listed) == set(numbers)
    assert not set(listed) & set(older)
    assert sandbox.calls["searchOrder"] == 3  # pages of 1,000
    # RMS order (ascending order date) is kept
    dates = [rms_dt(sandbox.orders[n]["orderDatetime"]) for n in listed]
    assert dates == sorted(dates)

    orders = client.get_order(listed)

    assert sandbox.calls["getOrder"] == 25  # chunks of 100
    assert [o["orderNumber"] for o in orders] == listed
    for model in orders:
        stored = sandbox.orders[model["orderNumber"]]
        assert model["orderProgress"] == stored["orderProgress"]
        assert model["requestPrice"] == stored["requestPrice"]
        assert (
            model["PackageModelList"][0]["basketId"]
            == stored["PackageModelList"][0]["basketId"]
        )
    assert dict(sandbox.calls) == {"searchOrder": 3, "getOrder": 25}
    assert client.stats == {"searchOrder": 3, "getOrder": 25}


def test_search_with_import_criteria_lists_exactly_the_matching_orders(sandbox, client):
    sandbox.generate_orders(2500, now=NOW, hours=24)
    sandbox.generate_orders(300, now=NOW - timedelta(hours=25), hours=24)
    start, end = NOW - timedelta(hours=24), NOW
    expected = matching(sandbox, start, end, IMPORT_PROGRESS, IMPORT_TYPES)
    assert 1000 < len(expected) < 2500  # the filters really exclude something
    sandbox.reset_counters()

    listed = client.search_order(
        start,
        end,
        date_type=1,
        order_progress_list=IMPORT_PROGRESS,
        order_type_list=IMPORT_TYPES,
    )

    assert set(listed) == expected and len(listed) == len(expected)
    assert sandbox.calls["searchOrder"] == math.ceil(len(expected) / 1000) <= 3


def test_naive_datetimes_mean_utc(sandbox, client):
    sandbox.generate_orders(50, now=NOW, hours=24)
    sandbox.reset_counters()
    utc_start = (NOW - timedelta(hours=24)).astimezone(CLIENT_JST).replace(
        tzinfo=None
    ) - timedelta(hours=9)
    utc_end = NOW.replace(tzinfo=None) - timedelta(hours=9)

    listed = client.search_order(utc_start, utc_end)

    assert set(listed) == set(sandbox.orders)
    assert sandbox.calls["searchOrder"] == 1


def test_70_day_window_is_split_into_2_searches(sandbox, client):
    sandbox.generate_orders(400, now=NOW, hours=70 * 24)
    start = NOW - timedelta(days=70)
    expected = matching(sandbox, start, NOW)
    # orders on both sides of the 63-day cut
    cut = start + timedelta(days=63)
    assert any(rms_dt(sandbox.orders[n]["orderDatetime"]) < cut for n in expected)
    assert any(rms_dt(sandbox.orders[n]["orderDatetime"]) > cut for n in expected)
    sandbox.reset_counters()

    listed = client.search_order(start, NOW)

    assert set(listed) == expected and len(listed) == len(expected) == 400
    assert sandbox.calls["searchOrder"] == 2


def test_window_beyond_the_reachable_records_is_split(sandbox, client, monkeypatch):
    # The 15,000-record ceiling scaled down to 1,000 on both sides, to exercise the split.
    monkeypatch.setattr(client_module, "MAX_SEARCH_RESULTS", 1000)
    sandbox.max_reachable_records = 1000
    numbers = sandbox.generate_orders(2500, now=NOW, hours=24)
    sandbox.reset_counters()

    listed = client.search_order(NOW - timedelta(hours=24), NOW)

    assert set(listed) == set(numbers) and len(listed) == 2500
    assert 3 < sandbox.calls["searchOrder"] <= 12


def test_get_order_reports_unknown_numbers_without_raising(sandbox, client):
    numbers = sandbox.generate_orders(3, now=NOW)
    orders, messages = client.get_order_detailed(
        numbers + ["999999-20260310-9999999901"]
    )
    assert sorted(o["orderNumber"] for o in orders) == sorted(numbers)
    errors = [m for m in messages if m.is_error]
    assert [m.order_number for m in errors] == ["999999-20260310-9999999901"]
    assert sandbox.calls["getOrder"] == 1


# ---------------------------------------------------------------------------------------------
# confirmOrder
# ---------------------------------------------------------------------------------------------


def test_confirm_150_orders_in_2_calls_with_per_order_refusals(sandbox, client):
    sandbox.generate_orders(900, now=NOW, mix={"postage_undetermined": 0.05})
    confirmable = pick(
        sandbox, lambda o: o["orderProgress"] == 100 and not postage_open(o), 120
    )
    moved_on = pick(sandbox, lambda o: o["orderProgress"] in (200, 300, 500), 12)
    cancelled = pick(sandbox, lambda o: o["orderProgress"] in (800, 900), 9)
    no_postage = pick(
        sandbox, lambda o: o["orderProgress"] == 100 and postage_open(o), 9
    )
    numbers = confirmable + moved_on + cancelled + no_postage
    random.Random(5).shuffle(numbers)
    before = {n: sandbox.orders[n]["orderProgress"] for n in numbers}
    assert len(numbers) == 150
    sandbox.reset_counters()

    results = client.confirm_order(numbers)

    assert sandbox.calls["confirmOrder"] == 2
    assert [r.order_number for r in results] == numbers
    assert all(isinstance(r, OrderResult) for r in results)
    by_number = {r.order_number: r for r in results}
    for number in confirmable:
        assert by_number[number].ok, by_number[number].messages
        assert sandbox.orders[number]["orderProgress"] == 200
        assert rms_dt(sandbox.orders[number]["shopOrderCfmDatetime"]) == NOW
    refused = {
        "already moved on": moved_on,
        "cancelled": cancelled,
        "postage open": no_postage,
    }
    codes = {}
    for why, group in refused.items():
        for number in group:
            result = by_number[number]
            assert not result.ok, why
            assert len(result.errors) == 1 and result.errors[0].order_number == number
            assert sandbox.orders[number]["orderProgress"] == before[number], why
            codes.setdefault(why, set()).add(result.errors[0].message_code)
    # each kind of refusal is told apart by its own code
    assert all(len(c) == 1 for c in codes.values())
    assert len(set().union(*codes.values())) == 3

    # what getOrder now says agrees
    sandbox.reset_counters()
    progress = {o["orderNumber"]: o["orderProgress"] for o in client.get_order(numbers)}
    assert sandbox.calls["getOrder"] == 2
    assert {n for n, p in progress.items() if p == 200 and before[n] == 100} == set(
        confirmable
    )


# ---------------------------------------------------------------------------------------------
# shipping
# ---------------------------------------------------------------------------------------------


def one_basket_order(sandbox, progress=300):
    number = pick(
        sandbox,
        lambda o: (
            o["orderProgress"] == progress
            and len(o["PackageModelList"]) == 1
            and not o["PackageModelList"][0]["ShippingModelList"]
        ),
        1,
    )[0]
    return number, sandbox.orders[number]["PackageModelList"][0]["basketId"]


def test_update_order_shipping_adds_then_updates_the_same_row(sandbox, client):
    sandbox.generate_orders(200, now=NOW)
    number, basket = one_basket_order(sandbox)
    sandbox.reset_counters()

    added = client.update_order_shipping(
        number,
        [{"basketId": basket, "ShippingModelList": [{"deliveryCompany": "1000"}]}],
    )

    assert added.ok and added.order_number == number
    [info] = added.messages
    assert (
        info.message_type == "INFO"
        and info.data_number == 1
        and info.basket_id == basket
    )
    row_id = info.shipping_detail_id
    assert isinstance(row_id, int) and row_id > 0

    updated = client.update_order_shipping(
        number,
        [
            {
                "basketId": basket,
                "ShippingModelList": [
                    {
                        "shippingDetailId": row_id,
                        "deliveryCompany": "1001",
                        "shippingNumber": "123456789012",
                        "shippingDate": date(2026, 3, 10),
                    }
                ],
            }
        ],
    )

    assert updated.ok
    assert [m.shipping_detail_id for m in updated.messages] == [row_id]
    [model] = client.get_order([number])
    rows = model["PackageModelList"][0]["ShippingModelList"]
    assert rows == [
        {
            "shippingDetailId": row_id,
            "shippingNumber": "123456789012",
            "deliveryCompany": "1001",
            "deliveryCompanyName": "ヤマト運輸",
            "shippingDate": "2026-03-10",
        }
    ]
    assert sandbox.calls == {"updateOrderShipping": 2, "getOrder": 1}


def test_update_order_shipping_error_raises_and_changes_nothing(sandbox, client):
    sandbox.generate_orders(200, now=NOW)
    number, basket = one_basket_order(sandbox)
    with pytest.raises(RmsBadRequestError) as info:
        client.update_order_shipping(
            number,
            [
                {
                    "basketId": basket,
                    "ShippingModelList": [
                        {"deliveryCompany": "1001", "shippingNumber": "1"},
                        {"shippingDetailId": 987654321, "shippingNumber": "2"},
                    ],
                }
            ],
        )
    assert info.value.http_status == 400
    assert [m.data_number for m in info.value.messages if m.is_error] == [2]
    assert sandbox.orders[number]["PackageModelList"][0]["ShippingModelList"] == []
    assert sandbox.calls["updateOrderShipping"] == 1


def test_async_shipping_update_then_poll_for_the_result(sandbox, client):
    sandbox.generate_orders(300, now=NOW)
    sandbox.async_delay_polls = 1
    ready = pick(sandbox, lambda o: o["orderProgress"] == 300, 3)
    cancelled = pick(sandbox, lambda o: o["orderProgress"] == 900, 1)
    entries = [
        {
            "orderNumber": n,
            "BasketidModelList": [
                {
                    "basketId": p["basketId"],
                    "ShippingModelList": [
                        {
                            "deliveryCompany": "1002",
                            "shippingNumber": "55500%07d" % i,
                            "shippingDate": date(2026, 3, 10),
                        }
                    ],
                }
                for p in sandbox.orders[n]["PackageModelList"]
            ],
        }
        for i, n in enumerate(ready + cancelled)
    ]
    sandbox.reset_counters()

    [request_id] = client.update_order_shipping_async(entries)
    assert request_id

    first = client.get_result_update_order_shipping_async(request_id)
    assert first == []  # not finished yet
    second = client.get_result_update_order_shipping_async(request_id)

    assert sorted(r.order_number for r in second) == sorted(ready + cancelled)
    by_number = {r.order_number: r for r in second}
    for number in ready:
        assert by_number[number].ok
        assert by_number[number].messages[0].shipping_detail_id
        rows = [
            s
            for p in sandbox.orders[number]["PackageModelList"]
            for s in p["ShippingModelList"]
        ]
        assert {s["deliveryCompany"] for s in rows} == {"1002"}
    assert not by_number[cancelled[0]].ok
    assert sandbox.calls == {
        "updateOrderShippingAsync": 1,
        "getResultUpdateOrderShippingAsync": 2,
    }


def test_async_shipping_update_of_150_orders_takes_2_calls(sandbox, client):
    sandbox.generate_orders(700, now=NOW)
    numbers = pick(sandbox, lambda o: o["orderProgress"] in (100, 200, 300), 150)
    entries = [
        {
            "orderNumber": n,
            "BasketidModelList": [
                {
                    "basketId": p["basketId"],
                    "ShippingModelList": [{"deliveryCompany": "1000"}],
                }
                for p in sandbox.orders[n]["PackageModelList"]
            ],
        }
        for n in numbers
    ]
    sandbox.reset_counters()

    ids = client.update_order_shipping_async(entries)

    assert len(ids) == len(set(ids)) == 2
    assert sandbox.calls["updateOrderShippingAsync"] == 2
    results = [
        r for rid in ids for r in client.get_result_update_order_shipping_async(rid)
    ]
    assert sorted(r.order_number for r in results) == sorted(numbers)
    assert all(r.ok for r in results)


# ---------------------------------------------------------------------------------------------
# cancel, payment, license
# ---------------------------------------------------------------------------------------------


def test_cancel_order_moves_it_to_800(sandbox, client):
    sandbox.generate_orders(100, now=NOW)
    number = pick(sandbox, lambda o: o["orderProgress"] == 100, 1)[0]

    result = client.cancel_order(number, inventory_restore_type=1, reason_code=8)

    assert result.ok and result.order_number == number
    [model] = client.get_order([number])
    assert model["orderProgress"] == 800
    assert model["ChangeReasonModelList"][-1]["changeReasonDetail"] == 8

    shipped = pick(sandbox, lambda o: o["orderProgress"] == 500, 1)[0]
    with pytest.raises(RmsBadRequestError):
        client.cancel_order(shipped, inventory_restore_type=1, reason_code=8)
    assert sandbox.orders[shipped]["orderProgress"] == 500
    assert sandbox.calls["cancelOrder"] == 2


def test_get_payment(sandbox, client):
    sandbox.generate_orders(200, now=NOW)
    number = pick(
        sandbox,
        lambda o: (
            o["orderProgress"] == 300
            and o["SettlementModel"]["settlementMethodCode"] == 1
        ),
        1,
    )[0]

    model = client.get_payment(number)

    assert model["orderNumber"] == number
    [payment] = model["PaymentModelList"]
    assert payment["paymentStatus"] == 30600
    assert payment["paymentAmount"] == sandbox.orders[number]["requestPrice"]
    assert sandbox.calls["getPayment"] == 1
    with pytest.raises(RmsBadRequestError):
        client.get_payment("999999-20260310-9999999901")


def test_license_expiry(sandbox, client):
    expiry = client.get_license_expiry()
    assert expiry == datetime(2026, 5, 31, 23, 59, 59, tzinfo=JST)
    assert expiry.utcoffset() == timedelta(hours=9)
    assert sandbox.calls == {"licenseExpiry": 1}


def test_license_past_its_expiry_date_is_an_auth_error_without_retry(sandbox, client):
    sandbox.clock = datetime(2026, 6, 1, 0, 0, 1, tzinfo=JST)
    with pytest.raises(RmsAuthError) as info:
        client.search_order(sandbox.clock - timedelta(hours=1), sandbox.clock)
    assert info.value.error_code == "ES01-01"
    assert sandbox.calls["searchOrder"] == 1


# ---------------------------------------------------------------------------------------------
# faults: retries and typed errors
# ---------------------------------------------------------------------------------------------


def test_5xx_is_retried_until_it_succeeds(sandbox, client, monkeypatch):
    sandbox.generate_orders(30, now=NOW)
    sandbox.reset_counters()
    fail_first(monkeypatch, sandbox, "error_rate_5xx", 3)

    listed = client.search_order(NOW - timedelta(hours=24), NOW)

    assert set(listed) == set(sandbox.orders)
    assert sandbox.calls["searchOrder"] == 4  # 3 failures + the success
    assert client.stats["searchOrder"] == 1  # one logical call


def test_5xx_exhausting_the_retries_is_a_server_error(sandbox, monkeypatch):
    sandbox.generate_orders(5, now=NOW)
    sandbox.reset_counters()
    fail_first(monkeypatch, sandbox, "error_rate_5xx", 100)
    with make_client(sandbox, max_retries=2) as rms_client:
        with pytest.raises(RmsServerError) as info:
            rms_client.get_order(list(sandbox.orders))
    assert info.value.http_status in (500, 503)
    assert sandbox.calls["getOrder"] == 3  # first try + 2 retries


def test_429_is_retried_and_retry_after_is_honoured(sandbox, client, monkeypatch):
    sandbox.retry_after = 1
    fail_first(monkeypatch, sandbox, "rate_limit_rate", 1)
    started = time.monotonic()
    assert client.get_license_expiry().date() == date(2026, 5, 31)
    assert time.monotonic() - started >= 0.9  # waited the Retry-After second
    assert sandbox.calls["licenseExpiry"] == 2


def test_429_exhausting_the_retries_is_a_rate_limit_error(sandbox, monkeypatch):
    fail_first(monkeypatch, sandbox, "rate_limit_rate", 100)
    with make_client(sandbox, max_retries=1) as rms_client:
        with pytest.raises(RmsRateLimitError):
            rms_client.get_license_expiry()
    assert sandbox.calls["licenseExpiry"] == 2


def test_timeout_is_retried(sandbox, monkeypatch):
    sandbox.generate_orders(5, now=NOW)
    sandbox.reset_counters()
    sandbox.timeout_sleep = 0.6
    fail_first(monkeypatch, sandbox, "timeout_rate", 1)
    with make_client(sandbox, timeout=(2, 0.3)) as rms_client:
        listed = rms_client.search_order(NOW - timedelta(hours=24), NOW)
    assert set(listed) == set(sandbox.orders)
    assert sandbox.calls["searchOrder"] == 2


def test_deterministic_5xx_rate_over_a_full_run(sandbox, client):
    numbers = sandbox.generate_orders(2500, now=NOW)
    sandbox.reset_counters()
    sandbox.error_rate_5xx = 0.2

    listed = client.search_order(NOW - timedelta(hours=24), NOW)
    orders = client.get_order(listed)

    assert set(listed) == set(numbers)
    assert len(orders) == 2500
    assert client.stats == {"searchOrder": 3, "getOrder": 25}
    retries = sum(sandbox.calls.values()) - 28
    assert retries > 0  # faults happened and were absorbed


def test_expired_license_is_an_auth_error_after_one_call(sandbox, client):
    sandbox.expired_license = True
    with pytest.raises(RmsAuthError) as info:
        client.search_order(NOW - timedelta(hours=1), NOW)
    assert info.value.error_code == "ES01-01" and info.value.http_status == 401
    assert "license key" in info.value.user_message
    assert dict(sandbox.calls) == {"searchOrder": 1}


def test_wrong_credentials_are_an_auth_error(sandbox):
    with RmsClient(
        SECRET, LICENSE + "x", sandbox.url, min_interval=0, backoff_factor=0
    ) as bad:
        with pytest.raises(RmsAuthError):
            bad.confirm_order(["999999-20260310-0000000101"])
    assert sandbox.calls["confirmOrder"] == 1


def test_api_disabled_is_an_auth_error_pointing_to_the_rms_setting(sandbox, client):
    sandbox.api_disabled = True
    with pytest.raises(RmsAuthError) as info:
        client.get_order(["999999-20260310-0000000101"])
    assert info.value.error_code == "ES04-01"
    assert info.value.user_code == "auth_ES04-01"
    assert "rpay.order" in info.value.user_message
    assert sandbox.calls["getOrder"] == 1


def test_malformed_json_is_a_response_error(sandbox, client):
    sandbox.generate_orders(20, now=NOW)
    sandbox.reset_counters()
    sandbox.malformed_json_rate = 1.0
    with pytest.raises(RmsResponseError):
        client.search_order(NOW - timedelta(hours=24), NOW)
    assert sandbox.calls["searchOrder"] == 1


# ---------------------------------------------------------------------------------------------
# secrets
# ---------------------------------------------------------------------------------------------


def assert_clean(text, where):
    for secret in CREDENTIALS:
        assert secret not in text, f"a credential leaked into {where}"


def test_no_credential_in_logs_errors_or_reprs(sandbox, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)  # root: every logger at DEBUG
    for name in (
        "urllib3",
        "urllib3.connectionpool",
        "urllib3.util.retry",
        "requests",
        "rms",
    ):
        caplog.set_level(logging.DEBUG, logger=name)  # restored after the test
    sandbox.generate_orders(150, now=NOW)
    errors = []
    with make_client(sandbox, max_retries=2) as rms_client:
        # a normal run, including the license call that carries the key in its query string
        listed = rms_client.search_order(NOW - timedelta(hours=24), NOW)
        rms_client.get_order(listed)
        rms_client.confirm_order(listed[:5])
        rms_client.get_license_expiry()
        # retried failures: urllib3 logs the URL (with licenseKey) on every retry
        fail_first(monkeypatch, sandbox, "error_rate_5xx", 2)
        rms_client.get_license_expiry()
        monkeypatch.undo()
        fail_first(monkeypatch, sandbox, "error_rate_5xx", 100)
        for call in (
            rms_client.get_license_expiry,
            lambda: rms_client.get_order(listed[:3]),
        ):
            with pytest.raises(RmsServerError) as info:
                call()
            errors.append(info.value)
        monkeypatch.undo()
        sandbox.error_rate_5xx = 0.0
        # typed errors
        for switch in ("expired_license", "api_disabled", "malformed_json_rate"):
            setattr(sandbox, switch, 1.0 if switch.endswith("rate") else True)
            for call in (
                rms_client.get_license_expiry,
                lambda: rms_client.search_order(NOW - timedelta(hours=1), NOW),
            ):
                with pytest.raises(RmsError) as info:
                    call()
                errors.append(info.value)
            setattr(sandbox, switch, 0.0 if switch.endswith("rate") else False)
        with pytest.raises(RmsBadRequestError) as info:
            rms_client.get_payment("999999-20260310-9999999901")
        errors.append(info.value)
        client_repr = (
            repr(rms_client) + repr(vars(rms_client)) + str(rms_client.pacer.__dict__)
        )

    assert len(errors) == 9
    assert {type(e) for e in errors} >= {
        RmsServerError,
        RmsAuthError,
        RmsResponseError,
        RmsBadRequestError,
    }
    assert any("licenseKey=" in r.getMessage() for r in caplog.records), (
        "urllib3 DEBUG lines were not captured: the check below would prove nothing"
    )
    assert any(
        r.name.startswith("urllib3") and "Retry" in r.getMessage()
        for r in caplog.records
    )
    assert_clean(caplog.text, "the captured log text")
    for record in caplog.records:
        assert_clean(record.getMessage(), f"log record {record.name}")
        assert_clean(repr(record.args), f"log record args {record.name}")
        assert_clean(str(record.exc_text or ""), f"log record traceback {record.name}")
    for error in errors:
        text = "".join(traceback.format_exception(error))
        assert_clean(
            str(error) + repr(error) + repr(error.args) + error.user_message + text,
            f"{type(error).__name__}",
        )
        assert_clean(repr(error.messages), "error messages")
    assert_clean(client_repr, "the client's repr")
    assert_clean(repr(sandbox), "the sandbox's repr")
