"""RMS Item API 2.0 and Inventory API 2.0 calls of :class:`rms.client.RmsClient` (a mixin).

Kept beside client.py, and sharing its transport (``_send``: auth header, urllib3 retries of
5xx/timeouts, secret scrubbing), so the order API client stays readable. Items are returned as
the raw dicts RMS sent (``rms/item.py`` parses them); stock as :class:`InventoryRow`.

Endpoints (under ``<base_url>2.0/``; rms-items-inventory.md §1, rms-api.md §7):

* items.search: ``GET items/search`` (cursorMark, hits=100): 100 a page, 5 calls/s;
* items.get: ``GET items/manage-numbers/{mn}``: one item, 5 calls/s;
* items.bulk.get: ``POST items/bulk-get``: 50 items a call, 1 call/s;
* inventories.bulk.get: ``POST inventories/bulk-get``: 1000 SKUs a call, 5 calls/s;
* inventories.bulk.upsert: ``POST inventories/bulk-upsert`` (204): 400 SKUs a call, 1 call/s;
* shop.operationLeadTime.get: ``GET /es/1.0/shop/operationLeadTime`` (XML), the migration probe.

* **Pacing** is per function: each has its own :class:`rms.client.Pacer` at its documented rate
  (``FUNCTION_INTERVALS``), sharing the clock and sleep of the client's pacer. A client built
  with ``min_interval=0`` (tests, the local sandbox) paces nothing.
* **Retries.** Reads change nothing and are resent. :meth:`upsert_inventories` sends mode
  ``ABSOLUTE`` only: sending the same quantities twice leaves RMS in the same state as sending
  them once, so a call whose answer was lost (read timeout, 5xx from a gateway) is resent like a
  read. :meth:`adjust_inventories` (the stock push) may send RELATIVE rows, which count twice if
  sent twice: it uses the cautious session and is never resent after a lost answer (the next
  push reads RMS again). On top of urllib3's retries of 5xx/timeouts/connection errors, the client
  resends, at most ``max_retries`` times, the answers that say RMS did not act: the gateway's
  throttle answers (ES01-03, ES01-04, GA0003; 403 or 429), waiting Retry-After (capped at
  ``RETRY_AFTER_MAX``) or the backoff, and 409 CE0001 (conflict with another RMS process).
  503 ES01-02 (maintenance) is retried by urllib3 and then raised as
  :class:`~rms.exceptions.RmsMaintenanceError`, so the caller queues the push and replays it.
* **Inventory API 2.0, never 2.1.** 2.1 writes replace the whole SKU record, so a quantity-only
  push through 2.1 clears 出荷リードタイム (operationLeadTime) and 出荷元 (shipFromIds). 2.0
  bulk-upsert carries only manageNumber, variantId, mode and quantity.
* **Errors** (``{"errors":[{code, message, metadata{propertyPath}}]}``) become typed errors:
  IE1105 :class:`~rms.exceptions.RmsNotMigratedError`, IE0500
  :class:`~rms.exceptions.RmsInventoryRelativeError`, IE0117
  :class:`~rms.exceptions.RmsInventoryRangeError`, IE1102
  :class:`~rms.exceptions.RmsDuplicateRowError`, other 4xx
  :class:`~rms.exceptions.RmsBadRequestError` (with RMS's message).
"""

import contextlib
import json
import logging
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from urllib.parse import quote

from .exceptions import (
    USER_MESSAGES,
    RmsAuthError,
    RmsBadRequestError,
    RmsConflictError,
    RmsDuplicateRowError,
    RmsError,
    RmsInventoryRangeError,
    RmsInventoryRelativeError,
    RmsNotMigratedError,
    RmsResponseError,
    RmsServerError,
    RmsThrottleError,
)
from .messages import Message

__all__ = [
    "BULK_GET_CHUNK",
    "FUNCTION_INTERVALS",
    "INVENTORY_GET_CHUNK",
    "INVENTORY_UPSERT_CHUNK",
    "InventoryRow",
    "ItemBatch",
    "ItemsApiMixin",
    "MigrationProbe",
    "SEARCH_PAGE_SIZE",
]

