#!/usr/bin/env python3
"""Benchmark the Odoo order import of sale_rakuten against the local RMS sandbox.

Everything happens in ONE database transaction that is rolled back at the end: the database
keeps no order, partner, product or channel of the run, and the run can be repeated.

1. Set-up, where missing: JPY pricelist, sales taxes 10 % / 8 % included in the price, one
   storable product per SKU of the sandbox catalogue (internal reference = SKU) with stock,
   a Rakuten channel pointed at the in-process sandbox without pacing.
2. The sandbox generates N importable orders with exactly ``--lines`` item lines each:
   楽天ペイ card / bank transfer and cash on delivery, all at 300 発送待ち, order type 通常,
   one recipient, no first-class drug, postage determined, placed 31 minutes to 24 hours ago.
3. Import: ``team._rakuten_import_orders()`` (what the cron does, without commits), in a
   savepoint rolled back afterwards. Measured: wall time, orders/s, SQL queries per order
   (the cursor's query counter), RMS calls per 1,000 orders by endpoint (counted by the
   sandbox), and the sync log must say N imported. Also shown: the CPU time of this process
   (Odoo and the in-process sandbox) and the time spent waiting in ``cursor.execute``, which
   tell Python work from PostgreSQL work on a loaded machine.
4. Floor: the same N orders created with plain ORM calls, one ``sale.order.create`` (lines
   included, same customers, products, taxes and prices) and one ``action_confirm`` per
   order, in a savepoint rolled back afterwards. The customers are created beforehand, out
   of the timing (the import creates its own inside its timing: the floor is the stricter).
5. Memory: the import of N/4, N/2 and N orders, then the floor of N, each rolled back, under
   tracemalloc (peak of Python allocations during the run, the in-process sandbox's
   included); tracemalloc slows Python down, so these runs are not the timed ones.

A warm-up import and floor of a few orders run first, so that registry caches filled on
first use are not charged to the measured runs. ``--repeat R`` alternates R timed import and
floor runs and shows the best of each (for a machine whose load changes); ``--profile PREFIX``
writes cProfile data of the timed runs to PREFIX.import and PREFIX.floor.

    python3 tools/bench_import.py -c /tmp/dev/odoo.cfg -d dev_bench --orders 2000 --lines 3
"""

# A command-line script: it reports to its terminal.
# pylint: disable=print-used
import argparse
import gc
import resource
import sys
import time
import tracemalloc
from datetime import datetime, timedelta, timezone

import odoo
from odoo.modules.registry import Registry

SECRET = "bench-secret-4f2a9c"
LICENSE_KEY = "SL3-0000-bench-7e1d"
SHOP_URL = "benchshop"
#: Import targets of the issue: RMS calls per 1,000 orders (searchOrder + getOrder).
CALLS_TARGET = 25


def bench_mix(lines):
    return {
        "payment": {"card": 0.6, "bank": 0.15, "cod": 0.25},
        "order_type": {1: 1.0},
        "progress": {300: 1.0},
        "packages": {1: 1.0},
        "items": {lines: 1.0},
        "drug": 0.0,
        "postage_undetermined": 0.0,
    }


