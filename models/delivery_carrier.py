from odoo import fields, models

from ..rms import codes

CARRIER_SELECTION = [
    (code, "%s %s" % (code, codes.DELIVERY_COMPANY[code]))
    for code in sorted(codes.DELIVERY_COMPANY)
]


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    rakuten_carrier_code = fields.Selection(
        CARRIER_SELECTION,
        string="Rakuten Carrier",
        help="Carrier code (配送会社) reported to Rakuten when a delivery of a Rakuten order "
        "shipped with this method is validated. Empty: 1000 その他 (other).",
    )
