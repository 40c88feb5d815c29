"""One poison order never holds the shop back (issue 8).

Each test serves valid orders from the sandbox with one or a few broken ones among them
(``RmsSandbox.serve_as``: getOrder answers any JSON value in place of an order) and checks
that the valid ones are imported in the same run, that every order found has its outcome in
the sync log, that money which cannot be right never reaches 出荷待ち, and that a failing
order is kept aside instead of being met again at the head of every run.
"""

import copy
from datetime import timedelta
from unittest.mock import patch

from odoo import api, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.sale_rakuten.rms import mapping

from .common import RakutenCase

SHIPPABLE = ("ready", "waiting_payment")
MUTED = (
    "odoo.addons.sale_rakuten.models.rakuten_sync",
    "odoo.addons.sale_rakuten.models.sale_order",
    "odoo.sql_db",
)


@tagged("post_install", "-at_install")
class TestImportPoison(RakutenCase):
    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def add_orders(self, count):
        return [self.add_order(minutes_ago=60 + index) for index in range(count)]

    def run_import(self):
        with mute_logger(*MUTED):
            log = self.import_orders()
        self.assert_accounted(log)
        return log

    def assert_accounted(self, log):
        """found = imported + updated + unchanged + deferred + skipped + failed, and every
        counted outcome but 'unchanged' has its line."""
        counted = sum(
            log["count_%s" % outcome]
            for outcome in (
                "imported",
                "updated",
                "unchanged",
                "deferred",
                "skipped",
                "failed",
            )
        )
        self.assertEqual(log.count_found, counted, "every order found is accounted for")
        self.assertEqual(len(log.line_ids), counted - log.count_unchanged)
        for outcome in ("imported", "updated", "deferred", "skipped", "failed"):
            self.assertEqual(
                len(log.line_ids.filtered(lambda line, o=outcome: line.outcome == o)),
                log["count_%s" % outcome],
                outcome,
            )

    def assert_all_imported(self, log, numbers):
        orders = self.env["sale.order"].search(
            [("rakuten_order_number", "in", numbers)]
        )
        self.assertEqual(
            len(orders), len(numbers), "every valid order is imported in the same run"
        )
        self.assertEqual(
            set(
                log.line_ids.filtered(lambda line: line.outcome == "imported").mapped(
                    "order_number"
                )
            )
            & set(numbers),
            set(numbers),
        )

    def assert_held(self, number, *fragments):
        order = self.sale_order(number)
        self.assertEqual(
            order.rakuten_slip_state,
            mapping.SLIP_TO_CONFIRM,
            order.rakuten_confirm_reasons,
        )
        for fragment in fragments:
            self.assertIn(fragment, order.rakuten_confirm_reasons)
        return order

    def set_item(self, number, **values):
        self.sandbox.orders[number]["PackageModelList"][0]["ItemModelList"][0].update(
            values
        )

    # ------------------------------------------------------------------
    # 1. Isolation at every step
    # ------------------------------------------------------------------
    def test_entries_that_are_no_order_fail_alone_in_one_run(self):
        valid = self.add_orders(120)
        poison = self.add_orders(3)
        self.sandbox.serve_as(poison[0], None)
        self.sandbox.serve_as(poison[1], "受注データ")
        self.sandbox.serve_as(poison[2], [1, {"orderNumber": None}])
        log = self.run_import()
        self.assertEqual(log.state, "partial", log.message)
        self.assert_all_imported(log, valid)
        for number in poison:
            line = self.log_line(log, number)
            self.assertEqual(line.outcome, "failed")
            self.assertIn("RMS sent no readable data for this order", line.reason)
            self.assertFalse(self.sale_order(number))
        pending = self.pending(poison[0])
        self.assertEqual(pending.state, "waiting")
        self.assertEqual(pending.failures, 1)
        self.assertIn(
            "受注データ", pending.sudo().raw_data, "the raw answer is kept for managers"
        )
        self.assertFalse(
            self.env["rakuten.pending.order"].search(
                [("order_number", "in", ("?", False))]
            )
        )

    def test_nul_and_huge_names_fail_or_hold_alone(self):
        valid = self.add_orders(30)
        nul, huge, surrogate = self.add_orders(3)
        self.sandbox.orders[nul]["OrdererModel"]["familyName"] = "山田\x00"
        self.sandbox.orders[huge]["OrdererModel"]["firstName"] = "ア" * 40_000
        self.sandbox.orders[surrogate]["PackageModelList"][0]["SenderModel"]["city"] = (
            "新宿\ud800区"
        )
        log = self.run_import()
        self.assertEqual(log.state, "partial")
        self.assert_all_imported(log, valid)
        # Cleaned, imported, and held for a person with the reason.
        order = self.assert_held(nul, "OrdererModel.familyName")
        self.assertEqual(order.partner_id.name.split(" ")[0], "山田")
        self.assertNotIn("\x00", order.sudo().rakuten_raw_data)
        self.assert_held(surrogate, "SenderModel.city")
        line = self.log_line(log, huge)
        self.assertEqual(line.outcome, "failed")
        self.assertIn(
            "OrdererModel.firstName: longer than 255 characters (40000)", line.reason
        )

    def test_a_repeated_basket_is_logged_as_failed(self):
        valid = self.add_orders(5)
        number = self.add_order(mix={"packages": {2: 1.0}})
        packages = self.sandbox.orders[number]["PackageModelList"]
        packages[1]["basketId"] = packages[0]["basketId"]
        log = self.run_import()
        self.assert_all_imported(log, valid)
        line = self.log_line(log, number)
        self.assertEqual(line.outcome, "failed")
        self.assertIn("appears twice in the order", line.reason)
        self.assertTrue(self.pending(number))

    def test_a_batch_that_breaks_as_a_whole_is_retried_order_by_order(self):
        valid = self.add_orders(10)
        sync_class = type(self.env["rakuten.sync"])
        original = sync_class._import_batch
        bad = valid[4]

        def breaks_on_bad(sync, team, log, numbers, *args):
            if bad in numbers:
                sync.env.cr.execute("SELECT 1 / 0")
            return original(sync, team, log, numbers, *args)

        with patch.object(sync_class, "_import_batch", breaks_on_bad):
            log = self.run_import()
        self.assertEqual(log.state, "partial")
        self.assert_all_imported(log, [n for n in valid if n != bad])
        line = self.log_line(log, bad)
        self.assertEqual(
            (line.outcome, "division by zero" in line.reason),
            ("failed", True),
            line.reason,
        )

    # ------------------------------------------------------------------
    # 2. No infinite blocking
    # ------------------------------------------------------------------
    def test_an_order_failing_again_and_again_is_kept_aside(self):
        [number] = self.add_orders(1)
        self.sandbox.serve_as(number, None)
        self.run_import()
        pending = self.pending(number)
        self.assertEqual(
            (pending.failures, pending.next_try), (1, False), "retried on the next run"
        )
        self.run_import()
        self.assertEqual(pending.failures, 2)
        self.assertGreater(
            pending.next_try, fields.Datetime.now() + timedelta(minutes=14)
        )
        # The next run finds it, does not fetch it, and says why.
        later = self.add_orders(2)
        self.sandbox.reset_counters()
        log = self.run_import()
        self.assertEqual(log.state, "done")
        line = self.log_line(log, number)
        self.assertEqual(line.outcome, "deferred")
        self.assertIn("Failed 2 imports in a row; kept aside until", line.reason)
        self.assert_all_imported(log, later)
        self.assertEqual(pending.failures, 2)
        # Once its time has come it is tried again, after the other orders, and a third
        # failure keeps it aside twice as long.
        pending.sudo().next_try = fields.Datetime.now() - timedelta(minutes=1)
        log = self.run_import()
        self.assertEqual(self.log_line(log, number).outcome, "failed")
        self.assertEqual(pending.failures, 3)
        self.assertGreater(
            pending.next_try, fields.Datetime.now() + timedelta(minutes=29)
        )
        # Repaired in RMS: imported, and the waiting record is gone.
        self.sandbox.serve_as(number, ...)
        pending.sudo().next_try = False
        log = self.run_import()
        self.assertEqual(self.log_line(log, number).outcome, "imported")
        self.assertFalse(pending.exists())

    def test_failed_orders_are_fetched_after_the_others(self):
        failing = self.add_orders(1)[0]
        self.sandbox.serve_as(failing, "x")
        self.run_import()
        fresh = self.add_orders(2)
        asked = []
        original = type(self.sandbox)._op_getOrder

        def spy(sandbox, request):
            asked.extend(request.get("orderNumberList") or [])
            return original(sandbox, request)

        with patch.object(type(self.sandbox), "_op_getOrder", spy):
            self.run_import()
        self.assertEqual(asked[-1], failing)
        self.assertEqual(set(asked[:-1]), set(fresh))

    # ------------------------------------------------------------------
    # 4, 8. Money and codes that cannot be right
    # ------------------------------------------------------------------
    def test_money_that_cannot_be_right_never_ships_unchecked(self):
        negative_item, negative_postage, five_percent, zero_units, ok = self.add_orders(
            5
        )
        self.set_item(negative_item, price=-900, priceTaxIncl=-900)
        self.sandbox.orders[negative_postage]["PackageModelList"][0][
            "postagePrice"
        ] = -500
        self.sandbox.orders[negative_postage]["postagePrice"] = -500
        self.set_item(five_percent, taxRate=0.05)
        self.set_item(zero_units, units=0)
        log = self.run_import()
        self.assertEqual(log.count_imported, 5)
        self.assert_held(negative_item, "negative amount", "priceTaxIncl -900")
        self.assert_held(negative_postage, "negative amount", "postagePrice -500")
        self.assert_held(five_percent, "tax rate that Odoo does not map", "0.05")
        self.assert_held(zero_units, "0 units")
        self.assertIn(self.sale_order(ok).rakuten_slip_state, SHIPPABLE)

    def test_an_unreconciled_total_is_held_even_with_the_amount_check_off(self):
        self.team.rakuten_check_amounts = False
        [number] = self.add_orders(1)
        raw = self.sandbox.orders[number]
        raw["totalPrice"] += 100
        raw["requestPrice"] += 100
        self.run_import()
        order = self.assert_held(number, "differs from Rakuten")
        self.assertNotEqual(order.amount_total, order.rakuten_expected_amount)

    # ------------------------------------------------------------------
    # 5, 6. No orphans, no ghosts; unique keys tell what they protect
    # ------------------------------------------------------------------
    def test_losing_the_race_leaves_no_partner_behind(self):
        """Another run (another transaction, committed) imports the order between this run's
        check and its insert: the order-number key refuses it, this run counts it as imported
        by the other, and its own new buyer partner is rolled back with it."""
        [number] = self.add_orders(1)
        buyer = self.sandbox.orders[number]["OrdererModel"]
        buyer.update(familyName="競合", firstName="次郎")
        partner_class = type(self.env["res.partner"])
        original = partner_class._rakuten_partners
        company_partner = self.env.company.partner_id.id

        def other_run_first(partners, team, orders):
            if any(o.order_number == number for o in orders) and not raced:
                raced.append(True)
                with self.registry.cursor() as other:
                    env = api.Environment(
                        other, self.env.uid, {"tracking_disable": True}
                    )
                    env["sale.order"].create(
                        {
                            "partner_id": company_partner,
                            "rakuten_order_number": number,
                            "company_id": self.env.company.id,
                        }
                    )
            return original(partners, team, orders)

        raced = []

        def cleanup():
            with self.registry.cursor() as other:
                other.execute(
                    "DELETE FROM sale_order WHERE rakuten_order_number = %s", [number]
                )

        self.addCleanup(cleanup)
        with patch.object(partner_class, "_rakuten_partners", other_run_first):
            log = self.run_import()
        self.assertEqual(log.count_unchanged, 1)
        self.assertFalse(log.line_ids)
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "競合 次郎")]),
            "the losing run leaves no partner behind",
        )

    def test_another_unique_key_is_a_failure_with_its_name(self):
        [number] = self.add_orders(1)
        order_class = type(self.env["sale.order"])
        original = order_class._rakuten_order_vals

        def doubled_basket(orders, *args):
            vals, unmatched = original(orders, *args)
            vals["rakuten_basket_ids"] = vals["rakuten_basket_ids"] * 2
            return vals, unmatched

        with patch.object(order_class, "_rakuten_order_vals", doubled_basket):
            log = self.run_import()
        line = self.log_line(log, number)
        self.assertEqual(line.outcome, "failed")
        self.assertIn("rakuten_basket_basket_order_uniq", line.reason)
        self.assertEqual(log.count_unchanged, 0)
        self.assertTrue(self.pending(number))

    def test_a_ghost_waiting_record_is_dropped(self):
        ghost = self.env["rakuten.pending.order"].create(
            {"team_id": self.team.id, "order_number": "?"}
        )
        [number] = self.add_orders(1)
        self.sandbox.orders[number].pop("orderNumber")
        log = self.run_import()
        self.assertFalse(ghost.exists())
        self.assertEqual(self.log_line(log, number).outcome, "failed")
        self.assertEqual(
            self.env["rakuten.pending.order"]
            .search([("team_id", "=", self.team.id)])
            .mapped("order_number"),
            [number],
            "waiting records name real orders only",
        )

    def test_a_run_that_died_is_shown_as_interrupted(self):
        dead = self.env["rakuten.sync.log"].create(
            {"team_id": self.team.id, "kind": "import"}
        )
        other_kind = self.env["rakuten.sync.log"].create(
            {"team_id": self.team.id, "kind": "confirm"}
        )
        log = self.run_import()
        self.assertEqual(log.state, "done")
        self.assertEqual(dead.state, "interrupted")
        self.assertTrue(dead.date_end)
        self.assertIn("stopped before it finished", dead.message)
        self.assertEqual(
            other_kind.state, "running", "only the job whose lock this run holds"
        )

    def test_order_data_copies_do_not_leak_between_tests(self):
        # serve_as keeps a copy: changing the value afterwards changes nothing served.
        [number] = self.add_orders(1)
        value = copy.deepcopy(self.sandbox.orders[number])
        self.sandbox.serve_as(number, value)
        value["orderNumber"] = None
        log = self.run_import()
        self.assertEqual(self.log_line(log, number).outcome, "imported")
