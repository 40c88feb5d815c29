"""Import rules of the spec (rms/rules.py), one table row per rule and branch."""

import dataclasses
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from freezegun import freeze_time

from rms.messages import Message
from rms.order import JST, parse_order
from rms.rules import (
    MESSAGES,
    PAYMENT_RAKUTEN_PAY,
    REASONS,
    Decision,
    RuleResult,
    ShopOptions,
    decide,
    search_criteria,
    search_window,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
IMPORT, PROVISIONAL, DEFER, SKIP = (
    Decision.IMPORT,
    Decision.PROVISIONAL,
    Decision.DEFER,
    Decision.SKIP,
)


def load(name):
    return parse_order(
        json.loads((FIXTURES / ("order_%s.json" % name)).read_text(encoding="utf-8"))
    )


# 楽天ペイ card order at 100, ordered 2025-03-01 10:15 JST
BASE = load("rpay_card")


def make(
    progress=100,
    rpay=1,
    order_type=1,
    asuraku=False,
    drug=False,
    postage=550,
    package_postage=550,
):
    """The base order with the attributes the rules look at replaced."""
    package = dataclasses.replace(BASE.packages[0], postage_price=package_postage)
    settlement = dataclasses.replace(
        BASE.settlement,
        rpay_settlement_flag=rpay,
        method_code=1 if rpay else 2,
        method_name="クレジットカード" if rpay else "代金引換",
    )
    return dataclasses.replace(
        BASE,
        order_progress=progress,
        order_type=order_type,
        asuraku=asuraku,
        drug=drug,
        postage_price=postage,
        packages=(package,),
        settlement=settlement,
    )


def after(order, minutes):
    return order.order_datetime + timedelta(minutes=minutes)


DEFAULT = ShopOptions
MANUAL = ShopOptions(manual_confirm=True)

# (id, order attributes, options, minutes since the order, decision, code)
ROWS = [
    # 楽天ペイ (rpaySettlementFlag 1) at 100/200/300: import
    ("rpay-100", dict(progress=100), DEFAULT(), 120, IMPORT, "import"),
    ("rpay-200", dict(progress=200), DEFAULT(), 120, IMPORT, "import"),
    ("rpay-300", dict(progress=300), DEFAULT(), 120, IMPORT, "import"),
    # 選択制決済 at 100/200: defer; at 300: import
    (
        "selective-100",
        dict(progress=100, rpay=0),
        DEFAULT(),
        120,
        DEFER,
        "selective_payment_waiting",
    ),
    (
        "selective-200",
        dict(progress=200, rpay=0),
        DEFAULT(),
        120,
        DEFER,
        "selective_payment_waiting",
    ),
    ("selective-300", dict(progress=300, rpay=0), DEFAULT(), 120, IMPORT, "import"),
    # order types
    ("type-1-normal", dict(order_type=1), DEFAULT(), 120, IMPORT, "import"),
    ("type-4-subscription", dict(order_type=4), DEFAULT(), 120, IMPORT, "import"),
    (
        "type-5-distribution-club",
        dict(order_type=5),
        DEFAULT(),
        120,
        SKIP,
        "order_type_distribution_club",
    ),
    (
        "type-5-even-with-reservations-on",
        dict(order_type=5),
        DEFAULT(import_reserved_orders=True),
        120,
        SKIP,
        "order_type_distribution_club",
    ),
    (
        "type-6-reservation-off",
        dict(order_type=6),
        DEFAULT(),
        120,
        SKIP,
        "reservation_disabled",
    ),
    (
        "type-6-reservation-on",
        dict(order_type=6),
        DEFAULT(import_reserved_orders=True),
        120,
        IMPORT,
        "import",
    ),
    ("type-2-unknown", dict(order_type=2), DEFAULT(), 120, SKIP, "order_type_unknown"),
    # 送料未確定
    (
        "postage-undetermined",
        dict(postage=-9999, package_postage=-9999),
        DEFAULT(),
        120,
        DEFER,
        "postage_undetermined",
    ),
    (
        "postage-undetermined-package-only",
        dict(package_postage=-9999),
        DEFAULT(),
        120,
        DEFER,
        "postage_undetermined",
    ),
    # 第一類医薬品 (※2)
    ("drug-off", dict(drug=True), DEFAULT(), 120, SKIP, "drug_disabled"),
    (
        "drug-on",
        dict(drug=True),
        DEFAULT(import_drug_orders=True),
        120,
        IMPORT,
        "import",
    ),
    # 30 minutes for non-あす楽 orders
    ("wait-29-min", dict(), DEFAULT(), 29, DEFER, "cancellation_window"),
    ("wait-31-min", dict(), DEFAULT(), 31, IMPORT, "import"),
    ("wait-exactly-30-min", dict(), DEFAULT(), 30, IMPORT, "import"),
    (
        "wait-custom-45-at-31",
        dict(),
        DEFAULT(wait_minutes=45),
        31,
        DEFER,
        "cancellation_window",
    ),
    ("wait-zero", dict(), DEFAULT(wait_minutes=0), 0, IMPORT, "import"),
    ("asuraku-1-min", dict(asuraku=True), DEFAULT(), 1, IMPORT, "import"),
    (
        "asuraku-selective-300-1-min",
        dict(asuraku=True, progress=300, rpay=0),
        DEFAULT(),
        1,
        IMPORT,
        "import",
    ),
    # ※3 manual confirmation: provisional at 100, import at 200/300
    ("manual-rpay-100", dict(progress=100), MANUAL, 120, PROVISIONAL, "provisional"),
    (
        "manual-rpay-100-no-wait",
        dict(progress=100),
        MANUAL,
        1,
        PROVISIONAL,
        "provisional",
    ),
    ("manual-rpay-200", dict(progress=200), MANUAL, 120, IMPORT, "import"),
    ("manual-rpay-300", dict(progress=300), MANUAL, 120, IMPORT, "import"),
    (
        "manual-rpay-200-still-waits",
        dict(progress=200),
        MANUAL,
        10,
        DEFER,
        "cancellation_window",
    ),
    (
        "manual-selective-100",
        dict(progress=100, rpay=0),
        MANUAL,
        120,
        PROVISIONAL,
        "provisional",
    ),
    (
        "manual-selective-200",
        dict(progress=200, rpay=0),
        MANUAL,
        120,
        PROVISIONAL,
        "provisional",
    ),
    ("manual-selective-300", dict(progress=300, rpay=0), MANUAL, 120, IMPORT, "import"),
    # RMS statuses
    ("progress-400", dict(progress=400), DEFAULT(), 120, DEFER, "change_pending"),
    ("progress-500", dict(progress=500), DEFAULT(), 120, SKIP, "already_shipped"),
    ("progress-600", dict(progress=600), DEFAULT(), 120, SKIP, "already_shipped"),
    ("progress-700", dict(progress=700), DEFAULT(), 120, SKIP, "already_shipped"),
    ("progress-800", dict(progress=800), DEFAULT(), 120, SKIP, "cancelled"),
    ("progress-900", dict(progress=900), DEFAULT(), 120, SKIP, "cancelled"),
    (
        "progress-150-unknown",
        dict(progress=150),
        DEFAULT(),
        120,
        SKIP,
        "progress_unknown",
    ),
    # precedence: the first matching rule wins
    (
        "prec-type5-before-cancelled",
        dict(order_type=5, progress=900),
        DEFAULT(),
        120,
        SKIP,
        "order_type_distribution_club",
    ),
    (
        "prec-reservation-before-postage",
        dict(order_type=6, postage=-9999, package_postage=-9999),
        DEFAULT(),
        120,
        SKIP,
        "reservation_disabled",
    ),
    (
        "prec-cancelled-before-drug",
        dict(progress=900, drug=True),
        DEFAULT(),
        120,
        SKIP,
        "cancelled",
    ),
    (
        "prec-change-before-drug",
        dict(progress=400, drug=True),
        DEFAULT(),
        120,
        DEFER,
        "change_pending",
    ),
    (
        "prec-shipped-before-postage",
        dict(progress=500, postage=-9999),
        DEFAULT(),
        120,
        SKIP,
        "already_shipped",
    ),
    (
        "prec-drug-before-postage",
        dict(drug=True, postage=-9999),
        DEFAULT(),
        120,
        SKIP,
        "drug_disabled",
    ),
    (
        "prec-postage-before-provisional",
        dict(postage=-9999),
        MANUAL,
        120,
        DEFER,
        "postage_undetermined",
    ),
    (
        "prec-postage-before-wait",
        dict(postage=-9999),
        DEFAULT(),
        1,
        DEFER,
        "postage_undetermined",
    ),
    (
        "prec-cancelled-in-manual-mode",
        dict(progress=800),
        MANUAL,
        120,
        SKIP,
        "cancelled",
    ),
    (
        "prec-provisional-before-selective",
        dict(progress=200, rpay=0),
        MANUAL,
        1,
        PROVISIONAL,
        "provisional",
    ),
    (
        "prec-selective-before-wait",
        dict(progress=200, rpay=0),
        DEFAULT(),
        1,
        DEFER,
        "selective_payment_waiting",
    ),
    (
        "prec-drug-on-then-wait",
        dict(drug=True),
        DEFAULT(import_drug_orders=True),
        5,
        DEFER,
        "cancellation_window",
    ),
]


@pytest.mark.parametrize(
    "attrs, options, minutes, decision, code",
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_decide(attrs, options, minutes, decision, code):
    order = make(**attrs)
    result = decide(order, options, after(order, minutes))
    assert isinstance(result, RuleResult)
    assert (result.decision, result.code) == (decision, code), result.reason
    assert result.decision is REASONS[code][0]


def test_every_rule_is_in_the_table():
    assert {row[5] for row in ROWS} == set(REASONS)


def test_reasons_are_stable_templates():
    for row in ROWS:
        order = make(**row[1])
        result = decide(order, row[2], after(order, row[3]))
        assert result.reason_template == REASONS[result.code][1]
        assert result.reason == result.reason_template % result.reason_args
        assert "%(" not in result.reason
        assert result.reason.endswith(".")
        hash(result)  # usable in sets although reason_args is a dict


def test_reason_texts():
    order = make(postage=-9999)
    assert decide(order, DEFAULT(), after(order, 60)).reason == (
        "Postage is not determined yet: set it in RMS; the order will be imported once it is."
    )
    shipped = decide(make(progress=500), DEFAULT(), after(BASE, 60))
    assert "500 Shipped (RMS)" in shipped.reason
    # the status name is a message of its own, rendered in the reader's language
    assert shipped.reason_args == {
        "progress": 500,
        "progress_name": Message("Shipped (RMS)"),
    }
    assert shipped.message == Message(shipped.reason_template, shipped.reason_args)
    selective = decide(make(progress=100, rpay=0), DEFAULT(), after(BASE, 60))
    # the payment method's name is RMS's own text
    assert "Selective payment (代金引換)" in selective.reason
    assert "100 Awaiting order confirmation" in selective.reason
    assert (
        "Distribution-club"
        in decide(make(order_type=5), DEFAULT(), after(BASE, 60)).reason
    )
    assert "※4" in decide(make(order_type=6), DEFAULT(), after(BASE, 60)).reason
    assert "※2" in decide(make(drug=True), DEFAULT(), after(BASE, 60)).reason
    assert "[New]" in decide(make(), MANUAL, after(BASE, 60)).reason
    imported = decide(make(), DEFAULT(), after(BASE, 60))
    assert "RakutenPay" in imported.reason
    assert imported.reason_args["payment"] == Message(PAYMENT_RAKUTEN_PAY)


def test_english_reasons_hold_no_japanese():
    """Japanese belongs to the translation: the English templates carry none."""
    japanese = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
    for _decision, template in REASONS.values():
        assert not japanese.search(template), template
    assert not any(japanese.search(text) for text in MESSAGES)


def test_wait_reason_names_minutes_and_time_in_japan():
    # ordered 10:15 JST, now 10:35 JST -> importable after 10:45 JST
    result = decide(make(), DEFAULT(), datetime(2025, 3, 1, 1, 35, tzinfo=timezone.utc))
    assert result.decision is DEFER
    assert result.reason_args == {"minutes": 30, "ready_at": "2025-03-01 10:45"}
    assert "less than 30 minutes ago" in result.reason


def test_naive_now_means_utc():
    order = make()  # 2025-03-01 10:15 JST = 01:15 UTC
    assert decide(order, DEFAULT(), datetime(2025, 3, 1, 1, 40)).decision is DEFER
    # 01:50 read as JST would be before the order and still be waiting
    assert decide(order, DEFAULT(), datetime(2025, 3, 1, 1, 50)).decision is IMPORT


@freeze_time("2025-03-01 01:44:00")  # UTC: 29 minutes after the order
def test_decide_with_the_clock():
    order = make()
    assert decide(order, DEFAULT(), datetime.now(timezone.utc)).decision is DEFER
    with freeze_time("2025-03-01 01:46:00"):
        assert decide(order, DEFAULT(), datetime.now(timezone.utc)).decision is IMPORT


# The fixtures themselves, two hours after each order
FIXTURE_ROWS = [
    ("rpay_card", DEFAULT(), IMPORT, "import"),
    ("cod_selective", DEFAULT(), IMPORT, "import"),
    ("multi_recipient", DEFAULT(), IMPORT, "import"),
    ("asuraku", DEFAULT(), IMPORT, "import"),
    ("postage_undetermined", DEFAULT(), DEFER, "postage_undetermined"),
    ("drug", DEFAULT(), SKIP, "drug_disabled"),
    ("drug", DEFAULT(import_drug_orders=True), IMPORT, "import"),
    ("reserved", DEFAULT(), SKIP, "reservation_disabled"),
    ("reserved", DEFAULT(import_reserved_orders=True), IMPORT, "import"),
    ("rpay_card", MANUAL, PROVISIONAL, "provisional"),
    ("cod_selective", MANUAL, IMPORT, "import"),
]


@pytest.mark.parametrize("name, options, decision, code", FIXTURE_ROWS)
def test_decide_on_fixtures(name, options, decision, code):
    order = load(name)
    result = decide(order, options, after(order, 120))
    assert (result.decision, result.code) == (decision, code)


def test_asuraku_fixture_imported_right_away():
    order = load("asuraku")
    assert decide(order, DEFAULT(), after(order, 1)).decision is IMPORT
    assert decide(load("rpay_card"), DEFAULT(), after(order, 1)).decision is DEFER


# ---------------------------------------------------------------------------
# search_window
# ---------------------------------------------------------------------------
NOW = datetime(2025, 3, 2, 12, 0, tzinfo=JST)


def test_window_defaults_to_24_hours():
    start, end = search_window(NOW)
    assert end == NOW
    assert start == NOW - timedelta(hours=24)
    assert start.utcoffset() == end.utcoffset() == timedelta(hours=9)


def test_window_recent_success_keeps_24_hours():
    start, end = search_window(NOW, NOW - timedelta(minutes=15))
    assert (start, end) == (NOW - timedelta(hours=24), NOW)


def test_window_after_downtime_goes_back_to_last_success_less_margin():
    last = NOW - timedelta(days=3)
    start, end = search_window(NOW, last)
    assert start == last - timedelta(minutes=15)
    assert end == NOW
    start, _end = search_window(NOW, last, margin_minutes=5)
    assert start == last - timedelta(minutes=5)


def test_window_margin_only_matters_near_the_24_hour_edge():
    last = NOW - timedelta(hours=23, minutes=50)
    start, _end = search_window(NOW, last)
    assert start == last - timedelta(minutes=15) == NOW - timedelta(hours=24, minutes=5)


def test_window_hours_option():
    start, _end = search_window(NOW, None, ShopOptions(window_hours=48))
    assert start == NOW - timedelta(hours=48)


def test_window_naive_datetimes_are_utc():
    start, end = search_window(datetime(2025, 3, 2, 3, 0), datetime(2025, 2, 27, 3, 0))
    assert end == NOW
    assert end.tzinfo is not None
    assert start == datetime(2025, 2, 27, 2, 45, tzinfo=timezone.utc)


def test_window_never_goes_back_more_than_730_days():
    start, _end = search_window(NOW, NOW - timedelta(days=1000))
    assert start == NOW - timedelta(days=730)


# ---------------------------------------------------------------------------
# search_criteria
# ---------------------------------------------------------------------------
def test_criteria_normal_mode():
    assert search_criteria(ShopOptions()) == [
        {"date_type": 1, "order_progress_list": [100, 200, 300]},
    ]


def test_criteria_do_not_depend_on_the_reservation_option():
    assert search_criteria(ShopOptions(import_reserved_orders=True)) == search_criteria(
        ShopOptions()
    )


def test_criteria_manual_confirm_mode():
    assert search_criteria(ShopOptions(manual_confirm=True)) == [
        {"date_type": 1, "order_progress_list": [100]},
        {"date_type": 2, "order_progress_list": [200, 300]},
    ]


def test_criteria_are_fresh_copies():
    criteria = search_criteria(ShopOptions(manual_confirm=True))
    criteria[0]["order_progress_list"].append(99)  # callers may mutate their copy
    assert search_criteria(ShopOptions(manual_confirm=True))[0][
        "order_progress_list"
    ] == [100]


@pytest.mark.parametrize(
    "options",
    [
        ShopOptions(),
        ShopOptions(manual_confirm=True),
        ShopOptions(import_reserved_orders=True, import_drug_orders=True),
    ],
)
def test_criteria_search_every_order_type_so_skips_are_explained(options):
    criteria = search_criteria(options)
    for c in criteria:
        # no order-type filter: 頒布会 and 予約 orders are found, then skipped with a reason
        assert set(c) == {"date_type", "order_progress_list"}
    searched = {p for c in criteria for p in c["order_progress_list"]}
    # every order decide() would import or hold as provisional is searched for
    for progress in (100, 200, 300, 400, 500, 800):
        for order_type in (1, 4, 5, 6):
            for rpay in (0, 1):
                order = make(progress=progress, order_type=order_type, rpay=rpay)
                result = decide(order, options, after(order, 120))
                if result.decision in (IMPORT, PROVISIONAL):
                    assert progress in searched
