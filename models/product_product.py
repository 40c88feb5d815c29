from odoo import api, models

from ..rms.mapping import item_keys


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.model
    def _rakuten_match_products(self, team, items):
        """``{item keys: product}`` for ``items`` (rms.order.Item): by the channel's Rakuten
        SKU (商品管理番号 + SKU管理番号, ``rakuten.sku``) first, then on the internal reference
        by システム連携用SKU番号, then 商品番号, then 商品管理番号; two queries in all."""
        items = list(items)
        result = self._rakuten_match_skus(team, items)
        keys_by_item = {item_keys(item) for item in items} - set(result)
        codes = {code for keys in keys_by_item for code in keys}
        if not codes:
            return result
        products = self.with_company(team.company_id).search(
            [("default_code", "in", list(codes)), ("sale_ok", "=", True)]
            + self._check_company_domain(team.company_id)
        )
        by_code = {}
        for product in products:
            by_code.setdefault(product.default_code, product)
        for keys in keys_by_item:
            for code in keys:
                if code in by_code:
                    result[keys] = by_code[code]
                    break
        return result

    @api.model
    def _rakuten_match_skus(self, team, items):
        """``{item keys: product}`` for the ``items`` whose SKU (variantId, post-migration
        orders) is mapped on ``team`` to an active sellable product."""
        pairs = {
            (item.manage_number, item.variant_id): item_keys(item)
            for item in items
            if item.manage_number and item.variant_id
        }
        if not pairs:
            return {}
        skus = (
            self.env["rakuten.sku"]
            .sudo()
            .search(
                [
                    ("team_id", "=", team.id),
                    ("manage_number", "in", list({pair[0] for pair in pairs})),
                    ("variant_id", "in", list({pair[1] for pair in pairs})),
                    ("product_id", "!=", False),
                ]
            )
        )
        result = {}
        for sku in skus:
            keys = pairs.get((sku.manage_number, sku.variant_id))
            product = sku.product_id.with_env(self.env)
            if keys is not None and product.active and product.sale_ok:
                result.setdefault(keys, product)
        return result
