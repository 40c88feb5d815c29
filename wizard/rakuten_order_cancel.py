from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..rms import codes, mapping

#: The reasons offered before shipping, labelled as on the order (rms/codes.py).
REASON_SELECTION = [
    (str(code), codes.CANCEL_REASON_EN[code])
    for code in codes.CANCEL_REASONS_BEFORE_SHIPPING
]


class RakutenOrderCancel(models.TransientModel):
    """What Cancel opens on a Rakuten order: also cancel it on Rakuten (cancelOrder, sent by
    the cancel job, with RMS's reason and the stock choice), or cancel it in Odoo only."""

    _name = "rakuten.order.cancel"
    _description = "Cancel a Rakuten Order"

    order_id = fields.Many2one(
        "sale.order", required=True, readonly=True, ondelete="cascade"
    )
    rakuten_order_number = fields.Char(related="order_id.rakuten_order_number")
    rakuten_order_progress = fields.Selection(related="order_id.rakuten_order_progress")
    rakuten_available = fields.Boolean(
        string="Can Be Cancelled on Rakuten", compute="_compute_rakuten_available"
    )
    rakuten_unavailable_reason = fields.Text(
        string="Why Not on Rakuten", compute="_compute_rakuten_available"
    )
    cancel_on_rakuten = fields.Boolean(
        string="Also Cancel on Rakuten",
        compute="_compute_cancel_on_rakuten",
        store=True,
        readonly=False,
        help="Send the cancellation to Rakuten (cancelOrder); the order is cancelled in Odoo "
        "once Rakuten accepts it. Unchecked, the order is cancelled in Odoo only.",
    )
    reason = fields.Selection(
        REASON_SELECTION,
        string="Cancel Reason",
        help="The reason Rakuten records (changeReasonDetailApply). Reasons on the shop's "
        "side (out of stock, shipping delay...) count as cancellations by the shop.",
    )
    restore = fields.Selection(
        codes.INVENTORY_RESTORE_TYPE_SELECTION,
        string="Rakuten Stock",
        required=True,
        default="0",
        help="What Rakuten does with the stock of the cancelled items "
        "(inventoryRestoreType): follow each item's setting, put the units back on sale, or "
        "leave Rakuten's stock as it is.",
    )

    @api.depends(
        "order_id.rakuten_order_progress",
        "order_id.rakuten_cancel_state",
        "order_id.team_id.rakuten_active",
        "order_id.picking_ids.state",
    )
    def _compute_rakuten_available(self):
        for wizard in self:
            reason = wizard._rakuten_unavailable_reason()
            wizard.rakuten_available = not reason
            wizard.rakuten_unavailable_reason = reason or False

    def _rakuten_unavailable_reason(self):
        """Why the order cannot be cancelled on Rakuten from Odoo (a text in the user's
        language), or None."""
        self.ensure_one()
        order = self.order_id
        progress = int(order.rakuten_order_progress or 0)
        status = self._rakuten_status_label()
        after_shipping = _(
            "After shipping, Rakuten takes a cancellation only in RMS: once the goods are "
            "back, cancel the order there (cancellation after shipping), then cancel it "
            "here in Odoo only."
        )
        if not order.rakuten_order_number:
            return _("This is not a Rakuten order.")
        if order.rakuten_cancel_state in ("todo", "sending"):
            return _("A cancellation of this order is already being sent to Rakuten.")
        if not order.team_id.rakuten_active:
            return _("The order's sales channel is not connected to Rakuten.")
        if progress in codes.PROGRESS_CANCELLED:
            return _(
                "The order is already cancelled on Rakuten (%(status)s).", status=status
            )
        if progress not in codes.PROGRESS_CANCELLABLE:
            return "%s %s" % (
                _(
                    "Rakuten accepts a cancellation from Odoo only before shipping; RMS "
                    "shows this order as %(status)s.",
                    status=status,
                ),
                after_shipping,
            )
        if order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state == "done"
        ):
            return "%s %s" % (
                _("A delivery of this order is already done."),
                after_shipping,
            )
        return None

    def _rakuten_status_label(self):
        """The order's RMS status as its label in the user's language (the code if unknown)."""
        order = self.order_id
        labels = dict(
            order._fields["rakuten_order_progress"]._description_selection(self.env)
        )
        return (
            labels.get(order.rakuten_order_progress)
            or order.rakuten_order_progress
            or ""
        )

    @api.depends("rakuten_available")
    def _compute_cancel_on_rakuten(self):
        for wizard in self:
            wizard.cancel_on_rakuten = wizard.rakuten_available

    def action_cancel_on_rakuten(self):
        """Record the cancellation for the cancel job and wake it; the order is cancelled in
        Odoo once Rakuten accepts it."""
        self.ensure_one()
        reason = self._rakuten_unavailable_reason()
        if reason:
            raise UserError(reason)
        if not self.reason:
            raise UserError(_("Choose the cancel reason Rakuten records."))
        self.order_id._rakuten_cancel_request(self.reason, self.restore)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": _(
                    "The cancellation of order %(number)s is being sent to Rakuten; the "
                    "order is cancelled in Odoo once Rakuten accepts it.",
                    number=self.order_id.rakuten_order_number,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_cancel_in_odoo(self):
        """Cancel the order in Odoo only, as core does; nothing is sent to Rakuten. A
        refusal shown on the order is settled by it."""
        self.ensure_one()
        order = self.order_id
        result = order.with_context(disable_cancel_warning=True).action_cancel()
        if order.rakuten_cancel_state == "error":
            order.write({"rakuten_cancel_state": "none", "rakuten_cancel_error": False})
        if order.state == "cancel" and order.rakuten_slip_state not in (
            False,
            mapping.SLIP_CANCEL,
        ):
            # The slip leaves the lists of work to do; RMS still has the order, which the
            # note says, so that the shop cancels it there too.
            order.write({"rakuten_slip_state": mapping.SLIP_CANCEL})
            status = self._rakuten_status_label()
            order.message_post(
                body=_(
                    "Cancelled in Odoo only. Rakuten still shows the order as %(status)s: "
                    "cancel it in RMS too if the buyer should not receive it.",
                    status=status,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return result
