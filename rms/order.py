"""RMS getOrder ``OrderModel`` JSON -> frozen dataclasses.

:func:`parse_order` reads one ``OrderModel`` dict (getOrder version 10; versions
7-9 are accepted too, their missing newer fields get defaults) and returns an
:class:`Order`. Either the whole order is read, or :class:`OrderParseError` is
raised naming the order number and the field path; nothing half-parsed is
returned.

Conventions
-----------
* Amounts are ``int`` yen exactly as RMS sends them; -9999
  (:data:`~.codes.UNDETERMINED_PRICE`) means "not determined yet" and is kept.
* Tax rates are :class:`decimal.Decimal` (``Decimal('0.1')``, ``Decimal('0.08')``,
  ``Decimal('0')``): exact, so they compare and multiply without float noise.
* Datetimes are timezone-aware (RMS sends ``+0900``; a value without an offset
  is read as Japan time). Dates (deliveryDate, shippingDate, ...) are ``date``.
* Flags (``0``/``1``) become ``bool``; absent text becomes ``''``; absent
  optional numbers become ``None`` (or 0 for order amounts RMS always sends).
* Lists become tuples, so every record is immutable.
* Fields that are absent or ``null`` use their default; fields that are present
  with an unreadable type raise, because they mean a shape we do not know.
"""

import re
import reprlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from .codes import (
    COUPON_CAPITAL,
    COUPON_CAPITAL_SHOP,
    JST,
    RPAY_COMMON,
    SETTLEMENT_CASH_ON_DELIVERY,
    SETTLEMENT_METHOD,
    UNDETERMINED_PRICE,
    prefecture_state_code,
)

#: Oldest getOrder version understood (7 adds ItemModel.SkuModelList).
MIN_VERSION = 7
#: Standard consumption tax rate, used for tax-exclusive wrapping prices.
STANDARD_TAX_RATE = Decimal("0.1")
#: Longest order number read; RMS's are 26 characters (shop-date-sequence).
MAX_ORDER_NUMBER = 64
#: Longest name, address part, phone, e-mail or code read. These values become indexed
#: columns in Odoo (partner names, internal references): PostgreSQL refuses an index row over
#: about 2,700 bytes, and no real name or code comes near this length, so a longer value is
#: refused with the field's path rather than cut (a cut address would ship to a wrong place).
MAX_TEXT = 255
#: Dates outside these years are not Rakuten's and would overflow date arithmetic.
MIN_YEAR, MAX_YEAR = 1900, 2999
#: Characters PostgreSQL cannot store (NUL) or that no order text needs (the other C0 and C1
#: controls but tab and line breaks, DEL, unpaired UTF-16 surrogates that JSON can carry).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class OrderParseError(ValueError):
    """An OrderModel lacks a required field or has one we cannot read.

    ``order_number`` is ``None`` when the order number itself is unreadable;
    ``field`` is the JSON path (``PackageModelList[0].ItemModelList[1].units``).
    """

    def __init__(self, order_number, field, detail):
        self.order_number = order_number
        self.field = field
        self.detail = detail
        super().__init__(
            "%s %s: %s" % (order_number or "(unknown order)", field, detail)
        )


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Person:
    """Name, phone and postal address shared by the orderer and a recipient."""

    family_name: str
    first_name: str
    family_name_kana: str
    first_name_kana: str
    phone: str  # phoneNumber1-3 joined with "-", e.g. "03-1234-5678"
    zip_code: str  # "123-4567"
    prefecture: str  # kanji, e.g. "東京都"
    city: str
    sub_address: str

    @property
    def name(self):
        """Full name, family name first, separated by one space."""
        return " ".join(p for p in (self.family_name, self.first_name) if p)

    @property
    def name_kana(self):
        return " ".join(p for p in (self.family_name_kana, self.first_name_kana) if p)

    @property
    def state_code(self):
        """Odoo base state code ('01'..'47') of the prefecture, or None."""
        return prefecture_state_code(self.prefecture)

    @property
    def address(self):
        """One-line address: prefecture + city + sub-address."""
        return "".join((self.prefecture, self.city, self.sub_address))


@dataclass(frozen=True)
class Orderer(Person):
    email: str  # masked relay address (…@pc.fw.rakuten.ne.jp)
    sex: str
    birthday: date | None


@dataclass(frozen=True)
class Sender(Person):
    """A package's recipient (RMS calls it SenderModel, 送付先)."""

    isolated_island: bool


@dataclass(frozen=True)
class Sku:
    variant_id: str | None  # SKU管理番号; None for pre-migration orders
    merchant_defined_sku_id: str | None  # システム連携用SKU番号
    sku_info: str  # "項目名:選択肢" lines


