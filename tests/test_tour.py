"""The main flow in a real browser (headless Chromium, static/tests/tours/sale_rakuten_tour.js):
open the channel, Test Connection against the sandbox, Import Now, open the Rakuten orders,
open a 確認待ち order and press Checked; and a Japanese reader's round on the order banner.

HttpCase tests run only with pytest-odoo's ``--odoo-http`` (tools/run_tests.sh passes it, and
says loudly when a tour was skipped, e.g. because no Chromium is installed)."""

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import RakutenCase


@tagged("post_install", "-at_install")
class TestTour(RakutenCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.admin = self.env.ref("base.user_admin")
        self.admin.write(
            {
                "groups_id": [
                    Command.link(self.env.ref("sale_rakuten.group_rakuten_manager").id)
                ],
                "company_ids": [Command.link(self.company.id)],
                "company_id": self.company.id,
            }
        )
        # 代金引換 orders at 300 are ready at once; a RakutenPay card order waits for its payment;
        # buyer remarks send an order to 確認待ち.
        self.ready = self.add_order(payment="cod")
        self.waiting = self.add_order(payment="card")
        self.remarks = self.add_order(payment="cod", mix={"remarks": 1.0})

    def test_main_flow(self):
        self.start_tour("/odoo", "sale_rakuten_main_flow", login="admin", timeout=120)
        log = self.env["rakuten.sync.log"].search(
            [("team_id", "=", self.team.id)], order="id desc", limit=1
        )
        self.assertEqual((log.kind, log.count_imported), ("import", 3))
        self.assertTrue(
            self.team.rakuten_license_expiry,
            "Test Connection stores the key's expiry date",
        )
        order = self.sale_order(self.remarks)
        self.assertEqual(
            order.rakuten_slip_state, "ready", "Checked moved the 確認待ち order on"
        )
        self.assertFalse(order.rakuten_confirm_reasons)
        self.assertEqual(self.sale_order(self.ready).rakuten_slip_state, "ready")
        self.assertEqual(
            self.sale_order(self.waiting).rakuten_slip_state, "waiting_payment"
        )

    def test_japanese_reader_sees_a_japanese_banner(self):
        self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"].search(
            [("name", "in", ("web", "sales_team", "sale", "sale_rakuten"))]
        )._update_translations("ja_JP")
        # imported by the scheduler, whose user reads English ...
        self.env["rakuten.sync"].with_context(lang="en_US")._cron_import()
        order = self.sale_order(self.remarks)
        self.assertEqual(order.rakuten_slip_state, "to_confirm")
        # ... and read by a merchant who reads Japanese
        self.admin.lang = "ja_JP"
        self.start_tour(
            "/odoo/action-sale_rakuten.action_rakuten_orders",
            "sale_rakuten_banner_ja",
            login="admin",
            timeout=120,
        )
