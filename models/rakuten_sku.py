from odoo import fields, models


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
