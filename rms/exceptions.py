"""Typed errors raised by :mod:`rms.client`.

Every error carries the RMS operation, the HTTP status, the RMS/gateway error code, the text RMS
sent and what the merchant should do: a stable ``user_code`` (a key of :data:`USER_MESSAGES`)
with its ``user_args``, and the same in English as ``user_message`` (for server logs). The Odoo
layer renders
``USER_MESSAGES[user_code] % user_args`` in the reader's language. Messages never contain
credentials: the client scrubs them before raising, the arguments and ``user_message`` are redacted
again here, and ``str()``/``repr()`` are built only from these fields.
"""

import re

__all__ = [
    "RmsError",
    "RmsAuthError",
    "RmsRateLimitError",
    "RmsServerError",
    "RmsBadRequestError",
    "RmsResponseError",
    "RmsThrottleError",
    "RmsMaintenanceError",
    "RmsConflictError",
    "RmsNotMigratedError",
    "RmsInventoryRelativeError",
    "RmsInventoryRangeError",
    "RmsDuplicateRowError",
    "USER_MESSAGES",
]

#: What the merchant should do about an RMS error, by stable code: English templates (the
#: msgids of their translations). ``%(rms_message)s`` is the text RMS sent, kept as RMS wrote it.
USER_MESSAGES = {
    "failed": "The Rakuten RMS API call failed.",
    "auth": (
        "Rakuten RMS rejected the credentials. Check the service secret and the license key in "
        "RMS (WEB API Service) and enter them again."
    ),
    "rate_limit": (
        "Rakuten RMS is limiting the request rate. The call was retried and still refused; "
        "the next scheduled run will try again."
    ),
    "server": (
        "Rakuten RMS is unavailable or did not answer in time (it was retried). "
        "The next scheduled run will try again; if this persists, check the RMS status page."
    ),
    "bad_request": (
        "Rakuten RMS rejected the request as invalid. This usually needs a fix in the data or "
        "the connector; see the RMS message for details."
    ),
    "response": (
        "Rakuten RMS returned an answer that could not be read. Try again later; "
        "if it persists, report it to the connector's maintainers."
    ),
    "rejected": "Rakuten RMS rejected the request: %(rms_message)s",
    "auth_ES01-01": (
        "Rakuten RMS rejected the license key (ES01-01): it has expired, is wrong, or was "
        "issued for another product. Renew or re-issue the license key in RMS (WEB API "
        "Service) and enter the new key here. A freshly renewed key can take 15-30 minutes "
        "before RMS accepts it."
    ),
    "auth_ES04-01": (
        "Rakuten RMS refused the call (ES04-01): the API functions are not enabled for this "
        "license key, or the key is brand new. In RMS, WEB API Service, edit the functions "
        "of this key and enable the order functions (rpay.order.*) and "
        "license.expiryDate.get; a newly issued key may need about 30 minutes before it "
        "works."
    ),
    "auth_GA0001": (
        "Rakuten RMS rejected the credentials (GA0001), typically because the license key "
        "has expired. Renew the license key in RMS (WEB API Service) and enter the new key "
        "here; a renewed key can take 15-30 minutes before RMS accepts it."
    ),
    "auth_ES04-03": (
        "Rakuten RMS rejected the request (ES04-03). Check that the service secret and "
        "license key are entered exactly as shown in RMS (WEB API Service); if they are "
        "correct, report this error."
    ),
    "auth_401": (
        "Rakuten RMS rejected the credentials (HTTP 401). Check the service secret and "
        "license key in RMS (WEB API Service); an expired key must be renewed (a renewed key "
        "can take 15-30 minutes)."
    ),
    "auth_403": (
        "Rakuten RMS denied access (HTTP 403). In RMS, WEB API Service, edit the functions of this "
        "license key and enable the order functions (rpay.order.*) and license.expiryDate.get."
    ),
    # -- Item API 2.0 / Inventory API 2.0 (rms/items_client.py) ------------------------------
    "throttle": (
        "Rakuten RMS refused the call because this shop sent too many requests per second or "
        "per minute (ES01-03, ES01-04 or GA0003). The call was retried after the wait RMS asked "
        "for and still refused; the next scheduled run will try again."
    ),
    "maintenance": (
        "Rakuten RMS is in maintenance (ES01-02) and did not process the call. It is kept and "
        "sent again when the maintenance is over."
    ),
    "conflict": (
        "Rakuten RMS was busy with another process on the same data (CE0001) and refused the call "
        "after several retries. The next scheduled run will try again."
    ),
    "not_migrated": (
        "This shop has not migrated to Rakuten's SKU model yet (IE1105): RMS refuses stock and "
        "product writes until the migration. Stock and product writes stay off for this shop "
        "until it has migrated."
    ),
    "inventory_relative": (
        "Rakuten RMS refused a relative stock change for an SKU that has no stock record yet "
        "(IE0500). Its first stock update must set an absolute quantity."
    ),
    "inventory_range": (
        "Rakuten RMS refused the stock update: the quantity would leave the range 0 to 99999 "
        "(IE0117)."
    ),
    "duplicate_rows": (
        "Rakuten RMS refused the call: the same item management number and SKU appear twice in "
        "one request (IE1102)."
    ),
    "items_no_bulk_edit": (
        "Rakuten RMS refused %(operation)s (%(error_code)s): it needs the Item Bulk Edit option "
        "(a paid RMS subscription) or the function is not enabled for this license key. The "
        "items were read with items.search instead, which every shop has; its index can lag up "
        "to 24 hours behind RMS."
    ),
    "auth_items": (
        "Rakuten RMS refused the Item or Inventory API call (%(error_code)s). In RMS, WEB API "
        "Service, edit the functions of this license key and enable Item API 2.0 and Inventory "
        "API 2.0; if the key is correct and enabled, it may have expired."
    ),
    "probe_migrated": (
        "Rakuten RMS answers shop.operationLeadTime.get, a function only shops migrated to the "
        "SKU model have: this shop has migrated."
    ),
    "probe_not_migrated": (
        "Rakuten RMS answered shop.operationLeadTime.get with %(result_code)s (no data), its "
        "documented answer for a shop that has not migrated to the SKU model yet."
    ),
    "probe_unknown": (
        "Whether this shop has migrated to the SKU model could not be read from Rakuten RMS "
        "(%(detail)s). Enable shop.operationLeadTime.get (Shop API) for this license key in RMS, "
        "WEB API Service; the first imported order with an SKU also tells it."
    ),
}

