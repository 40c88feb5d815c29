"""What RMS changed in an order after it was imported, without Odoo.

:func:`snapshot` reduces an :class:`~.order.Order` to what matters for fulfilment and money
(items, units and prices per basket and line, postage, fees, coupons, points, totals,
recipients, delivery date and time slot, あす楽, remarks). :func:`diff` compares two
snapshots (the order as imported, the order as RMS shows it now) and lists the
:class:`Change` es, in a stable order, each with a code, a key, the values before and after,
and an :class:`Action`: how the Odoo layer applies it automatically, or None when it must not
(an amount RMS has not determined, a new recipient, anything else unsafe).

``ChangeReasonModelList`` only says who asked (:func:`changed_by`): the data decide what
changed. The texts are :class:`~.messages.Message` s, translated by the Odoo layer.
"""

from dataclasses import dataclass, field
from datetime import date

from . import mapping
from .codes import UNDETERMINED_PRICE
from .messages import Message

# Change codes, in the order changes are listed.
ITEM_ADDED = "item_added"
ITEM_REMOVED = "item_removed"
ITEM_UNITS = "item_units"
ITEM_PRICE = "item_price"
POSTAGE = "postage"
COD_FEE = "cod_fee"
PAYMENT_FEE = "payment_fee"
COUPON = "coupon"
POINTS = "points"
TOTAL = "total"
RECIPIENT_NAME = "recipient_name"
ADDRESS = "address"
PHONE = "phone"
DELIVERY_DATE = "delivery_date"
DELIVERY_TIME = "delivery_time"
ASURAKU = "asuraku"
REMARKS = "remarks"
CODES = (
    ITEM_ADDED,
    ITEM_REMOVED,
    ITEM_UNITS,
    ITEM_PRICE,
    POSTAGE,
    COD_FEE,
    PAYMENT_FEE,
    COUPON,
    POINTS,
    TOTAL,
    RECIPIENT_NAME,
    ADDRESS,
    PHONE,
    DELIVERY_DATE,
    DELIVERY_TIME,
    ASURAKU,
    REMARKS,
)

#: English names of the changed fields (a code, or (code, key) for coupons and totals).
FIELD_NAMES = {
    ITEM_ADDED: "Item added",
    ITEM_REMOVED: "Item removed",
    ITEM_UNITS: "Units",
    ITEM_PRICE: "Unit price",
    POSTAGE: "Postage",
    COD_FEE: "Cash on delivery fee",
    PAYMENT_FEE: "Payment charge",
    (COUPON, "shop"): "Shop coupons",
    (COUPON, "rakuten"): "Rakuten-funded coupons",
    POINTS: "Points used",
    (TOTAL, "total"): "Order total",
    (TOTAL, "request"): "Buyer pays",
    RECIPIENT_NAME: "Recipient name",
    ADDRESS: "Address",
    PHONE: "Phone",
    DELIVERY_DATE: "Delivery date",
    DELIVERY_TIME: "Delivery time slot",
    ASURAKU: "Next-day delivery (asuraku)",
    REMARKS: "Buyer remarks",
}
#: Templates of one change, of its values and of what is said about it.
CHANGE = "%(field)s: %(before)s → %(after)s"
CHANGE_OF = "%(field)s (%(what)s): %(before)s → %(after)s"
YEN = "%(amount)s yen"
NONE = "(none)"
UNDETERMINED = "not determined (-9999)"
YES = "Yes"
NO = "No"
TERMS = {1: "Morning", 2: "Afternoon", 9: "Other"}
TERM_HOURS = "%(start)s:00-%(end)s:00"
BY = {
    "shop": "Changed on Rakuten by the shop.",
    "customer": "Changed on Rakuten at the buyer's request.",
}
NOT_APPLIABLE = "Not applied automatically: %(field)s."
#: Every template above, for the translation check.
MESSAGES = (
    tuple(FIELD_NAMES.values())
    + (CHANGE, CHANGE_OF, YEN, NONE, UNDETERMINED, YES, NO, TERM_HOURS, NOT_APPLIABLE)
    + tuple(TERMS.values())
    + tuple(BY.values())
)

# Kinds of Action.
SET_UNITS = "units"  # target (basket, item detail id), value units (0: removed)
SET_PRICE = "price"  # target (basket, item detail id), value tax-included unit price
ADD_LINE = "add_line"  # value the mapping.LineSpec of the new item
FEE_LINES = "fee_lines"  # target (line kind, basket or None), value the LineSpecs of it
SET_FIELD = "field"  # target the order field's short name, value its new value
SET_RECIPIENT = "recipient"  # target basket, value the new order.Sender


