from odoo import api, fields, models


class RakutenBasket(models.Model):
    _name = "rakuten.basket"
    _description = "Rakuten Order Recipient"
    _order = "order_id, id"
    _check_company_auto = True

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    basket_id = fields.Char(
        string="Basket ID", required=True, help="basketId (送付先ID) that RMS gives each recipient."
    )
    partner_id = fields.Many2one("res.partner", string="Recipient", check_company=True)
    postage = fields.Integer(string="Postage")
    noshi = fields.Char(string="Noshi (のし)")
    default_carrier_code = fields.Char(
        string="Carrier Chosen at Purchase", help="defaultDeliveryCompanyCode of the RMS package."
    )
    procurement_group_id = fields.Many2one("procurement.group", copy=False, readonly=True)
    picking_ids = fields.Many2many("stock.picking", string="Deliveries", compute="_compute_picking_ids")

    _sql_constraints = [
        ("basket_order_uniq", "UNIQUE(order_id, basket_id)", "A Rakuten basket appears once per order."),
    ]

    @api.depends("procurement_group_id", "order_id.picking_ids")
    def _compute_picking_ids(self):
        for basket in self:
            if basket.procurement_group_id:
                basket.picking_ids = basket.order_id.picking_ids.filtered(
                    lambda p: p.group_id == basket.procurement_group_id
                )
            else:
                basket.picking_ids = basket.order_id.picking_ids

    @api.depends("basket_id", "partner_id")
    def _compute_display_name(self):
        for basket in self:
            basket.display_name = "%s (%s)" % (basket.partner_id.name or "", basket.basket_id)

    @api.model
    def _rakuten_basket_vals(self, package, partner):
        return {
            "basket_id": str(package.basket_id),
            "partner_id": partner.id,
            "postage": max(package.postage_price, 0),
            "noshi": package.noshi or False,
            "default_carrier_code": package.default_delivery_company_code or False,
        }
