"""Fault switches: what can go wrong between a client and RMS, on demand.

Every switch is a plain attribute of the sandbox, changeable while it runs. Probabilities
are drawn from a generator of their own (seeded), so faults never change the orders or the
catalogue a seed produces.
"""

from __future__ import annotations

import collections
import random
import time

from .common import _gateway

#: Documented throttle answers (rms-items-inventory.md §3): code -> message.
THROTTLE_MESSAGES = {
    "ES01-03": "Forbidden- Exceeded QPS Limitation",
    "ES01-04": "Forbidden- Exceeded QPM Limitation",
    "GA0003": "Forbidden- Exceeded QPS Limitation",
}

#: Documented maximum calls per second of each Item / Inventory function (rms-items-inventory.md
#: §1, rms-api.md §7), enforced when ``enforce_rates`` is set.
RATES = {
    "items.search": 5,
    "items.get": 5,
    "items.bulk.get": 1,
    "inventories.bulk.get": 5,
    "inventories.bulk.upsert": 1,
    "shop.operationLeadTime.get": 1,
}


class Faults:
    """Mixin of :class:`~.state.RmsSandbox`: the fault switches and their draws.

    * ``error_rate_5xx`` (500 / 503 ``SBX-5xx``), ``latency`` (seconds added to every answer),
      ``timeout_rate`` + ``timeout_sleep`` (the answer comes that late), ``rate_limit_rate``
      (429 ``SBX-429``), ``malformed_json_rate`` (the body is cut in half), ``expired_license``,
      ``api_disabled`` (400 ES04-01), ``retry_after`` (seconds, sent as Retry-After on 429 /
      503 and throttle answers), ``maintenance`` (503 ES01-02 "API In Maintenance", nothing
      done), ``acted_503_rate`` (a row-adding order call is carried out, then answered 503).
    * ``throttle_rate`` + ``throttle_status`` (403 or 429) + ``throttle_code`` (ES01-03,
      ES01-04 or GA0003): the documented throttle answer, gateway shape, Retry-After.
    * ``enforce_rates``: the Item / Inventory functions answer that throttle whenever a call
      would exceed :data:`RATES` within the last second (``rates`` overrides entries).
    * ``conflict_rate``: Item / Inventory calls answer 409 ``CE0001`` (another process holds
      the data; retry shortly) and do nothing.
    * ``fault_operations``: None (every operation) or the set of operation names (as in
      ``calls``) the random faults above apply to, ``acted_503_rate`` included (e.g.
      ``{"cancelOrder"}``: a cancellation is carried out and its answer lost, while getOrder
      still answers).
    """

    def _init_faults(self, seed):
        self.error_rate_5xx = 0.0
        self.latency = 0.0
        self.timeout_rate = 0.0
        self.timeout_sleep = 5.0
        # The order API's throttling answer is not publicly documented (rms-api.md §9.8): the
        # sandbox answers HTTP 429 with the gateway error shape.
        self.rate_limit_rate = 0.0
        self.malformed_json_rate = 0.0
        self.expired_license = False
        self.api_disabled = False
        self.retry_after = None
        self.maintenance = False
        self.acted_503_rate = 0.0
        self.throttle_rate = 0.0
        self.throttle_status = 429
        self.throttle_code = "GA0003"
        self.enforce_rates = False
        self.rates = dict(RATES)
        self.conflict_rate = 0.0
        self.fault_operations = None
        self._fault_rng = random.Random("faults-%s" % seed)
        self._recent = collections.defaultdict(
            collections.deque
        )  # operation -> call times

    def _roll(self, rate):
        return rate > 0 and self._fault_rng.random() < rate

    def _draw_faults(self, endpoint):
        """The random faults of one call (under the lock): a dict of flags."""
        if self.fault_operations is not None and endpoint not in self.fault_operations:
            return {
                "timeout": False,
                "fail_5xx": False,
                "status_5xx": 500,
                "limited": False,
                "malformed": False,
                "throttled": False,
                "conflict": False,
            }
        timeout = self._roll(self.timeout_rate)
        fail_5xx = self._roll(self.error_rate_5xx)
        status_5xx = 503 if fail_5xx and self._fault_rng.random() < 0.5 else 500
        return {
            "timeout": timeout,
            "fail_5xx": fail_5xx,
            "status_5xx": status_5xx,
            "limited": self._roll(self.rate_limit_rate),
            "malformed": self._roll(self.malformed_json_rate),
            "throttled": self._roll(self.throttle_rate),
            "conflict": self._roll(self.conflict_rate),
        }

    def _over_rate(self, endpoint):
        """True when this call of an Item / Inventory function exceeds its rate (under the
        lock; the call is counted in the window only when it is let through)."""
        limit = self.rates.get(endpoint)
        if not self.enforce_rates or not limit:
            return False
        now = time.monotonic()
        recent = self._recent[endpoint]
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        if len(recent) >= limit:
            return True
        recent.append(now)
        return False

    def _throttle_answer(self):
        code = self.throttle_code
        return self._reply(
            self.throttle_status,
            _gateway(code, THROTTLE_MESSAGES.get(code, THROTTLE_MESSAGES["GA0003"])),
            retry=True,
        )
