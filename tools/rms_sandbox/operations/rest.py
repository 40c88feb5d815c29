"""Request parsing shared by the Item API 2.0 and Inventory API 2.0 operations."""

from __future__ import annotations

import json

from ..common import _error, _errors

MAX_ID_BYTES = 32  # manageNumber and variantId (rms-api.md §7)


def parse_body(body):
    """(request dict, None) or (None, error answer) for a JSON request body."""
    if not body.strip():
        return None, (400, _errors("GE0011", "Request body is empty."))
    try:
        request = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, (415, _errors("GE0012", "Request body is not JSON."))
    if not isinstance(request, dict):
        return None, (400, _errors("IE0002", "Invalid value.", ""))
    return request, None


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def check_id(value, path, errors):
    """A manageNumber / variantId: a non-empty text of at most 32 bytes."""
    if value is None or value == "":
        errors.append(_error("IE0001", "Required field is missing.", path))
    elif not isinstance(value, str):
        errors.append(_error("IE0002", "Invalid value.", path))
    elif len(value.encode("utf-8")) > MAX_ID_BYTES:
        errors.append(_error("IE0004", "Too long (max %d bytes)." % MAX_ID_BYTES, path))
    else:
        return True
    return False


def check_list(request, key, limit, errors):
    """The list ``request[key]`` (1 to ``limit`` entries) or None after recording errors."""
    values = request.get(key)
    if values is None or values == []:
        errors.append(_error("IE0001", "Required field is missing.", key))
    elif not isinstance(values, list):
        errors.append(_error("IE0002", "Invalid value.", key))
    elif len(values) > limit:
        errors.append(_error("IE1101", "Too many entries (max %d)." % limit, key))
    else:
        return values
    return None
