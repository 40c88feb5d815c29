"""The import rules of the spec as pure functions.

:func:`decide` tells, for one parsed :class:`~.order.Order`, whether the order
is imported now, held as a provisional [新規受付] slip, looked at again on a
later run (defer) or never imported by the API (skip). The first rule that
matches wins:

1. 頒布会 (orderType 5) or an unknown order type: skip.
2. 予約商品 (orderType 6) unless ※4 is on: skip.
3. Status 400 変更確定待ち: defer; 500/600/700 (shipped): skip;
   800/900 (cancelled): skip; unknown status: skip.
4. 第一類医薬品 unless ※2 is on: skip.
5. 送料未確定 (postage -9999): defer.
6. ※3 manual confirmation and (status 100, or 選択制決済 at 200): provisional
   slip, without the 30-minute wait.
7. 選択制決済 (rpaySettlementFlag 0) before 300 発送待ち: defer.
8. Not あす楽 and ordered less than ``wait_minutes`` ago: defer.
9. Otherwise import (楽天ペイ at 100/200/300, 選択制決済 at 300).

Every :class:`RuleResult` carries a machine ``code``, the English ``reason``
and the untranslated ``reason_template`` with its ``reason_args`` (a dict for
``%``-formatting, whose values may be :class:`~.messages.Message`), so the Odoo
layer can store them and render the sentence in the reader's language
(:attr:`RuleResult.message`).

:func:`search_window` and :func:`search_criteria` give the searchOrder calls.
"""

from dataclasses import dataclass, field
from datetime import timedelta, timezone
from enum import Enum

from .codes import (
    DATE_TYPE_ORDER,
    DATE_TYPE_ORDER_CONFIRMATION,
    JST,
    ORDER_PROGRESS_EN,
    ORDER_TYPE_DISTRIBUTION_CLUB,
    ORDER_TYPE_NORMAL,
    ORDER_TYPE_RESERVATION,
    ORDER_TYPE_SUBSCRIPTION,
    PROGRESS_CANCELLED,
    PROGRESS_CHANGE_PENDING,
    PROGRESS_RAKUTEN_PROCESSING,
    PROGRESS_SHIPPED,
    PROGRESS_WAITING_CONFIRMATION,
    PROGRESS_WAITING_SHIPMENT,
)
from .messages import Message

#: searchOrder cannot start more than 730 days back.
MAX_LOOKBACK = timedelta(days=730)


@dataclass(frozen=True)
class ShopOptions:
    """The shop's API settings that change what is imported."""

    import_drug_orders: bool = False  # ※2 第一類医薬品を含む注文
    manual_confirm: bool = False  # ※3 自動注文確認を停止する
    import_reserved_orders: bool = False  # ※4 予約商品の注文取込
    wait_minutes: int = 30  # non-あす楽 orders wait this long after ordering
    window_hours: int = 24  # search orders of the last N hours


class Decision(str, Enum):
    IMPORT = "import"
    PROVISIONAL = "provisional"
    DEFER = "defer"
    SKIP = "skip"


@dataclass(frozen=True)
class RuleResult:
    decision: Decision
    code: str
    reason: str  # English sentence for the sync log (formatted)
    reason_template: str = ""  # stable, translatable; %(name)s placeholders
    reason_args: dict = field(default_factory=dict, hash=False)

    @property
    def message(self):
        return Message(self.reason_template, self.reason_args)


