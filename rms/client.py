"""Client for the Rakuten RMS RakutenPay order API (``/es/2.0/order/...``) and the
license-management expiry call (``/es/1.0/license-management/...``). The Item API 2.0 and
Inventory API 2.0 calls (items.search, items.get/bulk-get, inventories bulk-get/bulk-upsert, the
SKU migration probe) are in :mod:`rms.items_client`, mixed into the same :class:`RmsClient`, with
their own pacing per function and their resend policy (bulk-upsert ABSOLUTE is idempotent).

Plain Python (requests + urllib3); nothing here knows about Odoo.

* Authentication: ``Authorization: ESA base64(serviceSecret:licenseKey)`` on every request, built
  per request (never stored on a caller's Session).
* Retries: a urllib3 ``Retry`` mounted on the Session retries 429/500/502/503/504, timeouts and
  connection errors (POST included), with exponential backoff and Retry-After honoured. What is
  still failing afterwards is raised as a typed error (:mod:`rms.exceptions`).
* Pacing: at least ``min_interval`` seconds between the starts of two calls of one client
  (RMS asks for about 1 request per second).
* Secrets: the service secret, the license key and the Authorization value never reach a log line,
  an exception or ``repr()``.
"""

import base64
import json
import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .codes import JST
from .exceptions import (
    RmsAuthError,
    RmsBadRequestError,
    RmsError,
    RmsMaintenanceError,
    RmsRateLimitError,
    RmsResponseError,
    RmsServerError,
    RmsThrottleError,
    redact,
)
from .items_client import InventoryRow, ItemBatch, ItemsApiMixin, MigrationProbe

__all__ = [
    "DEFAULT_API_URL",
    "GET_ORDER_VERSION",
    "GET_PAYMENT_VERSION",
    "InventoryRow",
    "ItemBatch",
    "JST",
    "MAX_SEARCH_SPAN",
    "MAX_SEARCH_RESULTS",
    "MigrationProbe",
    "OrderResult",
    "Pacer",
    "RmsClient",
    "RmsMessage",
    "format_rms_datetime",
    "parse_rms_datetime",
    "to_jst",
]

_logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.rms.rakuten.co.jp/es/"
GET_ORDER_VERSION = 10  # newest getOrder version; older ones are being phased out
GET_PAYMENT_VERSION = 4

MAX_SEARCH_SPAN = timedelta(days=63)  # searchOrder: end within 63 days of start
MAX_SEARCH_RESULTS = 15000  # records beyond the 15,000th of one search are unreachable
MAX_PAGE_SIZE = 1000  # requestRecordsAmount maximum
ORDER_CHUNK = 100  # getOrder / confirmOrder / updateOrderShippingAsync limit

RETRY_STATUSES = (429, 500, 502, 503, 504)
ITEMS_RETRY_STATUSES = (500, 502, 503, 504)
#: Calls that add or remove something on RMS. Sending one twice could do the work twice (a
#: second shipping row, a second cancellation request), so they are resent only when RMS
#: verifiably did not act: a refused connection, 429 Too Many Requests, or a maintenance
#: answer that says so (503 with ES01-02 "API In Maintenance"). A plain 503 may come from a
#: gateway after RMS acted, so like a read timeout or another 5xx it raises at once, and the
#: caller re-reads the order before sending anything again.
NON_IDEMPOTENT_OPERATIONS = frozenset(
    {"updateOrderShipping", "updateOrderShippingAsync", "cancelOrder"}
)
CAUTIOUS_RETRY_STATUSES = (429,)
#: Gateway codes that say the call was not processed (RMS is in maintenance).
MAINTENANCE_CODES = frozenset({"ES01-02"})
AUTH_ERROR_CODES = frozenset({"ES01-01", "ES04-01", "ES04-03", "GA0001"})
#: Gateway throttle answers (403 or 429): per-second (ES01-03, GA0003) or per-minute (ES01-04)
#: limits. RMS did not act, so any call may be resent after the wait.
THROTTLE_CODES = frozenset({"ES01-03", "ES01-04", "GA0003"})

_RMS_DT_FORMAT = "%Y-%m-%dT%H:%M:%S+0900"
_RATE_LIMIT_HINT = re.compile(r"too many requests|rate.?limit|throttl", re.IGNORECASE)

