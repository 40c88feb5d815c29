"""RMS Item API 2.0 item JSON -> frozen dataclasses (※6 商品管理の一括登録).

:func:`parse_item` reads one item as items.get returns it, as items.bulk-get returns it in
``results[]``, or as items.search wraps it (``results[].item``), and returns an
:class:`Item`; :func:`parse_search_page` reads a whole items.search page. Either the whole
item is read, or :class:`ItemParseError` is raised naming the manageNumber and the field
path.

Conventions
-----------
* Prices are ``Decimal`` yen, tax included (``standardPrice`` is documented as a string,
  the samples send numbers: both are read). An absent or empty price is ``None``.
* The tax rate is ``Decimal('0')``, ``Decimal('0.08')`` or ``Decimal('0.1')``; ``None``
  means "the shop's setting" (``payment.taxRate`` null or absent).
* Image paths become full URLs with the shop URL (CABINET and GOLD differ).
* SKUs keep the order RMS sent them in; their variantId is kept exactly (case-sensitive).
* An items.search hit of a deleted item carries only its manageNumber: it is read as an
  :class:`Item` with ``deleted`` set and no SKU.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

#: Full URL of a CABINET image: the shop URL, then the ``location`` RMS sends.
CABINET_URL = "https://image.rakuten.co.jp/%(shop)s/cabinet%(location)s"
#: Full URL of a GOLD image.
GOLD_URL = "https://www.rakuten.ne.jp/gold/%(shop)s%(location)s"
#: variantId RMS gives the only SKU of an item read before the shop's SKU migration.
NORMAL_INVENTORY = "normal-inventory"
#: Tax rates Rakuten knows.
TAX_RATES = (Decimal("0"), Decimal("0.08"), Decimal("0.1"))
#: Item types (商品種別).
ITEM_TYPES = ("NORMAL", "PRE_ORDER", "BUYING_CLUB")
#: Longest manageNumber / variantId / selector text read (RMS: 32 bytes, 96 bytes for
#: merchantDefinedSkuId); anything longer is not Rakuten's and would overflow indexes.
MAX_CODE = 255
MAX_TITLE = 2000


class ItemParseError(ValueError):
    """An item lacks a required field or has one we cannot read."""

    def __init__(self, manage_number, path, problem):
        self.manage_number = manage_number
        self.path = path
        self.problem = problem
        super().__init__("item %s: %s: %s" % (manage_number or "?", path, problem))


@dataclass(frozen=True)
class Image:
    type: str  # CABINET or GOLD
    location: str
    alt: str
    url: str


@dataclass(frozen=True)
class Selector:
    """A variation axis (バリエーション項目): ``key``, its name, its choices in order."""

    key: str
    display_name: str
    values: tuple = ()


@dataclass(frozen=True)
class Variant:
    """One SKU (SKU管理番号 = ``variant_id``)."""

    variant_id: str
    sku_number: str  # システム連携用SKU番号 (merchantDefinedSkuId); '' when none
    article_number: str  # JAN / barcode; '' when none
    standard_price: Decimal | None  # tax included
    hidden: bool
    selector_values: tuple = ()  # ((selector key, value), ...) in the item's selector order
    images: tuple = ()

    @property
    def values_by_key(self):
        return dict(self.selector_values)


@dataclass(frozen=True)
class Item:
    """One item (商品管理番号 = ``manage_number``)."""

    manage_number: str
    item_number: str  # 商品番号; '' when none
    title: str
    item_type: str
    hidden: bool  # hideItem: 倉庫 (in the warehouse, not on sale)
    tax_rate: Decimal | None  # None: the shop's setting
    images: tuple = ()
    selectors: tuple = ()
    variants: tuple = ()
    unlimited_inventory: bool = False
    updated: str = ""
    deleted: bool = False

    @property
    def image(self):
        """The first image of the item, else of its first SKU that has one, else None."""
        if self.images:
            return self.images[0]
        for variant in self.variants:
            if variant.images:
                return variant.images[0]
        return None

    def reference(self, variant):
        """The internal reference (default_code) of ``variant``: its システム連携用SKU番号;
        else, for the only SKU of an item, the 商品番号, then the 商品管理番号 (migration left
        single-SKU items without one); else, for one SKU among several, the 商品番号 (or
        商品管理番号) and the SKU管理番号 joined by "-", so references stay unique."""
        if variant.sku_number:
            return variant.sku_number
        base = self.item_number or self.manage_number
        if len(self.variants) <= 1:
            return base
        return "%s-%s" % (base, variant.variant_id)


# ----------------------------------------------------------------------
# Parsing
# ----------------------------------------------------------------------
class _Reader:
    def __init__(self, manage_number):
        self.manage_number = manage_number

    def fail(self, path, problem):
        raise ItemParseError(self.manage_number, path, problem)

    def get_dict(self, data, key, path, required=False):
        value = data.get(key)
        if value is None:
            if required:
                self.fail(path + key, "missing")
            return {}
        if not isinstance(value, dict):
            self.fail(path + key, "expected an object, got %s" % type(value).__name__)
        return value

    def get_list(self, data, key, path):
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path + key, "expected a list, got %s" % type(value).__name__)
        return value

    def get_str(self, data, key, path, required=False, limit=MAX_CODE):
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.fail(path + key, "missing")
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.fail(path + key, "expected a text, got %s" % type(value).__name__)
        value = str(value).strip()
        if "\x00" in value:
            self.fail(path + key, "contains a NUL character")
        if len(value) > limit:
            self.fail(path + key, "longer than %d characters" % limit)
        return value

    def get_bool(self, data, key, path):
        value = data.get(key)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        self.fail(path + key, "expected true or false, got %r" % (value,))

    def get_decimal(self, data, key, path):
        value = data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.fail(path + key, "expected a number, got %s" % type(value).__name__)
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.fail(path + key, "not a number: %r" % (value,))
        if not number.is_finite() or number < 0:
            self.fail(path + key, "not a price or rate: %r" % (value,))
        return number


def _images(r, entries, path, shop_url):
    images = []
    for index, entry in enumerate(entries):
        at = "%s[%d]." % (path, index)
        if not isinstance(entry, dict):
            r.fail(at.rstrip("."), "expected an object")
        kind = r.get_str(entry, "type", at, required=True).upper()
        location = r.get_str(entry, "location", at, required=True, limit=MAX_TITLE)
        if kind == "CABINET":
            template = CABINET_URL
        elif kind == "GOLD":
            template = GOLD_URL
        else:
            r.fail(at + "type", "unknown image type %r" % kind)
        if not location.startswith("/"):
            location = "/" + location
        images.append(
            Image(
                type=kind,
                location=location,
                alt=r.get_str(entry, "alt", at, limit=MAX_TITLE),
                url=template % {"shop": shop_url, "location": location},
            )
        )
    return tuple(images)


def _selectors(r, data):
    """The variation axes (variantSelectors) of an item."""
    selectors = []
    for index, entry in enumerate(r.get_list(data, "variantSelectors", "")):
        at = "variantSelectors[%d]." % index
        if not isinstance(entry, dict):
            r.fail(at.rstrip("."), "expected an object")
        key = r.get_str(entry, "key", at, required=True)
        values = []
        for number, value in enumerate(r.get_list(entry, "values", at)):
            value_at = "%svalues[%d]." % (at, number)
            if not isinstance(value, dict):
                r.fail(value_at.rstrip("."), "expected an object")
            values.append(r.get_str(value, "displayValue", value_at, required=True))
        selectors.append(
            Selector(
                key=key,
                display_name=r.get_str(entry, "displayName", at) or key,
                values=tuple(dict.fromkeys(values)),
            )
        )
    keys = [selector.key for selector in selectors]
    if len(set(keys)) != len(keys):
        r.fail("variantSelectors", "the same key twice")
    return tuple(selectors)


def _variants(r, data, selectors, shop_url):
    """The SKUs (variants) of an item, in the order RMS sent them."""
    keys = [selector.key for selector in selectors]
    variants = []
    for variant_id, entry in r.get_dict(data, "variants", "").items():
        at = "variants.%s." % variant_id
        if not isinstance(entry, dict):
            r.fail(at.rstrip("."), "expected an object")
        variant_id = variant_id.strip()
        if not variant_id or len(variant_id) > MAX_CODE:
            r.fail(at.rstrip("."), "not a variantId")
        chosen = r.get_dict(entry, "selectorValues", at)
        values = []
        for selector in selectors:
            value = r.get_str(chosen, selector.key, at + "selectorValues.")
            if value:
                values.append((selector.key, value))
        unknown = set(chosen) - set(keys)
        if unknown:
            r.fail(
                at + "selectorValues",
                "no selector %s" % ", ".join(sorted(map(str, unknown))),
            )
        article = r.get_dict(entry, "articleNumber", at)
        variants.append(
            Variant(
                variant_id=variant_id,
                sku_number=r.get_str(entry, "merchantDefinedSkuId", at),
                article_number=r.get_str(article, "value", at + "articleNumber."),
                standard_price=r.get_decimal(entry, "standardPrice", at),
                hidden=r.get_bool(entry, "hidden", at),
                selector_values=tuple(values),
                images=_images(
                    r, r.get_list(entry, "images", at), at + "images", shop_url
                ),
            )
        )
    return tuple(variants)


def parse_item(data, shop_url):
    """Read one item (items.get / bulk-get shape, or an items.search ``results[]`` entry,
    ``{"item": {...}}``). ``shop_url``: the shop's URL name, for the image URLs."""
    if isinstance(data, dict) and isinstance(data.get("item"), dict):
        data = data["item"]
    if not isinstance(data, dict):
        raise ItemParseError(None, "item", "expected an object")
    r = _Reader(None)
    manage_number = r.get_str(data, "manageNumber", "", required=True)
    r.manage_number = manage_number
    if set(data) <= {"manageNumber"}:
        return Item(
            manage_number=manage_number,
            item_number="",
            title="",
            item_type="",
            hidden=True,
            tax_rate=None,
            deleted=True,
        )
    item_type = r.get_str(data, "itemType", "") or "NORMAL"
    payment = r.get_dict(data, "payment", "")
    tax_rate = r.get_decimal(payment, "taxRate", "payment.")
    if tax_rate is not None:
        known = [rate for rate in TAX_RATES if rate == tax_rate]
        if not known:
            r.fail("payment.taxRate", "unknown tax rate %s" % tax_rate)
        tax_rate = known[0]
    selectors = _selectors(r, data)
    variants = _variants(r, data, selectors, shop_url)
    return Item(
        manage_number=manage_number,
        item_number=r.get_str(data, "itemNumber", ""),
        title=r.get_str(data, "title", "", limit=MAX_TITLE) or manage_number,
        item_type=item_type,
        hidden=r.get_bool(data, "hideItem", ""),
        tax_rate=tax_rate,
        images=_images(r, r.get_list(data, "images", ""), "images", shop_url),
        selectors=selectors,
        variants=variants,
        unlimited_inventory=r.get_bool(data, "unlimitedInventoryFlag", ""),
        updated=r.get_str(data, "updated", ""),
    )


