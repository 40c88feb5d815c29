"""What staff see where they work: the slip status on the delivery, the Rakuten orders list
(its columns, its groups in workflow order), and the counts per slip status on the channel."""

from lxml import etree

from odoo import Command
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import RakutenCase

WORKFLOW = ["new", "to_confirm", "waiting_payment", "ready", "shipped", "cancel"]


@tagged("post_install", "-at_install")
class TestViews(RakutenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "楽天 太郎"})
        cls.sequence = 0

    def make_order(self, slip_state, team=None, confirm=False):
        type(self).sequence += 1
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "team_id": (team or self.team).id,
                "company_id": self.company.id,
                "warehouse_id": self.warehouse.id,
                "rakuten_order_number": "338888-20261201-%010d" % self.sequence,
                "order_line": [
                    Command.create(
                        {"product_id": self.products[0].id, "product_uom_qty": 1}
                    )
                ],
            }
        )
        if confirm:
            order.action_confirm()
        order.rakuten_slip_state = slip_state
        return order

    def arch(self, model, view_type, view_ref=None):
        view_id = self.env.ref(view_ref).id if view_ref else False
        views = self.env[model].get_views([(view_id, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    # ------------------------------------------------------------------
    # The delivery
    # ------------------------------------------------------------------
    def test_delivery_shows_the_slip_status_and_why_it_waits(self):
        order = self.make_order("to_confirm", confirm=True)
        picking = order.picking_ids
        self.assertEqual(picking.picking_type_code, "outgoing")
        self.assertEqual(picking.rakuten_slip_state, "to_confirm")
        self.assertEqual(
            picking.rakuten_hold_reason,
            "The order waits for confirmation (確認待ち): check it and press Checked on the order.",
        )
        order.rakuten_slip_state = "waiting_payment"
        self.assertEqual(
            picking.rakuten_hold_reason,
            "Waiting for payment (入金待ち): Rakuten has not settled the payment yet; "
            "the slip moves on by itself when it does.",
        )
        order.rakuten_slip_state = "new"
        self.assertTrue(
            picking.rakuten_hold_reason.startswith("Provisional slip (新規受付)")
        )
        order.rakuten_slip_state = "ready"
        self.assertFalse(picking.rakuten_hold_reason)
        self.assertEqual(picking.rakuten_slip_state, "ready")

    def test_delivery_hold_reason_in_japanese(self):
        self.env["res.lang"]._activate_lang("ja_JP")
        order = self.make_order("to_confirm", confirm=True)
        reason = order.picking_ids.with_context(lang="ja_JP").rakuten_hold_reason
        self.assertIn("確認待ち", reason)
        self.assertNotIn("waits for confirmation", reason)

    def test_delivery_views_show_the_slip(self):
        form = self.arch("stock.picking", "form")
        badge = form.xpath("//field[@name='rakuten_slip_state']")
        self.assertEqual(badge[0].get("widget"), "badge")
        self.assertTrue(
            form.xpath("//div[@name='rakuten_hold']/field[@name='rakuten_hold_reason']")
        )
        listing = self.arch("stock.picking", "list")
        column = listing.xpath("//field[@name='rakuten_slip_state']")
        self.assertEqual(
            (column[0].get("widget"), column[0].get("optional")), ("badge", "show")
        )

    def test_non_rakuten_delivery_shows_nothing(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.products[0].id, "product_uom_qty": 1}
                    )
                ],
            }
        )
        order.action_confirm()
        self.assertFalse(order.picking_ids.rakuten_slip_state)
        self.assertFalse(order.picking_ids.rakuten_hold_reason)

    # ------------------------------------------------------------------
    # The Rakuten orders list
    # ------------------------------------------------------------------
    def rakuten_orders_action(self):
        return self.env["ir.actions.act_window"]._for_xml_id(
            "sale_rakuten.action_rakuten_orders"
        )

    def test_orders_list_shows_the_rakuten_columns_in_full(self):
        action = self.rakuten_orders_action()
        self.assertEqual(
            action["view_id"][0],
            self.env.ref("sale_rakuten.view_order_tree_rakuten").id,
        )
        listing = self.arch(
            "sale.order", "list", "sale_rakuten.view_order_tree_rakuten"
        )
        names = [field.get("name") for field in listing.xpath("/list/field")]
        self.assertEqual(
            names[names.index("name") : names.index("name") + 5],
            [
                "name",
                "rakuten_order_number",
                "rakuten_slip_state",
                "rakuten_payment_state",
                "rakuten_approval_state",
            ],
        )
        number = listing.xpath("//field[@name='rakuten_order_number']")[0]
        self.assertIsNone(number.get("optional"), "always shown")
        self.assertEqual(number.get("width"), "230px", "never cut off")
        self.assertIsNone(
            listing.xpath("//field[@name='rakuten_slip_state']")[0].get("optional")
        )
        for name in ("rakuten_payment_state", "rakuten_approval_state"):
            self.assertEqual(
                listing.xpath("//field[@name='%s']" % name)[0].get("optional"), "show"
            )
        # The other sales lists keep them out of the way.
        default = self.arch("sale.order", "list", "sale.view_order_tree")
        self.assertEqual(
            default.xpath("//field[@name='rakuten_payment_state']")[0].get("optional"),
            "hide",
        )

    def test_pending_orders_list_shows_order_numbers_in_full(self):
        listing = self.arch("rakuten.pending.order", "list")
        self.assertEqual(
            listing.xpath("//field[@name='order_number']")[0].get("width"), "230px"
        )

    def test_orders_grouped_in_workflow_order_with_empty_groups(self):
        for state in ("shipped", "ready", "ready", "to_confirm", "waiting_payment"):
            self.make_order(state)
        action = self.rakuten_orders_action()
        self.assertEqual(
            action["context"], "{'search_default_group_rakuten_slip_state': 1}"
        )
        domain = [("rakuten_order_number", "!=", False), ("team_id", "=", self.team.id)]
        result = self.env["sale.order"].web_read_group(
            domain, ["rakuten_slip_state"], ["rakuten_slip_state"]
        )
        groups = [
            (group["rakuten_slip_state"], group["rakuten_slip_state_count"])
            for group in result["groups"]
        ]
        self.assertEqual([state for state, _count in groups], WORKFLOW)
        self.assertEqual(
            dict(groups),
            {
                "new": 0,
                "to_confirm": 1,
                "waiting_payment": 1,
                "ready": 2,
                "shipped": 1,
                "cancel": 0,
            },
        )

    # ------------------------------------------------------------------
    # Counts on the channel
    # ------------------------------------------------------------------
    def test_counts_per_slip_status_and_their_lists(self):
        other = self._make_team(self.company, self.warehouse, "Other Shop", "othershop")
        expected = {"new": 1, "to_confirm": 3, "waiting_payment": 2, "ready": 1}
        orders = {}
        for state, count in expected.items():
            orders[state] = self.env["sale.order"].concat(
                *(self.make_order(state) for _i in range(count))
            )
        self.make_order("to_confirm", team=other)
        self.make_order("shipped")
        for state, count in expected.items():
            self.assertEqual(self.team["rakuten_count_%s" % state], count, state)
        self.assertEqual(other.rakuten_count_to_confirm, 1)
        self.assertEqual(other.rakuten_count_ready, 0)

        search = self.arch("sale.order", "search")
        for state in expected:
            action = self.team.with_context(
                rakuten_slip_state=state
            ).action_rakuten_view_slip_orders()
            self.assertEqual(action["res_model"], "sale.order")
            self.assertEqual(
                action["context"], {"search_default_rakuten_%s" % state: 1}
            )
            # The filter the list opens with, as the web client applies it.
            [filter_node] = search.xpath("//filter[@name='rakuten_%s']" % state)
            domain = action["domain"] + safe_eval(filter_node.get("domain"))
            self.assertEqual(
                self.env["sale.order"].search(domain), orders[state], state
            )

        action = self.team.action_rakuten_view_slip_orders()
        self.assertNotIn(
            "search_default_rakuten_to_confirm", action.get("context") or {}
        )
        self.assertEqual(
            len(self.env["sale.order"].search(action["domain"])),
            sum(expected.values()) + 1,
        )

    def test_channel_form_has_a_button_per_count(self):
        form = self.arch("crm.team", "form")
        buttons = form.xpath("//button[@name='action_rakuten_view_slip_orders']")
        states = [
            safe_eval(button.get("context"))["rakuten_slip_state"] for button in buttons
        ]
        self.assertEqual(states, ["new", "to_confirm", "waiting_payment", "ready"])
        self.assertEqual(
            [button.xpath("field")[0].get("name") for button in buttons],
            ["rakuten_count_%s" % state for state in states],
        )
        kanban = self.arch(
            "crm.team", "kanban", "sales_team.crm_team_view_kanban_dashboard"
        )
        self.assertTrue(
            kanban.xpath(
                "//a[@name='action_rakuten_view_slip_orders']/field[@name='rakuten_count_to_confirm']"
            )
        )
