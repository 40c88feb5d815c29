import json
import logging
from datetime import timezone

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, plaintext2html

from ..rms import codes, mapping

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "sale_rakuten.group_rakuten_manager"

SLIP_STATES = [
    (mapping.SLIP_NEW, "New"),
    (mapping.SLIP_TO_CONFIRM, "To Confirm"),
    (mapping.SLIP_WAITING_PAYMENT, "Waiting for Payment"),
    (mapping.SLIP_READY, "Ready to Ship"),
    (mapping.SLIP_SHIPPED, "Shipped"),
    (mapping.SLIP_CANCEL, "Cancelled"),
]
#: Slip states in which a delivery must not be validated.
BLOCKED_SLIP_STATES = (mapping.SLIP_NEW, mapping.SLIP_TO_CONFIRM, mapping.SLIP_WAITING_PAYMENT)

SHIPPING_TERMS = {0: "", 1: "AM (午前)", 2: "PM (午後)", 9: "Other (その他)"}


def _utc_naive(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment else False


def _shipping_term(term):
    """shippingTerm: 0/1/2/9, or hhHH such as 1416 for 14:00-16:00."""
    if term is None:
        return False
    if term in SHIPPING_TERMS:
        return SHIPPING_TERMS[term] or False
    text = "%04d" % term
    return "%s:00-%s:00" % (text[:2], text[2:])


class SaleOrder(models.Model):
    _inherit = "sale.order"

    rakuten_order_number = fields.Char(
        string="Rakuten Order Number",
        copy=False,
        index="btree_not_null",
        readonly=True,
        tracking=True,
        help="RMS order number (受注番号). One sales order per Rakuten order, ever.",
    )
    rakuten_order_progress = fields.Selection(
        selection=codes.ORDER_PROGRESS_SELECTION,
        string="Rakuten Status",
        copy=False,
        readonly=True,
        tracking=True,
        help="The order's status in RMS (orderProgress) when Odoo last read it.",
    )
    rakuten_slip_state = fields.Selection(
        selection=SLIP_STATES,
        string="Slip Status",
        copy=False,
        index=True,
        tracking=True,
        readonly=True,
        help="New: provisional slip reserving stock. To Confirm: a check needs a person. "
        "Waiting for Payment: Rakuten has not settled the payment yet. Ready to Ship: the "
        "delivery may be validated. Shipped. Cancelled.",
    )
    rakuten_payment_state = fields.Selection(
        selection=codes.PAYMENT_STATE_SELECTION,
        string="Payment Status",
        copy=False,
        tracking=True,
        help="入金状況 of the slip.",
    )
    rakuten_approval_state = fields.Selection(
        selection=codes.APPROVAL_STATE_SELECTION,
        string="Approval Status",
        copy=False,
        tracking=True,
        help="承認状況 (authorization) of the slip.",
    )
    rakuten_confirm_reasons = fields.Text(
        string="Why It Waits for Confirmation",
        copy=False,
        readonly=True,
    )
    rakuten_order_datetime = fields.Datetime(string="Ordered on Rakuten", copy=False, readonly=True)
    rakuten_order_type = fields.Selection(
        selection=codes.ORDER_TYPE_SELECTION, string="Rakuten Order Type", copy=False, readonly=True
    )
    rakuten_settlement_method = fields.Char(string="Rakuten Payment Method", copy=False, readonly=True)
    rakuten_is_rakuten_pay = fields.Boolean(
        string="RakutenPay Payment",
        copy=False,
        readonly=True,
        help="Paid with a method of 楽天市場の共通決済 (Rakuten collects the money); unchecked for "
        "選択制決済 such as cash on delivery.",
    )
    rakuten_asuraku = fields.Boolean(string="あす楽 (Next-Day Delivery)", copy=False, readonly=True)
    rakuten_drug = fields.Boolean(string="First-Class Drug", copy=False, readonly=True)
    rakuten_gift = fields.Boolean(string="Gift", copy=False, readonly=True)
    rakuten_caution = fields.Boolean(
        string="Rakuten Caution",
        copy=False,
        readonly=True,
        help="Rakuten shows a caution on this order or is reviewing it.",
    )
    rakuten_remarks = fields.Text(string="Buyer Remarks", copy=False, readonly=True)
    rakuten_delivery_time = fields.Char(string="Requested Time Slot", copy=False, readonly=True)
    rakuten_expected_amount = fields.Monetary(
        string="Rakuten Order Total",
        copy=False,
        readonly=True,
        help="What the shop receives for the order according to Rakuten: the buyer's total plus "
        "the coupons Rakuten pays.",
    )
    rakuten_coupon_amount = fields.Monetary(
        string="Rakuten-Funded Coupons",
        copy=False,
        readonly=True,
        help="Coupons paid by Rakuten (or makers), not by the shop. Rakuten pays this money to "
        "the shop: it is not a discount.",
    )
    rakuten_point_amount = fields.Monetary(
        string="Rakuten Points Used",
        copy=False,
        readonly=True,
        help="Rakuten points the buyer used. Rakuten pays this money to the shop.",
    )
    rakuten_request_amount = fields.Monetary(
        string="Buyer Pays",
        copy=False,
        readonly=True,
        help="Amount billed to the buyer (requestPrice): the total less coupons and points.",
    )
    rakuten_basket_ids = fields.One2many("rakuten.basket", "order_id", string="Rakuten Recipients")
    rakuten_raw_data = fields.Text(
        string="RMS Order Data",
        copy=False,
        readonly=True,
        prefetch=False,
        groups=MANAGER_GROUP,
        help="The order as last received from RMS (getOrder), kept for audit.",
    )

    _sql_constraints = [
        (
            "rakuten_order_number_uniq",
            "UNIQUE(rakuten_order_number)",
            "A sales order already exists for this Rakuten order number.",
        ),
    ]

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_rakuten_mark_checked(self):
        """確認待ち -> the next slip state, once a person has checked the order."""
        for order in self:
            if order.rakuten_slip_state != mapping.SLIP_TO_CONFIRM:
                raise UserError(_("Only slips waiting for confirmation can be marked as checked."))
            state = mapping.slip_state(False, order.rakuten_is_rakuten_pay, order.rakuten_payment_state)
            order.write({"rakuten_slip_state": state, "rakuten_confirm_reasons": False})
            order.message_post(body=_("Checked by %(user)s.", user=self.env.user.name))
        return True

    def action_rakuten_to_confirm(self):
        """Send a slip back to 確認待ち."""
        for order in self:
            if order.rakuten_slip_state in (mapping.SLIP_SHIPPED, mapping.SLIP_CANCEL, False):
                raise UserError(_("Shipped or cancelled slips cannot be sent back to confirmation."))
        self.write({"rakuten_slip_state": mapping.SLIP_TO_CONFIRM})
        return True

    def write(self, vals):
        res = super().write(vals)
        if vals.get("rakuten_payment_state") == codes.PAYMENT_STATE_PAID:
            # The money is settled: a slip waiting for it moves on by itself.
            self.filtered(
                lambda o: o.rakuten_slip_state == mapping.SLIP_WAITING_PAYMENT
            ).rakuten_slip_state = mapping.SLIP_READY
        return res

    # ------------------------------------------------------------------
    # Import
    # ------------------------------------------------------------------
    @api.model
    def _rakuten_numbers_to_fetch(self, numbers):
        """The order numbers of ``numbers`` that still need getOrder: not imported yet, or
        imported as a provisional [新規受付] slip."""
        if not numbers:
            return []
        self.env.cr.execute(
            SQL(
                "SELECT rakuten_order_number FROM sale_order "
                "WHERE rakuten_order_number = ANY(%s) AND rakuten_slip_state IS DISTINCT FROM %s",
                list(numbers),
                mapping.SLIP_NEW,
            )
        )
        done = {row[0] for row in self.env.cr.fetchall()}
        return [number for number in numbers if number not in done]

    @api.model
    def _rakuten_upsert_orders(self, team, decided, log):
        """Create or complete the sales orders of ``decided`` = [(Order, raw dict, RuleResult)].

        New orders are created and confirmed together (fast path); if that fails, each order
        is written in its own savepoint, so one bad order never stops the others. An
        existing provisional slip is completed, never duplicated.
        """
        numbers = [order.order_number for order, _raw, _result in decided]
        existing = {
            o.rakuten_order_number: o
            for o in self.sudo().with_context(active_test=False).search(
                [("rakuten_order_number", "in", numbers)]
            )
        }
        partners = self.env["res.partner"]._rakuten_partners(team, [o for o, _r, _s in decided])
        products = self.env["product.product"]._rakuten_match_products(
            team, [item for order, _r, _s in decided for item in order.items]
        )
        context = {"mail_create_nolog": True, "mail_create_nosubscribe": True, "tracking_disable": True}
        Orders = self.with_context(**context)
        new, updates = [], []
        for entry in decided:
            order = entry[0]
            current = existing.get(order.order_number)
            if current is None:
                new.append(entry)
            elif current.rakuten_slip_state == mapping.SLIP_NEW:
                updates.append((current, entry))
            else:
                log._add_line(order.order_number, "unchanged", _("Already imported."), current)
        if new:
            try:
                with self.env.cr.savepoint():
                    Orders._rakuten_create_orders(team, new, partners, products, log)
            except Exception:  # noqa: BLE001 - retry one by one to isolate the bad order
                _logger.info("Rakuten batch import failed, importing order by order", exc_info=True)
                for entry in new:
                    self._rakuten_write_one(
                        entry, lambda e=entry: Orders._rakuten_create_orders(team, [e], partners, products, log), log
                    )
        for current, entry in updates:
            self._rakuten_write_one(
                entry,
                lambda c=current, e=entry: c.with_context(**context)._rakuten_complete_slip(
                    team, e, partners, products, log
                ),
                log,
            )

    def _rakuten_write_one(self, entry, write, log):
        order = entry[0]
        try:
            with self.env.cr.savepoint():
                write()
        except psycopg2.IntegrityError:
            # Another worker imported the same order meanwhile: the UNIQUE constraint held.
            log._add_line(order.order_number, "unchanged", _("Imported by another run meanwhile."))
        except Exception as error:  # noqa: BLE001 - one bad order never stops the others
            _logger.warning("Rakuten order %s could not be imported: %s", order.order_number, error)
            log._add_line(order.order_number, "failed", str(error) or error.__class__.__name__)
            self.env["rakuten.pending.order"]._rakuten_defer(log.team_id, order.order_number, str(error))

    @api.model
    def _rakuten_create_orders(self, team, entries, partners, products, log):
        vals_list, specs = [], []
        for order, raw, result in entries:
            lines = mapping.order_lines(order)
            vals, unmatched = self._rakuten_order_vals(team, order, raw, lines, partners, products)
            vals_list.append(vals)
            specs.append((order, result, unmatched))
        records = self.create(vals_list)
        records.action_confirm()
        for record, (order, result, unmatched) in zip(records, specs):
            record._rakuten_distribute(team, order, result, unmatched)
        bodies = {record.id: plaintext2html(record._rakuten_import_note(order, result)) for record, (order, result, _u) in zip(records, specs)}
        records._message_log_batch(bodies=bodies)
        for record, (order, result, _u) in zip(records, specs):
            log._add_line(order.order_number, "imported", result.reason, record)
        self.env["rakuten.pending.order"]._rakuten_forget(team, [o.order_number for o, _r, _u in specs])
        return records

    def _rakuten_complete_slip(self, team, entry, partners, products, log):
        """Complete a provisional [新規受付] slip with the RMS data and distribute it."""
        self.ensure_one()
        order, raw, result = entry
        lines = mapping.order_lines(order)
        vals, unmatched = self._rakuten_order_vals(team, order, raw, lines, partners, products)
        line_commands = vals.pop("order_line")
        vals.pop("rakuten_basket_ids")
        vals.pop("rakuten_order_number")
        self._rakuten_sync_baskets(order, partners)
        self._rakuten_sync_lines([command[2] for command in line_commands])
        self.write(vals)
        if self.state in ("draft", "sent"):
            self.action_confirm()
        self._rakuten_distribute(team, order, result, unmatched)
        self._message_log(body=plaintext2html(self._rakuten_import_note(order, result)))
        log._add_line(order.order_number, "updated" if self.rakuten_slip_state != mapping.SLIP_NEW else "unchanged",
                      result.reason, self)
        if self.rakuten_slip_state != mapping.SLIP_NEW:
            self.env["rakuten.pending.order"]._rakuten_forget(team, [order.order_number])

    def _rakuten_sync_baskets(self, order, partners):
        baskets = {b.basket_id: b for b in self.rakuten_basket_ids}
        _customer, recipients = partners[order.order_number]
        for package in order.packages:
            vals = self.env["rakuten.basket"]._rakuten_basket_vals(package, recipients[package.basket_id])
            if package.basket_id in baskets:
                baskets[package.basket_id].write(vals)
            else:
                self.env["rakuten.basket"].create(dict(vals, order_id=self.id))

    def _rakuten_sync_lines(self, line_vals):
        """Match lines on (kind, item detail id, basket); update, add, and zero the rest."""
        def key(kind, detail, basket):
            return (kind, detail or 0, basket or 0)

        current = {}
        for line in self.order_line:
            current.setdefault(key(line.rakuten_line_kind, line.rakuten_item_detail_id, line.rakuten_basket_number), line)
        seen = set()
        to_create = []
        for vals in line_vals:
            k = key(vals.get("rakuten_line_kind"), vals.get("rakuten_item_detail_id"), vals.get("rakuten_basket_number"))
            line = current.get(k)
            if line and k not in seen:
                seen.add(k)
                line.write({f: v for f, v in vals.items() if f != "sequence"})
            else:
                to_create.append(dict(vals, order_id=self.id))
        for k, line in current.items():
            if k not in seen and not line.display_type:
                line.product_uom_qty = 0
        if to_create:
            self.env["sale.order.line"].create(to_create)

    @api.model
    def _rakuten_order_vals(self, team, order, raw, lines, partners, products):
        customer, recipients = partners[order.order_number]
        first_recipient = recipients[order.packages[0].basket_id]
        line_vals, unmatched = [], []
        for sequence, spec in enumerate(lines, start=1):
            vals, matched = self.env["sale.order.line"]._rakuten_line_vals(team, spec, products)
            vals["sequence"] = sequence
            line_vals.append(vals)
            if not matched:
                unmatched.append(spec.name)
        payment_state, approval_state = mapping.initial_states(order, team.rakuten_authorization_type)
        coupons, points = mapping.rakuten_share(order)
        expected = mapping.expected_total(order)
        pricelist = team.rakuten_pricelist_id
        vals = {
            "rakuten_order_number": order.order_number,
            "partner_id": customer.id,
            "partner_invoice_id": customer.id,
            "partner_shipping_id": first_recipient.id,
            "team_id": team.id,
            "company_id": team.company_id.id,
            "user_id": team.user_id.id or False,
            "warehouse_id": team.rakuten_warehouse_id.id,
            "date_order": _utc_naive(order.order_datetime),
            "client_order_ref": order.order_number,
            "origin": _("Rakuten %(number)s", number=order.order_number),
            "commitment_date": fields.Datetime.to_datetime(order.delivery_date) if order.delivery_date else False,
            "rakuten_order_progress": str(order.order_progress),
            "rakuten_payment_state": payment_state,
            "rakuten_approval_state": approval_state,
            "rakuten_order_datetime": _utc_naive(order.order_datetime),
            "rakuten_order_type": str(order.order_type),
            "rakuten_settlement_method": order.settlement.method_name,
            "rakuten_is_rakuten_pay": order.is_rakuten_pay,
            "rakuten_asuraku": order.asuraku,
            "rakuten_drug": order.drug,
            "rakuten_gift": order.gift,
            "rakuten_caution": order.rakuten_confirm or order.caution_display_type in (1, 2),
            "rakuten_remarks": order.remarks or False,
            "rakuten_delivery_time": _shipping_term(order.shipping_term),
            "rakuten_expected_amount": expected or 0.0,
            "rakuten_coupon_amount": coupons,
            "rakuten_point_amount": points,
            "rakuten_request_amount": order.request_price if order.request_price >= 0 else 0.0,
            "rakuten_raw_data": json.dumps(raw, ensure_ascii=False, indent=1, sort_keys=True),
            "rakuten_basket_ids": [
                (0, 0, self.env["rakuten.basket"]._rakuten_basket_vals(p, recipients[p.basket_id]))
                for p in order.packages
            ],
            "order_line": [(0, 0, vals) for vals in line_vals],
        }
        if pricelist:
            vals["pricelist_id"] = pricelist.id
        return vals, unmatched

    def _rakuten_distribute(self, team, order, result, unmatched):
        """振り分け: the slip state after import, with the reasons of 確認待ち."""
        self.ensure_one()
        if result.decision == "provisional":
            self.write({"rakuten_slip_state": mapping.SLIP_NEW, "rakuten_confirm_reasons": False})
            return
        checks = team._rakuten_enabled_checks()
        reasons = mapping.confirm_reasons(order, checks, unmatched, self.amount_total)
        text = "\n".join(_(template, **args) for _check, template, args in reasons)
        state = mapping.slip_state(bool(reasons), self.rakuten_is_rakuten_pay, self.rakuten_payment_state)
        self.write({"rakuten_slip_state": state, "rakuten_confirm_reasons": text or False})

    def _rakuten_import_note(self, order, result):
        state = dict(self._fields["rakuten_slip_state"]._description_selection(self.env)).get(
            self.rakuten_slip_state, ""
        )
        body = _(
            "Imported from Rakuten order %(number)s (RMS status %(progress)s). Slip status: %(state)s.",
            number=order.order_number,
            progress=order.order_progress,
            state=state,
        )
        if self.rakuten_confirm_reasons:
            body += "\n" + self.rakuten_confirm_reasons
        return body