# Stable codes and reason templates. Keep the wording stable: it is translated.
REASONS = {
    "order_type_distribution_club": (
        Decision.SKIP,
        "Distribution-club order: such orders are not imported through the API; "
        "import it with the RMS order CSV file.",
    ),
    "order_type_unknown": (
        Decision.SKIP,
        "Order type %(order_type)s is not supported, so the order is not imported.",
    ),
    "reservation_disabled": (
        Decision.SKIP,
        "Reservation order: importing reservation orders is off in the shop's "
        "Rakuten settings (※4); turn it on to import such orders.",
    ),
    "change_pending": (
        Decision.DEFER,
        "A change of the order waits for confirmation in RMS "
        "(%(progress)s %(progress_name)s): the order will be imported once the "
        "change is confirmed.",
    ),
    "already_shipped": (
        Decision.SKIP,
        "The order is already shipped in RMS (%(progress)s %(progress_name)s), "
        "so it is not imported.",
    ),
    "cancelled": (
        Decision.SKIP,
        "The order is cancelled or being cancelled in RMS "
        "(%(progress)s %(progress_name)s), so it is not imported.",
    ),
    "progress_unknown": (
        Decision.SKIP,
        "RMS order status %(progress)s is unknown, so the order is not imported.",
    ),
    "drug_disabled": (
        Decision.SKIP,
        "The order contains a first-class drug: importing such orders is off in "
        "the shop's Rakuten settings (※2); turn it on or import the order with "
        "the RMS order CSV file.",
    ),
    "postage_undetermined": (
        Decision.DEFER,
        "Postage is not determined yet: set it in RMS; the order will be "
        "imported once it is.",
    ),
    "provisional": (
        Decision.PROVISIONAL,
        "The order is not confirmed in RMS yet (%(progress)s %(progress_name)s) "
        "and automatic order confirmation is off (※3): a provisional [New] "
        "slip holds the stock until the order is confirmed in RMS.",
    ),
    "selective_payment_waiting": (
        Decision.DEFER,
        "Selective payment (%(method)s) orders are imported at status 300 "
        "(Awaiting shipment); the order is at %(progress)s %(progress_name)s "
        "and will be imported once it reaches 300.",
    ),
    "cancellation_window": (
        Decision.DEFER,
        "The order was placed less than %(minutes)s minutes ago: the buyer may "
        "still cancel it, so it will be imported after %(ready_at)s.",
    ),
    "import": (
        Decision.IMPORT,
        "The order is imported (%(progress)s %(progress_name)s, %(payment)s).",
    ),
}

#: Names of the two payment kinds, arguments of the "import" reason.
PAYMENT_RAKUTEN_PAY = "RakutenPay"
PAYMENT_SELECTIVE = "selective payment"
#: Every translatable text of this module that is not a REASONS template.
MESSAGES = (PAYMENT_RAKUTEN_PAY, PAYMENT_SELECTIVE)

SUPPORTED_ORDER_TYPES = (
    ORDER_TYPE_NORMAL,
    ORDER_TYPE_SUBSCRIPTION,
    ORDER_TYPE_RESERVATION,
)


def _result(code, **args):
    decision, template = REASONS[code]
    return RuleResult(
        decision=decision,
        code=code,
        reason=str(Message(template, args)),
        reason_template=template,
        reason_args=args,
    )


