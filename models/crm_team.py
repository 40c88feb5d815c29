import json
import re
from collections import Counter
from datetime import datetime, timezone

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.translate import LazyTranslate

from ..rms import mapping, rules, sync
from ..rms.client import DEFAULT_API_URL, RmsClient
from ..rms.codes import JST
from ..rms.exceptions import RmsAuthError, RmsError
from ..rms.shop import EXPECTED_FORMS, normalize_shop_url
from .rakuten_text import RakutenText, to_text

_lt = LazyTranslate(__name__)

MANAGER_GROUP = "sale_rakuten.group_rakuten_manager"
#: Seconds to connect to and to wait for an RMS answer.
RMS_TIMEOUT = 60
#: The settings the set-up checks, in the order the Rakuten page shows what is missing.
SETUP_ITEMS = (
    "company",
    "shop_url",
    "credentials",
    "authorization",
    "warehouse",
    "pricelist",
    "taxes",
    "product",
)
#: The Rakuten tax rates (percent) and the channel field that holds each.
SETUP_TAX_FIELDS = {10.0: "rakuten_tax_10_id", 8.0: "rakuten_tax_8_id"}
#: Slip states counted on the channel (the ones a person acts on), in workflow order.
COUNTED_SLIP_STATES = (
    mapping.SLIP_NEW,
    mapping.SLIP_TO_CONFIRM,
    mapping.SLIP_WAITING_PAYMENT,
    mapping.SLIP_READY,
)
UNMATCHED_PRODUCT = "sale_rakuten.product_rakuten_unmatched"
#: Minutes between two imports of a channel: the default and the shortest allowed.
DEFAULT_IMPORT_INTERVAL = 15
MIN_IMPORT_INTERVAL = 5
#: The channel fields its import cron follows.
IMPORT_CRON_FIELDS = {"name", "active", "rakuten_active", "rakuten_import_interval"}

#: ※1 when the channel gives no reason of its own (rendered in the reader's language).
DEFAULT_CANCEL_REASON = _lt("Cancelled in RMS")


