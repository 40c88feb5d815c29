"""Sync logs tell the truth: each kind of job counts what it did in counters of its own, the
form shows those counters only, and a failed run still shows the RMS calls it made."""

import copy
import functools
import threading
from unittest.mock import patch

from lxml import etree

from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from odoo.addons.sale_rakuten.models.rakuten_sync import JOBS
from odoo.addons.sale_rakuten.models.rakuten_sync_log import KIND_COUNTERS, KINDS
from odoo.addons.sale_rakuten.rms.client import RmsClient

from .common import RakutenCase

QUIET = (
    "odoo.addons.sale_rakuten.models.rakuten_sync",
    "odoo.addons.sale_rakuten.rms.client",
    "urllib3.connectionpool",
)
ALL_COUNTERS = sorted({name for names in KIND_COUNTERS.values() for name in names})


@tagged("post_install", "-at_install")
class TestSyncLogCounters(RakutenCase):
    sandbox_switches = RakutenCase.CONFIRM_SWITCHES

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.yamato = cls._make_carrier("Yamato (Rakuten)", "1001")

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def counters(self, log):
        """The non-zero counters of ``log``, by name."""
        return {
            name: log["count_%s" % name]
            for name in ALL_COUNTERS
            if log["count_%s" % name]
        }

    def outcomes(self, log):
        lines = {}
        for line in log.line_ids:
            lines[line.outcome] = lines.get(line.outcome, 0) + 1
        return lines

    def ship(self, order, tracking):
        if order.rakuten_slip_state == "waiting_payment":
            order.rakuten_payment_state = "2"
        picking = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing"
        )
        picking.write({"carrier_id": self.yamato.id, "carrier_tracking_ref": tracking})
        self.assertIs(picking.with_context(skip_sms=True).button_validate(), True)
        return picking

    # ------------------------------------------------------------------
    # Import
    # ------------------------------------------------------------------
    def test_every_job_has_one_name_from_cron_to_log_kind(self):
        """Each job of the table is a _job_<kind> and a _cron_<kind> of rakuten.sync, called by
        a scheduled action, and a kind of the log; nothing else is a kind."""
        Sync = self.env["rakuten.sync"]
        crons = (
            self.env["ir.cron"]
            .search([("model_id.model", "=", "rakuten.sync")])
            .mapped("code")
        )
        for kind in JOBS:
            self.assertTrue(callable(getattr(Sync, "_job_%s" % kind, None)), kind)
            self.assertTrue(callable(getattr(Sync, "_cron_%s" % kind, None)), kind)
            if kind == "import":
                # One import cron per channel (issue 11): _cron_import_channel(<channel id>).
                self.assertIn(
                    "model._cron_import_channel(%d)" % self.team.id, crons, kind
                )
            else:
                self.assertIn("model._cron_%s()" % kind, crons)
        self.assertEqual([kind for kind, _label in KINDS], list(JOBS))
        self.assertIn("model._cron_import_past_orders()", crons)

    def test_runs_commit_only_in_a_cron_worker_never_under_test(self):
        Sync = self.env["rakuten.sync"]
        in_cron = Sync.with_context(ir_cron_progress_id=1)
        self.assertFalse(in_cron._commits(), "under test, not even in a cron worker")
        self.assertFalse(
            Sync._commit_batch(), "job bodies' commit point commits nothing here"
        )
        with patch.object(threading.current_thread(), "testing", False):
            self.assertTrue(in_cron._commits(), "the scheduler or Run Manually")
            self.assertFalse(Sync._commits(), "a button inside a request (Import Now)")

    def test_import_counts_every_order_once(self):
        imported = self.add_order(progress=300)
        deferred = self.add_order(
            progress=300, minutes_ago=5
        )  # within the 30-minute wait
        skipped = self.add_order(progress=300, mix={"order_type": {5: 1.0}})  # 頒布会
        failed = self.add_order(progress=300)
        del self.sandbox.orders[failed]["SettlementModel"]
        with mute_logger(*QUIET):
            log = self.import_orders()
        self.assertEqual(log.state, "partial", log.message)
        self.assertEqual(
            self.counters(log),
            {"found": 4, "imported": 1, "deferred": 1, "skipped": 1, "failed": 1},
        )
        self.assertEqual(
            self.outcomes(log),
            {"imported": 1, "deferred": 1, "skipped": 1, "failed": 1},
        )
        self.assertEqual(
            {line.order_number: line.outcome for line in log.line_ids},
            {
                imported: "imported",
                deferred: "deferred",
                skipped: "skipped",
                failed: "failed",
            },
        )
        self.assertEqual(
            log.summary,
            "Found 4 · Imported 1 · Updated 0 · Already Imported 0 · Deferred 1 · "
            "Skipped 1 · Failed 1",
        )
        self.assertGreater(log.api_calls, 0)

        # Seen again: the imported and the skipped orders are already known.
        self.sandbox.orders[failed]["SettlementModel"] = copy.deepcopy(
            self.sandbox.orders[imported]["SettlementModel"]
        )
        log = self.import_orders()
        self.assertEqual(
            self.counters(log),
            {"found": 4, "unchanged": 2, "deferred": 1, "imported": 1},
        )

    def test_completed_provisional_slip_counts_as_updated(self):
        self.team.rakuten_manual_confirm = True
        number = self.add_order(progress=100)
        log = self.import_orders()
        self.assertEqual(self.sale_order(number).rakuten_slip_state, "new")
        self.assertEqual(self.counters(log).get("imported"), 1)
        self.sandbox.set_progress(number, 300)
        log = self.import_orders()
        self.assertEqual(
            self.counters(log).get("updated"), 1, log.line_ids.mapped("reason")
        )
        self.assertEqual(self.outcomes(log), {"updated": 1})

    def test_failed_import_keeps_its_rms_calls(self):
        self.sandbox.expired_license = True
        with mute_logger(*QUIET):
            log = self.import_orders()
        self.assertEqual(log.state, "failed")
        self.assertEqual(log.api_calls, 1, "the refused search is a call")
        self.assertEqual(sum(self.sandbox.calls.values()), 1)

        # A failure after some calls: every call made before it is counted.
        self.sandbox.expired_license = False
        self.team.rakuten_license_key = (
            self.team.rakuten_license_key
        )  # a saved key resumes the jobs
        self.add_order(progress=300)
        self.sandbox.reset_counters()
        search = self.sandbox._op_searchOrder

        def search_then_break(request):
            self.sandbox.error_rate_5xx = 1.0  # RMS breaks after answering the search
            return search(request)

        client = functools.partial(RmsClient, backoff_factor=0)
        with (
            patch.object(self.sandbox, "_op_searchOrder", search_then_break),
            patch("odoo.addons.sale_rakuten.models.crm_team.RmsClient", client),
            mute_logger(*QUIET),
        ):
            log = self.import_orders()
        self.assertEqual(log.state, "failed", log.message)
        self.assertGreaterEqual(
            log.api_calls, 2, "the search and the getOrder that failed"
        )
        self.assertLessEqual(log.api_calls, sum(self.sandbox.calls.values()))

    # ------------------------------------------------------------------
    # Confirmation
    # ------------------------------------------------------------------
    def test_confirm_counts_confirmed_refused_and_retried(self):
        numbers = [self.add_order(progress=100, minutes_ago=45) for _i in range(4)]
        self.import_orders()
        cancelled, no_postage = numbers[0], numbers[1]
        self.sandbox.set_progress(cancelled, 900)
        raw = self.sandbox.orders[no_postage]
        raw["postagePrice"] = -9999
        for package in raw["PackageModelList"]:
            package["postagePrice"] = -9999
        log = self.run_logged_job("confirm")
        self.assertEqual(log.state, "partial", "a refused order needs a person")
        self.assertEqual(
            self.counters(log), {"found": 4, "confirmed": 2, "refused": 1, "retried": 1}
        )
        self.assertEqual(self.outcomes(log), {"done": 2, "failed": 1, "deferred": 1})
        self.assertEqual(
            log.summary, "Found 4 · Confirmed 2 · Refused 1 · To Retry 1 · Failed 0"
        )
        self.assertEqual(
            log.count_confirmed,
            len(log.line_ids.filtered(lambda line: line.outcome == "done")),
        )

    # ------------------------------------------------------------------
    # Carrier rows and shipping reports
    # ------------------------------------------------------------------
    def test_carrier_counts_rows_set_and_shipments_reported(self):
        self.team.rakuten_auto_ship_report = True
        numbers = [self.add_order(progress=300, minutes_ago=45) for _i in range(2)]
        self.import_orders()
        log = self.run_logged_job("carrier")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(self.counters(log), {"found": 2, "rows_set": 2})
        self.run_logged_job("follow")  # verifies the rows

        self.ship(self.sale_order(numbers[0]), "1234-5678")
        log = self.run_logged_job("carrier")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(self.counters(log), {"found": 1, "rows_updated": 1})
        self.assertEqual(
            log.summary,
            "Found 1 · Carrier Rows Set 0 · Shipments Reported 1 · Refused 0 · "
            "To Retry 0 · Failed 0",
        )

    def test_refused_shipping_report_is_counted_by_the_follow_job(self):
        self.team.rakuten_auto_ship_report = True
        number = self.add_order(progress=300, minutes_ago=45)
        self.import_orders()
        self.run_logged_job("carrier")
        self.run_logged_job("follow")
        self.sandbox.set_progress(number, 900)
        self.ship(self.sale_order(number), "1234")
        self.run_logged_job("carrier")
        log = self.run_logged_job("follow")
        self.assertEqual(
            self.counters(log).get("refused"), 1, log.line_ids.mapped("reason")
        )
        self.assertEqual(log.state, "partial")

    # ------------------------------------------------------------------
    # Follow-up
    # ------------------------------------------------------------------
    def test_follow_counts_settlements_refusals_and_cancellations(self):
        settled = self.add_order(progress=200)
        refused = self.add_order(progress=200)
        cancelled = self.add_order(progress=200)
        self.import_orders()
        self.sandbox.set_progress(settled, 300)
        self.sandbox.orders[refused]["cautionDisplayType"] = 1
        self.sandbox.set_payment_status(refused, 30400)
        self.sandbox.set_progress(cancelled, 900)
        log = self.run_logged_job("follow")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(
            self.counters(log),
            {"found": 3, "settled": 1, "approval_refused": 1, "cancelled": 1},
        )
        self.assertEqual(self.outcomes(log), {"updated": 3})
        self.assertEqual(
            log.summary,
            "Found 3 · Payments Settled 1 · Approvals Refused 1 · Cancellations 1 · "
            "Changes Found 0 · Changes Applied 0 · Changes Held 0 · "
            "Refused 0 · To Retry 0 · Failed 0",
        )

    # ------------------------------------------------------------------
    # License
    # ------------------------------------------------------------------
    def test_license_check_counts_the_key(self):
        log = self.run_logged_job("license")
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(self.counters(log), {"checked": 1})
        self.assertEqual(log.summary, "Keys Checked 1")
        self.assertEqual(log.api_calls, 1)

    # ------------------------------------------------------------------
    # Views
    # ------------------------------------------------------------------
    def visible_counters(self, arch, kind):
        """The counter fields of the form that the web client shows for a log of ``kind``."""
        shown = set()
        for node in arch.iter("field"):
            name = node.get("name")
            if not name.startswith("count_"):
                continue
            hidden = any(
                safe_eval(element.get("invisible"), {"kind": kind})
                for element in (node, *node.iterancestors())
                if element.get("invisible") not in (None, "0", "False")
            )
            if not hidden:
                shown.add(name[len("count_") :])
        return shown

    def test_form_shows_only_the_counters_of_its_kind(self):
        arch = etree.fromstring(
            self.env["rakuten.sync.log"].get_view(view_type="form")["arch"]
        )
        for kind, _label in KINDS:
            self.assertEqual(
                self.visible_counters(arch, kind), set(KIND_COUNTERS[kind]), kind
            )

    def test_order_numbers_are_not_cut_off(self):
        arch = etree.fromstring(
            self.env["rakuten.sync.log"].get_view(view_type="form")["arch"]
        )
        [column] = arch.xpath(
            "//field[@name='line_ids']/list/field[@name='order_number']"
        )
        # A Rakuten order number (e.g. 338459-20241201-0000000012) in the default font needs
        # about 190 px; a fixed width keeps the reason column from squeezing it.
        self.assertGreaterEqual(int(column.get("width", "0").rstrip("px")), 200)
        lines = etree.fromstring(
            self.env["rakuten.sync.log"].get_view(view_type="list")["arch"]
        )
        self.assertTrue(
            lines.xpath("//field[@name='summary']"),
            "the list shows each log's own counters",
        )

    def test_summary_is_in_the_readers_language(self):
        self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"]._load_module_terms(
            ["sale_rakuten"], ["ja_JP"], overwrite=True
        )
        log = self.run_logged_job("license")
        log.invalidate_recordset(["summary"])
        self.assertEqual(
            log.with_context(lang="ja_JP").summary, "確認したライセンスキー 1"
        )
        self.assertEqual(log.with_context(lang="en_US").summary, "Keys Checked 1")