#: The explanation (a key of exceptions.USER_MESSAGES) of an authentication error, by RMS
#: error code or HTTP status.
_AUTH_USER_CODES = {
    "ES01-01": "auth_ES01-01",
    "ES04-01": "auth_ES04-01",
    "GA0001": "auth_GA0001",
    "ES04-03": "auth_ES04-03",
    401: "auth_401",
    403: "auth_403",
}


# --------------------------------------------------------------------------------------------
# datetimes
# --------------------------------------------------------------------------------------------


def to_jst(value):
    """Return ``value`` as an aware datetime in JST. A naive datetime means UTC."""
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(JST)


def format_rms_datetime(value):
    """``datetime`` -> ``YYYY-MM-DDThh:mm:ss+0900`` (the only form searchOrder accepts)."""
    return to_jst(value).strftime(_RMS_DT_FORMAT)


def parse_rms_datetime(value):
    """Parse an RMS datetime string into an aware JST datetime.

    Accepts ``2026-11-28T23:59:59+0900``, ``...+09:00`` and offset-less strings, which RMS
    means as JST (e.g. the license expiry date). Returns None for None/empty.
    """
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError as exc:
            raise ValueError(f"not an RMS datetime: {text!r}") from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=JST)
    return parsed.astimezone(JST)


def _json_default(value):
    if isinstance(value, datetime):
        return format_rms_datetime(value)
    if isinstance(value, date):
        return value.isoformat()  # shippingDate etc.: YYYY-MM-DD
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


def _int_or_raw(value):
    if value is None or isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


@dataclass(frozen=True)
class RmsMessage:
    """One entry of an RMS ``MessageModelList``."""

    message_type: str  # 'INFO' | 'WARNING' | 'ERROR'
    message_code: str
    message: str
    order_number: str = None
    data_number: int = None  # shipping calls: 1-based row index of the request
    shipping_detail_id: int = None
    basket_id: int = None
    request_id: str = None  # updateOrderShippingAsync

    @property
    def is_error(self):
        return self.message_type == "ERROR"

    @classmethod
    def from_dict(cls, data, default_order_number=None):
        if not isinstance(data, dict):
            raise TypeError("message entry is not an object")
        request_id = data.get("requestId")
        return cls(
            message_type=str(data.get("messageType") or "").upper(),
            message_code=str(data.get("messageCode") or ""),
            message=str(data.get("message") or ""),
            order_number=data.get("orderNumber") or default_order_number,
            data_number=_int_or_raw(data.get("dataNumber")),
            shipping_detail_id=_int_or_raw(data.get("shippingDetailId")),
            basket_id=_int_or_raw(data.get("basketId")),
            request_id=str(request_id) if request_id not in (None, "") else None,
        )

    def __str__(self):
        return f"{self.message_type} {self.message_code}: {self.message}"


@dataclass
class OrderResult:
    """What RMS answered about one order of a write call."""

    order_number: str
    messages: list = field(default_factory=list)

    @property
    def ok(self):
        """True when RMS sent no ERROR message for this order."""
        return not any(m.is_error for m in self.messages)

    @property
    def errors(self):
        return [m for m in self.messages if m.is_error]


# --------------------------------------------------------------------------------------------
# transport helpers
# --------------------------------------------------------------------------------------------


