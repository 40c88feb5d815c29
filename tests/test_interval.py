"""Time to stock: the import interval of a channel and the channel's own import cron.

Each active Rakuten channel owns an ir.cron record ("Rakuten: Import Orders (<channel>)") whose
interval is the channel's; a sale-day backlog is imported in slices that report their
progress to the scheduler; an あす楽 order is imported and its stock reserved at the first run
after it was placed. The upgrade from 18.0.1.1.0 replaces the one global import cron.
"""

import importlib.util
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from odoo.addons.sale_rakuten.models import rakuten_sync

from .common import RakutenCase, rms_datetime

JA, EN = "ja_JP", "en_US"
MIGRATION = (
    Path(rakuten_sync.__file__).resolve().parents[1]
    / "migrations"
    / "18.0.1.2.0"
    / "post-migrate.py"
)


@tagged("post_install", "-at_install")
class TestImportInterval(RakutenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang(JA)
        cls.env["ir.module.module"]._load_module_terms(["sale_rakuten"], [JA])

    def cron_of(self, team=None):
        return (team or self.team).sudo().rakuten_import_cron_id

    def run_channel_cron(self, team=None):
        """One call of the channel's import cron as the scheduler makes it: with a progress
        record of the cron in the context. Returns ``(log, progress)``."""
        cron = self.cron_of(team)
        cron, progress = cron._add_progress()
        log = (
            self.env["rakuten.sync"]
            .with_context(ir_cron_progress_id=progress.id)
            ._cron_import_channel((team or self.team).id)
        )
        return log, progress

    # ------------------------------------------------------------------
    # The setting
    # ------------------------------------------------------------------
    def test_interval_default_minimum_and_error_in_both_languages(self):
        self.assertEqual(self.team.rakuten_import_interval, 15)
        self.team.rakuten_import_interval = 5
        self.assertEqual(self.cron_of().interval_number, 5)
        for lang, expected in (
            (EN, "must be at least 5 minutes"),
            (JA, "5分以上"),
        ):
            with self.subTest(lang=lang):
                with self.assertRaises(ValidationError) as caught:
                    self.team.with_context(lang=lang).rakuten_import_interval = 4
                self.assertIn(expected, str(caught.exception))
                self.assertIn(self.team.name, str(caught.exception))
        self.assertEqual(self.team.rakuten_import_interval, 5)

    def test_channel_form_shows_the_interval_and_the_cron(self):
        with Form(self.team) as form:
            form.rakuten_import_interval = 10
        self.assertEqual(self.cron_of().interval_number, 10)
        arch = self.env["crm.team"].get_view(
            self.env.ref("sale_rakuten.crm_team_view_form_rakuten_shop").id, "form"
        )["arch"]
        self.assertIn('name="rakuten_import_interval"', arch)
        self.assertIn('name="rakuten_import_cron_id"', arch)
        field = self.env["crm.team"]._fields["rakuten_import_interval"]
        self.assertIn("あす楽", field.help)

    # ------------------------------------------------------------------
    # The channel's cron
    # ------------------------------------------------------------------
    def test_cron_created_renamed_following_archived_removed(self):
        cron = self.cron_of()
        self.assertTrue(cron.active)
        self.assertEqual(
            cron.with_context(lang=EN).name, "Rakuten: Import Orders (Rakuten Shop)"
        )
        self.assertEqual(cron.code, "model._cron_import_channel(%d)" % self.team.id)
        self.assertEqual(cron.model_id.model, "rakuten.sync")
        self.assertEqual(cron.user_id, self.env.ref("base.user_root"))
        self.assertEqual((cron.interval_number, cron.interval_type), (15, "minutes"))

        self.team.write({"name": "楽天市場店", "rakuten_import_interval": 7})
        self.assertEqual(
            cron.with_context(lang=EN).name, "Rakuten: Import Orders (楽天市場店)"
        )
        self.assertEqual(cron.with_context(lang=JA).name, "楽天: 受注取込 (楽天市場店)")
        self.assertEqual(cron.interval_number, 7)

        self.team.rakuten_active = False
        self.assertFalse(cron.active)
        self.team.rakuten_active = True
        self.assertTrue(cron.active)
        self.assertEqual(self.cron_of(), cron, "the same cron, not a second one")
        self.team.active = False
        self.assertFalse(cron.active)
        self.team.active = True
        self.assertTrue(cron.active)

        xmlid = cron.get_external_id()[cron.id]
        self.assertTrue(xmlid.startswith("sale_rakuten."), "removed on uninstall")
        other = self._make_team(self.company, self.warehouse, "Second Shop", "second")
        other_cron = self.cron_of(other)
        self.assertTrue(other_cron)
        self.assertNotEqual(other_cron, cron)
        action = other_cron.ir_actions_server_id
        other.unlink()
        self.assertFalse(other_cron.exists())
        self.assertFalse(action.exists())

    def test_channel_without_api_gets_no_cron(self):
        team = self.env["crm.team"].create({"name": "Shop counter"})
        self.assertFalse(self.cron_of(team))
        self.assertEqual(team.rakuten_import_interval, 15)

    def test_no_global_import_cron_on_fresh_install(self):
        self.assertFalse(
            self.env.ref(
                "sale_rakuten.ir_cron_rakuten_import_orders", raise_if_not_found=False
            )
        )
        crons = (
            self.env["ir.cron"]
            .with_context(active_test=False)
            .search([("code", "like", "_cron_import")])
        )
        self.assertFalse(crons.filtered(lambda c: "_cron_import()" in c.code))

    def test_cron_imports_its_channel_only(self):
        number = self.add_order()
        log, progress = self.run_channel_cron()
        self.assertEqual(log.team_id, self.team)
        self.assertEqual(log.state, "done", log.message)
        self.assertTrue(self.sale_order(number))
        self.assertEqual(progress.remaining, 0)
        self.team.rakuten_active = False
        log, _progress = self.run_channel_cron()
        self.assertFalse(log, "a channel switched off is not imported")

    def test_channel_busy_is_skipped_not_doubled(self):
        """A run holding the channel's import lock (Import Now, a past import) makes the
        cron's run stop at once."""
        number = self.add_order()
        with self.registry.cursor() as other:
            other.execute("SELECT pg_advisory_lock(%s, %s)", self.lock_key())
            try:
                log, _progress = self.run_channel_cron()
            finally:
                other.execute("SELECT pg_advisory_unlock(%s, %s)", self.lock_key())
        self.assertEqual(log.state, "skipped")
        self.assertFalse(self.sale_order(number))
        self.assertEqual(self.sandbox.calls["getOrder"], 0)

    # ------------------------------------------------------------------
    # No starvation: a backlog in slices
    # ------------------------------------------------------------------
    def test_backlog_imported_in_slices_with_progress(self):
        ordered = datetime.now(timezone.utc) - timedelta(minutes=45)
        table = dict(self.PLAIN_MIX, payment={"card": 1.0}, progress={300: 1.0})
        numbers = self.sandbox.generate_orders(350, now=ordered, mix=table, hours=0)
        self.assertEqual(len(numbers), 350)
        watermark = self.team.rakuten_last_import_start

        log1, progress1 = self.run_channel_cron()
        self.assertEqual(log1.state, "done", log1.message)
        self.assertEqual(log1.count_found, 350)
        self.assertEqual(log1.count_imported, 300)
        self.assertEqual((progress1.done, progress1.remaining), (300, 50))
        self.assertEqual(self.sandbox.calls["getOrder"], 3)
        self.assertEqual(self.sandbox.calls["searchOrder"], 1)
        backlog = json.loads(self.team.sudo().rakuten_import_backlog)
        self.assertEqual(len(backlog["numbers"]), 50)
        self.assertEqual(
            self.team.rakuten_last_import_start,
            watermark,
            "the window moves on only once every order of it is imported",
        )
        for lang, expected in ((EN, "50 left"), (JA, "残り50件")):
            self.assertIn(expected, log1.with_context(lang=lang).message)

        log2, progress2 = self.run_channel_cron()
        self.assertEqual(log2.state, "done", log2.message)
        self.assertEqual(log2.count_imported, 50)
        self.assertEqual((progress2.done, progress2.remaining), (50, 0))
        self.assertEqual(self.sandbox.calls["searchOrder"], 1, "no search again")
        self.assertEqual(self.sandbox.calls["getOrder"], 4)
        self.assertFalse(self.team.sudo().rakuten_import_backlog)
        self.assertEqual(self.team.rakuten_last_import_start, log1.date_start)
        orders = self.env["sale.order"].search(
            [("rakuten_order_number", "in", numbers)]
        )
        self.assertEqual(len(orders), 350, "every order of the backlog, once")

        # The next round searches again, finds nothing new to fetch.
        log3, progress3 = self.run_channel_cron()
        self.assertEqual(log3.count_imported, 0)
        self.assertEqual(log3.count_unchanged, 350)
        self.assertEqual(progress3.remaining, 0)

    def test_backlog_gives_other_shops_their_turn(self):
        """Another shop's import cron is due: the backlogged channel reports its call done and
        triggers its own cron again, so the scheduler runs the other shop first (one worker
        never stays ten calls in a row on the big shop while a small one waits)."""
        other = self._make_team(self.company, self.warehouse, "Small Shop", "small")
        other_cron = self.cron_of(other)
        other_cron.nextcall = fields.Datetime.now() - timedelta(hours=1)
        ordered = datetime.now(timezone.utc) - timedelta(minutes=45)
        table = dict(self.PLAIN_MIX, payment={"card": 1.0}, progress={300: 1.0})
        self.sandbox.generate_orders(350, now=ordered, mix=table, hours=0)
        cron = self.cron_of()
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])

        log, progress = self.run_channel_cron()
        self.assertEqual(log.count_imported, 300)
        self.assertEqual((progress.done, progress.remaining), (300, 0))
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers + 1,
            "the channel's next slice is triggered",
        )
        for lang, expected in ((EN, "50 left"), (JA, "残り50件")):
            self.assertIn(expected, log.with_context(lang=lang).message)
        # Nobody else is due any more: the rest goes on as one backlog, progress reported.
        other_cron.nextcall = fields.Datetime.now() + timedelta(hours=1)
        log, progress = self.run_channel_cron()
        self.assertEqual(log.count_imported, 50)
        self.assertEqual((progress.done, progress.remaining), (50, 0))
        self.assertFalse(self.team.sudo().rakuten_import_backlog)

    def test_import_now_finishes_a_backlog(self):
        """Import Now goes on with the backlog the cron left (one engine, one lock), whole."""
        ordered = datetime.now(timezone.utc) - timedelta(minutes=45)
        table = dict(self.PLAIN_MIX, payment={"card": 1.0}, progress={300: 1.0})
        numbers = self.sandbox.generate_orders(420, now=ordered, mix=table, hours=0)
        self.run_channel_cron()
        self.assertEqual(
            len(self.team.sudo()._rakuten_import_backlog_get()["numbers"]), 120
        )
        action = self.team.action_rakuten_import_now()
        log = self.env["rakuten.sync.log"].browse(action["res_id"])
        self.assertEqual(log.count_imported, 120)
        self.assertFalse(self.team.sudo().rakuten_import_backlog)
        self.assertEqual(
            self.env["sale.order"].search_count(
                [("rakuten_order_number", "in", numbers)]
            ),
            420,
        )

    def test_backlog_skips_orders_imported_meanwhile(self):
        ordered = datetime.now(timezone.utc) - timedelta(minutes=45)
        table = dict(self.PLAIN_MIX, payment={"card": 1.0}, progress={300: 1.0})
        self.sandbox.generate_orders(310, now=ordered, mix=table, hours=0)
        self.run_channel_cron()
        left = self.team.sudo()._rakuten_import_backlog_get()["numbers"]
        self.assertEqual(len(left), 10)
        # A past import (same lock, one after the other) imported them meanwhile.
        self.env["rakuten.sync.log"]._rakuten_queue_past_import(
            self.team,
            (ordered - timedelta(hours=1)).replace(tzinfo=None),
            datetime.now(timezone.utc).replace(tzinfo=None),
        )
        past = self.env["rakuten.sync"]._cron_import_past_orders()
        self.assertEqual(past.count_imported, 10, past.message)
        log, progress = self.run_channel_cron()
        self.assertEqual(log.count_imported, 0)
        self.assertEqual(progress.remaining, 0)
        for number in left:
            self.assertEqual(len(self.sale_order(number)), 1)

    # ------------------------------------------------------------------
    # Time to stock (あす楽)
    # ------------------------------------------------------------------
    def test_asuraku_reserved_within_one_interval(self):
        """An あす楽 and a normal order placed at T, just after a run: the channel's next run,
        at T + interval, imports the あす楽 one and reserves its stock; the normal one waits
        for its minutes after ordering (30), and is imported by the first run after them."""
        interval = self.team.rakuten_import_interval
        self.run_channel_cron()  # the run before T
        asuraku = self.add_order(minutes_ago=interval, mix={"asuraku": 1.0})
        normal = self.add_order(minutes_ago=interval)
        self.assertEqual(self.sandbox.orders[asuraku]["asurakuFlag"], 1)
        log, _progress = self.run_channel_cron()  # T + interval
        order = self.sale_order(asuraku)
        self.assertTrue(order, [line.reason for line in log.line_ids])
        picking = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing"
        )
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(set(picking.move_ids.mapped("state")), {"assigned"})
        self.assertEqual(
            sum(picking.move_ids.mapped("quantity")),
            sum(picking.move_ids.mapped("product_uom_qty")),
            "the stock is reserved",
        )
        self.assertFalse(self.sale_order(normal))
        line = self.log_line(log, normal)
        self.assertEqual(line.outcome, "deferred")
        self.assertIn("30", line.with_context(lang=EN).reason)
        # After its 30 minutes, the first run imports the normal order.
        placed = datetime.now(timezone.utc) - timedelta(minutes=31)
        self.sandbox.orders[normal]["orderDatetime"] = rms_datetime(placed)
        self.run_channel_cron()
        self.assertTrue(self.sale_order(normal))

    # ------------------------------------------------------------------
    # Upgrade from 18.0.1.1.0
    # ------------------------------------------------------------------
    def test_upgrade_replaces_the_global_cron(self):
        # The database as 18.0.1.1.0 left it: one global import cron every 10 minutes, the
        # channel without a cron of its own.
        self.cron_of().unlink()
        self.env.invalidate_all()
        self.assertFalse(self.cron_of())
        old = self.env["ir.cron"].create(
            {
                "name": "Rakuten: Import Orders",
                "model_id": self.env["ir.model"]._get_id("rakuten.sync"),
                "state": "code",
                "code": "model._cron_import()",
                "user_id": self.env.ref("base.user_root").id,
                "interval_number": 10,
                "interval_type": "minutes",
            }
        )
        self.env["ir.model.data"]._update_xmlids(
            [
                {
                    "xml_id": "sale_rakuten.ir_cron_rakuten_import_orders",
                    "record": old,
                    "noupdate": True,
                }
            ]
        )
        spec = importlib.util.spec_from_file_location("post_migrate_1_2", MIGRATION)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()
        self.assertFalse(old.exists())
        self.assertFalse(
            self.env.ref(
                "sale_rakuten.ir_cron_rakuten_import_orders", raise_if_not_found=False
            )
        )
        cron = self.cron_of()
        self.assertTrue(cron.active)
        self.assertEqual(self.team.rakuten_import_interval, 10)
        self.assertEqual(cron.interval_number, 10)
        # A fresh install runs no migration.
        module.migrate(self.env.cr, None)
        self.assertEqual(self.cron_of(), cron)
