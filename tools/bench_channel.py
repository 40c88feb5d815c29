"""A Rakuten channel on a local sandbox, with its own yen pricelist and taxes: the set-up
that the benchmark and drill scripts share (run inside an Odoo environment)."""

from odoo import Command


def make_channel(env, sandbox, name, shop_url, secret, license_key, **values):
    """Create the channel ``name`` of ``shop_url`` on ``sandbox`` in the current company,
    pacing off, with the company's first warehouse; ``values`` are further crm.team
    fields. Returns ``(team, warehouse)``."""
    company = env.company
    jpy = env.ref("base.JPY")
    jpy.active = True
    pricelist = env["product.pricelist"].create(
        {"name": "%s JPY" % name, "currency_id": jpy.id, "company_id": company.id}
    )

    def tax(amount):
        return env["account.tax"].create(
            {
                "name": "%s %d%% incl." % (name, amount),
                "amount": amount,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": company.id,
            }
        )

    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", company.id)], limit=1
    )
    team = env["crm.team"].create(
        {
            "name": name,
            "company_id": company.id,
            "rakuten_active": True,
            "rakuten_shop_url": shop_url,
            "rakuten_service_secret": secret,
            "rakuten_license_key": license_key,
            "rakuten_api_url": sandbox.url,
            "rakuten_request_interval": 0.0,
            "rakuten_authorization_type": "rakuten_pay",
            "rakuten_warehouse_id": warehouse.id,
            "rakuten_pricelist_id": pricelist.id,
            "rakuten_tax_10_id": tax(10).id,
            "rakuten_tax_8_id": tax(8).id,
            "rakuten_unmatched_product_id": env.ref(
                "sale_rakuten.product_rakuten_unmatched"
            ).id,
            "member_ids": [Command.clear()],
            **values,
        }
    )
    return team, warehouse
