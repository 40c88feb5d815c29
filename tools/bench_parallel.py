#!/usr/bin/env python3
"""Benchmark several Rakuten shops imported by one cron worker and by two.

Each channel owns its import cron ("Rakuten: Import Orders (<channel>)"); the workers run
those crons as Odoo's cron workers do (``tools/cron_workers.py``: ``_acquire_one_job`` with
``FOR NO KEY UPDATE SKIP LOCKED``, ``_process_job`` with its commits, progress and
rescheduling) until every channel's import round is done. Each worker is a process of its
own, as the cron workers of a prefork server (``--workers N --max-cron-threads M``) or of
several Odoo servers on one database are (``--threads``: threads of one process instead, as
a threaded server runs them, sharing Python's GIL). Each shop is a sandbox of its own that
answers every call after ``--latency`` seconds.

Scenarios (each run on a scratch copy of the database, ``CREATE DATABASE ... TEMPLATE``,
dropped afterwards, so the import's commits leave the given database as it was):

1. ``--shops`` shops of ``--orders`` orders each: the wall time of a full import round with
   1 and with 2 workers, the ratio (goal <= 0.6), duplicates (orders per order number > 1:
   goal 0) and orders missing.
2. One big shop (``--big`` orders) and three small ones (``--small`` orders), the big one's
   cron first in the scheduler's order: the longest a small shop waited before its import was
   done, with 1 and 2 workers.

    python3 tools/bench_parallel.py -c /tmp/dev/odoo.cfg -d dev_bench

The database given must have sale_rakuten installed and nobody connected to it (it is the
template of the copies).
"""

# A command-line script: it reports to its terminal.
# pylint: disable=print-used
import argparse
import multiprocessing
import os
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import odoo
from odoo.modules.registry import Registry
from odoo.tools import SQL

PLAIN = {
    "payment": {"card": 0.6, "bank": 0.15, "cod": 0.25},
    "progress": {300: 1.0},
    "order_type": {1: 1.0},
    "packages": {1: 1.0},
    "drug": 0.0,
    "postage_undetermined": 0.0,
}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument(
        "-d", "--database", required=True, help="database with sale_rakuten installed"
    )
    parser.add_argument("--shops", type=int, default=4, help="scenario 1 shops (4)")
    parser.add_argument(
        "--orders", type=int, default=1000, help="scenario 1 orders per shop (1000)"
    )
    parser.add_argument(
        "--big", type=int, default=3000, help="scenario 2 big shop (3000)"
    )
    parser.add_argument(
        "--small", type=int, default=50, help="scenario 2 orders per small shop (50)"
    )
    parser.add_argument(
        "--latency", type=float, default=0.3, help="seconds per RMS call (0.3)"
    )
    parser.add_argument(
        "--threads", action="store_true", help="workers as threads of this process"
    )
    parser.add_argument(
        "--scenario", choices=("1", "2", "both"), default="both", help="what to run"
    )
    parser.add_argument(
        "--slice-batches",
        type=int,
        default=0,
        help="getOrder batches per call of a channel's cron (default: the addon's "
        "IMPORT_SLICE_BATCHES, 3); smaller shows the scheduler's turns with fewer orders",
    )
    parser.add_argument(
        "--shared-warehouse",
        action="store_true",
        help="every shop ships from the company's first warehouse (default: one warehouse "
        "each, as shops of several companies have)",
    )
    return parser.parse_args(argv)


# ----------------------------------------------------------------------
# Scratch database
# ----------------------------------------------------------------------
def admin_cursor():
    return odoo.sql_db.db_connect("postgres").cursor()


def copy_database(template, name):
    with admin_cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(name)))
        cr.execute(
            SQL(
                "CREATE DATABASE %s TEMPLATE %s",
                SQL.identifier(name),
                SQL.identifier(template),
            )
        )


def drop_database(name):
    Registry.delete(name)
    odoo.sql_db.close_db(name)
    with admin_cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(name)))


