from odoo import _, models
from odoo.exceptions import UserError

from .sale_order import BLOCKED_SLIP_STATES


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        self._rakuten_check_slip_state()
        return super()._action_done()

    def _rakuten_check_slip_state(self):
        """A delivery of a Rakuten order ships only once its slip is ready (出荷待ち)."""
        blocked = self.filtered(
            lambda p: p.picking_type_code == "outgoing"
            and p.sale_id.rakuten_slip_state in BLOCKED_SLIP_STATES
        )
        if blocked:
            labels = dict(blocked.sale_id._fields["rakuten_slip_state"]._description_selection(self.env))
            order = blocked[0].sale_id
            raise UserError(
                _(
                    "The delivery %(picking)s cannot be validated: its Rakuten order %(order)s is in "
                    "the slip status '%(state)s'. Check the order and move it to 'Ready to Ship' first.",
                    picking=blocked[0].name,
                    order=order.name,
                    state=labels.get(order.rakuten_slip_state),
                )
            )
