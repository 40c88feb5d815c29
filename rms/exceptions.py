"""Typed errors raised by :mod:`rms.client`.

Every error carries the RMS operation, the HTTP status, the RMS/gateway error code, the text RMS sent
and an English ``user_message`` telling the merchant what to do. Messages never contain credentials:
the client scrubs them before raising, and ``str()``/``repr()`` are built only from these fields.
"""

import re

__all__ = [
    "RmsError",
    "RmsAuthError",
    "RmsRateLimitError",
    "RmsServerError",
    "RmsBadRequestError",
    "RmsResponseError",
]

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
    :ivar user_message: what the merchant should do, in English
    :ivar messages: parsed RMS messages (``RmsMessage``) of the failing answer, if any
    :ivar partial_results: results of the chunks that succeeded before a multi-call
        operation failed (e.g. orders already confirmed), else None
    """

    default_user_message = "The Rakuten RMS API call failed."

    def __init__(self, message=None, *, operation=None, http_status=None, error_code=None,
                 user_message=None, messages=(), partial_results=None):
        self.operation = operation
        self.http_status = http_status
        self.error_code = error_code
        self.message = redact(message) if message else None
        self.user_message = redact(user_message) if user_message else self.default_user_message
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
        return (f"{type(self).__name__}(operation={self.operation!r}, http_status={self.http_status!r}, "
                f"error_code={self.error_code!r}, message={self.message!r})")


class RmsAuthError(RmsError):
    """Credentials rejected or API function not enabled (ES01-01, ES04-01, GA0001, ES04-03,
    HTTP 401/403). Never retried: retrying cannot fix it."""

    default_user_message = (
        "Rakuten RMS rejected the credentials. Check the service secret and the license key in "
        "RMS > WEB APIサービス and enter them again.")


class RmsRateLimitError(RmsError):
    """HTTP 429 (or a gateway rate-limit answer) still returned after all retries."""

    default_user_message = (
        "Rakuten RMS is limiting the request rate. The call was retried and still refused; "
        "the next scheduled run will try again.")


class RmsServerError(RmsError):
    """HTTP 5xx, timeout or connection error still failing after all retries."""

    default_user_message = (
        "Rakuten RMS is unavailable or did not answer in time (it was retried). "
        "The next scheduled run will try again; if this persists, check the RMS status page.")


class RmsBadRequestError(RmsError):
    """HTTP 400/404/405, or an ERROR message for the whole call (e.g.
    ORDER_EXT_API_SEARCH_ORDER_ERROR_009/011). Not retried."""

    default_user_message = (
        "Rakuten RMS rejected the request as invalid. This usually needs a fix in the data or "
        "the connector; see the RMS message for details.")


class RmsResponseError(RmsError):
    """The answer could not be read (not JSON, or not the expected shape)."""

    default_user_message = (
        "Rakuten RMS returned an answer that could not be read. Try again later; "
        "if it persists, report it to the connector's maintainers.")
