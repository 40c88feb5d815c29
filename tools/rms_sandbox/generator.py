"""The order generator: realistic RakutenPay orders made of the catalogue's items."""

from __future__ import annotations

import collections
from datetime import timedelta

from .common import (
    CANCELLED,
    DELIVERY_COMPANIES,
    SHOP_CANCEL_REASONS,
    UNDETERMINED,
    _pct,
    _rate,
    _tax_in,
    fmt_dt,
)

# ---------------------------------------------------------------------------
# data for the generator (fictitious shop, anonymised people)
# ---------------------------------------------------------------------------
# (prefecture, zipCode1, city, town)
PREFECTURES = (
    ("北海道", "060", "札幌市中央区", "北一条西"),
    ("青森県", "030", "青森市", "新町"),
    ("岩手県", "020", "盛岡市", "大通"),
    ("宮城県", "980", "仙台市青葉区", "一番町"),
    ("秋田県", "010", "秋田市", "中通"),
    ("山形県", "990", "山形市", "七日町"),
    ("福島県", "960", "福島市", "栄町"),
    ("茨城県", "310", "水戸市", "南町"),
    ("栃木県", "320", "宇都宮市", "馬場通り"),
    ("群馬県", "371", "前橋市", "本町"),
    ("埼玉県", "330", "さいたま市浦和区", "高砂"),
    ("千葉県", "260", "千葉市中央区", "富士見"),
    ("東京都", "160", "新宿区", "西新宿"),
    ("神奈川県", "231", "横浜市中区", "山下町"),
    ("新潟県", "951", "新潟市中央区", "古町通"),
    ("富山県", "930", "富山市", "総曲輪"),
    ("石川県", "920", "金沢市", "香林坊"),
    ("福井県", "910", "福井市", "中央"),
    ("山梨県", "400", "甲府市", "丸の内"),
    ("長野県", "380", "長野市", "大字鶴賀"),
    ("岐阜県", "500", "岐阜市", "神田町"),
    ("静岡県", "420", "静岡市葵区", "呉服町"),
    ("愛知県", "460", "名古屋市中区", "栄"),
    ("三重県", "514", "津市", "大門"),
    ("滋賀県", "520", "大津市", "浜大津"),
    ("京都府", "604", "京都市中京区", "河原町"),
    ("大阪府", "530", "大阪市北区", "梅田"),
    ("兵庫県", "650", "神戸市中央区", "三宮町"),
    ("奈良県", "630", "奈良市", "東向中町"),
    ("和歌山県", "640", "和歌山市", "本町"),
    ("鳥取県", "680", "鳥取市", "栄町"),
    ("島根県", "690", "松江市", "殿町"),
    ("岡山県", "700", "岡山市北区", "表町"),
    ("広島県", "730", "広島市中区", "紙屋町"),
    ("山口県", "753", "山口市", "中市町"),
    ("徳島県", "770", "徳島市", "新町橋"),
    ("香川県", "760", "高松市", "丸亀町"),
    ("愛媛県", "790", "松山市", "大街道"),
    ("高知県", "780", "高知市", "帯屋町"),
    ("福岡県", "810", "福岡市中央区", "天神"),
    ("佐賀県", "840", "佐賀市", "白山"),
    ("長崎県", "850", "長崎市", "浜町"),
    ("熊本県", "860", "熊本市中央区", "上通町"),
    ("大分県", "870", "大分市", "府内町"),
    ("宮崎県", "880", "宮崎市", "橘通西"),
    ("鹿児島県", "892", "鹿児島市", "東千石町"),
    ("沖縄県", "900", "那覇市", "久茂地"),
)
_FAR_PREFECTURES = ("北海道", "沖縄県")
FAMILY_NAMES = (
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
)
FIRST_NAMES = (
    ("太郎", "タロウ", "男"),
    ("花子", "ハナコ", "女"),
    ("翔太", "ショウタ", "男"),
    ("美咲", "ミサキ", "女"),
    ("大輔", "ダイスケ", "男"),
    ("陽菜", "ヒナ", "女"),
    ("健一", "ケンイチ", "男"),
    ("由美", "ユミ", "女"),
    ("蓮", "レン", "男"),
    ("結衣", "ユイ", "女"),
    ("直樹", "ナオキ", "男"),
    ("恵子", "ケイコ", "女"),
    ("拓也", "タクヤ", "男"),
    ("さくら", "サクラ", "女"),
    ("誠", "マコト", "男"),
    ("真由美", "マユミ", "女"),
)
BUILDINGS = (
    "",
    "",
    "",
    "メゾン桜",
    "グリーンハイツ",
    "サンライズマンション",
    "コーポ若葉",
)
REMARKS = (
    "[配送日時指定:]\n午前中",
    "不在の場合は宅配ボックスに入れてください。",
    "ギフト包装をお願いします。",
    "領収書の発行をお願いします。宛名:株式会社サンプル商事",
    "できるだけ早く届けてください。",
    "[配送日時指定:]\n19時〜21時\n[備考:]\n置き配希望",
    "熨斗(のし)の名入れ:山田",
)

