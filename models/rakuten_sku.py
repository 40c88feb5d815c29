import base64
import dataclasses
import logging
from datetime import timedelta, timezone
from decimal import Decimal

import requests

from odoo import Command, _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, split_every
from odoo.tools.translate import LazyTranslate

from ..rms import item as rms_item
from ..rms import stock
from ..rms.exceptions import RmsError
from .rakuten_text import RakutenText, error_text

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

#: Items registered per batch: one savepoint and one commit per batch.
ITEM_BATCH = 100
#: A product image is downloaded with this timeout (seconds; one number: Odoo's test HTTP
#: guard compares it with an int), up to this size.
IMAGE_TIMEOUT = 15
IMAGE_MAX_BYTES = 10 * 1024 * 1024
#: payment.taxRate null: the shop's setting, which is the standard rate unless the shop
#: changed it (Item API does not tell the shop's default).
SHOP_DEFAULT_TAX_RATE = Decimal("0.1")
#: Statistics of these tables are refreshed each time this many more SKUs were created.
ANALYZE_EVERY = 2000
ANALYZED_TABLES = (
    "product_template",
    "product_product",
    "product_template_attribute_line",
    "product_template_attribute_value",
    "product_variant_combination",
    "product_attribute_value_product_template_attribute_line_rel",
    "rakuten_sku",
)
#: The fields that identify a SKU: never rewritten.
KEY_FIELDS = ("team_id", "manage_number", "variant_id")
#: The orders RMS has and Odoo has not reserved are looked for from the start of the last
#: import, less this margin (RMS's search index may lag a little behind its orders).
HOLD_MARGIN = timedelta(minutes=15)
#: ... and never over less than this (a first import, or a channel whose import never ran).
HOLD_MIN_WINDOW = timedelta(hours=24)
#: ... and never over more than RMS keeps searchable.
HOLD_MAX_WINDOW = timedelta(days=730)
#: Order statuses whose units RMS keeps off its stock (every status but 900 キャンセル確定).
HOLD_PROGRESS = [100, 200, 300, 400, 500, 600, 700, 800]


