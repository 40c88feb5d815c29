from odoo import api, fields, models
from odoo.tools import SQL

#: Key of the products collected in the current transaction (``cr.precommit.data``).
PENDING_KEY = "sale_rakuten.stock_products"
PUSH_CRON = "sale_rakuten.ir_cron_rakuten_push_stock"


class RakutenStockChange(models.Model):
    """A Rakuten SKU whose product's free quantity changed: the stock push checks it.

    An append-only queue instead of a flag on ``rakuten.sku``: stock operations only INSERT
    rows (once per transaction, at commit), and the push deletes the rows it has read once it
    has dealt with their SKUs. Neither updates a row another transaction may hold, so
    validating a delivery never waits for a push under way, never fails with a serialization
    error because of it, and a change committed while a push runs is never cleared by that
    push (its row is not in the push's snapshot: the next run takes it). Finding what changed
    reads these rows only, never the quants.
    """

    _name = "rakuten.stock.change"
    _description = "Rakuten Stock Change"
    _log_access = False
    _order = "id"

    sku_id = fields.Many2one(
        "rakuten.sku",
        string="Rakuten SKU",
        required=True,
        ondelete="cascade",
        index=True,
    )
    date = fields.Datetime(
        string="Changed On", required=True, default=fields.Datetime.now
    )

    @api.model
    def _rakuten_flag(self, products):
        """Queue the Rakuten SKUs of ``products`` for the stock push, at the end of the current
        transaction (one insert for all the stock operations of the transaction), and trigger
        the push cron then."""
        ids = [pid for pid in products.ids if pid]
        if not ids:
            return
        data = self.env.cr.precommit.data
        pending = data.get(PENDING_KEY)
        if pending is None:
            pending = data[PENDING_KEY] = set()
            self.env.cr.precommit.add(self._rakuten_flush)
        pending.update(ids)

    @api.model
    def _rakuten_flush(self):
        """Write the queue rows collected by :meth:`_rakuten_flag` in this transaction (at commit,
        and at each savepoint, which flushes); the push calls it first, so that a push in the
        same transaction sees them. Returns the number of rows written."""
        pending = self.env.cr.precommit.data.pop(PENDING_KEY, None)
        if not pending:
            return 0
        # SKUs of the channels that send stock. No "already queued" test: a row the push has
        # read but not yet deleted must not stand for a change it has not seen.
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO rakuten_stock_change (sku_id, date)
            SELECT sku.id, (now() AT TIME ZONE 'UTC')
              FROM rakuten_sku sku
              JOIN crm_team team ON team.id = sku.team_id
             WHERE sku.product_id = ANY(%s) AND sku.active
               AND team.rakuten_active AND team.rakuten_stock_push AND team.rakuten_sku_migrated
            """,
                sorted(pending),
            )
        )
        count = self.env.cr.rowcount
        # Every savepoint flushes: the push cron is triggered once per transaction.
        if count > 0 and not self.env.cr.postcommit.data.get(PUSH_CRON):
            cron = self.env.ref(PUSH_CRON, raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()
                self.env.cr.postcommit.data[PUSH_CRON] = True
        return count