# ----------------------------------------------------------------------
# Set-up
# ----------------------------------------------------------------------
def setup(env, sandbox, catalog):
    """What an import needs, created where missing (all of it is rolled back at the end)."""
    company = env.company
    jpy = env.ref("base.JPY")
    jpy.active = True
    pricelist = env["product.pricelist"].search(
        [("currency_id", "=", jpy.id), ("company_id", "in", [company.id, False])],
        limit=1,
    ) or env["product.pricelist"].create(
        {"name": "Rakuten JPY", "currency_id": jpy.id, "company_id": company.id}
    )

    def tax(amount):
        found = env["account.tax"].search(
            [
                ("company_id", "=", company.id),
                ("type_tax_use", "=", "sale"),
                ("amount_type", "=", "percent"),
                ("amount", "=", amount),
                ("price_include", "=", True),
            ],
            limit=1,
        )
        return found or env["account.tax"].create(
            {
                "name": "Rakuten %d%% incl." % amount,
                "amount": amount,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": company.id,
            }
        )

    tax_10, tax_8 = tax(10), tax(8)
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", company.id)], limit=1
    )
    skus = {
        variant.merchant_defined_sku_id: entry
        for entry in catalog
        for variant in entry.variants
    }
    Product = env["product.product"]
    existing = {
        p.default_code: p for p in Product.search([("default_code", "in", list(skus))])
    }
    missing = [sku for sku in skus if sku not in existing]
    if missing:
        created = Product.create(
            [
                {
                    "name": "%s %s" % (skus[sku].item_name, sku),
                    "default_code": sku,
                    "is_storable": True,
                    "list_price": skus[sku].price,
                    "company_id": False,
                }
                for sku in missing
            ]
        )
        existing.update({p.default_code: p for p in created})
    products = Product.browse([p.id for p in existing.values()])
    stock = warehouse.lot_stock_id
    for product in products:
        if not product.is_storable:
            product.is_storable = True
        env["stock.quant"]._update_available_quantity(product, stock, 10**6)
    team = env["crm.team"].search(
        [("rakuten_shop_url", "=", SHOP_URL), ("company_id", "=", company.id)]
    )
    vals = {
        "name": "Rakuten Bench Shop",
        "company_id": company.id,
        "rakuten_active": True,
        "rakuten_shop_url": SHOP_URL,
        "rakuten_service_secret": SECRET,
        "rakuten_license_key": LICENSE_KEY,
        "rakuten_api_url": sandbox.url,
        "rakuten_request_interval": 0.0,
        "rakuten_authorization_type": "rakuten_pay",
        "rakuten_warehouse_id": warehouse.id,
        "rakuten_pricelist_id": pricelist.id,
        "rakuten_tax_10_id": tax_10.id,
        "rakuten_tax_8_id": tax_8.id,
        "rakuten_unmatched_product_id": env.ref(
            "sale_rakuten.product_rakuten_unmatched"
        ).id,
        "rakuten_last_import_start": False,
    }
    if team:
        team.write(vals)
    else:
        team = env["crm.team"].create(dict(vals, member_ids=[odoo.Command.clear()]))
    env.flush_all()
    return team