@dataclass(frozen=True)
class Action:
    """How the Odoo layer applies one change to the sales order."""

    kind: str
    target: object
    value: object


@dataclass(frozen=True)
class ItemLine:
    basket_id: int
    item_detail_id: int
    manage_number: str
    item_number: str
    variant_id: str | None
    name: str
    units: int
    price: int  # tax-included unit price
    spec: mapping.LineSpec = field(compare=False, hash=False, repr=False)

    @property
    def identity(self):
        """What names the product when RMS renumbered the line."""
        return (self.basket_id, self.manage_number, self.item_number, self.variant_id)


@dataclass(frozen=True)
class Recipient:
    name: str
    name_kana: str
    zip_code: str
    prefecture: str
    city: str
    sub_address: str
    phone: str

    @property
    def address(self):
        return "〒%s %s%s%s" % (
            self.zip_code,
            self.prefecture,
            self.city,
            self.sub_address,
        )


@dataclass(frozen=True)
class Snapshot:
    """What an order is for fulfilment and money (see the module docstring)."""

    items: dict  # (basket id, item detail id) -> ItemLine
    postage: dict  # basket id -> yen (-9999 undetermined)
    recipients: dict  # basket id -> Recipient
    senders: dict = field(compare=False, hash=False, repr=False)  # basket id -> Sender
    cod_fee: int = 0
    payment_fee: int = 0
    coupon_shop: int = 0
    coupon_rakuten: int = 0
    points: int = 0
    request_price: int = 0
    total: int | None = None  # mapping.expected_total: None while undetermined
    delivery_date: date | None = None
    shipping_term: int | None = None
    asuraku: bool = False
    remarks: str = ""
    change_ids: frozenset = frozenset()
    lines: tuple = field(default=(), compare=False, hash=False, repr=False)
    change_reasons: tuple = field(default=(), compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Change:
    code: str
    key: tuple
    before: object
    after: object
    action: Action | None = None
    #: the item's or the recipient's name, to tell which line or basket changed
    what: str = ""

    @property
    def appliable(self):
        return self.action is not None

    @property
    def field_name(self):
        name = FIELD_NAMES.get((self.code, self.key[0] if self.key else None))
        return Message(name or FIELD_NAMES[self.code])

    @property
    def message(self):
        """The readable change: field, before → after."""
        args = {
            "field": self.field_name,
            "before": show(self.code, self.before),
            "after": show(self.code, self.after),
        }
        if self.what:
            return Message(CHANGE_OF, dict(args, what=self.what))
        return Message(CHANGE, args)

    @property
    def digest(self):
        """A stable text of the change (same change, same text), to announce it once."""
        return "%s|%s|%r|%r" % (self.code, self.key, self.before, self.after)


def _recipient(sender):
    return Recipient(
        name=sender.name,
        name_kana=sender.name_kana,
        zip_code=sender.zip_code,
        prefecture=sender.prefecture,
        city=sender.city,
        sub_address=sender.sub_address,
        phone=sender.phone,
    )


def snapshot(order):
    """The :class:`Snapshot` of ``order`` (an rms.order.Order)."""
    specs = {
        (spec.basket_id, spec.item_detail_id): spec
        for spec in mapping.order_lines(order)
        if spec.kind == mapping.ITEM
    }
    items = {}
    for package in order.packages:
        for item in package.items:
            key = (package.basket_id, item.item_detail_id)
            items[key] = ItemLine(
                basket_id=package.basket_id,
                item_detail_id=item.item_detail_id,
                manage_number=item.manage_number,
                item_number=item.item_number,
                variant_id=item.variant_id,
                name=item.item_name,
                units=item.units,
                price=item.price_tax_incl,
                spec=specs[key],
            )
    coupons, points = mapping.rakuten_share(order)
    undetermined = order.amounts_undetermined
    return Snapshot(
        items=items,
        postage={p.basket_id: p.postage_price for p in order.packages},
        recipients={p.basket_id: _recipient(p.sender) for p in order.packages},
        senders={p.basket_id: p.sender for p in order.packages},
        cod_fee=order.delivery_price,
        payment_fee=order.payment_charge,
        coupon_shop=order.coupon_shop_price,
        coupon_rakuten=coupons,
        points=points,
        request_price=order.request_price,
        total=None if undetermined else mapping.expected_total(order),
        delivery_date=order.delivery_date,
        shipping_term=order.shipping_term,
        asuraku=order.asuraku,
        remarks=(order.remarks or "").strip(),
        change_ids=frozenset(
            r.change_id for r in order.change_reasons if r.change_id is not None
        ),
        lines=tuple(mapping.order_lines(order)) if not undetermined else (),
        change_reasons=order.change_reasons,
    )


def _money(value):
    return value is None or value == UNDETERMINED_PRICE


def _fee_specs(snap, kind, basket=None):
    return tuple(
        s
        for s in snap.lines
        if s.kind == kind and (basket is None or s.basket_id == basket)
    )


def diff(before, after):
    """The :class:`Change` s from snapshot ``before`` to snapshot ``after``, in the order of
    :data:`CODES`, then of baskets and lines; empty when nothing that matters changed."""
    changes = []
    new_baskets = set(after.recipients) - set(before.recipients)
    names = {b: r.name for snap in (before, after) for b, r in snap.recipients.items()}
    several = len(set(before.recipients) | set(after.recipients)) > 1

    def basket_name(basket):
        return names.get(basket, "") if several else ""

    changes += _item_changes(before, after, new_baskets)
    # Postage per basket.
    for basket in sorted(set(before.postage) | set(after.postage)):
        old, now = before.postage.get(basket, 0), after.postage.get(basket, 0)
        if old != now:
            action = (
                None
                if _money(now) or basket in new_baskets
                else Action(
                    FEE_LINES,
                    (mapping.POSTAGE, basket),
                    _fee_specs(after, mapping.POSTAGE, basket),
                )
            )
            changes.append(
                Change(POSTAGE, (basket,), old, now, action, basket_name(basket))
            )

    def amount(code, key, old, now, action):
        if old != now:
            changes.append(Change(code, key, old, now, None if _money(now) else action))

    amount(
        COD_FEE,
        (),
        before.cod_fee,
        after.cod_fee,
        Action(FEE_LINES, (mapping.COD_FEE, None), _fee_specs(after, mapping.COD_FEE)),
    )
    amount(
        PAYMENT_FEE,
        (),
        before.payment_fee,
        after.payment_fee,
        Action(
            FEE_LINES,
            (mapping.PAYMENT_CHARGE, None),
            _fee_specs(after, mapping.PAYMENT_CHARGE),
        ),
    )
    amount(
        COUPON,
        ("shop",),
        before.coupon_shop,
        after.coupon_shop,
        Action(
            FEE_LINES,
            (mapping.SHOP_COUPON, None),
            _fee_specs(after, mapping.SHOP_COUPON),
        ),
    )
    amount(
        COUPON,
        ("rakuten",),
        before.coupon_rakuten,
        after.coupon_rakuten,
        Action(SET_FIELD, "coupon_amount", after.coupon_rakuten),
    )
    amount(
        POINTS,
        (),
        before.points,
        after.points,
        Action(SET_FIELD, "point_amount", after.points),
    )
    amount(
        TOTAL,
        ("total",),
        before.total,
        after.total,
        Action(SET_FIELD, "expected_amount", after.total),
    )
    amount(
        TOTAL,
        ("request",),
        before.request_price,
        after.request_price,
        Action(SET_FIELD, "request_amount", after.request_price),
    )
    changes += _recipient_changes(before, after, basket_name)
    for code, attr in (
        (DELIVERY_DATE, "delivery_date"),
        (DELIVERY_TIME, "shipping_term"),
        (ASURAKU, "asuraku"),
        (REMARKS, "remarks"),
    ):
        old, now = getattr(before, attr), getattr(after, attr)
        if (old or None) != (now or None):
            changes.append(Change(code, (), old, now, Action(SET_FIELD, attr, now)))
    return changes


def _item_changes(before, after, new_baskets):
    changes = []
    # Items: by (basket, line), then a line RMS renumbered by its product in the basket.
    gone = {k: v for k, v in before.items.items() if k not in after.items}
    new = {k: v for k, v in after.items.items() if k not in before.items}
    pairs = [
        (before.items[k], after.items[k]) for k in after.items if k in before.items
    ]
    for key, line in list(new.items()):
        match = next((k for k, v in gone.items() if v.identity == line.identity), None)
        if match is not None:
            pairs.append((gone.pop(match), new.pop(key)))
    added, removed, units, prices = [], [], [], []
    for key, line in new.items():
        action = (
            None
            if line.basket_id in new_baskets or line.units <= 0
            else Action(ADD_LINE, key, line.spec)
        )
        added.append(Change(ITEM_ADDED, key, None, line.units, action, line.name))
    for key, line in gone.items():
        removed.append(
            Change(
                ITEM_REMOVED,
                key,
                line.units,
                None,
                Action(SET_UNITS, key, (0, line.item_detail_id)),
                line.name,
            )
        )
    for old, now in pairs:
        key = (old.basket_id, old.item_detail_id)
        if old.units != now.units:
            units.append(
                Change(
                    ITEM_UNITS,
                    key,
                    old.units,
                    now.units,
                    Action(SET_UNITS, key, (now.units, now.item_detail_id))
                    if now.units >= 0
                    else None,
                    now.name,
                )
            )
        if old.price != now.price:
            prices.append(
                Change(
                    ITEM_PRICE,
                    key,
                    old.price,
                    now.price,
                    Action(SET_PRICE, key, (now.price, now.item_detail_id))
                    if now.price >= 0
                    else None,
                    now.name,
                )
            )
    changes += sorted(added, key=lambda c: c.key)
    changes += sorted(removed, key=lambda c: c.key)
    changes += sorted(units, key=lambda c: c.key)
    changes += sorted(prices, key=lambda c: c.key)
    return changes


def _recipient_changes(before, after, basket_name):
    changes = []
    # Recipients (a new basket is a new delivery: a person sets it up).
    for code, attr in (
        (RECIPIENT_NAME, ("name", "name_kana")),
        (ADDRESS, ("zip_code", "prefecture", "city", "sub_address")),
        (PHONE, ("phone",)),
    ):
        for basket in sorted(set(before.recipients) & set(after.recipients)):
            old, now = before.recipients[basket], after.recipients[basket]
            if any(getattr(old, a) != getattr(now, a) for a in attr):
                shown = {
                    RECIPIENT_NAME: lambda r: (
                        "%s (%s)" % (r.name, r.name_kana) if r.name_kana else r.name
                    ),
                    ADDRESS: lambda r: r.address,
                    PHONE: lambda r: r.phone,
                }[code]
                changes.append(
                    Change(
                        code,
                        (basket,),
                        shown(old),
                        shown(now),
                        Action(SET_RECIPIENT, basket, after.senders[basket]),
                        basket_name(basket),
                    )
                )
    return changes


def compare(before_order, after_order):
    """:func:`diff` of two rms.order.Order."""
    return diff(snapshot(before_order), snapshot(after_order))


def changed_by(before, after):
    """Who asked for the changes RMS recorded since ``before`` (ChangeReasonModelList entries
    of changeType 4-7 that ``before`` did not have): ``'shop'``, ``'customer'``, or None
    (no entry, or both)."""
    reasons = {
        r.change_reason
        for r in after.change_reasons
        if r.change_id not in before.change_ids
        and r.change_type in (4, 5, 6, 7)
        and r.change_reason in (0, 1)
    }
    if len(reasons) != 1:
        return None
    return "shop" if reasons == {0} else "customer"


def show(code, value):
    """A value of change ``code`` as text (a Message when it is ours to translate)."""
    if code in (ASURAKU,):
        return Message(YES if value else NO)
    if value is None or value == "":
        return Message(NONE)
    if code in (ITEM_ADDED, ITEM_REMOVED, ITEM_UNITS):
        return value
    if code == DELIVERY_TIME:
        if value == 0:
            return Message(NONE)
        if value in TERMS:
            return Message(TERMS[value])
        text = "%04d" % value
        return Message(TERM_HOURS, {"start": text[:2], "end": text[2:]})
    if isinstance(value, bool):
        return Message(YES if value else NO)
    if isinstance(value, int):
        if value == UNDETERMINED_PRICE:
            return Message(UNDETERMINED)
        return Message(YEN, {"amount": f"{value:,}"})
    if isinstance(value, date):
        return value.isoformat()
    return value


def messages(changes, by=None):
    """The readable lines of ``changes``: who asked (when RMS says), then one per change,
    then which could not be applied automatically."""
    lines = []
    if by in BY:
        lines.append(Message(BY[by]))
    lines += [change.message for change in changes]
    return tuple(lines)


def digest(changes):
    """One text for a list of changes: equal lists, equal digests."""
    return "\n".join(change.digest for change in changes)
