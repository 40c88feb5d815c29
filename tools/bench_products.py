#!/usr/bin/env python3
"""Benchmark "Import Products from Rakuten" (※6 商品管理の一括登録) against the local RMS sandbox.

Everything happens in ONE database transaction that is rolled back at the end: the database
keeps no product, attribute, SKU or channel of the run, and the run can be repeated.

1. The sandbox generates ``--items`` seeded items (single- and multi-SKU, 1 to 3 axes, hidden
   items and SKUs, SKUs without システム連携用SKU番号, JAN codes, tax rates 0.1 / 0.08 / shop
   default) beside its fixed catalogue; a Rakuten channel points at it without pacing, with
   taxes 10 % / 8 % included in the price. No product exists beforehand for the generated
   items (the fixed catalogue has none either: everything is created).
2. Registration: ``rakuten.sync._job_products(team, client, log)``, the body of the job, with
   an open client (what the cron runs, without commits), in a savepoint rolled back
   afterwards. Measured: items.search calls (counted by the sandbox), wall time, variants per
   second, SQL queries; the log must count every SKU created. Images are not downloaded (no
   network here; the plain floor downloads none either): ``_rakuten_fetch_image`` answers
   "no image" at once.
3. Second run: the same job again on the registered products (the daily run with nothing
   changed): wall time, and the log must count every SKU unchanged, none created.
4. Floor: the same templates and variants created with plain ORM calls, in the same run: one
   ``product.template.create`` per 100 items with their attribute lines (attributes and values
   found beforehand, out of the timing: the floor is the stricter), then each variant's
   internal reference and barcode written, and the variants that are no SKU archived; in a
   savepoint rolled back afterwards. The floor refreshes PostgreSQL's statistics as often as
   the registration does (``--plain-floor``: never), so it is not slowed by the plans made
   for empty tables that the registration avoids that way.

The ratio printed is registration variants/s ÷ floor variants/s (goal ≥ 1.0). A warm-up of a
few items runs both first, so registry caches filled on first use are not charged.

    python3 tools/bench_products.py -c /tmp/dev/odoo.cfg -d dev_bench --items 10000
"""

# A command-line script: it reports to its terminal.
# pylint: disable=print-used
import argparse
import sys
import time
from unittest.mock import patch

import odoo
from odoo import Command
from odoo.modules.registry import Registry

SECRET = "bench-secret-4f2a9c"
LICENSE_KEY = "SL3-0000-bench-7e1d"
SHOP_URL = "benchshop"
#: Targets of the issue.
CALLS_TARGET = 100
RATIO_TARGET = 1.0


class QueryCounter:
    """Counts the SQL queries of the cursor (``cr.sql_log_count`` is what Odoo itself counts)."""

    def __init__(self, cr):
        self.cr = cr
        self.start = cr.sql_log_count

    @property
    def count(self):
        return self.cr.sql_log_count - self.start


def setup(env, sandbox):
    from odoo.addons.sale_rakuten.tools.bench_channel import make_channel

    env["crm.team"].search(
        [("rakuten_shop_url", "=", SHOP_URL), ("company_id", "=", env.company.id)]
    ).unlink()
    team, _warehouse = make_channel(
        env, sandbox, "Rakuten Bench Shop", SHOP_URL, SECRET, LICENSE_KEY
    )
    env.flush_all()
    return team


def run_registration(env, team, sandbox, label):
    """The job body once, in a savepoint released (``keep``) or rolled back by the caller."""
    log = env["rakuten.sync.log"].create({"team_id": team.id, "kind": "products"})
    sandbox.reset_counters()
    env.flush_all()
    counter = QueryCounter(env.cr)
    start = time.perf_counter()
    with team._rakuten_client() as client:
        env["rakuten.sync"]._job_products(team, client, log)
    env.flush_all()
    elapsed = time.perf_counter() - start
    return {
        "label": label,
        "elapsed": elapsed,
        "queries": counter.count,
        "search_calls": sandbox.calls.get("items.search", 0),
        "calls": dict(sandbox.calls),
        "found": log.count_found,
        "created": log.count_created,
        "matched": log.count_matched,
        "unchanged": log.count_unchanged,
        "skipped": log.count_skipped,
        "failed": log.count_failed,
        "templates": len(
            env["rakuten.sku"]
            .search([("team_id", "=", team.id)])
            .product_id.product_tmpl_id
        ),
    }