# Last line of defence: even if a caller builds an error by hand, an Authorization value or a
# licenseKey query parameter never reaches str()/repr().
_REDACT_PATTERNS = (
    (re.compile(r"(ESA\s+)[A-Za-z0-9+/=_-]+"), r"\1***"),
    (re.compile(r"(licenseKey=)[^&\s'\"]+", re.IGNORECASE), r"\1***"),
)


def redact(text):
    """Mask Authorization values and licenseKey query parameters in ``text``."""
    if not text:
        return text
    text = str(text)
    for pattern, repl in _REDACT_PATTERNS:
        text = pattern.sub(repl, text)
    return text


class RmsError(Exception):
    """Base class of every RMS client error.

    :ivar operation: RMS operation name (``searchOrder``, ``confirmOrder``, ...) or None
    :ivar http_status: HTTP status of the last answer, None for network errors
    :ivar error_code: RMS message code or gateway error code (``ES01-01``), when known
    :ivar message: the text RMS sent (or a short technical description)
    :ivar user_code: what the merchant should do, as a key of :data:`USER_MESSAGES`, or None
        when the error was built with a custom English ``user_message``
    :ivar user_args: the arguments of that template (redacted)
    :ivar user_message: what the merchant should do, in English
    :ivar messages: parsed RMS messages (``RmsMessage``) of the failing answer, if any
    :ivar partial_results: results of the chunks that succeeded before a multi-call
        operation failed (e.g. orders already confirmed), else None
    """

    default_user_code = "failed"
    default_user_message = USER_MESSAGES["failed"]  # English

    def __init__(
        self,
        message=None,
        *,
        operation=None,
        http_status=None,
        error_code=None,
        user_message=None,
        user_code=None,
        user_args=None,
        messages=(),
        partial_results=None,
    ):
        self.operation = operation
        self.http_status = http_status
        self.error_code = error_code
        self.message = redact(message) if message else None
        if user_code is None and not user_message:
            user_code = self.default_user_code
        if user_code is not None and user_code not in USER_MESSAGES:
            raise ValueError(f"unknown RMS user message code {user_code!r}")
        self.user_code = user_code
        self.user_args = {
            name: redact(value) if isinstance(value, str) else value
            for name, value in (user_args or {}).items()
        }
        if user_code is not None:
            template = USER_MESSAGES[user_code]
            user_message = template % self.user_args if self.user_args else template
        self.user_message = redact(user_message)
        self.messages = list(messages or ())
        self.partial_results = partial_results
        super().__init__(self._describe())

    def _describe(self):
        head = f"RMS {self.operation}" if self.operation else "RMS"
        text = self.message or self.user_message
        details = []
        if self.error_code:
            details.append(str(self.error_code))
        if self.http_status is not None:
            details.append(f"HTTP {self.http_status}")
        suffix = f" [{', '.join(details)}]" if details else ""
        return f"{head}: {text}{suffix}"

    def __str__(self):
        return self._describe()

    def __repr__(self):
        return (
            f"{type(self).__name__}(operation={self.operation!r}, "
            f"http_status={self.http_status!r}, "
            f"error_code={self.error_code!r}, message={self.message!r})"
        )


