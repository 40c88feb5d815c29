"""The license key's status on the channel: not set, not checked yet, valid until …, expires
in N days, expired, refused by RMS; the badge and banners that show it; Test Connection."""
from datetime import datetime, timedelta

from freezegun import freeze_time
from lxml import etree

from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import RakutenCase

NOW = datetime(2025, 3, 1, 1, 0)  # 10:00 Japan time


def jst_end_of_day(day):
    """23:59:59 Japan time of ``day`` (how RMS gives expiry dates), as naive UTC."""
    return datetime(day.year, day.month, day.day, 14, 59, 59)


@tagged("post_install", "-at_install")
class TestLicenseStatus(RakutenCase):
    def setUp(self):
        super().setUp()
        expiry, key = self.sandbox.license_expiry, self.sandbox.license_key
        self.addCleanup(setattr, self.sandbox, "license_expiry", expiry)
        self.addCleanup(setattr, self.sandbox, "license_key", key)

    def status(self, team=None):
        team = team or self.team
        team.invalidate_recordset(["rakuten_license_state", "rakuten_license_status"])
        return team.rakuten_license_state, team.rakuten_license_status

    def blocked(self):
        """Whether the Rakuten jobs and the import leave the channel alone."""
        skipped_by_jobs = self.team not in self.env["rakuten.sync"]._active_teams()
        self.assertEqual(self.team._rakuten_license_blocked(), skipped_by_jobs)
        return skipped_by_jobs

    def test_every_state_and_its_badge_text(self):
        no_key = self.env["crm.team"].create({"name": "Not connected yet"})
        self.assertEqual(self.status(no_key), ("not_set", "Not set"))

        self.assertFalse(self.team.rakuten_license_expiry)
        self.assertEqual(self.status(), ("unchecked", "Not checked yet"))
        self.assertFalse(self.blocked(), "an unchecked key is used (its check is the first call)")

        with freeze_time(NOW):
            for expiry, expected, blocked in (
                (jst_end_of_day(NOW + timedelta(days=60)), ("ok", "Valid until 2025-04-30"), False),
                (jst_end_of_day(NOW + timedelta(days=15)), ("ok", "Valid until 2025-03-16"), False),
                (jst_end_of_day(NOW + timedelta(days=13)), ("warning", "Expires in 13 days (2025-03-14)"), False),
                (jst_end_of_day(NOW + timedelta(days=5)), ("warning", "Expires in 5 days (2025-03-06)"), False),
                (jst_end_of_day(NOW), ("warning", "Expires today (2025-03-01)"), False),
                (jst_end_of_day(NOW - timedelta(days=1)), ("expired", "Expired on 2025-02-28"), True),
            ):
                self.team.rakuten_license_expiry = expiry
                self.assertEqual(self.status(), expected, expiry)
                self.assertEqual(self.blocked(), blocked, expiry)

            # RMS refused the credentials: its own state, whatever the expiry says.
            self.team.rakuten_license_expiry = jst_end_of_day(NOW + timedelta(days=60))
            self.team._rakuten_set_auth_failure("ES01-01: Un-Authorised")
            self.assertEqual(self.status(), ("refused", "Refused by RMS"))
            self.assertTrue(self.blocked())
            # A new key: not checked yet, and the jobs resume.
            self.team.rakuten_license_key = "SL3-0000-license-new"
            self.assertEqual(self.status(), ("unchecked", "Not checked yet"))
            self.assertFalse(self.blocked())

    def test_badge_and_banners_show_each_state(self):
        arch = etree.fromstring(self.env["crm.team"].get_view(view_type="form")["arch"])
        [badge] = arch.xpath("//field[@name='rakuten_license_status'][@widget='badge']")
        banners = arch.xpath("//div[contains(@class, 'alert')]")
        states = dict(self.team._fields["rakuten_license_state"].selection)
        for state in states:
            values = {"rakuten_license_state": state, "rakuten_active": True}
            decorations = [name for name, expr in badge.attrib.items()
                           if name.startswith("decoration-") and safe_eval(expr, values)]
            self.assertEqual(len(decorations), 1, (state, decorations))
            shown = [b for b in banners if "rakuten_license_state" in (b.get("invisible") or "")
                     and not safe_eval(b.get("invisible"), values)]
            if state in ("warning", "expired", "refused"):
                self.assertEqual(len(shown), 1, "one banner for %s" % state)
            else:
                self.assertFalse(shown, state)
        self.assertEqual(
            {state: [name for name, expr in badge.attrib.items() if name.startswith("decoration-")
                     and safe_eval(expr, {"rakuten_license_state": state})][0] for state in states},
            {"not_set": "decoration-warning", "unchecked": "decoration-info", "ok": "decoration-success",
             "warning": "decoration-warning", "expired": "decoration-danger", "refused": "decoration-danger"},
        )

    def test_test_connection_shows_the_new_expiry_at_once(self):
        with freeze_time(NOW):
            self.sandbox.license_expiry = (NOW + timedelta(days=80)).date()
            action = self.team.action_rakuten_test_connection()
            self.assertEqual(action["tag"], "display_notification")
            self.assertEqual(action["params"]["type"], "success")
            self.assertIn("2025-05-20", action["params"]["message"])
            self.assertEqual(action["params"]["next"], {"type": "ir.actions.client", "tag": "soft_reload"},
                             "the form reloads: its badge shows the new expiry")
            self.assertEqual(self.status(), ("ok", "Valid until 2025-05-20"))

            self.sandbox.expired_license = True
            with mute_logger("odoo.addons.sale_rakuten.rms.client"):
                action = self.team.action_rakuten_test_connection()
            self.assertEqual(action["params"]["type"], "danger")
            self.assertTrue(action["params"]["sticky"])
            self.assertEqual(action["params"]["next"]["tag"], "soft_reload")
            self.assertEqual(self.status(), ("refused", "Refused by RMS"))
            self.assertIn("ES01-01", self.team.rakuten_auth_error)
            self.assertTrue(self.blocked())

            self.sandbox.expired_license = False
            action = self.team.action_rakuten_test_connection()
            self.assertEqual(action["params"]["type"], "success")
            self.assertEqual(self.status(), ("ok", "Valid until 2025-05-20"))
            self.assertFalse(self.blocked())

    def test_license_check_job_skips_nothing_but_the_others_skip_refused_channels(self):
        self.team._rakuten_set_auth_failure("ES01-01: Un-Authorised")
        self.assertIn(self.team, self.env["rakuten.sync"]._active_teams(include_expired=True))
        logs = self.run_cron_job("follow")
        self.assertFalse(logs.filtered(lambda l: l.team_id == self.team))
        logs = self.run_cron_job("license")
        log = logs.filtered(lambda l: l.team_id == self.team)
        self.assertEqual(log.state, "done", "the key works again")
        self.assertEqual(self.status()[0], "ok")

    def test_test_connection_without_keys_says_what_to_do(self):
        team = self.env["crm.team"].create({"name": "Not connected yet"})
        self.sandbox.reset_counters()
        action = team.action_rakuten_test_connection()
        self.assertEqual((action["tag"], action["params"]["type"]), ("display_notification", "warning"))
        self.assertIn("service secret and license key", action["params"]["message"])
        self.assertFalse(+self.sandbox.calls)
        self.assertEqual(self.status(team), ("not_set", "Not set"))