@dataclass(frozen=True)
class Shipping:
    shipping_detail_id: int | None
    shipping_number: str
    delivery_company: str | None  # code string, e.g. "1001"
    delivery_company_name: str
    shipping_date: date | None


@dataclass(frozen=True)
class Item:
    item_detail_id: int
    item_name: str
    item_id: int | None
    item_number: str
    manage_number: str
    price: int  # unit price as registered (tax-incl or not, see include_tax)
    price_tax_incl: int  # unit price including tax
    tax_rate: Decimal  # 0, 0.08 or 0.1
    units: int
    include_tax: bool
    include_postage: bool
    include_cod_fee: bool
    drug: bool
    selected_choice: str
    point_rate: int | None
    inventory_type: int | None
    restore_inventory_flag: int | None
    delvdate_info: str
    single_item_shipping: bool
    deal: bool
    skus: tuple = ()

    @property
    def sku(self):
        """The first SKU, or None."""
        return self.skus[0] if self.skus else None

    @property
    def sku_id(self):
        """merchantDefinedSkuId of the first SKU (システム連携用SKU番号), or None."""
        return self.skus[0].merchant_defined_sku_id if self.skus else None

    @property
    def variant_id(self):
        return self.skus[0].variant_id if self.skus else None

    @property
    def tax_percent(self):
        """Tax rate in percent as a Decimal: 10, 8 or 0."""
        return (self.tax_rate * 100).normalize()

    @property
    def subtotal_tax_incl(self):
        return self.price_tax_incl * self.units


@dataclass(frozen=True)
class Package:
    """One destination (送付先) of an order."""

    basket_id: int
    postage_price: int  # -9999 while undetermined
    postage_tax_rate: Decimal | None
    delivery_price: int  # COD fee of this destination
    delivery_tax_rate: Decimal | None
    goods_price: int | None
    goods_tax: int | None
    total_price: int | None
    noshi: str
    default_delivery_company_code: str | None  # v4+: carrier chosen at purchase
    sender: Sender
    items: tuple
    shippings: tuple

    @property
    def recipient(self):
        return self.sender

    @property
    def recipient_name(self):
        return self.sender.name

    @property
    def postage_undetermined(self):
        return self.postage_price == UNDETERMINED_PRICE


@dataclass(frozen=True)
class Settlement:
    method_code: int | None
    method_name: str
    rpay_settlement_flag: int  # 0 選択制決済, 1 楽天市場の共通決済手段
    card_name: str
    card_number: str = field(repr=False)  # masked by RMS
    card_owner: str = field(repr=False)
    card_ym: str = field(repr=False)
    card_pay_type: int | None
    card_installment_desc: str

    @property
    def is_rakuten_pay(self):
        return self.rpay_settlement_flag == RPAY_COMMON


@dataclass(frozen=True)
class Wrapping:
    title: int | None  # 1 包装紙, 2 リボン
    name: str
    price: int | None
    include_tax: bool
    deleted: bool

    @property
    def price_tax_incl(self):
        """Price with tax. A tax-exclusive price gets 10 % rounded down (assumption)."""
        if not self.price or self.deleted:
            return 0
        if self.include_tax:
            return self.price
        tax = (Decimal(self.price) * STANDARD_TAX_RATE).quantize(
            Decimal(1), rounding=ROUND_DOWN
        )
        return self.price + int(tax)


@dataclass(frozen=True)
class Coupon:
    code: str
    name: str
    summary: str
    capital: str  # funder name: ショップ / メーカー / サービス
    capital_code: int | None  # 1 shop, 2 maker, 3 service
    expiry: datetime | None
    price: int | None  # discount per unit
    unit: int | None
    total_price: int | None  # -9999 when price or unit is null
    item_id: int | None  # 0 = not item-specific
    item_detail_id: int | None

    @property
    def shop_funded(self):
        """True when the shop pays the discount (the others are paid by Rakuten or a maker)."""
        return self.capital_code == COUPON_CAPITAL_SHOP


@dataclass(frozen=True)
class ChangeReason:
    change_id: int | None
    change_type: int | None
    change_type_detail: int | None
    change_reason: int | None
    change_reason_detail: int | None
    apply_datetime: datetime | None
    fix_datetime: datetime | None
    cmpl_datetime: datetime | None


@dataclass(frozen=True)
class TaxSummary:
    tax_rate: Decimal | None
    req_price: int | None
    req_price_tax: int | None
    total_price: int | None
    payment_charge: int | None
    coupon_price: int | None
    point: int | None


