"""How one parsed RMS order becomes a sales order, without Odoo.

:func:`order_lines` lists the lines of the order (items, postage, COD fee,
payment charge, deferred-payment fee, wrapping, shop coupons) with their
tax-included unit price and tax rate, so that the lines add up to the yen to
what the shop receives for the order: :func:`expected_total`.
:func:`confirm_reasons` lists the confirmation checks (確認待ち) an order
matches, and :func:`initial_states` / :func:`slip_state` give 入金状況,
承認状況 and the slip state after distribution (振り分け).

Rakuten-funded coupons and points are not discounts: Rakuten pays them to the
shop. They are returned by :func:`rakuten_share` to be shown on the order.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from .codes import (
    APPROVAL_STATE_NOT_REQUIRED,
    APPROVAL_STATE_UNAPPROVED,
    PAYMENT_STATE_PAID,
    PAYMENT_STATE_UNPAID,
)
from .messages import Message

STANDARD_RATE = Decimal("0.1")
REDUCED_RATE = Decimal("0.08")

# Line kinds; the Odoo layer picks a product per kind.
ITEM = "item"
POSTAGE = "postage"
COD_FEE = "cod_fee"
PAYMENT_CHARGE = "payment_charge"
ADDITIONAL_FEE = "additional_fee"
WRAPPING = "wrapping"
SHOP_COUPON = "shop_coupon"

# Confirmation checks (確認待ち); the channel decides which ones apply.
CHECK_REMARKS = "remarks"
CHECK_CAUTION = "caution"
CHECK_UNMATCHED = "unmatched"
CHECK_AMOUNTS = "amounts"
CHECK_DRUG = "drug"
CHECK_GIFT = "gift"
ALL_CHECKS = (
    CHECK_REMARKS,
    CHECK_CAUTION,
    CHECK_UNMATCHED,
    CHECK_AMOUNTS,
    CHECK_DRUG,
    CHECK_GIFT,
)

# Slip states (伝票ステータス).
SLIP_NEW = "new"
SLIP_TO_CONFIRM = "to_confirm"
SLIP_WAITING_PAYMENT = "waiting_payment"
SLIP_READY = "ready"
SLIP_SHIPPED = "shipped"
SLIP_CANCEL = "cancel"

#: English templates of the confirmation reasons (translated by the Odoo layer).
CHECK_REASONS = {
    CHECK_REMARKS: "The buyer wrote remarks.",
    CHECK_CAUTION: "Rakuten flags this order (caution, or under review by Rakuten).",
    CHECK_UNMATCHED: "An item matches no product: %(items)s.",
    CHECK_AMOUNTS: "The order total (%(odoo)s yen) differs from Rakuten's (%(rakuten)s yen).",
    CHECK_DRUG: "The order contains a first-class drug.",
    CHECK_GIFT: "Gift order (wrapping, noshi or gift).",
    # Always on (hold_reasons): money or codes that cannot be right are never shipped as is.
    "money_negative": "Rakuten sent a negative amount, which cannot be right: %(amounts)s.",
    "money_absurd": "Rakuten sent an amount too large to be right: %(amounts)s.",
    "money_undetermined": (
        "Rakuten has not determined all amounts of the order yet (-9999): %(amounts)s."
    ),
    "tax_rate_unknown": (
        "Rakuten sent a tax rate that Odoo does not map (only 0.1, 0.08 and 0 are): "
        "%(rates)s."
    ),
    "zero_units": "An item is ordered with 0 units: %(items)s.",
    "text_cleaned": "Characters that cannot be stored (such as NUL) were removed from: %(fields)s.",
}
#: Tax rates the channel has a tax for (10 %, reduced 8 %, none).
KNOWN_RATES = (Decimal(0), REDUCED_RATE, STANDARD_RATE)
#: Above these, an amount is taken for a data error, not for a sale (yen, units).
MAX_UNIT_PRICE = 99_999_999
MAX_UNITS = 9_999
MAX_TOTAL = 999_999_999
UNDETERMINED = -9999

#: English templates of the names of the lines that are not items (translated by the Odoo
#: layer, in the shop's language): ``(name, name with a detail)``.
LINE_NAMES = {
    POSTAGE: ("Postage", "Postage - %(recipient)s"),
    COD_FEE: ("Cash on delivery fee", None),
    PAYMENT_CHARGE: ("Payment charge", None),
    ADDITIONAL_FEE: ("Deferred payment fee", None),
    WRAPPING: ("Gift wrapping", "Gift wrapping: %(wrapping)s"),
    SHOP_COUPON: ("Shop coupon", "Shop coupon: %(coupon)s"),
}


def _line_name(kind, **detail):
    """(English name, template, args) of a line that is not an item."""
    plain, detailed = LINE_NAMES[kind]
    message = Message(detailed, detail) if detail else Message(plain)
    return str(message), message.template, message.args


@dataclass(frozen=True)
class LineSpec:
    kind: str
    name: str
    price: int  # unit price, tax included, yen
    quantity: int
    tax_rate: Decimal  # 0, 0.08 or 0.1
    basket_id: int | None = None
    item_detail_id: int | None = None
    # product keys of an item, most specific first: SKU (システム連携用SKU番号),
    # item number (商品番号), management number (商品管理番号)
    product_keys: tuple = ()
    # the name as a translatable template and its arguments (empty for items: RMS's name)
    name_template: str = ""
    name_args: dict = field(default_factory=dict, hash=False)

    @property
    def subtotal(self):
        return self.price * self.quantity


def _rate(value, default=STANDARD_RATE):
    return default if value is None else Decimal(value)


def _item_name(item):
    extra = (
        item.skus[0].sku_info
        if item.skus and item.skus[0].sku_info
        else item.selected_choice
    )
    extra = " ".join(extra.split()) if extra else ""
    return "%s (%s)" % (item.item_name, extra) if extra else item.item_name


def item_keys(item):
    """Product keys of an item, most specific first, without duplicates or blanks."""
    keys = (
        (k or "").strip() for k in (item.sku_id, item.item_number, item.manage_number)
    )
    return tuple(dict.fromkeys(k for k in keys if k))


def order_lines(order):
    """The sales-order lines of ``order`` as :class:`LineSpec` (amounts must be determined)."""
    lines = []
    several = len(order.packages) > 1
    for package in order.packages:
        for item in package.items:
            lines.append(
                LineSpec(
                    kind=ITEM,
                    name=_item_name(item),
                    price=item.price_tax_incl,
                    quantity=item.units,
                    tax_rate=_rate(item.tax_rate),
                    basket_id=package.basket_id,
                    item_detail_id=item.item_detail_id,
                    product_keys=item_keys(item),
                )
            )
        if package.postage_price > 0:
            name, template, args = (
                _line_name(POSTAGE, recipient=package.recipient_name)
                if several
                else _line_name(POSTAGE)
            )
            lines.append(
                LineSpec(
                    POSTAGE,
                    name,
                    package.postage_price,
                    1,
                    _rate(package.postage_tax_rate),
                    basket_id=package.basket_id,
                    name_template=template,
                    name_args=args,
                )
            )
    if order.delivery_price > 0:
        # the rate of the package that carries the fee, else any package's, else 10 %
        packages = sorted(order.packages, key=lambda p: p.delivery_price <= 0)
        rate = next(
            (p.delivery_tax_rate for p in packages if p.delivery_tax_rate is not None),
            STANDARD_RATE,
        )
        name, template, args = _line_name(COD_FEE)
        lines.append(
            LineSpec(
                COD_FEE,
                name,
                order.delivery_price,
                1,
                _rate(rate),
                name_template=template,
                name_args=args,
            )
        )
    if order.payment_charge > 0:
        name, template, args = _line_name(PAYMENT_CHARGE)
        lines.append(
            LineSpec(
                PAYMENT_CHARGE,
                name,
                order.payment_charge,
                1,
                _rate(order.payment_charge_tax_rate),
                name_template=template,
                name_args=args,
            )
        )
    if order.additional_fee_to_user > 0:
        name, template, args = _line_name(ADDITIONAL_FEE)
        lines.append(
            LineSpec(
                ADDITIONAL_FEE,
                name,
                order.additional_fee_to_user,
                1,
                STANDARD_RATE,
                name_template=template,
                name_args=args,
            )
        )
    for wrapping in order.wrappings:
        if wrapping.price_tax_incl > 0:
            name, template, args = (
                _line_name(WRAPPING, wrapping=wrapping.name)
                if wrapping.name
                else _line_name(WRAPPING)
            )
            lines.append(
                LineSpec(
                    WRAPPING,
                    name,
                    wrapping.price_tax_incl,
                    1,
                    STANDARD_RATE,
                    name_template=template,
                    name_args=args,
                )
            )
    lines.extend(_coupon_lines(order))
    return lines


def _coupon_lines(order):
    """Shop-funded coupons as negative lines, at the tax rate of the item they apply to."""
    rates = {item.item_detail_id: _rate(item.tax_rate) for item in order.items}
    item_rates = set(rates.values())
    order_rate = item_rates.pop() if len(item_rates) == 1 else STANDARD_RATE
    lines = []
    for coupon in order.coupons:
        if not coupon.shop_funded:
            continue
        total = coupon.total_price
        if total is None or total < 0:
            total = (coupon.price or 0) * (coupon.unit or 0)
        if not total:
            continue
        rate = rates.get(coupon.item_detail_id, order_rate)
        name, template, args = _line_name(
            SHOP_COUPON, coupon=coupon.name or coupon.code
        )
        lines.append(
            LineSpec(
                SHOP_COUPON,
                name,
                -total,
                1,
                rate,
                item_detail_id=coupon.item_detail_id,
                name_template=template,
                name_args=args,
            )
        )
    # RMS gives couponShopPrice for the order; trust it over the coupon list when they differ.
    listed = -sum(line.subtotal for line in lines)
    if order.coupon_shop_price > 0 and listed != order.coupon_shop_price:
        rest = order.coupon_shop_price - listed
        name, template, args = _line_name(SHOP_COUPON)
        lines.append(
            LineSpec(
                SHOP_COUPON,
                name,
                -rest,
                1,
                order_rate,
                name_template=template,
                name_args=args,
            )
        )
    return lines


def rakuten_share(order):
    """(coupons paid by Rakuten or makers, points used) in yen: money Rakuten pays the shop."""
    coupons = max(order.coupon_all_total_price - order.coupon_shop_price, 0)
    return coupons, max(order.used_point, 0)


def expected_total(order):
    """What the shop's sales order must total: the buyer's grand total plus Rakuten's share
    of the coupons (points are already inside the grand total). None while undetermined."""
    grand_total = order.grand_total
    if grand_total is None:
        return None
    coupons, _points = rakuten_share(order)
    return grand_total + coupons


def confirm_reasons(order, checks, unmatched_items=(), odoo_total=None):
    """The confirmation checks of ``checks`` that ``order`` matches.

    ``[(check, template, args)]``.
    """
    found = []

    def add(check, **args):
        if check in checks:
            found.append((check, CHECK_REASONS[check], args))

    if order.remarks and order.remarks.strip():
        add(CHECK_REMARKS)
    if order.rakuten_confirm or order.caution_display_type in (1, 2):
        add(CHECK_CAUTION)
    if unmatched_items:
        add(CHECK_UNMATCHED, items=", ".join(unmatched_items))
    expected = expected_total(order)
    if (
        odoo_total is not None
        and expected is not None
        and int(round(odoo_total)) != expected
    ):
        add(CHECK_AMOUNTS, odoo=int(round(odoo_total)), rakuten=expected)
    if order.drug:
        add(CHECK_DRUG)
    if order.gift or any(p.noshi for p in order.packages) or order.wrappings:
        add(CHECK_GIFT)
    return found


def _amounts(order):
    """``[(path, amount, may be undetermined)]``: every amount of ``order`` in yen."""
    amounts = [
        ("postagePrice", order.postage_price, True),
        ("deliveryPrice", order.delivery_price, True),
        ("paymentCharge", order.payment_charge, True),
        ("totalPrice", order.total_price, True),
        ("requestPrice", order.request_price, True),
        ("goodsPrice", order.goods_price, False),
        ("couponAllTotalPrice", order.coupon_all_total_price, False),
        ("couponShopPrice", order.coupon_shop_price, False),
        ("additionalFeeOccurAmountToUser", order.additional_fee_to_user, False),
        ("PointModel.usedPoint", order.used_point, False),
    ]
    for index, package in enumerate(order.packages):
        prefix = "PackageModelList[%d]." % index
        amounts.append((prefix + "postagePrice", package.postage_price, True))
        amounts.append((prefix + "deliveryPrice", package.delivery_price, False))
        for item_index, item in enumerate(package.items):
            item_prefix = "%sItemModelList[%d]." % (prefix, item_index)
            amounts.append((item_prefix + "price", item.price, False))
            amounts.append((item_prefix + "priceTaxIncl", item.price_tax_incl, False))
    for key, wrapping in (
        ("WrappingModel1", order.wrapping1),
        ("WrappingModel2", order.wrapping2),
    ):
        if wrapping and not wrapping.deleted and wrapping.price is not None:
            amounts.append((key + ".price", wrapping.price, False))
    return amounts


def _money_problems(order):
    """The amounts of ``order`` that cannot be right: ``(negative, absurd, undetermined)``."""
    negative, absurd, undetermined = [], [], []
    for path, amount, may_be_undetermined in _amounts(order):
        if amount is None:
            continue
        if amount == UNDETERMINED and may_be_undetermined:
            undetermined.append(path)
        elif amount < 0:
            negative.append("%s %s" % (path, amount))
        elif amount > MAX_TOTAL:
            absurd.append("%s %s" % (path, amount))
    for item in order.items:
        if item.price_tax_incl > MAX_UNIT_PRICE or item.units > MAX_UNITS:
            absurd.append(
                "%s: %s x %s"
                % (
                    item.item_name or item.item_detail_id,
                    item.price_tax_incl,
                    item.units,
                )
            )
    total = expected_total(order)
    if total is not None and total > MAX_TOTAL:
        absurd.append("total %s" % total)
    elif total is not None and total < 0:
        negative.append("total %s" % total)
    return negative, absurd, undetermined


def _unknown_rates(order):
    """The tax rates of ``order`` Odoo does not map, each with where it was found."""
    rates = []
    for item in order.items:
        if item.tax_rate not in KNOWN_RATES:
            rates.append(
                "%s (%s)" % (item.tax_rate, item.item_name or item.item_detail_id)
            )
    for package in order.packages:
        for rate, what in (
            (package.postage_tax_rate, "postageTaxRate"),
            (package.delivery_tax_rate, "deliveryTaxRate"),
        ):
            if rate is not None and rate not in KNOWN_RATES:
                rates.append("%s (%s)" % (rate, what))
    if (
        order.payment_charge_tax_rate is not None
        and order.payment_charge_tax_rate not in KNOWN_RATES
    ):
        rates.append("%s (paymentChargeTaxRate)" % order.payment_charge_tax_rate)
    return rates


def hold_reasons(order):
    """Reasons that hold ``order`` in 確認待ち whatever the channel's checks:
    ``[(code, template, args)]`` like :func:`confirm_reasons`.

    Money that cannot be right (a negative amount, an absurd price, quantity or total, an
    amount RMS left undetermined), a tax rate or quantity Odoo would have to map to the
    nearest thing, text that had to be cleaned. The Odoo total against Rakuten's is
    :data:`CHECK_AMOUNTS`, which the Odoo layer applies always as well.
    """
    found = []

    def add(code, **args):
        found.append((code, CHECK_REASONS[code], args))

    negative, absurd, undetermined = _money_problems(order)
    if negative:
        add("money_negative", amounts=", ".join(negative))
    if absurd:
        add("money_absurd", amounts=", ".join(dict.fromkeys(absurd)))
    if undetermined:
        add("money_undetermined", amounts=", ".join(undetermined))
    rates = _unknown_rates(order)
    if rates:
        add("tax_rate_unknown", rates=", ".join(dict.fromkeys(rates)))
    zero = [
        item.item_name or str(item.item_detail_id)
        for item in order.items
        if item.units == 0
    ]
    if zero:
        add("zero_units", items=", ".join(zero))
    if order.cleaned_fields:
        add("text_cleaned", fields=", ".join(order.cleaned_fields))
    return found


def initial_states(order, authorization_type):
    """(入金状況, 承認状況) of a newly imported order.

    楽天共通決済 orders start unpaid; they need approval (10 未承認) when the shop's
    オーソリ区分 is RakutenPay, none (0 必要なし) otherwise. 選択制決済 orders such as
    代金引換 are collected by the shop and need no approval.
    """
    if order.is_rakuten_pay and authorization_type == "rakuten_pay":
        return PAYMENT_STATE_UNPAID, APPROVAL_STATE_UNAPPROVED
    return PAYMENT_STATE_UNPAID, APPROVAL_STATE_NOT_REQUIRED


def slip_state(has_reasons, is_rakuten_pay, payment_state):
    """振り分け: 確認待ち when a check matched, else 入金待ち while 楽天共通決済 money is
    unsettled, else 出荷待ち."""
    if has_reasons:
        return SLIP_TO_CONFIRM
    if is_rakuten_pay and payment_state != PAYMENT_STATE_PAID:
        return SLIP_WAITING_PAYMENT
    return SLIP_READY