# ----------------------------------------------------------------------
# Measured runs
# ----------------------------------------------------------------------
def _rss_mib():
    # ru_maxrss is in KiB on Linux: the process's high-water mark so far.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class SqlTimer:
    """Seconds spent in ``Cursor.execute`` (waiting for PostgreSQL, mostly)."""

    seconds = 0.0

    @classmethod
    def install(cls):
        from odoo import sql_db

        original = sql_db.Cursor.execute

        def execute(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                cls.seconds += time.perf_counter() - started

        sql_db.Cursor.execute = execute


class Measure:
    """Wall time, queries and RMS calls of one run; tracemalloc peak when tracing."""

    def __init__(self, cr, sandbox, trace):
        self.cr, self.sandbox, self.trace = cr, sandbox, trace

    def __enter__(self):
        gc.collect()
        self.sandbox.reset_counters()
        if self.trace:
            tracemalloc.reset_peak()
            self.mem_before = tracemalloc.get_traced_memory()[0]
        self.queries = self.cr.sql_log_count
        self.cpu = time.process_time()
        self.sql = SqlTimer.seconds
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.started
        self.cpu = time.process_time() - self.cpu
        self.sql = SqlTimer.seconds - self.sql
        self.queries = self.cr.sql_log_count - self.queries
        self.calls = dict(self.sandbox.calls)
        self.peak = None
        if self.trace:
            self.peak = tracemalloc.get_traced_memory()[1] - self.mem_before

    def result(self, n, **extra):
        """The numbers of the run over ``n`` orders, with ``extra`` ones."""
        return dict(
            n=n,
            elapsed=self.elapsed,
            cpu=self.cpu,
            sql=self.sql,
            queries=self.queries,
            calls=self.calls,
            peak=self.peak,
            **extra,
        )


def use_orders(sandbox, all_orders, numbers):
    sandbox.orders.clear()
    sandbox.orders.update({n: all_orders[n] for n in numbers})


def run_import(env, team, sandbox, all_orders, numbers, trace=False):
    """Import ``numbers`` from the sandbox in a savepoint that is rolled back."""
    use_orders(sandbox, all_orders, numbers)
    cr = env.cr
    savepoint = cr.savepoint()
    try:
        with Measure(cr, sandbox, trace) as measure:
            log = team._rakuten_import_orders()
            env.flush_all()
        result = measure.result(
            len(numbers),
            state=log.state,
            message=log.message or "",
            imported=log.count_imported,
            found=log.count_found,
            failed=log.count_failed,
            deferred=log.count_deferred,
            skipped=log.count_skipped,
            slips=dict(
                env["sale.order"]._read_group(
                    [("rakuten_order_number", "in", numbers)],
                    ["rakuten_slip_state"],
                    ["__count"],
                )
            ),
            pickings=env["stock.picking"].search_count(
                [("sale_id.rakuten_order_number", "in", numbers)]
            ),
        )
    finally:
        savepoint.close(rollback=True)
    return result


def floor_inputs(env, team, all_orders, numbers):
    """Customer values and sales-order values (minus partners) of the floor, computed out of
    the timing with the addon's pure mapping: the same products, prices, taxes and lines."""
    from odoo.addons.sale_rakuten.rms import mapping
    from odoo.addons.sale_rakuten.rms.order import parse_order

    Partner = env["res.partner"]
    Line = env["sale.order.line"]
    country = env.ref("base.jp")
    states = {
        s.code: s.id
        for s in env["res.country.state"].search([("country_id", "=", country.id)])
    }
    orders = [parse_order(all_orders[n]) for n in numbers]
    products = env["product.product"]._rakuten_match_products(
        team, [item for order in orders for item in order.items]
    )
    inputs = []
    for order in orders:
        customer = Partner._rakuten_address_vals(order.orderer, country, states)
        customer.update(company_id=team.company_id.id, customer_rank=1)
        recipient = Partner._rakuten_address_vals(
            order.packages[0].sender, country, states
        )
        same = all(
            customer[f] == recipient[f]
            for f in ("name", "zip", "state_id", "city", "street", "phone")
        )
        recipient = None if same else recipient
        lines = [
            Line._rakuten_line_vals(team, spec, products)[0]
            for spec in mapping.order_lines(order)
        ]
        vals = {
            "team_id": team.id,
            "company_id": team.company_id.id,
            "warehouse_id": team.rakuten_warehouse_id.id,
            "pricelist_id": team.rakuten_pricelist_id.id,
            "date_order": order.order_datetime.astimezone(timezone.utc).replace(
                tzinfo=None
            ),
            "client_order_ref": order.order_number,
            "order_line": [(0, 0, line) for line in lines],
        }
        inputs.append((customer, recipient, vals))
    return inputs


def run_floor(env, team, sandbox, all_orders, numbers, trace=False):
    """Plain ORM: per order one sale.order.create with its lines and one action_confirm."""
    inputs = floor_inputs(env, team, all_orders, numbers)
    cr = env.cr
    context = {
        "mail_create_nolog": True,
        "mail_create_nosubscribe": True,
        "tracking_disable": True,
    }
    SaleOrder = env["sale.order"].with_context(**context)
    Partner = env["res.partner"].with_context(**context)
    savepoint = cr.savepoint()
    try:
        started = time.perf_counter()
        customers = Partner.create([customer for customer, _r, _v in inputs])
        recipients = {}
        for customer, (_c, recipient, _v) in zip(customers, inputs, strict=True):
            if recipient:
                recipients[customer.id] = Partner.create(
                    dict(
                        recipient,
                        parent_id=customer.id,
                        type="delivery",
                        company_id=team.company_id.id,
                    )
                )
        env.flush_all()
        partners_elapsed = time.perf_counter() - started
        with Measure(cr, sandbox, trace) as measure:
            sale_orders = SaleOrder
            for customer, (_c, _r, vals) in zip(customers, inputs, strict=True):
                shipping = recipients.get(customer.id, customer)
                sale_order = SaleOrder.create(
                    dict(
                        vals,
                        partner_id=customer.id,
                        partner_invoice_id=customer.id,
                        partner_shipping_id=shipping.id,
                    )
                )
                sale_order.action_confirm()
                sale_orders |= sale_order
            env.flush_all()
        result = measure.result(
            len(numbers),
            confirmed=len(sale_orders.filtered(lambda o: o.state == "sale")),
            pickings=len(sale_orders.picking_ids),
            partners_elapsed=partners_elapsed,
        )
    finally:
        savepoint.close(rollback=True)
    return result


# ----------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------
def per_thousand(calls, n):
    return {name: count * 1000.0 / n for name, count in calls.items()} if n else {}


def report(args, imp, floor, memory, floor_mem, out=sys.stdout):
    n = args.orders
    w = out.write
    w(
        "orders: %d, item lines per order: %d, seed: %d (all rolled back)\n"
        % (n, args.lines, args.seed)
    )
    w(
        "import: log %s, found %d, imported %d, failed %d, deferred %d, skipped %d"
        " -> all imported: %s\n"
        % (
            imp["state"],
            imp["found"],
            imp["imported"],
            imp["failed"],
            imp["deferred"],
            imp["skipped"],
            "yes" if imp["imported"] == n else "NO",
        )
    )
    if imp["message"]:
        w("import message: %s\n" % imp["message"])
    w(
        "import slip states: %s; deliveries: %d\n"
        % (
            ", ".join(
                "%s=%d" % (k, v)
                for k, v in sorted(imp["slips"].items(), key=lambda kv: str(kv[0]))
            ),
            imp["pickings"],
        )
    )
    w(
        "floor: %d confirmed, %d deliveries; its %d customers were created beforehand in %.1f s "
        "(not timed)\n"
        % (floor["confirmed"], floor["pickings"], n, floor["partners_elapsed"])
    )
    w(
        "RMS calls by endpoint (import): %s\n"
        % ", ".join(
            "%s=%d (%.1f / 1,000)" % (name, count, count * 1000.0 / n)
            for name, count in sorted(imp["calls"].items())
        )
    )
    w("\n")
    rows = [
        ("", "import", "floor", "import/floor"),
        (
            "wall time (s)",
            "%.1f" % imp["elapsed"],
            "%.1f" % floor["elapsed"],
            "%.2f" % (imp["elapsed"] / floor["elapsed"]),
        ),
        (
            "Odoo process CPU (s)",
            "%.1f" % imp["cpu"],
            "%.1f" % floor["cpu"],
            "%.2f" % (imp["cpu"] / floor["cpu"]),
        ),
        (
            "time in SQL calls (s)",
            "%.1f" % imp["sql"],
            "%.1f" % floor["sql"],
            "%.2f" % (imp["sql"] / floor["sql"]),
        ),
        (
            "orders/s",
            "%.1f" % (n / imp["elapsed"]),
            "%.1f" % (n / floor["elapsed"]),
            "%.2f" % (floor["elapsed"] / imp["elapsed"]),
        ),
        (
            "SQL queries/order",
            "%.1f" % (imp["queries"] / n),
            "%.1f" % (floor["queries"] / n),
            "%.2f" % (imp["queries"] / floor["queries"]),
        ),
    ]
    if memory:
        peak = memory[-1]["peak"]
        rows.append(
            (
                "peak memory (MiB)",
                "%.1f" % (peak / 2**20),
                "%.1f" % (floor_mem["peak"] / 2**20),
                "%.2f" % (peak / floor_mem["peak"]),
            )
        )
    total = sum(imp["calls"].values()) * 1000.0 / n
    rows.append(
        (
            "RMS calls/1,000 orders",
            "%.1f" % total,
            "%.1f" % (sum(floor["calls"].values()) * 1000.0 / n),
            "target <= %d: %s"
            % (CALLS_TARGET, "met" if total <= CALLS_TARGET else "MISSED"),
        )
    )
    if len(imp["rounds"]) > 1:
        w(
            "timed rounds (s): import %s; floor %s (best shown)\n"
            % (
                ", ".join("%.1f" % t for t in imp["rounds"]),
                ", ".join("%.1f" % t for t in floor["rounds"]),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for index, row in enumerate(rows):
        w(
            "  ".join(
                cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(row)
            )
            + "\n"
        )
        if index == 0:
            w("  ".join("-" * width for width in widths) + "\n")
    if memory:
        w(
            "\nmemory vs orders (tracemalloc peak during the run; runs %.0f-%.0f s traced):\n"
            % (min(m["elapsed"] for m in memory), max(m["elapsed"] for m in memory))
        )
        for m in memory:
            w(
                "  import %5d orders: peak %6.1f MiB  (%.1f KiB/order, imported %d)\n"
                % (
                    m["n"],
                    m["peak"] / 2**20,
                    m["peak"] / 1024.0 / m["n"],
                    m["imported"],
                )
            )
        w(
            "  floor  %5d orders: peak %6.1f MiB\n"
            % (floor_mem["n"], floor_mem["peak"] / 2**20)
        )
    w("max RSS of the process: %.0f MiB\n" % _rss_mib())


def profiled(path, name, run, *args):
    """``run(*args)``, under cProfile into ``path.name`` when ``path`` is given."""
    if not path:
        return run(*args)
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        return run(*args)
    finally:
        profiler.disable()
        profiler.dump_stats("%s.%s" % (path, name))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument(
        "-d", "--database", required=True, help="database with sale_rakuten installed"
    )
    parser.add_argument(
        "--orders", type=int, default=2000, help="orders to import (default 2000)"
    )
    parser.add_argument(
        "--lines", type=int, default=3, help="item lines per order, 1 to 14 (default 3)"
    )
    parser.add_argument("--seed", type=int, default=1, help="sandbox seed (default 1)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="timed import + floor rounds, alternated; the best of each is shown (default 1)",
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the traced memory runs"
    )
    parser.add_argument(
        "--profile",
        metavar="PREFIX",
        help="cProfile the timed runs into PREFIX.import and PREFIX.floor",
    )
    args = parser.parse_args(argv)
    if args.orders < 4:
        parser.error("--orders must be >= 4")
    if not 1 <= args.lines <= 14:
        parser.error("--lines must be between 1 and 14")
    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn"]
    )
    from odoo.addons.sale_rakuten.tools.rms_sandbox import CATALOG, RmsSandbox

    SqlTimer.install()

    sandbox = RmsSandbox(SECRET, LICENSE_KEY, seed=args.seed)
    now = datetime.now(timezone.utc)
    warm = sandbox.generate_orders(
        10, now=now - timedelta(minutes=31), mix=bench_mix(args.lines), hours=23
    )
    numbers = sandbox.generate_orders(
        args.orders,
        now=now - timedelta(minutes=31),
        mix=bench_mix(args.lines),
        hours=23,
    )
    all_orders = dict(sandbox.orders)
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
        existing = env["sale.order"].search_count(
            [("rakuten_order_number", "!=", False)]
        )
        team = setup(env, sandbox, CATALOG)
        # Warm-up: registry caches, first-use compiles.
        run_import(env, team, sandbox, all_orders, warm)
        run_floor(env, team, sandbox, all_orders, warm)
        imports, floors = [], []
        for _round in range(args.repeat):
            # Alternated, so that a change of load on the machine hits both alike.
            imports.append(
                profiled(
                    args.profile,
                    "import",
                    run_import,
                    env,
                    team,
                    sandbox,
                    all_orders,
                    numbers,
                )
            )
            floors.append(
                profiled(
                    args.profile,
                    "floor",
                    run_floor,
                    env,
                    team,
                    sandbox,
                    all_orders,
                    numbers,
                )
            )
        imp = min(imports, key=lambda r: r["elapsed"])
        floor = min(floors, key=lambda r: r["elapsed"])
        imp["rounds"], floor["rounds"] = (
            [r["elapsed"] for r in imports],
            [r["elapsed"] for r in floors],
        )
        memory, floor_mem = [], None
        if not args.no_memory:
            tracemalloc.start()
            try:
                for size in (args.orders // 4, args.orders // 2, args.orders):
                    memory.append(
                        run_import(
                            env, team, sandbox, all_orders, numbers[:size], trace=True
                        )
                    )
                floor_mem = run_floor(
                    env, team, sandbox, all_orders, numbers, trace=True
                )
            finally:
                tracemalloc.stop()
        report(args, imp, floor, memory, floor_mem)
        if existing:
            print("note: the database held %d Rakuten orders before the run" % existing)
    finally:
        cr.rollback()
        cr.close()
        sandbox.stop()
    return 0 if imp["imported"] == args.orders else 1


if __name__ == "__main__":
    sys.exit(main())