@dataclass(frozen=True)
class DueDate:
    due_date_type: int | None  # 0 payment, 1 payment-method change, 2 refund
    due_date: date | None


@dataclass(frozen=True)
class Order:
    order_number: str
    version: int | None
    order_progress: int
    sub_status_id: int | None
    sub_status_name: str
    order_type: int
    reserve_number: str
    reserve_delivery_count: int | None
    # dates
    order_datetime: datetime
    shop_order_cfm_datetime: datetime | None
    order_fix_datetime: datetime | None
    shipping_inst_datetime: datetime | None
    shipping_cmpl_rpt_datetime: datetime | None
    cancel_due_date: date | None
    delivery_date: date | None  # requested delivery date
    shipping_term: int | None
    # flags and texts
    asuraku: bool
    drug: bool  # drugFlag of the order or of any item (第一類医薬品)
    rakuten_confirm: bool  # Rakuten is reviewing the order
    caution_display_type: int | None
    caution_display_detail_type: int | None
    gift: bool
    social_gift: bool
    several_sender: bool
    isolated_island: bool
    rakuten_member: bool
    remarks: str
    memo: str
    delivery_name: str
    delivery_class: int | None
    # amounts (int yen; -9999 = undetermined)
    goods_price: int
    goods_tax: int | None  # absent from version 8 on
    postage_price: int
    delivery_price: int  # COD fee (代引料)
    payment_charge: int
    payment_charge_tax_rate: Decimal | None
    total_price: int
    request_price: int
    coupon_all_total_price: int
    coupon_shop_price: int
    coupon_other_price: int
    additional_fee_to_user: int
    additional_fee_to_shop: int
    used_point: int
    wrapping1: Wrapping | None
    wrapping2: Wrapping | None
    # sub-models
    settlement: Settlement
    orderer: Orderer
    packages: tuple
    coupons: tuple = ()
    change_reasons: tuple = ()
    tax_summaries: tuple = ()
    due_dates: tuple = ()
    #: paths of the text fields from which unstorable characters were removed
    cleaned_fields: tuple = ()

    @property
    def is_rakuten_pay(self):
        """楽天市場の共通決済 (rpaySettlementFlag 1): Rakuten collects the money."""
        return self.settlement.is_rakuten_pay

    @property
    def is_cash_on_delivery(self):
        return self.settlement.method_code == SETTLEMENT_CASH_ON_DELIVERY

    @property
    def postage_undetermined(self):
        """送料未確定: -9999 postage on the order or on any package."""
        return self.postage_price == UNDETERMINED_PRICE or any(
            p.postage_undetermined for p in self.packages
        )

    @property
    def amounts_undetermined(self):
        """Any order amount RMS marks -9999 (postage, COD fee, charge, totals)."""
        return UNDETERMINED_PRICE in (
            self.postage_price,
            self.delivery_price,
            self.payment_charge,
            self.total_price,
            self.request_price,
        ) or any(p.postage_undetermined for p in self.packages)

    @property
    def items(self):
        """All items of all packages, in order."""
        return tuple(item for package in self.packages for item in package.items)

    @property
    def wrappings(self):
        return tuple(w for w in (self.wrapping1, self.wrapping2) if w and not w.deleted)

    @property
    def grand_total(self):
        """総合計(税込) as the RMS screen shows it, or None while undetermined.

        totalPrice - couponAllTotalPrice + deliveryPrice + paymentCharge
        + additionalFeeOccurAmountToUser.
        """
        if self.amounts_undetermined:
            return None
        return (
            self.total_price
            - self.coupon_all_total_price
            + self.delivery_price
            + self.payment_charge
            + self.additional_fee_to_user
        )


@dataclass(frozen=True)
class AmountCheck:
    """Result of :func:`reconcile_amounts` (all int yen)."""

    items_total: int  # sum of priceTaxIncl x units
    postage: int
    wrapping: int
    computed_total: int  # items_total + postage + wrapping
    total_price: int  # RMS totalPrice
    difference: int | None  # computed_total - total_price; None while undetermined
    grand_total: int | None  # Order.grand_total

    @property
    def ok(self):
        return self.difference == 0