# ----------------------------------------------------------------------
# Set-up: products with stock, one channel per sandbox
# ----------------------------------------------------------------------
def setup(dbname, shops, shared_warehouse=False):
    """``shops`` = [(name, sandbox)]: a committed channel on each, with a warehouse of its
    own unless ``shared_warehouse``. Returns the registry and the cron ids, in the order of
    ``shops``."""
    from odoo.addons.sale_rakuten.tools.bench_channel import make_channel
    from odoo.addons.sale_rakuten.tools.rms_sandbox import CATALOG

    registry = Registry(dbname)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.cron"].search([]).write({"active": False})  # only the shops' crons run
        products = env["product.product"].create(
            [
                {
                    "name": "%s %s"
                    % (entry.item_name, variant.merchant_defined_sku_id),
                    "default_code": variant.merchant_defined_sku_id,
                    "is_storable": True,
                    "list_price": entry.price,
                    "company_id": False,
                }
                for entry in CATALOG
                for variant in entry.variants
            ]
        )
        crons, warehouses = [], env["stock.warehouse"]
        for index, (name, sandbox) in enumerate(shops):
            values = {}
            if not shared_warehouse:
                values["rakuten_warehouse_id"] = (
                    env["stock.warehouse"]
                    .create({"name": "Bench WH %d" % index, "code": "BW%d" % index})
                    .id
                )
            team, _first = make_channel(
                env,
                sandbox,
                name,
                "benchpar%d" % index,
                sandbox.service_secret,
                sandbox.license_key,
                **values,
            )
            crons.append(team.rakuten_import_cron_id.id)
            warehouses |= team.rakuten_warehouse_id
        for warehouse in warehouses:
            for product in products:
                env["stock.quant"]._update_available_quantity(
                    product, warehouse.lot_stock_id, 10**6
                )
    return registry, crons


def make_sandboxes(sizes, latency):
    from odoo.addons.sale_rakuten.tools.rms_sandbox import RmsSandbox

    sandboxes = []
    ordered = datetime.now(timezone.utc) - timedelta(minutes=45)
    for index, size in enumerate(sizes):
        sandbox = RmsSandbox(
            "bp-secret-%d" % index, "SL3-bp-%d" % index, seed=index + 1
        )
        sandbox.shop_id = str(444000 + index)
        placed = []
        while len(placed) < size:  # RMS refuses an order when its stock is short
            placed += sandbox.generate_orders(
                size - len(placed), now=ordered, mix=PLAIN, hours=0
            )
        sandbox.latency = latency
        sandbox.start()
        sandboxes.append(sandbox)
    return sandboxes


# ----------------------------------------------------------------------
# Workers
# ----------------------------------------------------------------------
def set_slice(batches):
    from odoo.addons.sale_rakuten.models import rakuten_sync

    if batches:
        rakuten_sync.IMPORT_SLICE_BATCHES = batches
    return rakuten_sync.IMPORT_SLICE_BATCHES


def process_worker(config, dbname, cron_ids, barrier, done_queue, batches):
    """One cron worker in a process of its own (spawned): waits at ``barrier``, then runs the
    crons; puts (cron id, time.time()) on ``done_queue`` as each round is done, and (None,
    its CPU seconds) at the end."""
    odoo.tools.config.parse_config(["-c", config, "-d", dbname, "--log-level=warn"])
    from odoo.addons.sale_rakuten.tools.cron_workers import run_workers

    set_slice(batches)

    registry = Registry(dbname)
    barrier.wait()
    run_workers(
        registry,
        cron_ids,
        workers=1,
        timeout=3600,
        on_done=lambda cron_id, _s: done_queue.put((cron_id, time.time())),
    )
    done_queue.put((None, time.process_time()))