class RakutenSku(models.Model):
    """One Rakuten SKU of a channel (商品管理番号 + SKU管理番号) and the Odoo variant it is.

    Written by "Import Products from Rakuten" (※6 商品管理の一括登録) and read by the order
    import (items are matched by variantId first) and by the stock push (在庫連携).
    """

    _name = "rakuten.sku"
    _description = "Rakuten SKU"
    _order = "team_id, manage_number, variant_id"
    _check_company_auto = True

    team_id = fields.Many2one(
        "crm.team",
        string="Sales Channel",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(related="team_id.company_id", store=True, index=True)
    product_id = fields.Many2one(
        "product.product",
        ondelete="restrict",
        index=True,
        check_company=True,
    )
    product_tmpl_id = fields.Many2one(
        related="product_id.product_tmpl_id", string="Product Template"
    )
    manage_number = fields.Char(
        string="Item Management Number",
        required=True,
        help="商品管理番号 (manageNumber)",
    )
    item_number = fields.Char(help="商品番号 (itemNumber)")
    variant_id = fields.Char(
        string="SKU Management Number", required=True, help="SKU管理番号 (variantId)"
    )
    sku_number = fields.Char(
        string="System SKU Number", help="システム連携用SKU番号 (merchantDefinedSkuId)"
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "team_sku_unique",
            "UNIQUE(team_id, manage_number, variant_id)",
            "A Rakuten SKU is mapped once per sales channel.",
        ),
    ]

    # ------------------------------------------------------------------
    # Products from Rakuten (※6 商品管理の一括登録): fields and methods of the products work
    # ------------------------------------------------------------------
    origin = fields.Selection(
        [
            ("created", "Created from Rakuten"),
            ("matched", "Matched an Existing Product"),
        ],
        readonly=True,
        help="Created: the import made the product and keeps it as Rakuten describes it. "
        "Matched: the product was already in Odoo (same internal reference or barcode); "
        "the import links it and never changes it.",
    )
    article_number = fields.Char(
        string="JAN Code", help="articleNumber of the SKU on Rakuten"
    )
    variant_name = fields.Char(
        string="Variation", help="The SKU's choices, as Rakuten shows them"
    )
    rakuten_hidden = fields.Boolean(
        string="Hidden on Rakuten",
        help="The item or the SKU is in the warehouse (倉庫): not on sale.",
    )
    item_updated = fields.Char(
        string="Updated on Rakuten", help="The item's last change on Rakuten"
    )

    @api.model
    def _rakuten_set_migrated(self, team, evidence):
        """※6: ``team``'s shop uses Rakuten's SKU model, as ``evidence`` (a text in the shop's
        language) shows. Sets the channel's flag once, with a message in its chatter; never
        clears it. Returns whether the flag was set now."""
        team = team.sudo()
        if team.rakuten_sku_migrated:
            return False
        team.rakuten_sku_migrated = True
        lang_env = self.with_context(lang=team._rakuten_lang()).env
        team.message_post(
            body=lang_env._(
                "Rakuten SKU migration detected: %(evidence)s. The option 'Rakuten SKU Migration "
                "Done' is now "
                "set: products and stock are matched by SKU.",
                evidence=evidence,
            )
        )
        return True

    @api.model
    def _rakuten_detect_migration(self, team, orders):
        """Set ``team``'s SKU migration flag when one of ``orders`` (rms.order.Order) carries
        an SKU管理番号 (variantId): RMS leaves it empty on the orders of shops not migrated.
        ``normal-inventory``, the key RMS shows for items read before the migration, is no
        evidence."""
        if team.rakuten_sku_migrated:
            return False
        for order in orders:
            if any(
                sku.variant_id and sku.variant_id != rms_item.NORMAL_INVENTORY
                for item in order.items
                for sku in item.skus
            ):
                lang_env = self.with_context(lang=team._rakuten_lang()).env
                return self._rakuten_set_migrated(
                    team,
                    lang_env._(
                        "the Rakuten order %(order)s carries SKU management numbers",
                        order=order.order_number,
                    ),
                )
        return False

    def action_view_product(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "product.product",
            "res_id": self.product_id.id,
            "view_mode": "form",
        }

    @api.model
    def _rakuten_import_entries(self, team, entries, log):
        """Register the items of an Item API answer (``entries``: items.search ``results``
        or bulk-get items, as dicts). An entry that cannot be read fails alone."""
        items = []
        for entry in entries:
            try:
                items.append(rms_item.parse_item(entry, team.rakuten_shop_url or ""))
            except rms_item.ItemParseError as error:
                log._add_line(
                    error.manage_number or "?",
                    "failed",
                    _lt(
                        "Rakuten's item data cannot be read (%(path)s: %(problem)s).",
                        path=error.path,
                        problem=error.problem,
                    ),
                )
        return self._rakuten_import_items(team, items, log)

    @api.model
    def _rakuten_import_items(self, team, items, log):
        """Register ``items`` (:class:`rms.item.Item`) of ``team`` as products: one template
        per item, one variant per SKU, each SKU mapped once. SKUs already mapped are
        refreshed, SKUs an existing product carries (internal reference, then barcode) are
        linked to it, the others are created. Runs in batches; a batch is created at once
        and, if that fails, item by item, so one bad item never stops the others."""
        items = list(items)
        done = 0
        for batch in split_every(ITEM_BATCH, items, list):
            self._rakuten_import_batch(team, batch, log)
            self.env["rakuten.sync"]._commit_batch()
            done += len(batch)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(items) - done)
        return log

    # -- one batch ------------------------------------------------------
    def _rakuten_batch_context(self, team, items):
        """What the batch looks up, read in a few queries: the SKUs mapped already, the
        products carrying the batch's references and barcodes, the taken barcodes."""
        company = team.company_id
        mapped = self.with_context(active_test=False).search(
            [
                ("team_id", "=", team.id),
                ("manage_number", "in", [item.manage_number for item in items]),
            ]
        )
        codes, barcodes = set(), set()
        for item in items:
            for variant in item.variants:
                codes.add(item.reference(variant))
                if variant.article_number:
                    barcodes.add(variant.article_number)
        Product = self.env["product.product"].with_context(active_test=False)
        company_domain = [("company_id", "in", (False, company.id))]
        by_code, by_barcode = {}, {}
        if codes:
            for product in Product.search(
                [("default_code", "in", list(codes))] + company_domain,
                order="active desc, id",
            ):
                by_code.setdefault(product.default_code, product)
        if barcodes:
            for product in Product.search(
                [("barcode", "in", list(barcodes))] + company_domain,
                order="active desc, id",
            ):
                by_barcode.setdefault(product.barcode, product)
        return {
            "mapped": {(sku.manage_number, sku.variant_id): sku for sku in mapped},
            "by_code": by_code,
            "by_barcode": by_barcode,
            "taken_barcodes": set(by_barcode),
            "planned_codes": set(),
            "found": 0,
            "attributes": {},
            "values": {},
        }

    def _rakuten_import_batch(self, team, items, log):
        ctx = self._rakuten_batch_context(team, items)
        plans = []
        for item in items:
            try:
                with self.env.cr.savepoint():
                    plan = self._rakuten_import_item(team, item, ctx, log)
            except Exception as error:  # noqa: BLE001 - one bad item never stops the others
                _logger.info(
                    "Rakuten item %s not registered", item.manage_number, exc_info=True
                )
                ctx[
                    "attributes"
                ].clear()  # some may have been rolled back with the item
                ctx["values"].clear()
                self._rakuten_line(
                    log,
                    item.manage_number,
                    "failed",
                    _lt("Not registered: %(error)s", error=str(error)),
                    max(len(item.variants), 1),
                )
                continue
            if plan:
                plans.append(plan)
        log._count("found", ctx["found"])  # once a batch, not in each item's savepoint
        if not plans:
            return
        self._rakuten_fetch_images(plans)
        before = log.count_created
        try:
            with self.env.cr.savepoint():
                self._rakuten_create_templates(team, plans, log)
        except Exception:  # noqa: BLE001 - retry one by one to isolate the bad item
            _logger.info(
                "Rakuten product batch failed, creating item by item", exc_info=True
            )
            for plan in plans:
                try:
                    with self.env.cr.savepoint():
                        self._rakuten_create_templates(team, [plan], log)
                except Exception as error:  # noqa: BLE001
                    _logger.info(
                        "Rakuten item %s not created",
                        plan["item"].manage_number,
                        exc_info=True,
                    )
                    log._add_line(
                        plan["item"].manage_number,
                        "failed",
                        _lt("Not created: %(error)s", error=str(error)),
                        counter="failed",
                    )
                    log._count("failed", len(plan["variants"]) - 1)
        if log.count_created // ANALYZE_EVERY > before // ANALYZE_EVERY:
            self._rakuten_analyze()

    def _rakuten_analyze(self):
        """Refresh PostgreSQL's statistics of the tables a registration fills. A first import
        adds tens of thousands of variants faster than autovacuum looks (and, without
        commits, where it cannot see them): planned on the statistics of the empty tables,
        Odoo's reads of the variants' values turn into nested loops that grow with the import
        (measured: a 2,000-item import 20 times slower). ANALYZE counts the rows of the
        running transaction too."""
        self.env.flush_all()
        for table in ANALYZED_TABLES:
            self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))

    def _rakuten_line(self, log, key, outcome, reason, count=1):
        """One log line for ``count`` SKUs, counted ``count`` times."""
        if count:
            log._add_line(key, outcome, reason, counter=outcome)
            log._count(outcome, count - 1)

    @api.model
    def _rakuten_sku_values(self, team, item, variant):
        selectors = {selector.key: selector.display_name for selector in item.selectors}
        return {
            "team_id": team.id,
            "manage_number": item.manage_number,
            "variant_id": variant.variant_id,
            "item_number": item.item_number or False,
            "sku_number": variant.sku_number or False,
            "article_number": variant.article_number or False,
            "variant_name": " / ".join(
                "%s: %s" % (selectors.get(key, key), value)
                for key, value in variant.selector_values
            )
            or False,
            "rakuten_hidden": item.hidden or variant.hidden,
            "item_updated": item.updated or False,
            "active": True,
        }

    def _rakuten_item_retire(self, item, item_skus, ctx, log):
        """Archive the mappings of an item deleted on Rakuten, or of its SKUs gone from it;
        return whether the item still has SKUs to import."""
        if item.deleted:
            if item_skus.filtered("active"):
                item_skus.write({"active": False})
                self._rakuten_line(
                    log,
                    item.manage_number,
                    "skipped",
                    _lt("Deleted on Rakuten: its SKU mappings are archived."),
                    len(item_skus),
                )
            return False
        ctx["found"] += len(item.variants)
        if not item.variants:
            self._rakuten_line(
                log,
                item.manage_number,
                "skipped",
                _lt("The item has no SKU on Rakuten."),
            )
            return False
        gone = item_skus.filtered(
            lambda sku: (
                sku.active
                and sku.variant_id not in {v.variant_id for v in item.variants}
            )
        )
        if gone:
            gone.write({"active": False})
            self._rakuten_line(
                log,
                item.manage_number,
                "updated",
                _lt(
                    "%(count)s SKUs are no longer on Rakuten: their mappings are archived.",
                    count=len(gone),
                ),
                len(gone),
            )
        return True

    def _rakuten_import_item(self, team, item, ctx, log):
        """Refresh, match or plan the SKUs of one item; returns the plan of the template to
        create for the SKUs no product carries yet (created with the batch), or None."""
        mapped = ctx["mapped"]
        item_skus = self.browse(
            [sku.id for key, sku in mapped.items() if key[0] == item.manage_number]
        )
        if not self._rakuten_item_retire(item, item_skus, ctx, log):
            return None
        own = item_skus.filtered(
            lambda sku: sku.origin == "created" and sku.product_id
        ).product_id.product_tmpl_id[:1]
        to_create, own_skus, unchanged = [], [], 0
        for variant in item.variants:
            key = "%s/%s" % (item.manage_number, variant.variant_id)
            sku = mapped.get((item.manage_number, variant.variant_id))
            values = self._rakuten_sku_values(team, item, variant)
            if sku and sku.product_id:
                changed = {
                    name: value
                    for name, value in values.items()
                    if name not in KEY_FIELDS and sku[name] != value
                }
                if changed:
                    sku.write(changed)
                if sku.origin == "created" and sku.product_id.product_tmpl_id == own:
                    own_skus.append((variant, sku))
                else:
                    unchanged += 1
                continue
            product, how = self._rakuten_find_product(item, variant, ctx)
            if product:
                # A product an earlier import made for this item (its SKU got a new SKU管理番号,
                # as at the SKU migration) stays the import's own.
                ours = (
                    product
                    in item_skus.filtered(lambda s: s.origin == "created").product_id
                )
                values.update(
                    product_id=product.id, origin="created" if ours else "matched"
                )
                if sku:
                    sku.write(values)
                else:
                    mapped[(item.manage_number, variant.variant_id)] = self.create(
                        values
                    )
                self._rakuten_line(log, key, "matched", how)
                continue
            code = item.reference(variant)
            if code in ctx["planned_codes"]:
                self._rakuten_line(
                    log,
                    key,
                    "skipped",
                    _lt(
                        "Another SKU of this import has the internal reference %(code)s: give "
                        "each SKU "
                        "its own System SKU Number on Rakuten.",
                        code=code,
                    ),
                )
                continue
            if item.selectors and len(variant.selector_values) != len(item.selectors):
                self._rakuten_line(
                    log,
                    key,
                    "skipped",
                    _lt(
                        "The SKU has no choice for every variation of the item on Rakuten."
                    ),
                )
                continue
            to_create.append(variant)
        # The template's prices are those of its own SKUs (not of those matched elsewhere).
        prices = self._rakuten_prices(
            item, [variant for variant, _sku in own_skus] + to_create
        )
        if own:
            for variant in to_create:
                self._rakuten_add_variant(team, item, variant, own, prices, ctx, log)
        # after the new SKUs, whose choices' extra prices the existing variants may share
        for variant, sku in own_skus:
            if not self._rakuten_update_variant(
                team, item, variant, sku, prices, ctx, log
            ):
                unchanged += 1
        if unchanged:
            log._count("unchanged", unchanged)
        if not to_create or own:
            return None
        return self._rakuten_plan_template(team, item, to_create, ctx, log)

    def _rakuten_find_product(self, item, variant, ctx):
        """The product of the merchant that is this SKU: same internal reference, else same
        barcode. Returns ``(product, reason)``."""
        code = item.reference(variant)
        product = ctx["by_code"].get(code)
        if product:
            return product, _lt(
                "Linked to the existing product %(product)s (same internal reference %(code)s).",
                product=product.display_name,
                code=code,
            )
        product = (
            ctx["by_barcode"].get(variant.article_number)
            if variant.article_number
            else None
        )
        if product:
            return product, _lt(
                "Linked to the existing product %(product)s (same barcode %(barcode)s).",
                product=product.display_name,
                barcode=variant.article_number,
            )
        return self.env["product.product"], None

    def _rakuten_barcode(self, item, variant, ctx, log):
        """The SKU's JAN as barcode, unless another product has it already (then a line)."""
        barcode = variant.article_number
        if not barcode:
            return False
        if barcode in ctx["taken_barcodes"]:
            log._add_line(
                "%s/%s" % (item.manage_number, variant.variant_id),
                "warning",
                _lt(
                    "The barcode %(barcode)s is already another product's: the variant is kept "
                    "without it.",
                    barcode=barcode,
                ),
                counter="warning",
            )
            return False
        ctx["taken_barcodes"].add(barcode)
        return barcode

    # -- attributes -------------------------------------------------------
    def _rakuten_attribute(self, name, ctx):
        """The attribute named ``name`` that creates variants, found or created."""
        cache = ctx["attributes"]
        if name not in cache:
            Attribute = self.env["product.attribute"]
            attribute = Attribute.search(
                [("name", "=", name), ("create_variant", "=", "always")], limit=1
            )
            cache[name] = attribute or Attribute.create(
                {"name": name, "create_variant": "always", "display_type": "radio"}
            )
        return cache[name]

    def _rakuten_attribute_values(self, attribute, names, ctx):
        """``{name: product.attribute.value}`` of ``attribute``, created where missing."""
        cache = ctx["values"].setdefault(attribute.id, {})
        missing = [name for name in dict.fromkeys(names) if name not in cache]
        if missing:
            Value = self.env["product.attribute.value"]
            for value in Value.search(
                [("attribute_id", "=", attribute.id), ("name", "in", missing)]
            ):
                cache.setdefault(value.name, value)
            new = [name for name in missing if name not in cache]
            for value in Value.create(
                [{"attribute_id": attribute.id, "name": name} for name in new]
            ):
                cache[value.name] = value
        return cache

    # -- new templates ----------------------------------------------------
    def _rakuten_prices(self, item, variants):
        prices = rms_item.price_extras(
            dataclasses.replace(item, variants=tuple(variants))
        )
        if prices is None:
            priced = [
                v.standard_price for v in variants if v.standard_price is not None
            ]
            return (min(priced) if priced else Decimal(0)), {}, bool(priced)
        return prices[0], prices[1], False

    def _rakuten_taxes(self, team, item):
        rate = SHOP_DEFAULT_TAX_RATE if item.tax_rate is None else item.tax_rate
        return team._rakuten_tax(rate)

    def _rakuten_plan_template(self, team, item, variants, ctx, log):
        """The template of ``item`` with one variant per SKU of ``variants``, as plain
        values (created with the batch by :meth:`_rakuten_create_templates`)."""
        base, extras, uneven = self._rakuten_prices(item, variants)
        axes = []
        for selector in item.selectors:
            used = [
                value
                for value in selector.values
                if any(
                    dict(v.selector_values).get(selector.key) == value for v in variants
                )
            ]
            used += [
                dict(v.selector_values)[selector.key]
                for v in variants
                if dict(v.selector_values).get(selector.key) not in used
            ]
            attribute = self._rakuten_attribute(selector.display_name, ctx)
            values = self._rakuten_attribute_values(attribute, used, ctx)
            axes.append(
                (
                    selector.key,
                    attribute,
                    [values[name] for name in dict.fromkeys(used)],
                )
            )
        planned = []
        for variant in variants:
            code = item.reference(variant)
            ctx["planned_codes"].add(code)
            planned.append(
                (variant, code, self._rakuten_barcode(item, variant, ctx, log))
            )
        image = item.image
        return {
            "item": item,
            "axes": axes,
            "variants": planned,
            "extras": extras,
            "uneven": uneven,
            "image_url": image.url if image else None,
            "image": None,
            "image_error": None,
            "template": {
                "name": item.title,
                "type": "consu",
                "is_storable": True,
                "sale_ok": True,
                "list_price": float(base),
                "taxes_id": [Command.set(self._rakuten_taxes(team, item).ids)],
                "company_id": team.company_id.id,
                "active": not item.hidden,
            },
        }

    def _rakuten_fetch_images(self, plans):
        for plan in plans:
            if plan["image_url"]:
                plan["image"], plan["image_error"] = self._rakuten_fetch_image(
                    plan["image_url"]
                )

    @api.model
    def _rakuten_fetch_image(self, url):
        """``(base64 image, None)`` or ``(None, why)``: a failed download never fails the
        product."""
        try:
            response = requests.get(url, timeout=IMAGE_TIMEOUT, stream=True)
            response.raise_for_status()
            if not (response.headers.get("Content-Type") or "").startswith("image/"):
                return None, "not an image (%s)" % (
                    response.headers.get("Content-Type") or "?"
                )
            data = response.raw.read(IMAGE_MAX_BYTES + 1, decode_content=True)
            if len(data) > IMAGE_MAX_BYTES:
                return None, "larger than %d MB" % (IMAGE_MAX_BYTES // 1024 // 1024)
            return base64.b64encode(data), None
        except (requests.RequestException, OSError) as error:
            _logger.info("Rakuten image %s not downloaded: %s", url, error)
            return None, type(error).__name__

    def _rakuten_create_templates(self, team, plans, log):
        """Create the templates of ``plans`` with their attribute lines, values and one
        variant per SKU, in one create per model: Odoo's own variant generation would make
        every combination of the values (Rakuten items often leave some out) and look each
        value up one by one."""
        env = self.env(
            context=dict(
                self.env.context,
                create_product_product=False,
                mail_create_nolog=True,
                tracking_disable=True,
            )
        )
        template_vals = []
        for plan in plans:
            vals = dict(plan["template"])
            if plan["image"]:
                vals["image_1920"] = plan["image"]
            template_vals.append(vals)
        templates = env["product.template"].create(template_vals)
        line_vals, line_keys = [], []
        for plan, template in zip(plans, templates, strict=True):
            for key, attribute, values in plan["axes"]:
                line_vals.append(
                    {
                        "product_tmpl_id": template.id,
                        "attribute_id": attribute.id,
                        "value_ids": [Command.set([value.id for value in values])],
                    }
                )
                line_keys.append((plan, key, values))
        lines = (
            env["product.template.attribute.line"]
            .with_context(update_product_template_attribute_values=False)
            .create(line_vals)
        )
        ptav_vals = []
        for line, (plan, key, values) in zip(lines, line_keys, strict=True):
            for value in values:
                ptav_vals.append(
                    {
                        "attribute_line_id": line.id,
                        "product_attribute_value_id": value.id,
                        "price_extra": float(plan["extras"].get((key, value.name), 0)),
                    }
                )
        ptavs = env["product.template.attribute.value"].create(ptav_vals)
        ptav_by = {
            (ptav.attribute_line_id.id, ptav.product_attribute_value_id.name): ptav
            for ptav in ptavs
        }
        lines_by_plan = {}
        for line, (plan, key, _values) in zip(lines, line_keys, strict=True):
            lines_by_plan.setdefault(id(plan), {})[key] = line
        product_vals, owners = [], []
        for plan, template in zip(plans, templates, strict=True):
            item = plan["item"]
            plan_lines = lines_by_plan.get(id(plan), {})
            for variant, code, barcode in plan["variants"]:
                combination = [
                    ptav_by[(plan_lines[key].id, value)].id
                    for key, value in variant.selector_values
                ]
                product_vals.append(
                    {
                        "product_tmpl_id": template.id,
                        "product_template_attribute_value_ids": [
                            Command.set(combination)
                        ],
                        "default_code": code,
                        "barcode": barcode,
                        "active": not (item.hidden or variant.hidden),
                    }
                )
                owners.append((plan, variant))
        products = env["product.product"].create(product_vals)
        self.create(
            [
                dict(
                    self._rakuten_sku_values(team, plan["item"], variant),
                    product_id=product.id,
                    origin="created",
                )
                for product, (plan, variant) in zip(products, owners, strict=True)
            ]
        )
        lines, created = [], 0
        for plan, template in zip(plans, templates, strict=True):
            count = len(plan["variants"])
            created += count
            item = plan["item"]
            if plan["uneven"]:
                reason = _lt(
                    "Created %(product)s with %(count)s variants. Their prices on Rakuten cannot "
                    "be "
                    "written as an extra price per choice: every variant has the lowest, "
                    "%(price)s yen.",
                    product=template.name,
                    count=count,
                    price=int(plan["template"]["list_price"]),
                )
            elif item.hidden:
                reason = _lt(
                    "Created %(product)s with %(count)s variants, archived: the item is hidden on "
                    "Rakuten (in the warehouse).",
                    product=template.name,
                    count=count,
                )
            else:
                reason = _lt(
                    "Created %(product)s with %(count)s variants.",
                    product=template.name,
                    count=count,
                )
            lines.append((item.manage_number, "created", reason, None))
            if plan["image_error"]:
                lines.append(
                    (
                        item.manage_number,
                        "warning",
                        _lt(
                            "The image %(url)s could not be downloaded (%(error)s): the product "
                            "has none.",
                            url=plan["image_url"],
                            error=plan["image_error"],
                        ),
                        None,
                    )
                )
        # one line per item (counted once by _add_lines), the SKUs counted
        log._add_lines(lines)
        log._count("created", created - len(plans))

    # -- existing templates -----------------------------------------------
    def _rakuten_add_variant(self, team, item, variant, template, prices, ctx, log):
        """Add the SKU ``variant``, new on Rakuten, to ``template`` made by an earlier
        import: its choices become values of the template's attribute lines."""
        key = "%s/%s" % (item.manage_number, variant.variant_id)
        selectors = {selector.key: selector.display_name for selector in item.selectors}
        lines = {line.attribute_id.name: line for line in template.attribute_line_ids}
        if set(lines) != {selectors[k] for k, _v in variant.selector_values}:
            self._rakuten_line(
                log,
                key,
                "skipped",
                _lt(
                    "The variations of this item changed on Rakuten since it was imported: add "
                    "the SKU to "
                    "%(product)s by hand.",
                    product=template.display_name,
                ),
            )
            return
        combination = self.env["product.template.attribute.value"]
        for selector_key, value_name in variant.selector_values:
            line = lines[selectors[selector_key]]
            value = self._rakuten_attribute_values(
                line.attribute_id, [value_name], ctx
            )[value_name]
            ptav = line.product_template_value_ids.filtered(
                lambda p, value=value: p.product_attribute_value_id == value
            )
            if not ptav:
                line.with_context(update_product_template_attribute_values=False).write(
                    {"value_ids": [Command.link(value.id)]}
                )
                ptav = self.env["product.template.attribute.value"].create(
                    {
                        "attribute_line_id": line.id,
                        "product_attribute_value_id": value.id,
                        "price_extra": float(
                            prices[1].get((selector_key, value_name), 0)
                        ),
                    }
                )
            combination |= ptav[:1]
        code = item.reference(variant)
        values = {
            "default_code": code,
            "barcode": self._rakuten_barcode(item, variant, ctx, log),
            "active": not (item.hidden or variant.hidden),
        }
        product = template.with_context(active_test=False).product_variant_ids.filtered(
            lambda p: p.product_template_attribute_value_ids == combination
        )[:1]
        if product:
            product.write(values)
        else:
            product = (
                self.env["product.product"]
                .with_context(create_product_product=False)
                .create(
                    dict(
                        values,
                        product_tmpl_id=template.id,
                        product_template_attribute_value_ids=[
                            Command.set(combination.ids)
                        ],
                    )
                )
            )
        sku = ctx["mapped"].get((item.manage_number, variant.variant_id))
        values = dict(
            self._rakuten_sku_values(team, item, variant),
            product_id=product.id,
            origin="created",
        )
        if sku:
            sku.write(values)
        else:
            ctx["mapped"][(item.manage_number, variant.variant_id)] = self.create(
                values
            )
        self._rakuten_line(
            log,
            key,
            "created",
            _lt(
                "Added to %(product)s as a new variant.", product=template.display_name
            ),
        )

    def _rakuten_update_variant(self, team, item, variant, sku, prices, ctx, log):
        """Bring the product the import made for ``sku`` up to date with Rakuten (name, price,
        tax, archived, internal reference, barcode). Returns whether anything changed."""
        product = sku.product_id.with_context(active_test=False)
        template = product.product_tmpl_id
        base, extras, _uneven = prices
        template_vals = {}
        if template.name != item.title:
            template_vals["name"] = item.title
        if template.list_price != float(base):
            template_vals["list_price"] = float(base)
        taxes = self._rakuten_taxes(team, item)
        if template.taxes_id != taxes:
            template_vals["taxes_id"] = [Command.set(taxes.ids)]
        if template.active == item.hidden:
            template_vals["active"] = not item.hidden
        if template_vals:
            template.write(template_vals)
        product_vals = {}
        code = item.reference(variant)
        if product.default_code != code:
            product_vals["default_code"] = code
        if variant.article_number and product.barcode != variant.article_number:
            barcode = self._rakuten_barcode(item, variant, ctx, log)
            if barcode:
                product_vals["barcode"] = barcode
        active = not (item.hidden or variant.hidden)
        if product.active != active:
            product_vals["active"] = active
        if product_vals:
            product.write(product_vals)
        extra_changed = False
        values = variant.values_by_key
        for ptav in product.product_template_attribute_value_ids:
            key = next(
                (
                    s.key
                    for s in item.selectors
                    if s.display_name == ptav.attribute_id.name
                ),
                None,
            )
            extra = float(extras.get((key, values.get(key)), 0))
            if key and ptav.price_extra != extra:
                ptav.price_extra = extra
                extra_changed = True
        if not (template_vals or product_vals or extra_changed):
            return False
        self._rakuten_line(
            log,
            "%s/%s" % (item.manage_number, variant.variant_id),
            "updated",
            _lt(
                "Updated %(product)s as it is on Rakuten.", product=product.display_name
            ),
        )
        return True

    # ------------------------------------------------------------------
    # Stock to Rakuten (※6 在庫連携): fields and methods of the stock work
    # ------------------------------------------------------------------
    stock_override = fields.Boolean(
        string="Own Stock Rule",
        help=(
            "This SKU has its own safety stock, allocation rate and maximum instead of the "
            "channel's."
        ),
    )
    stock_safety = fields.Integer(
        string="Safety Stock", help="予備在庫数 of this SKU (with its own rule)."
    )
    stock_rate = fields.Integer(
        string="Allocation Rate (%)",
        default=100,
        help="在庫割当率 of this SKU (with its own rule).",
    )
    stock_use_cap = fields.Boolean(
        string="Limit the Quantity", help="Offer at most the maximum quantity."
    )
    stock_cap = fields.Integer(
        string="Maximum Quantity",
        help="Most units shown on Rakuten (with its own rule).",
    )
    stock_state = fields.Selection(
        [
            ("todo", "To Send"),
            ("sending", "Sending"),
            ("sent", "Up to Date"),
            ("error", "Error"),
        ],
        string="Stock Status",
        default="todo",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        help="To Send: not checked against Rakuten yet. Sending: a push was under way (the next "
        "one reads Rakuten's quantity again before sending anything). Up to Date: Rakuten had "
        "the sellable quantity at the last check. Error: Rakuten refused the last push.",
    )
    stock_sent = fields.Integer(
        string="Last Quantity Sent",
        readonly=True,
        copy=False,
        help="The quantity Rakuten was given by the last push of this SKU.",
    )
    stock_sent_date = fields.Datetime(string="Sent On", readonly=True, copy=False)
    stock_checked_date = fields.Datetime(
        string="Checked On",
        readonly=True,
        copy=False,
        help="Last time the push compared this SKU's sellable quantity with Rakuten's.",
    )
    stock_rakuten = fields.Integer(
        string="Quantity on Rakuten",
        readonly=True,
        copy=False,
        help="Rakuten's quantity after the last check or push of this SKU.",
    )
    stock_held = fields.Integer(
        string="Held for Orders Not Imported",
        readonly=True,
        copy=False,
        help="Units of Rakuten orders that Rakuten already took off its stock and Odoo has not "
        "reserved yet (not imported yet): they are not offered again.",
    )
    stock_rule_key = fields.Char(
        readonly=True,
        copy=False,
        help="Technical: the product, warehouse and rule the last check used; a change of one "
        "checks the SKU again.",
    )
    stock_error = RakutenText(string="Stock Error", readonly=True, copy=False)

    @api.constrains("stock_safety", "stock_rate", "stock_cap")
    def _check_stock_rule(self):
        self._check_stock_rule_values(self, "stock_")

    @api.model
    def _check_stock_rule_values(self, records, prefix):
        for record in records:
            if record[prefix + "safety"] < 0 or record[prefix + "cap"] < 0:
                raise ValidationError(
                    _("The safety stock and the maximum quantity cannot be negative.")
                )
            if not 0 <= record[prefix + "rate"] <= 100:
                raise ValidationError(
                    _("The allocation rate is a percentage between 0 and 100.")
                )

    # -- the rule ------------------------------------------------------------------------------
    @api.model
    def _stock_rule_of(self, record, prefix):
        return stock.StockRule(
            safety=record[prefix + "safety"],
            rate=record[prefix + "rate"],
            cap=record[prefix + "cap"] if record[prefix + "use_cap"] else None,
        )

    def _stock_rule(self):
        """The rule of this SKU: its own, else its channel's."""
        self.ensure_one()
        if self.stock_override:
            return self._stock_rule_of(self, "stock_")
        return self._stock_rule_of(self.team_id, "rakuten_stock_")

    def _stock_key(self):
        """What the sellable quantity depends on besides the stock: see ``stock_rule_key``."""
        self.ensure_one()
        rule = self._stock_rule()
        return "%s:%s:%s:%s:%s" % (
            self.product_id.id,
            self.team_id.rakuten_warehouse_id.id,
            rule.safety,
            rule.rate,
            "" if rule.cap is None else rule.cap,
        )

    def _key(self):
        return (self.manage_number, self.variant_id)

    # -- the free quantity -----------------------------------------------------------------------
    @api.model
    def _stock_free_quantities(self, products, warehouse):
        """``{product id: free quantity}`` in ``warehouse``: on hand in its internal locations,
        less what is reserved there, less what open deliveries from its stock still need and
        have not reserved (an order confirmed without stock, or with reservation on demand).
        Reads the quants and open moves of ``products`` only."""
        Quant = self.env["stock.quant"].sudo()
        free = dict.fromkeys(products.ids, 0.0)
        for product, quantity, reserved in Quant._read_group(
            [
                ("product_id", "in", products.ids),
                ("location_id", "child_of", warehouse.view_location_id.id),
                ("location_id.usage", "=", "internal"),
            ],
            ["product_id"],
            ["quantity:sum", "reserved_quantity:sum"],
        ):
            free[product.id] = quantity - reserved
        stock_locations = (
            self.env["stock.location"]
            .sudo()
            .search([("id", "child_of", warehouse.lot_stock_id.id)])
            .ids
        )
        moves = (
            self.env["stock.move"]
            .sudo()
            .search(
                [
                    ("product_id", "in", products.ids),
                    ("state", "in", ("confirmed", "partially_available", "waiting")),
                    ("location_id", "in", stock_locations),
                    ("location_dest_id", "not in", stock_locations),
                ]
            )
        )
        for move in moves:
            reserved = move.product_uom._compute_quantity(
                move.quantity, move.product_id.uom_id, round=False
            )
            free[move.product_id.id] -= max(move.product_qty - reserved, 0.0)
        return free

    # -- held units: orders RMS has and Odoo has not reserved --------------------------------------
    @api.model
    def _stock_refresh_holds(self, team, client):
        """Bring the channel's orders holding stock up to date with RMS; returns them.

        The orders: every live order (any status but 900) placed since the last import started,
        less a margin, and every order the import keeps waiting, that Odoo has not imported.
        Each is read once with getOrder and kept (rakuten.stock.hold) until it is imported or
        leaves RMS's live orders."""
        Hold = self.env["rakuten.stock.hold"].sudo()
        now = fields.Datetime.now()
        last = team.rakuten_last_import_start
        start = min(now - HOLD_MIN_WINDOW, (last or now) - HOLD_MARGIN)
        start = max(start, now - HOLD_MAX_WINDOW).replace(tzinfo=timezone.utc)
        live = client.search_order(
            start,
            now.replace(tzinfo=timezone.utc),
            order_progress_list=HOLD_PROGRESS,
            date_type=1,
        )
        waiting = (
            self.env["rakuten.pending.order"]
            .sudo()
            .search([("team_id", "=", team.id), ("state", "=", "waiting")])
            .mapped("order_number")
        )
        candidates = list(dict.fromkeys([*live, *waiting]))
        imported = set()
        for chunk in split_every(5000, candidates, list):
            imported.update(
                self.env["sale.order"]
                .sudo()
                .with_context(active_test=False)
                .search([("rakuten_order_number", "in", chunk)])
                .mapped("rakuten_order_number")
            )
        numbers = stock.orders_to_hold(live, waiting, imported)
        holds = Hold.search([("team_id", "=", team.id)])
        known = {hold.order_number: hold for hold in holds}
        keep = set(numbers)
        holds.filtered(lambda h: h.order_number not in keep).unlink()
        missing = [n for n in numbers if n not in known]
        if missing:
            raws, _messages = client.get_order_detailed(missing)
            values = []
            for raw in raws:
                number = raw.get("orderNumber") if isinstance(raw, dict) else None
                if number not in keep or number in known:
                    continue
                units = stock.order_units(raw)
                values.append(
                    {
                        "team_id": team.id,
                        "order_number": number,
                        "lines": [[m, v, u] for (m, v), u in sorted(units.items())],
                    }
                )
                known[number] = True
            Hold.create(values)
            # An order RMS did not return (a ghost waiting order) holds nothing.
        return Hold.search([("team_id", "=", team.id)])

    @api.model
    def _stock_held_by_product(self, products):
        """``{product id: units}`` held by the orders of every channel (rakuten.stock.hold) on
        the Rakuten SKUs mapped to ``products``: two shops selling one warehouse's stock see
        each other's orders."""
        held = dict.fromkeys(products.ids, 0)
        if not products:
            return held
        self.env.cr.execute(
            SQL(
                """
            SELECT sku.product_id, SUM((line->>2)::int)
              FROM rakuten_stock_hold hold
              CROSS JOIN LATERAL jsonb_array_elements(hold.lines) AS line
              JOIN rakuten_sku sku ON sku.team_id = hold.team_id
                                  AND sku.manage_number = line->>0 AND sku.variant_id = line->>1
             WHERE sku.product_id = ANY(%s) AND sku.active AND jsonb_typeof(hold.lines) = 'array'
             GROUP BY sku.product_id
            """,
                products.ids,
            )
        )
        held.update(dict(self.env.cr.fetchall()))
        return held

    # -- the push ------------------------------------------------------------------------------
    @api.model
    def _stock_blocked_reason(self, team):
        if not team.rakuten_stock_push:
            return _lt(
                "Sending stock to Rakuten is switched off for this channel (Send Stock to Rakuten)."
            )
        if not team.rakuten_sku_migrated:
            return _lt(
                "Stock is not sent: the shop has not migrated to Rakuten's SKU model (※6). "
                "Tick Rakuten SKU Migration Done once RMS shows the migration, or let the order "
                "import detect it."
            )
        if not team.rakuten_warehouse_id:
            return _lt("Stock is not sent: the channel has no ship-from warehouse.")
        return None

    @api.model
    def _stock_candidates(self, team):
        """The SKUs of ``team`` the push must check and the queue rows it consumes:
        ``(skus, change ids)``. A SKU is checked when its product's stock changed (a queue
        row), when it was never checked since stock sending started, when its product,
        warehouse or rule changed since its last check, or when its last push failed or was
        interrupted. Reads the queue and the channel's SKUs, never the quants."""
        self.env.cr.execute(
            SQL(
                """
            SELECT c.id, c.sku_id FROM rakuten_stock_change c
              JOIN rakuten_sku sku ON sku.id = c.sku_id
             WHERE sku.team_id = %s
            """,
                team.id,
            )
        )
        rows = self.env.cr.fetchall()
        change_ids = [row[0] for row in rows]
        ids = {row[1] for row in rows}
        rule = self._stock_rule_of(team, "rakuten_stock_")
        team_key = "%s:%s:%s:%s" % (
            team.rakuten_warehouse_id.id,
            rule.safety,
            rule.rate,
            "" if rule.cap is None else rule.cap,
        )
        self.env.cr.execute(
            SQL(
                """
            SELECT id FROM rakuten_sku
             WHERE team_id = %(team)s AND active AND product_id IS NOT NULL
               AND (stock_state != 'sent' OR stock_checked_date IS NULL
                    OR stock_checked_date < %(since)s
                    OR stock_rule_key IS DISTINCT FROM product_id || ':' || CASE
                       WHEN stock_override
                       THEN %(warehouse)s || ':' || COALESCE(stock_safety, 0)
                            || ':' || COALESCE(stock_rate, 0) || ':'
                            || CASE WHEN stock_use_cap THEN COALESCE(stock_cap, 0)::text
                                    ELSE '' END
                       ELSE %(team_key)s END)
            """,
                team=team.id,
                since=team.rakuten_stock_push_since or fields.Datetime.now(),
                warehouse=str(team.rakuten_warehouse_id.id),
                team_key=team_key,
            )
        )
        ids.update(row[0] for row in self.env.cr.fetchall())
        # Stock is kept for storable products only: the others have no quantity to send.
        skus = self.browse(sorted(ids)).filtered(
            lambda s: s.active and s.product_id.is_storable
        )
        return skus, change_ids

    @api.model
    def _stock_push(self, team, client, log):
        """Send the sellable quantity of the channel's changed SKUs to Rakuten (the stock job).

        See :mod:`..rms.stock` for why it cannot oversell: for each batch of SKUs, RMS's
        quantities are read first, then the orders RMS has and Odoo has not reserved, then the
        difference is sent (RELATIVE; ABSOLUTE for a new stock row or 0). What is about to be
        sent is recorded and committed first; a push that did not come back leaves its SKUs
        'Sending', and the next run reads RMS again instead of sending the same difference
        twice. Unchanged SKUs are only recorded."""
        reason = self._stock_blocked_reason(team)
        if reason:
            log.message = reason
            return
        self.env["rakuten.stock.change"]._rakuten_flush()
        skus, change_ids = self._stock_candidates(team)
        log.count_found = len(skus)
        Sync = self.env["rakuten.sync"]
        for batch in split_every(stock.MAX_GET_ROWS, skus.ids, self.browse):
            self._stock_push_batch(team, client, log, batch)
        if not skus:
            self._stock_refresh_holds(team, client)
        self._stock_queue_held_changes(team, skus)
        # The queue rows read at the start stand for changes this run has dealt with (those of
        # SKUs whose push failed are kept, for the next run).
        failed = set(skus.filtered(lambda s: s.stock_state in ("error", "sending")).ids)
        if change_ids:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM rakuten_stock_change WHERE id = ANY(%s) AND sku_id != ALL(%s)",
                    change_ids,
                    list(failed) or [0],
                )
            )
        Sync._commit_batch()

    def _stock_push_batch(self, team, client, log, skus, retry=True):
        """One batch (≤1,000 SKUs: one inventories bulk-get), pushed 400 rows a call.

        A call RMS refuses (one row no longer fits, IE0117 after orders placed since the read;
        any row it rejects) is not sent again as it was: its SKUs are read again, planned
        again and sent in two halves, down to the one SKU RMS refuses, so that one bad row
        never holds the others back, and a row RMS would have applied anyway is not sent
        twice. Errors that would fail every call (credentials, not migrated, maintenance,
        throttling, no answer) end the run instead."""
        Sync = self.env["rakuten.sync"]
        keys = [sku._key() for sku in skus]
        # 1. What RMS has now: read before the orders are looked for (rms/stock.py).
        rms_quantities = self._stock_read(client, keys)
        # 2. The orders RMS has and Odoo has not reserved.
        self._stock_refresh_holds(team, client)
        products = skus.product_id
        held = self._stock_held_by_product(products)
        free = self._stock_free_quantities(products, team.rakuten_warehouse_id)
        plan, targets = [], {}
        for sku in skus:
            target = stock.sellable_quantity(
                free.get(sku.product_id.id, 0.0),
                sku._stock_rule(),
                held.get(sku.product_id.id, 0),
            )
            targets[sku.id] = target
            plan.append((sku._key(), target, rms_quantities.get(sku._key())))
        rows, _unchanged = stock.plan_push(plan)
        by_key = {sku._key(): sku for sku in skus}
        sent_keys = {(row.manage_number, row.variant_id) for row in rows}
        unchanged = skus.filtered(lambda s: s._key() not in sent_keys)
        unchanged._stock_record(targets, held, sent=False)
        log._count("stock_unchanged", len(unchanged))
        Sync._commit_batch()
        for chunk in stock.batches(rows):
            chunk_skus = self.browse(
                [by_key[(r.manage_number, r.variant_id)].id for r in chunk]
            )
            # Recorded, and committed, before sending: should the run die during the call, the
            # next one knows these SKUs may have changed on RMS and reads them again.
            chunk_skus.write({"stock_state": "sending"})
            Sync._commit_batch()
            try:
                self._stock_send(client, chunk)
            except RmsError as error:
                stops = self._stock_stops_run(error)
                if not stops and (len(chunk) > 1 or retry):
                    half = (len(chunk_skus) + 1) // 2
                    for part in (chunk_skus[:half], chunk_skus[half:]):
                        if part:
                            self._stock_push_batch(team, client, log, part, retry=False)
                    continue
                _logger.warning(
                    "Rakuten stock push of channel %s failed: %s", team.id, error
                )
                chunk_skus.write(
                    {"stock_state": "error", "stock_error": error_text(error)}
                )
                log._add_lines(
                    [
                        (
                            "%s/%s" % (row.manage_number, row.variant_id),
                            "failed",
                            error_text(error),
                            None,
                        )
                        for row in chunk
                    ]
                )
                Sync._commit_batch()
                if stops:
                    raise
                continue
            chunk_skus._stock_record(
                {by_key[(r.manage_number, r.variant_id)].id: r.target for r in chunk},
                held,
                sent=True,
            )
            log._count("stock_pushed", len(chunk))
            Sync._commit_batch()

    @api.model
    def _stock_send(self, client, rows):
        """Send ``rows`` (:class:`..rms.stock.PushRow`, ≤400) in one inventories bulk-upsert,
        never resent after a lost answer (RmsClient.adjust_inventories): a RELATIVE row sent
        twice would count twice."""
        client.adjust_inventories([row.as_json() for row in rows])

    def _stock_record(self, targets, held, sent):
        """Record the check (and with ``sent``, the push) of these SKUs: one UPDATE for all.
        ``targets``: {sku id: the quantity Rakuten now has}; ``held``: {product id: units}."""
        if not self:
            return
        # Pending ORM writes of these fields first, or they would overwrite these.
        self.flush_model()
        now = fields.Datetime.now()
        values = SQL(", ").join(
            SQL(
                "(%s, %s, %s, %s)",
                sku.id,
                targets[sku.id],
                held.get(sku.product_id.id, 0),
                sku._stock_key(),
            )
            for sku in self
        )
        self.env.cr.execute(
            SQL(
                """
            UPDATE rakuten_sku sku
               SET stock_state = 'sent', stock_error = NULL, stock_checked_date = %(now)s,
                   stock_rakuten = v.target, stock_held = v.held, stock_rule_key = v.rule_key,
                   stock_sent = CASE WHEN %(sent)s THEN v.target ELSE sku.stock_sent END,
                   stock_sent_date = CASE WHEN %(sent)s THEN %(now)s ELSE sku.stock_sent_date END,
                   write_date = %(now)s, write_uid = %(uid)s
              FROM (VALUES %(values)s) AS v(id, target, held, rule_key)
             WHERE sku.id = v.id
            """,
                now=now,
                sent=sent,
                uid=self.env.uid,
                values=values,
            )
        )
        self.invalidate_recordset(
            [
                "stock_state",
                "stock_error",
                "stock_checked_date",
                "stock_rakuten",
                "stock_held",
                "stock_rule_key",
                "stock_sent",
                "stock_sent_date",
                "write_date",
                "write_uid",
            ]
        )

    @api.model
    def _stock_queue_held_changes(self, team, checked):
        """Queue, for the next run, the SKUs of ``team`` (other than ``checked``) whose units
        held by orders not imported changed since their last check: an order cancelled on
        Rakuten whose units RMS did not restock, or one counted twice because it arrived
        between a read and the search that followed (rms/stock.py). Nothing is sent now: the
        next run reads RMS first, as every push does."""
        self.env.cr.execute(
            SQL(
                """
            SELECT DISTINCT sku.product_id FROM rakuten_stock_hold hold
              CROSS JOIN LATERAL jsonb_array_elements(hold.lines) AS line
              JOIN rakuten_sku sku ON sku.team_id = hold.team_id
                                  AND sku.manage_number = line->>0 AND sku.variant_id = line->>1
             WHERE jsonb_typeof(hold.lines) = 'array' AND sku.product_id IS NOT NULL
            """
            )
        )
        held_products = [row[0] for row in self.env.cr.fetchall()]
        candidates = self.search(
            [
                ("team_id", "=", team.id),
                ("id", "not in", checked.ids),
                ("stock_state", "=", "sent"),
                "|",
                ("stock_held", "!=", 0),
                ("product_id", "in", held_products),
            ]
        )
        held = self._stock_held_by_product(candidates.product_id)
        changed = candidates.filtered(
            lambda s: held.get(s.product_id.id, 0) != s.stock_held
        )
        if changed:
            self.env["rakuten.stock.change"].sudo().create(
                [{"sku_id": sku.id} for sku in changed]
            )

    @api.model
    def _stock_stops_run(self, error):
        """An error that would fail every other call of the run as well (credentials, shop not
        migrated, maintenance, throttling) ends it; a refused batch does not."""
        from ..rms import exceptions  # noqa: PLC0415 - the client's typed errors

        stopping = tuple(
            getattr(exceptions, name)
            for name in (
                "RmsAuthError",
                "RmsNotMigratedError",
                "RmsMaintenanceError",
                "RmsRateLimitError",
                "RmsServerError",
            )
            if hasattr(exceptions, name)
        )
        return isinstance(error, stopping)

    @api.model
    def _stock_read(self, client, keys):
        """``{(manageNumber, variantId): quantity}`` of the SKUs RMS keeps stock for, among
        ``keys`` (inventories bulk-get, 1,000 a call); a SKU without a stock row is absent."""
        result = {}
        # RMS lower-cases manageNumber: its answer is matched back to the keys as asked.
        asked = {
            (manage.lower(), variant): (manage, variant) for manage, variant in keys
        }
        for chunk in stock.batches(keys, stock.MAX_GET_ROWS):
            for row in client.get_inventories(chunk):
                key = (row.manage_number, row.variant_id)
                result[asked.get((key[0].lower(), key[1]), key)] = row.quantity
        return result

    # -- the nightly check ------------------------------------------------------------------------
    @api.model
    def _stock_check(self, team, client, log):
        """Read the quantity of every SKU the push has set on Rakuten, and report each one that
        differs from the sellable quantity (orders RMS has and Odoo has not reserved taken
        into account); such a SKU is checked again by the next push, which corrects it."""
        reason = self._stock_blocked_reason(team)
        if reason:
            log.message = reason
            return
        skus = self.search(
            [("team_id", "=", team.id), ("product_id.is_storable", "=", True)]
        )
        log.count_found = len(skus)
        Sync = self.env["rakuten.sync"]
        for batch in split_every(stock.MAX_GET_ROWS, skus.ids, self.browse):
            keys = [sku._key() for sku in batch]
            rms_quantities = self._stock_read(client, keys)
            self._stock_refresh_holds(team, client)
            held = self._stock_held_by_product(batch.product_id)
            free = self._stock_free_quantities(
                batch.product_id, team.rakuten_warehouse_id
            )
            drifting = self.browse()
            for sku in batch:
                target = stock.sellable_quantity(
                    free.get(sku.product_id.id, 0.0),
                    sku._stock_rule(),
                    held.get(sku.product_id.id, 0),
                )
                on_rakuten = rms_quantities.get(sku._key())
                if on_rakuten == target:
                    log._count("stock_unchanged")
                    continue
                drifting |= sku
                log._add_line(
                    "%s/%s" % sku._key(),
                    "deferred",
                    _lt(
                        "On Rakuten: %(rakuten)s, sellable in Odoo: %(odoo)s (held for orders "
                        "not imported: "
                        "%(held)s). The next stock push corrects it.",
                        rakuten="-" if on_rakuten is None else on_rakuten,
                        odoo=target,
                        held=held.get(sku.product_id.id, 0),
                    ),
                    counter="stock_differences",
                )
            drifting.write({"stock_state": "todo"})
            Sync._commit_batch()
        if log.count_stock_differences:
            cron = self.env.ref(
                "sale_rakuten.ir_cron_rakuten_push_stock", raise_if_not_found=False
            )
            if cron:
                cron.sudo()._trigger()