def reconcile_amounts(order):
    """Check that the items, postage and wrapping add up to RMS's totalPrice.

    Returns an :class:`AmountCheck`; its ``difference`` is computed minus
    totalPrice in yen (0 when they agree) or None when RMS still shows an
    undetermined (-9999) amount.
    """
    items_total = sum(item.subtotal_tax_incl for item in order.items)
    wrapping = sum(w.price_tax_incl for w in order.wrappings)
    postage = order.postage_price
    undetermined = order.amounts_undetermined
    computed = items_total + wrapping + (0 if undetermined else postage)
    return AmountCheck(
        items_total=items_total,
        postage=postage,
        wrapping=wrapping,
        computed_total=computed,
        total_price=order.total_price,
        difference=None if undetermined else computed - order.total_price,
        grand_total=order.grand_total,
    )


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------
_INT_RE = re.compile(r"[+-]?\d{1,18}")  # longer digit strings are no RMS number
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 40


def _show(value):
    text = _REPR.repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def clean_text(text):
    """``text`` without the characters PostgreSQL or a printed label cannot take (NUL, other
    control characters, unpaired surrogates); unpaired surrogates become U+FFFD."""
    if not _UNSTORABLE.search(text):
        return text
    return _UNSTORABLE.sub(
        lambda m: "\ufffd" if "\ud800" <= m.group() <= "\udfff" else "", text
    )


class _Reader:
    """Typed access to one OrderModel, raising OrderParseError with a path."""

    def __init__(self, order_number):
        self.order_number = order_number
        self.cleaned = []  # paths of the texts cleaned by clean_text

    def _clean(self, text, path, limit):
        cleaned = clean_text(text)
        if cleaned != text:
            self.cleaned.append(path)
        if limit and len(cleaned) > limit:
            self.fail(path, "longer than %d characters (%d)" % (limit, len(cleaned)))
        return cleaned

    def fail(self, path, detail):
        raise OrderParseError(self.order_number, path, detail)

    def _value(self, data, key, prefix, required):
        value = data.get(key)
        if value is None and required:
            self.fail(prefix + key, "required but missing")
        return value

    def get_int(self, data, key, prefix="", required=False, default=None):
        value = self._value(data, key, prefix, required)
        if value is None:
            return default
        if isinstance(value, bool):
            pass
        elif isinstance(value, int):
            return value
        elif isinstance(value, float) and value.is_integer():
            return int(value)
        elif isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
            return int(value.strip())
        self.fail(prefix + key, "expected an integer, got %s" % _show(value))

    def get_str(self, data, key, prefix="", required=False, limit=None):
        """A text; ``limit``: longest length accepted (see :data:`MAX_TEXT`)."""
        value = self._value(data, key, prefix, required)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(prefix + key, "expected a string, got %s" % _show(value))
        value = self._clean(value, prefix + key, limit)
        if required and not value.strip():
            self.fail(prefix + key, "required but empty")
        return value

    def get_code(self, data, key, prefix=""):
        """An identifier: string or integer -> str; empty -> None."""
        value = data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            self.fail(prefix + key, "expected a string, got %s" % _show(value))
        return self._clean(value, prefix + key, MAX_TEXT).strip() or None

    def get_flag(self, data, key, prefix=""):
        value = self.get_int(data, key, prefix)
        return bool(value)

    def get_rate(self, data, key, prefix="", required=False):
        value = self._value(data, key, prefix, required)
        if value is None:
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, (int, float)):
                rate = Decimal(str(value))
            elif isinstance(value, str):
                rate = Decimal(value.strip())
            else:
                raise ValueError
            if not Decimal(0) <= rate < Decimal(1):
                raise ValueError
        except (ValueError, InvalidOperation):
            self.fail(
                prefix + key, "expected a tax rate such as 0.1, got %s" % _show(value)
            )
        return rate.normalize() if rate else Decimal(0)

    def get_datetime(self, data, key, prefix="", required=False):
        value = self._value(data, key, prefix, required)
        if value is None or value == "":
            if required:
                self.fail(prefix + key, "required but missing")
            return None
        if isinstance(value, str):
            text = value.strip()
            try:
                parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
            except ValueError:
                try:
                    parsed = datetime.fromisoformat(text)
                except ValueError:
                    parsed = None
            if parsed is not None and MIN_YEAR <= parsed.year <= MAX_YEAR:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=JST)
        self.fail(
            prefix + key,
            "expected a datetime like 2025-03-01T10:15:00+0900, got %s" % _show(value),
        )

    def get_date(self, data, key, prefix=""):
        value = data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str) and _DATE_RE.match(value.strip()):
            text = value.strip()
            if len(text) == 10:
                try:
                    day = date.fromisoformat(text)
                except ValueError:
                    day = None
                if day and MIN_YEAR <= day.year <= MAX_YEAR:
                    return day
            else:
                return self.get_datetime(data, key, prefix).astimezone(JST).date()
        self.fail(
            prefix + key, "expected a date like 2025-03-01, got %s" % _show(value)
        )

    def get_dict(self, data, key, prefix="", required=False):
        value = self._value(data, key, prefix, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail(prefix + key, "expected an object, got %s" % _show(value))
        return value

    def get_list(self, data, key, prefix="", required=False):
        value = self._value(data, key, prefix, required)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(prefix + key, "expected a list, got %s" % _show(value))
        if required and not value:
            self.fail(prefix + key, "required but empty")
        for index, element in enumerate(value):
            if not isinstance(element, dict):
                self.fail(
                    "%s%s[%d]" % (prefix, key, index),
                    "expected an object, got %s" % _show(element),
                )
        return value


def _join_phone(r, data, prefix):
    parts = [
        r.get_str(data, "phoneNumber%d" % n, prefix, limit=MAX_TEXT).strip()
        for n in (1, 2, 3)
    ]
    return "-".join(p for p in parts if p)


def _join_zip(r, data, prefix):
    parts = [r.get_code(data, "zipCode1", prefix), r.get_code(data, "zipCode2", prefix)]
    return "-".join(p for p in parts if p)


def _person_fields(r, data, prefix, require_name):
    return dict(
        family_name=r.get_str(
            data, "familyName", prefix, required=require_name, limit=MAX_TEXT
        ),
        first_name=r.get_str(data, "firstName", prefix, limit=MAX_TEXT),
        family_name_kana=r.get_str(data, "familyNameKana", prefix, limit=MAX_TEXT),
        first_name_kana=r.get_str(data, "firstNameKana", prefix, limit=MAX_TEXT),
        phone=_join_phone(r, data, prefix),
        zip_code=_join_zip(r, data, prefix),
        prefecture=r.get_str(data, "prefecture", prefix, limit=MAX_TEXT).strip(),
        city=r.get_str(data, "city", prefix, limit=MAX_TEXT),
        sub_address=r.get_str(data, "subAddress", prefix, limit=MAX_TEXT),
    )


def _birthday(r, data, prefix):
    year = r.get_int(data, "birthYear", prefix)
    month = r.get_int(data, "birthMonth", prefix)
    day = r.get_int(data, "birthDay", prefix)
    if not (year and month and day):
        return None
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):
        return None  # an impossible birthday is not worth rejecting the order


