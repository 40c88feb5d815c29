import json
import re
from datetime import timezone

from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

from ..rms import codes, sync
from ..rms.codes import JST
from .rakuten_text import RakutenText

_lt = LazyTranslate(__name__)

MAX_ATTEMPTS = 5
#: Shipping refusals that sending the same rows again cannot cure: the order is cancelled.
FINAL_ERRORS = {
    "ORDER_EXT_API_UPDATE_ORDERSHIPPING_ERROR_102",
    "ORDER_EXT_API_UPDATE_ORDERSHIPPING_ASYNC_ERROR_102",
}


class RakutenBasket(models.Model):
    _name = "rakuten.basket"
    _description = "Rakuten Order Recipient"
    _order = "order_id, id"
    _check_company_auto = True

    order_id = fields.Many2one(
        "sale.order", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    basket_id = fields.Char(
        string="Basket ID",
        required=True,
        help="basketId (送付先ID) that RMS gives each recipient.",
    )
    partner_id = fields.Many2one("res.partner", string="Recipient", check_company=True)
    postage = fields.Integer()
    noshi = fields.Char(string="Noshi (のし)")
    default_carrier_code = fields.Char(
        string="Carrier Chosen at Purchase",
        help="defaultDeliveryCompanyCode of the RMS package.",
    )
    procurement_group_id = fields.Many2one(
        "procurement.group", copy=False, readonly=True
    )
    # What Rakuten knows of this basket's carrier rows (updateOrderShipping).
    carrier_state = fields.Selection(
        [
            ("todo", "To Send"),
            ("sending", "Sending"),
            ("sent", "Sent, Unverified"),
            ("done", "Set"),
            ("error", "Refused"),
        ],
        string="Carrier Row",
        default="todo",
        copy=False,
        help="The その他 (1000) carrier row set on Rakuten after import.",
    )
    shipping_detail_refs = fields.Char(
        string="Shipping Row IDs",
        copy=False,
        help="shippingDetailIds of the basket's rows on Rakuten, in order, comma-separated.",
    )
    ship_state = fields.Selection(
        [
            ("none", "Not Shipped"),
            ("pending", "To Report"),
            ("sending", "Sending"),
            ("sent", "Sent, Unverified"),
            ("done", "Reported"),
            ("error", "Refused"),
        ],
        string="Shipping Report",
        default="none",
        copy=False,
    )
    ship_payload = fields.Text(string="Last Shipping Report", copy=False, readonly=True)
    request_ref = fields.Char(
        string="RMS Request",
        copy=False,
        readonly=True,
        help="requestId of the last asynchronous shipping update.",
    )
    sent_date = fields.Datetime(copy=False, readonly=True)
    sync_error = RakutenText(string="Rakuten Error", copy=False, readonly=True)
    attempts = fields.Integer(copy=False, readonly=True)
    picking_ids = fields.Many2many(
        "stock.picking", string="Deliveries", compute="_compute_picking_ids"
    )

    _sql_constraints = [
        (
            "basket_order_uniq",
            "UNIQUE(order_id, basket_id)",
            "A Rakuten basket appears once per order.",
        ),
    ]

    @api.depends("procurement_group_id", "order_id.picking_ids")
    def _compute_picking_ids(self):
        for basket in self:
            if basket.procurement_group_id:
                basket.picking_ids = basket.order_id.picking_ids.filtered(
                    lambda p, group=basket.procurement_group_id: p.group_id == group
                )
            else:
                basket.picking_ids = basket.order_id.picking_ids

    @api.depends("basket_id", "partner_id")
    def _compute_display_name(self):
        for basket in self:
            basket.display_name = "%s (%s)" % (
                basket.partner_id.name or "",
                basket.basket_id,
            )

    def _rakuten_detail_ids(self):
        self.ensure_one()
        return [
            int(x) for x in (self.shipping_detail_refs or "").split(",") if x.strip()
        ]

    @api.model
    def _rakuten_basket_vals(self, package, partner):
        return {
            "basket_id": str(package.basket_id),
            "partner_id": partner.id,
            "postage": max(package.postage_price, 0),
            "noshi": package.noshi or False,
            "default_carrier_code": package.default_delivery_company_code or False,
        }

    # ------------------------------------------------------------------
    # Carrier rows and shipping reports
    # ------------------------------------------------------------------
    def _rakuten_pickings(self):
        """The done outgoing deliveries of this basket."""
        self.ensure_one()
        return self.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state == "done"
        )

    def _rakuten_parcels(self):
        """One parcel per tracking number of the basket's done deliveries (several numbers in
        one delivery, separated by commas or spaces, are several parcels)."""
        parcels = []
        for picking in self._rakuten_pickings().sorted("id"):
            code = (
                picking.carrier_id.rakuten_carrier_code or codes.DELIVERY_COMPANY_OTHER
            )
            day = (
                (picking.date_done or fields.Datetime.now())
                .replace(tzinfo=timezone.utc)
                .astimezone(JST)
                .date()
            )
            numbers = [
                n
                for n in re.split(r"[\s,、;]+", picking.carrier_tracking_ref or "")
                if n
            ]
            for number in numbers or [""]:
                parcels.append(sync.Parcel(code, number, day))
        return parcels

    def _rakuten_payload(self, team):
        """Rows to send for this basket now: its shipping report if one is due (※5), else the
        その他 row if not set yet, else nothing."""
        self.ensure_one()
        if self.ship_state == "pending" and team.rakuten_auto_ship_report:
            if self.carrier_state in ("sending", "sent"):
                # Wait for the その他 row's id, or the report would add a row beside it.
                return []
            parcels = self._rakuten_parcels()
            if parcels:
                return sync.shipping_payload(
                    self.basket_id, self._rakuten_detail_ids(), parcels
                )
        if self.carrier_state == "todo":
            return sync.carrier_payload([self.basket_id])
        return []

    def _rakuten_mark_sending(self, payload):
        """Recorded (and committed by the cron) before the call: an interrupted run finds these
        baskets 'sending' and checks RMS instead of sending again."""
        rows = {str(b["basketId"]): b["ShippingModelList"] for b in payload}
        for basket in self:
            vals = {
                "ship_payload": json.dumps(
                    rows.get(basket.basket_id, []), ensure_ascii=False
                ),
                "sent_date": fields.Datetime.now(),
                "attempts": basket.attempts + 1,
            }
            if basket.ship_state == "pending":
                vals["ship_state"] = "sending"
            if basket.carrier_state == "todo":
                vals["carrier_state"] = "sending"
            basket.write(vals)

    def _rakuten_mark_sent(self, request_ref):
        for basket in self:
            vals = {"request_ref": request_ref, "sync_error": False}
            if basket.ship_state == "sending":
                vals["ship_state"] = "sent"
            if basket.carrier_state == "sending":
                vals["carrier_state"] = "sent"
            basket.write(vals)

    def _rakuten_mark_refused(self, reason, log, final=False):
        """RMS refused the rows: tried again on the next runs, up to MAX_ATTEMPTS times, unless
        ``final`` (resending cannot help; the "Retry" button still can)."""
        for basket in self:
            give_up = final or basket.attempts >= MAX_ATTEMPTS
            vals = {"sync_error": reason}
            if basket.ship_state in ("sending", "sent"):
                vals["ship_state"] = "error" if give_up else "pending"
            if basket.carrier_state in ("sending", "sent"):
                vals["carrier_state"] = "error" if give_up else "todo"
            basket.write(vals)
            log._add_line(
                basket.order_id.rakuten_order_number,
                "failed" if give_up else "deferred",
                _lt(
                    "Rakuten refused the shipping rows of basket %(basket)s: %(reason)s",
                    basket=basket.basket_id,
                    reason=reason,
                ),
                basket.order_id,
                counter="refused" if give_up else "retried",
            )

    def _rakuten_verify(self, order, client, log):
        """Check the rows RMS shows (``order``: rms.order.Order) against what was sent."""
        rows = {str(p.basket_id): p.shippings for p in order.packages}
        unresolved = self.env["rakuten.basket"]
        for basket in self:
            shippings = rows.get(basket.basket_id, ())
            ids = ",".join(
                str(s.shipping_detail_id) for s in shippings if s.shipping_detail_id
            )
            if basket.ship_state in ("sending", "sent"):
                sent = [
                    r
                    for r in json.loads(basket.ship_payload or "[]")
                    if not r.get("shippingDeleteFlag")
                ]
                wanted = {
                    (r["deliveryCompany"], r.get("shippingNumber") or "") for r in sent
                }
                have = {
                    (s.delivery_company, s.shipping_number or "") for s in shippings
                }
                if wanted and wanted <= have:
                    basket.write(
                        {
                            "ship_state": "done",
                            "carrier_state": "done",
                            "shipping_detail_refs": ids,
                            "sync_error": False,
                            "attempts": 0,
                        }
                    )
                    continue
            elif basket.carrier_state in ("sending", "sent"):
                if shippings:
                    basket.write(
                        {
                            "carrier_state": "done",
                            "shipping_detail_refs": ids,
                            "sync_error": False,
                            "attempts": 0,
                        }
                    )
                    continue
            else:
                if ids and ids != basket.shipping_detail_refs:
                    basket.shipping_detail_refs = ids
                continue
            unresolved |= basket
        # Rows not there: never sent (interrupted run) or refused; the request's result tells.
        for request_ref, baskets in unresolved.grouped("request_ref").items():
            if not request_ref or any(
                b.carrier_state == "sending" or b.ship_state == "sending"
                for b in baskets
            ):
                baskets._rakuten_back_to_send()
                continue
            results = client.get_result_update_order_shipping_async(request_ref)
            mine = [
                r
                for r in results
                if r.order_number == baskets[0].order_id.rakuten_order_number
            ]
            if not mine:
                continue  # RMS is still working on it
            if mine[0].ok:
                continue  # applied after getOrder answered: the next run sees the rows
            error = mine[0].errors[0]
            baskets._rakuten_mark_refused(
                "%s: %s" % (error.message_code, error.message),
                log,
                final=error.message_code in FINAL_ERRORS,
            )

    def _rakuten_back_to_send(self):
        for basket in self:
            vals = {}
            if basket.ship_state in ("sending", "sent"):
                vals["ship_state"] = "pending"
            if basket.carrier_state in ("sending", "sent"):
                vals["carrier_state"] = "todo"
            basket.write(vals)

    def action_rakuten_retry(self):
        """Send a refused carrier row or shipping report again."""
        for basket in self:
            vals = {"attempts": 0, "sync_error": False}
            if basket.ship_state == "error":
                vals["ship_state"] = "pending"
            if basket.carrier_state == "error":
                vals["carrier_state"] = "todo"
            basket.write(vals)
        self.env.ref("sale_rakuten.ir_cron_rakuten_update_carriers")._trigger()
        return True
