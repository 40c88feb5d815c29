import json
import logging
from datetime import timezone

import psycopg2

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, plaintext2html
from odoo.tools.translate import LazyTranslate

from ..rms import codes, mapping, sync
from ..rms.messages import Message
from ..rms.order import clean_text
from .crm_team import MANAGER_GROUP
from .rakuten_sync import FOLLOWED_APPROVAL_STATES
from .rakuten_text import RakutenText, error_text, to_text

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

#: The one key whose violation means "another run imported this order meanwhile".
ORDER_NUMBER_CONSTRAINT = "sale_order_rakuten_order_number_uniq"

SLIP_STATES = [
    (mapping.SLIP_NEW, "New"),
    (mapping.SLIP_TO_CONFIRM, "To Confirm"),
    (mapping.SLIP_WAITING_PAYMENT, "Waiting for Payment"),
    (mapping.SLIP_READY, "Ready to Ship"),
    (mapping.SLIP_SHIPPED, "Shipped"),
    (mapping.SLIP_CANCEL, "Cancelled"),
]
#: Slip states in which a delivery must not be validated.
BLOCKED_SLIP_STATES = (
    mapping.SLIP_NEW,
    mapping.SLIP_TO_CONFIRM,
    mapping.SLIP_WAITING_PAYMENT,
)

#: How a value of 入金状況 / 承認状況 moves a slip: the money is settled (入金済, 承認済,
#: 請求済) or no longer settled (未入金, 一部入金, 未承認, 承認中).
SETTLED, UNSETTLED = "settled", "unsettled"
MONEY_DIRECTIONS = {
    "rakuten_payment_state": {
        codes.PAYMENT_STATE_PAID: SETTLED,
        codes.PAYMENT_STATE_UNPAID: UNSETTLED,
        codes.PAYMENT_STATE_PARTLY_PAID: UNSETTLED,
    },
    "rakuten_approval_state": {
        codes.APPROVAL_STATE_APPROVED: SETTLED,
        codes.APPROVAL_STATE_BILLED: SETTLED,
        codes.APPROVAL_STATE_UNAPPROVED: UNSETTLED,
        codes.APPROVAL_STATE_IN_PROGRESS: UNSETTLED,
    },
}

SHIPPING_TERMS = {0: "", 1: _lt("Morning"), 2: _lt("Afternoon"), 9: _lt("Other")}


def raw_json(raw):
    """RMS data (any JSON value) as text PostgreSQL stores: JSON escapes NUL and the other
    control characters; unpaired surrogates, which UTF-8 cannot encode, are escaped too."""
    text = json.dumps(raw, ensure_ascii=False, indent=1, sort_keys=True, default=repr)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(
            raw, ensure_ascii=True, indent=1, sort_keys=True, default=repr
        )
    return text


