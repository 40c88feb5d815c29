import logging
from datetime import timedelta, timezone

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, split_every
from odoo.tools.translate import LazyTranslate

from ..rms import stock
from ..rms.exceptions import RmsError
from .rakuten_text import RakutenText, error_text

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

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
        "crm.team", string="Sales Channel", required=True, ondelete="cascade", index=True,
        check_company=True,
    )
    company_id = fields.Many2one(related="team_id.company_id", store=True, index=True)
    product_id = fields.Many2one(
        "product.product", string="Product", ondelete="restrict", index=True, check_company=True,
    )
    product_tmpl_id = fields.Many2one(related="product_id.product_tmpl_id", string="Product Template")
    manage_number = fields.Char(string="Item Management Number", required=True, help="商品管理番号 (manageNumber)")
    item_number = fields.Char(string="Item Number", help="商品番号 (itemNumber)")
    variant_id = fields.Char(string="SKU Management Number", required=True, help="SKU管理番号 (variantId)")
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



    # ------------------------------------------------------------------
    # Stock to Rakuten (※6 在庫連携): fields and methods of the stock work
    # ------------------------------------------------------------------
    stock_override = fields.Boolean(
        string="Own Stock Rule",
        help="This SKU has its own safety stock, allocation rate and maximum instead of the channel's.",
    )
    stock_safety = fields.Integer(string="Safety Stock", help="予備在庫数 of this SKU (with its own rule).")
    stock_rate = fields.Integer(
        string="Allocation Rate (%)", default=100, help="在庫割当率 of this SKU (with its own rule)."
    )
    stock_use_cap = fields.Boolean(string="Limit the Quantity", help="Offer at most the maximum quantity.")
    stock_cap = fields.Integer(string="Maximum Quantity", help="Most units shown on Rakuten (with its own rule).")
    stock_state = fields.Selection(
        [("todo", "To Send"), ("sending", "Sending"), ("sent", "Up to Date"), ("error", "Error")],
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
        string="Last Quantity Sent", readonly=True, copy=False,
        help="The quantity Rakuten was given by the last push of this SKU.",
    )
    stock_sent_date = fields.Datetime(string="Sent On", readonly=True, copy=False)
    stock_checked_date = fields.Datetime(
        string="Checked On", readonly=True, copy=False,
        help="Last time the push compared this SKU's sellable quantity with Rakuten's.",
    )
    stock_rakuten = fields.Integer(
        string="Quantity on Rakuten", readonly=True, copy=False,
        help="Rakuten's quantity after the last check or push of this SKU.",
    )
    stock_held = fields.Integer(
        string="Held for Orders Not Imported", readonly=True, copy=False,
        help="Units of Rakuten orders that Rakuten already took off its stock and Odoo has not "
        "reserved yet (not imported yet): they are not offered again.",
    )
    stock_rule_key = fields.Char(
        string="Stock Rule Key", readonly=True, copy=False,
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
                raise ValidationError(_("The safety stock and the maximum quantity cannot be negative."))
            if not 0 <= record[prefix + "rate"] <= 100:
                raise ValidationError(_("The allocation rate is a percentage between 0 and 100."))

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
            self.product_id.id, self.team_id.rakuten_warehouse_id.id, rule.safety, rule.rate,
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
            [("product_id", "in", products.ids), ("location_id", "child_of", warehouse.view_location_id.id),
             ("location_id.usage", "=", "internal")],
            ["product_id"], ["quantity:sum", "reserved_quantity:sum"],
        ):
            free[product.id] = quantity - reserved
        stock_locations = self.env["stock.location"].sudo().search(
            [("id", "child_of", warehouse.lot_stock_id.id)]).ids
        moves = self.env["stock.move"].sudo().search([
            ("product_id", "in", products.ids),
            ("state", "in", ("confirmed", "partially_available", "waiting")),
            ("location_id", "in", stock_locations),
            ("location_dest_id", "not in", stock_locations),
        ])
        for move in moves:
            reserved = move.product_uom._compute_quantity(move.quantity, move.product_id.uom_id, round=False)
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
        live = client.search_order(start, now.replace(tzinfo=timezone.utc), order_progress_list=HOLD_PROGRESS,
                                   date_type=1)
        waiting = self.env["rakuten.pending.order"].sudo().search(
            [("team_id", "=", team.id), ("state", "=", "waiting")]).mapped("order_number")
        candidates = list(dict.fromkeys([*live, *waiting]))
        imported = set()
        for chunk in split_every(5000, candidates, list):
            imported.update(self.env["sale.order"].sudo().with_context(active_test=False).search(
                [("rakuten_order_number", "in", chunk)]).mapped("rakuten_order_number"))
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
                values.append({"team_id": team.id, "order_number": number,
                               "lines": [[m, v, u] for (m, v), u in sorted(units.items())]})
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
        self.env.cr.execute(SQL(
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
        ))
        held.update(dict(self.env.cr.fetchall()))
        return held

    # -- the push ------------------------------------------------------------------------------
    @api.model
    def _stock_blocked_reason(self, team):
        if not team.rakuten_stock_push:
            return _lt("Sending stock to Rakuten is switched off for this channel (Send Stock to Rakuten).")
        if not team.rakuten_sku_migrated:
            return _lt("Stock is not sent: the shop has not migrated to Rakuten's SKU model (※6). "
                       "Tick Rakuten SKU Migration Done once RMS shows the migration, or let the order "
                       "import detect it.")
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
        self.env.cr.execute(SQL(
            """
            SELECT c.id, c.sku_id FROM rakuten_stock_change c
              JOIN rakuten_sku sku ON sku.id = c.sku_id
             WHERE sku.team_id = %s
            """, team.id))
        rows = self.env.cr.fetchall()
        change_ids = [row[0] for row in rows]
        ids = {row[1] for row in rows}
        rule = self._stock_rule_of(team, "rakuten_stock_")
        team_key = "%s:%s:%s:%s" % (team.rakuten_warehouse_id.id, rule.safety, rule.rate,
                                    "" if rule.cap is None else rule.cap)
        self.env.cr.execute(SQL(
            """
            SELECT id FROM rakuten_sku
             WHERE team_id = %(team)s AND active AND product_id IS NOT NULL
               AND (stock_state != 'sent' OR stock_checked_date IS NULL OR stock_checked_date < %(since)s
                    OR stock_rule_key IS DISTINCT FROM product_id || ':' || CASE WHEN stock_override
                       THEN %(warehouse)s || ':' || COALESCE(stock_safety, 0) || ':' || COALESCE(stock_rate, 0)
                            || ':' || CASE WHEN stock_use_cap THEN COALESCE(stock_cap, 0)::text ELSE '' END
                       ELSE %(team_key)s END)
            """,
            team=team.id, since=team.rakuten_stock_push_since or fields.Datetime.now(),
            warehouse=str(team.rakuten_warehouse_id.id), team_key=team_key,
        ))
        ids.update(row[0] for row in self.env.cr.fetchall())
        # Stock is kept for storable products only: the others have no quantity to send.
        skus = self.browse(sorted(ids)).filtered(lambda s: s.active and s.product_id.is_storable)
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
            self.env.cr.execute(SQL(
                "DELETE FROM rakuten_stock_change WHERE id = ANY(%s) AND sku_id != ALL(%s)",
                change_ids, list(failed) or [0],
            ))
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
            target = stock.sellable_quantity(free.get(sku.product_id.id, 0.0), sku._stock_rule(),
                                             held.get(sku.product_id.id, 0))
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
            chunk_skus = self.browse([by_key[(r.manage_number, r.variant_id)].id for r in chunk])
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
                _logger.warning("Rakuten stock push of channel %s failed: %s", team.id, error)
                chunk_skus.write({"stock_state": "error", "stock_error": error_text(error)})
                log._add_lines([("%s/%s" % (row.manage_number, row.variant_id), "failed", error_text(error), None)
                                for row in chunk])
                Sync._commit_batch()
                if stops:
                    raise
                continue
            chunk_skus._stock_record({by_key[(r.manage_number, r.variant_id)].id: r.target for r in chunk},
                               held, sent=True)
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
        self.flush_model()  # pending ORM writes of these fields first, or they would overwrite these
        now = fields.Datetime.now()
        values = SQL(", ").join(
            SQL("(%s, %s, %s, %s)", sku.id, targets[sku.id], held.get(sku.product_id.id, 0), sku._stock_key())
            for sku in self
        )
        self.env.cr.execute(SQL(
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
            now=now, sent=sent, uid=self.env.uid, values=values,
        ))
        self.invalidate_recordset([
            "stock_state", "stock_error", "stock_checked_date", "stock_rakuten", "stock_held", "stock_rule_key",
            "stock_sent", "stock_sent_date", "write_date", "write_uid",
        ])

    @api.model
    def _stock_queue_held_changes(self, team, checked):
        """Queue, for the next run, the SKUs of ``team`` (other than ``checked``) whose units
        held by orders not imported changed since their last check: an order cancelled on
        Rakuten whose units RMS did not restock, or one counted twice because it arrived
        between a read and the search that followed (rms/stock.py). Nothing is sent now: the
        next run reads RMS first, as every push does."""
        self.env.cr.execute(SQL(
            """
            SELECT DISTINCT sku.product_id FROM rakuten_stock_hold hold
              CROSS JOIN LATERAL jsonb_array_elements(hold.lines) AS line
              JOIN rakuten_sku sku ON sku.team_id = hold.team_id
                                  AND sku.manage_number = line->>0 AND sku.variant_id = line->>1
             WHERE jsonb_typeof(hold.lines) = 'array' AND sku.product_id IS NOT NULL
            """))
        held_products = [row[0] for row in self.env.cr.fetchall()]
        candidates = self.search([
            ("team_id", "=", team.id), ("id", "not in", checked.ids), ("stock_state", "=", "sent"),
            "|", ("stock_held", "!=", 0), ("product_id", "in", held_products),
        ])
        held = self._stock_held_by_product(candidates.product_id)
        changed = candidates.filtered(lambda s: held.get(s.product_id.id, 0) != s.stock_held)
        if changed:
            self.env["rakuten.stock.change"].sudo().create([{"sku_id": sku.id} for sku in changed])

    @api.model
    def _stock_stops_run(self, error):
        """An error that would fail every other call of the run as well (credentials, shop not
        migrated, maintenance, throttling) ends it; a refused batch does not."""
        from ..rms import exceptions  # noqa: PLC0415 - the client's typed errors

        stopping = tuple(getattr(exceptions, name) for name in (
            "RmsAuthError", "RmsNotMigratedError", "RmsMaintenanceError", "RmsRateLimitError", "RmsServerError",
        ) if hasattr(exceptions, name))
        return isinstance(error, stopping)

    @api.model
    def _stock_read(self, client, keys):
        """``{(manageNumber, variantId): quantity}`` of the SKUs RMS keeps stock for, among
        ``keys`` (inventories bulk-get, 1,000 a call); a SKU without a stock row is absent."""
        result = {}
        # RMS lower-cases manageNumber: its answer is matched back to the keys as asked.
        asked = {(manage.lower(), variant): (manage, variant) for manage, variant in keys}
        for chunk in stock.batches(keys, stock.MAX_GET_ROWS):
            for row in client.get_inventories(chunk):
                key = (row.manage_number, row.variant_id)
                result[asked.get((key[0].lower(), key[1]), key)] = row.quantity
        return result

    # -- the nightly check ---------------------------------------------------------------------------
    @api.model
    def _stock_check(self, team, client, log):
        """Read the quantity of every SKU the push has set on Rakuten, and report each one that
        differs from the sellable quantity (orders RMS has and Odoo has not reserved taken
        into account); such a SKU is checked again by the next push, which corrects it."""
        reason = self._stock_blocked_reason(team)
        if reason:
            log.message = reason
            return
        skus = self.search([("team_id", "=", team.id), ("product_id.is_storable", "=", True)])
        log.count_found = len(skus)
        Sync = self.env["rakuten.sync"]
        for batch in split_every(stock.MAX_GET_ROWS, skus.ids, self.browse):
            keys = [sku._key() for sku in batch]
            rms_quantities = self._stock_read(client, keys)
            self._stock_refresh_holds(team, client)
            held = self._stock_held_by_product(batch.product_id)
            free = self._stock_free_quantities(batch.product_id, team.rakuten_warehouse_id)
            drifting = self.browse()
            for sku in batch:
                target = stock.sellable_quantity(free.get(sku.product_id.id, 0.0), sku._stock_rule(),
                                                 held.get(sku.product_id.id, 0))
                on_rakuten = rms_quantities.get(sku._key())
                if on_rakuten == target:
                    log._count("stock_unchanged")
                    continue
                drifting |= sku
                log._add_line(
                    "%s/%s" % sku._key(), "deferred",
                    _lt("On Rakuten: %(rakuten)s, sellable in Odoo: %(odoo)s (held for orders not imported: "
                        "%(held)s). The next stock push corrects it.",
                        rakuten="-" if on_rakuten is None else on_rakuten, odoo=target,
                        held=held.get(sku.product_id.id, 0)),
                    counter="stock_differences",
                )
            drifting.write({"stock_state": "todo"})
            Sync._commit_batch()
        if log.count_stock_differences:
            cron = self.env.ref("sale_rakuten.ir_cron_rakuten_push_stock", raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()
