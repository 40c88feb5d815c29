"""Code tables of the RMS RakutenPay order API and of the order slip.

Pure data: every table maps an RMS (or Next Engine style) code to its Japanese
name, as RMS or the OMS shows it, and most have an English twin for Odoo
selections. ``*_SELECTION`` lists are ``[(str(code), english), ...]`` in code
order, ready for ``fields.Selection``; the matching Japanese dictionaries give
the names Japanese users know.

Facts come from the RMS getOrder/searchOrder documentation (see
``ref/rms-api.md`` sections 3-5) and, for the slip states, from Next Engine
(``ref/oms-semantics.md`` section 2).
"""

from datetime import timedelta, timezone

#: Japan time, RMS's time zone (Japan has no DST: a fixed offset is exact).
JST = timezone(timedelta(hours=9), "JST")

#: RMS marks an amount that is not determined yet (e.g. 送料未確定) with -9999.
UNDETERMINED_PRICE = -9999


def _selection(english):
    """``{code: english}`` -> ``[(str(code), english), ...]`` for Odoo selections."""
    return [(str(code), label) for code, label in english.items()]


# --------------------------------------------------------------------------
# orderProgress (ステータス)
# --------------------------------------------------------------------------
ORDER_PROGRESS = {
    100: "注文確認待ち",
    200: "楽天処理中",
    300: "発送待ち",
    400: "変更確定待ち",
    500: "発送済",
    600: "支払手続き中",
    700: "支払手続き済",
    800: "キャンセル確定待ち",
    900: "キャンセル確定",
}
ORDER_PROGRESS_EN = {
    100: "Awaiting order confirmation",
    200: "Rakuten processing",
    300: "Awaiting shipment",
    400: "Awaiting change confirmation",
    500: "Shipped (RMS)",
    600: "Payment in progress",
    700: "Payment done",
    800: "Awaiting cancellation confirmation",
    900: "Cancellation confirmed",
}
ORDER_PROGRESS_SELECTION = _selection(ORDER_PROGRESS_EN)

PROGRESS_WAITING_CONFIRMATION = 100
PROGRESS_RAKUTEN_PROCESSING = 200
PROGRESS_WAITING_SHIPMENT = 300
PROGRESS_CHANGE_PENDING = 400
PROGRESS_SHIPPED = (500, 600, 700)
PROGRESS_CANCELLED = (800, 900)
#: The statuses in which cancelOrder is accepted (before shipping).
PROGRESS_CANCELLABLE = (100, 200, 300)

# --------------------------------------------------------------------------
# orderType (購入種別)
# --------------------------------------------------------------------------
ORDER_TYPE = {
    1: "通常購入",
    4: "定期購入",
    5: "頒布会",
    6: "予約商品",
}
ORDER_TYPE_EN = {
    1: "Normal purchase",
    4: "Subscription (regular delivery)",
    5: "Distribution club",
    6: "Reservation",
}
ORDER_TYPE_SELECTION = _selection(ORDER_TYPE_EN)

ORDER_TYPE_NORMAL = 1
ORDER_TYPE_SUBSCRIPTION = 4
ORDER_TYPE_DISTRIBUTION_CLUB = 5
ORDER_TYPE_RESERVATION = 6

# --------------------------------------------------------------------------
# searchOrder dateType
# --------------------------------------------------------------------------
DATE_TYPE = {
    1: "注文日",
    2: "注文確認日",
    3: "注文確定日",
    4: "発送日",
    5: "発送完了報告日",
    6: "決済確定日",
}
DATE_TYPE_EN = {
    1: "Order date",
    2: "Order confirmation date",
    3: "Order fixed date",
    4: "Shipping date",
    5: "Shipping report date",
    6: "Payment settlement date",
}
DATE_TYPE_ORDER = 1
DATE_TYPE_ORDER_CONFIRMATION = 2

