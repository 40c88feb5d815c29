"""Cancel in Odoo, cancelled on Rakuten (cancelOrder).

Cancel on a Rakuten order opens the Rakuten cancel wizard, as the web client receives it (the
action dict, then a form on the wizard); confirming it records the request, which the cancel
job sends once: accepted (the Odoo order is cancelled with the reason sent), refused (RMS's
message on the order, the order unchanged), interrupted (the answer lost: never sent again,
read back from RMS), recognised by the follow-up job as Odoo's own. Cancel in Odoo only, and
the Cancel of an order that is not Rakuten's, are core's.
"""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.sale_rakuten.models.rakuten_sync import UNCONFIRMED_CANCEL

from .common import RakutenCase

JA, EN = "ja_JP", "en_US"
CANCEL, GET = "cancelOrder", "getOrder"
QUIET = (
    "odoo.addons.sale_rakuten.models.rakuten_sync",
    "odoo.addons.sale_rakuten.rms.client",
    "urllib3.connectionpool",
)


@tagged("post_install", "-at_install")
class TestCancelRakuten(RakutenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang(JA)
        cls.env["ir.module.module"]._load_module_terms(["sale_rakuten"], [JA])
        cls.team.rakuten_cancel_reason = "楽天でキャンセル"
        Users = cls.env["res.users"].with_context(no_reset_password=True)
        cls.seller = Users.create(
            {
                "name": "Rakuten Seller",
                "login": "rakuten_cancel_seller",
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("base.group_user").id,
                            cls.env.ref("sales_team.group_sale_salesman_all_leads").id,
                        ]
                    )
                ],
            }
        )
        cls.employee = Users.create(
            {
                "name": "No Sales Rights",
                "login": "rakuten_cancel_employee",
                "groups_id": [Command.set([cls.env.ref("base.group_user").id])],
            }
        )

    def setUp(self):
        super().setUp()
        self.sandbox.acted_503_rate = 0.0
        self.sandbox.fault_operations = None

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def imported_order(self, progress=300, payment="cod"):
        number = self.add_order(progress=progress, payment=payment)
        log = self.import_orders()
        order = self.sale_order(number)
        self.assertTrue(
            order, [(line.order_number, line.reason) for line in log.line_ids]
        )
        self.assertEqual(order.state, "sale")
        return order

    def open_wizard(self, order, user=None):
        """Press Cancel as the web client does: the action it returns, then its form."""
        order = order.with_user(user or self.env.user)
        action = order.action_cancel()
        self.assertEqual(action["type"], "ir.actions.act_window")
        self.assertEqual(
            (action["res_model"], action["target"]), ("rakuten.order.cancel", "new")
        )
        [(view_id, mode)] = action["views"]
        self.assertEqual(mode, "form")
        Wizard = order.env[action["res_model"]].with_context(**action["context"])
        return Form(Wizard, view=view_id)

    def request_cancel(self, order, reason="8", restore="1", user=None):
        """Cancel > Also cancel on Rakuten, with ``reason`` and ``restore``; returns what
        the button returned."""
        form = self.open_wizard(order, user)
        self.assertTrue(form.cancel_on_rakuten, form.rakuten_unavailable_reason)
        form.reason = reason
        form.restore = restore
        wizard = form.save()
        return wizard.action_cancel_on_rakuten()

    def outgoing(self, order):
        return order.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")

    def notes(self, order):
        return [str(m.body) for m in order.message_ids]

    def read_in(self, record, fname):
        return tuple(
            record.with_context(lang=lang).read([fname])[0][fname] for lang in (JA, EN)
        )

    def banner(self, order, lang):
        """The order form's arch in ``lang``, as the web client loads it."""
        views = order.with_context(lang=lang).get_views([(False, "form")])
        return views["views"]["form"]["arch"]

    # ------------------------------------------------------------------
    # Accepted
    # ------------------------------------------------------------------
    def test_cancel_on_rakuten_accepted(self):
        order = self.imported_order()
        number = order.rakuten_order_number
        self.assertEqual(self.outgoing(order).state, "assigned")
        Trigger = self.env["ir.cron.trigger"]
        cron = self.env.ref("sale_rakuten.ir_cron_rakuten_cancel_orders")
        triggers = Trigger.search([("cron_id", "=", cron.id)])
        self.sandbox.reset_counters()

        action = self.request_cancel(order, reason="8", restore="1")
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn(number, action["params"]["message"])
        self.assertEqual(
            action["params"]["next"]["type"], "ir.actions.act_window_close"
        )
        # Recorded, not sent: the order waits, the job is woken at once.
        self.assertEqual(order.rakuten_cancel_state, "todo")
        self.assertEqual(
            (order.rakuten_cancel_request_reason, order.rakuten_cancel_restore),
            ("8", "1"),
        )
        self.assertEqual(order.state, "sale")
        self.assertEqual(sum(self.sandbox.calls.values()), 0)
        self.assertTrue(Trigger.search([("cron_id", "=", cron.id)]) - triggers)
        self.assertIn("Cancellation being sent to Rakuten", self.banner(order, EN))

        log = self.run_logged_job("cancel")
        self.assertEqual(self.sandbox.calls[CANCEL], 1)
        rms = self.sandbox.orders[number]
        self.assertEqual(rms["orderProgress"], 800)
        self.assertEqual(rms["ChangeReasonModelList"][-1]["changeReasonDetail"], 8)
        self.assertEqual(
            (log.state, log.count_found, log.count_cancelled), ("done", 1, 1)
        )
        self.assertEqual(self.log_line(log, number).outcome, "done")
        self.assertEqual(order.rakuten_cancel_state, "done")
        self.assertEqual((order.state, order.rakuten_slip_state), ("cancel", "cancel"))
        self.assertEqual(self.outgoing(order).state, "cancel", "stock released")
        ja, en = self.read_in(order, "rakuten_cancel_reason")
        self.assertEqual(en, "Out of stock (shop)")
        self.assertIn("欠品", ja)
        self.assertEqual(
            sum("Odoo's request" in note for note in self.notes(order)), 1, "one note"
        )

        # Sent once: a second run has nothing to send, the follow-up nothing to redo.
        self.sandbox.set_progress(number, 900)
        self.assertFalse(self.run_job("cancel"), "no channel has a cancellation")
        follow = self.run_logged_job("follow")
        self.assertEqual(self.sandbox.calls[CANCEL], 1)
        self.assertEqual(follow.count_cancelled, 0)
        self.assertEqual(order.rakuten_cancel_reason, "Out of stock (shop)")
        self.assertFalse(
            [n for n in self.notes(order) if "楽天でキャンセル" in n],
            "not processed again with the channel's reason",
        )

    def test_restore_choice_reaches_rakuten(self):
        order = self.imported_order()
        number = order.rakuten_order_number
        self.request_cancel(order, reason="1", restore="2")
        self.run_logged_job("cancel")
        self.assertTrue(self.sandbox._meta[number]["stock_restored"])
        self.assertEqual(
            self.sandbox.orders[number]["ChangeReasonModelList"][-1][
                "changeReasonDetail"
            ],
            1,
        )
        self.assertEqual(order.state, "cancel")

    # ------------------------------------------------------------------
    # Refused
    # ------------------------------------------------------------------
    def test_refused_when_shipped_on_rakuten_leaves_the_order_as_it_was(self):
        order = self.imported_order()
        number = order.rakuten_order_number
        picking = self.outgoing(order)
        before = (order.state, order.rakuten_slip_state, picking.state)
        self.request_cancel(order)
        # Meanwhile the goods left and RMS shows the order shipped (500).
        self.sandbox.set_progress(number, 500)
        with mute_logger(*QUIET):
            log = self.run_logged_job("cancel")
        self.assertEqual(self.sandbox.calls[CANCEL], 1)
        self.assertEqual(self.sandbox.orders[number]["orderProgress"], 500)
        self.assertEqual((log.state, log.count_refused), ("partial", 1))
        self.assertEqual(order.rakuten_cancel_state, "error")
        self.assertEqual((order.state, order.rakuten_slip_state, picking.state), before)
        self.assertFalse(order.rakuten_cancel_reason)
        # RMS's own message, as RMS wrote it, in either language.
        ja, en = self.read_in(order, "rakuten_cancel_error")
        self.assertEqual(ja, en)
        self.assertIn("ERROR_102", en)
        self.assertIn("キャンセル申請できません", en)
        self.assertIn("Rakuten did not cancel the order", self.banner(order, EN))
        self.assertIn("楽天でキャンセルされませんでした", self.banner(order, JA))
        self.assertTrue(
            order.activity_ids.filtered(
                lambda a: a.summary == "Rakuten did not cancel the order"
            )
        )
        # The user may press Cancel again: the wizard opens, and nothing is resent alone.
        self.assertTrue(self.open_wizard(order).rakuten_available)
        self.assertFalse(self.run_job("cancel"))
        self.assertEqual(self.sandbox.calls[CANCEL], 1)

    def test_refused_then_cancelled_in_odoo_only(self):
        order = self.imported_order()
        self.request_cancel(order)
        self.sandbox.set_progress(order.rakuten_order_number, 500)
        with mute_logger(*QUIET):
            self.run_logged_job("cancel")
        self.assertEqual(order.rakuten_cancel_state, "error")
        form = self.open_wizard(order)
        form.cancel_on_rakuten = False
        form.save().action_cancel_in_odoo()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.rakuten_cancel_state, "none", "the refusal is settled")
        self.assertFalse(order.rakuten_cancel_error)

    def test_maintenance_waits_for_the_next_run(self):
        """RMS says it did nothing (503 ES01-02): the cancellation is sent again later,
        and carried out once."""
        order = self.imported_order()
        number = order.rakuten_order_number
        self.request_cancel(order)
        self.addCleanup(setattr, self.sandbox, "maintenance", False)
        self.sandbox.maintenance = True
        with self.no_backoff(), mute_logger(*QUIET):
            log = self.run_logged_job("cancel")
        self.assertEqual((log.state, log.count_retried), ("failed", 1))
        self.assertEqual(self.log_line(log, number).outcome, "deferred")
        self.assertEqual(order.rakuten_cancel_state, "todo")
        self.assertEqual(self.sandbox.orders[number]["orderProgress"], 300)
        self.sandbox.maintenance = False
        self.run_logged_job("cancel")
        self.assertEqual(order.rakuten_cancel_state, "done")
        self.assertEqual(order.state, "cancel")
        self.assertEqual(
            len(self.sandbox.orders[number]["ChangeReasonModelList"]), 1, "applied once"
        )

    def test_already_cancelled_on_rakuten_is_refused(self):
        order = self.imported_order()
        self.request_cancel(order)
        self.sandbox.set_progress(order.rakuten_order_number, 900)
        with mute_logger(*QUIET):
            self.run_logged_job("cancel")
        self.assertEqual(order.rakuten_cancel_state, "error")
        self.assertEqual(order.state, "sale")

    # ------------------------------------------------------------------
    # Interrupted mid-call
    # ------------------------------------------------------------------
    def lose_the_answer(self, order):
        """Request a cancellation, and run the job while RMS carries out cancelOrder and its
        answer is lost (a gateway 503 after acting)."""
        self.request_cancel(order)
        self.sandbox.fault_operations = {CANCEL}
        self.sandbox.acted_503_rate = 1.0
        with self.no_backoff(), mute_logger(*QUIET):
            log = self.run_logged_job("cancel")
        self.sandbox.acted_503_rate = 0.0
        self.assertEqual(self.sandbox.calls[CANCEL], 1)
        self.assertEqual(
            self.sandbox.orders[order.rakuten_order_number]["orderProgress"], 800
        )
        self.assertEqual(order.rakuten_cancel_state, "sending")
        self.assertEqual(order.state, "sale", "not cancelled on a lost answer")
        line = self.log_line(log, order.rakuten_order_number)
        self.assertEqual(line.outcome, "failed")
        self.assertIn("never sent again", line.reason)
        return log

    def test_interrupted_is_read_back_never_resent(self):
        order = self.imported_order()
        self.lose_the_answer(order)
        reads = self.sandbox.calls[GET]
        log = self.run_logged_job("cancel")
        self.assertEqual(self.sandbox.calls[CANCEL], 1, "never sent twice")
        self.assertEqual(self.sandbox.calls[GET], reads + 1, "read back instead")
        self.assertEqual(log.count_cancelled, 1)
        self.assertEqual(order.rakuten_cancel_state, "done")
        self.assertEqual((order.state, order.rakuten_slip_state), ("cancel", "cancel"))
        self.assertEqual(order.rakuten_cancel_reason, "Out of stock (shop)")
        self.assertFalse(self.run_job("cancel"))
        self.assertEqual(self.sandbox.calls[CANCEL], 1)

    def test_interrupted_then_follow_recognises_it(self):
        order = self.imported_order()
        self.lose_the_answer(order)
        follow = self.run_logged_job("follow")
        self.assertEqual(follow.count_cancelled, 1)
        self.assertEqual(order.rakuten_cancel_state, "done")
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.rakuten_cancel_reason, "Out of stock (shop)")
        self.assertFalse(
            [n for n in self.notes(order) if "楽天でキャンセル" in n],
            "not the channel's reason (※1)",
        )
        self.assertEqual(sum("Odoo's request" in note for note in self.notes(order)), 1)
        self.assertFalse(self.run_job("cancel"), "nothing left to send or check")
        again = self.run_logged_job("follow")
        self.assertEqual(again.count_cancelled, 0)
        self.assertEqual(self.sandbox.calls[CANCEL], 1)

    def test_interrupted_and_not_cancelled_on_rms_goes_to_a_person(self):
        order = self.imported_order()
        # A run marked it and died before sending (or RMS never got it): RMS shows 300.
        order.write(
            {
                "rakuten_cancel_state": "sending",
                "rakuten_cancel_request_reason": "8",
                "rakuten_cancel_restore": "0",
            }
        )
        self.sandbox.reset_counters()
        log = self.run_logged_job("cancel")
        self.assertEqual(self.sandbox.calls[CANCEL], 0, "a person decides to resend")
        self.assertEqual(self.sandbox.calls[GET], 1)
        self.assertEqual(log.count_failed, 1)
        self.assertEqual(order.rakuten_cancel_state, "error")
        self.assertEqual(order.state, "sale")
        ja, en = self.read_in(order, "rakuten_cancel_error")
        self.assertEqual(en, UNCONFIRMED_CANCEL._source)
        self.assertIn("RMS", ja)
        self.assertNotIn("did not confirm", ja)
        self.assertRegex(ja, "[\u3040-\u30ff]")

    # ------------------------------------------------------------------
    # Odoo only, unavailable, not a Rakuten order
    # ------------------------------------------------------------------
    def test_cancel_in_odoo_only_is_core_cancel(self):
        order = self.imported_order()
        self.sandbox.reset_counters()
        form = self.open_wizard(order)
        form.cancel_on_rakuten = False
        wizard = form.save()
        wizard.action_cancel_in_odoo()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(self.outgoing(order).state, "cancel")
        self.assertEqual(order.rakuten_cancel_state, "none")
        self.assertEqual(sum(self.sandbox.calls.values()), 0, "nothing sent")
        self.assertFalse(self.run_job("cancel"))
        # The slip leaves the work lists, and the chatter says RMS still has the order.
        self.assertEqual(order.rakuten_slip_state, "cancel")
        self.assertIn("Cancelled in Odoo only", order.message_ids[0].body)

    def test_after_shipping_on_rms_only_odoo_cancel_is_offered(self):
        order = self.imported_order()
        order.rakuten_order_progress = "500"
        form = self.open_wizard(order)
        self.assertFalse(form.rakuten_available)
        self.assertFalse(form.cancel_on_rakuten)
        self.assertIn("cancellation after shipping", form.rakuten_unavailable_reason)
        ja = self.open_wizard(order.with_context(lang=JA)).rakuten_unavailable_reason
        self.assertIn("発送", ja)
        wizard = form.save()
        with self.assertRaises(UserError):
            wizard.action_cancel_on_rakuten()
        self.assertEqual(order.rakuten_cancel_state, "none")

    def test_a_reason_is_required(self):
        order = self.imported_order()
        form = self.open_wizard(order)
        form.restore = "0"
        with self.assertRaises(
            AssertionError
        ):  # the form's required="cancel_on_rakuten"
            form.save()
        wizard = self.env["rakuten.order.cancel"].create({"order_id": order.id})
        with self.assertRaises(UserError):
            wizard.action_cancel_on_rakuten()
        self.assertEqual(order.rakuten_cancel_state, "none")

    def test_other_orders_keep_core_cancel(self):
        partner = self.env["res.partner"].create({"name": "Walk-in"})
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.products[0].id, "product_uom_qty": 1}
                    )
                ],
            }
        )
        order.action_confirm()
        action = order.action_cancel()
        self.assertEqual(action["res_model"], "sale.order.cancel")

    # ------------------------------------------------------------------
    # Who may
    # ------------------------------------------------------------------
    def test_a_salesperson_may_cancel_on_rakuten(self):
        order = self.imported_order()
        self.request_cancel(order, user=self.seller)
        self.assertEqual(order.rakuten_cancel_state, "todo")
        self.run_logged_job("cancel")
        self.assertEqual(order.state, "cancel")

    def test_without_sales_rights_no_wizard(self):
        order = self.imported_order()
        with self.assertRaises(AccessError):
            self.env["rakuten.order.cancel"].with_user(self.employee).create(
                {"order_id": order.id, "reason": "8"}
            )
