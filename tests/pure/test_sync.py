from datetime import date, datetime, timedelta

import pytest

from rms import sync
from rms.client import OrderResult, RmsMessage
from rms.codes import JST

NUMBER = "338123-20261128-0000012301"


def message(kind, code, text="", **extra):
    return RmsMessage(
        message_type=kind, message_code=code, message=text, order_number=NUMBER, **extra
    )


@pytest.mark.parametrize(
    "code, status",
    [
        ("ORDER_EXT_API_CONFIRM_ORDER_ERROR_102", sync.GIVE_UP),
        ("ORDER_EXT_API_CONFIRM_ORDER_ERROR_103", sync.CONFIRMED),
        ("ORDER_EXT_API_CONFIRM_ORDER_ERROR_105", sync.RETRY),
        ("ORDER_EXT_API_CONFIRM_ORDER_ERROR_999", sync.RETRY),
    ],
)
def test_confirm_errors_are_retried_only_where_it_can_help(code, status):
    outcome = sync.confirm_outcome(
        OrderResult(NUMBER, [message("ERROR", code, "refused")])
    )
    assert outcome.status == status
    assert code in str(outcome.reason)
    if status != sync.RETRY:  # our explanation, with RMS's own text as an argument
        assert outcome.reason.template in sync.REASONS.values()
        assert outcome.reason.args == {"rms_message": "%s: refused" % code}
    else:  # RMS's own text only
        assert outcome.reason == "%s: refused" % code


def test_confirm_info_is_confirmed():
    result = OrderResult(
        NUMBER, [message("INFO", "ORDER_EXT_API_CONFIRM_ORDER_INFO_101")]
    )
    assert sync.confirm_outcome(result) == sync.Outcome(sync.CONFIRMED)


def test_carrier_payload_sets_other_on_each_basket():
    assert sync.carrier_payload(["101", 102]) == [
        {"basketId": 101, "ShippingModelList": [{"deliveryCompany": "1000"}]},
        {"basketId": 102, "ShippingModelList": [{"deliveryCompany": "1000"}]},
    ]


def test_shipping_payload_overwrites_the_other_row_adds_and_deletes():
    day = date(2026, 11, 29)
    one = [sync.Parcel("1001", "1234-5678-9012", day)]
    assert sync.shipping_payload("101", [555], one) == [
        {
            "basketId": 101,
            "ShippingModelList": [
                {
                    "shippingDetailId": 555,
                    "deliveryCompany": "1001",
                    "shippingNumber": "1234-5678-9012",
                    "shippingDate": "2026-11-29",
                }
            ],
        }
    ]
    two = one + [sync.Parcel("1001", "1234-5678-9013", day)]
    rows = sync.shipping_payload("101", [555], two)[0]["ShippingModelList"]
    assert [r.get("shippingDetailId") for r in rows] == [555, None]
    rows = sync.shipping_payload("101", [555, 556, 557], one)[0]["ShippingModelList"]
    assert rows[1:] == [
        {"shippingDetailId": 556, "shippingDeleteFlag": 1},
        {"shippingDetailId": 557, "shippingDeleteFlag": 1},
    ]


@pytest.mark.parametrize(
    "parcels, error",
    [
        ([], "at least one parcel"),
        ([sync.Parcel("ヤマト運輸", "1", date(2026, 11, 29))], "carrier code"),
        ([sync.Parcel("1001", "9" * 121, date(2026, 11, 29))], "120"),
        ([sync.Parcel("1001", str(i), date(2026, 11, 29)) for i in range(21)], "20"),
    ],
)
def test_shipping_payload_refuses_what_rms_would_refuse(parcels, error):
    with pytest.raises(ValueError, match=error):
        sync.shipping_payload("101", [], parcels)


def test_shipping_payload_without_tracking_sends_a_dash():
    rows = sync.shipping_payload(7, [], [sync.Parcel("1000", "", date(2026, 11, 29))])
    assert rows[0]["ShippingModelList"][0]["shippingNumber"] == "-"


class FakeOrder:
    def __init__(self, progress, rakuten_pay=True, caution=0, confirm=False):
        self.order_progress = progress
        self.is_rakuten_pay = rakuten_pay
        self.caution_display_type = caution
        self.rakuten_confirm = confirm


@pytest.mark.parametrize(
    "order, approval, status, expected",
    [
        (FakeOrder(100), "10", None, (None, None, False)),
        (FakeOrder(200), "10", None, (None, None, False)),
        (FakeOrder(300), "10", None, ("2", "30", False)),
        (FakeOrder(500), "10", None, ("2", "30", False)),
        (FakeOrder(300), "10", 30100, (None, None, False)),
        (FakeOrder(300), "10", 30600, ("2", "30", False)),
        (FakeOrder(200), "10", 30400, (None, "90", True)),
        (FakeOrder(300), "30", 30700, (None, "90", True)),
        (FakeOrder(200, caution=1), "30", None, (None, "90", True)),
        (FakeOrder(200), "30", None, (None, None, False)),
        (FakeOrder(900), "10", 31500, (None, None, False)),
        (FakeOrder(300, rakuten_pay=False), "0", None, (None, None, False)),
    ],
)
def test_payment_update(order, approval, status, expected):
    update = sync.payment_update(order, approval, status)
    assert (update.payment_state, update.approval_state, update.refused) == expected
    assert bool(update.reason) == any(expected)


def test_license_status_warns_from_fourteen_days_before_expiry():
    expiry = datetime(2026, 12, 31, 23, 59, 59, tzinfo=JST)
    assert sync.license_status(expiry, expiry - timedelta(days=15)) == sync.LICENSE_OK
    assert (
        sync.license_status(expiry, expiry - timedelta(days=14)) == sync.LICENSE_WARNING
    )
    assert sync.license_status(expiry, expiry) == sync.LICENSE_WARNING
    assert (
        sync.license_status(expiry, expiry + timedelta(seconds=1))
        == sync.LICENSE_EXPIRED
    )
    assert sync.license_status(None, expiry) == sync.LICENSE_UNCHECKED


def test_license_status_without_key_or_refused():
    now = datetime(2026, 12, 1, 9, 0, tzinfo=JST)
    expiry = now + timedelta(days=60)
    assert sync.license_status(expiry, now, key_set=False) == sync.LICENSE_NOT_SET
    assert (
        sync.license_status(None, now, key_set=False, refused=True)
        == sync.LICENSE_NOT_SET
    )
    assert sync.license_status(expiry, now, refused=True) == sync.LICENSE_REFUSED
    assert sync.license_status(None, now, refused=True) == sync.LICENSE_REFUSED
    assert (
        sync.license_status(now - timedelta(days=1), now, refused=True)
        == sync.LICENSE_REFUSED
    )
    assert sync.LICENSE_BLOCKED == (sync.LICENSE_EXPIRED, sync.LICENSE_REFUSED)


def test_license_days_left():
    now = datetime(2026, 12, 1, 9, 0, tzinfo=JST)
    assert sync.license_days_left(now + timedelta(days=10, hours=3), now) == 10
    assert sync.license_days_left(now + timedelta(hours=3), now) == 0
    assert sync.license_days_left(now - timedelta(hours=3), now) == 0