_logger = logging.getLogger(__name__)

SEARCH_PAGE_SIZE = 100  # items.search: hits 1..100
BULK_GET_CHUNK = 50  # items.bulk.get: manageNumbers 1..50
INVENTORY_GET_CHUNK = 1000  # inventories.bulk.get: 1..1000
INVENTORY_UPSERT_CHUNK = 400  # inventories.bulk.upsert: 1..400
MAX_QUANTITY = 99999  # Inventory API: quantity 0..99999

#: Seconds between the starts of two calls of one function: its documented maximum rate, plus 5 %
#: (two calls that left exactly 1 s apart can arrive closer than that, and RMS counts arrivals).
FUNCTION_INTERVALS = {
    "items.search": 0.21,  # 5 calls/s
    "items.get": 0.21,  # 5 calls/s
    "items.bulk.get": 1.05,  # 1 call/s
    "inventories.bulk.get": 0.21,  # 5 calls/s [KK]
    "inventories.bulk.upsert": 1.05,  # 1 call/s
    "shop.operationLeadTime.get": 1.05,
}

RETRY_AFTER_MAX = 120.0
#: Answers after which RMS surely did not act: resent by the client.
_RESEND_CODES = frozenset({"ES01-03", "ES01-04", "GA0003", "CE0001"})
_ERROR_CLASSES = {
    "IE1105": RmsNotMigratedError,
    "IE0500": RmsInventoryRelativeError,
    "IE0117": RmsInventoryRangeError,
    "IE1102": RmsDuplicateRowError,
}


@dataclass(frozen=True)
class InventoryRow:
    """The stock of one SKU on RMS (Inventory API 2.0)."""

    manage_number: str
    variant_id: str
    quantity: int
    updated: str = None  # bulk-get only: RMS's 更新日時 as it sent it (ISO 8601, JST)

    @property
    def key(self):
        """(manageNumber, variantId) as RMS compares them: manageNumber lower-cased, variantId
        case-sensitive."""
        return (self.manage_number.lower(), self.variant_id)


@dataclass
class ItemBatch:
    """What :meth:`ItemsApiMixin.get_items` read: the raw item dicts, which function read them,
    the asked numbers RMS does not know, and why the client fell back to items.search."""

    items: list
    source: str  # 'items.get' | 'items.bulk.get' | 'items.search'
    missing: list
    notice: Message = None  # set when the client fell back to items.search


@dataclass(frozen=True)
class MigrationProbe:
    """The answer of :meth:`ItemsApiMixin.probe_sku_migration`.

    ``migrated``: True (proven), False (RMS's documented pre-migration answer) or None (could
    not tell). ``reason`` says which, as a translatable :class:`Message`; ``error`` is the RMS
    error that made it unknown, if any.
    """

    migrated: bool
    reason: Message
    evidence: str = None  # resultCode or error code
    error: RmsError = None


def _message(code, **args):
    return Message(USER_MESSAGES[code], args)


def _as_row(row):
    if isinstance(row, InventoryRow):
        return row
    if isinstance(row, dict):
        return InventoryRow(row["manageNumber"], row["variantId"], row["quantity"])
    manage_number, variant_id, quantity = row
    return InventoryRow(manage_number, variant_id, quantity)