# --------------------------------------------------------------------------
# SettlementModel.settlementMethodCode (支払方法)
# --------------------------------------------------------------------------
SETTLEMENT_METHOD = {
    1: "クレジットカード",
    2: "代金引換",
    # 3 後払い left getOrder in RMS doc v6.7; searchOrder still accepts it and
    # old orders may carry it.
    3: "後払い",
    4: "ショッピングクレジット／ローン",
    5: "オートローン",
    6: "リース",
    7: "請求書払い",
    8: "ポイント",
    9: "銀行振込",
    12: "Apple Pay",
    13: "セブンイレブン（前払）",
    # Named "ローソン、郵便局ATM等（前払）" until 2026-01-22; same code.
    14: "ファミリーマート、ローソン等（前払）",
    16: "Alipay",
    17: "PayPal",
    21: "後払い決済（楽天市場の共通決済）",
    27: "Alipay（支付宝）",
}
SETTLEMENT_METHOD_EN = {
    1: "Credit card",
    2: "Cash on delivery",
    3: "Deferred payment (legacy)",
    4: "Shopping credit / loan",
    5: "Auto loan",
    6: "Lease",
    7: "Invoice payment",
    8: "Points",
    9: "Bank transfer",
    12: "Apple Pay",
    13: "7-Eleven (prepaid)",
    14: "FamilyMart, Lawson, etc. (prepaid)",
    16: "Alipay",
    17: "PayPal",
    21: "Deferred payment (Rakuten Ichiba common payment)",
    27: "Alipay (支付宝)",
}
SETTLEMENT_METHOD_SELECTION = _selection(SETTLEMENT_METHOD_EN)
SETTLEMENT_CREDIT_CARD = 1
SETTLEMENT_CASH_ON_DELIVERY = 2

# --------------------------------------------------------------------------
# SettlementModel.rpaySettlementFlag
# --------------------------------------------------------------------------
RPAY_SETTLEMENT_FLAG = {
    0: "選択制決済",
    1: "楽天市場の共通決済手段",
}
RPAY_SETTLEMENT_FLAG_EN = {
    0: "Selective payment (collected by the shop)",
    1: "Rakuten Ichiba common payment (RakutenPay)",
}
RPAY_SETTLEMENT_FLAG_SELECTION = _selection(RPAY_SETTLEMENT_FLAG_EN)
RPAY_SELECTIVE = 0
RPAY_COMMON = 1

# --------------------------------------------------------------------------
# deliveryCompany / defaultDeliveryCompanyCode (配送会社), current names
# --------------------------------------------------------------------------
DELIVERY_COMPANY = {
    "1000": "その他",
    "1001": "ヤマト運輸",
    "1002": "佐川急便",
    "1003": "日本郵便",
    "1004": "西濃運輸",
    "1005": "セイノースーパーエクスプレス",  # formerly 西部運輸
    "1006": "福山通運",
    "1007": "名鉄運輸",
    "1008": "トナミ運輸",
    "1009": "第一貨物",
    "1010": "新潟運輸",
    "1011": "中越運送",
    "1012": "岡山県貨物運送",
    "1013": "久留米運送",
    "1014": "山陽自動車運送",
    "1015": "NXトランスポート",  # formerly 日本トラック / 日通トランスポート
    "1016": "エコ配",
    "1017": "EMS",
    "1018": "DHL",
    "1019": "FedEx",
    "1020": "UPS",
    "1021": "日本通運",
    "1022": "TNT",
    "1023": "OCS",
    "1024": "USPS",
    "1025": "SFエクスプレス",
    "1026": "Aramex",
    "1027": "SGHグローバル・ジャパン",
    "1028": "Rakuten EXPRESS",
    "1029": "日本郵便 楽天倉庫出荷",
    "1030": "ヤマト運輸 クロネコゆうパケット",
    "1031": "名鉄NX運輸",
}
DELIVERY_COMPANY_EN = {
    "1000": "Other",
    "1001": "Yamato Transport",
    "1002": "Sagawa Express",
    "1003": "Japan Post",
    "1004": "Seino Transportation",
    "1005": "Seino Super Express",
    "1006": "Fukuyama Transporting",
    "1007": "Meitetsu Transportation",
    "1008": "Tonami Transportation",
    "1009": "Daiichi Kamotsu",
    "1010": "Niigata Unyu",
    "1011": "Chuetsu Unso",
    "1012": "Okayama-ken Kamotsu Unso",
    "1013": "Kurume Unso",
    "1014": "Sanyo Jidosha Unso",
    "1015": "NX Transport",
    "1016": "Ecohai",
    "1017": "EMS",
    "1018": "DHL",
    "1019": "FedEx",
    "1020": "UPS",
    "1021": "Nippon Express",
    "1022": "TNT",
    "1023": "OCS",
    "1024": "USPS",
    "1025": "SF Express",
    "1026": "Aramex",
    "1027": "SGH Global Japan",
    "1028": "Rakuten EXPRESS",
    "1029": "Japan Post (Rakuten warehouse shipment)",
    "1030": "Yamato Transport (Kuroneko Yu-Packet)",
    "1031": "Meitetsu NX Transport",
}
DELIVERY_COMPANY_SELECTION = _selection(DELIVERY_COMPANY_EN)
#: Carrier row written at import ("その他"), overwritten at the shipping report.
DELIVERY_COMPANY_OTHER = "1000"