def _parse_orderer(r, order):
    data = r.get_dict(order, "OrdererModel", required=True)
    prefix = "OrdererModel."
    return Orderer(
        **_person_fields(r, data, prefix, require_name=True),
        email=r.get_str(data, "emailAddress", prefix, limit=MAX_TEXT),
        sex=r.get_str(data, "sex", prefix),
        birthday=_birthday(r, data, prefix),
    )


def _parse_settlement(r, order):
    data = r.get_dict(order, "SettlementModel", required=True)
    prefix = "SettlementModel."
    flag = r.get_int(data, "rpaySettlementFlag", prefix, required=True)
    if flag not in (0, 1):
        r.fail(prefix + "rpaySettlementFlag", "expected 0 or 1, got %s" % _show(flag))
    name = r.get_str(data, "settlementMethod", prefix)
    code = r.get_int(data, "settlementMethodCode", prefix)
    if code is None and name:
        code = next((c for c, n in SETTLEMENT_METHOD.items() if n == name), None)
    return Settlement(
        method_code=code,
        method_name=name,
        rpay_settlement_flag=flag,
        card_name=r.get_str(data, "cardName", prefix),
        card_number=r.get_str(data, "cardNumber", prefix),
        card_owner=r.get_str(data, "cardOwner", prefix),
        card_ym=r.get_str(data, "cardYm", prefix),
        card_pay_type=r.get_int(data, "cardPayType", prefix),
        card_installment_desc=r.get_str(data, "cardInstallmentDesc", prefix),
    )


def _parse_wrapping(r, order, key):
    data = r.get_dict(order, key)
    if not data:
        return None
    prefix = key + "."
    return Wrapping(
        title=r.get_int(data, "title", prefix),
        name=r.get_str(data, "name", prefix),
        price=r.get_int(data, "price", prefix),
        include_tax=r.get_flag(data, "includeTaxFlag", prefix),
        deleted=r.get_flag(data, "deleteWrappingFlag", prefix),
    )


def _parse_sku(r, data, prefix):
    return Sku(
        variant_id=r.get_code(data, "variantId", prefix),
        merchant_defined_sku_id=r.get_code(data, "merchantDefinedSkuId", prefix),
        sku_info=r.get_str(data, "skuInfo", prefix),
    )


