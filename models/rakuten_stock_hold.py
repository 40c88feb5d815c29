from odoo import fields, models


class RakutenStockHold(models.Model):
    """A Rakuten order RMS took off its stock and Odoo has not reserved yet (not imported:
    too recent, deferred, or failing), with the units of each SKU it holds.

    Kept by the stock push (one getOrder per order, not one per run) and dropped as soon as
    the order is imported or cancelled on Rakuten: the push subtracts these units from the
    free quantity, so that a quantity sent to Rakuten never gives sold units back.
    """

    _name = "rakuten.stock.hold"
    _description = "Rakuten Order Holding Stock"
    _order = "team_id, order_number"
    _rec_name = "order_number"

    team_id = fields.Many2one(
        "crm.team",
        string="Sales Channel",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="team_id.company_id", store=True)
    order_number = fields.Char(string="Rakuten Order Number", required=True)
    lines = fields.Json(
        string="Units per SKU",
        help="[[manageNumber, variantId, units], ...]: what the order took off RMS's stock.",
    )

    _sql_constraints = [
        (
            "team_order_uniq",
            "UNIQUE(team_id, order_number)",
            "An order holds stock once per channel.",
        ),
    ]
