"""Stock to Rakuten (※6 在庫連携) as pure functions: the sellable quantity, the units RMS holds
for orders Odoo has not reserved yet, and the push plan.

**Sellable quantity** (:func:`sellable_quantity`): the free quantity of the channel's
warehouse, less the units of Rakuten orders RMS already took off its stock but Odoo has not
reserved yet (``held``), less a safety stock (予備在庫数), times an allocation rate (在庫割当率,
percent, rounded down), under an optional cap; never below 0 nor above RMS's 99,999. The rule
is per channel, with a per-SKU override (:class:`StockRule`).

**No oversell, no drift.** RMS takes every Rakuten sale off its own stock at order time; Odoo
reserves it only when the order is imported (30 minutes later for non-あす楽 orders, longer for
deferred ones such as 送料未確定). Two things could give sold units back to Rakuten, and the
design closes both:

1. *Orders RMS has and Odoo has not reserved.* Their units are subtracted before the rule
   (``held``, :func:`held_units`): every live (not cancelled) order found by searchOrder since
   the last import started, less a margin, plus the orders the import keeps waiting, that
   Odoo has not imported. An order counts exactly once: as ``held`` while Odoo does not have
   it, then in the free quantity (reserved, or still to reserve) once imported, both read in
   the same database snapshot.
2. *Orders placed while a push is under way.* An ABSOLUTE write of a quantity computed a few
   seconds earlier would wipe out the decrement of an order placed meanwhile. So the push
   reads RMS's quantity first (inventories bulk-get), then looks for the orders, and sends
   the difference as a RELATIVE row (:func:`plan_push`): RMS applies it on top of whatever
   orders arrived since, so none is given back. An order placed between the read and the
   search is counted twice (once by RMS, once as held): Rakuten shows too little, never too
   much, until that order is imported, which re-checks its SKU.

RELATIVE is not idempotent, so a row is never *resent*: a push that timed out, or a run that
died after sending, leaves its SKUs to check, and the next run reads RMS's quantity again and
computes a new difference from it; what RMS applied is then part of what it reads. ABSOLUTE is
used where it cannot give anything back: a SKU RMS has no stock row for yet (the first write
must be ABSOLUTE), and a sellable quantity of 0.

Unchanged SKUs are never sent: a SKU whose sellable quantity equals RMS's is only recorded.
Rows go to RMS 400 at a time (:data:`MAX_UPSERT_ROWS`), each SKU once per call (IE1102).
"""

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from .codes import PROGRESS_CANCELLED

#: Inventory API 2.0 bulk-upsert: at most 400 rows per call.
MAX_UPSERT_ROWS = 400
#: Inventory API 2.0 bulk-get: at most 1,000 SKUs per call.
MAX_GET_ROWS = 1000
#: RMS keeps quantities between 0 and 99,999.
MAX_QUANTITY = 99999
ABSOLUTE = "ABSOLUTE"
RELATIVE = "RELATIVE"
#: RMS gives a cancelled order's units back (900 キャンセル確定); 800 キャンセル確定待ち still
#: counts as held, on the safe side (Rakuten shows too little until the cancellation is done).
CANCELLED = PROGRESS_CANCELLED[-1]


def _whole(value):
    """``value`` (an int, float or Decimal quantity) rounded down to a whole number of units."""
    return int(Decimal(str(value)).to_integral_value(rounding=ROUND_FLOOR))


@dataclass(frozen=True)
class StockRule:
    """How much of the free quantity Rakuten may sell.

    :param safety: units kept back (予備在庫数), never offered on Rakuten
    :param rate: percent of what remains offered on Rakuten (在庫割当率), 0 to 100
    :param cap: at most this many units (None: no cap; 0 offers nothing)
    """

    safety: int = 0
    rate: int = 100
    cap: int | None = None

    def __post_init__(self):
        if self.safety < 0:
            raise ValueError("the safety stock cannot be negative")
        if not 0 <= self.rate <= 100:
            raise ValueError("the allocation rate is a percentage between 0 and 100")
        if self.cap is not None and self.cap < 0:
            raise ValueError("the cap cannot be negative")