def _parse_item(r, data, prefix):
    skus = tuple(
        _parse_sku(r, sku, "%sSkuModelList[%d]." % (prefix, index))
        for index, sku in enumerate(r.get_list(data, "SkuModelList", prefix))
    )
    units = r.get_int(data, "units", prefix, required=True)
    if units < 0:
        r.fail(prefix + "units", "expected a quantity of 0 or more, got %s" % units)
    return Item(
        item_detail_id=r.get_int(data, "itemDetailId", prefix, required=True),
        item_name=r.get_str(data, "itemName", prefix),
        item_id=r.get_int(data, "itemId", prefix),
        item_number=r.get_str(data, "itemNumber", prefix, limit=MAX_TEXT),
        manage_number=r.get_str(data, "manageNumber", prefix, limit=MAX_TEXT),
        price=r.get_int(data, "price", prefix, required=True),
        price_tax_incl=r.get_int(data, "priceTaxIncl", prefix, required=True),
        tax_rate=r.get_rate(data, "taxRate", prefix, required=True),
        units=units,
        include_tax=r.get_flag(data, "includeTaxFlag", prefix),
        include_postage=r.get_flag(data, "includePostageFlag", prefix),
        include_cod_fee=r.get_flag(data, "includeCashOnDeliveryPostageFlag", prefix),
        drug=r.get_flag(data, "drugFlag", prefix),
        selected_choice=r.get_str(data, "selectedChoice", prefix),
        point_rate=r.get_int(data, "pointRate", prefix),
        inventory_type=r.get_int(data, "inventoryType", prefix),
        restore_inventory_flag=r.get_int(data, "restoreInventoryFlag", prefix),
        delvdate_info=r.get_str(data, "delvdateInfo", prefix),
        single_item_shipping=r.get_flag(data, "isSingleItemShipping", prefix),
        deal=r.get_flag(data, "dealFlag", prefix),
        skus=skus,
    )


def _parse_shipping(r, data, prefix):
    return Shipping(
        shipping_detail_id=r.get_int(data, "shippingDetailId", prefix),
        shipping_number=r.get_str(data, "shippingNumber", prefix),
        delivery_company=r.get_code(data, "deliveryCompany", prefix),
        delivery_company_name=r.get_str(data, "deliveryCompanyName", prefix),
        shipping_date=r.get_date(data, "shippingDate", prefix),
    )


def _parse_package(r, data, prefix):
    sender = r.get_dict(data, "SenderModel", prefix, required=True)
    items = r.get_list(data, "ItemModelList", prefix, required=True)
    return Package(
        basket_id=r.get_int(data, "basketId", prefix, required=True),
        postage_price=r.get_int(data, "postagePrice", prefix, required=True),
        postage_tax_rate=r.get_rate(data, "postageTaxRate", prefix),
        delivery_price=r.get_int(data, "deliveryPrice", prefix, default=0),
        delivery_tax_rate=r.get_rate(data, "deliveryTaxRate", prefix),
        goods_price=r.get_int(data, "goodsPrice", prefix),
        goods_tax=r.get_int(data, "goodsTax", prefix),
        total_price=r.get_int(data, "totalPrice", prefix),
        noshi=r.get_str(data, "noshi", prefix),
        default_delivery_company_code=r.get_code(
            data, "defaultDeliveryCompanyCode", prefix
        ),
        sender=Sender(
            **_person_fields(r, sender, prefix + "SenderModel.", require_name=False),
            isolated_island=r.get_flag(
                sender, "isolatedIslandFlag", prefix + "SenderModel."
            ),
        ),
        items=tuple(
            _parse_item(r, item, "%sItemModelList[%d]." % (prefix, index))
            for index, item in enumerate(items)
        ),
        shippings=tuple(
            _parse_shipping(r, row, "%sShippingModelList[%d]." % (prefix, index))
            for index, row in enumerate(r.get_list(data, "ShippingModelList", prefix))
        ),
    )


def _parse_coupon(r, data, prefix):
    capital = r.get_str(data, "couponCapital", prefix)
    capital_code = r.get_int(data, "couponCapitalCode", prefix)
    if capital_code is None and capital:
        capital_code = next(
            (c for c, n in COUPON_CAPITAL.items() if n == capital), None
        )
    return Coupon(
        code=r.get_str(data, "couponCode", prefix),
        name=r.get_str(data, "couponName", prefix),
        summary=r.get_str(data, "couponSummary", prefix),
        capital=capital,
        capital_code=capital_code,
        expiry=r.get_datetime(data, "expiryDate", prefix),
        price=r.get_int(data, "couponPrice", prefix),
        unit=r.get_int(data, "couponUnit", prefix),
        total_price=r.get_int(data, "couponTotalPrice", prefix),
        item_id=r.get_int(data, "itemId", prefix),
        item_detail_id=r.get_int(data, "itemDetailId", prefix),
    )