def _aware(moment):
    """A naive datetime means UTC (Odoo stores UTC naive datetimes)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def _progress_args(order):
    return {
        "progress": order.order_progress,
        "progress_name": Message(ORDER_PROGRESS_EN.get(order.order_progress, "")),
    }


def decide(order, options, now):
    """Apply the import rules to one order; see the module docstring.

    :param order: a parsed :class:`~.order.Order`
    :param options: the shop's :class:`ShopOptions`
    :param now: the current time (aware, or naive UTC)
    :rtype: RuleResult
    """
    now = _aware(now)
    progress = order.order_progress

    # 1-2: order type
    if order.order_type == ORDER_TYPE_DISTRIBUTION_CLUB:
        return _result("order_type_distribution_club")
    if order.order_type not in SUPPORTED_ORDER_TYPES:
        return _result("order_type_unknown", order_type=order.order_type)
    if (
        order.order_type == ORDER_TYPE_RESERVATION
        and not options.import_reserved_orders
    ):
        return _result("reservation_disabled")

    # 3: status
    if progress == PROGRESS_CHANGE_PENDING:
        return _result("change_pending", **_progress_args(order))
    if progress in PROGRESS_SHIPPED:
        return _result("already_shipped", **_progress_args(order))
    if progress in PROGRESS_CANCELLED:
        return _result("cancelled", **_progress_args(order))
    if progress not in (
        PROGRESS_WAITING_CONFIRMATION,
        PROGRESS_RAKUTEN_PROCESSING,
        PROGRESS_WAITING_SHIPMENT,
    ):
        return _result("progress_unknown", progress=progress)

    # 4-5: content
    if order.drug and not options.import_drug_orders:
        return _result("drug_disabled")
    if order.postage_undetermined:
        return _result("postage_undetermined")

    # 6: manual confirmation -> provisional slip
    selective = not order.is_rakuten_pay
    if options.manual_confirm and (
        progress == PROGRESS_WAITING_CONFIRMATION
        or (selective and progress == PROGRESS_RAKUTEN_PROCESSING)
    ):
        return _result("provisional", **_progress_args(order))

    # 7: 選択制決済 waits for 発送待ち
    if selective and progress < PROGRESS_WAITING_SHIPMENT:
        return _result(
            "selective_payment_waiting",
            method=order.settlement.method_name or "?",
            **_progress_args(order),
        )

    # 8: buyer's cancellation window (not for あす楽)
    if not order.asuraku:
        ready_at = _aware(order.order_datetime) + timedelta(
            minutes=options.wait_minutes
        )
        if now < ready_at:
            return _result(
                "cancellation_window",
                minutes=options.wait_minutes,
                ready_at=ready_at.astimezone(JST).strftime("%Y-%m-%d %H:%M"),
            )

    # 9
    payment = Message(
        PAYMENT_RAKUTEN_PAY if order.is_rakuten_pay else PAYMENT_SELECTIVE
    )
    return _result("import", payment=payment, **_progress_args(order))


def search_window(now, last_success_start=None, options=None, margin_minutes=15):
    """The searchOrder period ``(start, end)`` for one run, aware, in JST.

    ``start`` is the earlier of ``now - window_hours`` and
    ``last_success_start - margin_minutes``, so a server that was down for a
    while misses nothing; it never goes back more than RMS's 730 days.
    ``end`` is ``now``. Naive datetimes mean UTC.
    """
    options = options or ShopOptions()
    now = _aware(now)
    start = now - timedelta(hours=options.window_hours)
    if last_success_start is not None:
        start = min(
            start, _aware(last_success_start) - timedelta(minutes=margin_minutes)
        )
    start = max(start, now - MAX_LOOKBACK)
    return start.astimezone(JST), now.astimezone(JST)


def search_criteria(options):
    """searchOrder criteria (keyword arguments of ``RmsClient.search_order``).

    Normal mode: one search by order date (dateType 1) for statuses
    100/200/300. Manual-confirmation mode (※3): status 100 by order date
    (provisional slips) and 200/300 by order-confirmation date (dateType 2),
    the spec's "注文確定日より24時間以内".

    Every order type is searched, 頒布会 and (without ※4) 予約 included: :func:`decide`
    skips them with a reason the merchant reads in the sync log, instead of RMS leaving
    them out unseen.
    """
    if not options.manual_confirm:
        return [
            {
                "date_type": DATE_TYPE_ORDER,
                "order_progress_list": [
                    PROGRESS_WAITING_CONFIRMATION,
                    PROGRESS_RAKUTEN_PROCESSING,
                    PROGRESS_WAITING_SHIPMENT,
                ],
            }
        ]
    return [
        {
            "date_type": DATE_TYPE_ORDER,
            "order_progress_list": [PROGRESS_WAITING_CONFIRMATION],
        },
        {
            "date_type": DATE_TYPE_ORDER_CONFIRMATION,
            "order_progress_list": [
                PROGRESS_RAKUTEN_PROCESSING,
                PROGRESS_WAITING_SHIPMENT,
            ],
        },
    ]