class RmsAuthError(RmsError):
    """Credentials rejected or API function not enabled (ES01-01, ES04-01, GA0001, ES04-03,
    HTTP 401/403). Never retried: retrying cannot fix it."""

    default_user_code = "auth"
    default_user_message = USER_MESSAGES["auth"]  # English


class RmsRateLimitError(RmsError):
    """HTTP 429 (or a gateway rate-limit answer) still returned after all retries."""

    default_user_code = "rate_limit"
    default_user_message = USER_MESSAGES["rate_limit"]  # English


class RmsServerError(RmsError):
    """HTTP 5xx, timeout or connection error still failing after all retries."""

    default_user_code = "server"
    default_user_message = USER_MESSAGES["server"]  # English


class RmsThrottleError(RmsRateLimitError):
    """The gateway's throttle answer (ES01-03 QPS, ES01-04 QPM, GA0003; HTTP 403 or 429) still
    returned after the bounded retries (each waited Retry-After, capped). RMS did not act."""

    default_user_code = "throttle"
    default_user_message = USER_MESSAGES["throttle"]  # English


class RmsMaintenanceError(RmsServerError):
    """503 ES01-02 "API In Maintenance" still returned after the retries. RMS did nothing: the
    caller keeps the call (e.g. a stock push) and replays it after the maintenance."""

    default_user_code = "maintenance"
    default_user_message = USER_MESSAGES["maintenance"]  # English


class RmsConflictError(RmsServerError):
    """409 CE0001 (conflict with another RMS process) still returned after the retries."""

    default_user_code = "conflict"
    default_user_message = USER_MESSAGES["conflict"]  # English


class RmsBadRequestError(RmsError):
    """HTTP 400/404/405, or an ERROR message for the whole call (e.g.
    ORDER_EXT_API_SEARCH_ORDER_ERROR_009/011). Not retried."""

    default_user_code = "bad_request"
    default_user_message = USER_MESSAGES["bad_request"]  # English


class RmsResponseError(RmsError):
    """The answer could not be read (not JSON, or not the expected shape)."""

    default_user_code = "response"
    default_user_message = USER_MESSAGES["response"]  # English


class RmsNotMigratedError(RmsBadRequestError):
    """400 IE1105: the endpoint is disabled because the shop has not migrated to the SKU model.
    The Odoo side keeps stock and product writes off for the shop until it migrates."""

    default_user_code = "not_migrated"
    default_user_message = USER_MESSAGES["not_migrated"]  # English


class RmsInventoryRelativeError(RmsBadRequestError):
    """400 IE0500: a RELATIVE change for a manageNumber + variantId with no stock record yet."""

    default_user_code = "inventory_relative"
    default_user_message = USER_MESSAGES["inventory_relative"]  # English


class RmsInventoryRangeError(RmsBadRequestError):
    """400 IE0117: the quantity after the update would leave 0..99999."""

    default_user_code = "inventory_range"
    default_user_message = USER_MESSAGES["inventory_range"]  # English


class RmsDuplicateRowError(RmsBadRequestError):
    """400 IE1102: the same manageNumber + variantId twice in one bulk call. The client removes
    duplicates before sending, so this means RMS folded two spellings together."""

    default_user_code = "duplicate_rows"
    default_user_message = USER_MESSAGES["duplicate_rows"]  # English