def _parse_change_reason(r, data, prefix):
    return ChangeReason(
        change_id=r.get_int(data, "changeId", prefix),
        change_type=r.get_int(data, "changeType", prefix),
        change_type_detail=r.get_int(data, "changeTypeDetail", prefix),
        change_reason=r.get_int(data, "changeReason", prefix),
        change_reason_detail=r.get_int(data, "changeReasonDetail", prefix),
        apply_datetime=r.get_datetime(data, "changeApplyDatetime", prefix),
        fix_datetime=r.get_datetime(data, "changeFixDatetime", prefix),
        cmpl_datetime=r.get_datetime(data, "changeCmplDatetime", prefix),
    )


def _parse_tax_summary(r, data, prefix):
    return TaxSummary(
        tax_rate=r.get_rate(data, "taxRate", prefix),
        req_price=r.get_int(data, "reqPrice", prefix),
        req_price_tax=r.get_int(data, "reqPriceTax", prefix),
        total_price=r.get_int(data, "totalPrice", prefix),
        payment_charge=r.get_int(data, "paymentCharge", prefix),
        coupon_price=r.get_int(data, "couponPrice", prefix),
        point=r.get_int(data, "point", prefix),
    )


def _parse_due_date(r, data, prefix):
    return DueDate(
        due_date_type=r.get_int(data, "dueDateType", prefix),
        due_date=r.get_date(data, "dueDate", prefix),
    )


def _parse_list(r, order, key, parser):
    return tuple(
        parser(r, element, "%s[%d]." % (key, index))
        for index, element in enumerate(r.get_list(order, key))
    )


_ORDER_NUMBER_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]*")


def valid_order_number(value):
    """Whether ``value`` can be an RMS order number (``999999-20250301-0000000101``): a
    string of at most :data:`MAX_ORDER_NUMBER` letters, digits and hyphens. Anything else
    (``None``, ``'?'``, control characters, kilobytes of text) names no order."""
    return (
        isinstance(value, str)
        and len(value) <= MAX_ORDER_NUMBER
        and _ORDER_NUMBER_RE.fullmatch(value) is not None
    )


