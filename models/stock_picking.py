from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..rms import mapping
from .sale_order import BLOCKED_SLIP_STATES


class StockPicking(models.Model):
    _inherit = "stock.picking"

    # depends_context: the error is text read in the reader's language
    rakuten_basket_ids = fields.Many2many(
        "rakuten.basket",
        string="Rakuten Recipients",
        compute="_compute_rakuten_basket_ids",
        depends_context=("lang",),
    )
    rakuten_ship_state = fields.Selection(
        # The basket's labels in the reader's language: Odoo translates only the labels of
        # static selections.
        selection=lambda self: (
            self.env["rakuten.basket"]
            ._fields["ship_state"]
            ._description_selection(self.env)
        ),
        string="Rakuten Shipping Report",
        compute="_compute_rakuten_basket_ids",
        depends_context=("lang",),
    )
    rakuten_sync_error = fields.Text(
        string="Rakuten Error",
        compute="_compute_rakuten_basket_ids",
        depends_context=("lang",),
    )
    rakuten_slip_state = fields.Selection(
        related="sale_id.rakuten_slip_state",
        string="Rakuten Slip Status",
        help="The slip status of the Rakuten order: its deliveries may be validated once it is "
        "Ready to Ship.",
    )
    rakuten_hold_reason = fields.Char(
        string="Why It Cannot Ship Yet",
        compute="_compute_rakuten_hold_reason",
        help="Why this delivery of a Rakuten order cannot be validated yet.",
    )

    @api.depends(
        "sale_id.rakuten_basket_ids.ship_state",
        "sale_id.rakuten_basket_ids.sync_error",
        "sale_id.rakuten_basket_ids.procurement_group_id",
        "group_id",
    )
    def _compute_rakuten_basket_ids(self):
        for picking in self:
            baskets = picking._rakuten_baskets()
            picking.rakuten_basket_ids = baskets
            picking.rakuten_ship_state = baskets[:1].ship_state if baskets else False
            picking.rakuten_sync_error = (
                "\n".join(b.sync_error for b in baskets if b.sync_error) or False
            )

    @api.depends("sale_id.rakuten_slip_state", "state", "picking_type_code")
    def _compute_rakuten_hold_reason(self):
        reasons = {
            mapping.SLIP_NEW: _(
                "Provisional slip (新規受付): the order has not been confirmed in RMS yet; it is "
                "completed by the next import once it is."
            ),
            mapping.SLIP_TO_CONFIRM: _(
                "The order waits for confirmation (確認待ち): check it and press Checked "
                "on the order."
            ),
            mapping.SLIP_WAITING_PAYMENT: _(
                "Waiting for payment (入金待ち): Rakuten has not settled the payment yet; the slip "
                "moves on by itself when it does."
            ),
        }
        for picking in self:
            blocked = picking.picking_type_code == "outgoing" and picking.state not in (
                "done",
                "cancel",
            )
            picking.rakuten_hold_reason = (
                blocked and reasons.get(picking.sale_id.rakuten_slip_state) or False
            )

    def _rakuten_baskets(self):
        """The Rakuten recipients this delivery ships to."""
        self.ensure_one()
        baskets = self.sale_id.rakuten_basket_ids
        if len(baskets) > 1:
            baskets = baskets.filtered(
                lambda b: b.procurement_group_id == self.group_id
            )
        return (
            baskets
            if self.picking_type_code == "outgoing"
            else self.env["rakuten.basket"]
        )

    def button_validate(self):
        # Say why a Rakuten delivery cannot ship before any wizard (backorder, SMS) shows.
        self._rakuten_check_slip_state()
        return super(StockPicking, self._rakuten_no_sms()).button_validate()

    def _rakuten_no_sms(self):
        """Odoo never contacts Rakuten buyers: no delivery SMS (stock_sms) for their orders."""
        if any(p.sale_id.rakuten_order_number for p in self):
            return self.with_context(skip_sms=True)
        return self

    def _action_done(self):
        self._rakuten_check_slip_state()
        res = super(StockPicking, self._rakuten_no_sms())._action_done()
        self._rakuten_after_shipping()
        return res

    def write(self, vals):
        res = super().write(vals)
        if {"carrier_tracking_ref", "carrier_id"} & set(vals):
            # A tracking number changed after shipping: the report is sent again, over the
            # same rows on Rakuten.
            self.filtered(lambda p: p.state == "done")._rakuten_report_shipping()
        return res

    def _rakuten_check_slip_state(self):
        """A delivery of a Rakuten order ships only once its slip is ready (出荷待ち)."""
        blocked = self.filtered(
            lambda p: (
                p.picking_type_code == "outgoing"
                and p.sale_id.rakuten_slip_state in BLOCKED_SLIP_STATES
            )
        )
        if blocked:
            labels = dict(
                blocked.sale_id._fields["rakuten_slip_state"]._description_selection(
                    self.env
                )
            )
            order = blocked[0].sale_id
            raise UserError(
                _(
                    "The delivery %(picking)s cannot be validated: its Rakuten order "
                    "%(order)s is in the slip status '%(state)s'. Check the order and "
                    "move it to 'Ready to Ship' first.",
                    picking=blocked[0].name,
                    order=order.name,
                    state=labels.get(order.rakuten_slip_state),
                )
            )

    def _rakuten_after_shipping(self):
        pickings = self.filtered(
            lambda p: (
                p.picking_type_code == "outgoing" and p.sale_id.rakuten_order_number
            )
        )
        pickings._rakuten_report_shipping()
        for order in pickings.sale_id:
            if order._rakuten_all_shipped():
                order.rakuten_slip_state = "shipped"

    def _rakuten_report_shipping(self):
        """Queue the shipping report (※5) of these done deliveries and wake the carrier job."""
        baskets = self.env["rakuten.basket"]
        for picking in self:
            if picking.sale_id.team_id.rakuten_auto_ship_report:
                baskets |= picking._rakuten_baskets()
        if baskets:
            baskets.write({"ship_state": "pending", "sync_error": False, "attempts": 0})
            self.env.ref("sale_rakuten.ir_cron_rakuten_update_carriers")._trigger()

    def action_rakuten_retry(self):
        """Send the refused shipping report of this delivery again."""
        return self.rakuten_basket_ids.action_rakuten_retry()
