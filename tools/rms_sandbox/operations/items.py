"""Item API 2.0 (商品API 2.0): items.search, items.get, items.bulk.get.

Sandbox choices where the reference is silent: the AuthError of a shop without
商品一括編集機能 is the gateway's 401 ``ES01-01`` "Un-Authorised" (the documented auth error
shape); ``nextCursorMark`` is an opaque text, and it stops changing once the last page was
served; items are sorted by manageNumber; there is no index lag.
"""

from __future__ import annotations

import base64
import binascii

from ..catalog import item_model
from ..common import _error, _errors, _gateway
from .rest import check_id, check_list, parse_body

MAX_HITS = 100
DEFAULT_HITS = 10
MAX_OFFSET = 10000
MAX_BULK_GET = 50
_TRUE = {"true": True, "false": False}


def _cursor(manage_number):
    return base64.urlsafe_b64encode(("after:" + manage_number).encode("utf-8")).decode(
        "ascii"
    )


def _after(cursor):
    """The manageNumber a cursorMark resumes after ("" for ``*``), or None when invalid."""
    if cursor == "*":
        return ""
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    return text[6:] if text.startswith("after:") else None


class ItemOperations:
    """Mixin of :class:`~..state.RmsSandbox`: the Item API over ``self.catalog``."""

    def _item_json(self, entry):
        created, updated = self._item_times[entry.manage_number]
        return item_model(entry, created, updated)

    def _bulk_edit_refused(self):
        if self.item_bulk_edit:
            return None
        return 401, _gateway("ES01-01", "Un-Authorised")

    def _items_search(self, _parameter, query, _body):  # noqa: C901 (flat list of checks)
        errors = []

        def number(key, default, low, high):
            values = query.get(key)
            if not values:
                return default
            text = values[0]
            if not text.isdigit():
                errors.append(_error("IE0002", "Invalid value.", key))
                return default
            if not low <= int(text) <= high:
                errors.append(
                    _error("IE0003", "Out of range (%d-%d)." % (low, high), key)
                )
                return default
            return int(text)

        hits = number("hits", DEFAULT_HITS, 1, MAX_HITS)
        offset = number("offset", 0, 0, MAX_OFFSET)
        cursor = (query.get("cursorMark") or [None])[0]
        after = None
        if cursor is not None:
            after = _after(cursor)
            if after is None:
                errors.append(_error("IE0002", "Invalid value.", "cursorMark"))
            if query.get("sortKey"):
                errors.append(
                    _error(
                        "IE0002", "sortKey cannot be used with cursorMark.", "sortKey"
                    )
                )
        hidden = None
        if query.get("isHiddenItem"):
            hidden = _TRUE.get(query["isHiddenItem"][0].lower())
            if hidden is None:
                errors.append(_error("IE0002", "Invalid value.", "isHiddenItem"))
        if errors:
            return 400, {"errors": errors}

        def wanted(entry):
            for key, value in (
                ("manageNumber", entry.manage_number),
                ("itemNumber", entry.item_number),
            ):
                if query.get(key) and query[key][0] != value:
                    return False
            if query.get("title") and query["title"][0] not in entry.item_name:
                return False
            if query.get("variantId") and not any(
                v.variant_id == query["variantId"][0] for v in entry.variants
            ):
                return False
            if query.get("merchantDefinedSkuId") and not any(
                v.merchant_defined_sku_id == query["merchantDefinedSkuId"][0]
                for v in entry.variants
            ):
                return False
            return hidden is None or entry.hidden == hidden

        found = sorted(
            (e for e in self.catalog if wanted(e)), key=lambda e: e.manage_number
        )
        if cursor is not None:
            page = [e for e in found if e.manage_number > after][:hits]
            offset = 0
        else:
            page = found[offset : offset + hits]
        answer = {
            "numFound": len(found),
            "offset": offset,
            "hits": len(page),
            "results": [{"item": self._item_json(e)} for e in page],
        }
        if cursor is not None:
            answer["nextCursorMark"] = (
                _cursor(page[-1].manage_number) if page else cursor
            )
        return 200, answer

    def _items_get(self, manage_number, _query, _body):
        refused = self._bulk_edit_refused()
        if refused:
            return refused
        entry = self.item(manage_number)
        if entry is None:
            return 404, _errors("GE0014", "Item not found.")
        return 200, self._item_json(entry)

    def _items_bulk_get(self, _parameter, _query, body):
        refused = self._bulk_edit_refused()
        if refused:
            return refused
        request, failure = parse_body(body)
        if failure:
            return failure
        errors = []
        numbers = check_list(request, "manageNumbers", MAX_BULK_GET, errors)
        if numbers is not None:
            seen = set()
            for i, value in enumerate(numbers):
                path = "manageNumbers[%d]" % i
                if check_id(value, path, errors):
                    if value in seen:
                        errors.append(_error("IE1106", "Duplicate manageNumber.", path))
                    seen.add(value)
        if errors:
            return 400, {"errors": errors}
        by_number = {e.manage_number: e for e in self.catalog}
        return 200, {
            "results": [
                self._item_json(by_number[n]) for n in numbers if n in by_number
            ]
        }