class ItemsApiMixin:
    """Item API 2.0 / Inventory API 2.0 methods of :class:`rms.client.RmsClient`."""

    # -- transport ---------------------------------------------------------------------------

    def _function_pacer(self, operation):
        """The pacer of one function (created on first use, at its documented rate)."""
        with self._stats_lock:
            pacer = self._function_pacers.get(operation)
            if pacer is None:
                base = self.pacer
                interval = (
                    FUNCTION_INTERVALS[operation] if base.min_interval > 0 else 0.0
                )
                pacer = type(base)(interval, clock=base._clock, sleep=base._sleep)
                self._function_pacers[operation] = pacer
        return pacer

    def _items_call(
        self,
        method,
        path,
        operation,
        *,
        body=None,
        params=None,
        count=1,
        version="2.0",
        accept="application/json",
        session=None,
    ):
        """Send one Item/Inventory call, resending throttle and 409 answers; return the response
        (2xx) or raise the typed error. ``session``: the one that resends lost answers
        (``_items_session``) unless told otherwise."""
        url = f"{self.base_url}{version}/{path}"
        data = self._encode(body)
        pacer = self._function_pacer(operation)
        for attempt in range(self.max_retries + 1):
            response = self._send(
                method,
                url,
                operation,
                data=data,
                params=params,
                count=count,
                session=session or self._items_session,
                pacer=pacer,
                accept=accept,
            )
            if 200 <= response.status_code < 300:
                return response
            gateway, code, text, path_ = self._items_error(response)
            resend = code in _RESEND_CODES or response.status_code in (
                409,
                429,
            )  # RMS did not act
            if not resend or attempt == self.max_retries:
                break
            wait = self._retry_wait(response, attempt)
            _logger.info(
                "RMS %s: %s (HTTP %s), resending in %.1fs",
                operation,
                code,
                response.status_code,
                wait,
            )
            if wait > 0:
                pacer._sleep(wait)
        self._raise_items_error(response, operation, gateway, code, text, path_)

    def _retry_wait(self, response, attempt):
        header = response.headers.get("Retry-After")
        if header:
            with contextlib.suppress(ValueError):  # an HTTP date: use the backoff
                return min(max(float(header), 0.0), RETRY_AFTER_MAX)
        return min(self.backoff_factor * 2**attempt, 60.0)

    def _items_error(self, response):
        """(gateway?, code, text, propertyPath) of an error answer, from either envelope: the
        gateway's ``{"Results": {errorCode, message}}`` or the APIs' ``{"errors": [...]}``."""
        try:
            payload = json.loads(response.content) if response.content else None
        except (ValueError, UnicodeDecodeError):
            payload = None
        if isinstance(payload, dict):
            gateway = payload.get("Results")
            if isinstance(gateway, dict) and gateway.get("errorCode"):
                return (
                    True,
                    str(gateway["errorCode"]),
                    self._scrub(gateway.get("message") or ""),
                    None,
                )
            errors = payload.get("errors")
            if isinstance(errors, list) and errors and isinstance(errors[0], dict):
                first = errors[0]
                meta = (
                    first.get("metadata")
                    if isinstance(first.get("metadata"), dict)
                    else {}
                )
                return (
                    False,
                    str(first.get("code") or "") or None,
                    self._scrub(first.get("message") or ""),
                    meta.get("propertyPath"),
                )
        return False, None, f"HTTP {response.status_code}", None

    def _raise_items_error(
        self, response, operation, gateway, code, text, property_path
    ):
        status = response.status_code
        if status == 409 and not gateway:
            raise RmsConflictError(
                text or "HTTP 409",
                operation=operation,
                http_status=status,
                error_code=code,
            )
        if gateway or not code:
            # gateway answers (auth, throttle, maintenance) and bare HTTP errors: the order API's
            # rules (rms.client.RmsClient._decode) apply, but a refused function is explained
            # with the Item/Inventory functions to enable, not the order ones
            try:
                self._decode(response, operation)
            except RmsAuthError as exc:
                if exc.user_code not in ("auth_403", "auth_ES04-01"):
                    raise
                raise RmsAuthError(
                    exc.message,
                    operation=operation,
                    http_status=status,
                    error_code=exc.error_code,
                    user_code="auth_items",
                    user_args={"error_code": exc.error_code or f"HTTP {status}"},
                ) from None
            raise RmsResponseError(
                f"unexpected HTTP status {status}",
                operation=operation,
                http_status=status,
            )
        message = text or code
        if property_path:
            message = f"{message} ({property_path})"
        kwargs = dict(operation=operation, http_status=status, error_code=code)
        if code in _ERROR_CLASSES:
            raise _ERROR_CLASSES[code](message, **kwargs)
        if code in ("ES01-03", "ES01-04", "GA0003"):
            raise RmsThrottleError(message, **kwargs)
        if code == "CE0001" or status == 409:
            raise RmsConflictError(message, **kwargs)
        if status >= 500:
            raise RmsServerError(message, **kwargs)
        raise RmsBadRequestError(
            message, user_code="rejected", user_args={"rms_message": message}, **kwargs
        )

    @staticmethod
    def _json(response, operation):
        try:
            payload = json.loads(response.content) if response.content else None
        except (ValueError, UnicodeDecodeError):
            raise RmsResponseError(
                "the answer is not valid JSON",
                operation=operation,
                http_status=response.status_code,
            ) from None
        if not isinstance(payload, dict):
            raise RmsResponseError(
                "the answer is not a JSON object",
                operation=operation,
                http_status=response.status_code,
            )
        return payload

    # -- items.search ------------------------------------------------------------------------

    def iter_items(self, *, page_size=SEARCH_PAGE_SIZE, **criteria):
        """Yield the raw ``item`` dict of every item matching ``criteria`` (items.search query
        parameters with their RMS names: ``isHiddenItem``, ``updatedFrom``, ``manageNumber``
        (a partial match), ...), following ``cursorMark`` from ``*`` until ``nextCursorMark``
        stops changing, or until ``numFound`` items were read (which spares the last, empty call).
        Deleted items (only ``manageNumber`` left) are yielded as RMS sent them.

        One call per ``page_size`` (≤100) items: 10,000 items take 100 calls, 21 s at the paced
        5 calls/s. The search index may lag up to 24 hours behind RMS.
        """
        for page in self.iter_item_pages(page_size=page_size, **criteria):
            yield from page

    def iter_item_pages(self, *, page_size=SEARCH_PAGE_SIZE, **criteria):
        """Like :meth:`iter_items`, one list of item dicts per call (for progress and batches)."""
        if not 1 <= int(page_size) <= SEARCH_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {SEARCH_PAGE_SIZE}")
        for refused in ("offset", "sortKey", "sortOrder", "cursorMark", "hits"):
            if refused in criteria:
                raise ValueError(f"{refused} is set by the cursor paging")
        params = {
            k: self._search_value(v) for k, v in criteria.items() if v is not None
        }
        params["hits"] = int(page_size)
        cursor, seen = "*", 0
        while True:
            params["cursorMark"] = cursor
            response = self._items_call(
                "GET", "items/search", "items.search", params=dict(params)
            )
            payload = self._json(response, "items.search")
            results = payload.get("results")
            if results is None:
                results = []
            if not isinstance(results, list):
                raise RmsResponseError(
                    "results is not a list", operation="items.search"
                )
            page = []
            for entry in results:
                item = entry.get("item") if isinstance(entry, dict) else None
                if not isinstance(item, dict):
                    raise RmsResponseError(
                        "a result without an item object", operation="items.search"
                    )
                page.append(item)
            if page:
                yield page
            seen += len(page)
            following = payload.get("nextCursorMark")
            found = payload.get("numFound")
            if not results or not following or following == cursor:
                return  # RMS's documented end: the cursor stops moving
            if isinstance(found, int) and not isinstance(found, bool) and seen >= found:
                return  # every hit read: spare the call that would say so
            cursor = following

    def search_items(self, **criteria):
        """Every item matching ``criteria`` as a list (see :meth:`iter_items`)."""
        return list(self.iter_items(**criteria))

    @staticmethod
    def _search_value(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if hasattr(value, "isoformat"):
            return value.isoformat()[:10]  # dates: YYYY-MM-DD (JST)
        return value

    # -- items.get / items.bulk.get ----------------------------------------------------------

    def get_items(self, manage_numbers):
        """Read items by 商品管理番号; return an :class:`ItemBatch`.

        One number: items.get (5/s); more: items.bulk.get by 50 (1/s). Both need the paid
        商品一括編集 option: when RMS answers with an authentication error, the client reads the
        items with items.search instead (one call per number; exact-match filtered, since the
        manageNumber criterion is a partial match), remembers it for later calls, and says why
        in ``notice``. If items.search is refused too, the credentials are wrong: that error is
        raised.
        """
        numbers = list(
            dict.fromkeys(
                str(n).strip().lower() for n in manage_numbers if str(n).strip()
            )
        )
        if not numbers:
            return ItemBatch([], "items.search", [])
        notice = getattr(self, "_bulk_edit_notice", None)
        if notice is None:
            operation = "items.get" if len(numbers) == 1 else "items.bulk.get"
            try:
                items = (
                    self._items_get(numbers[0])
                    if len(numbers) == 1
                    else self._items_bulk_get(numbers)
                )
                return self._batch(items, operation, numbers)
            except RmsAuthError as exc:
                notice = _message(
                    "items_no_bulk_edit",
                    operation=operation,
                    error_code=exc.error_code or f"HTTP {exc.http_status}",
                )
                self._bulk_edit_notice = notice
                _logger.info(
                    "RMS %s refused (%s): reading with items.search",
                    operation,
                    exc.error_code,
                )
        items = []
        for number in numbers:
            items.extend(
                item
                for item in self.iter_items(manageNumber=number)
                if str(item.get("manageNumber") or "").lower() == number
            )
        return self._batch(items, "items.search", numbers, notice)

    @staticmethod
    def _batch(items, source, numbers, notice=None):
        found = {str(item.get("manageNumber") or "").lower() for item in items}
        return ItemBatch(items, source, [n for n in numbers if n not in found], notice)

    def _items_get(self, number):
        try:
            response = self._items_call(
                "GET", f"items/manage-numbers/{quote(number, safe='')}", "items.get"
            )
        except RmsError as exc:
            if exc.http_status == 404 and exc.error_code in (
                None,
                "GE0014",
            ):  # unknown item
                return []
            raise
        return [self._json(response, "items.get")]

    def _items_bulk_get(self, numbers):
        items = []
        for index in range(0, len(numbers), BULK_GET_CHUNK):
            chunk = numbers[index : index + BULK_GET_CHUNK]
            response = self._items_call(
                "POST",
                "items/bulk-get",
                "items.bulk.get",
                body={"manageNumbers": chunk},
                count=len(chunk),
            )
            results = self._json(response, "items.bulk.get").get("results") or []
            if not isinstance(results, list) or not all(
                isinstance(r, dict) for r in results
            ):
                raise RmsResponseError(
                    "results is not a list of items", operation="items.bulk.get"
                )
            items.extend(results)
        return items

    # -- inventories -------------------------------------------------------------------------

    @staticmethod
    def _unique_keys(pairs, operation):
        """Refuse a (manageNumber, variantId) twice (RMS answers IE1102); RMS lower-cases
        manageNumber, so ``A1``/``a1`` are the same SKU."""
        seen, duplicates = set(), []
        for row in pairs:
            if not row.manage_number or not row.variant_id:
                raise ValueError(
                    f"{operation}: every row needs a manageNumber and a variantId"
                )
            if row.key in seen:
                duplicates.append("%s/%s" % row.key)
            seen.add(row.key)
        if duplicates:
            raise ValueError(
                f"{operation}: the same SKU appears twice: {', '.join(duplicates)}"
            )

    def get_inventories(self, pairs):
        """RMS stock of ``pairs`` ((manageNumber, variantId) tuples, or :class:`InventoryRow`)
        through Inventory API 2.0 inventories/bulk-get, 1000 a call; returns
        :class:`InventoryRow` rows (unknown SKUs are absent). Duplicates are read once."""
        rows = []
        for pair in pairs:
            if isinstance(pair, InventoryRow):
                rows.append(pair)
            else:
                manage_number, variant_id = pair[0], pair[1]
                rows.append(InventoryRow(str(manage_number), str(variant_id), 0))
        keys = list(dict.fromkeys(r.key for r in rows))
        found = []
        operation = "inventories.bulk.get"
        for index in range(0, len(keys), INVENTORY_GET_CHUNK):
            chunk = keys[index : index + INVENTORY_GET_CHUNK]
            body = {
                "inventories": [{"manageNumber": m, "variantId": v} for m, v in chunk]
            }
            try:
                response = self._items_call(
                    "POST",
                    "inventories/bulk-get",
                    operation,
                    body=body,
                    count=len(chunk),
                )
            except RmsError as exc:
                exc.partial_results = list(found)
                raise
            entries = self._json(response, operation).get("inventories") or []
            if not isinstance(entries, list):
                raise RmsResponseError("inventories is not a list", operation=operation)
            for entry in entries:
                try:
                    quantity = entry["quantity"]
                    if isinstance(quantity, bool) or not isinstance(
                        quantity, (int, float, str)
                    ):
                        raise TypeError
                    found.append(
                        InventoryRow(
                            str(entry["manageNumber"]),
                            str(entry["variantId"]),
                            int(quantity),
                            entry.get("updated"),
                        )
                    )
                except (KeyError, TypeError, ValueError):
                    raise RmsResponseError(
                        "an unreadable inventory entry", operation=operation
                    ) from None
        return found

    def upsert_inventories(self, rows):
        """Set RMS stock: Inventory API **2.0** inventories/bulk-upsert, mode ABSOLUTE, 400 rows a
        call, 1 call/s. ``rows``: :class:`InventoryRow`, ``(manageNumber, variantId, quantity)``
        tuples or dicts with those keys. Returns the rows sent, in order.

        2.0 and not 2.1: a 2.1 write deletes the fields it does not carry, so a quantity push
        there would clear 出荷リードタイム and 出荷元. ABSOLUTE is idempotent, so a lost answer
        is resent (see the module doc). Quantities must be integers 0..99999 and each SKU may
        appear once (ValueError before anything is sent). If a later call fails, the error's
        ``partial_results`` holds the rows RMS already accepted.
        """
        operation = "inventories.bulk.upsert"
        rows = [_as_row(row) for row in rows]
        for row in rows:
            if (
                isinstance(row.quantity, bool)
                or not isinstance(row.quantity, int)
                or not 0 <= row.quantity <= MAX_QUANTITY
            ):
                raise ValueError(
                    f"{operation}: quantity of {row.manage_number}/{row.variant_id} "
                    f"must be an integer 0..{MAX_QUANTITY}, not {row.quantity!r}"
                )
        self._unique_keys(rows, operation)
        sent = []
        for index in range(0, len(rows), INVENTORY_UPSERT_CHUNK):
            chunk = rows[index : index + INVENTORY_UPSERT_CHUNK]
            body = {
                "inventories": [
                    {
                        "manageNumber": r.manage_number,
                        "variantId": r.variant_id,
                        "mode": "ABSOLUTE",
                        "quantity": r.quantity,
                    }
                    for r in chunk
                ]
            }
            try:
                self._items_call(
                    "POST",
                    "inventories/bulk-upsert",
                    operation,
                    body=body,
                    count=len(chunk),
                )
            except RmsError as exc:
                exc.partial_results = list(sent)
                raise
            sent.extend(chunk)
        return sent

    def adjust_inventories(self, rows):
        """Bring RMS stock where it should be with rows that may be RELATIVE: Inventory API
        **2.0** inventories/bulk-upsert, 400 rows a call, 1 call/s. ``rows``: dicts
        ``{manageNumber, variantId, mode, quantity}``, ``mode`` ABSOLUTE (0..99999) or
        RELATIVE (a difference, -99999..99999). The stock push reads RMS's quantity first and
        sends the difference, so that an order placed meanwhile is not wiped out (rms/stock.py).
        Returns the rows sent, in order.

        A RELATIVE row sent twice counts twice. So, unlike :meth:`upsert_inventories`, a call
        whose answer was lost (read timeout, a 5xx from a gateway) is never resent: it raises
        :class:`~rms.exceptions.RmsServerError`, and the caller reads RMS again before sending
        anything. It is resent only when nothing can have been applied: a refused connection,
        and the answers that say RMS did not act (throttle, 409 CE0001), as every call here.
        Rows are checked (ValueError) before anything is sent.
        """
        operation = "inventories.bulk.upsert"
        checked = []
        for row in rows:
            mode, quantity = row.get("mode"), row.get("quantity")
            low = 0 if mode == "ABSOLUTE" else -MAX_QUANTITY
            if (
                mode not in ("ABSOLUTE", "RELATIVE")
                or isinstance(quantity, bool)
                or not isinstance(quantity, int)
                or not low <= quantity <= MAX_QUANTITY
            ):
                raise ValueError(
                    f"{operation}: {mode!r} {quantity!r} for {row.get('manageNumber')}/"
                    f"{row.get('variantId')} is no ABSOLUTE 0..{MAX_QUANTITY} nor "
                    f"RELATIVE -{MAX_QUANTITY}..{MAX_QUANTITY} integer"
                )
            checked.append(
                InventoryRow(str(row["manageNumber"]), str(row["variantId"]), quantity)
            )
        self._unique_keys(checked, operation)
        rows = list(rows)
        sent = []
        for index in range(0, len(rows), INVENTORY_UPSERT_CHUNK):
            chunk = rows[index : index + INVENTORY_UPSERT_CHUNK]
            body = {
                "inventories": [
                    {
                        "manageNumber": str(r["manageNumber"]),
                        "variantId": str(r["variantId"]),
                        "mode": r["mode"],
                        "quantity": r["quantity"],
                    }
                    for r in chunk
                ]
            }
            try:
                # The cautious session: no resend after a read timeout or a 5xx.
                self._items_call(
                    "POST",
                    "inventories/bulk-upsert",
                    operation,
                    body=body,
                    count=len(chunk),
                    session=self._cautious_session,
                )
            except RmsError as exc:
                exc.partial_results = list(sent)
                raise
            sent.extend(chunk)
        return sent

    # -- SKU migration -----------------------------------------------------------------------

    def probe_sku_migration(self):
        """Tell, with one read-only call, whether the shop has migrated to the SKU model.

        The call is ShopAPI ``GET /es/1.0/shop/operationLeadTime`` (shop.operationLeadTime.get):
        RMS documents it as a function of migrated shops, answering ``N000`` with the shop's
        出荷リードタイム list after the migration and ``C008`` "Requested data is not found"
        before it (rms-items-inventory.md §4, option 2). It is chosen because the other signals
        are weaker: IE1105 is answered only to writes, whether inventories/bulk-get works before
        the migration is undocumented, and an items.search answer looks the same before and after
        (only the uncertain ``normal-inventory`` variant key differs).

        Never raises an RMS error: ``migrated`` is True, False (the documented pre-migration
        answer: keep writes off) or None (unknown: the function is not enabled for the key, RMS
        unavailable, an answer that cannot be read), with the reason as a :class:`Message`.
        """
        operation = "shop.operationLeadTime.get"
        try:
            response = self._items_call(
                "GET",
                "shop/operationLeadTime",
                operation,
                version="1.0",
                accept="application/xml",
            )
        except RmsError as exc:
            return MigrationProbe(
                None,
                _message(
                    "probe_unknown",
                    detail=exc.error_code
                    or (
                        f"HTTP {exc.http_status}"
                        if exc.http_status
                        else type(exc).__name__
                    ),
                ),
                exc.error_code,
                exc,
            )
        code = None
        try:
            root = ElementTree.fromstring(response.content[:1_000_000])
            node = root.find("resultCode")
            code = (node.text or "").strip() if node is not None else None
        except ElementTree.ParseError:
            code = None
        if code == "N000":
            return MigrationProbe(True, _message("probe_migrated"), code)
        if code == "C008":
            return MigrationProbe(
                False, _message("probe_not_migrated", result_code=code), code
            )
        return MigrationProbe(
            None, _message("probe_unknown", detail=code or "unreadable answer"), code
        )
