"""The sandbox shop's catalogue.

``CATALOG`` holds the fixed items of a fictitious shop: every generated order is made of
them, and the demo and the tests create one Odoo product per SKU (internal reference =
``merchant_defined_sku_id``). :func:`generate_catalog` adds seeded items with what a real
migrated catalogue holds (multi-axis SKUs, hidden items and SKUs, SKUs with no
システム連携用SKU番号, JAN codes, tax rates 0.1 / 0.08 / shop default). :func:`item_model`
is the Item API 2.0 view of an entry (items.get / items.search / items.bulk-get).
"""

from __future__ import annotations

import collections

#: One SKU: ``variant_id`` (SKU管理番号), ``merchant_defined_sku_id`` (システム連携用SKU番号, may be
#: ""), ``sku_info`` (the order's バリエーション lines ``名前:値`` joined by newlines),
#: ``selectors`` (((key, value), ...) in axis order), ``hidden`` (倉庫), ``article_number`` (JAN).
Variant = collections.namedtuple(
    "Variant",
    "variant_id merchant_defined_sku_id sku_info selectors hidden article_number",
    defaults=((), False, None),
)

#: One item (商品管理番号 = ``manage_number``). ``tax_pct`` is the rate orders carry (10 or 8);
#: ``tax_rate`` what the Item API shows (0.1, 0.08, or None = the shop setting).
#: ``axes`` is ((key, displayName), ...) of its variantSelectors.
CatalogEntry = collections.namedtuple(
    "CatalogEntry",
    "manage_number item_number item_name price tax_pct drug delivery_class include_postage variants"
    " hidden tax_rate axes images genre_id",
    defaults=(False, None, (), (), "100000"),
)

_AXIS_KEYS = {"カラー": "color", "サイズ": "size", "挽き方": "grind"}


def _from_row(row):
    manage, number, name, price, pct, drug, dclass, incl, variants = row
    axes = []
    built = []
    for variant_id, sku_id, info in variants:
        selectors = []
        for line in filter(None, info.splitlines()):
            display, value = line.split(":", 1)
            key = _AXIS_KEYS.get(display, display)
            if (key, display) not in axes:
                axes.append((key, display))
            selectors.append((key, value))
        built.append(Variant(variant_id, sku_id, info, tuple(selectors)))
    return CatalogEntry(
        manage,
        number,
        name,
        price,
        pct,
        drug,
        dclass,
        incl,
        tuple(built),
        tax_rate={10: 0.1, 8: 0.08}[pct],
        axes=tuple(axes),
        images=("/imgrc0%d/%s.jpg" % (len(manage) % 9, manage.replace("-", "_")),),
    )


