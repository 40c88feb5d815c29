"""The pieces of tools/demo.py that need no Odoo: the sandbox's order feed and saved state,
the command line, the Odoo configuration it writes, and what it prints."""

import os
import time
from datetime import datetime, timedelta

import requests

from tools import demo
from tools.rms_sandbox import JST, RmsSandbox, parse_dt

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_order_feed_keeps_placing_orders_until_stopped():
    sandbox = RmsSandbox(seed=3)
    ticks = []
    sandbox.start_order_feed(
        0.05, (2, 2), age=timedelta(minutes=31), on_tick=ticks.append
    )
    try:
        assert _wait_for(lambda: len(ticks) >= 3)
    finally:
        sandbox.stop()  # stops the feed too
    placed = len(sandbox.orders)
    assert placed >= 6 and all(len(numbers) == 2 for numbers in ticks)
    assert {n for numbers in ticks for n in numbers} == set(sandbox.orders)
    # placed 31 minutes before "now": already past the buyer's 30-minute cancellation window
    now = datetime.now(JST)
    for order in sandbox.orders.values():
        age = now - parse_dt(order["orderDatetime"])
        assert timedelta(minutes=30) < age < timedelta(minutes=33)
    time.sleep(0.2)
    assert len(sandbox.orders) == placed  # stopped: nothing more arrives


def test_order_feed_orders_are_served_to_searchorder():
    with RmsSandbox("s", "k", seed=4) as sandbox:
        sandbox.start_order_feed(0.05, (1, 1))
        assert _wait_for(lambda: len(sandbox.orders) >= 2)
        sandbox.stop_order_feed()
        now = datetime.now(JST)
        fmt = "%Y-%m-%dT%H:%M:%S+0900"
        response = requests.post(
            sandbox.url + "2.0/order/searchOrder/",
            json={
                "dateType": 1,
                "startDatetime": (now - timedelta(hours=1)).strftime(fmt),
                "endDatetime": (now + timedelta(minutes=1)).strftime(fmt),
                "PaginationRequestModel": {
                    "requestRecordsAmount": 1000,
                    "requestPage": 1,
                },
            },
            headers={"Authorization": "ESA czpr"},  # base64("s:k")
            timeout=5,
        )
        assert response.status_code == 200, response.text
        assert set(response.json()["orderNumberList"]) == set(sandbox.orders)


def test_confirmed_orders_leave_rakuten_processing_after_a_while():
    clock = [datetime(2025, 6, 10, 12, 0, tzinfo=JST)]
    sandbox = RmsSandbox(seed=6, clock=lambda: clock[0])
    late, recent, waiting = sandbox.generate_orders(
        3,
        mix={
            "progress": {100: 1.0},
            "postage_undetermined": 0.0,
            "payment": {"card": 1.0},
        },
    )
    sandbox.set_progress(late, 200)
    clock[0] += timedelta(minutes=3)
    sandbox.set_progress(recent, 200)
    clock[0] += timedelta(minutes=1)
    assert sandbox.advance_confirmed_orders(timedelta(minutes=2)) == [late]
    assert [sandbox.orders[n]["orderProgress"] for n in (late, recent, waiting)] == [
        300,
        200,
        100,
    ]
    assert (
        parse_dt(sandbox.orders[late]["orderFixDatetime"]) == clock[0]
    )  # 楽天ペイ: now settled
    assert sandbox.advance_confirmed_orders(timedelta(minutes=2)) == []


