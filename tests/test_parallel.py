"""Many shops at once, on Odoo's own engine: real cron workers, real commits.

Two threads run the channels' import crons as Odoo's cron threads do
(``tools/cron_workers.py``: ``_acquire_one_job`` then ``_process_job``, each in its own
transactions). The channels and what the import creates are committed, so they are made in a
cursor of their own and removed afterwards: the other tests see a clean database.
TransactionCase cursors cannot show parallelism; these tests read the sandboxes' request
times and PostgreSQL's lock table instead.
"""

import math
import threading
import time
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

import psycopg2

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged

from odoo.addons.sale_rakuten.models.rakuten_sync import JOBS, LOCK_BASE, RakutenSync
from odoo.addons.sale_rakuten.tools.cron_workers import run_workers
from odoo.addons.sale_rakuten.tools.rms_sandbox import RmsSandbox

from .common import RakutenCase

#: Seconds every sandbox answer takes, as RMS over the Internet does.
LATENCY = 0.2
PLAIN = {
    "payment": {"card": 1.0},
    "progress": {300: 1.0},
    "order_type": {1: 1.0},
    "packages": {1: 1.0},
    "asuraku": 0.0,
    "drug": 0.0,
    "postage_undetermined": 0.0,
    "remarks": 0.0,
    "caution": 0.0,
    "rakuten_confirm": 0.0,
}


def make_shop(env, name, sandbox):
    """A Rakuten channel of the main company on ``sandbox``, with its own pricelist and
    taxes. Returns the channel."""
    company = env.company
    jpy = env.ref("base.JPY")
    jpy.active = True
    pricelist = env["product.pricelist"].create(
        {"name": "%s JPY" % name, "currency_id": jpy.id, "company_id": company.id}
    )

    def tax(amount):
        return env["account.tax"].create(
            {
                "name": "%s %d%% incl." % (name, amount),
                "amount": amount,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": company.id,
            }
        )

    return env["crm.team"].create(
        {
            "name": name,
            "company_id": company.id,
            "rakuten_active": True,
            "rakuten_shop_url": sandbox.shop_url,
            "rakuten_service_secret": sandbox.service_secret,
            "rakuten_license_key": sandbox.license_key,
            "rakuten_api_url": sandbox.url,
            "rakuten_request_interval": 0.0,
            "rakuten_authorization_type": "rakuten_pay",
            "rakuten_warehouse_id": env["stock.warehouse"]
            .search([("company_id", "=", company.id)], limit=1)
            .id,
            "rakuten_pricelist_id": pricelist.id,
            "rakuten_tax_10_id": tax(10).id,
            "rakuten_tax_8_id": tax(8).id,
            "rakuten_unmatched_product_id": env.ref(
                "sale_rakuten.product_rakuten_unmatched"
            ).id,
            "member_ids": [Command.clear()],
        }
    )


def timed(sandbox):
    """Record ``(start, end, endpoint)`` of every request ``sandbox`` serves."""
    spans = []
    serve = sandbox._handle

    def handle(method, raw_path, headers, body):
        start = time.monotonic()
        try:
            return serve(method, raw_path, headers, body)
        finally:
            spans.append((start, time.monotonic(), raw_path))

    sandbox._handle = handle
    return spans


def overlap(spans_a, spans_b):
    """Seconds during which a request to one sandbox and one to the other were both in
    flight."""
    return sum(
        max(0.0, min(a_end, b_end) - max(a_start, b_start))
        for a_start, a_end, _a in spans_a
        for b_start, b_end, _b in spans_b
    )


class LockWatch:
    """Polls pg_locks from its own connection: the channels holding the import lock at the
    same moment, at most."""

    def __init__(self, registry):
        self.registry = registry
        self.most = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, name="rakuten-lock-watch")

    def run(self):
        with self.registry.cursor() as cr:
            while not self.stop.is_set():
                cr.execute(
                    "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND classid = %s AND objsubid = 2 AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())",
                    [LOCK_BASE + JOBS["import"].lock],
                )
                held = {row[0] for row in cr.fetchall()}
                if len(held) > len(self.most):
                    self.most = held
                cr.rollback()
                time.sleep(0.01)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