# --------------------------------------------------------------------------
# Order slip: 入金状況 and 承認状況 (Next Engine codes; stored as strings)
# --------------------------------------------------------------------------
PAYMENT_STATE = {
    "0": "未入金",
    "1": "一部入金",
    "2": "入金済",
}
PAYMENT_STATE_EN = {
    "0": "Not paid",
    "1": "Partly paid",
    "2": "Paid",
}
PAYMENT_STATE_SELECTION = _selection(PAYMENT_STATE_EN)
PAYMENT_STATE_UNPAID = "0"
PAYMENT_STATE_PARTLY_PAID = "1"
PAYMENT_STATE_PAID = "2"

APPROVAL_STATE = {
    "0": "必要なし",
    "10": "未承認",
    "20": "承認中",
    "30": "承認済",
    "70": "請求済",
    "90": "承認NG",
}
APPROVAL_STATE_EN = {
    "0": "Not required",
    "10": "Not approved",
    "20": "Approval in progress",
    "30": "Approved",
    "70": "Billed",
    "90": "Approval refused",
}
APPROVAL_STATE_SELECTION = _selection(APPROVAL_STATE_EN)
APPROVAL_STATE_NOT_REQUIRED = "0"
APPROVAL_STATE_UNAPPROVED = "10"
APPROVAL_STATE_IN_PROGRESS = "20"
APPROVAL_STATE_APPROVED = "30"
APPROVAL_STATE_BILLED = "70"
APPROVAL_STATE_REFUSED = "90"

# --------------------------------------------------------------------------
# Cancel / reduction reasons (changeReasonDetailApply, changeReasonDetail)
# --------------------------------------------------------------------------
#: Codes accepted by cancelOrder / updateOrderSender as the reason.
CANCEL_REASON = {
    1: "キャンセル",
    2: "受取後の返品",
    3: "長期不在受取拒否",
    4: "未入金",
    5: "代引受取拒否",
    6: "その他",
    8: "欠品",
    10: "その他",
    13: "発送遅延",
    14: "顧客・配送対応注意表示",
    15: "返品(破損・品間違い)",
}
CANCEL_REASON_EN = {
    1: "Cancellation (customer)",
    2: "Return after receipt (customer)",
    3: "Refused or not collected (customer)",
    4: "Not paid (customer)",
    5: "Cash on delivery refused (customer)",
    6: "Other (customer)",
    8: "Out of stock (shop)",
    10: "Other (shop)",
    13: "Shipping delay (shop)",
    14: "Customer / delivery caution (shop)",
    15: "Return: damaged or wrong item (shop)",
}
CANCEL_REASON_SELECTION = _selection(CANCEL_REASON_EN)
#: Whose side a reason is on: the Japanese names 6 and 10 are both "その他".
CANCEL_REASON_SIDE = {
    1: "customer",
    2: "customer",
    3: "customer",
    4: "customer",
    5: "customer",
    6: "customer",
    8: "shop",
    10: "shop",
    13: "shop",
    14: "shop",
    15: "shop",
}
#: The reasons that make sense for a cancellation before shipping (cancelOrder): the
#: others (2 受取後の返品, 3 長期不在受取拒否, 5 代引受取拒否, 15 返品) need the goods to
#: have left, which is cancelOrderAfterShipping's case.
CANCEL_REASONS_BEFORE_SHIPPING = (1, 4, 6, 8, 10, 13, 14)
#: ChangeReasonModel.changeReasonDetail: the cancel reasons plus 16.
CHANGE_REASON_DETAIL = {**CANCEL_REASON, 16: "ギフト入力期限切れ"}
CHANGE_REASON_DETAIL_EN = {**CANCEL_REASON_EN, 16: "Gift address input expired"}

