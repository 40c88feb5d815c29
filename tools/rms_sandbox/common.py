"""Constants, date formats and message envelopes shared by every part of the sandbox."""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta, timezone

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
    "1000": "その他",
    "1001": "ヤマト運輸",
    "1002": "佐川急便",
    "1003": "日本郵便",
    "1004": "西濃運輸",
    "1005": "セイノースーパーエクスプレス",
    "1006": "福山通運",
    "1007": "名鉄運輸",
    "1008": "トナミ運輸",
    "1009": "第一貨物",
    "1010": "新潟運輸",
    "1011": "中越運送",
    "1012": "岡山県貨物運送",
    "1013": "久留米運送",
    "1014": "山陽自動車運送",
    "1015": "NXトランスポート",
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

# Operation name -> message-code prefix.
#: Calls that add something on RMS (acted_503_rate applies to them).
ROW_ADDING_OPERATIONS = frozenset(
    {"updateOrderShipping", "updateOrderShippingAsync", "cancelOrder"}
)
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

# Item API 2.0 and Inventory API 2.0 (rms-items-inventory.md §1-2, rms-api.md §7):
# path -> (operation name, method); operation name -> handler method of the sandbox.
ITEM_PATH_PREFIX = "/es/2.0/items/manage-numbers/"
REST_ROUTES = {
    "/es/2.0/items/search": ("items.search", "GET"),
    "/es/2.0/items/bulk-get": ("items.bulk.get", "POST"),
    "/es/2.0/inventories/bulk-get": ("inventories.bulk.get", "POST"),
    "/es/2.0/inventories/bulk-upsert": ("inventories.bulk.upsert", "POST"),
    "/es/1.0/shop/operationLeadTime": ("shop.operationLeadTime.get", "GET"),
}
REST_OPERATIONS = {
    "items.search": "_items_search",
    "items.get": "_items_get",
    "items.bulk.get": "_items_bulk_get",
    "inventories.bulk.get": "_inventories_bulk_get",
    "inventories.bulk.upsert": "_inventories_bulk_upsert",
    "shop.operationLeadTime.get": "_shop_operation_lead_time",
}

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


def _errors(code, message, property_path=None):
    """The Item / Inventory API 2.0 error envelope, one error."""
    return {"errors": [_error(code, message, property_path)]}


def _error(code, message, property_path=None):
    error = {"code": code, "message": message}
    if property_path is not None:
        error["metadata"] = {"propertyPath": property_path}
    return error


def _tax_in(amount, pct):
    """Consumption tax contained in a tax-included amount (rounded down)."""
    return amount * pct // (100 + pct)


def _rate(pct):
    return {10: 0.1, 8: 0.08, 0: 0}[pct]


def _pct(rate):
    return int(round(float(rate) * 100))


_MISSING = object()
