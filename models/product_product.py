from odoo import api, models

from ..rms.mapping import item_keys


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.model
    def _rakuten_match_products(self, team, items):
        """``{item keys: product}`` for ``items`` (rms.order.Item), matched on the internal
        reference by システム連携用SKU番号, then 商品番号, then 商品管理番号, in one query."""
        keys_by_item = {item_keys(item) for item in items}
        codes = {code for keys in keys_by_item for code in keys}
        if not codes:
            return {}
        products = self.with_company(team.company_id).search(
            [("default_code", "in", list(codes)), ("sale_ok", "=", True)]
            + self._check_company_domain(team.company_id)
        )
        by_code = {}
        for product in products:
            by_code.setdefault(product.default_code, product)
        result = {}
        for keys in keys_by_item:
            for code in keys:
                if code in by_code:
                    result[keys] = by_code[code]
                    break
        return result
