"""End-to-end: the Item API 2.0 / Inventory API 2.0 calls of rms.client.RmsClient against
tools.rms_sandbox over real HTTP.

The sandbox is an independent emulator (stdlib only, it never imports rms/); the call counts
below are the sandbox's own ``calls`` / ``answers`` counters, retries included. The client runs
without pacing and backoff (pacing is covered by test_client_items.py), except in the test of
the sandbox's enforced rates, where it paces each function at its documented rate.
"""

import base64
import logging
import math
import traceback
from datetime import datetime

import pytest

from rms.client import RmsClient
from rms.exceptions import (
    USER_MESSAGES,
    RmsConflictError,
    RmsError,
    RmsMaintenanceError,
    RmsNotMigratedError,
    RmsThrottleError,
)
from rms.items_client import InventoryRow
from tools.rms_sandbox import JST, RmsSandbox

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=JST)
SECRET = "SP888888_itemsSBXsecret"
LICENSE = "SL888888_itemsSBXlicense"
TOKEN = base64.b64encode(f"{SECRET}:{LICENSE}".encode()).decode()


@pytest.fixture
def sandbox():
    box = RmsSandbox(SECRET, LICENSE, seed=20261201, clock=NOW)
    box.generate_catalog(400)
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


@pytest.fixture
def client(sandbox):
    with make_client(sandbox) as rms_client:
        yield rms_client


def skus(sandbox):
    return [
        (e.manage_number, v.variant_id) for e in sandbox.catalog for v in e.variants
    ]


def fail_first(monkeypatch, sandbox, attribute, failures):
    """Turn a fault switch on for the first ``failures`` requests served, then off."""
    original = sandbox._handle
    served = [0]

    def handle(*args, **kwargs):
        setattr(sandbox, attribute, 1.0 if served[0] < failures else 0.0)
        served[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(sandbox, "_handle", handle)


# ------------------------------------------------------------------------------------------
# items
# ------------------------------------------------------------------------------------------


def test_search_reads_the_whole_catalogue_100_a_page(sandbox, client):
    items = list(client.iter_items())
    assert sorted(i["manageNumber"] for i in items) == sorted(
        e.manage_number for e in sandbox.catalog
    )
    by_number = {i["manageNumber"]: i for i in items}
    for entry in sandbox.catalog:
        assert sorted(by_number[entry.manage_number]["variants"]) == sorted(
            v.variant_id for v in entry.variants
        )
    pages = math.ceil(len(sandbox.catalog) / 100)
    assert sandbox.calls["items.search"] == pages == client.stats["items.search"]


def test_search_criteria_reach_the_sandbox(sandbox, client):
    hidden = {e.manage_number for e in sandbox.catalog if e.hidden}
    assert hidden, "the generated catalogue has hidden items"
    assert {i["manageNumber"] for i in client.iter_items(isHiddenItem=True)} == hidden


def test_without_bulk_edit_get_items_falls_back_to_search(sandbox, client):
    assert sandbox.item_bulk_edit is False
    wanted = [e.manage_number for e in sandbox.catalog[:5]] + ["no-such-item"]

    batch = client.get_items(wanted)

    assert [i["manageNumber"] for i in batch.items] == wanted[:5]
    assert batch.source == "items.search" and batch.missing == ["no-such-item"]
    assert batch.notice.template == USER_MESSAGES["items_no_bulk_edit"]
    assert batch.notice.args == {"operation": "items.bulk.get", "error_code": "ES01-01"}
    assert sandbox.calls == {"items.bulk.get": 1, "items.search": 6}
    client.get_items(wanted[:2])
    assert sandbox.calls["items.bulk.get"] == 1  # not asked again


def test_with_bulk_edit_get_items_reads_by_50(sandbox, client):
    sandbox.item_bulk_edit = True
    wanted = [e.manage_number for e in sandbox.catalog[:120]]
    batch = client.get_items(wanted)
    assert [i["manageNumber"] for i in batch.items] == wanted
    assert (batch.source, batch.missing, batch.notice) == ("items.bulk.get", [], None)
    assert sandbox.calls == {"items.bulk.get": 3}

    single = client.get_items([wanted[7]])
    assert single.source == "items.get" and single.items[0]["manageNumber"] == wanted[7]
    assert client.get_items(["no-such-item"]).missing == ["no-such-item"]
    assert sandbox.calls["items.get"] == 2


# ------------------------------------------------------------------------------------------
# stock
# ------------------------------------------------------------------------------------------


def test_bulk_get_reads_rms_stock_1000_a_call(sandbox, client):
    pairs = skus(sandbox)
    assert len(pairs) > 1000
    rows = client.get_inventories(pairs)
    assert {(r.manage_number, r.variant_id): r.quantity for r in rows} == dict(
        sandbox.stock
    )
    assert sandbox.calls == {"inventories.bulk.get": math.ceil(len(pairs) / 1000)}


def test_upsert_sets_absolute_stock_400_a_call(sandbox, client):
    pairs = skus(sandbox)[:900]
    sent = client.upsert_inventories(
        [(m, v, (n * 7) % 100) for n, (m, v) in enumerate(pairs)]
    )
    assert len(sent) == 900
    assert all(sandbox.stock[(m, v)] == (n * 7) % 100 for n, (m, v) in enumerate(pairs))
    assert sandbox.calls == {"inventories.bulk.upsert": 3}
    assert sandbox.answers[("inventories.bulk.upsert", 204)] == 3


def test_a_sale_on_rakuten_shows_in_the_next_read(sandbox, client):
    entry = next(
        e
        for e in sandbox.catalog
        if not e.hidden and not any(v.hidden for v in e.variants)
    )
    key = (entry.manage_number, entry.variants[0].variant_id)
    client.upsert_inventories([InventoryRow(*key, 10)])
    assert sandbox.place_order([(*key, 3)])
    [row] = client.get_inventories([key])
    assert row.quantity == 7


def test_not_migrated_shop_refuses_the_push(sandbox, client):
    sandbox.sku_migrated = False
    key = skus(sandbox)[0]
    before = sandbox.stock[key]
    with pytest.raises(RmsNotMigratedError) as info:
        client.upsert_inventories([(*key, 5 if before != 5 else 6)])
    assert info.value.error_code == "IE1105" and info.value.user_code == "not_migrated"
    assert sandbox.stock[key] == before
    assert sandbox.calls == {"inventories.bulk.upsert": 1}
    assert client.get_inventories([key])[0].quantity == before  # reads still work


# ------------------------------------------------------------------------------------------
# faults
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, code", [(403, "ES01-03"), (403, "ES01-04"), (429, "GA0003")]
)
def test_throttle_is_resent_until_it_passes(sandbox, client, monkeypatch, status, code):
    sandbox.throttle_status, sandbox.throttle_code = status, code
    fail_first(monkeypatch, sandbox, "throttle_rate", 2)
    key = skus(sandbox)[0]
    client.upsert_inventories([(*key, 42)])
    assert sandbox.stock[key] == 42
    assert sandbox.calls["inventories.bulk.upsert"] == 3
    assert sandbox.answers[("inventories.bulk.upsert", status)] == 2


