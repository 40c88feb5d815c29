from odoo import api, models


class StockQuant(models.Model):
    """A quant's quantity or reservation changed (a move done, a reservation or its release,
    an inventory adjustment applied): the product's Rakuten SKUs are queued for the stock
    push (※6 在庫連携)."""

    _inherit = "stock.quant"

    @api.model
    def _update_available_quantity(
        self,
        product_id,
        location_id,
        quantity=False,
        reserved_quantity=False,
        lot_id=None,
        package_id=None,
        owner_id=None,
        in_date=None,
    ):
        result = super()._update_available_quantity(
            product_id,
            location_id,
            quantity=quantity,
            reserved_quantity=reserved_quantity,
            lot_id=lot_id,
            package_id=package_id,
            owner_id=owner_id,
            in_date=in_date,
        )
        self.env["rakuten.stock.change"]._rakuten_flag(product_id)
        return result

    @api.model
    def _update_reserved_quantity(
        self,
        product_id,
        location_id,
        quantity,
        lot_id=None,
        package_id=None,
        owner_id=None,
        strict=True,
    ):
        result = super()._update_reserved_quantity(
            product_id,
            location_id,
            quantity,
            lot_id=lot_id,
            package_id=package_id,
            owner_id=owner_id,
            strict=strict,
        )
        self.env["rakuten.stock.change"]._rakuten_flag(product_id)
        return result

    @api.model_create_multi
    def create(self, vals_list):
        quants = super().create(vals_list)
        self.env["rakuten.stock.change"]._rakuten_flag(quants.product_id)
        return quants

    def write(self, vals):
        result = super().write(vals)
        if {"quantity", "reserved_quantity", "location_id", "product_id"} & set(vals):
            self.env["rakuten.stock.change"]._rakuten_flag(self.product_id)
        return result
