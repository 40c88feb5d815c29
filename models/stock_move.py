from odoo import models

#: Move fields whose change changes what a product still needs from stock.
DEMAND_FIELDS = {
    "product_uom_qty",
    "product_qty",
    "product_uom",
    "location_id",
    "location_dest_id",
    "state",
}


class StockMove(models.Model):
    """Every operation that changes a product's free quantity, or what its open deliveries
    still need, queues the product's Rakuten SKUs for the stock push (※6 在庫連携). The
    reservation and done quantities themselves are caught on the quants (stock.quant)."""

    _inherit = "stock.move"

    def _rakuten_stock_changed(self):
        self.env["rakuten.stock.change"]._rakuten_flag(self.product_id)

    def _action_confirm(self, merge=True, merge_into=False):
        moves = super()._action_confirm(merge=merge, merge_into=merge_into)
        (self | moves).exists()._rakuten_stock_changed()
        return moves

    def _action_assign(self, force_qty=False):
        result = super()._action_assign(force_qty=force_qty)
        self._rakuten_stock_changed()
        return result

    def _do_unreserve(self):
        result = super()._do_unreserve()
        self._rakuten_stock_changed()
        return result

    def _action_cancel(self):
        result = super()._action_cancel()
        self._rakuten_stock_changed()
        return result

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        (self | moves).exists()._rakuten_stock_changed()
        return moves

    def write(self, vals):
        result = super().write(vals)
        if DEMAND_FIELDS & set(vals):
            self._rakuten_stock_changed()
        return result
