"""The license key's status on the channel: not set, not checked yet, valid until …, expires
in N days, expired, refused by RMS; the badge and banners that show it; Test Connection; the
daily license check, the warning activity, and the jobs that stop and resume with the key."""

from datetime import datetime, timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from odoo.addons.sale_rakuten.models.crm_team import MANAGER_GROUP

from .common import RakutenCase

NOW = datetime(2025, 3, 1, 1, 0)  # 10:00 Japan time
JOB_KINDS = ("confirm", "carrier", "follow")


def jst_end_of_day(day):
    """23:59:59 Japan time of ``day`` (how RMS gives expiry dates), as naive UTC."""
    return datetime(day.year, day.month, day.day, 14, 59, 59)


@tagged("post_install", "-at_install")
class TestLicenseStatus(RakutenCase):
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
        self.assertFalse(
            self.blocked(), "an unchecked key is used (its check is the first call)"
        )

        with freeze_time(NOW):
            for expiry, expected, blocked in (
                (
                    jst_end_of_day(NOW + timedelta(days=60)),
                    ("ok", "Valid until 2025-04-30"),
                    False,
                ),
                (
                    jst_end_of_day(NOW + timedelta(days=15)),
                    ("ok", "Valid until 2025-03-16"),
                    False,
                ),
                (
                    jst_end_of_day(NOW + timedelta(days=13)),
                    ("warning", "Expires in 13 days (2025-03-14)"),
                    False,
                ),
                (
                    jst_end_of_day(NOW + timedelta(days=5)),
                    ("warning", "Expires in 5 days (2025-03-06)"),
                    False,
                ),
                (jst_end_of_day(NOW), ("warning", "Expires today (2025-03-01)"), False),
                (
                    jst_end_of_day(NOW - timedelta(days=1)),
                    ("expired", "Expired on 2025-02-28"),
                    True,
                ),
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
            decorations = [
                name
                for name, expr in badge.attrib.items()
                if name.startswith("decoration-") and safe_eval(expr, values)
            ]
            self.assertEqual(len(decorations), 1, (state, decorations))
            shown = [
                b
                for b in banners
                if "rakuten_license_state" in (b.get("invisible") or "")
                and not safe_eval(b.get("invisible"), values)
            ]
            if state in ("warning", "expired", "refused"):
                self.assertEqual(len(shown), 1, "one banner for %s" % state)
            else:
                self.assertFalse(shown, state)
        self.assertEqual(
            {
                state: [
                    name
                    for name, expr in badge.attrib.items()
                    if name.startswith("decoration-")
                    and safe_eval(expr, {"rakuten_license_state": state})
                ][0]
                for state in states
            },
            {
                "not_set": "decoration-warning",
                "unchecked": "decoration-info",
                "ok": "decoration-success",
                "warning": "decoration-warning",
                "expired": "decoration-danger",
                "refused": "decoration-danger",
            },
        )

    def test_test_connection_shows_the_new_expiry_at_once(self):
        with freeze_time(NOW):
            self.sandbox.license_expiry = (NOW + timedelta(days=80)).date()
            action = self.team.action_rakuten_test_connection()
            self.assertEqual(action["tag"], "display_notification")
            self.assertEqual(action["params"]["type"], "success")
            self.assertIn("2025-05-20", action["params"]["message"])
            self.assertEqual(
                action["params"]["next"],
                {"type": "ir.actions.client", "tag": "soft_reload"},
                "the form reloads: its badge shows the new expiry",
            )
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
        self.assertIn(
            self.team, self.env["rakuten.sync"]._active_teams(include_expired=True)
        )
        logs = self.run_cron_job("follow")
        self.assertFalse(logs.filtered(lambda log: log.team_id == self.team))
        logs = self.run_cron_job("license")
        log = logs.filtered(lambda log: log.team_id == self.team)
        self.assertEqual(log.state, "done", "the key works again")
        self.assertEqual(self.status()[0], "ok")

    def test_test_connection_without_keys_says_what_to_do(self):
        team = self.env["crm.team"].create({"name": "Not connected yet"})
        self.sandbox.reset_counters()
        action = team.action_rakuten_test_connection()
        self.assertEqual(
            (action["tag"], action["params"]["type"]),
            ("display_notification", "warning"),
        )
        self.assertIn("service secret and license key", action["params"]["message"])
        self.assertFalse(+self.sandbox.calls)
        self.assertEqual(self.status(team), ("not_set", "Not set"))


@tagged("post_install", "-at_install")
class TestLicenseExpiry(RakutenCase):
    """The daily license check and what the other jobs do with its answer (moved from
    test_follow.py)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = cls.env["res.users"].create(
            {
                "name": "Rakuten Salesman",
                "login": "rakuten_salesman",
                "email": "salesman@example.com",
                "groups_id": [
                    Command.set([cls.env.ref("sales_team.group_sale_salesman").id])
                ],
            }
        )
        cls.manager = cls.env["res.users"].create(
            {
                "name": "Rakuten Manager",
                "login": "rakuten_manager",
                "email": "manager@example.com",
                "groups_id": [Command.set([cls.env.ref(MANAGER_GROUP).id])],
            }
        )
        cls.team.user_id = cls.salesman
        cls.team.rakuten_cancel_reason = "楽天でキャンセル"

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def activities(self, record, user=None, summary=None):
        return record.activity_ids.filtered(
            lambda a: (
                (user is None or a.user_id == user)
                and (summary is None or summary in (a.summary or ""))
            )
        )

    def team_logs(self, kinds):
        return self.env["rakuten.sync.log"].search(
            [("team_id", "=", self.team.id), ("kind", "in", kinds)]
        )

    def check_licenses(self):
        log = self.run_job("license")
        self.assertEqual(len(log), 1)
        self.team.invalidate_recordset(["rakuten_license_state"])
        return log

    def license_activities(self):
        return self.activities(self.team, summary="Renew the Rakuten license key")

    # ------------------------------------------------------------------
    # Expiry, warning, refusal and renewal, end to end
    # ------------------------------------------------------------------
    def test_license_expiry_is_stored_and_warned(self):
        now = datetime(2025, 3, 1, 1, 0)
        self.assertIn(
            "rakuten_license_state != 'warning'",
            self.env["crm.team"].get_view(view_type="form")["arch"],
            "the warning banner",
        )
        with freeze_time(now):
            self.sandbox.license_expiry = (now + timedelta(days=20)).date()
            log = self.check_licenses()
            self.assertEqual(log.state, "done", log.message)
            # 23:59:59 Japan time = 14:59:59 UTC
            self.assertEqual(
                self.team.rakuten_license_expiry, datetime(2025, 3, 21, 14, 59, 59)
            )
            self.assertEqual(self.team.rakuten_license_state, "ok")
            self.assertFalse(self.license_activities())

        with freeze_time(now + timedelta(days=10)):
            log = self.check_licenses()
            self.assertEqual(log.state, "done", log.message)
            self.assertEqual(self.team.rakuten_license_state, "warning")
            for manager in (self.manager, self.env.ref("base.user_admin")):
                activity = self.license_activities().filtered(
                    lambda a, user=manager: a.user_id == user
                )
                self.assertEqual(len(activity), 1, manager.name)
                self.assertEqual(
                    activity.date_deadline, fields.Date.to_date("2025-03-21")
                )
            self.assertFalse(
                self.license_activities().filtered(lambda a: a.user_id == self.salesman)
            )
            count = len(self.license_activities())
            self.check_licenses()
            self.assertEqual(len(self.license_activities()), count, "not duplicated")
            # A warning does not stop the jobs.
            self.assertEqual(self.run_logged_job("follow").state, "done")

    def expire_and_check(self, how, now):
        with freeze_time(now):
            if how == "switch":
                self.sandbox.expired_license = True
            else:
                self.sandbox.license_expiry = (now - timedelta(days=1)).date()
            with mute_logger("odoo.addons.sale_rakuten.models.rakuten_sync"):
                log = self.check_licenses()
            self.assertEqual(log.state, "failed")
            self.assertEqual(self.team.rakuten_license_state, "refused")
            self.assertIn("ES01-01", self.team.rakuten_auth_error)
            self.assertIn("enter the new key", self.team.rakuten_auth_error)
            self.assertEqual(self.team.rakuten_auth_error_date, now)

    def assert_jobs_skip(self):
        self.sandbox.reset_counters()
        logs_before = self.team_logs(JOB_KINDS)
        Sync = self.env["rakuten.sync"]
        for _run in range(3):
            for job in (Sync._cron_confirm, Sync._cron_carrier, Sync._cron_follow):
                logs = job()
                self.assertFalse(logs.filtered(lambda log: log.team_id == self.team))
        self.assertEqual(self.team_logs(JOB_KINDS), logs_before, "no log flood")
        self.assertFalse(+self.sandbox.calls, "no RMS call")

    def check_expiry_flow(self, how):
        number = self.add_order(progress=300)
        self.import_orders()
        self.sandbox.set_progress(number, 800)
        now = datetime(2025, 3, 1, 1, 0)
        self.expire_and_check(how, now)
        with freeze_time(now):
            self.assert_jobs_skip()

        # The import is tried again at most once an hour.
        with mute_logger("odoo.addons.sale_rakuten.models.rakuten_sync"):
            for minutes, retried in (
                (10, False),
                (59, False),
                (61, True),
                (90, False),
                (120, False),
                (122, True),
            ):
                with freeze_time(now + timedelta(minutes=minutes)):
                    self.team.invalidate_recordset(["rakuten_license_state"])
                    log = self.run_job("import")
                    self.assertEqual(bool(log), retried, "import at +%d min" % minutes)
                    if retried:
                        self.assertEqual(log.state, "failed")
                        self.assertEqual(self.team.rakuten_license_state, "refused")
        self.assertEqual(self.sale_order(number).state, "sale")

        # A new key: the error is gone and every job runs again, at once.
        with freeze_time(now + timedelta(minutes=130)):
            self.sandbox.expired_license = False
            self.sandbox.license_expiry = (now + timedelta(days=90)).date()
            self.sandbox.license_key = "SL3-0000-license-renewed"
            self.team.rakuten_license_key = "SL3-0000-license-renewed"
            self.assertFalse(self.team.rakuten_auth_error)
            self.assertEqual(self.team.rakuten_license_state, "unchecked")
            self.assertEqual(self.run_logged_job("follow").state, "done")
            self.assertEqual(
                self.sale_order(number).state, "cancel", "the follow job caught up"
            )
            self.assertEqual(self.run_job("import").state, "done")
            self.assertEqual(self.check_licenses().state, "done")
            self.assertEqual(
                self.team.rakuten_license_expiry.date(),
                (now + timedelta(days=90)).date(),
            )

    def test_expired_license_switch(self):
        self.check_expiry_flow("switch")

    def test_license_expiry_in_the_past(self):
        self.check_expiry_flow("past")

    def test_expiry_date_passed_before_the_daily_check(self):
        now = datetime(2025, 3, 1, 1, 0)
        with freeze_time(now):
            self.sandbox.license_expiry = (now + timedelta(days=5)).date()
            self.check_licenses()
            self.assertEqual(self.team.rakuten_license_state, "warning")
        with freeze_time(now + timedelta(days=6)):
            self.team.invalidate_recordset(["rakuten_license_state"])
            self.assertEqual(self.team.rakuten_license_state, "expired")
            self.assert_jobs_skip()

    def test_renewed_key_that_works_late_resumes_by_itself(self):
        """A freshly saved key RMS refuses for a while: once the hourly import retry gets
        through, the other jobs resume without waiting for the daily check."""
        now = datetime(2025, 3, 1, 1, 0)
        self.expire_and_check("switch", now)
        with freeze_time(now + timedelta(minutes=61)):
            self.sandbox.expired_license = False
            self.team.invalidate_recordset(["rakuten_license_state"])
            self.assertEqual(self.run_job("import").state, "done")
            self.assertFalse(self.team.rakuten_auth_error)
            self.assertEqual(self.team.rakuten_license_state, "unchecked")
            self.assertEqual(self.run_logged_job("follow").state, "done")