# The fixed items of a fictitious shop, as CatalogEntry fields in order.
_FIXED_ROWS = (
    (
        "tshirt-basic",
        "TS-001",
        "オーガニックコットン Tシャツ ベーシック",
        2980,
        10,
        False,
        0,
        0,
        (
            ("ts-wh-m", "TS001-WH-M", "カラー:ホワイト\nサイズ:M"),
            ("ts-wh-l", "TS001-WH-L", "カラー:ホワイト\nサイズ:L"),
            ("ts-nv-m", "TS001-NV-M", "カラー:ネイビー\nサイズ:M"),
            ("ts-nv-l", "TS001-NV-L", "カラー:ネイビー\nサイズ:L"),
        ),
    ),
    (
        "towel-face",
        "TW-010",
        "今治産 フェイスタオル 2枚組",
        1650,
        10,
        False,
        0,
        0,
        (
            ("tw-bl", "TW010-BL", "カラー:ブルー"),
            ("tw-gy", "TW010-GY", "カラー:グレー"),
        ),
    ),
    (
        "mug-hasami",
        "MG-200",
        "波佐見焼 マグカップ",
        2420,
        10,
        False,
        0,
        0,
        (("mug-hasami", "MG200", ""),),
    ),
    (
        "tote-canvas",
        "BG-300",
        "帆布 トートバッグ",
        4400,
        10,
        False,
        0,
        1,
        (
            ("tote-nat", "BG300-NA", "カラー:生成り"),
            ("tote-blk", "BG300-BK", "カラー:ブラック"),
        ),
    ),
    (
        "socks-3p",
        "SK-050",
        "綿混 ソックス 3足組",
        1100,
        10,
        False,
        0,
        0,
        (("sk-s", "SK050-S", "サイズ:22-24cm"), ("sk-l", "SK050-L", "サイズ:25-27cm")),
    ),
    (
        "umbrella-fold",
        "UM-020",
        "軽量 折りたたみ傘",
        2750,
        10,
        False,
        0,
        0,
        (("um-fold", "UM020", ""),),
    ),
    (
        "sake-junmai",
        "SA-720",
        "純米吟醸酒 720ml",
        1980,
        10,
        False,
        0,
        0,
        (("sake-junmai", "SA720", ""),),
    ),
    (
        "tea-sencha",
        "TE-100",
        "静岡県産 深蒸し煎茶 100g",
        1080,
        8,
        False,
        0,
        0,
        (("tea-sencha", "TE100", ""),),
    ),
    (
        "rice-koshihikari",
        "RC-500",
        "新潟県産 コシヒカリ 5kg",
        3480,
        8,
        False,
        0,
        1,
        (("rice-koshihikari", "RC500", ""),),
    ),
    (
        "coffee-beans",
        "CF-200",
        "スペシャルティコーヒー豆 200g",
        1620,
        8,
        False,
        0,
        0,
        (
            ("cf-bean", "CF200-B", "挽き方:豆のまま"),
            ("cf-mid", "CF200-M", "挽き方:中挽き"),
        ),
    ),
    (
        "wagyu-sukiyaki",
        "WG-500",
        "黒毛和牛 すき焼き用 500g",
        5980,
        8,
        False,
        3,
        1,
        (("wagyu-sukiyaki", "WG500", ""),),
    ),
    (
        "mikan-5kg",
        "MK-005",
        "愛媛県産 みかん 5kg",
        2980,
        8,
        False,
        0,
        1,
        (("mikan-5kg", "MK005", ""),),
    ),
    (
        "senbei-set",
        "SB-024",
        "手焼きせんべい 詰め合わせ 24枚",
        1296,
        8,
        False,
        0,
        0,
        (("senbei-set", "SB024", ""),),
    ),
    (
        "yogurt-set",
        "YG-006",
        "生乳ヨーグルト 6個セット",
        2160,
        8,
        False,
        2,
        0,
        (("yogurt-set", "YG006", ""),),
    ),
    (
        "drug-analgesic",
        "DR-012",
        "【第1類医薬品】解熱鎮痛薬 12錠",
        748,
        10,
        True,
        0,
        0,
        (("drug-analgesic", "DR012", ""),),
    ),
    (
        "drug-hair",
        "DR-060",
        "【第1類医薬品】発毛剤 60mL",
        7480,
        10,
        True,
        0,
        0,
        (("drug-hair", "DR060", ""),),
    ),
)

CATALOG = tuple(_from_row(row) for row in _FIXED_ROWS)


# -- generated items -----------------------------------------------------------------------
_PRODUCTS = (
    # (title stem, price, tax %, delivery class, genreId)
    ("リネン シャツ", 5980, 10, 0, "100371"),
    ("ストレッチ デニムパンツ", 6980, 10, 0, "110729"),
    ("ウール ニット帽", 2480, 10, 0, "216129"),
    ("ステンレス 水筒 500ml", 2980, 10, 0, "215783"),
    ("木製 まな板", 3300, 10, 0, "215566"),
    ("アロマキャンドル", 1980, 10, 0, "100804"),
    ("国産 はちみつ 300g", 2680, 8, 0, "100227"),
    ("有機 緑茶ティーバッグ 30包", 1280, 8, 0, "100316"),
    ("讃岐うどん 6人前", 1500, 8, 0, "100227"),
    ("冷凍 餃子 50個", 3280, 8, 2, "100227"),
)
_AXES = (
    ("color", "カラー", ("ホワイト", "ブラック", "ネイビー", "ベージュ", "グリーン")),
    ("size", "サイズ", ("S", "M", "L", "XL")),
    ("material", "素材", ("コットン", "リネン", "ウール")),
)
_CODES = {
    "ホワイト": "WH",
    "ブラック": "BK",
    "ネイビー": "NV",
    "ベージュ": "BE",
    "グリーン": "GR",
    "コットン": "CO",
    "リネン": "LI",
    "ウール": "WO",
}


