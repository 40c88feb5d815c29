# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Rakuten Ichiba Orders (RMS)",
    "summary": "Import Rakuten Ichiba (RakutenPay) orders through the RMS API "
    "and report confirmation, carrier and tracking back to Rakuten",
    "version": "18.0.1.2.0",
    "category": "Sales/Sales",
    "author": "sale_rakuten developers",
    "license": "LGPL-3",
    "depends": [
        "sale_management",
        "sale_stock",
        "stock_delivery",
    ],
    "external_dependencies": {"python": ["requests", "urllib3"]},
    "data": [
        "security/sale_rakuten_security.xml",
        "security/ir.model.access.csv",
        "data/product_product_data.xml",
        "data/ir_cron_data.xml",
        "data/ir_cron_stock_data.xml",
        "views/crm_team_views.xml",
        "views/rakuten_stock_views.xml",
        "views/sale_order_views.xml",
        "views/rakuten_sync_log_views.xml",
        "views/rakuten_pending_order_views.xml",
        "views/rakuten_sku_views.xml",
        "views/rakuten_import_wizard_views.xml",
        "wizard/rakuten_order_cancel_views.xml",
        "views/stock_picking_views.xml",
        "views/delivery_carrier_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "sale_rakuten/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}