class CrmTeam(models.Model):
    # mail.activity.mixin: the license-expiry warning is an activity on the channel.
    _name = "crm.team"
    _inherit = ["crm.team", "mail.activity.mixin"]

    rakuten_active = fields.Boolean(
        string="Use the Rakuten RMS API",
        tracking=True,
        help="Import this shop's orders from Rakuten RMS at its import interval (every 15 "
        "minutes unless set otherwise) and report back to Rakuten what Odoo did.",
    )
    rakuten_shop_url = fields.Char(
        string="Rakuten Shop URL",
        help="The XXXX part of https://www.rakuten.ne.jp/XXXX/ or "
        "https://www.rakuten.ne.jp/gold/XXXX/. A pasted full URL is reduced to it.",
    )
    rakuten_service_secret = fields.Char(
        string="Service Secret",
        groups=MANAGER_GROUP,
        copy=False,
        help="The RMS WEB API service secret (RMS > 店舗様向け情報・サービス > WEB APIサービス).",
    )
    rakuten_license_key = fields.Char(
        string="License Key",
        groups=MANAGER_GROUP,
        copy=False,
        help="The RMS license key. It expires every 90 days: renew it in RMS and paste the new "
        "key here.",
    )
    rakuten_credentials_set = fields.Boolean(
        string="Credentials Set",
        compute="_compute_rakuten_credentials_set",
        compute_sudo=True,
        help="Whether a service secret and a license key are saved (their values are visible to "
        "Rakuten managers only).",
    )
    rakuten_license_expiry = fields.Datetime(
        string="License Key Expiry",
        readonly=True,
        copy=False,
        help="Expiry date of the license key, as read from RMS by 'Test connection' and the "
        "daily check.",
    )
    rakuten_api_url = fields.Char(
        string="RMS API URL",
        default=DEFAULT_API_URL,
        help="Base URL of the RMS API. Change it only to point at an RMS emulator for demos "
        "and tests.",
    )
    rakuten_request_interval = fields.Float(
        string="Seconds Between RMS Calls",
        default=1.0,
        help="Rakuten asks for at most one call per second and per shop.",
    )
    rakuten_cancel_reason = fields.Char(
        string="Cancel Reason",
        translate=True,
        help="※1 Reason written on an order that Rakuten (RMS) cancelled when the cancellation "
        "is imported. Empty: 'Cancelled in RMS', in the language of whoever reads the order.",
    )
    rakuten_import_drug_orders = fields.Boolean(
        string="Import Orders with First-Class Drugs",
        help="※2 Orders containing 第一類医薬品 are imported through the API. Unchecked, such "
        "orders are skipped and must be imported from the RMS order CSV.",
    )
    rakuten_manual_confirm = fields.Boolean(
        string="Stop Automatic Order Confirmation",
        help="※3 Odoo does not confirm orders on Rakuten. An order waiting for confirmation "
        "(注文確認待ち) becomes a provisional [New] slip that reserves stock; it is imported in "
        "full once it has been confirmed in RMS (楽天処理中 or 発送待ち), within 24 hours of "
        "that confirmation.",
    )
    rakuten_import_reserved_orders = fields.Boolean(
        string="Import Reservation Orders",
        help="※4 Orders placed through Rakuten's reservation sales (予約商品) are imported too. "
        "Unchecked, they are skipped.",
    )
    # Changes made on Rakuten after import (follow-up job)
    rakuten_apply_changes = fields.Boolean(
        string="Apply Rakuten Changes Automatically",
        help="When Rakuten changes an order after import (units, prices, postage, fees, "
        "coupons, points, recipient, delivery date or time) and no delivery is done yet, the "
        "follow-up job applies the changes to the order and its deliveries, unless a change "
        "cannot be applied safely or staff changed the same value in Odoo. Unchecked, or in "
        "those cases, the slip goes to To Confirm with the differences, for a person to apply "
        "or keep the Odoo version.",
    )
    rakuten_auto_ship_report = fields.Boolean(
        string="Automatic Shipping Report",
        help="※5 When a delivery is validated, its carrier and tracking number are sent to "
        "Rakuten. Unchecked, the carrier stays その他 (other) on Rakuten until changed in RMS.",
    )
    rakuten_sku_migrated = fields.Boolean(
        string="Rakuten SKU Migration Done",
        help="※6 The shop uses Rakuten's SKU model (SKU project migration): products and "
        "inventory are matched by SKU.",
    )
    # ※6 Stock to Rakuten (在庫連携): the channel's rule; a SKU may have its own (rakuten.sku).
    rakuten_stock_push = fields.Boolean(
        string="Send Stock to Rakuten",
        tracking=True,
        help="※6 Odoo sets the stock of every Rakuten SKU mapped to a product: the free quantity "
        "of the ship-from warehouse, less the safety stock, times the allocation rate, under the "
        "maximum. Sent within a minute of a stock change, and every 5 minutes; only SKUs whose "
        "quantity differs from Rakuten's are sent. Needs the SKU migration.",
    )
    rakuten_stock_safety = fields.Integer(
        string="Safety Stock",
        help="予備在庫数: units of each product never offered on Rakuten.",
    )
    rakuten_stock_rate = fields.Integer(
        string="Allocation Rate (%)",
        default=100,
        help="在庫割当率: the share of the free quantity (after the safety stock) offered on "
        "Rakuten, rounded down. 100 offers all of it, 0 none.",
    )
    rakuten_stock_use_cap = fields.Boolean(
        string="Limit the Quantity",
        help="Offer at most the maximum quantity of each SKU on Rakuten.",
    )
    rakuten_stock_cap = fields.Integer(
        string="Maximum Quantity",
        help="The most units of one SKU shown on Rakuten when the quantity is limited.",
    )

    rakuten_stock_push_since = fields.Datetime(
        string="Stock Sent Since",
        compute="_compute_rakuten_stock_push_since",
        store=True,
        help="When stock started to be sent (switched on, and the SKU migration done): every SKU "
        "is checked against Rakuten once from then on.",
    )

    @api.depends("rakuten_stock_push", "rakuten_sku_migrated")
    def _compute_rakuten_stock_push_since(self):
        for team in self:
            if not (team.rakuten_stock_push and team.rakuten_sku_migrated):
                team.rakuten_stock_push_since = False
            elif not team.rakuten_stock_push_since:
                team.rakuten_stock_push_since = fields.Datetime.now()

    @api.constrains("rakuten_stock_safety", "rakuten_stock_rate", "rakuten_stock_cap")
    def _check_rakuten_stock_rule(self):
        self.env["rakuten.sku"]._check_stock_rule_values(self, "rakuten_stock_")

    # ※6 Stock to Rakuten: end of the channel's fields.
    rakuten_authorization_type = fields.Selection(
        selection=[
            ("rakuten_pay", "RakutenPay (楽天ペイ)"),
            ("other", "Other"),
            ("none", "None"),
        ],
        string="Authorization Type",
        help="オーソリ区分: who authorizes card and deferred payments. With RakutenPay, "
        "楽天共通決済 orders start as 'Not approved' and are approved when Rakuten settles the "
        "payment; with None they need no approval. Required before the API can be used: "
        "without it imported orders cannot be updated properly.",
    )
    rakuten_wait_minutes = fields.Integer(
        string="Wait After Ordering (minutes)",
        default=30,
        help="Orders other than あす楽 are imported only this long after they were placed, so "
        "that buyers can still cancel on Rakuten.",
    )
    rakuten_window_hours = fields.Integer(
        string="Import Window (hours)",
        default=24,
        help="Each import looks at the orders of the last N hours, or further back to the last "
        "successful import if that is earlier.",
    )
    rakuten_warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Ship From Warehouse",
        check_company=True,
        help="Warehouse that reserves stock for and ships this shop's orders.",
    )
    rakuten_pricelist_id = fields.Many2one(
        "product.pricelist",
        check_company=True,
        help="Pricelist (in yen) of the imported orders; the company's default one when empty.",
    )
    rakuten_tax_10_id = fields.Many2one(
        "account.tax",
        string="Tax 10%",
        check_company=True,
        domain="[('type_tax_use', '=', 'sale'), ('price_include', '=', True)]",
        help="Tax-included sales tax for items, postage and fees at 10%.",
    )
    rakuten_tax_8_id = fields.Many2one(
        "account.tax",
        string="Tax 8% (reduced)",
        check_company=True,
        domain="[('type_tax_use', '=', 'sale'), ('price_include', '=', True)]",
        help="Tax-included sales tax for items at the reduced rate of 8%.",
    )
    rakuten_unmatched_product_id = fields.Many2one(
        "product.product",
        string="Product for Unmatched Items",
        check_company=True,
        help="An ordered item that matches no product (by SKU, item number or management number "
        "against the internal reference) is imported on this product, with its name and price, "
        "and the order waits for confirmation.",
    )
    rakuten_check_remarks = fields.Boolean(
        string="Check Buyer Remarks",
        default=True,
        help="Orders whose buyer wrote remarks (備考) wait for confirmation.",
    )
    rakuten_check_caution = fields.Boolean(
        string="Check Rakuten Cautions",
        default=True,
        help="Orders that Rakuten flags (注意喚起, under review by Rakuten) wait for confirmation.",
    )
    rakuten_check_unmatched = fields.Boolean(
        string="Check Unmatched Items",
        default=True,
        help="Orders with an item that matches no product wait for confirmation.",
    )
    rakuten_check_amounts = fields.Boolean(
        string="Check Amounts",
        default=True,
        help="Orders whose amounts in Odoo differ from Rakuten's wait for confirmation.",
    )
    rakuten_check_drug = fields.Boolean(
        string="Check First-Class Drugs",
        default=True,
        help="Orders containing 第一類医薬品 wait for confirmation.",
    )
    rakuten_check_gift = fields.Boolean(
        string="Check Gift Orders",
        help="Gift orders (wrapping, のし, gift messages) wait for confirmation.",
    )
    # Import interval and the channel's own import cron (issue 11, parts 3 and 4).
    rakuten_import_interval = fields.Integer(
        string="Import Every (minutes)",
        default=DEFAULT_IMPORT_INTERVAL,
        help="How often this shop's orders are imported (5 minutes at least). An あす楽 order is "
        "imported and its stock reserved at the first import after it was placed, so within "
        "this interval. Each shop has its own scheduled action, so that several shops import "
        "at the same time when the server runs several cron workers.",
    )
    rakuten_import_cron_id = fields.Many2one(
        "ir.cron",
        string="Import Scheduled Action",
        readonly=True,
        copy=False,
        ondelete="set null",
        groups=MANAGER_GROUP,
        help="The scheduled action that imports this shop's orders; it follows the channel's "
        "name and import interval, and is archived while the API is switched off.",
    )
    # Technical: the import round a sale-day backlog spreads over several runs (JSON: the
    # orders still to fetch, the round's start and window); the watermark moves to the
    # round's start once no order is left.
    rakuten_import_backlog = fields.Text(
        string="Import Backlog", readonly=True, copy=False, groups="base.group_system"
    )

    @api.constrains("rakuten_import_interval")
    def _check_rakuten_import_interval(self):
        for team in self:
            if team.rakuten_import_interval < MIN_IMPORT_INTERVAL:
                raise ValidationError(
                    _(
                        "The import interval of %(team)s must be at least %(minimum)s minutes.",
                        team=team.name,
                        minimum=MIN_IMPORT_INTERVAL,
                    )
                )

    def _rakuten_import_cron_values(self):
        """The fields of the channel's import cron that follow the channel."""
        self.ensure_one()
        return {
            "name": "Rakuten: Import Orders (%s)" % self.name,
            "interval_number": self.rakuten_import_interval,
            "interval_type": "minutes",
            "active": bool(self.rakuten_active and self.active),
        }

    def _rakuten_sync_import_cron(self):
        """Give each active Rakuten channel its own import cron (one ir.cron record runs on one
        worker at a time, so one cron per channel lets several workers import several shops at
        once) and keep its name, interval and active flag in step with the channel."""
        # The English name is the source; _rakuten_translate_import_cron sets the others.
        teams = self.sudo().with_context(active_test=False, lang="en_US")
        Cron = teams.env["ir.cron"]
        for team in teams:
            values = team._rakuten_import_cron_values()
            cron = team.rakuten_import_cron_id
            if not cron:
                if not values["active"]:
                    continue
                cron = Cron.create(
                    dict(
                        values,
                        model_id=self.env["ir.model"]._get_id("rakuten.sync"),
                        state="code",
                        code="model._cron_import_channel(%d)" % team.id,
                        user_id=self.env.ref("base.user_root").id,
                        priority=5,
                    )
                )
                # An xml id of the module: uninstalling it removes the cron with the rest.
                self.env["ir.model.data"].sudo()._update_xmlids(
                    [
                        {
                            "xml_id": "sale_rakuten.ir_cron_rakuten_import_team_%d"
                            % team.id,
                            "record": cron,
                            "noupdate": True,
                        }
                    ]
                )
                team.rakuten_import_cron_id = cron
            else:
                changed = {
                    key: value for key, value in values.items() if cron[key] != value
                }
                if changed:
                    cron.write(changed)
            team._rakuten_translate_import_cron(cron)

    def _rakuten_import_backlog_get(self):
        """The import round in progress (a dict: ``numbers`` still to fetch, ``round_start``,
        ``window_start``, ``window_end``), or None."""
        self.ensure_one()
        raw = self.sudo().rakuten_import_backlog
        if not raw:
            return None
        try:
            backlog = json.loads(raw)
        except ValueError:
            return None
        return backlog if backlog.get("numbers") else None

    def _rakuten_import_backlog_set(self, numbers, round_start, log):
        """Keep ``numbers`` as the orders still to fetch of the round begun at
        ``round_start`` (the window of ``log``); an empty list ends the round."""
        self.ensure_one()
        value = False
        if numbers:
            value = json.dumps(
                {
                    "numbers": list(numbers),
                    "round_start": fields.Datetime.to_string(round_start),
                    "window_start": fields.Datetime.to_string(log.window_start),
                    "window_end": fields.Datetime.to_string(log.window_end),
                }
            )
        if value or self.sudo().rakuten_import_backlog:
            self.sudo().rakuten_import_backlog = value

    def _rakuten_translate_import_cron(self, cron):
        """The cron's name in each installed language, as the data crons have theirs."""
        names = {}
        for code, _name in self.env["res.lang"].get_installed():
            if code != "en_US":
                team = self.with_context(lang=code)
                names[code] = team.env._(
                    "Rakuten: Import Orders (%(channel)s)", channel=team.name
                )
        if names:
            cron.ir_actions_server_id.update_field_translations("name", names)

    rakuten_last_import_start = fields.Datetime(
        string="Last Successful Import",
        readonly=True,
        copy=False,
        help="Start of the last import that completed. The next import looks back at least to "
        "this moment, less a margin, so that no order is missed after downtime.",
    )
    rakuten_license_state = fields.Selection(
        [
            (sync.LICENSE_NOT_SET, "Not Set"),
            (sync.LICENSE_UNCHECKED, "Not Checked Yet"),
            (sync.LICENSE_OK, "Valid"),
            (sync.LICENSE_WARNING, "Expires Soon"),
            (sync.LICENSE_EXPIRED, "Expired"),
            (sync.LICENSE_REFUSED, "Refused by RMS"),
        ],
        string="License Key Status",
        compute="_compute_rakuten_license_state",
        help="Warns from 14 days before the license key expires; once it has expired, or RMS "
        "refused the credentials, the Rakuten jobs skip this channel until a new key is saved.",
    )
    rakuten_license_status = fields.Char(
        string="License Status",
        compute="_compute_rakuten_license_state",
        help="The license key's status as the channel's badge shows it: not set, not checked "
        "yet, valid until a date, expiring in a few days, expired, or refused by RMS.",
    )
    rakuten_auth_error = RakutenText(
        string="RMS Authentication Error",
        readonly=True,
        copy=False,
        help="Why RMS refused this channel's credentials the last time. Cleared when a new "
        "service secret or license key is saved.",
    )
    rakuten_auth_error_date = fields.Datetime(readonly=True, copy=False)
    rakuten_sync_log_count = fields.Integer(compute="_compute_rakuten_counts")
    rakuten_pending_count = fields.Integer(compute="_compute_rakuten_counts")
    rakuten_setup_missing = fields.Char(
        string="Missing Settings (codes)",
        compute="_compute_rakuten_setup",
        help="Technical: the settings still missing, as codes, for the fix buttons of the "
        "Rakuten page.",
    )
    rakuten_setup_todo = fields.Text(
        string="Still Missing",
        compute="_compute_rakuten_setup",
        help="What is still missing before the Rakuten RMS API can be used, and how to fix it.",
    )
    rakuten_count_new = fields.Integer(
        string="New", compute="_compute_rakuten_slip_counts"
    )
    rakuten_count_to_confirm = fields.Integer(
        string="To Confirm", compute="_compute_rakuten_slip_counts"
    )
    rakuten_count_waiting_payment = fields.Integer(
        string="Waiting for Payment", compute="_compute_rakuten_slip_counts"
    )
    rakuten_count_ready = fields.Integer(
        string="Ready to Ship", compute="_compute_rakuten_slip_counts"
    )

    _sql_constraints = [
        (
            "rakuten_shop_url_company_uniq",
            "UNIQUE(rakuten_shop_url, company_id)",
            "Another sales channel of this company is already connected to this Rakuten shop.",
        ),
    ]

    # ------------------------------------------------------------------
    # Compute, constraints, CRUD
    # ------------------------------------------------------------------
    @api.depends("rakuten_service_secret", "rakuten_license_key")
    def _compute_rakuten_credentials_set(self):
        for team in self:
            team.rakuten_credentials_set = bool(
                team.rakuten_service_secret and team.rakuten_license_key
            )

    @api.depends(
        "rakuten_license_expiry", "rakuten_auth_error", "rakuten_credentials_set"
    )
    @api.depends_context("lang")
    def _compute_rakuten_license_state(self):
        now = datetime.now(timezone.utc)
        for team in self:
            expiry = team.rakuten_license_expiry
            expiry = expiry.replace(tzinfo=timezone.utc) if expiry else None
            state = sync.license_status(
                expiry,
                now,
                key_set=team.rakuten_credentials_set,
                refused=bool(team.rakuten_auth_error),
            )
            team.rakuten_license_state = state
            team.rakuten_license_status = team._rakuten_license_text(state, expiry, now)

    def _rakuten_license_text(self, state, expiry, now):
        """The badge text of a license state, in the user's language; dates in Japan time, the
        time zone of RMS's expiry dates."""
        date = expiry.astimezone(JST).strftime("%Y-%m-%d") if expiry else ""
        if state == sync.LICENSE_OK:
            return _("Valid until %(date)s", date=date)
        if state == sync.LICENSE_WARNING:
            days = sync.license_days_left(expiry, now)
            if not days:
                return _("Expires today (%(date)s)", date=date)
            return _("Expires in %(days)s days (%(date)s)", days=days, date=date)
        if state == sync.LICENSE_EXPIRED:
            return _("Expired on %(date)s", date=date)
        if state == sync.LICENSE_REFUSED:
            return _("Refused by RMS")
        if state == sync.LICENSE_UNCHECKED:
            return _("Not checked yet")
        return _("Not set")

    def _rakuten_license_blocked(self):
        """Jobs skip a channel whose key expired or whose credentials RMS refused."""
        self.ensure_one()
        return self.rakuten_license_state in sync.LICENSE_BLOCKED

    def _rakuten_set_auth_failure(self, message):
        """``message``: the RmsAuthError, or any text :class:`RakutenText` stores."""
        self.sudo().write(
            {
                "rakuten_auth_error": message,
                "rakuten_auth_error_date": fields.Datetime.now(),
            }
        )

    def _rakuten_store_license_expiry(self, expiry):
        """Store the expiry RMS gave; from 14 days before it, the Rakuten managers get an
        activity on the channel (once per expiry date)."""
        self.ensure_one()
        team = self.sudo()
        team.write(
            {
                "rakuten_license_expiry": expiry.astimezone(timezone.utc).replace(
                    tzinfo=None
                ),
                "rakuten_auth_error": False,
                "rakuten_auth_error_date": False,
            }
        )
        if team.rakuten_license_state != "warning":
            return
        # Activities cannot be re-rendered per reader: they are written in the shop's language.
        team = team.with_context(lang=team._rakuten_lang())
        summary = team.env._(
            "Renew the Rakuten license key (expires %(date)s)",
            date=expiry.strftime("%Y-%m-%d"),
        )
        managers = self.env.ref(MANAGER_GROUP).users.filtered(
            lambda u: not u.share and team.company_id in u.company_ids
        )
        existing = team.activity_ids.filtered(lambda a: a.summary == summary).user_id
        for user in managers - existing:
            team.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=team.env._(
                    "The RMS license key of %(team)s expires on %(date)s. Issue a new key in "
                    "RMS (WEB API Service) and save it on the channel's Rakuten page.",
                    team=team.name,
                    date=expiry.strftime("%Y-%m-%d"),
                ),
                user_id=user.id,
                date_deadline=expiry.date(),
            )

    def _compute_rakuten_counts(self):
        logs = dict(
            self.env["rakuten.sync.log"]._read_group(
                [("team_id", "in", self.ids)], ["team_id"], ["__count"]
            )
        )
        pending = dict(
            self.env["rakuten.pending.order"]._read_group(
                [("team_id", "in", self.ids), ("state", "=", "waiting")],
                ["team_id"],
                ["__count"],
            )
        )
        for team in self:
            team.rakuten_sync_log_count = logs.get(team, 0)
            team.rakuten_pending_count = pending.get(team, 0)

    @api.model
    def _rakuten_clean_shop_url(self, value):
        if not value:
            return value
        code = normalize_shop_url(value)
        if not code:
            raise ValidationError(self._rakuten_shop_url_error(value))
        return code

    @api.model
    def _rakuten_shop_url_error(self, value):
        """Why ``value`` is refused as a shop URL, with the accepted forms."""
        return _(
            "'%(value)s' is not a Rakuten shop URL. Enter the shop code XXXX, or paste "
            "one of these addresses of the shop: %(forms)s.",
            value=value,
            forms=", ".join(EXPECTED_FORMS[1:]),
        )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("rakuten_shop_url"):
                vals["rakuten_shop_url"] = self._rakuten_clean_shop_url(
                    vals["rakuten_shop_url"]
                )
            if (
                vals.get("rakuten_shop_url") or vals.get("rakuten_active")
            ) and not vals.get("company_id"):
                # A Rakuten shop belongs to one company (its warehouse, taxes, pricelist).
                vals["company_id"] = self.env.company.id
        teams = super().create(vals_list)
        # Import interval: each Rakuten channel gets its own import cron.
        teams.filtered("rakuten_active")._rakuten_sync_import_cron()
        return teams

    def write(self, vals):
        if vals.get("rakuten_shop_url"):
            vals["rakuten_shop_url"] = self._rakuten_clean_shop_url(
                vals["rakuten_shop_url"]
            )
        if (
            vals.get("rakuten_shop_url") or vals.get("rakuten_active")
        ) and "company_id" not in vals:
            # A channel without company becomes a Rakuten shop: it gets the current company.
            self.filtered(lambda t: not t.company_id).write(
                {"company_id": self.env.company.id}
            )
        if {"rakuten_service_secret", "rakuten_license_key"} & set(vals):
            # A new key: the jobs resume at once, and the next check reads its expiry.
            vals = dict(vals, rakuten_auth_error=False, rakuten_auth_error_date=False)
            if "rakuten_license_key" in vals:
                vals.setdefault("rakuten_license_expiry", False)
        result = super().write(vals)
        if IMPORT_CRON_FIELDS & set(vals):
            # Import interval: the channel's import cron follows its name, interval and state.
            self._rakuten_sync_import_cron()
        return result

    def unlink(self):
        crons = self.sudo().rakuten_import_cron_id
        actions = crons.ir_actions_server_id
        result = super().unlink()
        # Import interval: a deleted channel's import cron goes with it, and the server
        # action it delegates to (ir.cron does not remove it).
        crons.unlink()
        actions.unlink()
        return result

    @api.constrains(
        "rakuten_active",
        "company_id",
        "rakuten_shop_url",
        "rakuten_service_secret",
        "rakuten_license_key",
        "rakuten_authorization_type",
        "rakuten_warehouse_id",
        "rakuten_tax_10_id",
        "rakuten_tax_8_id",
        "rakuten_unmatched_product_id",
        "rakuten_wait_minutes",
        "rakuten_window_hours",
    )
    def _check_rakuten_settings(self):
        for team in self.sudo():
            if not team.rakuten_active:
                continue
            missing = []
            if not team.company_id:
                missing.append(self._rakuten_label("company_id"))
            if not team.rakuten_shop_url:
                missing.append(_("Rakuten Shop URL"))
            if not team.rakuten_credentials_set:
                missing.append(_("Service Secret and License Key"))
            if not team.rakuten_authorization_type:
                missing.append(_("Authorization Type"))
            if not team.rakuten_warehouse_id:
                missing.append(_("Ship From Warehouse"))
            if not (team.rakuten_tax_10_id and team.rakuten_tax_8_id):
                missing.append(_("Taxes 10% and 8%"))
            if not team.rakuten_unmatched_product_id:
                missing.append(_("Product for Unmatched Items"))
            if missing:
                raise ValidationError(
                    _(
                        "The sales channel %(team)s cannot use the Rakuten RMS API before these "
                        "settings are filled in: %(fields)s.",
                        team=team.name,
                        fields=", ".join(missing),
                    )
                )
            for tax in team.rakuten_tax_10_id | team.rakuten_tax_8_id:
                if not tax.price_include:
                    raise ValidationError(
                        _(
                            "Rakuten prices include tax: the tax %(tax)s must be included in "
                            "the price.",
                            tax=tax.display_name,
                        )
                    )
            if team.rakuten_wait_minutes < 0 or team.rakuten_window_hours < 1:
                raise ValidationError(
                    _(
                        "The wait must not be negative and the import window is at least 1 hour."
                    )
                )

    # ------------------------------------------------------------------
    # Set-up: working defaults, what is still missing, one-click fixes
    # ------------------------------------------------------------------
    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("rakuten_new_shop"):
            # "New Rakuten Shop" (Settings > Sales): the Rakuten page opens filled in.
            company = (
                self.env["res.company"].browse(values.get("company_id"))
                or self.env.company
            )
            values.setdefault("company_id", company.id)
            defaults = self._rakuten_found_values(company)
            values.update(
                {
                    name: value.id
                    for name, value in defaults.items()
                    if value and name in fields_list
                }
            )
        return values

    @api.onchange("rakuten_shop_url")
    def _onchange_rakuten_shop_url(self):
        """A pasted shop URL is reduced to its code as soon as the field is left; a value that
        is none is said at once (saving refuses it)."""
        for team in self:
            if not team.rakuten_shop_url:
                continue
            code = normalize_shop_url(team.rakuten_shop_url)
            if not code:
                return {
                    "warning": {
                        "title": _("Rakuten Shop URL"),
                        "message": self._rakuten_shop_url_error(team.rakuten_shop_url),
                    }
                }
            if code != team.rakuten_shop_url:
                team.rakuten_shop_url = code

    @api.onchange("rakuten_shop_url", "rakuten_active", "company_id")
    def _onchange_rakuten_setup(self):
        """A channel made a Rakuten shop gets the current company and, for every setting still
        empty, the company's warehouse, yen pricelist, 10 % / 8 % taxes and the shipped product."""
        for team in self:
            if not (team.rakuten_shop_url or team.rakuten_active):
                continue
            if not team.company_id:
                team.company_id = self.env.company
            for name, value in team._rakuten_setup_values().items():
                team[name] = value

    def _rakuten_setup_values(self):
        """The defaults found (never created) for the settings that are empty or belong to
        another company (emptied when the company has none): ``{field name: record}``."""
        self.ensure_one()
        company = self.company_id
        if not company:
            return {}
        return {
            name: value
            for name, value in self._rakuten_found_values(company).items()
            if (value and not self[name])
            or (self[name] and not self._rakuten_fits_company(self[name], company))
        }

    @api.model
    def _rakuten_found_values(self, company):
        """``{field name: record}``: the company's warehouse, yen pricelist, tax-included
        taxes and the shipped product for unmatched items, as found (empty when none)."""
        found = {
            "rakuten_warehouse_id": self._rakuten_find_warehouse(company),
            "rakuten_pricelist_id": self._rakuten_find_pricelist(company),
            "rakuten_unmatched_product_id": self._rakuten_find_product(company),
        }
        for amount, name in SETUP_TAX_FIELDS.items():
            found[name] = self._rakuten_find_tax(company, amount)
        return found

    @api.model
    def _rakuten_fits_company(self, record, company):
        return not record.company_id or record.company_id in company.parent_ids

    @api.model
    def _rakuten_find_warehouse(self, company):
        return self.env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )

    @api.model
    def _rakuten_jpy(self):
        return self.env.ref("base.JPY")

    @api.model
    def _rakuten_find_pricelist(self, company):
        """A yen pricelist of the company, else a yen pricelist shared by all companies."""
        pricelists = self.env["product.pricelist"].search(
            [
                ("currency_id", "=", self._rakuten_jpy().id),
                ("company_id", "in", (company.id, False)),
            ]
        )
        return pricelists.filtered("company_id")[:1] or pricelists[:1]

    @api.model
    def _rakuten_tax_domain(self, company, amount):
        return [
            *self.env["account.tax"]._check_company_domain(company),
            ("type_tax_use", "=", "sale"),
            ("amount_type", "=", "percent"),
            ("amount", "=", amount),
        ]

    @api.model
    def _rakuten_find_tax(self, company, amount):
        """The company's sales tax of ``amount`` percent included in the price (l10n_jp ships
        its 10 % and 8 % sales taxes excluded from the price: those are not taken)."""
        return self.env["account.tax"].search(
            self._rakuten_tax_domain(company, amount) + [("price_include", "=", True)],
            limit=1,
        )

    @api.model
    def _rakuten_find_product(self, company):
        product = self.env.ref(UNMATCHED_PRODUCT, raise_if_not_found=False)
        if product and product.active and self._rakuten_fits_company(product, company):
            return product
        return self.env["product.product"]

    @api.model
    def _rakuten_tax_ok(self, tax, amount):
        return (
            tax.price_include
            and tax.amount_type == "percent"
            and tax.type_tax_use == "sale"
            and tax.amount == amount
        )

    @api.depends(
        "company_id",
        "rakuten_shop_url",
        "rakuten_credentials_set",
        "rakuten_authorization_type",
        "rakuten_warehouse_id",
        "rakuten_pricelist_id.currency_id",
        "rakuten_tax_10_id.price_include",
        "rakuten_tax_10_id.amount",
        "rakuten_tax_8_id.price_include",
        "rakuten_tax_8_id.amount",
        "rakuten_unmatched_product_id",
    )
    def _compute_rakuten_setup(self):
        jpy = self._rakuten_jpy()
        for team in self:
            missing = team._rakuten_setup_missing_items(jpy)
            team.rakuten_setup_missing = " ".join(missing) or False
            team.rakuten_setup_todo = (
                "\n".join("• %s" % text for text in missing.values()) or False
            )

    def _rakuten_setup_missing_items(self, jpy):
        """``{code: what to do}`` for every setting still missing, in the reader's language."""
        self.ensure_one()
        todo = {}
        if not self.company_id:
            todo["company"] = _(
                "Set the company of this sales channel: press Use Current Company."
            )
        if not self.rakuten_shop_url:
            todo["shop_url"] = _(
                "Enter the Rakuten Shop URL: the XXXX of https://www.rakuten.ne.jp/XXXX/."
            )
        if not self.rakuten_credentials_set:
            todo["credentials"] = _(
                "A Rakuten manager enters the Service Secret and License Key from RMS "
                "(店舗様向け情報・サービス > WEB APIサービス), then presses Test Connection."
            )
        if not self.rakuten_authorization_type:
            todo["authorization"] = _(
                "Choose the Authorization Type (オーソリ区分): RakutenPay for a RakutenPay shop."
            )
        if not self.rakuten_warehouse_id:
            todo["warehouse"] = _(
                "Choose the warehouse the shop ships from, or press Use Company Warehouse."
            )
        if self.rakuten_pricelist_id.currency_id != jpy:
            todo["pricelist"] = _(
                "Choose a pricelist in yen (JPY), or press Use a Yen Pricelist (created if the "
                "company has none)."
            )
        if not all(
            self._rakuten_tax_ok(self[name], amount)
            for amount, name in SETUP_TAX_FIELDS.items()
        ):
            todo["taxes"] = _(
                "Choose the 10% and 8% sales taxes included in the price, or press Use "
                "Tax-Included Taxes (created if the company has none)."
            )
        if not self.rakuten_unmatched_product_id:
            todo["product"] = _(
                "Choose the product for unmatched items, or press Use the Rakuten Item Product."
            )
        return {code: todo[code] for code in SETUP_ITEMS if code in todo}

    def action_rakuten_setup_company(self):
        return self._rakuten_setup_fix(("company",))

    def action_rakuten_setup_warehouse(self):
        return self._rakuten_setup_fix(("warehouse",))

    def action_rakuten_setup_pricelist(self):
        return self._rakuten_setup_fix(("pricelist",))

    def action_rakuten_setup_taxes(self):
        return self._rakuten_setup_fix(("taxes",))

    def action_rakuten_setup_product(self):
        return self._rakuten_setup_fix(("product",))

    def action_rakuten_setup_all(self):
        return self._rakuten_setup_fix(
            ("company", "warehouse", "pricelist", "taxes", "product")
        )

    def _rakuten_setup_fix(self, items):
        """Fix the ``items`` of the set-up of these channels; say what was done. Pressed twice,
        the second press changes nothing."""
        self.check_access("write")
        done = []
        jpy = self._rakuten_jpy()
        for team in self:
            vals = {}
            company = team.company_id or self.env.company
            if not team.company_id:
                # Every other setting belongs to a company: the channel gets the current one.
                vals["company_id"] = company.id
                done.append(self._rakuten_setup_done("company_id", company))
            team = team.with_company(company)
            if "warehouse" in items and not team.rakuten_warehouse_id:
                warehouse = team._rakuten_find_warehouse(company)
                if warehouse:
                    vals["rakuten_warehouse_id"] = warehouse.id
                    done.append(
                        self._rakuten_setup_done("rakuten_warehouse_id", warehouse)
                    )
            if "pricelist" in items and team.rakuten_pricelist_id.currency_id != jpy:
                pricelist, created = team._rakuten_get_pricelist(company)
                vals["rakuten_pricelist_id"] = pricelist.id
                done.append(
                    self._rakuten_setup_done("rakuten_pricelist_id", pricelist, created)
                )
            if "taxes" in items:
                for amount, name in SETUP_TAX_FIELDS.items():
                    if (
                        team._rakuten_tax_ok(team[name], amount)
                        and team[name].company_id in company.parent_ids
                    ):
                        continue
                    tax, created = team._rakuten_get_tax(company, amount)
                    vals[name] = tax.id
                    done.append(self._rakuten_setup_done(name, tax, created))
            if "product" in items and not team.rakuten_unmatched_product_id:
                product = team._rakuten_find_product(company)
                if product:
                    vals["rakuten_unmatched_product_id"] = product.id
                    done.append(
                        self._rakuten_setup_done(
                            "rakuten_unmatched_product_id", product
                        )
                    )
            if vals:
                team.write(vals)
        if done:
            return self._rakuten_setup_notify(
                _("Rakuten set-up"), "; ".join(done), "success"
            )
        return self._rakuten_setup_notify(
            _("Rakuten set-up"),
            _("Nothing to change: these settings are already done."),
            "info",
        )

    @api.model
    def _rakuten_setup_done(self, field_name, record, created=False):
        """ "<setting>: <value>", the setting's label in the user's language."""
        label = self._rakuten_label(field_name)
        if created:
            return _(
                "%(setting)s: %(name)s (created)",
                setting=label,
                name=record.display_name,
            )
        return _("%(setting)s: %(name)s", setting=label, name=record.display_name)

    @api.model
    def _rakuten_label(self, field_name):
        return self._fields[field_name].get_description(self.env, ["string"])["string"]

    def _rakuten_setup_notify(self, title, message, kind):
        """A notification, then the form reloads to show the new values."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _rakuten_get_pricelist(self, company):
        """The company's yen pricelist, created (and yen activated) when there is none;
        returns ``(pricelist, created)``."""
        pricelist = self._rakuten_find_pricelist(company)
        if pricelist:
            return pricelist, False
        jpy = self._rakuten_jpy()
        if not jpy.active:
            # Activating a currency is a settings right; the set-up needs yen whoever presses.
            jpy.sudo().active = True
        pricelist = self._rakuten_create_named(
            self.env["product.pricelist"],
            _lt("Rakuten Ichiba"),
            {"currency_id": jpy.id, "company_id": company.id},
        )
        return pricelist, True

    @api.model
    def _rakuten_create_named(self, model, name, values):
        """Create a record whose translatable name is ``name`` (a lazy text) in every
        installed language."""
        record = model.with_context(lang="en_US").create(
            dict(values, name=name._translate("en_US"))
        )
        self._rakuten_translate_name(record, name)
        return record.with_env(model.env)

    @api.model
    def _rakuten_translate_name(self, record, name):
        translations = {
            lang: name._translate(lang)
            for lang, _label in self.env["res.lang"].get_installed()
            if lang != "en_US"
        }
        if translations:
            record.update_field_translations("name", translations)

    @api.model
    def _rakuten_get_tax(self, company, amount):
        """The company's tax-included sales tax of ``amount`` percent; created when there is
        none, as a copy of the company's tax-excluded one of that rate when there is one (so
        that it keeps its accounts and report tags, as l10n_jp's), else in the tax group of
        that rate (found or created). Returns ``(tax, created)``."""
        tax = self._rakuten_find_tax(company, amount)
        if tax:
            return tax, False
        # Taxes are the accountant's, but the set-up needs them whoever presses.
        Tax = self.env["account.tax"].sudo().with_company(company)
        name = _lt("%(rate)s%% Tax Included", rate=int(amount))
        archived = Tax.with_context(active_test=False).search(
            self._rakuten_tax_domain(company, amount)
            + [
                ("name", "=", name._translate("en_US")),
                ("active", "=", False),
                ("price_include", "=", True),
            ],
            limit=1,
        )
        if archived:
            archived.active = True
            return archived.sudo(False), False
        excluded = Tax.search(self._rakuten_tax_domain(company, amount), limit=1)
        values = {
            "price_include_override": "tax_included",
            "include_base_amount": False,
        }
        if excluded:
            tax = excluded.with_context(lang="en_US").copy(
                dict(
                    values,
                    name=name._translate("en_US"),
                    company_id=excluded.company_id.id,
                    # Computed fields are not copied: keep the rate's group and country.
                    country_id=excluded.country_id.id,
                    tax_group_id=excluded.tax_group_id.id,
                )
            )
            self._rakuten_translate_name(tax, name)
        else:
            country = (
                company.account_fiscal_country_id
                or company.country_id
                or self.env.ref("base.jp")
            )
            tax = self._rakuten_create_named(
                Tax,
                name,
                dict(
                    values,
                    amount=amount,
                    amount_type="percent",
                    type_tax_use="sale",
                    company_id=company.id,
                    country_id=country.id,
                    tax_group_id=self._rakuten_tax_group(company, country, amount).id,
                ),
            )
        return tax.sudo(False), True

    @api.model
    def _rakuten_tax_group(self, company, country, amount):
        """The company's tax group of ``amount`` percent: the group of a sales tax of that rate,
        else a group named after the rate (such as l10n_jp's "GST 10%"), else a new one."""
        Group = self.env["account.tax.group"].sudo()
        tax = (
            self.env["account.tax"]
            .sudo()
            .search(
                self._rakuten_tax_domain(company, amount)
                + [("tax_group_id.country_id", "in", (country.id, False))],
                limit=1,
            )
        )
        if tax:
            return tax.tax_group_id
        rate = re.compile(r"(?<![\d.])%d\s*%%" % int(amount))
        groups = Group.search(
            [
                *Group._check_company_domain(company),
                ("country_id", "in", (country.id, False)),
            ]
        )
        group = groups.filtered(lambda g: rate.search(g.name or ""))[:1]
        return group or self._rakuten_create_named(
            Group,
            _lt("Tax %(rate)s%%", rate=int(amount)),
            {"company_id": company.id, "country_id": country.id},
        )

    def _compute_rakuten_slip_counts(self):
        counts = {
            (team, state): count
            for team, state, count in self.env["sale.order"]._read_group(
                [
                    ("team_id", "in", self.ids),
                    ("rakuten_slip_state", "in", COUNTED_SLIP_STATES),
                ],
                ["team_id", "rakuten_slip_state"],
                ["__count"],
            )
        }
        for team in self:
            for state in COUNTED_SLIP_STATES:
                team["rakuten_count_%s" % state] = counts.get((team, state), 0)

    def action_rakuten_view_slip_orders(self):
        """The channel's Rakuten orders, filtered on the slip status given in the context
        (``rakuten_slip_state``, as the buttons of the channel pass it); all of them without."""
        self.ensure_one()
        state = self.env.context.get("rakuten_slip_state")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sale_rakuten.action_rakuten_orders"
        )
        action["domain"] = [
            ("rakuten_order_number", "!=", False),
            ("team_id", "=", self.id),
        ]
        if state in dict(
            self.env["sale.order"]._fields["rakuten_slip_state"].selection
        ):
            action["context"] = {"search_default_rakuten_%s" % state: 1}
        action["display_name"] = _("Rakuten Orders of %(team)s", team=self.display_name)
        return action

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _rakuten_client(self):
        """An RMS client for this channel. The credentials are read as superuser and stay
        inside the client (its repr and errors never show them)."""
        self.ensure_one()
        team = self.sudo()
        if not team.rakuten_credentials_set:
            raise UserError(
                _(
                    "Enter the service secret and license key of %(team)s first.",
                    team=team.name,
                )
            )
        return RmsClient(
            team.rakuten_service_secret,
            team.rakuten_license_key,
            base_url=team.rakuten_api_url or DEFAULT_API_URL,
            min_interval=max(team.rakuten_request_interval, 0.0),
            # One number: Odoo's test HTTP guard compares the timeout with an int.
            timeout=RMS_TIMEOUT,
        )

    def _rakuten_shop_options(self):
        self.ensure_one()
        return rules.ShopOptions(
            import_drug_orders=self.rakuten_import_drug_orders,
            manual_confirm=self.rakuten_manual_confirm,
            import_reserved_orders=self.rakuten_import_reserved_orders,
            wait_minutes=self.rakuten_wait_minutes,
            window_hours=self.rakuten_window_hours,
        )

    @api.model
    def _rakuten_rule_reason(self, result):
        """The reason of an import-rule result (rms.rules.RuleResult), as a message that
        :class:`RakutenText` stores and renders in the reader's language."""
        if result.reason_template:
            return result.message
        return result.reason

    def _rakuten_lang(self):
        """The shop's language: the jobs post chatter, activities and order-line names in it, as
        those texts cannot be rendered again for each reader. The company's language, else the
        one most of the channel's users have, else English."""
        self.ensure_one()
        team = self.sudo()
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        if team.company_id.partner_id.lang in installed:
            return team.company_id.partner_id.lang
        langs = Counter(
            lang
            for lang in (team.user_id | team.member_ids).mapped("lang")
            if lang in installed
        )
        return langs.most_common(1)[0][0] if langs else "en_US"

    def _rakuten_cancel_reason(self):
        """※1: the channel's reason (a text in the shop's language), or the default one, kept
        translatable."""
        self.ensure_one()
        reason = self.with_context(lang=self._rakuten_lang()).rakuten_cancel_reason
        if (
            not reason or reason == DEFAULT_CANCEL_REASON._source
        ):  # channels set up with the old default
            return DEFAULT_CANCEL_REASON
        return reason

    def _rakuten_tax(self, rate):
        """The channel's tax for a rate of 0.1 or 0.08; no tax for 0."""
        self.ensure_one()
        if not rate:
            return self.env["account.tax"]
        return (
            self.rakuten_tax_8_id
            if rate == mapping.REDUCED_RATE
            else self.rakuten_tax_10_id
        )

    def _rakuten_enabled_checks(self):
        """The confirmation checks (確認待ち) switched on for this channel."""
        self.ensure_one()
        return {
            check for check in mapping.ALL_CHECKS if self["rakuten_check_%s" % check]
        }

    def _rakuten_options_key(self):
        """The options that decide whether an order is skipped (※2, ※4)."""
        self.ensure_one()
        return "drug=%d,reserved=%d" % (
            self.rakuten_import_drug_orders,
            self.rakuten_import_reserved_orders,
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_rakuten_test_connection(self):
        """Read the license key's expiry date from RMS; show it or the error in plain words,
        then reload the form so that its license badge shows the new state at once."""
        self.ensure_one()
        if not self.rakuten_credentials_set:
            return self._rakuten_notify(
                _("Rakuten connection not tested"),
                _(
                    "Enter and save the service secret and license key of %(team)s first.",
                    team=self.name,
                ),
                "warning",
            )
        try:
            with self._rakuten_client() as client:
                expiry = client.get_license_expiry()
                # ※6: a read-only check of the SKU migration (never raises)
                probe = (
                    None if self.rakuten_sku_migrated else client.probe_sku_migration()
                )
        except RmsError as error:
            if isinstance(error, RmsAuthError):
                self._rakuten_set_auth_failure(error)
            return self._rakuten_notify(
                _("Rakuten connection failed"),
                to_text(self.env, error),
                "danger",
                reload=True,
            )
        self._rakuten_store_license_expiry(expiry)
        message = _(
            "The license key is valid until %(date)s (Japan time).",
            date=expiry.strftime("%Y-%m-%d %H:%M"),
        )
        if (
            probe
            and probe.migrated
            and self.env["rakuten.sku"]._rakuten_set_migrated(
                self,
                self.with_context(lang=self._rakuten_lang()).env._(
                    "the read-only check of Test Connection (shop.operationLeadTime.get) found "
                    "the shop migrated"
                ),
            )
        ):
            message += " " + _(
                "The shop uses Rakuten's SKU model: 'Rakuten SKU Migration Done' is now set."
            )
        return self._rakuten_notify(
            _("Rakuten connection works"), message, "success", reload=True
        )

    def action_rakuten_import_products(self):
        """※6 Queue the registration of the shop's Rakuten items as products: the products cron
        runs it in the background (every item is read: far too long for one web request). Tells
        the user so, then opens the run's sync log."""
        self.ensure_one()
        if not self.rakuten_active:
            raise UserError(
                _("Switch on the Rakuten RMS API for %(team)s first.", team=self.name)
            )
        log = self.env["rakuten.sync"]._queue_products(self)
        return self._rakuten_notify(
            _("Product import queued"),
            _(
                "The items of %(team)s on Rakuten are registered as products in the background. "
                "The sync log "
                "shows the import running, then its result.",
                team=self.name,
            ),
            "info",
            next_action=log.get_formview_action(),
        )

    def _rakuten_notify(self, title, message, kind, reload=False, next_action=None):
        """A notification; then ``next_action``, or with ``reload`` a soft reload of the view."""
        params = {
            "title": title,
            "message": message,
            "type": kind,
            "sticky": kind in ("danger", "warning"),
        }
        if reload and not next_action:
            next_action = {"type": "ir.actions.client", "tag": "soft_reload"}
        if next_action:
            params["next"] = next_action
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": params,
        }

    def action_rakuten_import_now(self):
        self.ensure_one()
        if not self.rakuten_active:
            raise UserError(
                _("Switch on the Rakuten RMS API for %(team)s first.", team=self.name)
            )
        log = self._rakuten_import_orders()
        return log.get_formview_action()

    def action_rakuten_import_past_orders(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Import Past Rakuten Orders"),
            "res_model": "rakuten.import.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_team_id": self.id},
        }

    def action_rakuten_view_sync_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sale_rakuten.rakuten_sync_log_action"
        )
        action["domain"] = [("team_id", "=", self.id)]
        action["context"] = {"default_team_id": self.id}
        return action

    def action_rakuten_view_pending_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sale_rakuten.rakuten_pending_order_action"
        )
        action["domain"] = [("team_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------
    # Jobs (rakuten.sync runs them)
    # ------------------------------------------------------------------
    def _rakuten_import_orders(self):
        """Run one import for each channel of ``self`` (its window: the last
        ``rakuten_window_hours`` hours, extended back to the last successful run less a margin);
        return the sync-log records. Inside a request nothing is committed before it ends."""
        return self.env["rakuten.sync"]._run("import", self)
