from odoo import _, api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rakuten_shop_count = fields.Integer(
        string="Connected Rakuten Shops",
        compute="_compute_rakuten_shop_count",
        help="Sales channels of this company that use the Rakuten RMS API.",
    )
    rakuten_setup_count = fields.Integer(
        string="Rakuten Shops Being Set Up",
        compute="_compute_rakuten_shop_count",
        help="Sales channels of this company with a Rakuten shop URL that do not use the API yet.",
    )

    def _rakuten_shop_domain(self):
        return [
            ("company_id", "=", self.company_id.id),
            ("rakuten_shop_url", "!=", False),
        ]

    @api.depends("company_id")
    def _compute_rakuten_shop_count(self):
        Team = self.env["crm.team"]
        for settings in self:
            domain = settings._rakuten_shop_domain()
            settings.rakuten_shop_count = Team.search_count(
                domain + [("rakuten_active", "=", True)]
            )
            settings.rakuten_setup_count = Team.search_count(
                domain + [("rakuten_active", "=", False)]
            )

    def action_rakuten_shops(self):
        """The company's Rakuten shops (sales channels with a shop URL or the API on)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sale_rakuten.action_rakuten_shops"
        )
        action["context"] = {
            "rakuten_new_shop": True,
            "default_company_id": self.company_id.id,
        }
        return action

    def action_rakuten_new_shop(self):
        """A new sales channel whose Rakuten page is filled in with the company's defaults."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("New Rakuten Shop"),
            "res_model": "crm.team",
            "view_mode": "form",
            "views": [
                (
                    self.env.ref("sale_rakuten.crm_team_view_form_rakuten_shop").id,
                    "form",
                )
            ],
            "target": "current",
            "context": {
                "rakuten_new_shop": True,
                "default_company_id": self.company_id.id,
            },
        }
