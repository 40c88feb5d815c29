"""Shop settings that need no Odoo: the shop URL code."""

import re

#: A shop URL code: the XXXX of https://www.rakuten.co.jp/XXXX/.
_CODE = r"[A-Za-z0-9][A-Za-z0-9_-]*"
#: The URLs a merchant may paste, each with the shop code in ``code``: the shop's top page
#: (www.rakuten.co.jp, or its www.rakuten.ne.jp form), its GOLD page, and any item page.
_URL_RES = tuple(
    re.compile(
        r"^(?:https?://)?%s(?P<code>%s)(?:[/?#].*)?$" % (host, _CODE), re.IGNORECASE
    )
    for host in (
        r"(?:www\.)?rakuten\.co\.jp/",
        r"(?:www\.)?rakuten\.ne\.jp/gold/",
        r"(?:www\.)?rakuten\.ne\.jp/",
        r"item\.rakuten\.co\.jp/",
    )
)
_CODE_RE = re.compile(r"^%s$" % _CODE)
#: Path words of Rakuten's own pages, never a shop code.
_NOT_CODES = {"gold", "event", "category", "search", "review", "gift", "info"}

#: What the shop URL field accepts, as told to the merchant (XXXX: the shop code).
EXPECTED_FORMS = (
    "XXXX",
    "https://www.rakuten.co.jp/XXXX/",
    "https://www.rakuten.ne.jp/gold/XXXX/",
    "https://www.rakuten.ne.jp/XXXX/",
    "https://item.rakuten.co.jp/XXXX/…",
)


def normalize_shop_url(value):
    """Return the shop URL code (the XXXX part) of ``value``, or None if it is not one.

    Accepts the code itself or one of the pasted URLs of :data:`EXPECTED_FORMS`, with or
    without the scheme and the trailing slash, and surrounding spaces.
    """
    if not value:
        return None
    value = value.strip()
    if _CODE_RE.match(value):
        code = value
    else:
        match = next((m for m in (r.match(value) for r in _URL_RES) if m), None)
        if not match:
            return None
        code = match.group("code")
    if code.lower() in _NOT_CODES:
        return None
    return code
