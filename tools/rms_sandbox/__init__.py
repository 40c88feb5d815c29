"""A local emulator of the Rakuten RMS APIs an OMS uses: the RakutenPay order API
(楽天ペイ受注API), Item API 2.0 (商品API 2.0) and Inventory API 2.0 (在庫API 2.0).

The sandbox is the embedded default for demos, end-to-end tests and benchmarks. It follows
the paths, envelopes, message codes and limits described in ``rms-api.md`` and
``rms-items-inventory.md`` (the RMS notes) and keeps its state in memory. It imports the
standard library only (never ``rms`` nor ``odoo``), so a client tested against it is not
tested against itself.

Usage from Python::

    with RmsSandbox(seed=1) as sandbox:
        sandbox.generate_orders(200)
        client = RmsClient(sandbox.service_secret, sandbox.license_key, sandbox.url)

From a shell (demo credentials, runs in the foreground)::

    python -m tools.rms_sandbox --port 8099 --orders 200     # from the addon's root
    python tools/rms_sandbox --port 8099 --orders 200        # the same

Served endpoints (all need ``Authorization: ESA base64(secret:key)``)::

    POST /es/2.0/order/{searchOrder, getOrder, confirmOrder, updateOrderShipping,
                        updateOrderShippingAsync, getResultUpdateOrderShippingAsync,
                        cancelOrder, getPayment}/
    GET  /es/1.0/license-management/license-key/expiry-date?licenseKey=...
    GET  /es/2.0/items/search?hits=&offset=&cursorMark=&manageNumber=&itemNumber=&title=
                              &variantId=&merchantDefinedSkuId=&isHiddenItem=
    GET  /es/2.0/items/manage-numbers/{manageNumber}          (needs 商品一括編集機能)
    POST /es/2.0/items/bulk-get {"manageNumbers": [...]}     (≤50, needs 商品一括編集機能)
    POST /es/2.0/inventories/bulk-get {"inventories": [{manageNumber, variantId}]}   (≤1000)
    POST /es/2.0/inventories/bulk-upsert {"inventories": [{manageNumber, variantId, mode,
                                          quantity}]}       (≤400, 204; IE1105 before migration)
    GET  /es/1.0/shop/operationLeadTime                 (XML: N000 once migrated, C008 before)

Layout: :mod:`.state` (the :class:`RmsSandbox` class, its state and the helpers tests use),
:mod:`.server` (HTTP, authentication, dispatch), :mod:`.faults`, :mod:`.generator` (orders),
:mod:`.catalog` (items), :mod:`.operations` (one module per RMS area), ``__main__``.

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

from .__main__ import main
from .catalog import CATALOG, CatalogEntry, Variant
from .common import DELIVERY_COMPANIES, JST, UNDETERMINED, fmt_dt, parse_dt
from .state import RmsSandbox

__all__ = [
    "RmsSandbox",
    "JST",
    "fmt_dt",
    "parse_dt",
    "DELIVERY_COMPANIES",
    "CATALOG",
    "CatalogEntry",
    "Variant",
    "UNDETERMINED",
    "main",
]
