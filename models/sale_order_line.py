from odoo import Command, api, fields, models

from ..rms import mapping

LINE_KINDS = [
    (mapping.ITEM, "Item"),
    (mapping.POSTAGE, "Postage"),
    (mapping.COD_FEE, "Cash on Delivery Fee"),
    (mapping.PAYMENT_CHARGE, "Payment Charge"),
    (mapping.ADDITIONAL_FEE, "Deferred Payment Fee"),
    (mapping.WRAPPING, "Gift Wrapping"),
    (mapping.SHOP_COUPON, "Shop Coupon"),
]
#: Product (XML id) of each line kind other than items.
KIND_PRODUCTS = {
    mapping.POSTAGE: "sale_rakuten.product_rakuten_postage",
    mapping.COD_FEE: "sale_rakuten.product_rakuten_cod_fee",
    mapping.PAYMENT_CHARGE: "sale_rakuten.product_rakuten_payment_charge",
    mapping.ADDITIONAL_FEE: "sale_rakuten.product_rakuten_payment_charge",
    mapping.WRAPPING: "sale_rakuten.product_rakuten_wrapping",
    mapping.SHOP_COUPON: "sale_rakuten.product_rakuten_shop_coupon",
}


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    rakuten_line_kind = fields.Selection(
        LINE_KINDS, string="Rakuten Line", copy=False, readonly=True
    )
    rakuten_item_detail_id = fields.Char(
        string="Rakuten Item Detail ID",
        copy=False,
        readonly=True,
        help="itemDetailId of the RMS order line.",
    )
    rakuten_basket_number = fields.Char(
        string="Rakuten Basket ID",
        copy=False,
        readonly=True,
        help="basketId (送付先ID) of the recipient this line ships to.",
    )
    rakuten_unmatched = fields.Boolean(
        string="Unmatched Rakuten Item",
        copy=False,
        readonly=True,
        help=(
            "No product matched this item; it was imported on the channel's product for "
            "unmatched items."
        ),
    )

    @api.model
    def _rakuten_line_vals(self, team, spec, products):
        """Values of the line for ``spec`` (a mapping.LineSpec); returns (vals, matched)."""
        matched = True
        if spec.kind == mapping.ITEM:
            product = products.get(spec.product_keys)
            if not product:
                product, matched = team.rakuten_unmatched_product_id, False
        else:
            product = self.env.ref(KIND_PRODUCTS[spec.kind])
        tax = team._rakuten_tax(spec.tax_rate)
        vals = {
            "product_id": product.id,
            # Our names (postage, fees, coupons) in the language of the job, the shop's; the
            # templates are the constant msgids of rms.mapping.LINE_NAMES (in the .pot).
            "name": (
                self.env._(spec.name_template, **spec.name_args)
                if spec.name_template
                else spec.name
            ),
            "product_uom_qty": spec.quantity,
            "product_uom": product.uom_id.id,
            "price_unit": spec.price,
            "discount": 0.0,
            "tax_id": [Command.set(tax.ids)],
            "rakuten_line_kind": spec.kind,
            "rakuten_item_detail_id": str(spec.item_detail_id)
            if spec.item_detail_id
            else False,
            "rakuten_basket_number": str(spec.basket_id) if spec.basket_id else False,
            "rakuten_unmatched": not matched,
        }
        if spec.kind == mapping.POSTAGE:
            vals["is_delivery"] = True
        return vals, matched

    # ------------------------------------------------------------------
    # One delivery per recipient (basket)
    # ------------------------------------------------------------------
    def _rakuten_basket(self):
        self.ensure_one()
        if not self.rakuten_basket_number:
            return self.env["rakuten.basket"]
        return self.order_id.rakuten_basket_ids.filtered(
            lambda b: b.basket_id == self.rakuten_basket_number
        )[:1]

    def _get_procurement_group(self):
        basket = (
            self._rakuten_basket()
            if len(self.order_id.rakuten_basket_ids) > 1
            else False
        )
        if basket:
            return basket.procurement_group_id
        return super()._get_procurement_group()

    def _prepare_procurement_group_vals(self):
        vals = super()._prepare_procurement_group_vals()
        basket = (
            self._rakuten_basket()
            if len(self.order_id.rakuten_basket_ids) > 1
            else False
        )
        if basket:
            vals.update(
                name="%s/%s" % (self.order_id.name, basket.basket_id),
                partner_id=basket.partner_id.id,
            )
        return vals

    def _prepare_procurement_values(self, group_id=False):
        values = super()._prepare_procurement_values(group_id=group_id)
        basket = self._rakuten_basket()
        if basket and basket.partner_id:
            values["partner_id"] = basket.partner_id.id
        return values

    def _action_launch_stock_rule(self, previous_product_uom_qty=False):
        multi = self.filtered(
            lambda ln: (
                len(ln.order_id.rakuten_basket_ids) > 1 and ln.rakuten_basket_number
            )
        )
        if not multi:
            return super()._action_launch_stock_rule(previous_product_uom_qty)
        # Each recipient gets a procurement group, hence a delivery, of its own.
        for line in multi:
            basket = line._rakuten_basket()
            if basket and not basket.procurement_group_id:
                basket.procurement_group_id = self.env["procurement.group"].create(
                    line._prepare_procurement_group_vals()
                )
        res = super()._action_launch_stock_rule(previous_product_uom_qty)
        for basket in multi._rakuten_baskets():
            # sale_stock resets a reused group's partner to the order's; keep the recipient.
            if basket.procurement_group_id.partner_id != basket.partner_id:
                basket.procurement_group_id.partner_id = basket.partner_id
        return res

    def _rakuten_baskets(self):
        baskets = self.env["rakuten.basket"]
        for line in self:
            baskets |= line._rakuten_basket()
        return baskets