def test_shop_confirms_selectable_orders_after_a_while():
    clock = [datetime(2025, 6, 10, 12, 0, tzinfo=JST)]
    sandbox = RmsSandbox(seed=9, clock=lambda: clock[0])
    plain = {"progress": {100: 1.0}, "postage_undetermined": 0.0}
    [cod_old] = sandbox.generate_orders(
        1, mix=dict(plain, payment={"cod": 1.0}), hours=0
    )
    [card_old] = sandbox.generate_orders(
        1, mix=dict(plain, payment={"card": 1.0}), hours=0
    )
    [cod_open] = sandbox.generate_orders(
        1, mix=dict(plain, payment={"cod": 1.0}, postage_undetermined=1.0), hours=0
    )
    clock[0] += timedelta(minutes=40)
    [cod_new] = sandbox.generate_orders(
        1, mix=dict(plain, payment={"cod": 1.0}), hours=0
    )
    assert sandbox.confirm_selectable_orders(timedelta(minutes=35)) == [cod_old]
    progress = {
        n: sandbox.orders[n]["orderProgress"]
        for n in (cod_old, card_old, cod_open, cod_new)
    }
    # 楽天ペイ orders are confirmed by Odoo; postage still open cannot be confirmed
    assert progress == {cod_old: 200, card_old: 100, cod_open: 100, cod_new: 100}


def test_order_feed_advances_confirmed_orders():
    sandbox = RmsSandbox(seed=8)
    [number] = sandbox.generate_orders(
        1, mix={"progress": {200: 1.0}, "postage_undetermined": 0.0}
    )
    sandbox.start_order_feed(0.05, (0, 0), advance_after=timedelta(0))
    try:
        assert _wait_for(lambda: sandbox.orders[number]["orderProgress"] == 300)
    finally:
        sandbox.stop()


def test_saved_state_restores_orders_and_never_reuses_a_number():
    first = RmsSandbox(seed=5)
    numbers = first.generate_orders(5)
    first.set_payment_status(numbers[0], 1)
    state = first.dump_state()
    assert "sandbox-secret" not in repr(state) and "sandbox-key" not in repr(state)

    second = RmsSandbox(seed=5)  # same seed: it would make the same numbers again
    second.load_state(state)
    assert second.orders == first.orders and second.orders is not state["orders"]
    new = second.generate_orders(5)
    assert not set(new) & set(numbers)
    # the state of a fresh sandbox only moves the counters on
    third = RmsSandbox(seed=5)
    third.load_state({"seq": 5})
    assert not set(third.generate_orders(5)) & set(numbers)


def test_command_line_defaults(monkeypatch):
    for name in (
        "PGHOST",
        "PGPORT",
        "SALE_RAKUTEN_DB_USER",
        "SALE_RAKUTEN_DB_PASSWORD",
    ):
        monkeypatch.delenv(name, raising=False)
    args = demo.parse_args([])
    assert (args.db, args.port, args.reset, args.stop_after_setup) == (
        "sale_rakuten_demo",
        8069,
        False,
        False,
    )
    assert (args.db_host, args.db_port, args.db_user, args.db_password) == (
        "127.0.0.1",
        "5432",
        "sale_rakuten",
        "sale_rakuten",
    )
    args = demo.parse_args(
        ["--db", "shop2", "--port", "8070", "--reset", "--stop-after-setup"]
    )
    assert (args.db, args.port, args.reset, args.stop_after_setup) == (
        "shop2",
        8070,
        True,
        True,
    )


def test_config_links_this_checkout_as_sale_rakuten(tmp_path):
    args = demo.parse_args(
        ["--data-dir", str(tmp_path), "--db", "shop2", "--port", "8070"]
    )
    path = demo.write_config(args)
    link = tmp_path / "addons" / "sale_rakuten"
    assert os.path.realpath(link) == os.path.realpath(ROOT)
    assert (link / "__manifest__.py").is_file()
    text = open(path, encoding="utf-8").read()
    for line in (
        "db_name = shop2",
        "dbfilter = ^shop2$",
        "http_interface = 127.0.0.1",
        "http_port = 8070",
        "max_cron_threads = 1",
        "list_db = False",
        "addons_path = %s" % (tmp_path / "addons"),
    ):
        assert line in text.splitlines()
    assert demo.write_config(args) == path  # a second run reuses the link


def test_summary_says_where_to_log_in_and_what_to_look_at():
    args = demo.parse_args(["--port", "8070"])
    text = demo.summary(args, 7)
    assert "http://127.0.0.1:8070/odoo" in text and "admin" in text
    for where in (
        "Sales > Rakuten > Orders",
        "Rakuten page",
        "Sales > Rakuten > Sync Log",
        "crm_team_action_config/7",
    ):
        assert where in text
