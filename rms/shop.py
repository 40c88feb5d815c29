"""Shop settings that need no Odoo: the shop URL code."""
import re

#: The XXXX of https://www.rakuten.ne.jp/XXXX/ or https://www.rakuten.ne.jp/gold/XXXX/.
_CODE = r"[A-Za-z0-9][A-Za-z0-9_-]*"
_URL_RE = re.compile(
    r"^(?:https?://)?(?:www\.)?rakuten\.ne\.jp/(?:gold/)?(?P<code>%s)(?:/.*)?$" % _CODE,
    re.IGNORECASE,
)
_CODE_RE = re.compile(r"^%s$" % _CODE)

EXPECTED_FORMS = ("https://www.rakuten.ne.jp/XXXX/", "https://www.rakuten.ne.jp/gold/XXXX/")


def normalize_shop_url(value):
    """Return the shop URL code (the XXXX part) of ``value``, or None if it is not one.

    Accepts the code itself or a pasted shop or gold URL, with or without the
    scheme and the trailing slash, and surrounding spaces.
    """
    if not value:
        return None
    value = value.strip()
    match = _URL_RE.match(value)
    code = match.group("code") if match else value
    if _CODE_RE.match(code) and code.lower() != "gold":
        return code
    return None
