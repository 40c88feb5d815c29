"""What Odoo tells Rakuten and how it follows Rakuten, without Odoo.

* :func:`confirm_outcome` reads one confirmOrder result: confirmed, retry later, or give up.
* :func:`carrier_payload` / :func:`shipping_payload` build the ``BasketidModelList`` rows of
  updateOrderShipping(Async): the その他 (1000) row set at import, then the real carrier,
  tracking number and date written over it at shipping.
* :func:`payment_update` maps an order's RMS status (and getPayment's status) onto
  入金状況 / 承認状況.
* :func:`license_status` tells whether a license key is missing, unchecked, fine, about to
  expire, expired, or refused by RMS.
"""

from dataclasses import dataclass
from datetime import timedelta

from .codes import (
    APPROVAL_STATE_APPROVED,
    APPROVAL_STATE_REFUSED,
    DELIVERY_COMPANY,
    DELIVERY_COMPANY_OTHER,
    PAYMENT_STATE_PAID,
    PAYMENT_STATUS_CANCELLED,
    PAYMENT_STATUS_REFUSED,
    PAYMENT_STATUS_SETTLED,
    PROGRESS_CANCELLED,
    PROGRESS_RAKUTEN_PROCESSING,
    PROGRESS_WAITING_SHIPMENT,
)
from .messages import Message

CONFIRMED = "confirmed"
RETRY = "retry"
GIVE_UP = "give_up"

#: English templates of the reasons this module gives (translated by the Odoo layer, which
#: stores the template and its arguments). ``%(rms_message)s`` is RMS's own text, kept as is.
REASONS = {
    "confirm_cancelled": "The order is already cancelled on Rakuten (%(rms_message)s).",
    "confirm_already_done": (
        "The order is no longer awaiting order confirmation on Rakuten (%(rms_message)s)."
    ),
    "payment_refused": "Rakuten refused the payment (status %(status)s).",
    "payment_sent_back": (
        "Rakuten sent the order back to Rakuten processing with a caution: the authorization was "
        "refused."
    ),
    "payment_settled": "Rakuten settled the payment.",
    "no_parcel": "A shipping report needs at least one parcel.",
    "too_many_rows": "RMS keeps at most %(max)s shipping rows per basket.",
    "unknown_carrier": "Unknown Rakuten carrier code %(code)s.",
    "tracking_too_long": "A tracking number has at most %(max)s characters.",
}
#: confirmOrder errors after which sending the order again cannot help.
_CONFIRM_FINAL = {
    "ORDER_EXT_API_CONFIRM_ORDER_ERROR_102": "confirm_cancelled",
}
#: The order is no longer waiting for confirmation (confirmed in RMS, or by an earlier call
#: whose answer was lost): nothing is left to do.
_CONFIRM_DONE = {
    "ORDER_EXT_API_CONFIRM_ORDER_ERROR_103": "confirm_already_done",
}
#: Most rows RMS keeps per basket.
MAX_ROWS_PER_BASKET = 20
MAX_TRACKING_LENGTH = 120

LICENSE_NOT_SET = "not_set"  # no license key saved
LICENSE_UNCHECKED = "unchecked"  # a key, whose expiry RMS has not told yet
LICENSE_OK = "ok"
LICENSE_WARNING = "warning"  # expires within LICENSE_WARNING_DAYS
LICENSE_EXPIRED = "expired"
LICENSE_REFUSED = "refused"  # RMS refused the credentials
#: The states in which the Rakuten jobs leave a channel alone.
LICENSE_BLOCKED = (LICENSE_EXPIRED, LICENSE_REFUSED)
LICENSE_WARNING_DAYS = 14


def _message(reason, **args):
    return Message(REASONS[reason], args)


class PayloadError(ValueError):
    """Rows RMS cannot take; ``message`` says why (a :class:`~.messages.Message`)."""

    def __init__(self, reason, **args):
        self.message = _message(reason, **args)
        super().__init__(str(self.message))


@dataclass(frozen=True)
class Outcome:
    status: str  # CONFIRMED, RETRY or GIVE_UP
    #: a :class:`~.messages.Message`, or RMS's own text (a str) when Odoo has nothing to add
    reason: object = ""


def confirm_outcome(result):
    """Read one confirmOrder :class:`~.client.OrderResult`."""
    if result.ok:
        return Outcome(CONFIRMED)
    error = result.errors[0]
    text = (
        "%s: %s" % (error.message_code, error.message)
        if error.message
        else error.message_code
    )
    if error.message_code in _CONFIRM_DONE:
        return Outcome(
            CONFIRMED, _message(_CONFIRM_DONE[error.message_code], rms_message=text)
        )
    if error.message_code in _CONFIRM_FINAL:
        return Outcome(
            GIVE_UP, _message(_CONFIRM_FINAL[error.message_code], rms_message=text)
        )
    return Outcome(RETRY, text)


