"""Every button of the addon works: pressed as the web client presses it, what it returns opens.

The buttons are found in the installed views, never in a hand-kept list: every
``type="object"`` button of an ir.ui.view of module sale_rakuten (its own views and its
extensions of other modules' views), looked up in the combined arch of the view it ends up
in (``get_views``), so that its model, its ``invisible`` expression and those of its
ancestors are the ones the web client sees.

For each button a record of its model on which the web client shows it is looked for among
the fixtures of that model (several per model: channels set up or not, orders in each slip
state, deliveries, sync logs, the wizard, …). Then the button is pressed the way the web
client's ``call_button`` does (``getattr(records.with_context(ctx), name)()``) and the value
it returns must open: nothing (None/False/True), or an action whose type the web client
knows, with a model that exists, views that load, a domain that searches, a client tag that
is registered. A button with no record to show it on fails the test, with its name: a button
added later needs a fixture here.
"""

import ast
import functools
import logging
import operator

from lxml import etree

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import RakutenCase

_logger = logging.getLogger(__name__)

MODULE = "sale_rakuten"
#: Client actions registered by the web client (web/static/src/webclient/actions).
KNOWN_CLIENT_TAGS = {
    "display_notification",
    "soft_reload",
    "reload",
    "reload_context",
    "home",
}
ACTION_TYPES = {
    "ir.actions.act_window",
    "ir.actions.client",
    "ir.actions.act_url",
    "ir.actions.act_window_close",
    "ir.actions.report",
    "ir.actions.server",
}
QUIET = (
    "odoo.addons.sale_rakuten.models.rakuten_sync",
    "odoo.addons.sale_rakuten.rms.client",
    "urllib3.connectionpool",
)


class _Values:
    """``parent`` in an expression: the parent record's values, read on attribute access."""

    def __init__(self, values):
        self._values = values

    def __getattr__(self, name):
        return self._values[name]


def web_value(record, name):
    """The value of ``record[name]`` as the web client puts it in its evaluation context."""
    field = record._fields[name]
    value = record[name]
    if field.type == "many2one":
        return value.id or False
    if field.type in ("one2many", "many2many"):
        return value.ids
    if field.type == "date":
        return fields.Date.to_string(value) if value else False
    if field.type == "datetime":
        return fields.Datetime.to_string(value) if value else False
    if field.type in ("char", "text", "html"):
        return value or ""
    return value


def expression_names(expression):
    """The record fields an expression reads: ``(own names, parent names)``."""
    own, parent = set(), set()
    for node in ast.walk(ast.parse(expression.strip(), mode="eval")):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "parent"
        ):
            parent.add(node.attr)
        elif isinstance(node, ast.Name):
            own.add(node.id)
    return own, parent


