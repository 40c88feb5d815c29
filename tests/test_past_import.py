"""Import Past Orders runs in the background: the wizard queues a sync log and wakes the
past-import cron, which runs the queued imports one after the other."""

from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tests.common import RecordCapturer
from odoo.tools import mute_logger

from odoo.addons.sale_rakuten.models.rakuten_sync import RakutenSync

from .common import RakutenCase

CRON = "sale_rakuten.ir_cron_rakuten_import_past_orders"
QUIET = (
    "odoo.addons.sale_rakuten.models.rakuten_sync",
    "odoo.addons.sale_rakuten.rms.client",
)


@tagged("post_install", "-at_install")
class TestPastImport(RakutenCase):
    def queue(self, days_from=30, days_to=0, team=None):
        """Press the wizard's Import button (as the web client does); return its action."""
        team = team or self.team
        action = team.action_rakuten_import_past_orders()
        wizard = (
            team.env[action["res_model"]]
            .with_context(**action["context"])
            .create(
                {
                    "date_from": fields.Datetime.now() - timedelta(days=days_from),
                    "date_to": fields.Datetime.now() - timedelta(days=days_to),
                }
            )
        )
        self.assertEqual(wizard.team_id, team)
        return wizard.action_import()

    def capture_triggers(self, xmlid):
        """The ir.cron.trigger records of cron ``xmlid`` created inside the block."""
        return RecordCapturer(
            self.env["ir.cron.trigger"].sudo(),
            [("cron_id", "=", self.env.ref(xmlid).id)],
        )

    def run_cron(self):
        return self.env["rakuten.sync"]._cron_import_past_orders()

    def queued_log(self, action):
        log = self.env["rakuten.sync.log"].browse(action["params"]["next"]["res_id"])
        self.assertTrue(log.exists())
        return log

    def test_wizard_queues_the_import_and_says_so(self):
        old = self.add_order(progress=300, minutes_ago=20 * 24 * 60)
        cron = self.env.ref(CRON)
        with self.capture_triggers(CRON) as triggers:
            action = self.queue()
        self.assertEqual(len(triggers.records), 1, "the cron is woken")
        self.assertLessEqual(triggers.records.call_at, fields.Datetime.now())
        self.assertEqual(triggers.records.cron_id, cron)
        self.assertEqual(cron.code, "model._cron_import_past_orders()")

        self.assertEqual(
            (action["type"], action["tag"]),
            ("ir.actions.client", "display_notification"),
        )
        params = action["params"]
        self.assertEqual(params["title"], "Past orders queued")
        self.assertIn("in the background", params["message"])
        self.assertIn(self.team.name, params["message"])
        log = self.queued_log(action)
        self.assertEqual(params["next"]["res_model"], "rakuten.sync.log")
        self.assertEqual(params["next"]["type"], "ir.actions.act_window")
        self.assertEqual(
            (log.state, log.kind, log.team_id, log.is_past_import),
            ("queued", "import", self.team, True),
        )
        self.assertAlmostEqual(
            log.window_start,
            fields.Datetime.now() - timedelta(days=30),
            delta=timedelta(minutes=1),
        )
        self.assertAlmostEqual(
            log.window_end, fields.Datetime.now(), delta=timedelta(minutes=1)
        )
        self.assertFalse(
            +self.sandbox.calls, "nothing is asked of RMS inside the request"
        )
        self.assertFalse(self.sale_order(old))

        with patch.object(
            type(self.env["ir.cron"]), "_notify_progress", autospec=True
        ) as progress:
            ran = self.run_cron()
        self.assertEqual(ran, log)
        self.assertEqual(log.state, "done", log.message)
        self.assertTrue(self.sale_order(old), "the 20-day-old order is imported")
        self.assertEqual(log.count_imported, 1)
        self.assertGreater(log.api_calls, 0)
        self.assertEqual(progress.call_args.kwargs, {"done": 1, "remaining": 0})
        self.assertFalse(
            self.team.rakuten_last_import_start,
            "a past import does not move the watermark",
        )
        self.assertFalse(self.run_cron(), "nothing left")

    def test_the_log_shows_running_while_the_import_runs(self):
        self.add_order(progress=300, minutes_ago=3 * 24 * 60)
        log = self.queued_log(self.queue())
        seen = []
        original = RakutenSync._job_import

        def spy(sync, team, client, run_log):
            seen.append((run_log, run_log.state))
            return original(sync, team, client, run_log)

        with patch.object(RakutenSync, "_job_import", spy):
            self.run_cron()
        self.assertEqual(seen, [(log, "running")])
        self.assertEqual(log.state, "done")
        self.assertTrue(log.date_end)

    def test_two_past_imports_of_a_channel_run_one_after_the_other(self):
        first = self.queued_log(self.queue(days_from=60, days_to=30))
        second = self.queued_log(self.queue(days_from=30, days_to=0))
        other_team = self._make_team(
            self.company, self.warehouse, "Second Shop", "othershop"
        )
        third = self.queued_log(self.queue(team=other_team))
        with patch.object(
            type(self.env["ir.cron"]), "_notify_progress", autospec=True
        ) as progress:
            self.assertEqual(self.run_cron(), first)
            self.assertEqual(progress.call_args.kwargs, {"done": 1, "remaining": 2})
            self.assertEqual(
                (first.state, second.state, third.state), ("done", "queued", "queued")
            )
            self.assertEqual(self.run_cron(), second)
            self.assertEqual(self.run_cron(), third)
            self.assertEqual(progress.call_args.kwargs, {"done": 1, "remaining": 0})
        self.assertEqual({first.state, second.state, third.state}, {"done"})
        self.assertLessEqual(first.date_end, second.date_start)

    def test_a_running_import_of_the_channel_keeps_it_queued(self):
        number = self.add_order(progress=300, minutes_ago=2 * 24 * 60)
        log = self.queued_log(self.queue())
        key = self.lock_key()
        with self.registry.cursor() as other:
            other.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
            self.assertTrue(other.fetchone()[0])
            try:
                with self.capture_triggers(CRON) as triggers:
                    self.assertFalse(self.run_cron())
                # The normal import cannot overlap either.
                self.assertEqual(self.import_orders().state, "skipped")
            finally:
                other.execute("SELECT pg_advisory_unlock(%s, %s)", key)
        self.assertEqual(log.state, "queued", "waits for its turn")
        self.assertEqual(len(triggers.records), 1, "the cron looks again later")
        self.assertGreater(
            triggers.records.call_at, fields.Datetime.now() + timedelta(minutes=5)
        )
        self.assertFalse(self.sale_order(number))

        self.assertEqual(self.run_cron(), log)
        self.assertEqual(log.state, "done", log.message)
        self.assertTrue(self.sale_order(number))

    def test_failed_and_partial_past_imports(self):
        log = self.queued_log(self.queue())
        self.sandbox.expired_license = True
        with mute_logger(*QUIET):
            self.run_cron()
        self.assertEqual(log.state, "failed")
        self.assertIn("ES01-01", log.message)
        self.assertEqual(log.api_calls, 1)

        self.sandbox.expired_license = False
        self.team.rakuten_license_key = self.team.rakuten_license_key
        good = self.add_order(progress=300, minutes_ago=24 * 60)
        bad = self.add_order(progress=300, minutes_ago=24 * 60)
        del self.sandbox.orders[bad]["SettlementModel"]
        log = self.queued_log(self.queue())
        with mute_logger(*QUIET):
            self.run_cron()
        self.assertEqual(log.state, "partial")
        self.assertEqual((log.count_imported, log.count_failed), (1, 1))
        self.assertTrue(self.sale_order(good))

    def test_dead_past_import_is_queued_again(self):
        number = self.add_order(progress=300, minutes_ago=24 * 60)
        log = self.queued_log(self.queue())
        log.state = "running"  # its worker died: nobody holds the channel's import lock
        self.assertEqual(self.run_cron(), log)
        self.assertEqual(log.state, "done")
        self.assertTrue(self.sale_order(number))

    def test_switched_off_channel_fails_its_queued_import(self):
        log = self.queued_log(self.queue())
        self.team.rakuten_active = False
        self.run_cron()
        self.assertEqual(log.state, "failed")
        self.assertIn("switched off", log.message)

    def test_wizard_checks_the_range(self):
        with self.assertRaises(UserError):
            self.queue(days_from=1, days_to=2)
        with self.assertRaises(UserError):
            self.queue(days_from=731)
        self.assertFalse(
            self.env["rakuten.sync.log"].search([("state", "=", "queued")])
        )

    def test_queued_logs_survive_the_autovacuum(self):
        log = self.queued_log(self.queue())
        log.date_start = datetime.now() - timedelta(days=100)
        self.env["rakuten.sync.log"]._gc_old_logs()
        self.assertTrue(log.exists())

    def test_a_rakuten_manager_queues_without_admin_rights(self):
        manager = self.env["res.users"].create(
            {
                "name": "Rakuten Manager",
                "login": "rakuten_past_manager",
                "email": "past.manager@example.com",
                "groups_id": [
                    Command.set([self.env.ref("sale_rakuten.group_rakuten_manager").id])
                ],
            }
        )
        action = self.queue(team=self.team.with_user(manager))
        log = self.queued_log(action)
        self.assertEqual((log.state, log.create_uid), ("queued", manager))
        self.assertEqual(self.run_cron(), log)
        self.assertEqual(log.state, "done", log.message)