PAYMENT_KINDS = {
    # kind: (settlementMethodCode, settlementMethod, rpaySettlementFlag)
    "card": (1, "クレジットカード", 1),
    "bank": (9, "銀行振込", 1),
    "deferred": (21, "後払い決済", 1),
    "cod": (2, "代金引換", 0),
}
CARD_BRANDS = ("VISA", "MasterCard", "JCB", "AMEX")

DEFAULT_MIX = {
    "payment": {"card": 0.58, "bank": 0.1, "deferred": 0.12, "cod": 0.2},
    "order_type": {1: 0.85, 4: 0.06, 5: 0.03, 6: 0.06},
    "progress": {100: 0.55, 200: 0.1, 300: 0.25, 500: 0.05, 800: 0.02, 900: 0.03},
    "packages": {1: 0.85, 2: 0.11, 3: 0.04},
    "asuraku": 0.12,
    "drug": 0.04,
    "postage_undetermined": 0.03,
    "remarks": 0.15,
    "shop_coupon": 0.1,
    "rakuten_coupon": 0.1,
    "points": 0.25,
    "wrapping": 0.03,
    "gift": 0.05,
    "delivery_date": 0.2,
    "caution": 0.02,
    "rakuten_confirm": 0.01,
}


def _weighted(rng, table):
    keys = list(table)
    return rng.choices(keys, weights=[table[k] for k in keys])[0]