def run_floor(env, team, items, analyze=True):
    """Plain ORM creation of the same templates and variants. With ``analyze``, PostgreSQL's
    statistics are refreshed as often as the registration refreshes them (each 2,000
    variants), so that the floor is not slowed by plans made for empty tables."""
    from odoo.tools import split_every

    from odoo.addons.sale_rakuten.models.rakuten_sku import (
        ANALYZE_EVERY,
        SHOP_DEFAULT_TAX_RATE,
    )

    Attribute, Value = env["product.attribute"], env["product.attribute.value"]
    attributes, values = {}, {}
    for item in items:  # out of the timing
        for selector in item.selectors:
            attribute = attributes.get(selector.display_name)
            if attribute is None:
                attribute = attributes[selector.display_name] = Attribute.search(
                    [
                        ("name", "=", selector.display_name),
                        ("create_variant", "=", "always"),
                    ],
                    limit=1,
                ) or Attribute.create(
                    {"name": selector.display_name, "create_variant": "always"}
                )
            for name in selector.values:
                if (attribute.id, name) not in values:
                    values[(attribute.id, name)] = Value.search(
                        [("attribute_id", "=", attribute.id), ("name", "=", name)],
                        limit=1,
                    ) or Value.create({"attribute_id": attribute.id, "name": name})
    env.flush_all()
    counter = QueryCounter(env.cr)
    start = time.perf_counter()
    variants_made = 0
    for batch in split_every(100, items, list):
        vals_list = []
        for item in batch:
            rate = SHOP_DEFAULT_TAX_RATE if item.tax_rate is None else item.tax_rate
            prices = [
                v.standard_price for v in item.variants if v.standard_price is not None
            ]
            vals_list.append(
                {
                    "name": item.title,
                    "type": "consu",
                    "is_storable": True,
                    "list_price": float(min(prices)) if prices else 0.0,
                    "taxes_id": [Command.set(team._rakuten_tax(rate).ids)],
                    "company_id": team.company_id.id,
                    "active": not item.hidden,
                    "attribute_line_ids": [
                        Command.create(
                            {
                                "attribute_id": attributes[selector.display_name].id,
                                "value_ids": [
                                    Command.set(
                                        [
                                            values[
                                                (
                                                    attributes[
                                                        selector.display_name
                                                    ].id,
                                                    name,
                                                )
                                            ].id
                                            for name in selector.values
                                        ]
                                    )
                                ],
                            }
                        )
                        for selector in item.selectors
                    ],
                }
            )
        before = variants_made
        templates = env["product.template"].create(vals_list)
        for item, template in zip(batch, templates, strict=True):
            by_combination = {
                tuple(
                    sorted(variant.product_template_attribute_value_ids.mapped("name"))
                ): variant
                for variant in template.with_context(
                    active_test=False
                ).product_variant_ids
            }
            used = set()
            for sku in item.variants:
                key = tuple(sorted(value for _key, value in sku.selector_values))
                variant = by_combination.get(key)
                if variant is None:
                    continue
                used.add(variant.id)
                variant.write(
                    {
                        "default_code": item.reference(sku),
                        "barcode": sku.article_number or False,
                        "active": not (item.hidden or sku.hidden),
                    }
                )
                variants_made += 1
            extra = template.with_context(
                active_test=False
            ).product_variant_ids.filtered(lambda v, used=used: v.id not in used)
            if extra:
                extra.active = False
        if analyze and variants_made // ANALYZE_EVERY > before // ANALYZE_EVERY:
            env["rakuten.sku"]._rakuten_analyze()
    env.flush_all()
    return {
        "elapsed": time.perf_counter() - start,
        "queries": counter.count,
        "variants": variants_made,
        "templates": sum(len(batch) for batch in split_every(100, items, list)),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument(
        "-d", "--database", required=True, help="database with sale_rakuten installed"
    )
    parser.add_argument(
        "--items", type=int, default=10000, help="generated items (default 10000)"
    )
    parser.add_argument("--seed", type=int, default=1, help="sandbox seed (default 1)")
    parser.add_argument(
        "--plain-floor",
        action="store_true",
        help="no ANALYZE in the floor (plain ORM as is; slower on large runs)",
    )
    args = parser.parse_args(argv)
    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn"]
    )
    from odoo.addons.sale_rakuten.rms.item import parse_item
    from odoo.addons.sale_rakuten.tools.rms_sandbox import CATALOG, RmsSandbox
    from odoo.addons.sale_rakuten.tools.rms_sandbox.catalog import item_model

    sandbox = RmsSandbox(SECRET, LICENSE_KEY, seed=args.seed)
    warm_entries = sandbox.generate_catalog(5)
    sandbox.start()
    registry = Registry(args.database)
    cr = registry.cursor()
    no_image = patch.object(
        registry["rakuten.sku"], "_rakuten_fetch_image", lambda self, url: (None, None)
    )
    no_image.start()
    try:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env = env(
            context=dict(
                env.context, lang="en_US", allowed_company_ids=[env.company.id]
            )
        )
        team = setup(env, sandbox)
        # Warm-up on the fixed catalogue and 5 items, then the floor on the same.
        warm_items = [
            parse_item(item_model(e, "", ""), SHOP_URL) for e in list(sandbox.catalog)
        ]
        with env.cr.savepoint(flush=True) as savepoint:
            run_registration(env, team, sandbox, "warm-up")
            savepoint.rollback()
        env.invalidate_all()
        with env.cr.savepoint(flush=True) as savepoint:
            run_floor(env, team, warm_items)
            savepoint.rollback()
        env.invalidate_all()
        del warm_entries
        # --items in all: the fixed catalogue, the warm-up's and the generated ones
        sandbox.generate_catalog(max(args.items - len(sandbox.catalog), 0))
        skus = sum(len(e.variants) for e in sandbox.catalog)
        items = [parse_item(item_model(e, "", ""), SHOP_URL) for e in sandbox.catalog]
        with env.cr.savepoint(flush=True) as savepoint:
            first = run_registration(env, team, sandbox, "registration")
            second = run_registration(env, team, sandbox, "second run")
            savepoint.rollback()
        env.invalidate_all()
        with env.cr.savepoint(flush=True) as savepoint:
            floor = run_floor(env, team, items, analyze=not args.plain_floor)
            savepoint.rollback()
        env.invalidate_all()
    finally:
        no_image.stop()
        cr.rollback()
        cr.close()
        sandbox.stop()

    reg_rate = first["created"] / first["elapsed"] if first["elapsed"] else 0.0
    floor_rate = floor["variants"] / floor["elapsed"] if floor["elapsed"] else 0.0
    ratio = reg_rate / floor_rate if floor_rate else 0.0
    print(
        "Products from Rakuten: %d items (%d generated + %d fixed), %d SKUs"
        % (len(items), len(items) - len(CATALOG), len(CATALOG), skus)
    )
    print(
        "registration : %7.1f s  %7.0f variants/s  %6d items.search calls (goal <= %d)"
        "  %8d SQL queries"
        % (
            first["elapsed"],
            reg_rate,
            first["search_calls"],
            CALLS_TARGET,
            first["queries"],
        )
    )
    print(
        "               created %d, matched %d, skipped %d, failed %d SKUs; %d templates;"
        " RMS calls %s"
        % (
            first["created"],
            first["matched"],
            first["skipped"],
            first["failed"],
            first["templates"],
            first["calls"],
        )
    )
    print(
        "second run   : %7.1f s  unchanged %d, created %d SKUs  %6d items.search calls"
        "  %8d SQL queries"
        % (
            second["elapsed"],
            second["unchanged"],
            second["created"],
            second["search_calls"],
            second["queries"],
        )
    )
    print(
        "plain ORM    : %7.1f s  %7.0f variants/s  (%d templates, %d variants)  %8d SQL queries%s"
        % (
            floor["elapsed"],
            floor_rate,
            floor["templates"],
            floor["variants"],
            floor["queries"],
            "" if args.plain_floor else "  (with the same ANALYZE)",
        )
    )
    print("ratio        : %.2fx plain ORM (goal >= %.1fx)" % (ratio, RATIO_TARGET))
    ok = (
        first["created"] + first["matched"] + first["skipped"] == skus
        and second["created"] == 0
        and first["failed"] == 0
    )
    print(
        "check        : %s"
        % ("every SKU registered once, second run created none" if ok else "FAILED")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