def parse_order(order_model):
    """Read one getOrder ``OrderModel`` dict into an :class:`Order`.

    Required (else :class:`OrderParseError`): orderNumber, orderProgress,
    orderType, orderDatetime, postagePrice, totalPrice,
    SettlementModel.rpaySettlementFlag (0 or 1), OrdererModel.familyName, a
    non-empty PackageModelList whose packages have basketId, postagePrice,
    SenderModel and a non-empty ItemModelList, and items with itemDetailId,
    price, priceTaxIncl, taxRate and units.
    """
    if not isinstance(order_model, dict):
        raise OrderParseError(
            None, "OrderModel", "expected an object, got %s" % _show(order_model)
        )
    number = order_model.get("orderNumber")
    if number is None:
        raise OrderParseError(None, "orderNumber", "required but missing")
    if not isinstance(number, str):
        raise OrderParseError(
            None, "orderNumber", "expected a string, got %s" % _show(number)
        )
    if not number.strip():
        raise OrderParseError(None, "orderNumber", "required but empty")
    if not valid_order_number(number.strip()):
        raise OrderParseError(
            None, "orderNumber", "not an RMS order number: %s" % _show(number)
        )
    number = number.strip()
    r = _Reader(number)
    d = order_model

    version = r.get_int(d, "version")
    if version is not None and version < MIN_VERSION:
        r.fail(
            "version",
            "getOrder version %d is not supported: request version %d or newer"
            % (version, MIN_VERSION),
        )

    packages = r.get_list(d, "PackageModelList", required=True)
    packages = tuple(
        _parse_package(r, package, "PackageModelList[%d]." % index)
        for index, package in enumerate(packages)
    )
    if not any(package.items for package in packages):
        r.fail("PackageModelList", "the order has no item")
    # Baskets and item lines are keys in Odoo (one basket record, one line per item): RMS
    # repeating one would merge or drop a part of the order, so the order is refused.
    seen_baskets, seen_items = set(), set()
    for index, package in enumerate(packages):
        if package.basket_id in seen_baskets:
            r.fail(
                "PackageModelList[%d].basketId" % index,
                "basket %s appears twice in the order" % package.basket_id,
            )
        seen_baskets.add(package.basket_id)
        for item_index, item in enumerate(package.items):
            if item.item_detail_id in seen_items:
                r.fail(
                    "PackageModelList[%d].ItemModelList[%d].itemDetailId"
                    % (index, item_index),
                    "item line %s appears twice in the order" % item.item_detail_id,
                )
            seen_items.add(item.item_detail_id)
    point = r.get_dict(d, "PointModel")
    delivery = r.get_dict(d, "DeliveryModel") or {}

    return Order(
        order_number=number,
        version=version,
        order_progress=r.get_int(d, "orderProgress", required=True),
        sub_status_id=r.get_int(d, "subStatusId"),
        sub_status_name=r.get_str(d, "subStatusName"),
        order_type=r.get_int(d, "orderType", required=True),
        reserve_number=r.get_code(d, "reserveNumber") or "",
        reserve_delivery_count=r.get_int(d, "reserveDeliveryCount"),
        order_datetime=r.get_datetime(d, "orderDatetime", required=True),
        shop_order_cfm_datetime=r.get_datetime(d, "shopOrderCfmDatetime"),
        order_fix_datetime=r.get_datetime(d, "orderFixDatetime"),
        shipping_inst_datetime=r.get_datetime(d, "shippingInstDatetime"),
        shipping_cmpl_rpt_datetime=r.get_datetime(d, "shippingCmplRptDatetime"),
        cancel_due_date=r.get_date(d, "cancelDueDate"),
        delivery_date=r.get_date(d, "deliveryDate"),
        shipping_term=r.get_int(d, "shippingTerm"),
        asuraku=r.get_flag(d, "asurakuFlag"),
        drug=r.get_flag(d, "drugFlag")
        or any(item.drug for p in packages for item in p.items),
        rakuten_confirm=r.get_flag(d, "rakutenConfirmFlag"),
        caution_display_type=r.get_int(d, "cautionDisplayType"),
        caution_display_detail_type=r.get_int(d, "cautionDisplayDetailType"),
        gift=r.get_flag(d, "giftCheckFlag"),
        social_gift=r.get_flag(d, "socialGiftFlag"),
        several_sender=r.get_flag(d, "severalSenderFlag"),
        isolated_island=r.get_flag(d, "isolatedIslandFlag"),
        rakuten_member=r.get_flag(d, "rakutenMemberFlag"),
        remarks=r.get_str(d, "remarks"),
        memo=r.get_str(d, "memo"),
        delivery_name=r.get_str(delivery, "deliveryName", "DeliveryModel."),
        delivery_class=r.get_int(delivery, "deliveryClass", "DeliveryModel."),
        goods_price=r.get_int(d, "goodsPrice", default=0),
        goods_tax=r.get_int(d, "goodsTax"),
        postage_price=r.get_int(d, "postagePrice", required=True),
        delivery_price=r.get_int(d, "deliveryPrice", default=0),
        payment_charge=r.get_int(d, "paymentCharge", default=0),
        payment_charge_tax_rate=r.get_rate(d, "paymentChargeTaxRate"),
        total_price=r.get_int(d, "totalPrice", required=True),
        request_price=r.get_int(d, "requestPrice", default=0),
        coupon_all_total_price=r.get_int(d, "couponAllTotalPrice", default=0),
        coupon_shop_price=r.get_int(d, "couponShopPrice", default=0),
        coupon_other_price=r.get_int(d, "couponOtherPrice", default=0),
        additional_fee_to_user=r.get_int(
            d, "additionalFeeOccurAmountToUser", default=0
        ),
        additional_fee_to_shop=r.get_int(
            d, "additionalFeeOccurAmountToShop", default=0
        ),
        used_point=r.get_int(point, "usedPoint", "PointModel.", default=0)
        if point
        else 0,
        wrapping1=_parse_wrapping(r, d, "WrappingModel1"),
        wrapping2=_parse_wrapping(r, d, "WrappingModel2"),
        settlement=_parse_settlement(r, d),
        orderer=_parse_orderer(r, d),
        packages=packages,
        coupons=_parse_list(r, d, "CouponModelList", _parse_coupon),
        change_reasons=_parse_list(r, d, "ChangeReasonModelList", _parse_change_reason),
        tax_summaries=_parse_list(r, d, "TaxSummaryModelList", _parse_tax_summary),
        due_dates=_parse_list(r, d, "DueDateModelList", _parse_due_date),
        cleaned_fields=tuple(dict.fromkeys(r.cleaned)),
    )