def parse_search_page(payload, shop_url):
    """``(items, errors)`` of one items.search (or bulk-get) answer: each entry of
    ``results`` read by :func:`parse_item`; an entry that cannot be read is an
    :class:`ItemParseError` in ``errors`` and never stops the others."""
    items, errors = [], []
    for entry in (payload or {}).get("results") or ():
        try:
            items.append(parse_item(entry, shop_url))
        except ItemParseError as error:
            errors.append(error)
    return items, errors


def price_extras(item):
    """``(base price, {(selector key, value): extra})`` such that each SKU's price is the
    base plus the extras of its values, as Odoo prices variants; ``None`` when the prices of
    the SKUs cannot be written that way (then every variant gets the lowest price), or when
    no SKU has a price."""
    priced = [
        variant for variant in item.variants if variant.standard_price is not None
    ]
    if not priced:
        return None
    cheapest = min(priced, key=lambda variant: variant.standard_price)
    base = cheapest.standard_price
    # The cheapest SKU's choices cost nothing extra; then each SKU with one choice of unknown
    # extra tells it, until no SKU tells more.
    extras = {pair: Decimal(0) for pair in cheapest.selector_values}
    progress = True
    while progress:
        progress = False
        for variant in priced:
            unknown = [pair for pair in variant.selector_values if pair not in extras]
            if len(unknown) == 1:
                known = sum(
                    (
                        extras[pair]
                        for pair in variant.selector_values
                        if pair in extras
                    ),
                    Decimal(0),
                )
                extras[unknown[0]] = variant.standard_price - base - known
                progress = True
    if any(extra < 0 for extra in extras.values()):
        return None
    extras = {pair: extra for pair, extra in extras.items() if extra}
    for variant in priced:
        total = base + sum(extras.get(pair, 0) for pair in variant.selector_values)
        if total != variant.standard_price:
            return None
    return base, extras