@tagged("post_install", "-at_install")
class TestButtons(RakutenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.groups_id |= cls.env.ref("sale_rakuten.group_rakuten_manager")
        cls.carrier = cls._make_carrier("Yamato (Rakuten)", "1001")
        cls._build_fixtures()

    # ------------------------------------------------------------------
    # Fixtures: per model, several records in the states that show the buttons
    # ------------------------------------------------------------------
    @classmethod
    def _add_order(
        cls, minutes_ago=60, progress=300, payment="card", mix=None, **values
    ):
        return RakutenCase.add_order(
            cls,
            minutes_ago=minutes_ago,
            progress=progress,
            payment=payment,
            mix=mix,
            **values,
        )

    @classmethod
    def _ship(cls, order, tracking):
        if order.rakuten_slip_state == "waiting_payment":
            order.rakuten_payment_state = "2"
        picking = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing"
        )
        picking.write({"carrier_id": cls.carrier.id, "carrier_tracking_ref": tracking})
        picking.with_context(skip_sms=True).button_validate()
        return picking

    @classmethod
    def _build_fixtures(cls):
        team, sandbox, Sync = cls.team, cls.sandbox, cls.env["rakuten.sync"]
        team.rakuten_auto_ship_report = True
        numbers = {
            "waiting_payment": cls._add_order(
                payment="card", progress=200
            ),  # not settled yet
            "ready": cls._add_order(payment="cod"),
            "to_confirm": cls._add_order(
                payment="cod", remarks="不在の場合は宅配ボックスに入れてください。"
            ),
            "shipped": cls._add_order(payment="cod"),
            "ship_error": cls._add_order(payment="cod"),
            "cancel": cls._add_order(payment="card"),
            "to_confirm_on_rakuten": cls._add_order(
                payment="card", progress=100, minutes_ago=45
            ),
            "deferred": cls._add_order(payment="card", minutes_ago=5),
        }
        # Changed on Rakuten after import, held for a person (Apply Rakuten Changes, Keep
        # Odoo Version) by the first follow-up below.
        changed = cls._add_order(payment="cod")
        cls.import_log = team._rakuten_import_orders()
        sandbox.modify_order(changed, postage=1100)
        team.rakuten_manual_confirm = True
        numbers["new"] = cls._add_order(payment="card", progress=100)
        team._rakuten_import_orders()
        team.rakuten_manual_confirm = False
        orders = {
            key: cls.env["sale.order"].search([("rakuten_order_number", "=", number)])
            for key, number in numbers.items()
        }
        Sync._cron_carrier()  # the その他 rows
        Sync._cron_follow()  # their ids
        cls._ship(orders["shipped"], "1234-5678")
        cls.error_picking = cls._ship(
            orders["ship_error"], "9" * 121
        )  # RMS takes 120 characters at most
        sandbox.set_progress(numbers["cancel"], 900)
        with mute_logger(*QUIET):
            cls.carrier_log = Sync._cron_carrier().filtered(
                lambda log: log.team_id == team
            )
            cls.follow_log = Sync._cron_follow().filtered(
                lambda log: log.team_id == team
            )
            cls.confirm_log = Sync._cron_confirm().filtered(
                lambda log: log.team_id == team
            )
            cls.license_log = Sync._cron_license().filtered(
                lambda log: log.team_id == team
            )
        cls.orders = orders
        cls.new_team = cls.env["crm.team"].create(
            {"name": "Not connected yet", "member_ids": [Command.clear()]}
        )
        cls.refused_team = cls._make_team(
            cls.company, cls.warehouse, "Refused shop", "refusedshop"
        )
        cls.refused_team._rakuten_set_auth_failure("ES01-01: Un-Authorised")
        cls.wizard = cls.env["rakuten.import.wizard"].create({"team_id": team.id})
        # The Rakuten cancel wizard: on Rakuten too (an order before shipping, with its
        # reason), and in Odoo only (a shipped order, which Rakuten no longer cancels).
        cls.cancel_wizards = cls.env["rakuten.order.cancel"].create(
            [
                {"order_id": orders["ready"].id, "reason": "8"},
                {"order_id": orders["shipped"].id},
            ]
        )
        cls.queued_log = cls.env["rakuten.sync.log"]._rakuten_queue_past_import(
            team,
            fields.Datetime.subtract(fields.Datetime.now(), days=30),
            fields.Datetime.now(),
        )
        # ※6: the catalogue's SKUs mapped to the products (their buttons, the template's SKUs)
        cls.products_log = Sync._run("products", team)
        cls.changed_order = cls.env["sale.order"].search(
            [("rakuten_order_number", "=", changed)]
        )

    def all_orders(self):
        return functools.reduce(operator.or_, self.orders.values())

    def candidates(self, model):
        """The fixture records of ``model`` a button may be shown on, in the admin's env."""
        env = self.env(user=self.admin)
        fixtures = {
            "crm.team": lambda: self.team | self.new_team | self.refused_team,
            "sale.order": lambda: self.all_orders() | self.changed_order,
            "rakuten.basket": lambda: self.all_orders().rakuten_basket_ids,
            "stock.picking": lambda: self.all_orders().picking_ids,
            "rakuten.sync.log": lambda: (
                self.import_log
                | self.carrier_log
                | self.follow_log
                | self.confirm_log
                | self.license_log
                | self.queued_log
                | self.products_log
            ),
            "rakuten.sync.log.line": lambda: (
                self.import_log.line_ids | self.follow_log.line_ids
            ),
            "rakuten.pending.order": lambda: self.env["rakuten.pending.order"].search(
                [("team_id", "=", self.team.id)]
            ),
            "rakuten.import.wizard": lambda: self.wizard,
            "rakuten.order.cancel": lambda: self.cancel_wizards,
            "delivery.carrier": lambda: self.carrier,
            "res.config.settings": lambda: self.env["res.config.settings"].create({}),
            "product.product": lambda: (
                self.products[:3] | self.team.rakuten_unmatched_product_id
            ),
            "product.template": lambda: (
                (
                    self.products[:3] | self.team.rakuten_unmatched_product_id
                ).product_tmpl_id
            ),
            "rakuten.sku": lambda: self.env["rakuten.sku"].search(
                [("team_id", "=", self.team.id)], limit=3
            ),
            "res.partner": lambda: self.all_orders().partner_id,
        }
        if model not in fixtures:
            return env[model]
        return fixtures[model]().with_env(env)

    def test_fixtures_are_in_every_state(self):
        states = {
            key: order.rakuten_slip_state
            for key, order in self.orders.items()
            if key != "deferred"
        }
        self.assertEqual(
            states,
            {
                "waiting_payment": "waiting_payment",
                "ready": "ready",
                "to_confirm": "to_confirm",
                "shipped": "shipped",
                "ship_error": "shipped",
                "cancel": "cancel",
                "to_confirm_on_rakuten": "waiting_payment",
                "new": "new",
            },
        )
        self.assertFalse(self.orders["deferred"], "the 5-minute-old order waits")
        self.assertTrue(self.candidates("rakuten.pending.order"))
        self.assertEqual(self.error_picking.rakuten_ship_state, "error")
        self.assertEqual(self.queued_log.state, "queued")
        self.assertEqual(self.refused_team.rakuten_license_state, "refused")
        self.assertEqual(self.new_team.rakuten_license_state, "not_set")
        self.assertEqual(self.cancel_wizards.mapped("cancel_on_rakuten"), [True, False])
        self.assertEqual(self.changed_order.rakuten_change_state, "held")

    # ------------------------------------------------------------------
    # Finding the buttons
    # ------------------------------------------------------------------
    def module_views(self):
        data = self.env["ir.model.data"].search(
            [("module", "=", MODULE), ("model", "=", "ir.ui.view")]
        )
        return (
            self.env["ir.ui.view"]
            .browse(data.mapped("res_id"))
            .filtered(lambda v: v.type != "search")
        )

    @staticmethod
    def root_view(view):
        while view.mode == "extension" and view.inherit_id:
            view = view.inherit_id
        return view

    def find_buttons(self):
        """[(root view, button node in the combined arch, [x2many field nodes, outermost first])]
        for every object button of the module's views."""
        own = {}
        for view in self.module_views():
            names = {
                node.get("name")
                for node in etree.fromstring(view.arch_db).iter("button")
                if node.get("type") == "object"
            }
            if names:
                own.setdefault(self.root_view(view), set()).update(names)
        found = []
        for root, names in own.items():
            env = self.env(user=self.admin)
            arch = env[root.model].get_views([(root.id, root.type)])["views"][
                root.type
            ]["arch"]
            tree = etree.fromstring(arch)
            nodes = [
                node
                for node in tree.iter("button")
                if node.get("type") == "object" and node.get("name") in names
            ]
            missing = names - {node.get("name") for node in nodes}
            self.assertFalse(
                missing,
                "buttons of %s not shown to a Rakuten manager: %s"
                % (root.xml_id, missing),
            )
            for node in nodes:
                x2many = [a for a in node.iterancestors("field")][::-1]
                found.append((root, node, x2many))
        return found

    def button_model(self, root, x2many):
        model = root.model
        for field_node in x2many:
            model = self.env[model]._fields[field_node.get("name")].comodel_name
        return model

    # ------------------------------------------------------------------
    # Visibility, as the web client evaluates it
    # ------------------------------------------------------------------
    def eval_context(self, record, expression, parent=None):
        own, parent_names = expression_names(expression)
        values = {
            "context": dict(record.env.context),
            "uid": record.env.uid,
            "allowed_company_ids": record.env.companies.ids,
            "current_company_id": record.env.company.id,
            "id": record.id,
            "True": True,
            "False": False,
            "None": None,
        }
        for name in own:
            if name in record._fields:
                values[name] = web_value(record, name)
        if parent is not None:
            values["parent"] = _Values(
                {name: web_value(parent, name) for name in parent_names}
            )
        unknown = own - set(values) - {"parent"}
        self.assertFalse(
            unknown, "%s reads %s, unknown on %s" % (expression, unknown, record._name)
        )
        return values

    def hidden_by(self, nodes, record, parent=None, attribute="invisible"):
        for node in nodes:
            expression = node.get(attribute)
            if expression and safe_eval(
                expression, self.eval_context(record, expression, parent)
            ):
                return True
        return False

    def visible_records(self, root, node, x2many):
        """The fixture records (with their parent record) on which the web client shows ``node``."""
        chain = [node, *node.iterancestors()]
        if not x2many:
            return [
                (record, None)
                for record in self.candidates(root.model)
                if not self.hidden_by(chain, record)
            ]
        if len(x2many) > 1:
            self.fail(
                "button %s is nested in more than one x2many: not supported"
                % node.get("name")
            )
        [field_node] = x2many
        outer = [field_node, *field_node.iterancestors()]
        inner = [n for n in chain if n not in outer]
        shown = []
        for parent in self.candidates(root.model):
            if self.hidden_by(outer, parent) or self.hidden_by(
                [node], parent, attribute="column_invisible"
            ):
                continue
            for record in parent[field_node.get("name")]:
                if record in self.candidates(record._name) and not self.hidden_by(
                    inner, record, parent
                ):
                    shown.append((record, parent))
        return shown

    # ------------------------------------------------------------------
    # What a button returns must open
    # ------------------------------------------------------------------
    def assert_opens(self, action, button):
        if action in (None, False, True):
            return
        self.assertIsInstance(action, dict, "%s returned %r" % (button, action))
        kind = action.get("type")
        self.assertIn(
            kind,
            ACTION_TYPES,
            "%s returned an action of unknown type %r" % (button, kind),
        )
        env = self.env(user=self.admin)
        if kind == "ir.actions.act_window":
            self.assertIn(
                action.get("res_model"), env, "%s opens an unknown model" % button
            )
            context = action.get("context") or {}
            if isinstance(context, str):
                context = safe_eval(
                    context, {"uid": env.uid, "active_id": False, "context": {}}
                )
            Model = env[action["res_model"]].with_context(**context)
            views = action.get("views") or [
                (False, mode) for mode in (action.get("view_mode") or "form").split(",")
            ]
            views = [
                (view_id or False, "list" if mode == "tree" else mode)
                for view_id, mode in views
            ]
            loaded = Model.get_views(views + [(False, "search")])["views"]
            for _view_id, mode in views:
                self.assertTrue(
                    loaded[mode]["arch"], "%s: its %s view loads" % (button, mode)
                )
            domain = action.get("domain") or []
            if isinstance(domain, str):
                domain = safe_eval(
                    domain, {"uid": env.uid, "context": context, "active_id": False}
                )
            Model.search(domain)
            if action.get("res_id"):
                self.assertTrue(
                    Model.browse(action["res_id"]).exists(),
                    "%s opens a record that exists" % button,
                )
            self.assertIn(
                action.get("target", "current"),
                ("current", "new", "main", "fullscreen", "inline"),
            )
        elif kind == "ir.actions.client":
            self.assertIn(
                action.get("tag"),
                KNOWN_CLIENT_TAGS,
                "%s: unknown client action" % button,
            )
            params = action.get("params") or {}
            if action["tag"] == "display_notification":
                self.assertTrue(
                    params.get("message"), "%s: a notification says something" % button
                )
                self.assertIn(
                    params.get("type", "info"), ("info", "success", "warning", "danger")
                )
            if params.get("next"):
                self.assert_opens(params["next"], "%s (next)" % button)
        elif kind == "ir.actions.act_url":
            self.assertTrue(action.get("url"))
        elif kind == "ir.actions.report":
            self.assertTrue(env["ir.actions.report"]._get_report(action["report_name"]))

    def press(self, record, node):
        """Press ``node`` on ``record`` as the web client's call_button does."""
        name = node.get("name")
        self.assertFalse(
            name.startswith("_"), "call_button refuses private methods: %s" % name
        )
        context = node.get("context")
        context = (
            safe_eval(context, self.eval_context(record, context)) if context else {}
        )
        return getattr(record.with_context(**context), name)()

    # ------------------------------------------------------------------
    # The test
    # ------------------------------------------------------------------
    def test_every_button_opens(self):
        buttons = self.find_buttons()
        names = {node.get("name") for _root, node, _x in buttons}
        # The discovery itself works: it finds the buttons the issue names.
        self.assertLessEqual(
            {"action_rakuten_import_now", "action_rakuten_import_past_orders"}, names
        )
        pressed, presses, missing = [], 0, []
        for root, node, x2many in buttons:
            model = self.button_model(root, x2many)
            label = "%s.%s (%s, %r)" % (
                model,
                node.get("name"),
                root.xml_id,
                node.get("string") or "",
            )
            shown = self.visible_records(root, node, x2many)
            if not shown:
                missing.append(label)
                continue
            # Pressed on every fixture record that shows it, each time from the same data.
            for record, _parent in shown:
                with self.subTest(button=label, record=record.display_name):
                    savepoint = self.env.cr.savepoint()
                    try:
                        with mute_logger(*QUIET):
                            action = self.press(record, node)
                        self.assert_opens(
                            action, "%s on %s" % (label, record.display_name)
                        )
                        presses += 1
                    finally:
                        savepoint.close(rollback=True)
                        self.env.invalidate_all()
            pressed.append(label)
        self.assertFalse(
            missing,
            "buttons with no fixture record that shows them (add one to "
            "TestButtons.candidates): %s" % ", ".join(missing),
        )
        _logger.info(
            "pressed %d buttons (%d presses): %s",
            len(pressed),
            presses,
            ", ".join(pressed),
        )
        self.assertEqual(len(pressed), len(buttons))
        self.assertGreaterEqual(presses, len(buttons))

    def test_import_now_and_past_orders_open_what_they_say(self):
        """The two buttons of the issue: Import Now opens the run's log, Import Past Orders its
        wizard, whose Import button queues the run and says so."""
        team = self.team.with_user(self.admin)
        number = self._add_order(payment="cod")
        action = team.action_rakuten_import_now()
        log = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual((log._name, log.kind), ("rakuten.sync.log", "import"))
        self.assertEqual(
            log.line_ids.filtered(lambda line: line.outcome == "imported").order_number,
            number,
        )
        action = team.action_rakuten_import_past_orders()
        self.assertEqual(
            (action["res_model"], action["target"]), ("rakuten.import.wizard", "new")
        )
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.admin)
            .with_context(**action["context"])
            .create({})
        )
        self.assertEqual(wizard.team_id, self.team)
        action = wizard.action_import()
        self.assertEqual(action["tag"], "display_notification")
        queued = self.env["rakuten.sync.log"].browse(action["params"]["next"]["res_id"])
        self.assertEqual(queued.state, "queued")
