import json
import logging
from datetime import timezone

import psycopg2

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, plaintext2html
from odoo.tools.translate import LazyTranslate

from ..rms import changes, codes, mapping, sync
from ..rms.messages import Message
from ..rms.order import clean_text, parse_order
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

    # -- Cancel in Odoo, cancelled on Rakuten (wizard rakuten.order.cancel, job "cancel") --
    rakuten_cancel_state = fields.Selection(
        [
            ("none", "Not Requested"),
            ("todo", "To Cancel on Rakuten"),
            ("sending", "Sending"),
            ("done", "Cancelled on Rakuten"),
            ("error", "Refused by Rakuten"),
        ],
        string="Rakuten Cancellation",
        default="none",
        copy=False,
        readonly=True,
        tracking=True,
        help="Whether Odoo asked Rakuten to cancel the order (cancelOrder) and what Rakuten "
        "answered. The request is recorded before it is sent and never sent twice.",
    )
    rakuten_cancel_request_reason = fields.Selection(
        selection=codes.CANCEL_REASON_SELECTION,
        string="Cancel Reason Sent to Rakuten",
        copy=False,
        readonly=True,
        tracking=True,
    )
    rakuten_cancel_restore = fields.Selection(
        selection=codes.INVENTORY_RESTORE_TYPE_SELECTION,
        string="Rakuten Stock on Cancellation",
        copy=False,
        readonly=True,
        tracking=True,
        help="inventoryRestoreType of the cancellation: what Rakuten does with the stock of "
        "the cancelled items.",
    )
    rakuten_cancel_error = RakutenText(
        string="Cancellation Error", copy=False, readonly=True
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
            if order.rakuten_change_state == "held":
                raise UserError(
                    _(
                        "Rakuten changed this order: apply the changes or keep the Odoo "
                        "version first."
                    )
                )
            order.write(
                {
                    "rakuten_slip_state": order._rakuten_checked_slip_state(),
                    "rakuten_confirm_reasons": False,
                }
            )
            order.message_post(body=_("Checked by %(user)s.", user=self.env.user.name))
        return True

    def _rakuten_checked_slip_state(self):
        """The slip state of a checked 確認待ち slip: 出荷済 once every delivery is done (e.g.
        cancelled on Rakuten after its goods left), else 入金待ち / 出荷待ち."""
        self.ensure_one()
        if self._rakuten_all_shipped():
            return mapping.SLIP_SHIPPED
        return mapping.slip_state(
            False, self.rakuten_is_rakuten_pay, self.rakuten_payment_state
        )

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
            **self._rakuten_figures_vals(order),
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

    @api.model
    def _rakuten_figures_vals(self, order):
        """The figures an order shows as Rakuten's, from ``order`` (rms.order.Order): the
        expected total, Rakuten-funded coupons and points, what the buyer is charged."""
        coupons, points = mapping.rakuten_share(order)
        return {
            "rakuten_expected_amount": mapping.expected_total(order) or 0.0,
            "rakuten_coupon_amount": coupons,
            "rakuten_point_amount": points,
            "rakuten_request_amount": max(order.request_price, 0),
        }

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
            # Cancelled at Odoo's own request (the cancel job): completed, never processed
            # again with the channel's reason (※1).
            if self.rakuten_cancel_state in ("sending", "done"):
                self._rakuten_cancel_done(log)
                return
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

    # ------------------------------------------------------------------
    # Cancel in Odoo, cancelled on Rakuten (wizard rakuten.order.cancel, job "cancel")
    # ------------------------------------------------------------------
    def action_cancel(self):
        """Cancel on a Rakuten order opens the Rakuten cancel wizard (also cancel on Rakuten,
        or in Odoo only), as core opens its own ``sale.order.cancel``. Its "Cancel in Odoo
        Only" comes back here with ``disable_cancel_warning``: core's cancel."""
        if (
            self.env.context.get("disable_cancel_warning")
            or not self.filtered("rakuten_order_number")
            or any(order.locked for order in self)  # core refuses it
        ):
            return super().action_cancel()
        self.ensure_one()
        return {
            "name": _(
                "Cancel Rakuten Order %(number)s", number=self.rakuten_order_number
            ),
            "type": "ir.actions.act_window",
            "res_model": "rakuten.order.cancel",
            "view_mode": "form",
            "views": [
                (self.env.ref("sale_rakuten.rakuten_order_cancel_view_form").id, "form")
            ],
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    def _rakuten_cancel_request(self, reason, restore):
        """Record a cancellation to send to Rakuten (the cancel job sends it) and wake the
        job."""
        self.write(
            {
                "rakuten_cancel_state": "todo",
                "rakuten_cancel_request_reason": reason,
                "rakuten_cancel_restore": restore,
                "rakuten_cancel_error": False,
            }
        )
        self.env.ref("sale_rakuten.ir_cron_rakuten_cancel_orders").sudo()._trigger()

    def _rakuten_cancel_reason_text(self):
        """The reason sent to Rakuten, as a text read in the reader's language."""
        self.ensure_one()
        code = int(self.rakuten_cancel_request_reason or 0)
        return Message(codes.CANCEL_REASON_EN.get(code, str(code)))

    def _rakuten_cancel_done(self, log):
        """Rakuten cancelled the order at Odoo's request (its answer, or, after an interrupted
        call, the status RMS shows): cancel it in Odoo, releasing its stock, with the reason
        sent. Called again for an order already done, it does nothing twice."""
        self.ensure_one()
        if self.rakuten_cancel_state != "done":
            self.write({"rakuten_cancel_state": "done", "rakuten_cancel_error": False})
        if self.rakuten_slip_state == mapping.SLIP_CANCEL:
            return
        reason = self._rakuten_cancel_reason_text()
        if self.state != "cancel":
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
        restore = dict(
            self._fields["rakuten_cancel_restore"]._description_selection(self.env)
        ).get(self.rakuten_cancel_restore, "")
        self.message_post(
            body=_(
                "Cancelled on Rakuten at Odoo's request. Reason: %(reason)s. Rakuten stock: "
                "%(restore)s.",
                reason=to_text(self.env, reason),
                restore=restore,
            ),
            subtype_xmlid="mail.mt_note",
        )
        log._add_line(
            self.rakuten_order_number,
            "done",
            _lt("Cancelled on Rakuten at Odoo's request: %(reason)s", reason=reason),
            self,
            counter="cancelled",
        )

    def _rakuten_cancel_failed(self, reason, log, counter="refused"):
        """Rakuten refused the cancellation (``reason``: RMS's own message, or ours when RMS
        did not confirm it): say so on the order and leave the order as it was."""
        self.ensure_one()
        self.write({"rakuten_cancel_state": "error", "rakuten_cancel_error": reason})
        text = _(
            "Rakuten did not cancel order %(number)s (%(reason)s). The order is unchanged "
            "in Odoo; check it in RMS, then press Cancel again.",
            number=self.rakuten_order_number,
            reason=to_text(self.env, reason),
        )
        self._rakuten_schedule_activity(_("Rakuten did not cancel the order"), text)
        self.message_post(body=text, subtype_xmlid="mail.mt_note")
        log._add_line(
            self.rakuten_order_number, "failed", reason, self, counter=counter
        )

    # ------------------------------------------------------------------
    # Changes made on Rakuten after import (follow-up job; rms/changes.py)
    # ------------------------------------------------------------------
    rakuten_change_state = fields.Selection(
        [
            ("held", "Waiting for a Person"),
            ("announced", "Announced after Shipping"),
        ],
        string="Rakuten Changes",
        copy=False,
        readonly=True,
        help="Waiting for a Person: Rakuten changed the order after import and Odoo did not "
        "apply it (Apply Rakuten Changes or Keep Odoo Version). Announced after Shipping: "
        "Rakuten changed the order after a delivery was done; the salesperson has an "
        "activity.",
    )
    rakuten_change_text = RakutenText(
        string="What Rakuten Changed", copy=False, readonly=True
    )
    rakuten_change_data = fields.Text(
        string="RMS Order Data with the Changes",
        copy=False,
        readonly=True,
        prefetch=False,
        groups=MANAGER_GROUP,
        help="The order as RMS showed it with the changes that wait for a person.",
    )
    rakuten_change_digest = fields.Char(copy=False, readonly=True)

    def _rakuten_delivery_done(self):
        """A delivery of the order is done (its goods left): nothing is changed any more."""
        self.ensure_one()
        return self.rakuten_slip_state == mapping.SLIP_SHIPPED or any(
            p.picking_type_code == "outgoing" and p.state == "done"
            for p in self.picking_ids
        )

    def _rakuten_parse_stored(self, field):
        """The rms.order.Order stored in ``field`` (sudo: manager-only data), or None."""
        text = self.sudo()[field]
        if not text:
            return None
        try:
            return parse_order(json.loads(text))
        except (ValueError, TypeError):
            return None

    def _rakuten_follow_changes(self, team, order, raw, log):
        """Compare ``order`` (rms.order.Order as RMS shows it now, ``raw`` its JSON) with what
        was imported (the baseline, ``rakuten_raw_data``); apply, hold or announce what
        changed."""
        self.ensure_one()
        if self.rakuten_slip_state in (
            False,
            mapping.SLIP_NEW,
            mapping.SLIP_CANCEL,
        ) or (order.order_progress in codes.PROGRESS_CANCELLED):
            return
        baseline = self._rakuten_parse_stored("rakuten_raw_data")
        if baseline is None:
            # Imported before the raw data was kept: today's data is the baseline.
            self.sudo().rakuten_raw_data = raw_json(raw)
            return
        found = changes.compare(baseline, order)
        if not found:
            if self.rakuten_change_state == "held":
                # RMS went back to what was imported: nothing is held any more.
                self._rakuten_clear_changes()
                self._rakuten_release_slip()
            return
        digest = changes.digest(found)
        if digest == self.rakuten_change_digest:
            return  # held or announced already, and RMS did not change it again
        by = changes.changed_by(changes.snapshot(baseline), changes.snapshot(order))
        lines = changes.messages(found, by)
        log._count("changes_found", len(found))
        if self._rakuten_delivery_done():
            self._rakuten_announce_changes(lines, digest, log, len(found))
            return
        problems = self._rakuten_change_problems(team, baseline, order, found)
        if team.rakuten_apply_changes and not problems:
            self._rakuten_apply_changes(team, order, found)
            self.sudo().rakuten_raw_data = raw_json(raw)
            self._rakuten_clear_changes()
            self._rakuten_recheck_amounts()
            text = (
                _lt("Rakuten changed this order; Odoo applied the changes:"),
            ) + lines
            self.message_post(
                body=plaintext2html(to_text(self.env, text)),
                subtype_xmlid="mail.mt_note",
            )
            log._add_line(
                self.rakuten_order_number,
                "updated",
                text,
                self,
                counter="changes_applied",
            )
            log._count("changes_applied", len(found) - 1)
            return
        if not team.rakuten_apply_changes:
            problems = (
                _lt("The channel does not apply Rakuten changes automatically."),
            ) + problems
        held = lines + problems
        self.sudo().write(
            {
                "rakuten_change_state": "held",
                "rakuten_change_text": held,
                "rakuten_change_data": raw_json(raw),
                "rakuten_change_digest": digest,
            }
        )
        if self.rakuten_slip_state != mapping.SLIP_TO_CONFIRM:
            self.rakuten_slip_state = mapping.SLIP_TO_CONFIRM
        text = (
            _lt("Rakuten changed this order; the changes wait for a person:"),
        ) + held
        self.message_post(
            body=plaintext2html(to_text(self.env, text)), subtype_xmlid="mail.mt_note"
        )
        log._add_line(
            self.rakuten_order_number, "warning", text, self, counter="changes_held"
        )
        log._count("changes_held", len(found) - 1)

    def _rakuten_announce_changes(self, lines, digest, log, count):
        """After shipping nothing is changed: the salesperson is told, once per diff."""
        text = (
            _lt(
                "Rakuten changed this order after a delivery was done; Odoo changed nothing:"
            ),
        ) + lines
        self.sudo().write(
            {
                "rakuten_change_state": "announced",
                "rakuten_change_text": lines,
                "rakuten_change_digest": digest,
            }
        )
        body = to_text(self.env, text)
        self._rakuten_schedule_activity(
            _("Rakuten changed a shipped order"), plaintext2html(body)
        )
        self.message_post(body=plaintext2html(body), subtype_xmlid="mail.mt_note")
        log._add_line(
            self.rakuten_order_number, "warning", text, self, counter="changes_held"
        )
        log._count("changes_held", count - 1)

    def _rakuten_clear_changes(self):
        self.sudo().write(
            {
                "rakuten_change_state": False,
                "rakuten_change_text": False,
                "rakuten_change_data": False,
                "rakuten_change_digest": False,
            }
        )

    def _rakuten_release_slip(self):
        """The slip where the distribution puts it once no change is held: 確認待ち while
        another check holds it, else on to 入金待ち / 出荷待ち."""
        self.ensure_one()
        if (
            self.rakuten_slip_state == mapping.SLIP_TO_CONFIRM
            and not self.rakuten_confirm_reasons
        ):
            self.rakuten_slip_state = self._rakuten_checked_slip_state()

    def _rakuten_recheck_amounts(self, reasons=()):
        """The amount check of the import, again after changes: an Odoo total that is not
        Rakuten's (or one of ``reasons``) sends the slip to 確認待ち, with those reasons
        after the ones it already has."""
        self.ensure_one()
        reasons = list(reasons)
        odoo_total = int(round(self.amount_total))
        expected = int(round(self.rakuten_expected_amount))
        if odoo_total != expected:
            reasons.append(
                Message(
                    mapping.CHECK_REASONS[mapping.CHECK_AMOUNTS],
                    {"odoo": odoo_total, "rakuten": expected},
                )
            )
        if not reasons:
            self._rakuten_release_slip()
            return
        field = self._fields["rakuten_confirm_reasons"]
        self.fetch([field.name])
        kept = self.env.cache.get(self, field) or []
        self.write(
            {
                "rakuten_slip_state": mapping.SLIP_TO_CONFIRM,
                "rakuten_confirm_reasons": (kept if isinstance(kept, list) else [kept])
                + reasons,
            }
        )

    def _rakuten_change_line(self, key):
        basket, detail = key
        return self.order_line.filtered(
            lambda ln: (
                ln.rakuten_line_kind == mapping.ITEM
                and ln.rakuten_item_detail_id == str(detail)
                and (ln.rakuten_basket_number or False) == str(basket)
            )
        )[:1]

    def _rakuten_change_basket(self, basket):
        return self.rakuten_basket_ids.filtered(lambda b: b.basket_id == str(basket))[
            :1
        ]

    def _rakuten_change_problems(self, team, baseline, order, found):
        """Why ``found`` cannot be applied automatically: a change that is not appliable, or
        a value staff changed in Odoo since import (the Odoo value is not the baseline's)."""
        items = {i.item_detail_id: i for i in order.items}
        products = self.env["product.product"]._rakuten_match_products(
            team, list(items.values())
        )
        senders = {p.basket_id: p.sender for p in baseline.packages}
        problems = []
        for change in found:
            name = change.field_name
            if change.action is None:
                problems.append(Message(changes.NOT_APPLIABLE, {"field": name}))
                continue
            if change.action.kind == changes.ADD_LINE:
                target = change.action.target
                if not (
                    target[1] in items
                    and self._rakuten_change_basket(target[0])
                    and products.get(change.action.value.product_keys)
                ):
                    problems.append(
                        _lt(
                            "Not applied automatically: %(field)s (%(item)s) matches no "
                            "product.",
                            field=name,
                            item=change.what,
                        )
                    )
                continue
            odoo = self._rakuten_change_conflict(change, baseline, senders)
            if odoo is Ellipsis:
                problems.append(Message(changes.NOT_APPLIABLE, {"field": name}))
            elif odoo is not None:
                problems.append(
                    _lt(
                        "%(field)s was changed in Odoo too (now %(odoo)s): Odoo did not "
                        "overwrite it.",
                        field=name,
                        odoo=odoo,
                    )
                )
        return tuple(problems)

    def _rakuten_change_conflict(self, change, baseline, senders):
        """The Odoo value that staff changed since import where ``change`` would write, None
        when Odoo still has the baseline's value, Ellipsis when there is nothing to write
        to (the line or the basket is gone)."""
        action = change.action
        if action.kind in (changes.SET_UNITS, changes.SET_PRICE):
            line = self._rakuten_change_line(action.target)
            if not line:
                return Ellipsis
            value = int(
                round(
                    line.product_uom_qty
                    if action.kind == changes.SET_UNITS
                    else line.price_unit
                )
            )
            return None if value == change.before else value
        if action.kind == changes.FEE_LINES:
            kind, basket = action.target
            lines = self._rakuten_fee_lines(kind, basket)
            total = int(round(sum(ln.price_unit * ln.product_uom_qty for ln in lines)))
            before = (
                -change.before if kind == mapping.SHOP_COUPON else max(change.before, 0)
            )
            return None if total == before else "%s" % total
        if action.kind == changes.SET_RECIPIENT:
            basket = self._rakuten_change_basket(action.target)
            sender = senders.get(action.target)
            if not basket or sender is None:
                return Ellipsis
            country = self.env.ref("base.jp")
            state = self.env["res.country.state"].search(
                [("country_id", "=", country.id), ("code", "=", sender.state_code)],
                limit=1,
            )
            Partner = self.env["res.partner"]
            vals = Partner._rakuten_address_vals(
                sender, country, {sender.state_code: state.id}
            )
            pickings = basket.picking_ids.filtered(
                lambda p: p.state not in ("done", "cancel")
            )
            if Partner._rakuten_same_address(basket.partner_id, vals) and all(
                p.partner_id == basket.partner_id for p in pickings
            ):
                return None
            return basket.partner_id.display_name or "-"
        if action.kind == changes.SET_FIELD and action.target == "delivery_date":
            current = self.commitment_date and self.commitment_date.date()
            if (current or None) == (baseline.delivery_date or None):
                return None
            return current.isoformat() if current else "-"
        return None

    def _rakuten_fee_lines(self, kind, basket):
        return self.order_line.filtered(
            lambda ln: (
                ln.rakuten_line_kind == kind
                and (basket is None or ln.rakuten_basket_number == str(basket))
            )
        )

    def _rakuten_apply_changes(self, team, order, found):
        """Apply the changes ``found`` (rms.changes.Change) to the order and, through
        sale_stock, to its deliveries; ``order`` is the rms.order.Order they come from.
        Returns the names of the items added without a matching product."""
        self.ensure_one()
        unmatched = []
        items = {i.item_detail_id: i for i in order.items}
        products = self.env["product.product"]._rakuten_match_products(
            team, list(items.values())
        )
        recipients = set()
        Line = self.env["sale.order.line"]
        for change in found:
            action = change.action
            if action is None:
                continue
            if action.kind in (changes.SET_UNITS, changes.SET_PRICE):
                line = self._rakuten_change_line(action.target)
                if not line:
                    continue
                value, detail = action.value
                vals = {"rakuten_item_detail_id": str(detail)}
                if action.kind == changes.SET_UNITS:
                    vals["product_uom_qty"] = value
                else:
                    vals["price_unit"] = value
                line.write(vals)
            elif action.kind == changes.ADD_LINE:
                vals, matched = Line._rakuten_line_vals(team, action.value, products)
                Line.create(dict(vals, order_id=self.id))
                if not matched:
                    unmatched.append(action.value.name)
            elif action.kind == changes.FEE_LINES:
                self._rakuten_apply_fee_lines(team, *action.target, action.value)
            elif action.kind == changes.SET_RECIPIENT:
                recipients.add(action.target)
            elif action.kind == changes.SET_FIELD:
                self.write(self._rakuten_change_field_vals(action.target, action.value))
        if recipients:
            self._rakuten_apply_recipients(team, order, recipients)
        return unmatched

    def _rakuten_change_field_vals(self, name, value):
        if name == "delivery_date":
            return {
                "commitment_date": fields.Datetime.to_datetime(value)
                if value
                else False
            }
        if name == "shipping_term":
            return {"rakuten_delivery_time": _shipping_term(self.env, value)}
        if name == "request_amount":
            return {"rakuten_request_amount": max(value, 0)}
        return {
            {
                "coupon_amount": "rakuten_coupon_amount",
                "point_amount": "rakuten_point_amount",
                "expected_amount": "rakuten_expected_amount",
                "asuraku": "rakuten_asuraku",
                "remarks": "rakuten_remarks",
            }[name]: value or (False if name == "remarks" else value)
        }

    def _rakuten_apply_fee_lines(self, team, kind, basket, specs):
        """The lines of ``kind`` (of ``basket``) become ``specs``: updated in place, added,
        or set to zero."""
        Line = self.env["sale.order.line"]
        lines = list(self._rakuten_fee_lines(kind, basket))
        for spec in specs:
            vals, _matched = Line._rakuten_line_vals(team, spec, {})
            if lines:
                line = lines.pop(0)
                line.write(
                    {
                        "price_unit": vals["price_unit"],
                        "product_uom_qty": vals["product_uom_qty"],
                        "rakuten_item_detail_id": vals["rakuten_item_detail_id"],
                    }
                )
            else:
                Line.create(dict(vals, order_id=self.id))
        for line in lines:
            line.product_uom_qty = 0

    def _rakuten_apply_recipients(self, team, order, baskets):
        """The recipients of ``baskets`` as RMS shows them now: a delivery address of the
        buyer (found again or created, never the buyer's own contact overwritten), set on the
        basket, its open deliveries and, for the first basket, the order."""
        _customer, recipients = self.env["res.partner"]._rakuten_partners(
            team, [order]
        )[order.order_number]
        first = str(order.packages[0].basket_id)
        for basket_id in sorted(baskets):
            basket = self._rakuten_change_basket(basket_id)
            partner = recipients.get(basket_id)
            if not basket or not partner:
                continue
            basket.partner_id = partner
            if basket.procurement_group_id:
                basket.procurement_group_id.partner_id = partner
            basket.picking_ids.filtered(
                lambda p: p.state not in ("done", "cancel")
            ).partner_id = partner
            if basket.basket_id == first and self.partner_shipping_id != partner:
                # Our own activity is the chatter note; sale_stock's warning is not needed.
                self.with_context(update_delivery_shipping_partner=True).write(
                    {"partner_shipping_id": partner.id}
                )

    def _rakuten_change_summary(self, baseline, data, found=None):
        """The changes from ``baseline`` to ``data`` (rms.order.Order) as text in the
        reader's language, without the reasons they were held for (a person decided)."""
        if found is None:
            found = changes.compare(baseline, data)
        by = changes.changed_by(changes.snapshot(baseline), changes.snapshot(data))
        return to_text(self.env, changes.messages(found, by))

    def _rakuten_refresh_rakuten_values(self, order):
        """The figures the order shows as Rakuten's (expected total, buyer's charge,
        Rakuten-funded coupons and points, each basket's postage) as ``order``
        (rms.order.Order) has them; the order's own lines are not touched."""
        self.ensure_one()
        self.write(self._rakuten_figures_vals(order))
        for package in order.packages:
            basket = self._rakuten_change_basket(package.basket_id)
            postage = max(package.postage_price, 0)
            if basket and basket.postage != postage:
                basket.postage = postage

    def action_rakuten_apply_changes(self):
        """A person applies the changes Rakuten made (held for confirmation)."""
        for order in self:
            if order.rakuten_change_state != "held":
                raise UserError(_("No Rakuten change waits for this order."))
            if order._rakuten_delivery_done():
                raise UserError(
                    _(
                        "A delivery of this order is already done: Odoo cannot apply the "
                        "Rakuten changes. Handle them by hand."
                    )
                )
            data = order._rakuten_parse_stored("rakuten_change_data")
            baseline = order._rakuten_parse_stored("rakuten_raw_data")
            if data is None or baseline is None:
                raise UserError(_("The RMS data of the changes cannot be read."))
            team = order.team_id
            found = changes.compare(baseline, data)
            unmatched = order._rakuten_apply_changes(team, data, found)
            order._rakuten_refresh_rakuten_values(data)
            order.sudo().rakuten_raw_data = order.sudo().rakuten_change_data
            text = order._rakuten_change_summary(baseline, data, found)
            order._rakuten_clear_changes()
            order._rakuten_recheck_amounts(
                [
                    Message(
                        mapping.CHECK_REASONS[mapping.CHECK_UNMATCHED],
                        {"items": ", ".join(unmatched)},
                    )
                ]
                if unmatched
                else []
            )
            order.message_post(
                body=plaintext2html(
                    _(
                        "Rakuten changes applied by %(user)s:\n%(changes)s",
                        user=self.env.user.name,
                        changes=text or "",
                    )
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_rakuten_keep_odoo(self):
        """A person keeps the order as it is in Odoo: RMS's data becomes the baseline."""
        for order in self:
            if order.rakuten_change_state != "held":
                raise UserError(_("No Rakuten change waits for this order."))
            text = order.rakuten_change_text
            data = order._rakuten_parse_stored("rakuten_change_data")
            baseline = order._rakuten_parse_stored("rakuten_raw_data")
            if data is not None and baseline is not None:
                text = order._rakuten_change_summary(baseline, data)
            if data is not None:
                # Odoo's order stays as it is, but what Rakuten charges is Rakuten's new
                # figure: the amount check compares Odoo's total with it again.
                order._rakuten_refresh_rakuten_values(data)
            order.sudo().rakuten_raw_data = order.sudo().rakuten_change_data
            order._rakuten_clear_changes()
            order._rakuten_recheck_amounts()
            order.message_post(
                body=plaintext2html(
                    _(
                        "Odoo version kept by %(user)s; Rakuten's changes were not "
                        "applied:\n%(changes)s",
                        user=self.env.user.name,
                        changes=text or "",
                    )
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True
