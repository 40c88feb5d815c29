#!/usr/bin/env python3
"""A local emulator of the Rakuten RMS RakutenPay order API (楽天ペイ受注API).

The sandbox is the embedded default for demos, end-to-end tests and benchmarks. It follows
the paths, envelopes, message codes and limits described in ``ref/rms-api.md`` and keeps
its state in memory. It imports the standard library only (never ``rms`` nor ``odoo``), so
a client tested against it is not tested against itself.

Usage from Python::

    with RmsSandbox(seed=1) as sandbox:
        sandbox.generate_orders(200)
        client = RmsClient(sandbox.service_secret, sandbox.license_key, sandbox.url)

From a shell (demo credentials, runs in the foreground)::

    python tools/rms_sandbox.py --port 8099 --orders 200

Served endpoints (all need ``Authorization: ESA base64(secret:key)``)::

    POST /es/2.0/order/{searchOrder, getOrder, confirmOrder, updateOrderShipping,
                        updateOrderShippingAsync, getResultUpdateOrderShippingAsync,
                        cancelOrder, getPayment}/
    GET  /es/1.0/license-management/license-key/expiry-date?licenseKey=...

Sandbox choices where the public reference is silent (RMS's message-code list needs a
login, so these codes are the sandbox's own; clients should key on messageType and on
the documented codes only):

* Request-level validation: ``<PREFIX>_ERROR_009`` item missing, ``_010`` value empty,
  ``_011`` bad format or value (009/011 are documented for searchOrder, 010 is seen in
  public code). HTTP 400, nothing applied.
* searchOrder: ``_012`` start after end or span above 63 days, ``_013`` start more than
  730 days back, ``_014`` requested page starts beyond the 15,000th record.
* getOrder ``_012`` / confirmOrder ``_012`` / updateOrderShippingAsync ``_012``: more than
  100 orders in one call; updateOrderShippingAsync ``_013``: duplicate order number.
* Per-order ``_101``: unknown order number (getOrder, confirmOrder, updateOrderShipping,
  cancelOrder, getPayment). cancelOrder ``_102``: status not 100/200/300.
* updateOrderShipping: ``_103`` unknown basketId, ``_104`` unknown shippingDetailId,
  ``_105`` more than 20 rows in a basket, ``INFO_103`` row deleted. Any ERROR rejects
  the whole call (HTTP 400, nothing applied), as the public error sample shows.
* Single-order calls (updateOrderShipping, cancelOrder, getPayment) answer HTTP 400 when
  they fail; bulk calls (getOrder, confirmOrder) answer 200 with per-order ERROR messages.
* ES04-01 (API not enabled) is answered with HTTP 400; 5xx / 429 bodies use the gateway
  shape with sandbox codes ``SBX-500``, ``SBX-503``, ``SBX-429`` (the real bodies are not
  public).
* updateOrderShipping: a row carrying a shippingDate moves an order at 300 to 500 and sets
  shippingCmplRptDatetime; rows without a date (e.g. a carrier-only 1000 row) change no
  status. This is an ASSUMPTION: RMS's behaviour is an open question (rms-api.md §9.1).
  Shipping rows are accepted at every status except 800/900 (ERROR_102).
* updateOrderShippingAsync applies the work at once; the result becomes visible after
  ``async_delay_polls`` polls of getResultUpdateOrderShippingAsync.
* confirmOrder moves 100 -> ``confirm_moves_to`` (200 by default, like RMS's 楽天処理中).
* TaxSummaryModelList: ``point`` is 0 (as since 2022-04) so per-rate ``reqPrice`` is
  ``totalPrice + paymentCharge - couponPrice`` and their sum is requestPrice + usedPoint;
  the COD fee (deliveryPrice) is counted in the 10 % row's ``paymentCharge``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import collections
import copy
import functools
import json
import random
import re
import socket
import sys
import threading
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

__all__ = ["RmsSandbox", "JST", "fmt_dt", "parse_dt", "DELIVERY_COMPANIES", "main"]

JST = timezone(timedelta(hours=9), "JST")
UNDETERMINED = -9999
_DT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0900$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

SEARCH_SPAN_LIMIT = timedelta(days=63)
SEARCH_HISTORY_LIMIT = timedelta(days=730)
MAX_RECORDS_PER_PAGE = 1000
DEFAULT_RECORDS_PER_PAGE = 30
MAX_REACHABLE_RECORDS = 15000
MAX_ORDERS_PER_CALL = 100
MAX_SHIPPING_ROWS_PER_BASKET = 20
MAX_SHIPPING_NUMBER_LENGTH = 120
GET_ORDER_VERSIONS = range(3, 11)
GET_PAYMENT_VERSION = 4

ORDER_PROGRESS = (100, 200, 300, 400, 500, 600, 700, 800, 900)
ORDER_TYPES = (1, 4, 5, 6)
CANCELLED = (800, 900)
CANCELLABLE = (100, 200, 300)
INVENTORY_RESTORE_TYPES = (0, 1, 2)
CUSTOMER_CANCEL_REASONS = (1, 2, 3, 4, 5, 6)
SHOP_CANCEL_REASONS = (8, 10, 13, 14, 15)

DELIVERY_COMPANIES = {
    "1000": "その他", "1001": "ヤマト運輸", "1002": "佐川急便", "1003": "日本郵便",
    "1004": "西濃運輸", "1005": "セイノースーパーエクスプレス", "1006": "福山通運",
    "1007": "名鉄運輸", "1008": "トナミ運輸", "1009": "第一貨物", "1010": "新潟運輸",
    "1011": "中越運送", "1012": "岡山県貨物運送", "1013": "久留米運送",
    "1014": "山陽自動車運送", "1015": "NXトランスポート", "1016": "エコ配", "1017": "EMS",
    "1018": "DHL", "1019": "FedEx", "1020": "UPS", "1021": "日本通運", "1022": "TNT",
    "1023": "OCS", "1024": "USPS", "1025": "SFエクスプレス", "1026": "Aramex",
    "1027": "SGHグローバル・ジャパン", "1028": "Rakuten EXPRESS",
    "1029": "日本郵便 楽天倉庫出荷", "1030": "ヤマト運輸 クロネコゆうパケット",
    "1031": "名鉄NX運輸",
}

# Operation name -> message-code prefix.
#: Calls that add something on RMS (acted_503_rate applies to them).
ROW_ADDING_OPERATIONS = frozenset({"updateOrderShipping", "updateOrderShippingAsync", "cancelOrder"})
OPERATIONS = {
    "searchOrder": "ORDER_EXT_API_SEARCH_ORDER",
    "getOrder": "ORDER_EXT_API_GET_ORDER",
    "confirmOrder": "ORDER_EXT_API_CONFIRM_ORDER",
    "updateOrderShipping": "ORDER_EXT_API_UPDATE_ORDERSHIPPING",
    "updateOrderShippingAsync": "ORDER_EXT_API_UPDATE_ORDERSHIPPING_ASYNC",
    "getResultUpdateOrderShippingAsync": "ORDER_EXT_API_GET_RESULT_UPDATEORDERSHIPPING_ASYNC",
    "cancelOrder": "ORDER_EXT_API_CANCEL_ORDER",
    "getPayment": "ORDER_EXT_API_GET_PAYMENT",
}
LICENSE_PATH = "/es/1.0/license-management/license-key/expiry-date"
ORDER_PATH_PREFIX = "/es/2.0/order/"
UOS = OPERATIONS["updateOrderShipping"]

# Fields each getOrder version adds (a field is removed when the requested version is lower).
_ORDER_FIELDS_SINCE = {
    5: ("receiptIssueCount", "receiptIssueHistoryList", "DueDateModelList"),
    6: ("cautionDisplayDetailType",),
    8: ("deliveryCertPrgFlag", "oneDayOperationFlag"),
    10: ("socialGiftFlag",),
}
_ORDER_FIELDS_UNTIL_8 = ("goodsTax", "isTaxRecalc")  # dropped from version 8 on
_PACKAGE_FIELDS_SINCE = {
    4: ("defaultDeliveryCompanyCode",),
    9: ("dropOffFlag", "dropOffLocation"),
    10: ("SocialGiftModel",),
}
_PACKAGE_FIELDS_UNTIL_8 = ("goodsTax",)
_ITEM_FIELDS_SINCE = {4: ("isSingleItemShipping",), 7: ("SkuModelList",)}


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------
def fmt_dt(value):
    """Aware datetime -> RMS string ``YYYY-MM-DDThh:mm:ss+0900`` (None stays None)."""
    if value is None:
        return None
    return value.astimezone(JST).strftime("%Y-%m-%dT%H:%M:%S+0900")


@functools.lru_cache(maxsize=100000)
def _parse_dt_cached(text):
    if not _DT_RE.match(text):
        return None
    try:
        return datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=JST)
    except ValueError:
        return None


def parse_dt(text):
    """RMS datetime string -> aware datetime in JST, or None when absent or malformed."""
    if not isinstance(text, str):
        return None
    return _parse_dt_cached(text)


def _parse_date(text):
    if not isinstance(text, str) or not _DATE_RE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _msg(message_type, code, message, **extra):
    result = {"messageType": message_type, "messageCode": code, "message": message}
    result.update(extra)
    return result


def _gateway(code, message):
    return {"Results": {"errorCode": code, "message": message}}


def _tax_in(amount, pct):
    """Consumption tax contained in a tax-included amount (rounded down)."""
    return amount * pct // (100 + pct)


def _rate(pct):
    return {10: 0.1, 8: 0.08, 0: 0}[pct]


def _pct(rate):
    return int(round(float(rate) * 100))


_MISSING = object()


# ---------------------------------------------------------------------------
# data for the generator (fictitious shop, anonymised people)
# ---------------------------------------------------------------------------
# (prefecture, zipCode1, city, town)
PREFECTURES = (
    ("北海道", "060", "札幌市中央区", "北一条西"), ("青森県", "030", "青森市", "新町"),
    ("岩手県", "020", "盛岡市", "大通"), ("宮城県", "980", "仙台市青葉区", "一番町"),
    ("秋田県", "010", "秋田市", "中通"), ("山形県", "990", "山形市", "七日町"),
    ("福島県", "960", "福島市", "栄町"), ("茨城県", "310", "水戸市", "南町"),
    ("栃木県", "320", "宇都宮市", "馬場通り"), ("群馬県", "371", "前橋市", "本町"),
    ("埼玉県", "330", "さいたま市浦和区", "高砂"), ("千葉県", "260", "千葉市中央区", "富士見"),
    ("東京都", "160", "新宿区", "西新宿"), ("神奈川県", "231", "横浜市中区", "山下町"),
    ("新潟県", "951", "新潟市中央区", "古町通"), ("富山県", "930", "富山市", "総曲輪"),
    ("石川県", "920", "金沢市", "香林坊"), ("福井県", "910", "福井市", "中央"),
    ("山梨県", "400", "甲府市", "丸の内"), ("長野県", "380", "長野市", "大字鶴賀"),
    ("岐阜県", "500", "岐阜市", "神田町"), ("静岡県", "420", "静岡市葵区", "呉服町"),
    ("愛知県", "460", "名古屋市中区", "栄"), ("三重県", "514", "津市", "大門"),
    ("滋賀県", "520", "大津市", "浜大津"), ("京都府", "604", "京都市中京区", "河原町"),
    ("大阪府", "530", "大阪市北区", "梅田"), ("兵庫県", "650", "神戸市中央区", "三宮町"),
    ("奈良県", "630", "奈良市", "東向中町"), ("和歌山県", "640", "和歌山市", "本町"),
    ("鳥取県", "680", "鳥取市", "栄町"), ("島根県", "690", "松江市", "殿町"),
    ("岡山県", "700", "岡山市北区", "表町"), ("広島県", "730", "広島市中区", "紙屋町"),
    ("山口県", "753", "山口市", "中市町"), ("徳島県", "770", "徳島市", "新町橋"),
    ("香川県", "760", "高松市", "丸亀町"), ("愛媛県", "790", "松山市", "大街道"),
    ("高知県", "780", "高知市", "帯屋町"), ("福岡県", "810", "福岡市中央区", "天神"),
    ("佐賀県", "840", "佐賀市", "白山"), ("長崎県", "850", "長崎市", "浜町"),
    ("熊本県", "860", "熊本市中央区", "上通町"), ("大分県", "870", "大分市", "府内町"),
    ("宮崎県", "880", "宮崎市", "橘通西"), ("鹿児島県", "892", "鹿児島市", "東千石町"),
    ("沖縄県", "900", "那覇市", "久茂地"),
)
_FAR_PREFECTURES = ("北海道", "沖縄県")
FAMILY_NAMES = (
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
    ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
    ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ"),
    ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"), ("井上", "イノウエ"),
    ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
)
FIRST_NAMES = (
    ("太郎", "タロウ", "男"), ("花子", "ハナコ", "女"), ("翔太", "ショウタ", "男"),
    ("美咲", "ミサキ", "女"), ("大輔", "ダイスケ", "男"), ("陽菜", "ヒナ", "女"),
    ("健一", "ケンイチ", "男"), ("由美", "ユミ", "女"), ("蓮", "レン", "男"),
    ("結衣", "ユイ", "女"), ("直樹", "ナオキ", "男"), ("恵子", "ケイコ", "女"),
    ("拓也", "タクヤ", "男"), ("さくら", "サクラ", "女"), ("誠", "マコト", "男"),
    ("真由美", "マユミ", "女"),
)
BUILDINGS = ("", "", "", "メゾン桜", "グリーンハイツ", "サンライズマンション", "コーポ若葉")
REMARKS = (
    "[配送日時指定:]\n午前中",
    "不在の場合は宅配ボックスに入れてください。",
    "ギフト包装をお願いします。",
    "領収書の発行をお願いします。宛名:株式会社サンプル商事",
    "できるだけ早く届けてください。",
    "[配送日時指定:]\n19時〜21時\n[備考:]\n置き配希望",
    "熨斗(のし)の名入れ:山田",
)

# Catalog of a fictitious shop:
# (manageNumber, itemNumber, itemName, priceTaxIncl, tax %, 第一類医薬品, deliveryClass,
#  includePostageFlag, variants[(variantId, merchantDefinedSkuId, skuInfo)])
CATALOG = (
    ("tshirt-basic", "TS-001", "オーガニックコットン Tシャツ ベーシック", 2980, 10, False, 0, 0,
     (("ts-wh-m", "TS001-WH-M", "カラー:ホワイト\nサイズ:M"),
      ("ts-wh-l", "TS001-WH-L", "カラー:ホワイト\nサイズ:L"),
      ("ts-nv-m", "TS001-NV-M", "カラー:ネイビー\nサイズ:M"),
      ("ts-nv-l", "TS001-NV-L", "カラー:ネイビー\nサイズ:L"))),
    ("towel-face", "TW-010", "今治産 フェイスタオル 2枚組", 1650, 10, False, 0, 0,
     (("tw-bl", "TW010-BL", "カラー:ブルー"), ("tw-gy", "TW010-GY", "カラー:グレー"))),
    ("mug-hasami", "MG-200", "波佐見焼 マグカップ", 2420, 10, False, 0, 0,
     (("mug-hasami", "MG200", ""),)),
    ("tote-canvas", "BG-300", "帆布 トートバッグ", 4400, 10, False, 0, 1,
     (("tote-nat", "BG300-NA", "カラー:生成り"), ("tote-blk", "BG300-BK", "カラー:ブラック"))),
    ("socks-3p", "SK-050", "綿混 ソックス 3足組", 1100, 10, False, 0, 0,
     (("sk-s", "SK050-S", "サイズ:22-24cm"), ("sk-l", "SK050-L", "サイズ:25-27cm"))),
    ("umbrella-fold", "UM-020", "軽量 折りたたみ傘", 2750, 10, False, 0, 0,
     (("um-fold", "UM020", ""),)),
    ("sake-junmai", "SA-720", "純米吟醸酒 720ml", 1980, 10, False, 0, 0,
     (("sake-junmai", "SA720", ""),)),
    ("tea-sencha", "TE-100", "静岡県産 深蒸し煎茶 100g", 1080, 8, False, 0, 0,
     (("tea-sencha", "TE100", ""),)),
    ("rice-koshihikari", "RC-500", "新潟県産 コシヒカリ 5kg", 3480, 8, False, 0, 1,
     (("rice-koshihikari", "RC500", ""),)),
    ("coffee-beans", "CF-200", "スペシャルティコーヒー豆 200g", 1620, 8, False, 0, 0,
     (("cf-bean", "CF200-B", "挽き方:豆のまま"), ("cf-mid", "CF200-M", "挽き方:中挽き"))),
    ("wagyu-sukiyaki", "WG-500", "黒毛和牛 すき焼き用 500g", 5980, 8, False, 3, 1,
     (("wagyu-sukiyaki", "WG500", ""),)),
    ("mikan-5kg", "MK-005", "愛媛県産 みかん 5kg", 2980, 8, False, 0, 1,
     (("mikan-5kg", "MK005", ""),)),
    ("senbei-set", "SB-024", "手焼きせんべい 詰め合わせ 24枚", 1296, 8, False, 0, 0,
     (("senbei-set", "SB024", ""),)),
    ("yogurt-set", "YG-006", "生乳ヨーグルト 6個セット", 2160, 8, False, 2, 0,
     (("yogurt-set", "YG006", ""),)),
    ("drug-analgesic", "DR-012", "【第1類医薬品】解熱鎮痛薬 12錠", 748, 10, True, 0, 0,
     (("drug-analgesic", "DR012", ""),)),
    ("drug-hair", "DR-060", "【第1類医薬品】発毛剤 60mL", 7480, 10, True, 0, 0,
     (("drug-hair", "DR060", ""),)),
)
_NON_DRUG = tuple(i for i, c in enumerate(CATALOG) if not c[5])
_DRUG = tuple(i for i, c in enumerate(CATALOG) if c[5])

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


# ---------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "RmsSandbox/1.0"
    timeout = 120  # idle keep-alive connections are dropped after this
    # Headers and body leave in one segment: without these, Nagle + delayed ACK add ~40 ms
    # to many responses, which would make benchmarks measure the emulator, not the client.
    disable_nagle_algorithm = True
    wbufsize = 1 << 16
    sandbox = None  # set on the per-sandbox subclass

    def setup(self):
        super().setup()
        self.sandbox._track_connection(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.sandbox._track_connection(self.connection, False)

    def _serve(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length > 0 else b""
        status, headers, payload = self.sandbox._handle(self.command, self.path, self.headers, body)
        try:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True  # the client gave up (timeout fault): nothing to do

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        # Only the request line is logged (never headers, so never credentials).
        if self.sandbox.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))


class RmsSandbox:
    """In-memory RMS order API emulator served over HTTP on localhost.

    Fault switches (plain attributes, changeable while running): ``error_rate_5xx``,
    ``latency``, ``timeout_rate`` + ``timeout_sleep``, ``rate_limit_rate``,
    ``malformed_json_rate``, ``expired_license``, ``api_disabled``, ``retry_after``,
    ``maintenance`` (every call answers 503 ES01-02 "API In Maintenance" and does nothing),
    ``acted_503_rate`` (a row-adding call is carried out, then answered with a plain 503, as
    a gateway may after RMS acted).
    Hostile data on demand: :meth:`serve_as` makes getOrder answer any JSON value in place
    of an order.
    Behaviour knobs: ``async_delay_polls``, ``confirm_moves_to``, ``max_reachable_records``.
    ``calls`` counts every request served, by endpoint name.
    """

    shop_id = "999999"

    def __init__(self, service_secret="sandbox-secret", license_key="sandbox-key", *,
                 host="127.0.0.1", port=0, license_expiry=None, seed=0, clock=None):
        self.service_secret = service_secret
        self.license_key = license_key
        self.host = host
        self.port = port
        self.seed = seed
        self.clock = clock
        self.url = None
        self.verbose = False
        if license_expiry is None:
            self.license_expiry = (self.now() + timedelta(days=90)).date()
        elif isinstance(license_expiry, datetime):
            self.license_expiry = license_expiry.astimezone(JST).date() if license_expiry.tzinfo \
                else license_expiry.date()
        elif isinstance(license_expiry, date):
            self.license_expiry = license_expiry
        else:
            self.license_expiry = date.fromisoformat(str(license_expiry))
        # fault switches
        self.error_rate_5xx = 0.0
        self.latency = 0.0
        self.timeout_rate = 0.0
        self.timeout_sleep = 5.0
        # RMS's throttling answer is not publicly documented (rms-api.md §9.8): the sandbox
        # answers HTTP 429 with the gateway error shape.
        self.rate_limit_rate = 0.0
        self.malformed_json_rate = 0.0
        self.expired_license = False
        self.api_disabled = False
        self.retry_after = None  # seconds; sent as Retry-After on 429/503 when set
        self.maintenance = False
        self.acted_503_rate = 0.0
        #: order number -> the JSON value getOrder answers in place of that order
        self.served_as = {}
        # behaviour knobs
        self.async_delay_polls = 0
        self.confirm_moves_to = 200
        self.max_reachable_records = MAX_REACHABLE_RECORDS
        # state
        self.calls = collections.Counter()
        self.orders = {}
        self._meta = {}
        self._async = {}
        self._lock = threading.RLock()
        self._rng = random.Random(seed)
        self._fault_rng = random.Random("faults-%s" % seed)
        self._id_rng = random.Random("ids-%s" % seed)
        self._seq = 0
        self._next_ids = {"basket": 10000000, "item": 200000000, "shipping": 300000000,
                          "change": 400000000, "payment": 500000000}
        self._server = None
        self._thread = None
        self._connections = set()
        self._feed = None  # (thread, stop event) of start_order_feed

    def __repr__(self):  # never shows the credentials
        return "<RmsSandbox url=%r orders=%d>" % (self.url, len(self.orders))

    # -- life cycle ---------------------------------------------------------
    def start(self):
        """Start serving in a background thread; returns the base URL ``http://host:port/es/``."""
        if self._server is not None:
            return self.url
        handler = type("SandboxHandler", (_Handler,), {"sandbox": self})
        server = ThreadingHTTPServer((self.host, self.port), handler)
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        self.url = "http://%s:%d/es/" % (self.host, self.port)
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="rms-sandbox-%d" % self.port, daemon=True)
        self._thread.start()
        return self.url

    def stop(self):
        """Stop serving (and the order feed) and drop open keep-alive connections. Safe to
        call twice."""
        self.stop_order_feed()
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def _track_connection(self, conn, opened):
        with self._lock:
            if opened:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # -- time ---------------------------------------------------------------
    def now(self):
        """Current time as an aware JST datetime (from ``clock`` when given)."""
        clock = self.clock
        if clock is None:
            value = datetime.now(JST)
        elif isinstance(clock, datetime):
            value = clock
        else:
            value = clock()
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)  # naive means UTC, as in the addon
        return value.astimezone(JST)

    def license_expired(self):
        end = datetime(self.license_expiry.year, self.license_expiry.month,
                       self.license_expiry.day, 23, 59, 59, tzinfo=JST)
        return self.now() > end

    # -- helpers for tests and demos ------------------------------------------
    def reset_counters(self):
        """Forget the calls served so far (``calls`` becomes empty)."""
        with self._lock:
            self.calls.clear()

    def _new_id(self, kind):
        self._next_ids[kind] += 1
        return self._next_ids[kind]

    def set_progress(self, order_number, progress):
        """Move an order to ``progress``, stamping the dates RMS would have set."""
        if progress not in ORDER_PROGRESS:
            raise ValueError("unknown orderProgress %r" % (progress,))
        with self._lock:
            order = self.orders[order_number]
            now = fmt_dt(self.now())
            order["orderProgress"] = progress
            if 200 <= progress <= 700:
                order["shopOrderCfmDatetime"] = order.get("shopOrderCfmDatetime") or now
            if 300 <= progress <= 700:
                order["orderFixDatetime"] = order.get("orderFixDatetime") or now
            if 500 <= progress <= 700:
                order["shippingCmplRptDatetime"] = order.get("shippingCmplRptDatetime") or now
            if progress in CANCELLED:
                reasons = order.setdefault("ChangeReasonModelList", [])
                cancel = next((r for r in reasons if r.get("changeType") in (0, 1, 2)), None)
                if cancel is None:
                    cancel = self._change_reason(0 if progress == 800 else 1, 6, now)
                    reasons.append(cancel)
                if progress == 900:
                    cancel["changeType"] = 1
                    cancel["changeFixDatetime"] = cancel.get("changeFixDatetime") or now

    def set_payment_status(self, order_number, status):
        """Force the getPayment paymentStatus of an order (None = derive it from the order)."""
        with self._lock:
            if order_number not in self.orders:
                raise KeyError(order_number)
            self._meta.setdefault(order_number, {})["payment_status"] = status

    def add_order(self, order=None, **fields):
        """Add one order; returns its order number.

        ``order`` may be a complete OrderModel dict (e.g. a fixture: stored as a deep copy),
        or omitted / partial: then a realistic order is generated and the given top-level
        fields (``order`` keys and keyword arguments) replace the generated ones as they are
        (amounts are not recomputed).
        """
        fields = dict(order or {}, **fields)
        with self._lock:
            if "PackageModelList" in fields and "orderNumber" in fields:
                model = copy.deepcopy(fields)
            else:
                model, _meta = self._make_order(self.now(), 24, DEFAULT_MIX, None)
                model.update(copy.deepcopy(fields))
            number = model.get("orderNumber")
            if not isinstance(number, str) or not number:
                raise ValueError("an order needs an orderNumber string")
            if number in self.orders:
                raise ValueError("order %s already exists" % number)
            self.orders[number] = model
            self._meta[number] = {"payment_number": self._new_id("payment")}
            return number

    def serve_as(self, order_number, value):
        """From now on getOrder answers ``value`` (any JSON value: ``None``, a string, an
        order with broken fields...) in OrderModelList in place of order ``order_number``,
        which searchOrder still finds as it is. ``value=...`` (Ellipsis) serves the order again."""
        with self._lock:
            if order_number not in self.orders:
                raise KeyError(order_number)
            if value is Ellipsis:
                self.served_as.pop(order_number, None)
            else:
                self.served_as[order_number] = copy.deepcopy(value)

    def generate_orders(self, n, *, now=None, mix=None, hours=24):
        """Generate ``n`` realistic orders placed over the ``hours`` before ``now``.

        ``mix`` overrides entries of DEFAULT_MIX: weight tables for ``payment`` (card, bank,
        deferred, cod), ``order_type``, ``progress``, ``packages``, ``items`` (item lines per
        package, 1 to 14; absent: 1/2/3 at 60/30/10 %), and probabilities for the
        flags (asuraku, drug, postage_undetermined, remarks, shop_coupon, rakuten_coupon,
        points, wrapping, gift, delivery_date, caution, rakuten_confirm). Deterministic for a
        given seed and call sequence. Returns the new order numbers.
        """
        table = dict(DEFAULT_MIX)
        table.update(mix or {})
        now = now or self.now()
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)  # naive means UTC, as in the addon
        now = now.astimezone(JST).replace(microsecond=0)
        numbers = []
        with self._lock:
            prefecture_order = self._rng.sample(range(len(PREFECTURES)), len(PREFECTURES))
            for index in range(n):
                pref = prefecture_order[index] if index < len(prefecture_order) else None
                model, meta = self._make_order(now, hours, table, pref)
                number = model["orderNumber"]
                self.orders[number] = model
                self._meta[number] = meta
                numbers.append(number)
        return numbers

    # -- demo feed and saved state ----------------------------------------------
    def start_order_feed(self, interval=60.0, count=(1, 3), *, age=timedelta(0), mix=None,
                         advance_after=None, shop_confirms_after=None, on_tick=None):
        """Keep placing new orders, as a live shop does: every ``interval`` seconds, between
        ``count[0]`` and ``count[1]`` orders placed ``age`` before now (e.g. 31 minutes, so
        that they are already past the buyer's cancellation window), with ``mix`` as in
        :meth:`generate_orders`. With ``advance_after`` (a timedelta), each round also does
        what Rakuten does once it has processed a confirmed order: orders at 200 (楽天処理中)
        confirmed longer ago than that move to 300 (発送待ち), which settles 楽天ペイ payments.
        With ``shop_confirms_after``, 選択制 orders (代金引換 …), which an OMS imports only at
        300, are confirmed that long after they were placed, as the shop does in RMS.
        ``on_tick(numbers)`` is called after each round (e.g. to save the state). Runs in a
        daemon thread until :meth:`stop_order_feed` or :meth:`stop`; a second call replaces
        the running feed."""
        self.stop_order_feed()
        low, high = count
        stop = threading.Event()

        def feed():
            while not stop.wait(interval):
                with self._lock:
                    if shop_confirms_after is not None:
                        self.confirm_selectable_orders(shop_confirms_after)
                    if advance_after is not None:
                        self.advance_confirmed_orders(advance_after)
                    n = self._rng.randint(low, high)
                    numbers = self.generate_orders(n, now=self.now() - age, mix=mix, hours=0)
                if on_tick is not None:
                    on_tick(numbers)

        thread = threading.Thread(target=feed, name="rms-sandbox-feed", daemon=True)
        self._feed = (thread, stop)
        thread.start()
        return thread

    def advance_confirmed_orders(self, after):
        """Move the orders at 200 (楽天処理中) that the shop confirmed more than ``after`` (a
        timedelta) ago to 300 (発送待ち); returns their numbers."""
        limit = self.now() - after
        with self._lock:
            numbers = [
                number for number, order in self.orders.items()
                if order.get("orderProgress") == 200
                and (parse_dt(order.get("shopOrderCfmDatetime")) or limit) <= limit
            ]
            for number in numbers:
                self.set_progress(number, 300)
        return numbers

    def confirm_selectable_orders(self, after):
        """Confirm, as a shop does in RMS, the 選択制 orders (rpaySettlementFlag 0) waiting at
        100 that were placed more than ``after`` (a timedelta) ago: they move to 200 (楽天処理中).
        Returns their numbers."""
        limit = self.now() - after
        with self._lock:
            numbers = [
                number for number, order in self.orders.items()
                if order.get("orderProgress") == 100
                and (order.get("SettlementModel") or {}).get("rpaySettlementFlag") == 0
                and (parse_dt(order.get("orderDatetime")) or limit) <= limit
                and order.get("postagePrice") != UNDETERMINED  # RMS cannot confirm those
            ]
            for number in numbers:
                self.set_progress(number, 200)
        return numbers

    def stop_order_feed(self):
        """Stop the feed of :meth:`start_order_feed` (nothing happens when none runs)."""
        feed, self._feed = self._feed, None
        if feed is not None:
            feed[1].set()
            if feed[0] is not threading.current_thread():
                feed[0].join(timeout=5)

    def dump_state(self):
        """The orders and counters as a JSON-serialisable dict (credentials excluded), so a
        demo can stop and start again with the orders its database already knows."""
        with self._lock:
            return copy.deepcopy({
                "orders": self.orders,
                "meta": self._meta,
                "seq": self._seq,
                "next_ids": self._next_ids,
            })

    def load_state(self, state):
        """Restore a :meth:`dump_state` result: its orders replace the current ones and the
        counters never go back, so new order numbers and ids stay unique."""
        with self._lock:
            self.orders.clear()
            self.orders.update(copy.deepcopy(dict(state.get("orders") or {})))
            self._meta.clear()
            self._meta.update(copy.deepcopy(dict(state.get("meta") or {})))
            self._seq = max(self._seq, int(state.get("seq") or 0))
            for kind, value in (state.get("next_ids") or {}).items():
                if kind in self._next_ids:
                    self._next_ids[kind] = max(self._next_ids[kind], int(value))

    # -- generator ------------------------------------------------------------
    def _person(self, rng, pref_index=None):
        family, family_kana = rng.choice(FAMILY_NAMES)
        first, first_kana, sex = rng.choice(FIRST_NAMES)
        if pref_index is None:
            pref_index = rng.randrange(len(PREFECTURES))
        prefecture, zip1, city, town = PREFECTURES[pref_index]
        building = rng.choice(BUILDINGS)
        sub = "%s%d-%d-%d" % (town, rng.randint(1, 9), rng.randint(1, 30), rng.randint(1, 20))
        if building:
            sub += " %s%d0%d" % (building, rng.randint(1, 9), rng.randint(1, 9))
        if rng.random() < 0.6:
            phone = ("0%d0" % rng.choice((7, 8, 9)), "%04d" % rng.randint(0, 9999),
                     "%04d" % rng.randint(0, 9999))
        else:
            phone = ("0%d" % rng.randint(11, 99), "%04d" % rng.randint(0, 9999),
                     "%04d" % rng.randint(0, 9999))
        return {
            "zipCode1": zip1, "zipCode2": "%04d" % rng.randint(0, 9999),
            "prefecture": prefecture, "city": city, "subAddress": sub,
            "familyName": family, "firstName": first,
            "familyNameKana": family_kana, "firstNameKana": first_kana,
            "phoneNumber1": phone[0], "phoneNumber2": phone[1], "phoneNumber3": phone[2],
        }, sex

    def _item(self, rng, catalog_index, units):
        (manage, number, name, price, pct, drug, _dclass, incl_postage, variants) = \
            CATALOG[catalog_index]
        variant_id, sku_id, sku_info = rng.choice(variants)
        return {
            "itemDetailId": self._new_id("item"),
            "itemName": name,
            "itemId": 100000 + catalog_index,
            "itemNumber": number,
            "manageNumber": manage,
            "price": price,
            "units": units,
            "includePostageFlag": incl_postage,
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
            "SkuModelList": [{"variantId": variant_id, "merchantDefinedSkuId": sku_id,
                              "skuInfo": sku_info}],
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

    def _make_order(self, now, hours, mix, pref_index):  # noqa: C901 (one flat recipe)
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
            return start + timedelta(seconds=rng.randint(min(60, span), span) if span else 0)

        self._seq += 1
        order_number = "%s-%s-%06d01" % (self.shop_id, ordered_at.strftime("%Y%m%d"), self._seq)

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
            picks = rng.sample(_NON_DRUG, nitems)
            if drug and p == 0:
                picks[0] = rng.choice(_DRUG)
            items = [self._item(rng, i, rng.choices((1, 2, 3), weights=(0.75, 0.2, 0.05))[0])
                     for i in picks]
            packages.append({"sender": sender, "items": items, "catalog": picks})

        # money
        wrapping = None
        if rng.random() < mix["wrapping"]:
            wrapping = {"title": 1, "name": "包装紙（季節柄）", "price": 330, "includeTaxFlag": 1,
                        "deleteWrappingFlag": 0, "taxRate": 0.1}
        coupons = []
        all_items = [it for pk in packages for it in pk["items"]]
        for capital_code, capital, key in ((1, "ショップ", "shop_coupon"),
                                           (3, "サービス", "rakuten_coupon")):
            if rng.random() >= mix[key]:
                continue
            target = rng.choice(all_items)
            already = sum(c["couponTotalPrice"] for c in coupons
                          if c["itemDetailId"] == target["itemDetailId"])
            room = target["priceTaxIncl"] * target["units"] - already
            price = min(rng.choice((100, 200, 300, 500, 1000)), room)
            if price <= 0:
                continue
            coupons.append({
                "couponCode": "%s-%s" % ("SHOP" if capital_code == 1 else "RAKUTEN",
                                         "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789",
                                                             k=10))),
                "itemId": target["itemId"],
                "couponName": "%d円OFFクーポン" % price,
                "couponSummary": "%d円OFF" % price,
                "couponCapital": capital,
                "couponCapitalCode": capital_code,
                "expiryDate": fmt_dt((now + timedelta(days=30)).replace(hour=23, minute=59, second=59)),
                "couponPrice": price,
                "couponUnit": 1,
                "couponTotalPrice": price,
                "itemDetailId": target["itemDetailId"],
            })
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
                postage = 1320 if pk["sender"]["prefecture"] in _FAR_PREFECTURES else 660
            dclass = max(CATALOG[i][6] for i in pk["catalog"])
            package_models.append({
                "basketId": self._new_id("basket"),
                "postagePrice": postage,
                "postageTaxRate": 0.1,
                "deliveryPrice": 0,
                "deliveryTaxRate": 0.1,
                "goodsTax": sum(_tax_in(it["priceTaxIncl"] * it["units"], _pct(it["taxRate"]))
                                for it in pk["items"]) + (_tax_in(wrapping["price"], 10)
                                                          if p == 0 and wrapping else 0),
                "goodsPrice": goods,
                "totalPrice": UNDETERMINED if undetermined else goods + postage,
                "noshi": "御祝" if gift and p > 0 else None,
                "packageDeleteFlag": 0,
                "SenderModel": pk["sender"],
                "ItemModelList": pk["items"],
                "ShippingModelList": [],
                "DeliveryCvsModel": None,
                "defaultDeliveryCompanyCode": "1003" if dclass == 0 and rng.random() < 0.3 else "1001",
                "dropOffFlag": 0,
                "dropOffLocation": None,
                "SocialGiftModel": None,
                "_dclass": dclass,
            })
        goods_price = sum(pm["goodsPrice"] for pm in package_models)
        postage_price = UNDETERMINED if undetermined else sum(pm["postagePrice"] for pm in package_models)
        coupon_shop = sum(c["couponTotalPrice"] for c in coupons if c["couponCapitalCode"] == 1)
        coupon_other = sum(c["couponTotalPrice"] for c in coupons if c["couponCapitalCode"] != 1)
        coupon_all = coupon_shop + coupon_other
        base = goods_price + (0 if undetermined else postage_price) - coupon_all
        used_point = 0
        if rng.random() < mix["points"]:
            used_point = min(rng.choice((1, 50, 100, 300, 500, 1000, 2000)), max(0, base - 1))
        cod_fee = 0
        if kind == "cod":
            due = base - used_point
            cod_fee = 330 if due < 10000 else 440 if due < 30000 else 660 if due < 100000 else 1100
            package_models[0]["deliveryPrice"] = cod_fee
        payment_charge = 0
        total_price = UNDETERMINED if undetermined else goods_price + postage_price
        request_price = UNDETERMINED if undetermined else \
            total_price + cod_fee + payment_charge - coupon_all - used_point

        # tax summary per rate
        by_rate = collections.OrderedDict()
        for pct in (10, 8):
            amount = sum(it["priceTaxIncl"] * it["units"] for it in all_items
                         if _pct(it["taxRate"]) == pct)
            coupon = sum(c["couponTotalPrice"] for c in coupons for it in all_items
                         if it["itemDetailId"] == c["itemDetailId"] and _pct(it["taxRate"]) == pct)
            charge = 0
            if pct == 10:
                amount += (wrapping["price"] if wrapping else 0)
                amount += 0 if undetermined else postage_price
                charge = cod_fee + payment_charge
            if amount or charge or coupon or (pct == 10 and undetermined):
                by_rate[pct] = (amount, charge, coupon)
        tax_summaries = []
        for pct, (amount, charge, coupon) in by_rate.items():
            req = amount + charge - coupon
            tax_summaries.append({
                "taxRate": _rate(pct),
                "reqPrice": UNDETERMINED if undetermined else req,
                "reqPriceTax": UNDETERMINED if undetermined else _tax_in(req, pct),
                "totalPrice": UNDETERMINED if undetermined else amount,
                "paymentCharge": charge,
                "couponPrice": coupon,
                "point": 0,
            })

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
                pm["ShippingModelList"].append({
                    "shippingDetailId": self._new_id("shipping"),
                    "shippingNumber": "%012d" % rng.randint(10 ** 11, 10 ** 12 - 1),
                    "deliveryCompany": company,
                    "deliveryCompanyName": DELIVERY_COMPANIES[company],
                    "shippingDate": cmpl.date().isoformat(),
                })
        if progress in CANCELLED:
            if rng.random() < 0.5:
                cfm = between(ordered_at, now)
            applied = between(cfm or ordered_at, now)
            reason = rng.choice((1, 1, 1, 4, 8, 10))
            change = self._change_reason(0 if progress == 800 else 1, reason, fmt_dt(applied))
            if progress == 900:
                change["changeFixDatetime"] = fmt_dt(between(applied, now))
            changes.append(change)
        for pm in package_models:
            pm.pop("_dclass")

        reserve_number = None
        reserve_count = None
        if order_type in (4, 5, 6):
            reserve_number = "%010d" % rng.randint(10 ** 9, 10 ** 10 - 1)
            reserve_count = 1 if order_type == 6 else rng.randint(1, 12)
        delivery_date = None
        if order_type == 6:
            delivery_date = (ordered_at + timedelta(days=rng.randint(14, 45))).date().isoformat()
        elif asuraku:
            delivery_date = (ordered_at + timedelta(days=1)).date().isoformat()
        elif rng.random() < mix["delivery_date"]:
            delivery_date = (ordered_at + timedelta(days=rng.randint(3, 10))).date().isoformat()
        caution = rng.random() < mix["caution"]
        settlement = {
            "settlementMethodCode": method_code,
            "settlementMethod": method_name,
            "rpaySettlementFlag": rpay,
            "cardName": None, "cardNumber": None, "cardOwner": None, "cardYm": None,
            "cardPayType": None, "cardInstallmentDesc": None,
        }
        if kind == "card":
            settlement.update({
                "cardName": rng.choice(CARD_BRANDS),
                "cardNumber": "XXXX-XXXX-XXXX-%04d" % rng.randint(0, 9999),
                "cardOwner": "XXXXXXXX",
                "cardYm": "%04d-%02d" % (now.year + rng.randint(1, 5), rng.randint(1, 12)),
                "cardPayType": 0,
                "cardInstallmentDesc": None,
            })
        dclass = max(CATALOG[i][6] for pk in packages for i in pk["catalog"])
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
            "shippingTerm": 0 if asuraku else rng.choice((0, 0, 0, 0, 1, 2, 1416, 1820, 1921)),
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
            "DeliveryModel": {"deliveryName": "クール便" if dclass in (2, 3) else "宅配便",
                              "deliveryClass": dclass},
            "PointModel": {"usedPoint": used_point},
            "WrappingModel1": wrapping,
            "WrappingModel2": None,
            "PackageModelList": package_models,
            "CouponModelList": coupons,
            "ChangeReasonModelList": changes,
            "TaxSummaryModelList": tax_summaries,
            "DueDateModelList": ([{"dueDateType": 0,
                                   "dueDate": (ordered_at + timedelta(days=7)).date().isoformat()}]
                                 if kind == "bank" else []),
        }
        meta = {"payment_number": self._new_id("payment")}
        return order, meta

    # -- request handling -----------------------------------------------------
    @staticmethod
    def _endpoint_name(path):
        if path.rstrip("/") == LICENSE_PATH:
            return "licenseExpiry"
        if path.startswith(ORDER_PATH_PREFIX):
            op = path[len(ORDER_PATH_PREFIX):].strip("/")
            if op and "/" not in op:
                return op
        return "unknown"

    def _roll(self, rate):
        return rate > 0 and self._fault_rng.random() < rate

    def _auth_ok(self, header):
        if not header or not header.startswith("ESA "):
            return False
        try:
            decoded = base64.b64decode(header[4:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return False
        return decoded == "%s:%s" % (self.service_secret, self.license_key)

    def _handle(self, method, raw_path, headers, body):
        """Serve one request: returns (status, [(header, value)], body bytes)."""
        parts = urlsplit(raw_path)
        endpoint = self._endpoint_name(parts.path)
        with self._lock:
            self.calls[endpoint] += 1
            timeout = self._roll(self.timeout_rate)
            fail_5xx = self._roll(self.error_rate_5xx)
            status_5xx = 503 if fail_5xx and self._fault_rng.random() < 0.5 else 500
            limited = self._roll(self.rate_limit_rate)
            malformed = self._roll(self.malformed_json_rate)
        if self.latency > 0:
            time.sleep(self.latency)
        if timeout:
            time.sleep(self.timeout_sleep)
        if fail_5xx:
            text = "Service Unavailable" if status_5xx == 503 else "Internal Server Error"
            return self._reply(status_5xx, _gateway("SBX-%d" % status_5xx, text),
                               retry=status_5xx == 503)
        if limited:
            return self._reply(429, _gateway("SBX-429", "Too Many Requests"), retry=True)
        if self.expired_license or self.license_expired() or \
                not self._auth_ok(headers.get("Authorization")):
            return self._reply(401, _gateway("ES01-01", "Un-Authorised"))
        if self.api_disabled:
            return self._reply(400, _gateway("ES04-01", "Bad Request"))
        if self.maintenance:
            return self._reply(503, _gateway("ES01-02", "API In Maintenance"), retry=True)
        if endpoint == "licenseExpiry":
            if method != "GET":
                return self._reply(405, _gateway("SBX-405", "Method Not Allowed"))
            return self._finish(self._license_expiry(parse_qs(parts.query)), malformed)
        if endpoint not in OPERATIONS:
            return self._reply(404, _gateway("SBX-404", "Not Found"))
        if method != "POST":
            return self._reply(405, _gateway("SBX-405", "Method Not Allowed"))
        prefix = OPERATIONS[endpoint]
        try:
            request = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (UnicodeDecodeError, ValueError):
            request = None
        if not isinstance(request, dict):
            return self._finish((400, {"MessageModelList": [
                _msg("ERROR", prefix + "_ERROR_011", "リクエストの書式が不正です。")]}), malformed)
        handler = getattr(self, "_op_" + endpoint)
        with self._lock:
            status, payload = handler(request)
            try:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:  # an unpaired surrogate (serve_as): escaped, as JSON allows
                data = json.dumps(payload).encode("ascii")
            acted_503 = endpoint in ROW_ADDING_OPERATIONS and self._roll(self.acted_503_rate)
        if acted_503:  # the work is done; the answer is lost behind a gateway error
            return self._reply(503, _gateway("SBX-503", "Service Unavailable"), retry=True)
        return self._finish((status, data), malformed)

    def _reply(self, status, payload, retry=False):
        headers = [("Content-Type", "application/json;charset=UTF-8")]
        if retry and self.retry_after is not None:
            headers.append(("Retry-After", str(self.retry_after)))
        return status, headers, json.dumps(payload, ensure_ascii=False).encode("utf-8")

    def _finish(self, result, malformed):
        status, payload = result
        data = payload if isinstance(payload, bytes) else \
            json.dumps(payload, ensure_ascii=False).encode("utf-8")
        if malformed:
            data = data[: max(1, len(data) // 2)]  # a truncated JSON document
        return status, [("Content-Type", "application/json;charset=UTF-8")], data

    # -- license ----------------------------------------------------------------
    def _license_expiry(self, query):
        keys = query.get("licenseKey") or []
        if not keys or keys[0] != self.license_key:
            return 400, _gateway("ES04-01", "Bad Request")
        return 200, {"expiryDate": "%sT23:59:59" % self.license_expiry.isoformat()}

    # -- validation helpers -------------------------------------------------------
    @staticmethod
    def _required(request, key, errors, prefix):
        """Value of a required item, or _MISSING after recording ERROR 009/010."""
        if key not in request:
            errors.append(_msg("ERROR", prefix + "_ERROR_009", "%sの項目を指定して下さい。" % key))
            return _MISSING
        value = request[key]
        if value is None or value == "" or value == []:
            errors.append(_msg("ERROR", prefix + "_ERROR_010", "%sの値を指定して下さい。" % key))
            return _MISSING
        return value

    @staticmethod
    def _bad(errors, prefix, key, **extra):
        errors.append(_msg("ERROR", prefix + "_ERROR_011", "%sの書式が不正です。" % key, **extra))

    def _order_number_list(self, request, errors, prefix):
        numbers = self._required(request, "orderNumberList", errors, prefix)
        if numbers is _MISSING:
            return None
        if not isinstance(numbers, list) or not all(isinstance(n, str) and n for n in numbers):
            self._bad(errors, prefix, "orderNumberList")
            return None
        if len(numbers) > MAX_ORDERS_PER_CALL:
            errors.append(_msg("ERROR", prefix + "_ERROR_012",
                               "orderNumberListは%d件以下で指定して下さい。" % MAX_ORDERS_PER_CALL))
            return None
        return numbers

    # -- searchOrder ---------------------------------------------------------------
    def _op_searchOrder(self, request):  # noqa: C901 (validation is a flat list)
        prefix = OPERATIONS["searchOrder"]
        errors = []
        date_type = self._required(request, "dateType", errors, prefix)
        if date_type is not _MISSING and (not _is_int(date_type) or not 1 <= date_type <= 6):
            self._bad(errors, prefix, "dateType")
        bounds = {}
        for key in ("startDatetime", "endDatetime"):
            value = self._required(request, key, errors, prefix)
            if value is _MISSING:
                continue
            parsed = parse_dt(value)
            if parsed is None:
                self._bad(errors, prefix, key)
            else:
                bounds[key] = parsed
        start, end = bounds.get("startDatetime"), bounds.get("endDatetime")
        if start and end:
            if start > end:
                errors.append(_msg("ERROR", prefix + "_ERROR_012",
                                   "startDatetimeはendDatetime以前の日時を指定して下さい。"))
            elif end - start > SEARCH_SPAN_LIMIT:
                errors.append(_msg("ERROR", prefix + "_ERROR_012",
                                   "期間検索の範囲は63日以内で指定して下さい。"))
            if start < self.now() - SEARCH_HISTORY_LIMIT:
                errors.append(_msg("ERROR", prefix + "_ERROR_013",
                                   "startDatetimeは過去730日以内の日時を指定して下さい。"))
        filters = {}
        for key, allowed in (("orderProgressList", ORDER_PROGRESS), ("orderTypeList", ORDER_TYPES)):
            value = request.get(key)
            if value is None:
                continue
            if not isinstance(value, list) or not all(_is_int(v) and v in allowed for v in value):
                self._bad(errors, prefix, key)
            elif value:
                filters[key] = set(value)
        value = request.get("settlementMethod")
        if value is not None:
            if _is_int(value):
                filters["settlementMethod"] = value
            else:
                self._bad(errors, prefix, "settlementMethod")
        for key in ("asurakuFlag", "couponUseFlag", "drugFlag", "shippingDateBlankFlag",
                    "shippingNumberBlankFlag"):
            value = request.get(key)
            if value is None:
                continue
            if value not in (0, 1) or not _is_int(value):
                self._bad(errors, prefix, key)
            elif value == 1:
                filters[key] = True
        amount, page, descending = DEFAULT_RECORDS_PER_PAGE, 1, False
        paging = request.get("PaginationRequestModel")
        if paging is not None and not isinstance(paging, dict):
            self._bad(errors, prefix, "PaginationRequestModel")
        elif paging:
            value = paging.get("requestRecordsAmount")
            if value is not None:
                if not _is_int(value) or not 1 <= value <= MAX_RECORDS_PER_PAGE:
                    self._bad(errors, prefix, "requestRecordsAmount")
                else:
                    amount = value
            value = paging.get("requestPage")
            if value is not None:
                if not _is_int(value) or value < 1:
                    self._bad(errors, prefix, "requestPage")
                else:
                    page = value
            sorts = paging.get("SortModelList")
            if sorts is not None:
                if not isinstance(sorts, list):
                    self._bad(errors, prefix, "SortModelList")
                else:
                    for sort in sorts:
                        if not isinstance(sort, dict) or sort.get("sortColumn") != 1:
                            self._bad(errors, prefix, "sortColumn")
                        elif sort.get("sortDirection") not in (1, 2):
                            self._bad(errors, prefix, "sortDirection")
                        else:
                            descending = sort["sortDirection"] == 2
        if not errors and (page - 1) * amount >= self.max_reachable_records:
            errors.append(_msg("ERROR", prefix + "_ERROR_014",
                               "検索結果の%d件目以降は取得できません。検索条件を絞り込んで下さい。"
                               % self.max_reachable_records))
        if errors:
            return 400, {"orderNumberList": None, "MessageModelList": errors,
                         "PaginationResponseModel": None}

        hits = []
        for number, order in self.orders.items():
            if not self._in_window(order, date_type, start, end, number):
                continue
            if "orderProgressList" in filters and order.get("orderProgress") not in filters["orderProgressList"]:
                continue
            if "orderTypeList" in filters and order.get("orderType") not in filters["orderTypeList"]:
                continue
            if "settlementMethod" in filters and \
                    (order.get("SettlementModel") or {}).get("settlementMethodCode") != filters["settlementMethod"]:
                continue
            if "asurakuFlag" in filters and order.get("asurakuFlag") != 1:
                continue
            if "couponUseFlag" in filters and not order.get("CouponModelList"):
                continue
            if "drugFlag" in filters and order.get("drugFlag") != 1:
                continue
            rows = [s for p in order.get("PackageModelList") or [] for s in p.get("ShippingModelList") or []]
            if "shippingDateBlankFlag" in filters and any(s.get("shippingDate") for s in rows):
                continue
            if "shippingNumberBlankFlag" in filters and any(s.get("shippingNumber") for s in rows):
                continue
            hits.append((parse_dt(order.get("orderDatetime")) or datetime.min.replace(tzinfo=JST), number))
        if not hits:
            return 200, {"orderNumberList": [], "MessageModelList": [
                _msg("INFO", prefix + "_INFO_102", "注文検索に成功しました。(検索結果0件)")],
                "PaginationResponseModel": {"totalRecordsAmount": None, "totalPages": None,
                                            "requestPage": None}}
        hits.sort(reverse=descending)
        total = len(hits)
        first = (page - 1) * amount
        last = min(first + amount, total, self.max_reachable_records)
        numbers = [number for _dt, number in hits[first:last]]
        return 200, {
            "orderNumberList": numbers,
            "MessageModelList": [_msg("INFO", prefix + "_INFO_101", "注文検索に成功しました。")],
            "PaginationResponseModel": {"totalRecordsAmount": total,
                                        "totalPages": -(-total // amount), "requestPage": page},
        }

    def _in_window(self, order, date_type, start, end, number):
        if date_type == 4:
            for package in order.get("PackageModelList") or []:
                for row in package.get("ShippingModelList") or []:
                    day = _parse_date(row.get("shippingDate"))
                    if day is not None:
                        moment = datetime(day.year, day.month, day.day, tzinfo=JST)
                        if start <= moment <= end:
                            return True
            return False
        if date_type == 6:
            moment = self._settlement_datetime(order, number)
        else:
            key = {1: "orderDatetime", 2: "shopOrderCfmDatetime", 3: "orderFixDatetime",
                   5: "shippingCmplRptDatetime"}[date_type]
            moment = parse_dt(order.get(key))
        return moment is not None and start <= moment <= end

    def _settlement_datetime(self, order, number):
        """決済確定日: when Rakuten fixed the payment (楽天ペイ orders from 300 on)."""
        meta = self._meta.get(number) or {}
        if meta.get("settlement_datetime"):
            return parse_dt(meta["settlement_datetime"])
        settlement = order.get("SettlementModel") or {}
        if settlement.get("rpaySettlementFlag") == 1 and 300 <= order.get("orderProgress", 0) <= 700:
            return parse_dt(order.get("orderFixDatetime"))
        return None

    # -- getOrder ----------------------------------------------------------------------
    def _op_getOrder(self, request):
        prefix = OPERATIONS["getOrder"]
        errors = []
        numbers = self._order_number_list(request, errors, prefix)
        version = self._required(request, "version", errors, prefix)
        if version is not _MISSING and (not _is_int(version) or version not in GET_ORDER_VERSIONS):
            self._bad(errors, prefix, "version")
        if errors:
            return 400, {"MessageModelList": errors, "OrderModelList": []}
        found, messages, seen = [], [], set()
        for number in numbers:
            if number in seen:
                continue
            seen.add(number)
            order = self.orders.get(number)
            if order is None:
                messages.append(_msg("ERROR", prefix + "_ERROR_101", "指定された注文番号は存在しません。",
                                     orderNumber=number))
            elif number in self.served_as:
                found.append(copy.deepcopy(self.served_as[number]))
            else:
                found.append(self._for_version(order, version))
        messages.insert(0, _msg("INFO", prefix + "_INFO_101",
                                "受注情報取得に成功しました。(取得件数%d件)" % len(found)))
        response = {"MessageModelList": messages, "OrderModelList": found}
        if version >= 6:
            response["version"] = version
        return 200, response

    @staticmethod
    def _for_version(order, version):
        """The order as getOrder ``version`` shows it (a new shallow structure)."""
        drop = {f for v, fields in _ORDER_FIELDS_SINCE.items() if version < v for f in fields}
        if version >= 8:
            drop.update(_ORDER_FIELDS_UNTIL_8)
        drop_pkg = {f for v, fields in _PACKAGE_FIELDS_SINCE.items() if version < v for f in fields}
        if version >= 8:
            drop_pkg.update(_PACKAGE_FIELDS_UNTIL_8)
        drop_item = {f for v, fields in _ITEM_FIELDS_SINCE.items() if version < v for f in fields}
        result = {k: v for k, v in order.items() if k not in drop}
        result["PackageModelList"] = [
            dict({k: v for k, v in package.items() if k not in drop_pkg},
                 ItemModelList=[{k: v for k, v in item.items() if k not in drop_item}
                                for item in package.get("ItemModelList") or []])
            for package in order.get("PackageModelList") or []
        ]
        return result

    # -- confirmOrder ----------------------------------------------------------------
    def _op_confirmOrder(self, request):
        prefix = OPERATIONS["confirmOrder"]
        errors = []
        numbers = self._order_number_list(request, errors, prefix)
        if errors:
            return 400, {"MessageModelList": errors}
        now = fmt_dt(self.now())
        messages = []
        for number in numbers:
            order = self.orders.get(number)
            if order is None:
                messages.append(_msg("ERROR", prefix + "_ERROR_101", "指定された注文番号は存在しません。",
                                     orderNumber=number))
            elif order.get("orderProgress") in CANCELLED:
                messages.append(_msg("ERROR", prefix + "_ERROR_102",
                                     "指定された注文は既にキャンセルされています。", orderNumber=number))
            elif order.get("orderProgress") != 100:
                messages.append(_msg("ERROR", prefix + "_ERROR_103",
                                     "指定された注文は既にステータスが移動しています。", orderNumber=number))
            elif order.get("postagePrice") == UNDETERMINED or any(
                    p.get("postagePrice") == UNDETERMINED for p in order.get("PackageModelList") or []):
                messages.append(_msg("ERROR", prefix + "_ERROR_105",
                                     "送料が未確定のため注文確認できません。", orderNumber=number))
            else:
                order["orderProgress"] = self.confirm_moves_to
                order["shopOrderCfmDatetime"] = now
                if self.confirm_moves_to >= 300:
                    order["orderFixDatetime"] = order.get("orderFixDatetime") or now
                messages.append(_msg("INFO", prefix + "_INFO_101", "注文確認に成功しました。",
                                     orderNumber=number))
        return 200, {"MessageModelList": messages}

    # -- updateOrderShipping(Async) ---------------------------------------------------------
    def _validate_shipping_format(self, order_number, baskets, prefix):
        """Format checks of one order's BasketidModelList (no state needed)."""
        errors = []

        def error(code, text, **extra):
            errors.append(_msg("ERROR", "%s_ERROR_%s" % (prefix, code), text,
                               orderNumber=order_number, **extra))

        if not isinstance(baskets, list):
            error("011", "BasketidModelListの書式が不正です。")
            return errors
        data_number = 0
        for basket in baskets:
            if not isinstance(basket, dict):
                error("011", "BasketidModelListの書式が不正です。")
                continue
            basket_id = basket.get("basketId")
            if "basketId" not in basket:
                error("009", "basketIdの項目を指定して下さい。")
            elif not _is_int(basket_id) or basket_id <= 0:
                error("011", "basketIdの書式が不正です。", basketId=basket_id)
            rows = basket.get("ShippingModelList")
            if "ShippingModelList" not in basket:
                error("009", "ShippingModelListの項目を指定して下さい。", basketId=basket_id)
                continue
            if not isinstance(rows, list) or not rows:
                error("010" if rows in (None, []) else "011", "ShippingModelListの値が不正です。",
                      basketId=basket_id)
                continue
            if len(rows) > MAX_SHIPPING_ROWS_PER_BASKET:
                error("105", "発送情報は送付先ごとに%d件以下で指定して下さい。" % MAX_SHIPPING_ROWS_PER_BASKET,
                      basketId=basket_id)
            for row in rows:
                data_number += 1
                if not isinstance(row, dict):
                    error("011", "ShippingModelの書式が不正です。", basketId=basket_id,
                          dataNumber=data_number, shippingDetailId=None)
                    continue
                detail_id = row.get("shippingDetailId")
                where = {"basketId": basket_id, "dataNumber": data_number, "shippingDetailId": detail_id}
                if detail_id is not None and (not _is_int(detail_id) or detail_id <= 0):
                    error("011", "shippingDetailIdの書式が不正です。", **where)
                company = row.get("deliveryCompany")
                if company is not None and (not isinstance(company, str) or company not in DELIVERY_COMPANIES):
                    error("011", "deliveryCompanyの書式が不正です。", **where)
                number = row.get("shippingNumber")
                if number is not None and (not isinstance(number, str)
                                           or len(number) > MAX_SHIPPING_NUMBER_LENGTH):
                    error("011", "shippingNumberの書式が不正です。", **where)
                day = row.get("shippingDate")
                if day not in (None, "") and _parse_date(day) is None:
                    error("011", "shippingDateの書式が不正です。", **where)
                flag = row.get("shippingDeleteFlag")
                if flag is not None and flag not in (0, 1):
                    error("011", "shippingDeleteFlagの書式が不正です。", **where)
                if detail_id is None and flag == 1:
                    error("009", "shippingDetailIdの項目を指定して下さい。", **where)
                elif detail_id is None and not company:
                    error("009", "deliveryCompanyの項目を指定して下さい。", **where)
        return errors

    def _apply_shipping(self, order_number, baskets):
        """State checks then changes for one order; returns (ok, messages)."""
        order = self.orders.get(order_number)
        if order is None:
            return False, [_msg("ERROR", UOS + "_ERROR_101", "指定された注文番号は存在しません。",
                                orderNumber=order_number, dataNumber=None, shippingDetailId=None)]
        if order.get("orderProgress") in CANCELLED:
            return False, [_msg("ERROR", UOS + "_ERROR_102",
                                "指定された注文番号は既にキャンセルされているため、発送完了報告が出来る状態ではありませんでした。",
                                orderNumber=order_number, dataNumber=None, shippingDetailId=None)]
        packages = {p.get("basketId"): p for p in order.get("PackageModelList") or []}
        errors, plan = [], []
        data_number = 0
        for basket in baskets:
            basket_id = basket["basketId"]
            package = packages.get(basket_id)
            rows = basket["ShippingModelList"]
            if package is None:
                for row in rows:
                    data_number += 1
                    errors.append(_msg("ERROR", UOS + "_ERROR_103", "指定された送付先IDは存在しません。",
                                       orderNumber=order_number, basketId=basket_id,
                                       dataNumber=data_number,
                                       shippingDetailId=row.get("shippingDetailId")))
                continue
            ids = {row["shippingDetailId"] for row in package.get("ShippingModelList") or []}
            count = len(ids)
            for row in rows:
                data_number += 1
                detail_id = row.get("shippingDetailId")
                where = {"orderNumber": order_number, "basketId": basket_id,
                         "dataNumber": data_number, "shippingDetailId": detail_id}
                if detail_id is None:
                    count += 1
                    plan.append(("add", package, row, where))
                elif detail_id not in ids:
                    errors.append(_msg("ERROR", UOS + "_ERROR_104", "指定された発送明細IDは存在しません。",
                                       **where))
                elif row.get("shippingDeleteFlag") == 1:
                    ids.discard(detail_id)
                    count -= 1
                    plan.append(("delete", package, row, where))
                else:
                    plan.append(("update", package, row, where))
            if count > MAX_SHIPPING_ROWS_PER_BASKET:
                errors.append(_msg("ERROR", UOS + "_ERROR_105",
                                   "発送情報は送付先ごとに%d件以下で指定して下さい。" % MAX_SHIPPING_ROWS_PER_BASKET,
                                   orderNumber=order_number, basketId=basket_id, dataNumber=None,
                                   shippingDetailId=None))
        if errors:
            return False, errors
        messages = []
        for action, package, row, where in plan:
            shipping = package.setdefault("ShippingModelList", [])
            if action == "add":
                company = row["deliveryCompany"]
                new = {
                    "shippingDetailId": self._new_id("shipping"),
                    "shippingNumber": row.get("shippingNumber") or None,
                    "deliveryCompany": company,
                    "deliveryCompanyName": DELIVERY_COMPANIES[company],
                    "shippingDate": row.get("shippingDate") or None,
                }
                shipping.append(new)
                where["shippingDetailId"] = new["shippingDetailId"]
                messages.append(_msg("INFO", UOS + "_INFO_101", "発送情報の追加設定が完了しました。", **where))
            elif action == "delete":
                package["ShippingModelList"] = [s for s in shipping
                                                if s["shippingDetailId"] != where["shippingDetailId"]]
                messages.append(_msg("INFO", UOS + "_INFO_103", "発送情報の削除設定が完了しました。", **where))
            else:
                current = next(s for s in shipping if s["shippingDetailId"] == where["shippingDetailId"])
                if row.get("deliveryCompany"):
                    current["deliveryCompany"] = row["deliveryCompany"]
                    current["deliveryCompanyName"] = DELIVERY_COMPANIES[row["deliveryCompany"]]
                for key in ("shippingNumber", "shippingDate"):
                    if row.get(key) is not None:  # omitted = unchanged, "" = cleared
                        current[key] = row[key] or None
                messages.append(_msg("INFO", UOS + "_INFO_102", "発送情報の更新設定が完了しました。", **where))
        # Sandbox assumption (RMS behaviour unknown, rms-api.md §9.1): a row with a shipping
        # date is the 発送完了報告 and moves 300 -> 500; carrier-only rows change nothing.
        if order.get("orderProgress") == 300 and any(
                s.get("shippingDate") for p in order.get("PackageModelList") or []
                for s in p.get("ShippingModelList") or []):
            order["orderProgress"] = 500
            order["shippingCmplRptDatetime"] = fmt_dt(self.now())
        return True, messages

    def _op_updateOrderShipping(self, request):
        errors = []
        number = self._required(request, "orderNumber", errors, UOS)
        if number is not _MISSING and not isinstance(number, str):
            self._bad(errors, UOS, "orderNumber")
            number = _MISSING
        baskets = self._required(request, "BasketidModelList", errors, UOS)
        if errors:
            return 400, {"MessageModelList": errors}
        errors = self._validate_shipping_format(number, baskets, UOS)
        if errors:
            return 400, {"MessageModelList": errors}
        ok, messages = self._apply_shipping(number, baskets)
        return (200 if ok else 400), {"MessageModelList": messages}

    def _op_updateOrderShippingAsync(self, request):
        prefix = OPERATIONS["updateOrderShippingAsync"]
        errors = []
        entries = self._required(request, "OrderShippingModelList", errors, prefix)
        if entries is not _MISSING:
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                self._bad(errors, prefix, "OrderShippingModelList")
            elif len(entries) > MAX_ORDERS_PER_CALL:
                errors.append(_msg("ERROR", prefix + "_ERROR_012",
                                   "OrderShippingModelListは%d件以下で指定して下さい。" % MAX_ORDERS_PER_CALL))
            else:
                seen = set()
                for entry in entries:
                    number = entry.get("orderNumber")
                    if not isinstance(number, str) or not number:
                        errors.append(_msg("ERROR", prefix + "_ERROR_009",
                                           "orderNumberの項目を指定して下さい。"))
                    elif number in seen:
                        errors.append(_msg("ERROR", prefix + "_ERROR_013",
                                           "注文番号が重複しています。", orderNumber=number))
                    seen.add(number)
        if errors:
            return 400, {"MessageModelList": errors}
        for entry in entries:
            if "BasketidModelList" not in entry:
                errors.append(_msg("ERROR", prefix + "_ERROR_009", "BasketidModelListの項目を指定して下さい。",
                                   orderNumber=entry["orderNumber"]))
            else:
                errors.extend(self._validate_shipping_format(entry["orderNumber"],
                                                             entry["BasketidModelList"], prefix))
        if errors:  # format errors: answered at once, nothing queued (200 as the public sample)
            return 200, {"MessageModelList": errors}
        request_id = "%s_%s" % (uuid.UUID(int=self._id_rng.getrandbits(128), version=4),
                                self.now().strftime("%Y%m%d%H%M%S"))
        results = []
        for entry in entries:
            _ok, messages = self._apply_shipping(entry["orderNumber"], entry["BasketidModelList"])
            results.append({"orderNumber": entry["orderNumber"], "MessageModelList": messages})
        self._async[request_id] = {"results": results, "polls": 0}
        return 200, {"MessageModelList": [
            _msg("INFO", prefix + "_INFO_101", "発送情報の更新を受付けました。", requestId=request_id,
                 dataNumber=None, shippingDetailId=None)]}

    def _op_getResultUpdateOrderShippingAsync(self, request):
        prefix = OPERATIONS["getResultUpdateOrderShippingAsync"]
        errors = []
        request_id = self._required(request, "requestId", errors, prefix)
        if request_id is not _MISSING and not isinstance(request_id, str):
            self._bad(errors, prefix, "requestId")
        if errors:
            return 400, {"ResultShippingModelList": [{"MessageModelList": errors}]}
        job = self._async.get(request_id)
        if job is not None:
            job["polls"] += 1
        if job is None or job["polls"] <= self.async_delay_polls:
            # still running, unknown or expired: RMS gives the same answer for all three
            return 200, {"ResultShippingModelList": [{"MessageModelList": [
                _msg("INFO", prefix + "_INFO_101", "指定されたリクエストIDの処理結果は存在しませんでした。")]}]}
        return 200, {"ResultShippingModelList": copy.deepcopy(job["results"])}

    # -- cancelOrder ---------------------------------------------------------------
    def _op_cancelOrder(self, request):
        prefix = OPERATIONS["cancelOrder"]
        errors = []
        number = self._required(request, "orderNumber", errors, prefix)
        if number is not _MISSING and not isinstance(number, str):
            self._bad(errors, prefix, "orderNumber")
        restore = request.get("inventoryRestoreType", _MISSING)
        if restore is _MISSING or restore is None:
            errors.append(_msg("ERROR", prefix + "_ERROR_009", "inventoryRestoreTypeの項目を指定して下さい。"))
        elif not _is_int(restore) or restore not in INVENTORY_RESTORE_TYPES:
            self._bad(errors, prefix, "inventoryRestoreType")
        reason = request.get("changeReasonDetailApply", _MISSING)
        if reason is _MISSING or reason is None:
            errors.append(_msg("ERROR", prefix + "_ERROR_009", "changeReasonDetailApplyの項目を指定して下さい。"))
        elif not _is_int(reason) or reason not in CUSTOMER_CANCEL_REASONS + SHOP_CANCEL_REASONS:
            self._bad(errors, prefix, "changeReasonDetailApply")
        if errors:
            return 400, {"MessageModelList": errors}
        order = self.orders.get(number)
        if order is None:
            return 400, {"MessageModelList": [_msg("ERROR", prefix + "_ERROR_101",
                                                   "指定された注文番号は存在しません。", orderNumber=number)]}
        if order.get("orderProgress") not in CANCELLABLE:
            return 400, {"MessageModelList": [_msg("ERROR", prefix + "_ERROR_102",
                                                   "現在のステータスではキャンセル申請できません。",
                                                   orderNumber=number)]}
        order["orderProgress"] = 800
        order.setdefault("ChangeReasonModelList", []).append(
            self._change_reason(0, reason, fmt_dt(self.now())))
        return 200, {"MessageModelList": [_msg("INFO", prefix + "_INFO_101", "キャンセル申請に成功しました。",
                                               orderNumber=number)]}

    # -- getPayment --------------------------------------------------------------------
    def _payment_status(self, order, number):
        forced = (self._meta.get(number) or {}).get("payment_status")
        if forced is not None:
            return forced
        settlement = order.get("SettlementModel") or {}
        progress = order.get("orderProgress")
        if settlement.get("rpaySettlementFlag") != 1:
            return 30000  # 選択制 (e.g. 代金引換): the shop collects, Rakuten has nothing
        if progress == 800:
            return 31400
        if progress == 900:
            return 31500
        if progress >= 300:
            return 30600  # 決済確定
        if settlement.get("settlementMethodCode") == 9:
            return 30100  # bank transfer not received yet
        return 30300  # authorised

    def _op_getPayment(self, request):
        prefix = OPERATIONS["getPayment"]
        errors = []
        number = self._required(request, "orderNumber", errors, prefix)
        if number is not _MISSING and not isinstance(number, str):
            self._bad(errors, prefix, "orderNumber")
        version = self._required(request, "version", errors, prefix)
        if version is not _MISSING and version != GET_PAYMENT_VERSION:
            self._bad(errors, prefix, "version")
        if errors:
            return 400, {"MessageModelList": errors, "OrderModel": None}
        order = self.orders.get(number)
        if order is None:
            return 400, {"MessageModelList": [_msg("ERROR", prefix + "_ERROR_101",
                                                   "指定された注文番号は存在しません。", orderNumber=number)],
                         "OrderModel": None}
        meta = self._meta.setdefault(number, {})
        if "payment_number" not in meta:
            meta["payment_number"] = self._new_id("payment")
        status = self._payment_status(order, number)
        settlement = order.get("SettlementModel") or {}
        fixed = self._settlement_datetime(order, number) if status == 30600 else None
        payment = {
            "orderPaymentNumber": str(meta["payment_number"]),
            "paymentMethod": settlement.get("settlementMethodCode"),
            "paymentMethodName": settlement.get("settlementMethod"),
            "paymentAmount": order.get("requestPrice"),
            "paymentCharge": order.get("paymentCharge", 0),
            "paymentStatus": status,
            "paymentRequestDatetime": order.get("shopOrderCfmDatetime") if status >= 30300 else None,
            "paymentFixDatetime": fmt_dt(fixed),
            "payExpectDate": (fixed + timedelta(days=30)).date().isoformat() if fixed else None,
            "RefundModelList": [],
            "AdditionalFeeModelList": [],
        }
        return 200, {
            "MessageModelList": [_msg("INFO", prefix + "_INFO_101", "支払情報取得に成功しました。",
                                      orderNumber=number)],
            "OrderModel": {"orderNumber": number, "PaymentModelList": [payment]},
        }


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the local RMS order API emulator (demo).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099, help="0 picks a free port")
    parser.add_argument("--orders", type=int, default=200, help="orders to generate at start")
    parser.add_argument("--hours", type=float, default=24, help="spread order times over these hours")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--secret", default="sandbox-secret", help="demo service secret")
    parser.add_argument("--key", default="sandbox-key", help="demo license key")
    parser.add_argument("--every", type=float, default=0,
                        help="place 1 to 3 new orders every this many seconds (0: never)")
    parser.add_argument("--verbose", action="store_true", help="log request lines")
    args = parser.parse_args(argv)
    sandbox = RmsSandbox(args.secret, args.key, host=args.host, port=args.port, seed=args.seed)
    sandbox.verbose = args.verbose
    sandbox.generate_orders(args.orders, hours=args.hours)
    url = sandbox.start()
    if args.every > 0:
        sandbox.start_order_feed(args.every)
    # Demo credentials only: printing them is the point of this command.
    print("RMS sandbox listening on %s" % url, flush=True)
    print("service secret: %s  license key: %s  orders: %d" % (args.secret, args.key, args.orders),
          flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
