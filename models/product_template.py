from odoo import api, fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    rakuten_sku_count = fields.Integer(
        string="Rakuten SKUs",
        compute="_compute_rakuten_sku_count",
        groups="sales_team.group_sale_salesman",
    )

    @api.depends("product_variant_ids")
    def _compute_rakuten_sku_count(self):
        counts = {}
        for product, count in self.env["rakuten.sku"]._read_group(
            [("product_id.product_tmpl_id", "in", self.ids)],
            ["product_id"],
            ["__count"],
        ):
            counts[product.product_tmpl_id] = (
                counts.get(product.product_tmpl_id, 0) + count
            )
        for template in self:
            template.rakuten_sku_count = counts.get(template._origin, 0)

    def action_view_rakuten_skus(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sale_rakuten.rakuten_sku_action"
        )
        action["domain"] = [("product_id.product_tmpl_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
