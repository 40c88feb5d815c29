"""Fuzz suite of the Odoo tier: rounds of hundreds of valid sandbox orders mixed with hostile
ones drawn by hypothesis (tools/hostile_orders.py), served through ``RmsSandbox.serve_as``,
imported by the real import.

Each round is rolled back before the next. Properties of every round:

* every valid order is imported in that run, whatever the hostile ones are;
* every order found is accounted for in the sync log
  (found = imported + updated + unchanged + deferred + skipped + failed, one line each);
* no imported order that may ship (入金待ち / 出荷待ち) has a negative amount, a line with
  0 units or an Odoo total that is not Rakuten's;
* every waiting record names an order RMS has.

The rounds are derandomized (the same every run) and bounded: ROUNDS rounds of VALID valid and
HOSTILE hostile orders. The number of cases tried is reported in pytest's warnings summary.
"""

import collections
import warnings
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.sale_rakuten.rms import mapping
from odoo.addons.sale_rakuten.tools.hostile_orders import hostile_orders

from .common import RakutenCase

ROUNDS = 3
VALID = 150
HOSTILE = 12
MUTED = (
    "odoo.addons.sale_rakuten.models.rakuten_sync",
    "odoo.addons.sale_rakuten.models.sale_order",
    "odoo.sql_db",
)
SHIPPABLE = (mapping.SLIP_READY, mapping.SLIP_WAITING_PAYMENT)


class FuzzReport(UserWarning):
    """How many cases a fuzz suite tried (shown in pytest's warnings summary)."""


@tagged("post_install", "-at_install")
class TestFuzzImport(RakutenCase):
    tried = None

    def _round(self, data):
        self.sandbox.orders.clear()
        self.sandbox.served_as.clear()
        placed = datetime.now(timezone.utc) - timedelta(hours=2)
        mix = dict(
            self.PLAIN_MIX,
            payment={"card": 0.7, "bank": 0.1, "cod": 0.2},
            progress={300: 1.0},
            packages={1: 0.8, 2: 0.2},
        )
        numbers = self.sandbox.generate_orders(
            VALID + HOSTILE, now=placed, mix=mix, hours=1
        )
        # The hostile ones are spread among the valid ones, some at the head of a batch.
        positions = data.draw(
            st.lists(
                st.integers(0, len(numbers) - 1),
                min_size=HOSTILE,
                max_size=HOSTILE,
                unique=True,
            ),
            label="hostile positions",
        )
        hostile = [numbers[i] for i in positions]
        what = {}
        for number in hostile:
            entry, what[number] = data.draw(
                hostile_orders(self.sandbox.orders[number]), label=number
            )
            self.sandbox.serve_as(number, entry)
        valid = [n for n in numbers if n not in what]
        with mute_logger(*MUTED):
            log = self.team._rakuten_import_orders()
        self.tried.update(rounds=1, valid=len(valid), hostile=len(hostile))
        return log, valid, what

    def _check(self, log, valid, what):
        self.assertNotEqual(log.state, "failed", log.message)
        # Every valid order is imported in this very run.
        imported = self.env["sale.order"].search(
            [("rakuten_order_number", "in", valid)]
        )
        self.assertEqual(
            len(imported), len(valid), "the hostile orders kept valid ones out"
        )
        by_number = {line.order_number: line for line in log.line_ids}
        for number in valid:
            self.assertEqual(
                by_number[number].outcome, "imported", by_number[number].reason
            )
        # Every order found is accounted for, once.
        outcomes = ("imported", "updated", "unchanged", "deferred", "skipped", "failed")
        self.assertEqual(log.count_found, len(valid) + len(what))
        self.assertEqual(log.count_found, sum(log["count_%s" % o] for o in outcomes))
        self.assertEqual(len(log.line_ids), log.count_found - log.count_unchanged)
        self.assertEqual(len(by_number), len(log.line_ids), "one line per order")
        for number, description in what.items():
            self.assertIn(
                number,
                by_number,
                "hostile order %s (%s) has no line" % (number, description),
            )
        # Money that may ship is Rakuten's, to the yen, and not negative.
        orders = self.env["sale.order"].search(
            [("team_id", "=", self.team.id), ("rakuten_order_number", "!=", False)]
        )
        for order in orders.filtered(lambda o: o.rakuten_slip_state in SHIPPABLE):
            description = what.get(order.rakuten_order_number, "valid")
            self.assertEqual(
                order.amount_total, order.rakuten_expected_amount, description
            )
            self.assertGreaterEqual(order.amount_total, 0, description)
            for line in order.order_line.filtered(
                lambda line: line.rakuten_line_kind != mapping.SHOP_COUPON
            ):
                self.assertGreater(line.product_uom_qty, 0, description)
                self.assertGreaterEqual(line.price_unit, 0, description)
        # Waiting records name real orders.
        pending = self.env["rakuten.pending.order"].search(
            [("team_id", "=", self.team.id)]
        )
        self.assertLessEqual(
            set(pending.mapped("order_number")), set(self.sandbox.orders)
        )
        self.tried.update(
            held=len(
                orders.filtered(
                    lambda o: (
                        o.rakuten_order_number in what
                        and o.rakuten_slip_state == mapping.SLIP_TO_CONFIRM
                    )
                )
            ),
            failed=log.count_failed,
        )

    @settings(
        max_examples=ROUNDS,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def test_hostile_orders_among_valid_ones(self, data):
        if self.tried is None:
            type(self).tried = collections.Counter()
        savepoint = self.env.cr.savepoint()
        try:
            log, valid, what = self._round(data)
            self._check(log, valid, what)
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()

    @classmethod
    def tearDownClass(cls):
        if cls.tried:
            warnings.warn(
                FuzzReport(
                    "fuzz (Odoo tier): %(rounds)s rounds, %(valid)s valid and "
                    "%(hostile)s hostile orders imported; %(failed)s hostile failed alone, "
                    "%(held)s held in 確認待ち" % cls.tried
                ),
                stacklevel=1,
            )
        super().tearDownClass()
