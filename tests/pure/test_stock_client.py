"""The stock push's RMS call (RmsClient.adjust_inventories) against tools.rms_sandbox: RELATIVE
rows compose with orders placed meanwhile, and a call whose answer was lost is never resent
(a resent difference would count twice)."""

import time
from datetime import datetime

import pytest

from rms.client import RmsClient
from rms.exceptions import (
    RmsError,
    RmsInventoryRangeError,
    RmsNotMigratedError,
    RmsServerError,
)
from rms.stock import plan_push
from tools.rms_sandbox import JST, RmsSandbox

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=JST)
SECRET = "SP777777_stockSBXsecret"
LICENSE = "SL777777_stockSBXlicense"
UPSERT = "inventories.bulk.upsert"


@pytest.fixture
def sandbox():
    box = RmsSandbox(SECRET, LICENSE, seed=20261201, clock=NOW)
    box.start()
    box.reset_counters()
    try:
        yield box
    finally:
        box.stop()


def make_client(sandbox, **kwargs):
    options = dict(min_interval=0, backoff_factor=0, max_retries=3, timeout=(5, 10))
    options.update(kwargs)
    return RmsClient(SECRET, LICENSE, sandbox.url, **options)


def first_sku(sandbox):
    entry = sandbox.catalog[0]
    return entry.manage_number, entry.variants[0].variant_id


def test_difference_sent_after_a_read_keeps_orders_placed_meanwhile(sandbox):
    key = first_sku(sandbox)
    sandbox.set_stock(*key, 10)
    with make_client(sandbox) as client:
        [row] = client.get_inventories([key])
        rows, _unchanged = plan_push([(key, 7, row.quantity)])  # Odoo can sell 7
        assert sandbox.place_order(
            [(key[0], key[1], 2)]
        )  # a buyer, between the read and the write
        client.adjust_inventories([r.as_json() for r in rows])
    assert sandbox.stock[key] == 5, "7 less the 2 units sold meanwhile: none given back"
    assert sandbox.calls[UPSERT] == 1


def test_absolute_and_relative_rows_in_one_call(sandbox):
    entry = sandbox.catalog[0]
    first, second = [(entry.manage_number, v.variant_id) for v in entry.variants[:2]]
    sandbox.set_stock(*first, 10)
    with make_client(sandbox) as client:
        client.adjust_inventories(
            [
                {
                    "manageNumber": first[0],
                    "variantId": first[1],
                    "mode": "RELATIVE",
                    "quantity": -4,
                },
                {
                    "manageNumber": second[0],
                    "variantId": second[1],
                    "mode": "ABSOLUTE",
                    "quantity": 3,
                },
            ]
        )
    assert (sandbox.stock[first], sandbox.stock[second]) == (6, 3)


def test_lost_answer_is_not_resent(sandbox):
    """The sandbox does the work, then answers too late: the client gives up and says so, and
    does not send the difference a second time."""
    key = first_sku(sandbox)
    sandbox.set_stock(*key, 10)
    sandbox.timeout_rate, sandbox.timeout_sleep = 1.0, 0.5
    with (
        make_client(sandbox, timeout=(5, 0.2)) as client,
        pytest.raises(RmsServerError),
    ):
        client.adjust_inventories(
            [
                {
                    "manageNumber": key[0],
                    "variantId": key[1],
                    "mode": "RELATIVE",
                    "quantity": 3,
                }
            ]
        )
    time.sleep(0.6)
    assert sandbox.calls[UPSERT] == 1, "sent once"
    assert sandbox.stock[key] == 13, "applied once"


def test_throttled_call_is_resent(sandbox):
    """A throttle answer says RMS did nothing: sending again is safe."""
    key = first_sku(sandbox)
    sandbox.set_stock(*key, 10)
    sandbox.rate_limit_rate = 1.0
    with make_client(sandbox, max_retries=2) as client:
        sandbox_calls = sandbox.calls[UPSERT]
        with pytest.raises(RmsError):
            client.adjust_inventories(
                [
                    {
                        "manageNumber": key[0],
                        "variantId": key[1],
                        "mode": "RELATIVE",
                        "quantity": 3,
                    }
                ]
            )
    assert sandbox.calls[UPSERT] - sandbox_calls > 1, "sent again"
    assert sandbox.stock[key] == 10


def test_typed_errors(sandbox):
    key = first_sku(sandbox)
    sandbox.set_stock(*key, 1)
    with make_client(sandbox) as client:
        with pytest.raises(RmsInventoryRangeError):
            client.adjust_inventories(
                [
                    {
                        "manageNumber": key[0],
                        "variantId": key[1],
                        "mode": "RELATIVE",
                        "quantity": -2,
                    }
                ]
            )
        sandbox.sku_migrated = False
        with pytest.raises(RmsNotMigratedError):
            client.adjust_inventories(
                [
                    {
                        "manageNumber": key[0],
                        "variantId": key[1],
                        "mode": "ABSOLUTE",
                        "quantity": 2,
                    }
                ]
            )
    assert sandbox.stock[key] == 1


@pytest.mark.parametrize(
    "row",
    [
        {"mode": "RELATIVE", "quantity": 100000},
        {"mode": "ABSOLUTE", "quantity": -1},
        {"mode": "DELTA", "quantity": 1},
        {"mode": "RELATIVE", "quantity": 1.5},
        {"mode": "RELATIVE", "quantity": True},
    ],
)
def test_rows_checked_before_anything_is_sent(sandbox, row):
    key = first_sku(sandbox)
    with make_client(sandbox) as client, pytest.raises(ValueError):
        client.adjust_inventories([dict(row, manageNumber=key[0], variantId=key[1])])
    assert sandbox.calls[UPSERT] == 0


def test_a_sku_twice_is_refused_before_sending(sandbox):
    key = first_sku(sandbox)
    row = {
        "manageNumber": key[0],
        "variantId": key[1],
        "mode": "RELATIVE",
        "quantity": 1,
    }
    with make_client(sandbox) as client, pytest.raises(ValueError):
        client.adjust_inventories([row, dict(row)])
    assert sandbox.calls[UPSERT] == 0