def test_throttle_that_never_passes_is_a_throttle_error(sandbox, client):
    sandbox.throttle_rate, sandbox.throttle_status, sandbox.throttle_code = (
        1.0,
        403,
        "ES01-03",
    )
    with pytest.raises(RmsThrottleError) as info:
        client.get_inventories(skus(sandbox)[:3])
    assert info.value.error_code == "ES01-03" and info.value.http_status == 403
    assert sandbox.calls["inventories.bulk.get"] == 4  # 1 + max_retries


def test_retry_after_of_the_throttle_is_waited(sandbox, client, monkeypatch):
    import time

    sandbox.retry_after = 1
    sandbox.throttle_status, sandbox.throttle_code = 429, "GA0003"
    fail_first(monkeypatch, sandbox, "throttle_rate", 1)
    started = time.monotonic()
    assert len(client.search_items(isHiddenItem=True)) > 0
    assert time.monotonic() - started >= 0.9
    assert sandbox.calls["items.search"] >= 2


def test_conflict_409_is_resent(sandbox, client, monkeypatch):
    fail_first(monkeypatch, sandbox, "conflict_rate", 2)
    key = skus(sandbox)[1]
    client.upsert_inventories([(*key, 11)])
    assert sandbox.stock[key] == 11
    assert sandbox.answers[("inventories.bulk.upsert", 409)] == 2


def test_conflict_that_never_clears(sandbox, client):
    sandbox.conflict_rate = 1.0
    with pytest.raises(RmsConflictError):
        client.upsert_inventories([(*skus(sandbox)[1], 11)])
    assert sandbox.calls["inventories.bulk.upsert"] == 4


def test_maintenance_does_nothing_and_says_so(sandbox, client):
    sandbox.maintenance = True
    key = skus(sandbox)[2]
    before = sandbox.stock[key]
    wanted = 5 if before != 5 else 6
    with pytest.raises(RmsMaintenanceError) as info:
        client.upsert_inventories([(*key, wanted)])
    assert info.value.error_code == "ES01-02"
    assert sandbox.stock[key] == before
    sandbox.maintenance = False
    client.upsert_inventories([(*key, wanted)])  # the replay
    assert sandbox.stock[key] == wanted