@tagged("post_install", "-at_install")
class TestParallelCronWorkers(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandboxes = []
        for index, shop in enumerate(("parashopa", "parashopb")):
            sandbox = RmsSandbox(
                "par-secret-%d" % index, "SL3-par-license-%d" % index, seed=31 + index
            )
            sandbox.shop_id = str(333000 + index)
            sandbox.shop_url = shop
            sandbox.latency = LATENCY
            sandbox.start()
            cls.addClassCleanup(sandbox.stop)
            cls.sandboxes.append(sandbox)

    def setUp(self):
        super().setUp()
        for sandbox in self.sandboxes:
            sandbox.orders.clear()
            sandbox.reset_counters()
        self.team_ids = []
        self.addCleanup(self.remove_committed)

    # ------------------------------------------------------------------
    # Committed set-up and its removal
    # ------------------------------------------------------------------
    def committed_env(self):
        return self.registry.cursor()

    def make_shops(self, names_sandboxes):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            teams = [make_shop(env, name, sandbox) for name, sandbox in names_sandboxes]
            self.team_ids = [team.id for team in teams]
            # The buyers and recipients the import creates come after this one.
            cr.execute("SELECT max(id) FROM res_partner")
            self.partner_floor = cr.fetchone()[0]
            crons = [team.rakuten_import_cron_id.id for team in teams]
        return crons

    def remove_committed(self):
        if not self.team_ids:
            return
        with self.registry.cursor() as cr:
            env = api.Environment(
                cr, SUPERUSER_ID, {"active_test": False, "tracking_disable": True}
            )
            teams = env["crm.team"].browse(self.team_ids)
            orders = env["sale.order"].search([("team_id", "in", teams.ids)])
            pickings = orders.picking_ids
            groups = orders.procurement_group_id
            orders.with_context(disable_cancel_warning=True)._action_cancel()
            pickings.move_ids._action_cancel()
            pickings.unlink()
            orders.unlink()
            groups.exists().unlink()
            env["rakuten.pending.order"].search([("team_id", "in", teams.ids)]).unlink()
            env["rakuten.sync.log"].search([("team_id", "in", teams.ids)]).unlink()
            pricelists = teams.rakuten_pricelist_id
            taxes = teams.rakuten_tax_10_id | teams.rakuten_tax_8_id
            crons = teams.rakuten_import_cron_id
            extra = env["ir.cron"].search(
                [
                    (
                        "code",
                        "in",
                        ["model._cron_import_channel(%d)" % t for t in teams.ids],
                    )
                ]
            )
            teams.unlink()
            (crons | extra).exists().unlink()
            pricelists.unlink()
            taxes.unlink()
            env["res.partner"].search(
                [("id", ">", self.partner_floor), ("user_ids", "=", False)]
            ).unlink()

    def count_orders(self):
        """Orders per Rakuten order number of the test's channels (committed data)."""
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT rakuten_order_number, count(*) FROM sale_order "
                "WHERE team_id = ANY(%s) GROUP BY rakuten_order_number",
                [self.team_ids],
            )
            return dict(cr.fetchall())

    def place(self, sandbox, n):
        ordered = datetime.now(timezone.utc) - timedelta(minutes=45)
        numbers = sandbox.generate_orders(n, now=ordered, mix=PLAIN, hours=0)
        self.assertEqual(len(numbers), n)
        return numbers

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------
    def test_two_channels_imported_by_two_workers_at_once(self):
        sandbox_a, sandbox_b = self.sandboxes
        numbers = self.place(sandbox_a, 150) + self.place(sandbox_b, 150)
        crons = self.make_shops([("Parallel A", sandbox_a), ("Parallel B", sandbox_b)])
        spans_a, spans_b = timed(sandbox_a), timed(sandbox_b)
        with LockWatch(self.registry) as watch:
            run_workers(self.registry, crons, workers=2, timeout=300)
        self.assertEqual(
            watch.most,
            set(self.team_ids),
            "both channels held their import lock at the same moment",
        )
        self.assertGreater(
            overlap(spans_a, spans_b),
            LATENCY,
            "requests to the two shops were in flight at the same time",
        )
        counts = self.count_orders()
        self.assertEqual(set(counts), set(numbers), "every order imported")
        self.assertEqual(set(counts.values()), {1}, "and once")
        for sandbox in self.sandboxes:
            self.assertEqual(sandbox.calls["getOrder"], 2, "no order fetched twice")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            for team in env["crm.team"].browse(self.team_ids):
                self.assertTrue(team.rakuten_last_import_start)
                self.assertFalse(team.rakuten_import_backlog)
                # Fully done: the cron waits for its interval.
                self.assertGreater(
                    team.rakuten_import_cron_id.nextcall,
                    datetime.now() + timedelta(minutes=10),
                )

    def test_same_channel_never_imported_twice_at_once(self):
        """Two cron records on one channel (say a copy of its cron an administrator made),
        two workers: the channel's advisory lock lets one run at a time; a backlog of 350
        goes through the scheduler's repeated calls (300, then 50)."""
        sandbox = self.sandboxes[0]
        numbers = self.place(sandbox, 350)
        [cron] = self.make_shops([("Parallel Same", sandbox)])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            twin = env["ir.cron"].browse(cron).copy({"active": True}).id
        spans = timed(sandbox)
        with LockWatch(self.registry):
            run_workers(self.registry, [cron, twin], workers=2, timeout=300)
        counts = self.count_orders()
        self.assertEqual(set(counts), set(numbers))
        self.assertEqual(set(counts.values()), {1})
        self.assertEqual(
            sandbox.calls["getOrder"],
            math.ceil(len(numbers) / 100),
            "each order fetched once",
        )
        gets = sorted((start, end) for start, end, path in spans if "getOrder" in path)
        for (_s1, end1), (start2, _e2) in zip(gets, gets[1:], strict=False):
            self.assertLessEqual(end1, start2 + 0.01, "never two getOrder at once")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            logs = env["rakuten.sync.log"].search(
                [("team_id", "in", self.team_ids)], order="id"
            )
            imported = sum(logs.mapped("count_imported"))
            self.assertEqual(imported, 350)
            self.assertIn(
                300, logs.mapped("count_imported"), "a slice of 3 batches of 100"
            )
            self.assertTrue(set(logs.mapped("state")) <= {"done", "skipped"})


