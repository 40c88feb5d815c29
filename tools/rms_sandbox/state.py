"""The sandbox itself: its state (orders, counters, clock) and the helpers tests and demos
use to change it, as RMS or a buyer would."""

from __future__ import annotations

import collections
import copy
import random
import threading
from datetime import date, datetime, timedelta, timezone

from .catalog import CATALOG, entry_from_json, entry_to_json, generate_catalog
from .common import (
    CANCELLED,
    JST,
    MAX_REACHABLE_RECORDS,
    ORDER_PROGRESS,
    UNDETERMINED,
    fmt_dt,
    parse_dt,
)
from .faults import Faults
from .generator import DEFAULT_MIX, PREFECTURES, OrderGenerator
from .operations.cancel import CancelOperations
from .operations.changes import ChangeOperations
from .operations.inventory import InventoryOperations
from .operations.items import ItemOperations
from .operations.license import LicenseOperations
from .operations.orders import OrderOperations
from .operations.payment import PaymentOperations
from .operations.shipping import ShippingOperations
from .operations.shop import ShopOperations
from .server import Server


def _iso(moment):
    return moment.replace(microsecond=0).isoformat()


class RmsSandbox(
    Server,
    Faults,
    OrderGenerator,
    LicenseOperations,
    OrderOperations,
    ShippingOperations,
    CancelOperations,
    ChangeOperations,
    PaymentOperations,
    ItemOperations,
    InventoryOperations,
    ShopOperations,
):
    """In-memory RMS emulator (order, Item and Inventory APIs) served over HTTP on localhost.

    Fault switches: see :class:`~.faults.Faults`. Hostile data on demand: :meth:`serve_as`
    makes getOrder answer any JSON value in place of an order.
    Behaviour knobs: ``async_delay_polls``, ``confirm_moves_to``, ``max_reachable_records``,
    ``item_bulk_edit`` (商品一括編集機能: items.get / items.bulk.get answer), ``sku_migrated``
    (Inventory API writes answer IE1105 and shop.operationLeadTime.get C008 when False),
    ``fixed_stock`` (the RMS stock of every CATALOG SKU at start).
    State: ``orders``, ``catalog`` (CATALOG then :meth:`generate_catalog` items), ``stock``
    ((manageNumber, variantId) -> quantity: every order takes its units, a cancellation gives
    them back, bulk-upsert sets it). ``calls`` counts every request by operation name,
    ``answers`` by (operation name, HTTP status).
    Changes tests need: :meth:`set_progress`, :meth:`age_order`, :meth:`undetermine_postage`,
    :meth:`replace_order`, :meth:`set_stock`, :meth:`place_order` (a buyer orders now),
    :meth:`modify_order` (the shop or Rakuten changes an order after it was placed).
    """

    shop_id = "999999"

    def __init__(
        self,
        service_secret="sandbox-secret",
        license_key="sandbox-key",
        *,
        host="127.0.0.1",
        port=0,
        license_expiry=None,
        seed=0,
        clock=None,
        fixed_stock=100000,
    ):
        self.service_secret = service_secret
        self.license_key = license_key
        self.host = host
        self.port = port
        self.seed = seed
        self.clock = clock
        self.url = None
        self.verbose = False
        if license_expiry is None:
            self.license_expiry = (self.now() + timedelta(days=90)).date()
        elif isinstance(license_expiry, datetime):
            self.license_expiry = (
                license_expiry.astimezone(JST).date()
                if license_expiry.tzinfo
                else license_expiry.date()
            )
        elif isinstance(license_expiry, date):
            self.license_expiry = license_expiry
        else:
            self.license_expiry = date.fromisoformat(str(license_expiry))
        self._init_faults(seed)
        #: order number -> the JSON value getOrder answers in place of that order
        self.served_as = {}
        # behaviour knobs
        self.async_delay_polls = 0
        self.confirm_moves_to = 200
        self.max_reachable_records = MAX_REACHABLE_RECORDS
        #: the shop subscribes to 商品一括編集機能 (items.get and items.bulk.get answer; without
        #: it they answer the AuthError, as RMS does for shops without that paid option)
        self.item_bulk_edit = False
        #: the shop migrated to the SKU project (otherwise Inventory API writes answer IE1105
        #: and shop.operationLeadTime.get answers C008)
        self.sku_migrated = True
        #: units of every fixed catalogue SKU in RMS's stock at start
        self.fixed_stock = fixed_stock
        # state
        #: requests served by operation name, and answers by (operation name, HTTP status)
        self.calls = collections.Counter()
        self.answers = collections.Counter()
        self.orders = {}
        self._meta = {}
        self._async = {}
        self._lock = threading.RLock()
        self._rng = random.Random(seed)
        self._id_rng = random.Random("ids-%s" % seed)
        self._seq = 0
        #: the catalogue: CATALOG, then the items of generate_catalog
        self.catalog = list(CATALOG)
        self._sellable_cache = {}
        self._catalog_rng = random.Random("catalog-%s" % seed)
        #: RMS-side stock: (manageNumber, variantId) -> quantity, and when each row and item was
        #: created / last updated (ISO 8601 texts)
        self.stock = {}
        self._stock_times = {}
        self._item_times = {}
        started = _iso(self.now())
        for entry in CATALOG:
            self._item_times[entry.manage_number] = (started, started)
            for variant in entry.variants:
                key = (entry.manage_number, variant.variant_id)
                self.stock[key] = fixed_stock
                self._stock_times[key] = (started, started)
        self._next_ids = {
            "basket": 10000000,
            "item": 200000000,
            "shipping": 300000000,
            "change": 400000000,
            "payment": 500000000,
        }
        self._server = None
        self._thread = None
        self._connections = set()
        self._feed = None  # (thread, stop event) of start_order_feed

    # -- time ---------------------------------------------------------------
    def now(self):
        """Current time as an aware JST datetime (from ``clock`` when given)."""
        clock = self.clock
        if clock is None:
            value = datetime.now(JST)
        elif isinstance(clock, datetime):
            value = clock
        else:
            value = clock()
        if value.tzinfo is None:
            value = value.replace(
                tzinfo=timezone.utc
            )  # naive means UTC, as in the addon
        return value.astimezone(JST)

    def license_expired(self):
        end = datetime(
            self.license_expiry.year,
            self.license_expiry.month,
            self.license_expiry.day,
            23,
            59,
            59,
            tzinfo=JST,
        )
        return self.now() > end

    # -- helpers for tests and demos ------------------------------------------
    def reset_counters(self):
        """Forget the calls served so far (``calls`` and ``answers`` become empty)."""
        with self._lock:
            self.calls.clear()
            self.answers.clear()

    def _new_id(self, kind):
        self._next_ids[kind] += 1
        return self._next_ids[kind]

    def set_progress(self, order_number, progress):
        """Move an order to ``progress``, stamping the dates RMS would have set."""
        if progress not in ORDER_PROGRESS:
            raise ValueError("unknown orderProgress %r" % (progress,))
        with self._lock:
            order = self.orders[order_number]
            now = fmt_dt(self.now())
            order["orderProgress"] = progress
            if 200 <= progress <= 700:
                order["shopOrderCfmDatetime"] = order.get("shopOrderCfmDatetime") or now
            if 300 <= progress <= 700:
                order["orderFixDatetime"] = order.get("orderFixDatetime") or now
            if 500 <= progress <= 700:
                order["shippingCmplRptDatetime"] = (
                    order.get("shippingCmplRptDatetime") or now
                )
            if progress in CANCELLED:
                self._restore_stock(order_number)
                reasons = order.setdefault("ChangeReasonModelList", [])
                cancel = next(
                    (r for r in reasons if r.get("changeType") in (0, 1, 2)), None
                )
                if cancel is None:
                    cancel = self._change_reason(0 if progress == 800 else 1, 6, now)
                    reasons.append(cancel)
                if progress == 900:
                    cancel["changeType"] = 1
                    cancel["changeFixDatetime"] = cancel.get("changeFixDatetime") or now

    def set_payment_status(self, order_number, status):
        """Force the getPayment paymentStatus of an order (None = derive it from the order)."""
        with self._lock:
            if order_number not in self.orders:
                raise KeyError(order_number)
            self._meta.setdefault(order_number, {})["payment_status"] = status

    def add_order(self, order=None, **fields):
        """Add one order; returns its order number.

        ``order`` may be a complete OrderModel dict (e.g. a fixture: stored as a deep copy),
        or omitted / partial: then a realistic order is generated and the given top-level
        fields (``order`` keys and keyword arguments) replace the generated ones as they are
        (amounts are not recomputed).
        """
        fields = dict(order or {}, **fields)
        with self._lock:
            if "PackageModelList" in fields and "orderNumber" in fields:
                model = copy.deepcopy(fields)
            else:
                model, _meta = self._make_order(self.now(), 24, DEFAULT_MIX, None)
                model.update(copy.deepcopy(fields))
            number = model.get("orderNumber")
            if not isinstance(number, str) or not number:
                raise ValueError("an order needs an orderNumber string")
            if number in self.orders:
                raise ValueError("order %s already exists" % number)
            taken = self._take_stock(model)
            if taken is None:
                raise ValueError(
                    "order %s: too little stock in RMS for its items" % number
                )
            self.orders[number] = model
            self._meta[number] = {
                "payment_number": self._new_id("payment"),
                "stock_taken": taken,
            }
            if model.get("orderProgress") in CANCELLED:
                self._restore_stock(number)
            return number

    def serve_as(self, order_number, value):
        """From now on getOrder answers ``value`` (any JSON value: ``None``, a string, an
        order with broken fields...) in OrderModelList in place of order ``order_number``,
        which searchOrder still finds as it is. ``value=...`` (Ellipsis) serves the order again."""
        with self._lock:
            if order_number not in self.orders:
                raise KeyError(order_number)
            if value is Ellipsis:
                self.served_as.pop(order_number, None)
            else:
                self.served_as[order_number] = copy.deepcopy(value)

    def generate_orders(self, n, *, now=None, mix=None, hours=24):
        """Generate ``n`` realistic orders placed over the ``hours`` before ``now``.

        ``mix`` overrides entries of DEFAULT_MIX: weight tables for ``payment`` (card, bank,
        deferred, cod), ``order_type``, ``progress``, ``packages``, ``items`` (item lines per
        package, 1 to 14; absent: 1/2/3 at 60/30/10 %), and probabilities for the
        flags (asuraku, drug, postage_undetermined, remarks, shop_coupon, rakuten_coupon,
        points, wrapping, gift, delivery_date, caution, rakuten_confirm). Deterministic for a
        given seed and call sequence. Buyers pick visible SKUs in stock only; an order
        that wants more units than RMS has is not placed. Returns the new order numbers (fewer
        than ``n`` when orders were not placed).
        """
        table = dict(DEFAULT_MIX)
        table.update(mix or {})
        now = now or self.now()
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)  # naive means UTC, as in the addon
        now = now.astimezone(JST).replace(microsecond=0)
        numbers = []
        with self._lock:
            prefecture_order = self._rng.sample(
                range(len(PREFECTURES)), len(PREFECTURES)
            )
            for index in range(n):
                pref = (
                    prefecture_order[index] if index < len(prefecture_order) else None
                )
                model, meta = self._make_order(now, hours, table, pref)
                number = self._store(model, meta) if model is not None else None
                if number is not None:
                    numbers.append(number)
        return numbers

    def _store(self, model, meta):
        """Keep a generated order, taking its units off RMS's stock; None (nothing kept) when
        a SKU has too little stock: Rakuten does not sell what it does not have."""
        taken = self._take_stock(model)
        if taken is None:
            return None
        number = model["orderNumber"]
        self.orders[number] = model
        self._meta[number] = dict(meta, stock_taken=taken)
        if (
            model.get("orderProgress") in CANCELLED
        ):  # cancelled since: the units came back
            self._restore_stock(number)
        return number

    def place_order(self, lines, *, payment="card"):
        """A buyer orders NOW: ``lines`` is [(manageNumber, variantId, units), ...] (or a dict
        {(manageNumber, variantId): units}). The order (at 100, one package, ``payment`` one
        of card / bank / deferred / cod) takes the units off RMS's stock. Returns its order
        number, or None when a SKU has too little stock (nothing is placed) or is not sold
        (unknown, hidden item or hidden SKU: ValueError)."""
        if isinstance(lines, dict):
            lines = [
                (manage, variant, units) for (manage, variant), units in lines.items()
            ]
        mix = dict(
            DEFAULT_MIX,
            payment={payment: 1},
            progress={100: 1},
            packages={1: 1},
            postage_undetermined=0,
            drug=0,
            gift=0,
        )
        with self._lock:
            index = {entry.manage_number: i for i, entry in enumerate(self.catalog)}
            picked = []
            for manage, variant_id, units in lines:
                if manage not in index:
                    raise ValueError("no item %r in the catalogue" % (manage,))
                entry = self.catalog[index[manage]]
                variant = next(
                    (v for v in entry.variants if v.variant_id == variant_id), None
                )
                if variant is None or variant.hidden or entry.hidden:
                    raise ValueError("SKU %r of %r is not sold" % (variant_id, manage))
                if not isinstance(units, int) or units < 1:
                    raise ValueError("units must be a positive integer")
                picked.append((index[manage], variant, units))
            if not picked:
                raise ValueError("an order needs at least one line")
            if not self._stock_covers(picked):
                return None
            model, meta = self._make_order(self.now(), 0, mix, None, lines=picked)
            return self._store(model, meta)

    # -- RMS-side stock ---------------------------------------------------------------
    @staticmethod
    def _order_lines(order):
        """((manageNumber, variantId), units) of every item line of an order."""
        for package in order.get("PackageModelList") or []:
            for item in package.get("ItemModelList") or []:
                skus = item.get("SkuModelList") or [{}]
                variant_id = (
                    skus[0].get("variantId") if isinstance(skus[0], dict) else None
                )
                units = item.get("units")
                if isinstance(units, int) and units > 0:
                    yield (item.get("manageNumber"), variant_id), units

    def _stock_covers(self, picked):
        need = collections.Counter()
        for index, variant, units in picked:
            need[(self.catalog[index].manage_number, variant.variant_id)] += units
        return all(self.stock.get(key, 0) >= units for key, units in need.items())

    def _take_stock(self, order):
        """Take an order's units off the stock of the SKUs RMS keeps stock for; returns what
        was taken as [[manageNumber, variantId, units]], or None (nothing taken) when a SKU
        has too little."""
        need = collections.Counter()
        for key, units in self._order_lines(order):
            if key in self.stock:
                need[key] += units
        if any(self.stock[key] < units for key, units in need.items()):
            return None
        now = _iso(self.now())
        for key, units in need.items():
            self.stock[key] -= units
            self._stock_times[key] = (self._stock_times[key][0], now)
        return [[manage, variant, units] for (manage, variant), units in need.items()]

    def _restore_stock(self, order_number):
        """An RMS cancellation gives the order's units back (once)."""
        meta = self._meta.setdefault(order_number, {})
        if meta.get("stock_restored"):
            return
        meta["stock_restored"] = True
        now = _iso(self.now())
        for manage, variant, units in meta.get("stock_taken") or ():
            key = (manage, variant)
            if key in self.stock:
                self.stock[key] += units
                self._stock_times[key] = (self._stock_times[key][0], now)

    def generate_catalog(self, n, *, stock=(0, 60), empty_stock=0.1):
        """Add ``n`` seeded items to the catalogue (see :func:`.catalog.generate_catalog`), each
        SKU with a random RMS stock between ``stock[0]`` and ``stock[1]`` (0 for about
        ``empty_stock`` of them). From now on generated orders pick from them too (visible
        ones only). Returns the new entries."""
        with self._lock:
            first = len(self.catalog) - len(CATALOG) + 1
            entries = generate_catalog(self._catalog_rng, first, n)
            now = _iso(self.now())
            for entry in entries:
                self.catalog.append(entry)
                self._item_times[entry.manage_number] = (now, now)
                for variant in entry.variants:
                    key = (entry.manage_number, variant.variant_id)
                    quantity = (
                        0
                        if self._catalog_rng.random() < empty_stock
                        else self._catalog_rng.randint(*stock)
                    )
                    self.stock[key] = quantity
                    self._stock_times[key] = (now, now)
            return entries

    def set_stock(self, manage_number, variant_id, quantity):
        """Set RMS's stock of one SKU, as the shop does in RMS's screens."""
        with self._lock:
            key = (manage_number, variant_id)
            now = _iso(self.now())
            self.stock[key] = quantity
            self._stock_times[key] = (self._stock_times.get(key, (now,))[0], now)

    def item(self, manage_number):
        """The catalogue entry of ``manage_number`` (None when unknown)."""
        return next((e for e in self.catalog if e.manage_number == manage_number), None)

    # -- order mutations tests need ---------------------------------------------------------
    def age_order(self, number, delta):
        """Time passes for one order: its order, confirmation and fix dates move back by
        ``delta`` (a timedelta)."""
        with self._lock:
            order = self.orders[number]
            for key in ("orderDatetime", "shopOrderCfmDatetime", "orderFixDatetime"):
                moment = parse_dt(order.get(key))
                if moment is not None:
                    order[key] = fmt_dt(moment - delta)

    def undetermine_postage(self, number):
        """送料未確定, as RMS shows an order whose postage the shop must still set: postage
        -9999 on the order and on each package, and every total that includes it -9999 too
        (the order's totalPrice / requestPrice, each package's totalPrice, each tax
        summary's reqPrice / reqPriceTax / totalPrice). Returns a deep copy of the order as
        it was, so that a test can "set the postage" again with :meth:`replace_order`."""
        with self._lock:
            order = self.orders[number]
            original = copy.deepcopy(order)
            order.update(
                postagePrice=UNDETERMINED,
                totalPrice=UNDETERMINED,
                requestPrice=UNDETERMINED,
            )
            for package in order.get("PackageModelList") or []:
                package.update(postagePrice=UNDETERMINED, totalPrice=UNDETERMINED)
            for summary in order.get("TaxSummaryModelList") or []:
                summary.update(
                    reqPrice=UNDETERMINED,
                    reqPriceTax=UNDETERMINED,
                    totalPrice=UNDETERMINED,
                )
            return original

    def replace_order(self, number, order):
        """Replace an order's content in place (e.g. with what :meth:`undetermine_postage`
        returned): the shop changed it in RMS. Stock is left as it is."""
        with self._lock:
            current = self.orders[number]
            current.clear()
            current.update(copy.deepcopy(order))

    # -- demo feed and saved state ----------------------------------------------
    def start_order_feed(
        self,
        interval=60.0,
        count=(1, 3),
        *,
        age=timedelta(0),
        mix=None,
        advance_after=None,
        shop_confirms_after=None,
        on_tick=None,
    ):
        """Keep placing new orders, as a live shop does: every ``interval`` seconds, between
        ``count[0]`` and ``count[1]`` orders placed ``age`` before now (e.g. 31 minutes, so
        that they are already past the buyer's cancellation window), with ``mix`` as in
        :meth:`generate_orders`. With ``advance_after`` (a timedelta), each round also does
        what Rakuten does once it has processed a confirmed order: orders at 200 (楽天処理中)
        confirmed longer ago than that move to 300 (発送待ち), which settles 楽天ペイ payments.
        With ``shop_confirms_after``, 選択制 orders (代金引換 …), which an OMS imports only at
        300, are confirmed that long after they were placed, as the shop does in RMS.
        ``on_tick(numbers)`` is called after each round (e.g. to save the state). Runs in a
        daemon thread until :meth:`stop_order_feed` or :meth:`stop`; a second call replaces
        the running feed."""
        self.stop_order_feed()
        low, high = count
        stop = threading.Event()

        def feed():
            while not stop.wait(interval):
                with self._lock:
                    if shop_confirms_after is not None:
                        self.confirm_selectable_orders(shop_confirms_after)
                    if advance_after is not None:
                        self.advance_confirmed_orders(advance_after)
                    n = self._rng.randint(low, high)
                    numbers = self.generate_orders(
                        n, now=self.now() - age, mix=mix, hours=0
                    )
                if on_tick is not None:
                    on_tick(numbers)

        thread = threading.Thread(target=feed, name="rms-sandbox-feed", daemon=True)
        self._feed = (thread, stop)
        thread.start()
        return thread

    def advance_confirmed_orders(self, after):
        """Move the orders at 200 (楽天処理中) that the shop confirmed more than ``after`` (a
        timedelta) ago to 300 (発送待ち); returns their numbers."""
        limit = self.now() - after
        with self._lock:
            numbers = [
                number
                for number, order in self.orders.items()
                if order.get("orderProgress") == 200
                and (parse_dt(order.get("shopOrderCfmDatetime")) or limit) <= limit
            ]
            for number in numbers:
                self.set_progress(number, 300)
        return numbers

    def confirm_selectable_orders(self, after):
        """Confirm, as a shop does in RMS, the 選択制 orders (rpaySettlementFlag 0) waiting at
        100 that were placed more than ``after`` (a timedelta) ago: they move to 200 (楽天処理中).
        Returns their numbers."""
        limit = self.now() - after
        with self._lock:
            numbers = [
                number
                for number, order in self.orders.items()
                if order.get("orderProgress") == 100
                and (order.get("SettlementModel") or {}).get("rpaySettlementFlag") == 0
                and (parse_dt(order.get("orderDatetime")) or limit) <= limit
                and order.get("postagePrice")
                != UNDETERMINED  # RMS cannot confirm those
            ]
            for number in numbers:
                self.set_progress(number, 200)
        return numbers

    def stop_order_feed(self):
        """Stop the feed of :meth:`start_order_feed` (nothing happens when none runs)."""
        feed, self._feed = self._feed, None
        if feed is not None:
            feed[1].set()
            if feed[0] is not threading.current_thread():
                feed[0].join(timeout=5)

    def dump_state(self):
        """The orders and counters as a JSON-serialisable dict (credentials excluded), so a
        demo can stop and start again with the orders its database already knows."""
        with self._lock:
            return copy.deepcopy(
                {
                    "orders": self.orders,
                    "meta": self._meta,
                    "seq": self._seq,
                    "next_ids": self._next_ids,
                    "catalog": [entry_to_json(e) for e in self.catalog[len(CATALOG) :]],
                    "stock": [[m, v, q] for (m, v), q in self.stock.items()],
                }
            )

    def load_state(self, state):
        """Restore a :meth:`dump_state` result: its orders replace the current ones and the
        counters never go back, so new order numbers and ids stay unique."""
        with self._lock:
            self.orders.clear()
            self.orders.update(copy.deepcopy(dict(state.get("orders") or {})))
            self._meta.clear()
            self._meta.update(copy.deepcopy(dict(state.get("meta") or {})))
            self._seq = max(self._seq, int(state.get("seq") or 0))
            for kind, value in (state.get("next_ids") or {}).items():
                if kind in self._next_ids:
                    self._next_ids[kind] = max(self._next_ids[kind], int(value))
            if "catalog" in state:
                del self.catalog[len(CATALOG) :]
                self.catalog.extend(entry_from_json(e) for e in state["catalog"])
            now = _iso(self.now())
            for manage, variant, quantity in state.get("stock") or ():
                self.stock[(manage, variant)] = quantity
                self._stock_times.setdefault((manage, variant), (now, now))
            for entry in self.catalog:
                self._item_times.setdefault(entry.manage_number, (now, now))