#: ChangeReasonModel.changeType
CHANGE_TYPE_EN = {
    0: "Cancellation requested",
    1: "Cancellation fixed",
    2: "Cancellation done",
    3: "Cancellation withdrawn",
    4: "Change requested",
    5: "Change fixed",
    6: "Change done",
    7: "Change withdrawn",
    8: "Order confirmed",
    9: "Re-payment",
}

# --------------------------------------------------------------------------
# cancelOrder inventoryRestoreType (在庫連動)
# --------------------------------------------------------------------------
INVENTORY_RESTORE_TYPE = {
    0: "商品の設定に従う",
    1: "在庫連動する",
    2: "在庫連動しない",
}
INVENTORY_RESTORE_TYPE_EN = {
    0: "Follow the item setting",
    1: "Restock",
    2: "Do not restock",
}
INVENTORY_RESTORE_TYPE_SELECTION = _selection(INVENTORY_RESTORE_TYPE_EN)

# --------------------------------------------------------------------------
# getPayment PaymentModel.paymentStatus
# One public source only (UNCERTAIN). Japanese names other than 決済確定 and
# 取消完了 are descriptive, not RMS wording.
# --------------------------------------------------------------------------
PAYMENT_STATUS = {
    30000: "なし",
    30100: "待機中",
    30110: "待機中",
    30200: "依頼中",
    30300: "完了",
    30400: "NG",
    30500: "売上請求中",
    30600: "決済確定",
    30610: "決済確定（取消不可）",
    30700: "売上NG",
    30710: "売上NG",
    31400: "取消中",
    31410: "取消中",
    31420: "取消中",
    31500: "取消完了",
    31800: "チャージバック",
}
PAYMENT_STATUS_EN = {
    30000: "None",
    30100: "Waiting",
    30110: "Waiting",
    30200: "Requested",
    30300: "Done",
    30400: "Refused (NG)",
    30500: "Payment requested",
    30600: "Payment settled",
    30610: "Payment settled (cannot be cancelled)",
    30700: "Payment refused (NG)",
    30710: "Payment refused (NG)",
    31400: "Cancellation in progress",
    31410: "Cancellation in progress",
    31420: "Cancellation in progress",
    31500: "Cancellation completed",
    31800: "Chargeback",
}
#: 311xx-313xx: payment procedure being cancelled.
PAYMENT_STATUS_PROCEDURE_CANCEL = range(31100, 31400)
PAYMENT_STATUS_SETTLED = frozenset({30600, 30610})
PAYMENT_STATUS_REFUSED = frozenset({30400, 30700, 30710})
PAYMENT_STATUS_CANCELLED = frozenset({31500})

# --------------------------------------------------------------------------
# Smaller OrderModel tables (for display and confirmation checks)
# --------------------------------------------------------------------------
CAUTION_DISPLAY_TYPE = {0: "表示なし", 1: "注意喚起", 2: "キャンセル確定"}
CAUTION_DISPLAY_TYPE_EN = {0: "None", 1: "Caution", 2: "Cancellation fixed"}

COUPON_CAPITAL = {1: "ショップ", 2: "メーカー", 3: "サービス"}
COUPON_CAPITAL_EN = {1: "Shop", 2: "Maker", 3: "Service (Rakuten)"}
COUPON_CAPITAL_SHOP = 1

CARD_PAY_TYPE = {
    0: "一括払い",
    1: "リボ払い",
    2: "分割払い",
    3: "その他払い",
    4: "ボーナス一括払い",
}
CARD_PAY_TYPE_EN = {
    0: "Lump sum",
    1: "Revolving",
    2: "Instalments",
    3: "Other",
    4: "Bonus lump sum",
}

DELIVERY_CLASS = {
    0: "選択なし",
    1: "普通",
    2: "冷蔵",
    3: "冷凍",
    4: "その他1",
    5: "その他2",
    6: "その他3",
    7: "その他4",
    8: "その他5",
}
DELIVERY_CLASS_EN = {
    0: "Not selected",
    1: "Normal",
    2: "Refrigerated",
    3: "Frozen",
    4: "Other 1",
    5: "Other 2",
    6: "Other 3",
    7: "Other 4",
    8: "Other 5",
}