class OrderGenerator:
    """Mixin of :class:`~.state.RmsSandbox`: makes orders (no HTTP, no locking)."""

    # -- generator ------------------------------------------------------------
    def _person(self, rng, pref_index=None):
        family, family_kana = rng.choice(FAMILY_NAMES)
        first, first_kana, sex = rng.choice(FIRST_NAMES)
        if pref_index is None:
            pref_index = rng.randrange(len(PREFECTURES))
        prefecture, zip1, city, town = PREFECTURES[pref_index]
        building = rng.choice(BUILDINGS)
        sub = "%s%d-%d-%d" % (
            town,
            rng.randint(1, 9),
            rng.randint(1, 30),
            rng.randint(1, 20),
        )
        if building:
            sub += " %s%d0%d" % (building, rng.randint(1, 9), rng.randint(1, 9))
        if rng.random() < 0.6:
            phone = (
                "0%d0" % rng.choice((7, 8, 9)),
                "%04d" % rng.randint(0, 9999),
                "%04d" % rng.randint(0, 9999),
            )
        else:
            phone = (
                "0%d" % rng.randint(11, 99),
                "%04d" % rng.randint(0, 9999),
                "%04d" % rng.randint(0, 9999),
            )
        return {
            "zipCode1": zip1,
            "zipCode2": "%04d" % rng.randint(0, 9999),
            "prefecture": prefecture,
            "city": city,
            "subAddress": sub,
            "familyName": family,
            "firstName": first,
            "familyNameKana": family_kana,
            "firstNameKana": first_kana,
            "phoneNumber1": phone[0],
            "phoneNumber2": phone[1],
            "phoneNumber3": phone[2],
        }, sex

    def _item(self, rng, catalog_index, units, variant=None):
        """One ItemModel of ``self.catalog[catalog_index]``: ``variant`` (a Variant) or one of
        its visible SKUs picked at random."""
        entry = self.catalog[catalog_index]
        manage, number, name = entry.manage_number, entry.item_number, entry.item_name
        price, pct, drug, variants = (
            entry.price,
            entry.tax_pct,
            entry.drug,
            entry.variants,
        )
        if variant is None:  # buyers see sold-out SKUs as 売り切れ and pick another one
            variant = rng.choice([v for v in variants if self._on_sale(manage, v)])
        return {
            "itemDetailId": self._new_id("item"),
            "itemName": name,
            "itemId": 100000 + catalog_index,
            "itemNumber": number,
            "manageNumber": manage,
            "price": price,
            "units": units,
            "includePostageFlag": entry.include_postage,
            "includeTaxFlag": 1,
            "includeCashOnDeliveryPostageFlag": 0,
            "selectedChoice": None,
            "pointRate": 1,
            "pointType": 0,
            "inventoryType": 2 if len(variants) > 1 else 1,
            "delvdateInfo": "1〜3日以内に発送予定（店舗休業日を除く）",
            "restoreInventoryFlag": 0,
            "dealFlag": 0,
            "drugFlag": 1 if drug else 0,
            "deleteItemFlag": 0,
            "taxRate": _rate(pct),
            "priceTaxIncl": price,
            "isSingleItemShipping": 0,
            "SkuModelList": [
                {
                    "variantId": variant.variant_id,
                    "merchantDefinedSkuId": variant.merchant_defined_sku_id or None,
                    "skuInfo": variant.sku_info,
                }
            ],
        }

    def _change_reason(self, change_type, reason_detail, apply_at):
        return {
            "changeId": self._new_id("change"),
            "changeType": change_type,
            "changeTypeDetail": None,
            "changeReason": 0 if reason_detail in SHOP_CANCEL_REASONS else 1,
            "changeReasonDetail": reason_detail,
            "changeApplyDatetime": apply_at,
            "changeFixDatetime": None,
            "changeCmplDatetime": None,
        }

    def _sellable(self, drug):
        """Indexes of the catalogue items on sale: visible, with a visible SKU."""
        key = (
            len(self.catalog),
            drug,
        )  # entries never change, the catalogue only grows
        cached = self._sellable_cache.get(key)
        if cached is None:
            cached = self._sellable_cache[key] = tuple(
                i
                for i, entry in enumerate(self.catalog)
                if bool(entry.drug) == drug
                and not entry.hidden
                and any(not v.hidden for v in entry.variants)
            )
        return cached

    def _in_stock(self, index):
        entry = self.catalog[index]
        return any(self._on_sale(entry.manage_number, v) for v in entry.variants)

    def _pick_items(self, rng, count, drug_first):
        """``count`` different items on sale with a SKU in stock (fewer when the buyer finds
        nothing else in stock), the first one a drug when ``drug_first``. A sold-out pick
        is replaced by another random one (a few tries), so the cost does not grow with the
        catalogue, and a catalogue with everything in stock draws exactly as before."""
        pool = self._sellable(False)
        picks = rng.sample(pool, min(count, len(pool)))
        drugs = self._sellable(True) if drug_first else ()
        if drugs:
            picks[0:1] = [rng.choice(drugs)]
        if all(self._in_stock(i) for i in picks):
            return picks
        kept = []
        for position, index in enumerate(picks):
            source = drugs if drugs and position == 0 else pool
            for _try in range(20):
                if self._in_stock(index) and index not in kept:
                    kept.append(index)
                    break
                index = rng.choice(source)
        return kept

    def _on_sale(self, manage_number, variant):
        return (
            not variant.hidden
            and self.stock.get((manage_number, variant.variant_id), 1) > 0
        )

    def _make_order(self, now, hours, mix, pref_index, lines=None):  # noqa: C901 (one flat recipe)
        """A new order (not stored) and its meta. ``lines``: [(catalog index, Variant, units)]
        makes it one package of exactly those items (else they are picked at random)."""
        rng = self._rng
        now = now.replace(microsecond=0)
        kind = _weighted(rng, mix["payment"])
        method_code, method_name, rpay = PAYMENT_KINDS[kind]
        order_type = _weighted(rng, mix["order_type"])
        progress = _weighted(rng, mix["progress"])
        npackages = _weighted(rng, mix["packages"])
        asuraku = rng.random() < mix["asuraku"]
        drug = rng.random() < mix["drug"]
        undetermined = rng.random() < mix["postage_undetermined"]
        gift = rng.random() < mix["gift"]
        if undetermined:
            progress = 100  # RMS cannot confirm an order whose postage is still open
        ordered_at = now - timedelta(seconds=rng.randint(0, max(0, int(hours * 3600))))

        def between(start, end):
            span = max(0, int((end - start).total_seconds()))
            return start + timedelta(
                seconds=rng.randint(min(60, span), span) if span else 0
            )

        self._seq += 1
        order_number = "%s-%s-%06d01" % (
            self.shop_id,
            ordered_at.strftime("%Y%m%d"),
            self._seq,
        )

        orderer, sex = self._person(rng, pref_index)
        # packages and items
        packages = []
        for p in range(npackages):
            if p == 0 and not gift:
                sender = dict(orderer)
            else:
                sender = self._person(rng)[0]
            sender["isolatedIslandFlag"] = 0
            if mix.get("items"):
                nitems = _weighted(rng, mix["items"])
            else:
                nitems = rng.choices((1, 2, 3), weights=(0.6, 0.3, 0.1))[0]
            if lines is not None:
                picks = [index for index, _variant, _units in lines]
                items = [
                    self._item(rng, index, units, variant)
                    for index, variant, units in lines
                ]
            else:
                picks = self._pick_items(rng, nitems, drug and p == 0)
                if not picks:
                    return None, None  # everything the buyer looked at is sold out
                items = [
                    self._item(
                        rng, i, rng.choices((1, 2, 3), weights=(0.75, 0.2, 0.05))[0]
                    )
                    for i in picks
                ]
            packages.append({"sender": sender, "items": items, "catalog": picks})

        # money
        wrapping = None
        if rng.random() < mix["wrapping"]:
            wrapping = {
                "title": 1,
                "name": "包装紙（季節柄）",
                "price": 330,
                "includeTaxFlag": 1,
                "deleteWrappingFlag": 0,
                "taxRate": 0.1,
            }
        coupons = []
        all_items = [it for pk in packages for it in pk["items"]]
        for capital_code, capital, key in (
            (1, "ショップ", "shop_coupon"),
            (3, "サービス", "rakuten_coupon"),
        ):
            if rng.random() >= mix[key]:
                continue
            target = rng.choice(all_items)
            already = sum(
                c["couponTotalPrice"]
                for c in coupons
                if c["itemDetailId"] == target["itemDetailId"]
            )
            room = target["priceTaxIncl"] * target["units"] - already
            price = min(rng.choice((100, 200, 300, 500, 1000)), room)
            if price <= 0:
                continue
            coupons.append(
                {
                    "couponCode": "%s-%s"
                    % (
                        "SHOP" if capital_code == 1 else "RAKUTEN",
                        "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=10)),
                    ),
                    "itemId": target["itemId"],
                    "couponName": "%d円OFFクーポン" % price,
                    "couponSummary": "%d円OFF" % price,
                    "couponCapital": capital,
                    "couponCapitalCode": capital_code,
                    "expiryDate": fmt_dt(
                        (now + timedelta(days=30)).replace(
                            hour=23, minute=59, second=59
                        )
                    ),
                    "couponPrice": price,
                    "couponUnit": 1,
                    "couponTotalPrice": price,
                    "itemDetailId": target["itemDetailId"],
                }
            )
        package_models = []
        for p, pk in enumerate(packages):
            goods = sum(it["priceTaxIncl"] * it["units"] for it in pk["items"])
            if p == 0 and wrapping:
                goods += wrapping["price"]
            if undetermined:
                postage = UNDETERMINED
            elif goods >= 3980 or all(it["includePostageFlag"] for it in pk["items"]):
                postage = 0
            else:
                postage = (
                    1320 if pk["sender"]["prefecture"] in _FAR_PREFECTURES else 660
                )
            dclass = max(self.catalog[i].delivery_class for i in pk["catalog"])
            package_models.append(
                {
                    "basketId": self._new_id("basket"),
                    "postagePrice": postage,
                    "postageTaxRate": 0.1,
                    "deliveryPrice": 0,
                    "deliveryTaxRate": 0.1,
                    "goodsTax": sum(
                        _tax_in(it["priceTaxIncl"] * it["units"], _pct(it["taxRate"]))
                        for it in pk["items"]
                    )
                    + (_tax_in(wrapping["price"], 10) if p == 0 and wrapping else 0),
                    "goodsPrice": goods,
                    "totalPrice": UNDETERMINED if undetermined else goods + postage,
                    "noshi": "御祝" if gift and p > 0 else None,
                    "packageDeleteFlag": 0,
                    "SenderModel": pk["sender"],
                    "ItemModelList": pk["items"],
                    "ShippingModelList": [],
                    "DeliveryCvsModel": None,
                    "defaultDeliveryCompanyCode": "1003"
                    if dclass == 0 and rng.random() < 0.3
                    else "1001",
                    "dropOffFlag": 0,
                    "dropOffLocation": None,
                    "SocialGiftModel": None,
                    "_dclass": dclass,
                }
            )
        goods_price = sum(pm["goodsPrice"] for pm in package_models)
        postage_price = (
            UNDETERMINED
            if undetermined
            else sum(pm["postagePrice"] for pm in package_models)
        )
        coupon_shop = sum(
            c["couponTotalPrice"] for c in coupons if c["couponCapitalCode"] == 1
        )
        coupon_other = sum(
            c["couponTotalPrice"] for c in coupons if c["couponCapitalCode"] != 1
        )
        coupon_all = coupon_shop + coupon_other
        base = goods_price + (0 if undetermined else postage_price) - coupon_all
        used_point = 0
        if rng.random() < mix["points"]:
            used_point = min(
                rng.choice((1, 50, 100, 300, 500, 1000, 2000)), max(0, base - 1)
            )
        cod_fee = 0
        if kind == "cod":
            due = base - used_point
            cod_fee = (
                330
                if due < 10000
                else 440
                if due < 30000
                else 660
                if due < 100000
                else 1100
            )
            package_models[0]["deliveryPrice"] = cod_fee
        payment_charge = 0
        total_price = UNDETERMINED if undetermined else goods_price + postage_price
        request_price = (
            UNDETERMINED
            if undetermined
            else total_price + cod_fee + payment_charge - coupon_all - used_point
        )

        # tax summary per rate
        by_rate = collections.OrderedDict()
        for pct in (10, 8):
            amount = sum(
                it["priceTaxIncl"] * it["units"]
                for it in all_items
                if _pct(it["taxRate"]) == pct
            )
            coupon = sum(
                c["couponTotalPrice"]
                for c in coupons
                for it in all_items
                if it["itemDetailId"] == c["itemDetailId"]
                and _pct(it["taxRate"]) == pct
            )
            charge = 0
            if pct == 10:
                amount += wrapping["price"] if wrapping else 0
                amount += 0 if undetermined else postage_price
                charge = cod_fee + payment_charge
            if amount or charge or coupon or (pct == 10 and undetermined):
                by_rate[pct] = (amount, charge, coupon)
        tax_summaries = []
        for pct, (amount, charge, coupon) in by_rate.items():
            req = amount + charge - coupon
            tax_summaries.append(
                {
                    "taxRate": _rate(pct),
                    "reqPrice": UNDETERMINED if undetermined else req,
                    "reqPriceTax": UNDETERMINED if undetermined else _tax_in(req, pct),
                    "totalPrice": UNDETERMINED if undetermined else amount,
                    "paymentCharge": charge,
                    "couponPrice": coupon,
                    "point": 0,
                }
            )

        # dates and status
        cfm = fix = cmpl = None
        changes = []
        if 200 <= progress <= 700:
            cfm = between(ordered_at, now)
        if 300 <= progress <= 700:
            fix = between(cfm, now)
        if 500 <= progress <= 700:
            cmpl = between(fix, now)
            for pm in package_models:
                company = pm["defaultDeliveryCompanyCode"]
                pm["ShippingModelList"].append(
                    {
                        "shippingDetailId": self._new_id("shipping"),
                        "shippingNumber": "%012d" % rng.randint(10**11, 10**12 - 1),
                        "deliveryCompany": company,
                        "deliveryCompanyName": DELIVERY_COMPANIES[company],
                        "shippingDate": cmpl.date().isoformat(),
                    }
                )
        if progress in CANCELLED:
            if rng.random() < 0.5:
                cfm = between(ordered_at, now)
            applied = between(cfm or ordered_at, now)
            reason = rng.choice((1, 1, 1, 4, 8, 10))
            change = self._change_reason(
                0 if progress == 800 else 1, reason, fmt_dt(applied)
            )
            if progress == 900:
                change["changeFixDatetime"] = fmt_dt(between(applied, now))
            changes.append(change)
        for pm in package_models:
            pm.pop("_dclass")

        reserve_number = None
        reserve_count = None
        if order_type in (4, 5, 6):
            reserve_number = "%010d" % rng.randint(10**9, 10**10 - 1)
            reserve_count = 1 if order_type == 6 else rng.randint(1, 12)
        delivery_date = None
        if order_type == 6:
            delivery_date = (
                (ordered_at + timedelta(days=rng.randint(14, 45))).date().isoformat()
            )
        elif asuraku:
            delivery_date = (ordered_at + timedelta(days=1)).date().isoformat()
        elif rng.random() < mix["delivery_date"]:
            delivery_date = (
                (ordered_at + timedelta(days=rng.randint(3, 10))).date().isoformat()
            )
        caution = rng.random() < mix["caution"]
        settlement = {
            "settlementMethodCode": method_code,
            "settlementMethod": method_name,
            "rpaySettlementFlag": rpay,
            "cardName": None,
            "cardNumber": None,
            "cardOwner": None,
            "cardYm": None,
            "cardPayType": None,
            "cardInstallmentDesc": None,
        }
        if kind == "card":
            settlement.update(
                {
                    "cardName": rng.choice(CARD_BRANDS),
                    "cardNumber": "XXXX-XXXX-XXXX-%04d" % rng.randint(0, 9999),
                    "cardOwner": "XXXXXXXX",
                    "cardYm": "%04d-%02d"
                    % (now.year + rng.randint(1, 5), rng.randint(1, 12)),
                    "cardPayType": 0,
                    "cardInstallmentDesc": None,
                }
            )
        dclass = max(
            self.catalog[i].delivery_class for pk in packages for i in pk["catalog"]
        )
        order = {
            "orderNumber": order_number,
            "orderProgress": progress,
            "subStatusId": None,
            "subStatusName": None,
            "orderDatetime": fmt_dt(ordered_at),
            "shopOrderCfmDatetime": fmt_dt(cfm),
            "orderFixDatetime": fmt_dt(fix),
            "shippingInstDatetime": None,
            "shippingCmplRptDatetime": fmt_dt(cmpl),
            "cancelDueDate": None,
            "deliveryDate": delivery_date,
            "shippingTerm": 0
            if asuraku
            else rng.choice((0, 0, 0, 0, 1, 2, 1416, 1820, 1921)),
            "remarks": rng.choice(REMARKS) if rng.random() < mix["remarks"] else None,
            "giftCheckFlag": 1 if gift else 0,
            "socialGiftFlag": 0,
            "severalSenderFlag": 1 if npackages > 1 else 0,
            "equalSenderFlag": 1 if npackages == 1 and not gift else 0,
            "isolatedIslandFlag": 0,
            "rakutenMemberFlag": 1,
            "carrierCode": rng.choice((0, 11, 12)),
            "emailCarrierCode": 0,
            "orderType": order_type,
            "reserveNumber": reserve_number,
            "reserveDeliveryCount": reserve_count,
            "cautionDisplayType": 1 if caution else 0,
            "cautionDisplayDetailType": rng.randint(101, 105) if caution else None,
            "rakutenConfirmFlag": 1 if rng.random() < mix["rakuten_confirm"] else 0,
            "goodsPrice": goods_price,
            "goodsTax": sum(pm["goodsTax"] for pm in package_models),
            "postagePrice": postage_price,
            "deliveryPrice": cod_fee,
            "paymentCharge": payment_charge,
            "paymentChargeTaxRate": 0.1,
            "totalPrice": total_price,
            "requestPrice": request_price,
            "couponAllTotalPrice": coupon_all,
            "couponShopPrice": coupon_shop,
            "couponOtherPrice": coupon_other,
            "additionalFeeOccurAmountToUser": 0,
            "additionalFeeOccurAmountToShop": 0,
            "asurakuFlag": 1 if asuraku else 0,
            "drugFlag": 1 if drug else 0,
            "dealFlag": 0,
            "membershipType": 0,
            "memo": None,
            "operator": None,
            "mailPlugSentence": None,
            "modifyFlag": 0,
            "isTaxRecalc": 0,
            "receiptIssueCount": 0,
            "receiptIssueHistoryList": [],
            "deliveryCertPrgFlag": 0,
            "oneDayOperationFlag": 0,
            "OrdererModel": dict(
                orderer,
                emailAddress="%032x@pc.fw.rakuten.ne.jp" % rng.getrandbits(128),
                sex=sex,
                birthYear=rng.randint(1950, 2005),
                birthMonth=rng.randint(1, 12),
                birthDay=rng.randint(1, 28),
            ),
            "SettlementModel": settlement,
            "DeliveryModel": {
                "deliveryName": "クール便" if dclass in (2, 3) else "宅配便",
                "deliveryClass": dclass,
            },
            "PointModel": {"usedPoint": used_point},
            "WrappingModel1": wrapping,
            "WrappingModel2": None,
            "PackageModelList": package_models,
            "CouponModelList": coupons,
            "ChangeReasonModelList": changes,
            "TaxSummaryModelList": tax_summaries,
            "DueDateModelList": (
                [
                    {
                        "dueDateType": 0,
                        "dueDate": (ordered_at + timedelta(days=7)).date().isoformat(),
                    }
                ]
                if kind == "bank"
                else []
            ),
        }
        meta = {"payment_number": self._new_id("payment")}
        return order, meta