def test_paced_client_is_never_throttled_by_the_documented_rates(sandbox):
    sandbox.enforce_rates = True
    with make_client(sandbox, min_interval=1.0) as paced:
        items = list(paced.iter_items())  # 5 calls, 5/s
        pairs = [(i["manageNumber"], v) for i in items for v in i["variants"]][:1200]
        paced.upsert_inventories([(m, v, 1) for m, v in pairs])  # 3 calls, 1/s
        paced.get_inventories(pairs)  # 2 calls, 5/s
    throttled = {k: n for k, n in sandbox.answers.items() if k[1] in (403, 429)}
    assert throttled == {}
    assert sandbox.calls == {
        "items.search": math.ceil(len(sandbox.catalog) / 100),
        "inventories.bulk.upsert": 3,
        "inventories.bulk.get": 2,
    }


def test_the_same_client_unpaced_is_throttled_and_recovers(sandbox):
    """Counter-check of the test above: without pacing the sandbox's rates do bite."""
    sandbox.enforce_rates = True
    with make_client(sandbox, backoff_factor=0.5, max_retries=4) as unpaced:
        pairs = skus(sandbox)[:1200]
        unpaced.upsert_inventories([(m, v, 2) for m, v in pairs])
    assert (
        sandbox.answers[("inventories.bulk.upsert", 429)]
        + sandbox.answers[("inventories.bulk.upsert", 403)]
        > 0
    )
    assert all(sandbox.stock[key] == 2 for key in pairs)


# ------------------------------------------------------------------------------------------
# migration probe, secrets
# ------------------------------------------------------------------------------------------


def test_probe_of_a_migrated_shop_reads_n000(sandbox, client):
    """shop.operationLeadTime.get answers N000 and the lead-time list (XML) once migrated."""
    probe = client.probe_sku_migration()
    assert (probe.migrated, probe.evidence, probe.error) == (True, "N000", None)
    assert probe.reason.template == USER_MESSAGES["probe_migrated"]
    assert sandbox.answers[("shop.operationLeadTime.get", 200)] == 1
    assert client.stats == {"shop.operationLeadTime.get": 1}


def test_probe_of_a_shop_not_migrated_reads_c008_and_writes_agree(sandbox, client):
    """Before the migration the probe reads C008, and bulk-upsert answers IE1105."""
    sandbox.sku_migrated = False
    probe = client.probe_sku_migration()
    assert (probe.migrated, probe.evidence, probe.error) == (False, "C008", None)
    assert probe.reason.template == USER_MESSAGES["probe_not_migrated"]
    assert "C008" in str(probe.reason)
    with pytest.raises(RmsNotMigratedError):
        client.upsert_inventories([(*skus(sandbox)[0], 1)])


def test_probe_when_the_function_is_not_enabled_is_unknown(sandbox, client):
    """A key without the function (gateway ES04-01): the probe says "unknown", never raises."""
    sandbox.api_disabled = True
    probe = client.probe_sku_migration()
    assert (probe.migrated, probe.evidence) == (None, "ES04-01")
    assert probe.reason.template == USER_MESSAGES["probe_unknown"]
    assert isinstance(probe.error, RmsError)


def test_no_credential_in_logs_errors_or_reprs(sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "urllib3.connectionpool", "rms"):
        caplog.set_level(logging.DEBUG, logger=name)
    errors = []
    with make_client(sandbox, max_retries=1) as rms_client:
        rms_client.get_items([e.manage_number for e in sandbox.catalog[:3]])
        rms_client.get_inventories(skus(sandbox)[:5])
        for switch, value in (
            ("sku_migrated", False),
            ("maintenance", True),
            ("throttle_rate", 1.0),
        ):
            setattr(sandbox, switch, value)
            with pytest.raises(RmsError) as info:
                rms_client.upsert_inventories([(*skus(sandbox)[0], 1)])
            errors.append(info.value)
            setattr(
                sandbox,
                switch,
                {"sku_migrated": True, "maintenance": False, "throttle_rate": 0.0}[
                    switch
                ],
            )
        texts = [
            caplog.text,
            repr(rms_client),
            repr(vars(rms_client)),
            repr(rms_client.probe_sku_migration()),
        ]
    for error in errors:
        texts.append(
            "".join(traceback.format_exception(error))
            + repr(error)
            + error.user_message
        )
    for text in texts:
        for secret in (SECRET, LICENSE, TOKEN):
            assert secret not in text