class Pacer:
    """Spaces the starts of calls at least ``min_interval`` seconds apart; thread-safe.

    Each caller reserves the next free slot under a lock, then sleeps outside the lock until its
    slot. ``clock`` (monotonic seconds) and ``sleep`` can be injected for tests.
    """

    def __init__(self, min_interval=1.0, *, clock=None, sleep=None):
        if min_interval is None or min_interval < 0:
            raise ValueError("min_interval must be >= 0")
        self.min_interval = float(min_interval)
        # Look the functions up at call time so time-freezing tools can patch them.
        self._clock = clock or (lambda: time.monotonic())
        self._sleep = sleep or (lambda seconds: time.sleep(seconds))
        self._lock = threading.Lock()
        self._next_slot = None

    def wait(self):
        """Block until this caller may start a request; return the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = now if self._next_slot is None else max(now, self._next_slot)
            self._next_slot = slot + self.min_interval
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)


class _RmsRetry(Retry):
    """urllib3 Retry with two RMS-friendly tweaks.

    * the first retry already waits ``backoff_factor`` seconds (urllib3 2.x retries the first
      failure immediately, which does not honour RMS's 1 request/second guideline);
    * a Retry-After header is honoured but capped at ``RETRY_AFTER_MAX`` seconds so a cron worker
      is never parked for an hour.
    """

    RETRY_AFTER_MAX = 120.0

    def get_backoff_time(self):
        errors = 0
        for entry in reversed(self.history):
            if entry.redirect_location is not None:
                break
            errors += 1
        if errors == 0:
            return 0.0
        return float(
            max(0.0, min(self.backoff_max, self.backoff_factor * (2 ** (errors - 1))))
        )

    def parse_retry_after(self, retry_after):
        return min(super().parse_retry_after(retry_after), self.RETRY_AFTER_MAX)


class _ItemsRetry(_RmsRetry):
    """The Item/Inventory calls' urllib3 retry: like :class:`_RmsRetry`, but never for 429, whose
    throttle answers the client resends itself (rms/items_client.py), so they are not retried
    twice over."""

    RETRY_AFTER_STATUS_CODES = frozenset({503})


class _RedactingFilter(logging.Filter):
    """Masks licenseKey query values and ESA tokens in urllib3's own log records (urllib3 logs
    request URLs at DEBUG and retry warnings with the URL, and the expiry call carries the license
    key in its query string)."""

    def filter(self, record):
        try:
            text = record.getMessage()
        except Exception:  # malformed record: let logging report it as usual
            return True
        clean = redact(text)
        if clean != text:
            record.msg = clean
            record.args = ()
        return True


_REDACTING_LOGGERS = (
    "urllib3.connectionpool",
    "urllib3.util.retry",
    "urllib3.connection",
)
_redaction_lock = threading.Lock()


def _install_log_redaction():
    with _redaction_lock:
        for name in _REDACTING_LOGGERS:
            lg = logging.getLogger(name)
            if not any(isinstance(f, _RedactingFilter) for f in lg.filters):
                lg.addFilter(_RedactingFilter())


class _Secret:
    """Holds a credential; its repr/str never show the value."""

    __slots__ = ("_value",)

    def __init__(self, value):
        self._value = value

    def reveal(self):
        return self._value

    def __repr__(self):
        return "<secret>"

    __str__ = __repr__


def _chunks(items, size):
    for index in range(0, len(items), size):
        yield items[index : index + size]


def _unique(values):
    return list(dict.fromkeys(values))


# --------------------------------------------------------------------------------------------
# client
# --------------------------------------------------------------------------------------------


class RmsClient(ItemsApiMixin):
    """RMS RakutenPay order API client; the Item API 2.0 / Inventory API 2.0 calls come from
    :class:`rms.items_client.ItemsApiMixin`.

    :param service_secret: RMS service secret
    :param license_key: RMS license key (valid about 90 days)
    :param base_url: API root, default ``https://api.rms.rakuten.co.jp/es/`` (a sandbox in tests)
    :param timeout: (connect, read) seconds or one number; always applied
    :param min_interval: minimal seconds between the starts of two order API calls; the Item and
        Inventory functions each keep their own documented pace instead (0 = no pacing at all)
    :param max_retries: retries for 429/5xx/timeouts/connection errors
    :param backoff_factor: exponential backoff base (waits f, 2f, 4f, ...); 0 = no wait
    :param session: optional ``requests.Session``; the retrying adapter is mounted on it for
        ``base_url``'s host only, and no credential is stored on it
    :param pacer: optional :class:`Pacer` (to share pacing between clients or inject a clock)
    """

    def __init__(
        self,
        service_secret,
        license_key,
        base_url=DEFAULT_API_URL,
        *,
        timeout=(10, 60),
        min_interval=1.0,
        max_retries=4,
        backoff_factor=1.0,
        session=None,
        pacer=None,
    ):
        if not service_secret or not license_key:
            raise ValueError("RMS service secret and license key are required")
        if timeout is None:
            raise ValueError("a timeout is required")
        if max_retries is None or max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        base_url = (base_url or DEFAULT_API_URL).strip()
        if not base_url.endswith("/"):
            base_url += "/"
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("base_url must be an http(s) URL")
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_factor = backoff_factor
        self._secret_values = _Secret(
            tuple(v for v in (service_secret, license_key) if v)
        )
        token = base64.b64encode(f"{service_secret}:{license_key}".encode()).decode(
            "ascii"
        )
        self._license_key = _Secret(license_key)
        self._authorization = _Secret(f"ESA {token}")
        self._token = _Secret(token)
        self.pacer = pacer or Pacer(min_interval)
        self.stats = Counter()
        self._stats_lock = threading.Lock()
        self.session = session if session is not None else requests.Session()
        self._owns_session = session is None
        prefix = f"{parts.scheme}://{parts.netloc}/"
        # What every session's urllib3 retry shares; each session below says what it resends.
        common = dict(
            total=max_retries,
            connect=max_retries,
            status=max_retries,
            backoff_factor=backoff_factor,
            backoff_max=60,
            respect_retry_after_header=True,
            raise_on_status=False,  # hand back the last answer: we map it to a typed error
            raise_on_redirect=False,
        )
        retry = _RmsRetry(
            read=max_retries,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "POST"}),
            **common,
        )
        self.session.mount(prefix, HTTPAdapter(max_retries=retry))
        cautious = _RmsRetry(
            read=0,
            other=0,
            status_forcelist=CAUTIOUS_RETRY_STATUSES,
            allowed_methods=frozenset({"POST"}),
            **common,
        )
        self._cautious_session = requests.Session()
        self._cautious_session.mount(prefix, HTTPAdapter(max_retries=cautious))
        # Item/Inventory calls: urllib3 retries 5xx, timeouts and connection errors; the client
        # itself resends the throttle (403/429) and 409 answers (rms/items_client.py), so 429 is
        # not retried twice.
        items_retry = _ItemsRetry(
            read=max_retries,
            status_forcelist=ITEMS_RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "POST"}),
            **common,
        )
        self._items_session = requests.Session()
        self._items_session.mount(prefix, HTTPAdapter(max_retries=items_retry))
        self._function_pacers = {}
        self._bulk_edit_notice = None
        _install_log_redaction()

    def __repr__(self):
        return f"<RmsClient base_url={self.base_url!r}>"

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self):
        self._cautious_session.close()
        self._items_session.close()
        if self._owns_session:
            self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # -- low level ---------------------------------------------------------------------------

    def _scrub(self, text):
        """Remove any credential (raw, base64 or as query parameter) from ``text``."""
        if not text:
            return text
        text = str(text)
        for secret in (*self._secret_values.reveal(), self._token.reveal()):
            if secret:
                text = text.replace(secret, "***")
        return redact(text)

    def _count(self, operation):
        with self._stats_lock:
            self.stats[operation] += 1

    def _request(self, method, url, operation, *, body=None, params=None, count=1):
        """Send one call (urllib3 retries underneath) and return the decoded JSON object."""
        data = self._encode(body)
        cautious = operation in NON_IDEMPOTENT_OPERATIONS
        session = self._cautious_session if cautious else self.session
        response = self._send(
            method,
            url,
            operation,
            data=data,
            params=params,
            count=count,
            session=session,
        )
        for attempt in range(self.max_retries if cautious else 0):
            if not self._maintenance(response):
                break
            # RMS said it did not process the call: resending it is safe.
            time.sleep(min(self.backoff_factor * 2**attempt, 60))
            response = self._send(
                method,
                url,
                operation,
                data=data,
                params=params,
                count=count,
                session=session,
            )
        return self._decode(response, operation)

    @staticmethod
    def _encode(body):
        if body is None:
            return None
        return json.dumps(body, ensure_ascii=False, default=_json_default).encode(
            "utf-8"
        )

    def _send(
        self,
        method,
        url,
        operation,
        *,
        data=None,
        params=None,
        count=1,
        session=None,
        pacer=None,
        accept="application/json",
    ):
        """Wait for the pacer, send one request and return the raw ``requests`` response.

        Network failures left after urllib3's retries become :class:`RmsServerError`; nothing
        here reads the answer. ``pacer`` defaults to the client's own (the order API's pace).
        """
        headers = {
            "Authorization": self._authorization.reveal(),
            "Content-Type": "application/json; charset=utf-8",
            "Accept": accept,
        }
        (pacer or self.pacer).wait()
        self._count(operation)
        started = time.perf_counter()
        try:
            response = (session or self.session).request(
                method,
                url,
                data=data,
                params=params,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.exceptions.RetryError as exc:
            # only reachable with a custom session adapter raising on status
            raise RmsServerError(
                f"retries exhausted: {type(exc).__name__}", operation=operation
            ) from None
        except (
            requests.exceptions.Timeout,
            requests.exceptions.ConnectionError,
        ) as exc:
            elapsed = time.perf_counter() - started
            _logger.debug(
                "RMS %s: %s item(s), network failure after %.3fs",
                operation,
                count,
                elapsed,
            )
            kind = (
                "timed out"
                if isinstance(exc, requests.exceptions.Timeout)
                or "timed out" in str(exc)
                else "connection failed"
            )
            raise RmsServerError(
                f"{kind} after {self.max_retries} retries ({self._scrub(type(exc).__name__)})",
                operation=operation,
            ) from None
        except requests.exceptions.RequestException as exc:
            raise RmsServerError(
                f"request failed: {self._scrub(type(exc).__name__)}",
                operation=operation,
            ) from None
        elapsed = time.perf_counter() - started
        _logger.debug(
            "RMS %s: %s item(s), HTTP %s in %.3fs",
            operation,
            count,
            response.status_code,
            elapsed,
        )
        return response

    @staticmethod
    def _maintenance(response):
        """Whether ``response`` is RMS's maintenance answer (503 ES01-02): nothing was done."""
        if response.status_code != 503 or not response.content:
            return False
        try:
            gateway = json.loads(response.content).get("Results")
        except (ValueError, UnicodeDecodeError, AttributeError):
            return False
        return (
            isinstance(gateway, dict)
            and str(gateway.get("errorCode")) in MAINTENANCE_CODES
        )

    def _decode(self, response, operation):
        status = response.status_code
        payload, unreadable = None, False
        if response.content:
            try:
                payload = json.loads(
                    response.content
                )  # JSON is UTF-8 whatever the header says
            except (ValueError, UnicodeDecodeError):
                unreadable = True
        gateway = payload.get("Results") if isinstance(payload, dict) else None
        if isinstance(gateway, dict) and gateway.get("errorCode"):
            self._raise_gateway(gateway, status, operation)
        if not 200 <= status < 300:
            self._raise_http(payload, status, operation)
        if unreadable:
            raise RmsResponseError(
                "the answer is not valid JSON", operation=operation, http_status=status
            )
        if not isinstance(payload, dict):
            what = (
                "an empty answer"
                if payload is None
                else "the answer is not a JSON object"
            )
            raise RmsResponseError(what, operation=operation, http_status=status)
        return payload

    def _raise_gateway(self, gateway, status, operation):
        code = str(gateway.get("errorCode"))
        text = self._scrub(gateway.get("message") or "")
        if code in THROTTLE_CODES:
            cls, user = RmsThrottleError, None
        elif code in MAINTENANCE_CODES:
            cls, user = RmsMaintenanceError, None
        elif code in AUTH_ERROR_CODES or status in (401, 403):
            cls = RmsAuthError
            user = _AUTH_USER_CODES.get(code) or _AUTH_USER_CODES.get(status)
        elif status == 429 or _RATE_LIMIT_HINT.search(text):
            cls, user = RmsRateLimitError, None
        elif status >= 500:
            cls, user = RmsServerError, None
        else:
            cls, user = RmsBadRequestError, None
        raise cls(
            text or code,
            operation=operation,
            http_status=status,
            error_code=code,
            user_code=user,
        )

    def _raise_http(self, payload, status, operation):
        try:
            messages = self._messages(payload, operation=operation)
        except (
            RmsResponseError
        ):  # an error body with an odd MessageModelList: status decides
            messages = []
        first_error = next((m for m in messages if m.is_error), None)
        code = first_error.message_code if first_error else None
        text = self._scrub(first_error.message) if first_error else f"HTTP {status}"
        kwargs = dict(
            operation=operation, http_status=status, error_code=code, messages=messages
        )
        if status == 429:
            raise RmsRateLimitError(text, **kwargs)
        if status in (401, 403):
            raise RmsAuthError(text, user_code=_AUTH_USER_CODES[status], **kwargs)
        if status >= 500:
            raise RmsServerError(text, **kwargs)
        if 400 <= status < 500:
            if first_error:
                kwargs.update(user_code="rejected", user_args={"rms_message": text})
            raise RmsBadRequestError(text, **kwargs)
        raise RmsResponseError(f"unexpected HTTP status {status}", **kwargs)

    def _messages(
        self,
        payload,
        default_order_number=None,
        *,
        operation=None,
        key="MessageModelList",
    ):
        raw = payload.get(key) if isinstance(payload, dict) else None
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise RmsResponseError(f"{key} is not a list", operation=operation)
        try:
            return [RmsMessage.from_dict(item, default_order_number) for item in raw]
        except TypeError as exc:
            raise RmsResponseError(
                f"unreadable {key}: {exc}", operation=operation
            ) from None

    def _call_order_api(self, operation, body, count=1):
        return self._request(
            "POST",
            f"{self.base_url}2.0/order/{operation}/",
            operation,
            body=body,
            count=count,
        )

    def _raise_call_error(self, operation, error, messages, status=200):
        raise RmsBadRequestError(
            self._scrub(error.message) or error.message_code,
            operation=operation,
            http_status=status,
            error_code=error.message_code,
            messages=messages,
            user_code="rejected",
            user_args={"rms_message": self._scrub(error.message) or error.message_code},
        )

    def _order_messages(self, operation, payload, default_order_number=None):
        """Parse messages; an ERROR naming no order (and not attributable) rejects the whole
        call."""
        messages = self._messages(payload, default_order_number, operation=operation)
        for message in messages:
            if message.is_error and not message.order_number:
                self._raise_call_error(operation, message, messages)
        return messages

    # -- searchOrder -------------------------------------------------------------------------

    def search_order(
        self,
        start,
        end,
        *,
        date_type=1,
        order_progress_list=None,
        order_type_list=None,
        settlement_method=None,
        asuraku_flag=None,
        page_size=MAX_PAGE_SIZE,
        **extra,
    ):
        """Return the order numbers matching the criteria between ``start`` and ``end``.

        Follows every page; windows longer than 63 days are cut into consecutive windows, and a
        window with more than 15,000 hits is halved until each part is reachable. Extra RMS
        criteria (``subStatusIdList``, ``drugFlag``, ...) can be passed with their RMS names.
        Order numbers are de-duplicated and kept in RMS order (ascending order date).
        """
        if not 1 <= int(page_size) <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        start_jst = to_jst(start).replace(microsecond=0)
        end_jst = to_jst(end).replace(microsecond=0)
        if end_jst < start_jst:
            raise ValueError("search end is before start")
        criteria = {"dateType": int(date_type)}
        optional = {
            "orderProgressList": list(order_progress_list)
            if order_progress_list
            else None,
            "orderTypeList": list(order_type_list) if order_type_list else None,
            "settlementMethod": settlement_method,
            "asurakuFlag": asuraku_flag,
        }
        criteria.update({k: v for k, v in optional.items() if v is not None})
        criteria.update({k: v for k, v in extra.items() if v is not None})
        found = {}
        window_start = start_jst
        while True:
            window_end = min(window_start + MAX_SEARCH_SPAN, end_jst)
            self._search_window(
                window_start, window_end, criteria, int(page_size), found
            )
            if window_end >= end_jst:
                break
            window_start = window_end + timedelta(seconds=1)
        return list(found)

    def _search_window(self, start, end, criteria, page_size, found):
        page = 1
        while True:
            body = dict(criteria)
            body["startDatetime"] = format_rms_datetime(start)
            body["endDatetime"] = format_rms_datetime(end)
            body["PaginationRequestModel"] = {
                "requestRecordsAmount": page_size,
                "requestPage": page,
                "SortModelList": [
                    {"sortColumn": 1, "sortDirection": 1}
                ],  # order date, ascending
            }
            payload = self._call_order_api("searchOrder", body)
            messages = self._messages(payload, operation="searchOrder")
            for message in messages:
                if message.is_error:
                    self._raise_call_error("searchOrder", message, messages)
            pagination = payload.get("PaginationResponseModel") or {}
            if not isinstance(pagination, dict):
                raise RmsResponseError(
                    "PaginationResponseModel is not an object", operation="searchOrder"
                )
            total = pagination.get("totalRecordsAmount") or 0
            if page == 1 and total > MAX_SEARCH_RESULTS:
                if end - start >= timedelta(seconds=2):
                    middle = start + (end - start) / 2
                    middle = middle.replace(microsecond=0)
                    _logger.debug(
                        "RMS searchOrder: %s hits in %s..%s, splitting",
                        total,
                        start,
                        end,
                    )
                    self._search_window(start, middle, criteria, page_size, found)
                    self._search_window(
                        middle + timedelta(seconds=1), end, criteria, page_size, found
                    )
                    return
                _logger.warning(
                    "RMS searchOrder: %s hits within %s..%s; only the first %s are "
                    "reachable",
                    total,
                    start,
                    end,
                    MAX_SEARCH_RESULTS,
                )
            numbers = payload.get("orderNumberList") or []
            if not isinstance(numbers, list):
                raise RmsResponseError(
                    "orderNumberList is not a list", operation="searchOrder"
                )
            for number in numbers:
                if (
                    isinstance(number, (str, int))
                    and not isinstance(number, bool)
                    and str(number).strip()
                ):
                    found.setdefault(
                        str(number).strip(), None
                    )  # null or empty entries name no order
            total_pages = pagination.get("totalPages") or 0
            if (
                not numbers
                or page >= total_pages
                or page * page_size >= MAX_SEARCH_RESULTS
            ):
                return
            page += 1

    # -- getOrder ----------------------------------------------------------------------------

    def get_order(self, order_numbers, *, version=GET_ORDER_VERSION):
        """Return the raw ``OrderModel`` dicts of ``order_numbers`` (chunks of 100).

        Per-order ERROR messages (e.g. an unknown order number) do not raise; use
        :meth:`get_order_detailed` to read them.
        """
        return self.get_order_detailed(order_numbers, version=version)[0]

    def get_order_detailed(self, order_numbers, *, version=GET_ORDER_VERSION):
        """Like :meth:`get_order` but returns ``(orders, messages)``."""
        orders, messages = [], []
        numbers = _unique(str(n) for n in order_numbers)
        for chunk in _chunks(numbers, ORDER_CHUNK):
            payload = self._call_order_api(
                "getOrder",
                {"orderNumberList": chunk, "version": version},
                count=len(chunk),
            )
            chunk_orders = payload.get("OrderModelList") or []
            if not isinstance(chunk_orders, list):
                raise RmsResponseError(
                    "OrderModelList is not a list", operation="getOrder"
                )
            chunk_messages = self._messages(
                payload, chunk[0] if len(chunk) == 1 else None, operation="getOrder"
            )
            if not chunk_orders:
                # nothing came back: an ERROR naming no order is about the whole call
                for message in chunk_messages:
                    if message.is_error and not message.order_number:
                        self._raise_call_error("getOrder", message, chunk_messages)
            orders.extend(chunk_orders)
            messages.extend(chunk_messages)
        return orders, messages

    # -- confirmOrder ------------------------------------------------------------------------

    def confirm_order(self, order_numbers):
        """Confirm orders (chunks of 100); return one :class:`OrderResult` per order number.

        If a later chunk fails, the raised error's ``partial_results`` holds the results of the
        chunks RMS already processed.
        """
        numbers = _unique(str(n) for n in order_numbers)
        results = []
        for chunk in _chunks(numbers, ORDER_CHUNK):
            try:
                payload = self._call_order_api(
                    "confirmOrder", {"orderNumberList": chunk}, count=len(chunk)
                )
                messages = self._order_messages(
                    "confirmOrder", payload, chunk[0] if len(chunk) == 1 else None
                )
            except RmsError as exc:
                exc.partial_results = list(results)
                raise
            by_order = {number: OrderResult(number) for number in chunk}
            for message in messages:
                target = by_order.get(message.order_number)
                if target is None:
                    _logger.debug(
                        "RMS confirmOrder: message for no requested order: %s", message
                    )
                    continue
                target.messages.append(message)
            results.extend(by_order[number] for number in chunk)
        return results

    # -- shipping ----------------------------------------------------------------------------

    def update_order_shipping(self, order_number, basket_list):
        """Add/update/delete shipping rows of one order (発送完了報告).

        ``basket_list``: ``[{"basketId": .., "ShippingModelList": [{...}]}]``; ``date`` values are
        sent as ``YYYY-MM-DD``. Messages carry ``data_number`` and ``shipping_detail_id``.
        """
        order_number = str(order_number)
        payload = self._call_order_api(
            "updateOrderShipping",
            {"orderNumber": order_number, "BasketidModelList": list(basket_list)},
        )
        return OrderResult(
            order_number,
            self._order_messages("updateOrderShipping", payload, order_number),
        )

    def update_order_shipping_async(self, order_shipping_list):
        """Queue shipping updates for many orders; return the request ids (one per call of
        at most 100 orders). Per-order messages: :meth:`update_order_shipping_async_detailed`."""
        return self.update_order_shipping_async_detailed(order_shipping_list)[0]

    def update_order_shipping_async_detailed(self, order_shipping_list):
        """Like :meth:`update_order_shipping_async` but returns ``(request_ids, messages)``."""
        entries = list(order_shipping_list)
        seen, duplicates = set(), []
        for entry in entries:
            number = entry.get("orderNumber") if isinstance(entry, dict) else None
            if not number:
                raise ValueError("every entry needs an orderNumber")
            if number in seen:
                duplicates.append(number)
            seen.add(number)
        if duplicates:
            raise ValueError(
                "an order number may appear only once per asynchronous shipping "
                f"update; merge the baskets of: {', '.join(sorted(set(duplicates)))}"
            )
        request_ids, messages = [], []
        operation = "updateOrderShippingAsync"
        for chunk in _chunks(entries, ORDER_CHUNK):
            try:
                payload = self._call_order_api(
                    operation, {"OrderShippingModelList": chunk}, count=len(chunk)
                )
                chunk_messages = self._messages(payload, operation=operation)
                ids = [m.request_id for m in chunk_messages if m.request_id]
                if payload.get("requestId") not in (None, ""):
                    ids.insert(0, str(payload["requestId"]))
                ids = _unique(ids)
                if not ids:
                    error = next((m for m in chunk_messages if m.is_error), None)
                    if error:
                        self._raise_call_error(operation, error, chunk_messages)
                    raise RmsResponseError(
                        "no requestId in the answer",
                        operation=operation,
                        http_status=200,
                        messages=chunk_messages,
                    )
            except RmsError as exc:
                exc.partial_results = list(request_ids)
                raise
            for message in chunk_messages:
                if message.is_error:
                    _logger.warning(
                        "RMS %s: %s for order %s",
                        operation,
                        message,
                        message.order_number,
                    )
            request_ids.extend(ids)
            messages.extend(chunk_messages)
        return request_ids, messages

    def get_result_update_order_shipping_async(self, request_id):
        """Per-order results of an asynchronous shipping update. An empty list means RMS has no
        result (yet): still running, unknown or expired (results are kept 30 days)."""
        operation = "getResultUpdateOrderShippingAsync"
        payload = self._call_order_api(operation, {"requestId": request_id})
        self._order_messages(operation, payload)
        rows = payload.get("ResultShippingModelList") or []
        if not isinstance(rows, list):
            raise RmsResponseError(
                "ResultShippingModelList is not a list", operation=operation
            )
        results = []
        for row in rows:
            if not isinstance(row, dict):
                raise RmsResponseError(
                    "result row is not an object", operation=operation
                )
            if not row.get("orderNumber"):
                # While the request is still running RMS answers one row without an order
                # number that carries only INFO messages (..._ASYNC_INFO_101): no result yet.
                row_messages = self._messages(row, None, operation=operation)
                if all(not m.is_error for m in row_messages):
                    continue
                raise RmsResponseError(
                    "result row without orderNumber", operation=operation
                )
            number = str(row["orderNumber"])
            results.append(
                OrderResult(number, self._messages(row, number, operation=operation))
            )
        return results

    # -- cancel / payment --------------------------------------------------------------------

    def cancel_order(self, order_number, *, inventory_restore_type, reason_code):
        """Request cancellation of an order in status 100/200/300."""
        order_number = str(order_number)
        payload = self._call_order_api(
            "cancelOrder",
            {
                "orderNumber": order_number,
                "inventoryRestoreType": int(inventory_restore_type),
                "changeReasonDetailApply": int(reason_code),
            },
        )
        return OrderResult(
            order_number, self._order_messages("cancelOrder", payload, order_number)
        )

    def get_payment(self, order_number, *, version=GET_PAYMENT_VERSION):
        """Return the ``OrderModel`` of getPayment (payment rows, statuses, refunds)."""
        order_number = str(order_number)
        payload = self._call_order_api(
            "getPayment", {"orderNumber": order_number, "version": version}
        )
        messages = self._messages(payload, order_number, operation="getPayment")
        error = next((m for m in messages if m.is_error), None)
        if error:
            self._raise_call_error("getPayment", error, messages)
        model = payload.get("OrderModel")
        if not isinstance(model, dict):
            raise RmsResponseError(
                "no OrderModel in the answer",
                operation="getPayment",
                http_status=200,
                messages=messages,
            )
        return model

    # -- license -----------------------------------------------------------------------------

    def get_license_expiry(self):
        """Return the license key's expiry as an aware JST datetime."""
        operation = "licenseExpiryDate"
        payload = self._request(
            "GET",
            f"{self.base_url}1.0/license-management/license-key/expiry-date",
            operation,
            params={"licenseKey": self._license_key.reveal()},
        )
        raw = payload.get("expiryDate")
        try:
            expiry = parse_rms_datetime(raw)
        except ValueError:
            expiry = None
        if expiry is None:
            raise RmsResponseError(
                "no readable expiryDate in the answer",
                operation=operation,
                http_status=200,
            )
        return expiry