#: shippingTerm: 0/1/2/9, or a 4-digit "h1h2" range such as 1416 (14-16 h).
SHIPPING_TERM = {0: "なし", 1: "午前", 2: "午後", 9: "その他"}
SHIPPING_TERM_EN = {0: "None", 1: "Morning", 2: "Afternoon", 9: "Other"}

WRAPPING_TITLE = {1: "包装紙", 2: "リボン"}
WRAPPING_TITLE_EN = {1: "Wrapping paper", 2: "Ribbon"}

DUE_DATE_TYPE_EN = {0: "Payment", 1: "Payment method change", 2: "Refund"}

# --------------------------------------------------------------------------
# Prefectures -> Odoo base state codes (base.state_jp_jp-XX, code "XX")
# --------------------------------------------------------------------------
#: (JIS code, kanji name as RMS writes it, romaji name as Odoo base writes it)
PREFECTURES = (
    ("01", "北海道", "Hokkaido"),
    ("02", "青森県", "Aomori"),
    ("03", "岩手県", "Iwate"),
    ("04", "宮城県", "Miyagi"),
    ("05", "秋田県", "Akita"),
    ("06", "山形県", "Yamagata"),
    ("07", "福島県", "Fukushima"),
    ("08", "茨城県", "Ibaraki"),
    ("09", "栃木県", "Tochigi"),
    ("10", "群馬県", "Gunma"),
    ("11", "埼玉県", "Saitama"),
    ("12", "千葉県", "Chiba"),
    ("13", "東京都", "Tokyo"),
    ("14", "神奈川県", "Kanagawa"),
    ("15", "新潟県", "Niigata"),
    ("16", "富山県", "Toyama"),
    ("17", "石川県", "Ishikawa"),
    ("18", "福井県", "Fukui"),
    ("19", "山梨県", "Yamanashi"),
    ("20", "長野県", "Nagano"),
    ("21", "岐阜県", "Gifu"),
    ("22", "静岡県", "Shizuoka"),
    ("23", "愛知県", "Aichi"),
    ("24", "三重県", "Mie"),
    ("25", "滋賀県", "Shiga"),
    ("26", "京都府", "Kyoto"),
    ("27", "大阪府", "Osaka"),
    ("28", "兵庫県", "Hyogo"),
    ("29", "奈良県", "Nara"),
    ("30", "和歌山県", "Wakayama"),
    ("31", "鳥取県", "Tottori"),
    ("32", "島根県", "Shimane"),
    ("33", "岡山県", "Okayama"),
    ("34", "広島県", "Hiroshima"),
    ("35", "山口県", "Yamaguchi"),
    ("36", "徳島県", "Tokushima"),
    ("37", "香川県", "Kagawa"),
    ("38", "愛媛県", "Ehime"),
    ("39", "高知県", "Kochi"),
    ("40", "福岡県", "Fukuoka"),
    ("41", "佐賀県", "Saga"),
    ("42", "長崎県", "Nagasaki"),
    ("43", "熊本県", "Kumamoto"),
    ("44", "大分県", "Oita"),
    ("45", "宮崎県", "Miyazaki"),
    ("46", "鹿児島県", "Kagoshima"),
    ("47", "沖縄県", "Okinawa"),
)
PREFECTURE_TO_STATE_CODE = {kanji: code for code, kanji, _romaji in PREFECTURES}
STATE_CODE_TO_PREFECTURE = {code: kanji for code, kanji, _romaji in PREFECTURES}


def prefecture_state_code(name):
    """Odoo state code ('01'..'47') of a kanji prefecture name, or None.

    Tolerates surrounding (also full-width) spaces and a name without its
    suffix (東京 for 東京都, 大阪 for 大阪府); 北海道 has no suffix to drop.
    """
    if not name:
        return None
    name = name.strip()  # str.strip() also drops full-width spaces
    code = PREFECTURE_TO_STATE_CODE.get(name)
    if code is None:
        for full, full_code in PREFECTURE_TO_STATE_CODE.items():
            if full[:-1] == name and full[-1] in "都府県":
                return full_code
    return code