@tagged("post_install", "-at_install")
class TestImportConflict(RakutenCase):
    """A batch that conflicts with another worker (two shops reserving the same products:
    PostgreSQL refuses one transaction) is not the orders' fault: in a cron worker it is rolled
    back alone and redone; the orders are never failed one by one for it."""

    def conflicting_once(self):
        """Patch the batch import so that its first call conflicts; returns the calls."""
        calls = []
        original = RakutenSync._import_batch_isolated

        def batch(sync, *args):
            calls.append(args[2])
            if len(calls) == 1:
                raise psycopg2.errors.SerializationFailure(
                    "could not serialize access due to concurrent update"
                )
            return original(sync, *args)

        return calls, patch.object(
            RakutenSync, "_import_batch_isolated", autospec=True, side_effect=batch
        )

    def test_cron_worker_redoes_the_conflicting_batch(self):
        number = self.add_order()
        calls, patched = self.conflicting_once()
        # A cron worker commits; here its rollback is recorded instead of run (the test's
        # transaction must stay).
        rollbacks = []
        with (
            patched,
            patch.object(self.env.cr, "rollback", lambda: rollbacks.append(1)),
            patch.object(RakutenSync, "_commit_batch", lambda sync: True),
            patch("odoo.addons.sale_rakuten.models.rakuten_sync.time.sleep"),
        ):
            # The job as the runner calls it in a cron worker (the runner itself would commit).
            log = self.env["rakuten.sync.log"].create(
                {"team_id": self.team.id, "kind": "import"}
            )
            team = self.team.with_context(rakuten_auto_commit=True)
            with team._rakuten_client() as client:
                team.env["rakuten.sync"]._job_import(team, client, log)
            log._finish()
        self.assertEqual(len(calls), 2, "the batch was tried again")
        self.assertEqual(calls[0], calls[1], "the same orders")
        self.assertEqual(len(rollbacks), 1)
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(len(self.sale_order(number)), 1)
        self.assertFalse(self.pending(number), "not failed for a conflict")

    def test_conflict_outside_a_cron_worker_fails_the_run_whole(self):
        """Import Now commits nothing, so it cannot redo one batch: the run is rolled back
        and its log says why; no order is marked as failed."""
        number = self.add_order()
        calls, patched = self.conflicting_once()
        with patched:
            log = self.import_orders()
        self.assertEqual(len(calls), 1)
        self.assertEqual(log.state, "failed")
        self.assertIn("serialize", log.with_context(lang="en_US").message)
        self.assertFalse(self.sale_order(number))
        self.assertFalse(self.pending(number))