def carrier_payload(basket_ids, code=DELIVERY_COMPANY_OTHER):
    """Rows adding one carrier-only row (default 1000 その他) to each basket."""
    return [
        {"basketId": _basket(b), "ShippingModelList": [{"deliveryCompany": code}]}
        for b in basket_ids
    ]


@dataclass(frozen=True)
class Parcel:
    carrier_code: str  # "1000".."1031"
    tracking_number: str
    shipping_date: object  # datetime.date


def shipping_payload(basket_id, detail_ids, parcels):
    """Rows of one basket reporting ``parcels``, written over the rows RMS already has.

    ``detail_ids`` are the shippingDetailIds already on the basket, in order (the その他 row
    first). Parcel *n* overwrites row *n*; more parcels add rows; surplus rows are deleted, so
    a parcel removed in Odoo disappears on Rakuten too and nothing is duplicated.
    """
    if not parcels:
        raise PayloadError("no_parcel")
    if len(parcels) > MAX_ROWS_PER_BASKET:
        raise PayloadError("too_many_rows", max=MAX_ROWS_PER_BASKET)
    rows = []
    for index, parcel in enumerate(parcels):
        if parcel.carrier_code not in DELIVERY_COMPANY:
            raise PayloadError("unknown_carrier", code=parcel.carrier_code)
        number = (parcel.tracking_number or "").strip()
        if len(number) > MAX_TRACKING_LENGTH:
            raise PayloadError("tracking_too_long", max=MAX_TRACKING_LENGTH)
        row = {
            "deliveryCompany": parcel.carrier_code,
            "shippingNumber": number or "-",
            "shippingDate": parcel.shipping_date.strftime("%Y-%m-%d"),
        }
        if index < len(detail_ids):
            row = {"shippingDetailId": int(detail_ids[index]), **row}
        rows.append(row)
    for detail_id in detail_ids[len(parcels) :]:
        rows.append({"shippingDetailId": int(detail_id), "shippingDeleteFlag": 1})
    return [{"basketId": _basket(basket_id), "ShippingModelList": rows}]


@dataclass(frozen=True)
class PaymentUpdate:
    payment_state: str | None = None  # 入金状況 to write, None = unchanged
    approval_state: str | None = None  # 承認状況 to write
    refused: bool = False  # authorization refused: the slip goes back to 確認待ち
    reason: object = ""  # a Message


def payment_update(order, current_approval, payment_status=None):
    """How a 楽天共通決済 order's RMS state moves 入金状況 / 承認状況.

    Settled when getPayment says 決済確定 (30600/30610), or, without getPayment, when the
    order reached 300 発送待ち (Rakuten has authorized it). Refused when getPayment says so, or
    when an order Odoo saw approved is back at 200 楽天処理中 with a caution (Rakuten's
    re-authorization failed).
    """
    if not order.is_rakuten_pay or order.order_progress in PROGRESS_CANCELLED:
        return PaymentUpdate()
    if payment_status in PAYMENT_STATUS_REFUSED:
        return PaymentUpdate(
            approval_state=APPROVAL_STATE_REFUSED,
            refused=True,
            reason=_message("payment_refused", status=payment_status),
        )
    if payment_status in PAYMENT_STATUS_CANCELLED:
        return PaymentUpdate()
    went_back = (
        current_approval == APPROVAL_STATE_APPROVED
        and order.order_progress == PROGRESS_RAKUTEN_PROCESSING
        and (order.caution_display_type or order.rakuten_confirm)
    )
    if went_back:
        return PaymentUpdate(
            approval_state=APPROVAL_STATE_REFUSED,
            refused=True,
            reason=_message("payment_sent_back"),
        )
    settled = payment_status in PAYMENT_STATUS_SETTLED or (
        payment_status is None and order.order_progress >= PROGRESS_WAITING_SHIPMENT
    )
    if settled:
        return PaymentUpdate(
            payment_state=PAYMENT_STATE_PAID,
            approval_state=APPROVAL_STATE_APPROVED,
            reason=_message("payment_settled"),
        )
    return PaymentUpdate()


def license_status(expiry, now, key_set=True, refused=False):
    """The state of a license key (``expiry``, ``now``: aware datetimes; ``expiry`` None when
    RMS has not told it yet): LICENSE_NOT_SET without a key, LICENSE_REFUSED when RMS refused
    the credentials, LICENSE_UNCHECKED before the first check, else LICENSE_OK,
    LICENSE_WARNING (from 14 days before the expiry) or LICENSE_EXPIRED."""
    if not key_set:
        return LICENSE_NOT_SET
    if refused:
        return LICENSE_REFUSED
    if expiry is None:
        return LICENSE_UNCHECKED
    if now > expiry:
        return LICENSE_EXPIRED
    if expiry - now <= timedelta(days=LICENSE_WARNING_DAYS):
        return LICENSE_WARNING
    return LICENSE_OK


def license_days_left(expiry, now):
    """Whole days from ``now`` to ``expiry`` (0 on the last day)."""
    return max((expiry - now).days, 0)


def _basket(basket_id):
    text = str(basket_id)
    return int(text) if text.isdigit() else text