def sellable_quantity(free, rule=None, held=0):
    """The quantity to show on Rakuten for a SKU.

    :param free: the free quantity of the channel's warehouse (any number; negative and
        fractional values are allowed: fractions are rounded down)
    :param rule: a :class:`StockRule` (default: everything, no safety stock, no cap)
    :param held: units of Rakuten orders RMS already took off its stock but Odoo has not
        reserved yet
    :returns: an int between 0 and :data:`MAX_QUANTITY`
    """
    rule = rule or StockRule()
    base = _whole(free) - max(int(held), 0) - rule.safety
    if base <= 0:
        return 0
    value = base * rule.rate // 100  # whole units, rounded down
    if rule.cap is not None:
        value = min(value, rule.cap)
    return max(0, min(value, MAX_QUANTITY))


def _order_lines(order):
    """``((manageNumber, variantId), units)`` of each item line of a raw getOrder entry."""
    for package in order.get("PackageModelList") or ():
        if not isinstance(package, dict):
            continue
        for item in package.get("ItemModelList") or ():
            if not isinstance(item, dict):
                continue
            units = item.get("units")
            manage = item.get("manageNumber")
            skus = item.get("SkuModelList") or [{}]
            variant = skus[0].get("variantId") if isinstance(skus[0], dict) else None
            if (
                isinstance(units, int)
                and not isinstance(units, bool)
                and units > 0
                and manage
                and variant
            ):
                yield (str(manage), str(variant)), units


def order_units(order):
    """The units an RMS order took off RMS's stock, as ``{(manageNumber, variantId): units}``;
    empty for a cancelled order (RMS gave them back) or an entry that is no order. Lines
    without a SKU management number (orders from before the SKU migration) name no stock row
    and are left out."""
    if not isinstance(order, dict):
        return {}
    try:
        progress = int(order.get("orderProgress"))
    except (TypeError, ValueError):
        progress = None
    if progress == CANCELLED:
        return {}
    units = Counter()
    for key, count in _order_lines(order):
        units[key] += count
    return dict(units)


def held_units(orders_units):
    """Sum of :func:`order_units` results: ``{(manageNumber, variantId): units}``."""
    total = Counter()
    for units in orders_units:
        for key, count in units.items():
            total[tuple(key)] += count
    return dict(total)


def orders_to_hold(live_numbers, waiting_numbers, imported_numbers):
    """The Rakuten orders whose units count as held: found live on RMS (searchOrder since the
    last import started, less a margin) or kept waiting by the import, and not imported."""
    imported = set(imported_numbers)
    return [
        n for n in dict.fromkeys([*live_numbers, *waiting_numbers]) if n not in imported
    ]


@dataclass(frozen=True)
class PushRow:
    """One row of an inventories bulk-upsert, and the quantity it leaves on RMS."""

    manage_number: str
    variant_id: str
    mode: str
    quantity: int
    target: int

    def as_json(self):
        return {
            "manageNumber": self.manage_number,
            "variantId": self.variant_id,
            "mode": self.mode,
            "quantity": self.quantity,
        }


def plan_row(key, target, rms_quantity):
    """The row that brings RMS from ``rms_quantity`` (as just read; None when RMS has no stock
    row for the SKU) to ``target``, or None when they agree."""
    manage, variant = key
    target = max(0, min(int(target), MAX_QUANTITY))
    if rms_quantity is None or target == 0:
        if rms_quantity is not None and int(rms_quantity) == 0:
            return None
        return PushRow(manage, variant, ABSOLUTE, target, target)
    delta = target - int(rms_quantity)
    if not delta:
        return None
    return PushRow(manage, variant, RELATIVE, delta, target)


def plan_push(entries):
    """Plan a push: ``entries`` are ``(key, target, rms_quantity)`` with ``key`` =
    ``(manageNumber, variantId)``. Returns ``(rows, unchanged)``: the :class:`PushRow` of the
    SKUs whose sellable quantity differs from RMS's, and the keys of those that agree. A key
    given twice is planned once, from its last entry."""
    last = {}
    for key, target, rms_quantity in entries:
        last[tuple(key)] = (target, rms_quantity)
    rows, unchanged = [], []
    for key, (target, rms_quantity) in last.items():
        row = plan_row(key, target, rms_quantity)
        if row is None:
            unchanged.append(key)
        else:
            rows.append(row)
    return rows, unchanged


def batches(items, size=MAX_UPSERT_ROWS):
    """``items`` in lists of at most ``size``."""
    items = list(items)
    return [items[start : start + size] for start in range(0, len(items), size)]