def run_round(args, dbname, registry, cron_ids, workers):
    """Run every cron of ``cron_ids`` with ``workers`` workers; returns (wall seconds,
    {cron id: seconds until its round was done})."""
    from odoo.addons.sale_rakuten.tools.cron_workers import run_workers

    done = {}
    if args.threads:
        lock = threading.Lock()

        def on_done(cron_id, seconds):
            with lock:
                done[cron_id] = seconds

        cpu = time.process_time()
        wall = run_workers(registry, cron_ids, workers, timeout=3600, on_done=on_done)
        done["cpu"] = time.process_time() - cpu
        return wall, done
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers + 1)
    queue = context.Queue()
    processes = [
        context.Process(
            target=process_worker,
            args=(
                args.config,
                dbname,
                list(cron_ids),
                barrier,
                queue,
                args.slice_batches,
            ),
        )
        for _index in range(workers)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    start = time.time()
    finished = 0
    cpu = 0.0
    while finished < workers:
        cron_id, moment = queue.get(timeout=3600)
        if cron_id is None:
            finished += 1
            cpu += moment  # the worker's CPU seconds
        else:
            done[cron_id] = moment - start
    done["cpu"] = cpu
    wall = time.time() - start
    for process in processes:
        process.join()
    return wall, done


def orders_check(dbname, expected):
    """(orders imported, duplicated order numbers, missing orders) in ``dbname``."""
    with odoo.sql_db.db_connect(dbname).cursor() as cr:
        cr.execute(
            "SELECT count(*), count(DISTINCT rakuten_order_number) FROM sale_order "
            "WHERE rakuten_order_number IS NOT NULL"
        )
        total, distinct = cr.fetchone()
    return total, total - distinct, expected - distinct


def scenario(args, label, sizes, workers):
    dbname = "%s_bp_%d" % (args.database, workers)
    copy_database(args.database, dbname)
    sandboxes = make_sandboxes(sizes, args.latency)
    try:
        registry, crons = setup(
            dbname,
            [("Bench Shop %d" % i, s) for i, s in enumerate(sandboxes)],
            args.shared_warehouse,
        )
        wall, done = run_round(args, dbname, registry, crons, workers)
        total, duplicates, missing = orders_check(dbname, sum(sizes))
        calls = sum(s.calls["getOrder"] for s in sandboxes)
    finally:
        for sandbox in sandboxes:
            sandbox.stop()
        drop_database(dbname)
    print(
        "  %-10s %d worker(s): %7.1f s  %6.1f orders/s  worker CPU %5.1f s  getOrder calls "
        "%d  imported %d  duplicates %d  missing %d"
        % (
            label,
            workers,
            wall,
            total / wall,
            done.get("cpu", 0.0),
            calls,
            total,
            duplicates,
            missing,
        )
    )
    return wall, [done.get(cron) for cron in crons], duplicates, missing


def main(argv=None):
    args = parse_args(argv)
    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn"]
    )
    mode = "threads of one process" if args.threads else "one process each"
    batches = set_slice(args.slice_batches)
    print(
        "sale_rakuten parallel import: latency %.2f s per RMS call, %d orders per call of a "
        "channel's cron, workers: %s, %s, %d CPU(s), load average %.1f"
        % (
            args.latency,
            batches * 100,
            mode,
            "one warehouse" if args.shared_warehouse else "a warehouse per shop",
            os.cpu_count(),
            os.getloadavg()[0],
        )
    )
    failed = False
    if args.scenario in ("1", "both"):
        sizes = [args.orders] * args.shops
        print("Scenario 1: %d shops x %d orders" % (args.shops, args.orders))
        one = scenario(args, "round", sizes, 1)
        two = scenario(args, "round", sizes, 2)
        ratio = two[0] / one[0]
        print(
            "  ratio 2 workers / 1 worker: %.2f (goal <= 0.60)  duplicates %d (goal 0)"
            % (ratio, one[2] + two[2])
        )
        failed = failed or one[2] + two[2] + one[3] + two[3] > 0
    if args.scenario in ("2", "both"):
        sizes = [args.big] + [args.small] * 3
        print("Scenario 2: one shop of %d orders, three of %d" % (args.big, args.small))
        for workers in (1, 2):
            wall, done, duplicates, missing = scenario(
                args, "big+small", sizes, workers
            )
            small = [seconds for seconds in done[1:] if seconds is not None]
            print(
                "    big shop done after %.1f s; longest a small shop waited: %.1f s"
                % (done[0] or float("nan"), max(small) if small else float("nan"))
            )
            failed = failed or duplicates + missing > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
