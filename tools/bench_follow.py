#!/usr/bin/env python3
"""Benchmark the follow-up job's detection of changes made on Rakuten after import.

Everything happens in ONE database transaction that is rolled back at the end: the database
keeps no order, partner, product or channel of the run.

1. Set-up (tools/bench_import.py's): JPY pricelist, taxes 10 % / 8 % included, one storable
   product per SKU of the sandbox catalogue with stock, a channel on the in-process sandbox
   without pacing, with "Apply Rakuten Changes Automatically" on (``--no-apply``: off).
2. ``--orders`` open orders (2,000) are generated and imported (not timed).
3. ``--changed`` of them (200) are changed RMS-side with the sandbox's ``modify_order``, a
   kind each in turn: units, unit price, postage, recipient address, delivery time slot,
   delivery date, remarks, points; in ``--conflicts`` of them (20) staff also changed the
   same line's quantity in Odoo, so that they are held, not applied.
4. Measured: the pure detection (parse the stored baseline and the RMS data of every order,
   then ``rms.changes.compare``: what the job does per order besides database work), then one
   run of the follow-up job (``rakuten.sync._run("follow", team)``): wall time, getOrder calls
   (goal: 20 for 2,000 orders), and the log's counters (changes found, applied, held).

    python3 tools/bench_follow.py -c /tmp/dev/odoo.cfg -d dev_bench --orders 2000
"""

# A command-line script: it reports to its terminal.
# pylint: disable=print-used
import argparse
import json
import sys
import time
from datetime import datetime, timedelta, timezone

import odoo
from odoo.modules.registry import Registry

#: Orders a getOrder call takes: the goal is 20 calls a run for 2,000 orders.
ORDERS_PER_CALL = 100
KINDS = (
    "units",
    "price",
    "postage",
    "address",
    "time",
    "date",
    "remarks",
    "points",
)


def change(sandbox, number, kind, index):
    order = sandbox.orders[number]
    item = order["PackageModelList"][0]["ItemModelList"][0]
    detail = item["itemDetailId"]
    values = {
        "units": {"units": {detail: item["units"] + 1}},
        "price": {"prices": {detail: item["priceTaxIncl"] + 100}},
        "postage": {"postage": 1320},
        "address": {"recipient": {"subAddress": "変更町%d-1-1" % index}},
        "time": {"shipping_term": 1416},
        "date": {
            "delivery_date": (datetime.now() + timedelta(days=7)).date().isoformat()
        },
        "remarks": {"remarks": "置き配でお願いします"},
        "points": {"points": 10},
    }[kind]
    sandbox.modify_order(number, by="customer" if index % 2 else "shop", **values)


def pure_detection(env, numbers, sandbox):
    """Seconds to parse both versions of every order and compare them; changes found."""
    from odoo.addons.sale_rakuten.rms import changes
    from odoo.addons.sale_rakuten.rms.order import parse_order

    orders = env["sale.order"].sudo().search([("rakuten_order_number", "in", numbers)])
    baselines = {o.rakuten_order_number: o.rakuten_raw_data for o in orders}
    # As the job gets them: JSON from getOrder, the baseline from the database.
    current = {n: json.loads(json.dumps(sandbox.orders[n])) for n in numbers}
    start = time.perf_counter()
    found = 0
    for number in numbers:
        before = parse_order(json.loads(baselines[number]))
        after = parse_order(current[number])
        found += len(changes.compare(before, after))
    return time.perf_counter() - start, found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument(
        "-d", "--database", required=True, help="database with sale_rakuten installed"
    )
    parser.add_argument("--orders", type=int, default=2000, help="open orders (2000)")
    parser.add_argument(
        "--changed", type=int, default=200, help="orders changed on RMS (200)"
    )
    parser.add_argument(
        "--conflicts",
        type=int,
        default=20,
        help="changed orders whose line staff also changed in Odoo (20)",
    )
    parser.add_argument("--no-apply", action="store_true", help="option off")
    parser.add_argument("--seed", type=int, default=1, help="sandbox seed (default 1)")
    args = parser.parse_args(argv)
    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn"]
    )
    from odoo.addons.sale_rakuten.tools.bench_import import (
        LICENSE_KEY,
        SECRET,
        bench_mix,
        setup,
    )
    from odoo.addons.sale_rakuten.tools.rms_sandbox import CATALOG, RmsSandbox

    sandbox = RmsSandbox(SECRET, LICENSE_KEY, seed=args.seed)
    mix = dict(bench_mix(2), payment={"cod": 0.5, "card": 0.5})
    numbers = sandbox.generate_orders(
        args.orders,
        now=datetime.now(timezone.utc) - timedelta(minutes=31),
        mix=mix,
        hours=23,
    )
    sandbox.start()
    registry = Registry(args.database)
    cr = registry.cursor()
    try:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env = env(
            context=dict(
                env.context, lang="en_US", allowed_company_ids=[env.company.id]
            )
        )
        team = setup(env, sandbox, CATALOG)
        team.rakuten_apply_changes = not args.no_apply
        started = time.perf_counter()
        log = team._rakuten_import_orders()
        imported_in = time.perf_counter() - started
        print(
            "import (not the benchmark): %d orders imported in %.1f s"
            % (log.count_imported, imported_in)
        )
        changed = numbers[: args.changed]
        for index, number in enumerate(changed):
            change(sandbox, number, KINDS[index % len(KINDS)], index)
        Order = env["sale.order"]
        for number in changed[: args.conflicts]:
            line = Order.search([("rakuten_order_number", "=", number)]).order_line
            line = line.filtered(lambda ln: ln.rakuten_line_kind == "item")[:1]
            line.product_uom_qty += 2  # staff, in Odoo
        # Where RMS changed the units too, Odoo holds the change (staff changed the same
        # line); elsewhere the change is applied and the amount check then sends the slip to
        # 確認待ち (Odoo's total is no longer Rakuten's).
        env.flush_all()
        pure_seconds, pure_found = pure_detection(env, numbers, sandbox)
        sandbox.reset_counters()
        started = time.perf_counter()
        follow = env["rakuten.sync"]._run("follow", team)
        env.flush_all()
        job_seconds = time.perf_counter() - started
        calls = sandbox.calls.get("getOrder", 0)
        goal = -(-follow.count_found // ORDERS_PER_CALL)
        print(
            "orders followed: %d (%d changed on Rakuten)"
            % (follow.count_found, len(changed))
        )
        print("getOrder calls per run: %d (goal %d: 100 orders a call)" % (calls, goal))
        print(
            "pure detection (parse both versions + compare), %d orders: %.3f s "
            "(%.2f ms an order), %d changes"
            % (
                len(numbers),
                pure_seconds,
                1000 * pure_seconds / len(numbers),
                pure_found,
            )
        )
        print(
            "follow-up job, whole run: %.1f s (%.1f ms an order)"
            % (job_seconds, 1000 * job_seconds / max(follow.count_found, 1))
        )
        print(
            "changes found %d, applied %d, held %d; log state %s"
            % (
                follow.count_changes_found,
                follow.count_changes_applied,
                follow.count_changes_held,
                follow.state,
            )
        )
        slips = dict(
            Order._read_group(
                [("rakuten_order_number", "in", changed)],
                ["rakuten_slip_state"],
                ["__count"],
            )
        )
        print("slips of the changed orders: %s" % slips)
        return 0 if calls <= goal else 1
    finally:
        cr.rollback()
        cr.close()
        sandbox.stop()


if __name__ == "__main__":
    sys.exit(main())