def _utc_naive(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment else False


def _shipping_term(env, term):
    """shippingTerm: 0/1/2/9, or hhHH such as 1416 for 14:00-16:00 (in the language of
    ``env``, the shop's during an import)."""
    if term is None:
        return False
    if term in SHIPPING_TERMS:
        return env._(SHIPPING_TERMS[term]) if SHIPPING_TERMS[term] else False
    text = "%04d" % term
    return "%s:00-%s:00" % (text[:2], text[2:])


class SaleOrder(models.Model):
    _inherit = "sale.order"

    rakuten_order_number = fields.Char(
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
        # Grouped lists show every status, empty ones too, in the order of the workflow.
        group_expand=True,
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
    rakuten_confirm_reasons = RakutenText(
        string="Why It Waits for Confirmation",
        copy=False,
        readonly=True,
    )
    rakuten_order_datetime = fields.Datetime(
        string="Ordered on Rakuten", copy=False, readonly=True
    )
    rakuten_order_type = fields.Selection(
        selection=codes.ORDER_TYPE_SELECTION, copy=False, readonly=True
    )
    rakuten_settlement_method = fields.Char(
        string="Rakuten Payment Method", copy=False, readonly=True
    )
    rakuten_is_rakuten_pay = fields.Boolean(
        string="RakutenPay Payment",
        copy=False,
        readonly=True,
        help="Paid with a method of 楽天市場の共通決済 (Rakuten collects the money); unchecked for "
        "選択制決済 such as cash on delivery.",
    )
    rakuten_asuraku = fields.Boolean(
        string="あす楽 (Next-Day Delivery)", copy=False, readonly=True
    )
    rakuten_drug = fields.Boolean(string="First-Class Drug", copy=False, readonly=True)
    rakuten_gift = fields.Boolean(string="Gift", copy=False, readonly=True)
    rakuten_caution = fields.Boolean(
        copy=False,
        readonly=True,
        help="Rakuten shows a caution on this order or is reviewing it.",
    )
    rakuten_remarks = fields.Text(string="Buyer Remarks", copy=False, readonly=True)
    rakuten_delivery_time = fields.Char(
        string="Requested Time Slot", copy=False, readonly=True
    )
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
    rakuten_basket_ids = fields.One2many(
        "rakuten.basket", "order_id", string="Rakuten Recipients"
    )
    rakuten_confirm_state = fields.Selection(
        [
            ("none", "Not Needed"),
            ("todo", "To Confirm on Rakuten"),
            ("sending", "Sending"),
            ("done", "Confirmed on Rakuten"),
            ("error", "Refused by Rakuten"),
        ],
        string="Rakuten Confirmation",
        default="none",
        copy=False,
        readonly=True,
        help="Whether Odoo still has to confirm the order on Rakuten (confirmOrder).",
    )
    rakuten_confirm_error = RakutenText(
        string="Confirmation Error", copy=False, readonly=True
    )
    rakuten_cancel_reason = RakutenText(
        string="Cancel Reason", copy=False, readonly=True
    )
    rakuten_cancel_checked = fields.Boolean(
        copy=False,
        readonly=True,
        help="A Rakuten cancellation of this order was seen after it shipped and sent to a person.",
    )
    rakuten_carrier_is_other = fields.Boolean(
        string="Rakuten Carrier Still その他",
        compute="_compute_rakuten_carrier_is_other",
        help="The deliveries are done but Rakuten still shows the carrier その他 (other): the "
        "channel does not report shipments, so correct the carrier in RMS.",
    )
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

    @api.depends("rakuten_slip_state", "team_id.rakuten_auto_ship_report")
    def _compute_rakuten_carrier_is_other(self):
        for order in self:
            order.rakuten_carrier_is_other = (
                order.rakuten_slip_state == mapping.SLIP_SHIPPED
                and not order.team_id.rakuten_auto_ship_report
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def _prepare_confirmation_values(self):
        values = super()._prepare_confirmation_values()
        if self and all(self.mapped("rakuten_order_datetime")):
            # The order date stays the date the buyer ordered on Rakuten, not the import's.
            values.pop("date_order", None)
        return values

    def action_rakuten_mark_checked(self):
        """確認待ち -> the next slip state, once a person has checked the order."""
        for order in self:
            if order.rakuten_slip_state != mapping.SLIP_TO_CONFIRM:
                raise UserError(
                    _("Only slips waiting for confirmation can be marked as checked.")
                )
            if order._rakuten_all_shipped():
                state = (
                    mapping.SLIP_SHIPPED
                )  # e.g. cancelled on Rakuten after its goods left
            else:
                state = mapping.slip_state(
                    False, order.rakuten_is_rakuten_pay, order.rakuten_payment_state
                )
            order.write({"rakuten_slip_state": state, "rakuten_confirm_reasons": False})
            order.message_post(body=_("Checked by %(user)s.", user=self.env.user.name))
        return True

    def _rakuten_all_shipped(self):
        """Every delivery of the order is done or cancelled, and one at least is done."""
        self.ensure_one()
        states = set(
            self.picking_ids.filtered(
                lambda p: p.picking_type_code == "outgoing"
            ).mapped("state")
        )
        return "done" in states and states <= {"done", "cancel"}

    def action_rakuten_to_confirm(self):
        """Send a slip back to 確認待ち."""
        for order in self:
            if order.rakuten_slip_state in (
                mapping.SLIP_SHIPPED,
                mapping.SLIP_CANCEL,
                False,
            ):
                raise UserError(
                    _("Shipped or cancelled slips cannot be sent back to confirmation.")
                )
        self.write({"rakuten_slip_state": mapping.SLIP_TO_CONFIRM})
        return True

    def write(self, vals):
        """A hand change of 入金状況 / 承認状況 runs the distribution (振り分け) again: money set
        back to unpaid or unapproved makes a 出荷待ち slip wait for it again (入金待ち); money
        settled moves a 入金待ち slip on (to 確認待ち while a check still holds). New, shipped and
        cancelled slips are never moved, nor is a slip whose state is written at the same time."""
        money_fields = [f for f in MONEY_DIRECTIONS if f in vals]
        before = {}
        if money_fields and "rakuten_slip_state" not in vals:
            before = {
                order.id: {f: order[f] for f in money_fields}
                for order in self
                if order.rakuten_slip_state
            }
        res = super().write(vals)
        if before:
            self.browse(list(before))._rakuten_redistribute(before)
        return res

    def _rakuten_redistribute(self, before):
        """Move the slips of ``self`` after 入金状況 / 承認状況 changed from ``before``
        ({order id: {field: old value}})."""
        moves = {}
        for order in self:
            directions = {
                MONEY_DIRECTIONS[field].get(order[field])
                for field, old in before[order.id].items()
                if order[field] != old
            }
            if UNSETTLED in directions:
                if order.rakuten_slip_state == mapping.SLIP_READY:
                    moves.setdefault(mapping.SLIP_WAITING_PAYMENT, []).append(order.id)
            elif (
                SETTLED in directions
                and order.rakuten_slip_state == mapping.SLIP_WAITING_PAYMENT
            ):
                # A check that sent the slip to 確認待ち and was not cleared by a person holds.
                state = (
                    mapping.SLIP_TO_CONFIRM
                    if order.rakuten_confirm_reasons
                    else mapping.SLIP_READY
                )
                moves.setdefault(state, []).append(order.id)
        for state, ids in moves.items():
            self.browse(ids).write({"rakuten_slip_state": state})

    # ------------------------------------------------------------------
    # Import
    # ------------------------------------------------------------------
    @api.model
    def _rakuten_numbers_to_fetch(self, numbers, provisional_only=()):
        """The order numbers of ``numbers`` that still need getOrder: not imported yet, or
        imported as a provisional [新規受付] slip, unless RMS still shows them at 100
        (``provisional_only``)."""
        if not numbers:
            return []
        self.env.cr.execute(
            SQL(
                "SELECT rakuten_order_number, rakuten_slip_state FROM sale_order "
                "WHERE rakuten_order_number = ANY(%s)",
                list(numbers),
            )
        )
        done = {
            number
            for number, state in self.env.cr.fetchall()
            if state != mapping.SLIP_NEW or number in provisional_only
        }
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
            for o in self.sudo()
            .with_context(active_test=False)
            .search([("rakuten_order_number", "in", numbers)])
        }

        def prepare(entries):
            # Partners and products are found or created inside the savepoint of the orders
            # they are for: an order that fails (or that another run imported meanwhile)
            # leaves no partner or address behind, and a value PostgreSQL refuses fails
            # that order alone.
            orders = [entry[0] for entry in entries]
            return (
                self.env["res.partner"]._rakuten_partners(team, orders),
                self.env["product.product"]._rakuten_match_products(
                    team, [item for order in orders for item in order.items]
                ),
            )

        context = {
            "mail_create_nolog": True,
            "mail_create_nosubscribe": True,
            "tracking_disable": True,
        }
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
                log._add_line(
                    order.order_number, "unchanged", _lt("Already imported."), current
                )
        if new:
            try:
                with self.env.cr.savepoint():
                    Orders._rakuten_create_orders(team, new, *prepare(new), log)
            except Exception as error:  # noqa: BLE001 - retry one by one to isolate the bad order
                if isinstance(error, psycopg2.extensions.TransactionRollbackError):
                    # Several shops at once: a conflict with another worker (e.g. on a stock
                    # quant), no order's fault: the import tries the batch again.
                    raise
                _logger.info(
                    "Rakuten batch import failed, importing order by order",
                    exc_info=True,
                )
                for entry in new:
                    self._rakuten_write_one(
                        entry,
                        lambda e=entry: Orders._rakuten_create_orders(
                            team, [e], *prepare([e]), log
                        ),
                        log,
                    )
        for current, entry in updates:
            self._rakuten_write_one(
                entry,
                lambda c=current, e=entry: c.with_context(
                    **context
                )._rakuten_complete_slip(team, e, *prepare([e]), log),
                log,
            )

    def _rakuten_write_one(self, entry, write, log):
        order, raw = entry[0], entry[1]
        try:
            with self.env.cr.savepoint():
                write()
        except psycopg2.IntegrityError as error:
            if error.diag.constraint_name == ORDER_NUMBER_CONSTRAINT:
                # Another worker imported the same order meanwhile: the UNIQUE constraint held.
                log._add_line(
                    order.order_number,
                    "unchanged",
                    _lt("Imported by another run meanwhile."),
                )
                return
            # Any other key (a basket, a line, a partner's) protects something else: the
            # order failed, and says which key refused it.
            reason = _lt(
                "The database refused the order (%(constraint)s): %(detail)s",
                constraint=error.diag.constraint_name or error.pgcode,
                detail=clean_text(error.diag.message_primary or str(error)),
            )
            self._rakuten_order_failed(log, order.order_number, reason, raw)
        except Exception as error:  # noqa: BLE001 - one bad order never stops the others
            if isinstance(error, psycopg2.extensions.TransactionRollbackError):
                raise  # several shops at once: the import tries the batch again
            _logger.warning(
                "Rakuten order %s could not be imported: %s", order.order_number, error
            )
            self._rakuten_order_failed(log, order.order_number, error_text(error), raw)

    def _rakuten_order_failed(self, log, order_number, reason, raw):
        log._add_line(order_number, "failed", reason)
        self.env["rakuten.pending.order"]._rakuten_defer_many(
            log.team_id, [(order_number, reason, "waiting", True, raw)]
        )

    @api.model
    def _rakuten_create_orders(self, team, entries, partners, products, log):
        vals_list, specs = [], []
        for order, raw, result in entries:
            lines = mapping.order_lines(order)
            vals, unmatched = self._rakuten_order_vals(
                team, order, raw, lines, partners, products
            )
            vals_list.append(vals)
            specs.append((order, result, unmatched))
        records = self.create(vals_list)
        records.action_confirm()
        # action_confirm makes the customer a follower; Odoo never writes to Rakuten buyers.
        records.message_unsubscribe(partner_ids=records.partner_id.ids)
        # 振り分け: one write per distinct result rather than one per order.
        checks = team._rakuten_enabled_checks()
        by_vals = {}
        for record, (order, result, unmatched) in zip(records, specs, strict=True):
            vals = record._rakuten_distribute_vals(
                team, order, result, unmatched, checks
            )
            by_vals.setdefault(tuple(sorted(vals.items())), []).append(record.id)
        for vals, ids in by_vals.items():
            self.browse(ids).write(dict(vals))
        bodies = {
            record.id: plaintext2html(record._rakuten_import_note(order, result))
            for record, (order, result, _u) in zip(records, specs, strict=True)
        }
        records._message_log_batch(bodies=bodies)
        log._add_lines(
            [
                (
                    order.order_number,
                    "imported",
                    team._rakuten_rule_reason(result),
                    record,
                )
                for record, (order, result, _u) in zip(records, specs, strict=True)
            ]
        )
        self.env["rakuten.pending.order"]._rakuten_forget(
            team, [o.order_number for o, _r, _u in specs]
        )
        return records

    def _rakuten_complete_slip(self, team, entry, partners, products, log):
        """Complete a provisional [新規受付] slip with the RMS data and distribute it."""
        self.ensure_one()
        order, raw, result = entry
        lines = mapping.order_lines(order)
        vals, unmatched = self._rakuten_order_vals(
            team, order, raw, lines, partners, products
        )
        line_commands = vals.pop("order_line")
        vals.pop("rakuten_basket_ids")
        vals.pop("rakuten_order_number")
        if self.state == "sale":
            vals.pop(
                "pricelist_id", None
            )  # Odoo refuses any pricelist write on a confirmed order
        self._rakuten_sync_baskets(order, partners)
        # Header first: writing company/partner recomputes the lines' taxes, which the line
        # values (the channel's taxes) must then overwrite.
        self.write(vals)
        self._rakuten_sync_lines([command[2] for command in line_commands])
        if self.state in ("draft", "sent"):
            self.action_confirm()
        self._rakuten_distribute(team, order, result, unmatched)
        self._message_log(body=plaintext2html(self._rakuten_import_note(order, result)))
        log._add_line(
            order.order_number,
            "updated" if self.rakuten_slip_state != mapping.SLIP_NEW else "unchanged",
            team._rakuten_rule_reason(result),
            self,
        )
        if self.rakuten_slip_state != mapping.SLIP_NEW:
            self.env["rakuten.pending.order"]._rakuten_forget(
                team, [order.order_number]
            )

    def _rakuten_sync_baskets(self, order, partners):
        baskets = {b.basket_id: b for b in self.rakuten_basket_ids}
        _customer, recipients = partners[order.order_number]
        for package in order.packages:
            vals = self.env["rakuten.basket"]._rakuten_basket_vals(
                package, recipients[package.basket_id]
            )
            basket = baskets.get(str(package.basket_id))  # basket_id is stored as text
            if basket:
                basket.write(vals)
            else:
                self.env["rakuten.basket"].create(dict(vals, order_id=self.id))

    def _rakuten_sync_lines(self, line_vals):
        """Match lines on (kind, item detail id, basket); update, add, and zero the rest."""

        def key(kind, detail, basket):
            return (kind, detail or 0, basket or 0)

        current = {}
        for line in self.order_line:
            current.setdefault(
                key(
                    line.rakuten_line_kind,
                    line.rakuten_item_detail_id,
                    line.rakuten_basket_number,
                ),
                line,
            )
        seen = set()
        to_create = []
        for vals in line_vals:
            k = key(
                vals.get("rakuten_line_kind"),
                vals.get("rakuten_item_detail_id"),
                vals.get("rakuten_basket_number"),
            )
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
            vals, matched = self.env["sale.order.line"]._rakuten_line_vals(
                team, spec, products
            )
            vals["sequence"] = sequence
            line_vals.append(vals)
            if not matched:
                unmatched.append(spec.name)
        payment_state, approval_state = mapping.initial_states(
            order, team.rakuten_authorization_type
        )
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
            "commitment_date": fields.Datetime.to_datetime(order.delivery_date)
            if order.delivery_date
            else False,
            "rakuten_order_progress": str(order.order_progress),
            "rakuten_confirm_state": (
                "todo"
                if order.order_progress == codes.PROGRESS_WAITING_CONFIRMATION
                and not team.rakuten_manual_confirm
                else "none"
            ),
            "rakuten_payment_state": payment_state,
            "rakuten_approval_state": approval_state,
            "rakuten_order_datetime": _utc_naive(order.order_datetime),
            "rakuten_order_type": str(order.order_type),
            "rakuten_settlement_method": order.settlement.method_name,
            "rakuten_is_rakuten_pay": order.is_rakuten_pay,
            "rakuten_asuraku": order.asuraku,
            "rakuten_drug": order.drug,
            "rakuten_gift": order.gift,
            "rakuten_caution": order.rakuten_confirm
            or order.caution_display_type in (1, 2),
            "rakuten_remarks": order.remarks or False,
            "rakuten_delivery_time": _shipping_term(self.env, order.shipping_term),
            "rakuten_expected_amount": expected or 0.0,
            "rakuten_coupon_amount": coupons,
            "rakuten_point_amount": points,
            "rakuten_request_amount": order.request_price
            if order.request_price >= 0
            else 0.0,
            "rakuten_raw_data": raw_json(raw),
            "rakuten_basket_ids": [
                Command.create(
                    self.env["rakuten.basket"]._rakuten_basket_vals(
                        p, recipients[p.basket_id]
                    )
                )
                for p in order.packages
            ],
            "order_line": [Command.create(vals) for vals in line_vals],
        }
        if pricelist:
            vals["pricelist_id"] = pricelist.id
        return vals, unmatched

    def _rakuten_distribute(self, team, order, result, unmatched):
        """振り分け: the slip state after import, with the reasons of 確認待ち."""
        self.ensure_one()
        self.write(self._rakuten_distribute_vals(team, order, result, unmatched))

    def _rakuten_distribute_vals(self, team, order, result, unmatched, checks=None):
        """The values :meth:`_rakuten_distribute` writes (``checks``: the channel's enabled
        checks, when the caller already has them)."""
        self.ensure_one()
        if result.decision == "provisional":
            return {
                "rakuten_slip_state": mapping.SLIP_NEW,
                "rakuten_confirm_reasons": False,
            }
        if checks is None:
            checks = team._rakuten_enabled_checks()
        # An Odoo total that is not Rakuten's never ships unchecked, whatever the channel's
        # switches; nor does money or a code that cannot be right (mapping.hold_reasons).
        reasons = mapping.confirm_reasons(
            order, checks | {mapping.CHECK_AMOUNTS}, unmatched, self.amount_total
        )
        reasons += mapping.hold_reasons(order)
        # Messages, one a line, rendered in the reader's language (a tuple: the values are
        # grouped by equality).
        lines = tuple(Message(template, args) for _check, template, args in reasons)
        state = mapping.slip_state(
            bool(reasons), self.rakuten_is_rakuten_pay, self.rakuten_payment_state
        )
        return {"rakuten_slip_state": state, "rakuten_confirm_reasons": lines or False}

    def _rakuten_import_note(self, order, result):
        state = dict(
            self._fields["rakuten_slip_state"]._description_selection(self.env)
        ).get(self.rakuten_slip_state, "")
        body = _(
            "Imported from Rakuten order %(number)s (RMS status %(progress)s). "
            "Slip status: %(state)s.",
            number=order.order_number,
            progress=order.order_progress,
            state=state,
        )
        if self.rakuten_confirm_reasons:
            body += "\n" + self.rakuten_confirm_reasons
        return body

    # ------------------------------------------------------------------
    # Follow RMS after import (rakuten.sync)
    # ------------------------------------------------------------------
    def _rakuten_follow(self, team, order, client, log):
        """Bring this order in line with ``order`` as RMS shows it now (rms.order.Order)."""
        self.ensure_one()
        progress = str(order.order_progress)
        if progress != self.rakuten_order_progress:
            self.rakuten_order_progress = progress
        # Verified first: a report refused because Rakuten cancelled the order still shows.
        # Baskets still 'sending' are the carrier job's to check (it may be sending them now).
        self.rakuten_basket_ids.filtered(
            lambda b: "sending" not in (b.carrier_state, b.ship_state)
        )._rakuten_verify(order, client, log)
        if order.order_progress in codes.PROGRESS_CANCELLED:
            if (
                not self.rakuten_cancel_checked
            ):  # a shipped order is handed to a person once
                self._rakuten_apply_cancellation(team, log)
            return
        if not (
            self.rakuten_is_rakuten_pay
            and self.rakuten_approval_state in FOLLOWED_APPROVAL_STATES
        ):
            return
        status = None
        went_back = self.rakuten_approval_state == codes.APPROVAL_STATE_APPROVED and (
            order.order_progress == codes.PROGRESS_RAKUTEN_PROCESSING
        )
        if went_back or order.caution_display_type:
            # getPayment says more than the order status when Rakuten went back on an approval.
            payments = (
                client.get_payment(self.rakuten_order_number).get("PaymentModelList")
                or []
            )
            status = payments[-1].get("paymentStatus") if payments else None
        update = sync.payment_update(order, self.rakuten_approval_state, status)
        vals = {}
        if update.payment_state and update.payment_state != self.rakuten_payment_state:
            vals["rakuten_payment_state"] = update.payment_state
        if (
            update.approval_state
            and update.approval_state != self.rakuten_approval_state
        ):
            vals["rakuten_approval_state"] = update.approval_state
        if not vals:
            return
        if update.refused:
            vals.update(
                rakuten_slip_state=mapping.SLIP_TO_CONFIRM,
                rakuten_confirm_reasons=update.reason,
            )
        self.write(vals)
        if update.refused:
            self._rakuten_schedule_activity(
                _("Rakuten refused the payment"),
                _(
                    "Rakuten refused the authorization of order %(number)s. Contact the buyer or "
                    "cancel the order in RMS.",
                    number=self.rakuten_order_number,
                ),
            )
        self.message_post(
            body=to_text(self.env, update.reason), subtype_xmlid="mail.mt_note"
        )
        log._add_line(
            self.rakuten_order_number,
            "updated",
            update.reason,
            self,
            counter="approval_refused" if update.refused else "settled",
        )

    def _rakuten_apply_cancellation(self, team, log):
        """RMS cancelled the order (800/900): cancel it in Odoo with the channel's reason (※1),
        releasing its stock; if goods already left, hand it to a person instead."""
        self.ensure_one()
        reason = team._rakuten_cancel_reason()
        shipped = self.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state == "done"
        )
        if shipped:
            text = _lt(
                "Rakuten cancelled this order after its goods were shipped (%(pickings)s): arrange "
                "the return, then cancel it.",
                pickings=", ".join(shipped.mapped("name")),
            )
            self.write(
                {
                    "rakuten_slip_state": mapping.SLIP_TO_CONFIRM,
                    "rakuten_confirm_reasons": text,
                    "rakuten_cancel_checked": True,
                }
            )
            self._rakuten_schedule_activity(
                _("Rakuten cancelled a shipped order"), to_text(self.env, text)
            )
            self.message_post(
                body=to_text(self.env, text), subtype_xmlid="mail.mt_note"
            )
            log._add_line(self.rakuten_order_number, "failed", text, self)
            return
        self.with_context(disable_cancel_warning=True)._action_cancel()
        self.write(
            {
                "rakuten_slip_state": mapping.SLIP_CANCEL,
                "rakuten_cancel_reason": reason,
                "rakuten_confirm_state": "none"
                if self.rakuten_confirm_state in ("todo", "sending")
                else self.rakuten_confirm_state,
            }
        )
        self.message_post(
            body=_(
                "Cancelled on Rakuten (RMS status %(progress)s). Reason: %(reason)s",
                progress=self.rakuten_order_progress,
                reason=to_text(self.env, reason),
            ),
            subtype_xmlid="mail.mt_note",
        )
        log._add_line(
            self.rakuten_order_number,
            "updated",
            _lt("Cancelled: %(reason)s", reason=reason),
            self,
            counter="cancelled",
        )

    def _rakuten_schedule_activity(self, summary, note):
        self.ensure_one()
        user = self.user_id or self.team_id.user_id or self.env.ref("base.user_admin")
        self.activity_schedule(
            "mail.mail_activity_data_todo", summary=summary, note=note, user_id=user.id
        )