def _jan(rng):
    """A 13-digit JAN code (prefix 45/49) with a valid check digit."""
    digits = [4, rng.choice((5, 9))] + [rng.randint(0, 9) for _ in range(10)]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def generate_catalog(rng, first, count):
    """``count`` seeded items numbered from ``first``: single- and multi-SKU items (1 to 3
    axes), about 8 % hidden items and 8 % hidden SKUs of multi-SKU items, SKUs with an empty
    システム連携用SKU番号 (most single-SKU items, as RMS seeded them at migration, and some
    multi-SKU ones), JAN codes on about 60 % of SKUs, tax rate 0.1 / 0.08 or None (= the shop
    setting, on about a quarter of the 10 % items) and one to three CABINET images."""
    entries = []
    for index in range(first, first + count):
        stem, price, pct, dclass, genre = rng.choice(_PRODUCTS)
        manage = "sbx-%05d" % index
        number = "SX-%05d" % index
        title = "%s No.%d" % (stem, index)
        price = price + 100 * rng.randint(-5, 5)
        variants, axes = [], ()
        if rng.random() < 0.45:
            variant_id = "normal-inventory" if rng.random() < 0.2 else manage
            sku_id = "" if rng.random() < 0.6 else number
            variants.append(
                Variant(
                    variant_id,
                    sku_id,
                    "",
                    (),
                    False,
                    _jan(rng) if rng.random() < 0.6 else None,
                )
            )
        else:
            naxes = rng.choices((1, 2, 3), weights=(0.4, 0.5, 0.1))[0]
            chosen = [_AXES[i] for i in sorted(rng.sample(range(len(_AXES)), naxes))]
            axes = tuple((key, display) for key, display, _values in chosen)
            value_sets = [
                rng.sample(values, rng.randint(2, min(3, len(values))))
                for _key, _display, values in chosen
            ]
            combos = [[]]
            for values in value_sets:
                combos = [combo + [value] for combo in combos for value in values]
            for n, combo in enumerate(combos, 1):
                selectors = tuple(
                    (axis[0], value) for axis, value in zip(chosen, combo, strict=True)
                )
                info = "\n".join(
                    "%s:%s" % (axis[1], value)
                    for axis, value in zip(chosen, combo, strict=True)
                )
                codes = "-".join(_CODES.get(value, value) for value in combo)
                sku_id = "" if rng.random() < 0.1 else "%s-%s" % (number, codes)
                variants.append(
                    Variant(
                        "sku%s-%02d" % (index, n),
                        sku_id,
                        info,
                        selectors,
                        rng.random() < 0.08,
                        _jan(rng) if rng.random() < 0.6 else None,
                    )
                )
        tax_rate = (
            None if pct == 10 and rng.random() < 0.25 else {10: 0.1, 8: 0.08}[pct]
        )
        images = tuple(
            "/imgrc%07d/%s_%d.jpg" % (index, number.lower(), i)
            for i in range(1, rng.randint(1, 3) + 1)
        )
        entries.append(
            CatalogEntry(
                manage,
                number,
                title,
                price,
                pct,
                False,
                dclass,
                1 if rng.random() < 0.2 else 0,
                tuple(variants),
                hidden=rng.random() < 0.08,
                tax_rate=tax_rate,
                axes=axes,
                images=images,
                genre_id=genre,
            )
        )
    return entries


def item_model(entry, created, updated):
    """The Item API 2.0 item of ``entry`` (items.get; items.search wraps it as ``{"item": …}``);
    ``created`` / ``updated`` are ISO 8601 texts."""
    variants = {}
    for variant in entry.variants:
        model = {
            "selectorValues": dict(variant.selectors),
            "merchantDefinedSkuId": variant.merchant_defined_sku_id or None,
            "standardPrice": str(entry.price),
            "hidden": variant.hidden,
            "images": [],
            "attributes": [],
            "shipping": {"postageIncluded": bool(entry.include_postage)},
        }
        if variant.article_number:
            model["articleNumber"] = {
                "value": variant.article_number,
                "exemptionReason": None,
            }
        variants[variant.variant_id] = model
    selectors = []
    for key, display in entry.axes:
        values = []
        for variant in entry.variants:
            value = dict(variant.selectors).get(key)
            if value is not None and {"displayValue": value} not in values:
                values.append({"displayValue": value})
        selectors.append({"key": key, "displayName": display, "values": values})
    return {
        "manageNumber": entry.manage_number,
        "itemNumber": entry.item_number,
        "title": entry.item_name,
        "itemType": "NORMAL",
        "genreId": entry.genre_id,
        "hideItem": entry.hidden,
        "unlimitedInventoryFlag": False,
        "payment": {
            "taxIncluded": True,
            "taxRate": entry.tax_rate,
            "cashOnDeliveryFeeIncluded": False,
        },
        "images": [
            {"type": "CABINET", "location": location, "alt": entry.item_name}
            for location in entry.images
        ],
        "variantSelectors": selectors,
        "variants": variants,
        "created": created,
        "updated": updated,
    }


def entry_to_json(entry):
    """A generated entry as plain JSON lists (for :meth:`~.state.RmsSandbox.dump_state`)."""
    return [list(entry[:8]), [list(v) for v in entry.variants], list(entry[9:])]


def entry_from_json(data):
    """The inverse of :func:`entry_to_json` (JSON lists back to tuples)."""
    head, variants, tail = data
    hidden, tax_rate, axes, images, genre_id = tail
    return CatalogEntry(
        *head,
        tuple(
            Variant(v[0], v[1], v[2], tuple(tuple(s) for s in v[3]), v[4], v[5])
            for v in variants
        ),
        hidden=hidden,
        tax_rate=tax_rate,
        axes=tuple(tuple(a) for a in axes),
        images=tuple(images),
        genre_id=genre_id,
    )
