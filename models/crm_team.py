import logging
import re
import time
import zlib
from collections import Counter
from datetime import datetime, timedelta, timezone

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.translate import LazyTranslate

from ..rms import codes, mapping, rules, sync
from ..rms.client import DEFAULT_API_URL, JST, RmsClient
from ..rms.exceptions import RmsAuthError, RmsError
from ..rms.order import OrderParseError, clean_text, parse_order, valid_order_number
from ..rms.shop import EXPECTED_FORMS, normalize_shop_url
from .rakuten_text import RakutenText, error_text, to_text

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

MANAGER_GROUP = "sale_rakuten.group_rakuten_manager"
#: Orders fetched with one getOrder call, decided and written together.
IMPORT_BATCH_SIZE = 100
#: A channel whose credentials RMS refused is tried again by the import after this delay.
AUTH_RETRY_DELAY = timedelta(hours=1)
#: Seconds to connect to and to wait for an RMS answer.
RMS_TIMEOUT = 60
#: The settings the set-up checks, in the order the Rakuten page shows what is missing.
SETUP_ITEMS = (
    "company", "shop_url", "credentials", "authorization", "warehouse", "pricelist", "taxes", "product",
)
#: The Rakuten tax rates (percent) and the channel field that holds each.
SETUP_TAX_FIELDS = {10.0: "rakuten_tax_10_id", 8.0: "rakuten_tax_8_id"}
#: Slip states counted on the channel (the ones a person acts on), in workflow order.
COUNTED_SLIP_STATES = (
    mapping.SLIP_NEW, mapping.SLIP_TO_CONFIRM, mapping.SLIP_WAITING_PAYMENT, mapping.SLIP_READY,
)
UNMATCHED_PRODUCT = "sale_rakuten.product_rakuten_unmatched"

#: ※1 when the channel gives no reason of its own (rendered in the reader's language).
DEFAULT_CANCEL_REASON = _lt("Cancelled in RMS")


class CrmTeam(models.Model):
    # mail.activity.mixin: the license-expiry warning is an activity on the channel.
    _name = "crm.team"
    _inherit = ["crm.team", "mail.activity.mixin"]

    rakuten_active = fields.Boolean(
        string="Use the Rakuten RMS API",
        tracking=True,
        help="Import this shop's orders from Rakuten RMS every 15 minutes and report back to "
        "Rakuten what Odoo did.",
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
        string="Rakuten Pricelist",
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
    rakuten_product_id = fields.Many2one(
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
    rakuten_count_new = fields.Integer(string="New", compute="_compute_rakuten_slip_counts")
    rakuten_count_to_confirm = fields.Integer(string="To Confirm", compute="_compute_rakuten_slip_counts")
    rakuten_count_waiting_payment = fields.Integer(
        string="Waiting for Payment", compute="_compute_rakuten_slip_counts"
    )
    rakuten_count_ready = fields.Integer(string="Ready to Ship", compute="_compute_rakuten_slip_counts")

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

    @api.depends("rakuten_license_expiry", "rakuten_auth_error", "rakuten_credentials_set")
    @api.depends_context("lang")
    def _compute_rakuten_license_state(self):
        now = datetime.now(timezone.utc)
        for team in self:
            expiry = team.rakuten_license_expiry
            expiry = expiry.replace(tzinfo=timezone.utc) if expiry else None
            state = sync.license_status(
                expiry, now, key_set=team.rakuten_credentials_set, refused=bool(team.rakuten_auth_error)
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
        self.sudo().write({"rakuten_auth_error": message, "rakuten_auth_error_date": fields.Datetime.now()})

    def _rakuten_store_license_expiry(self, expiry):
        """Store the expiry RMS gave; from 14 days before it, the Rakuten managers get an
        activity on the channel (once per expiry date)."""
        self.ensure_one()
        team = self.sudo()
        team.write({
            "rakuten_license_expiry": expiry.astimezone(timezone.utc).replace(tzinfo=None),
            "rakuten_auth_error": False,
            "rakuten_auth_error_date": False,
        })
        if team.rakuten_license_state != "warning":
            return
        # Activities cannot be re-rendered per reader: they are written in the shop's language.
        team = team.with_context(lang=team._rakuten_lang())
        summary = team.env._("Renew the Rakuten license key (expires %(date)s)", date=expiry.strftime("%Y-%m-%d"))
        managers = self.env.ref(MANAGER_GROUP).users.filtered(lambda u: not u.share and team.company_id in u.company_ids)
        existing = team.activity_ids.filtered(lambda a: a.summary == summary).user_id
        for user in managers - existing:
            team.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=team.env._("The RMS license key of %(team)s expires on %(date)s. Issue a new key in "
                                "RMS (WEB API Service) and save it on the channel's Rakuten page.",
                                team=team.name, date=expiry.strftime("%Y-%m-%d")),
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
                [("team_id", "in", self.ids), ("state", "=", "waiting")], ["team_id"], ["__count"]
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
                vals["rakuten_shop_url"] = self._rakuten_clean_shop_url(vals["rakuten_shop_url"])
            if (vals.get("rakuten_shop_url") or vals.get("rakuten_active")) and not vals.get("company_id"):
                # A Rakuten shop belongs to one company (its warehouse, taxes, pricelist).
                vals["company_id"] = self.env.company.id
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("rakuten_shop_url"):
            vals["rakuten_shop_url"] = self._rakuten_clean_shop_url(vals["rakuten_shop_url"])
        if (vals.get("rakuten_shop_url") or vals.get("rakuten_active")) and "company_id" not in vals:
            # A channel without company becomes a Rakuten shop: it gets the current company.
            self.filtered(lambda t: not t.company_id).write({"company_id": self.env.company.id})
        if {"rakuten_service_secret", "rakuten_license_key"} & set(vals):
            # A new key: the jobs resume at once, and the next check reads its expiry.
            vals = dict(vals, rakuten_auth_error=False, rakuten_auth_error_date=False)
            if "rakuten_license_key" in vals:
                vals.setdefault("rakuten_license_expiry", False)
        return super().write(vals)

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
        "rakuten_product_id",
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
            if not team.rakuten_product_id:
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
                    _("The wait must not be negative and the import window is at least 1 hour.")
                )

    # ------------------------------------------------------------------
    # Set-up: working defaults, what is still missing, one-click fixes
    # ------------------------------------------------------------------
    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("rakuten_new_shop"):
            # "New Rakuten Shop" (Settings > Sales): the Rakuten page opens filled in.
            company = self.env["res.company"].browse(values.get("company_id")) or self.env.company
            values.setdefault("company_id", company.id)
            defaults = self._rakuten_found_values(company)
            values.update({name: value.id for name, value in defaults.items() if value and name in fields_list})
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
                return {"warning": {
                    "title": _("Rakuten Shop URL"),
                    "message": self._rakuten_shop_url_error(team.rakuten_shop_url),
                }}
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
            if (value and not self[name]) or (self[name] and not self._rakuten_fits_company(self[name], company))
        }

    @api.model
    def _rakuten_found_values(self, company):
        """``{field name: record}``: the company's warehouse, yen pricelist, tax-included
        taxes and the shipped product for unmatched items, as found (empty when none)."""
        found = {
            "rakuten_warehouse_id": self._rakuten_find_warehouse(company),
            "rakuten_pricelist_id": self._rakuten_find_pricelist(company),
            "rakuten_product_id": self._rakuten_find_product(company),
        }
        for amount, name in SETUP_TAX_FIELDS.items():
            found[name] = self._rakuten_find_tax(company, amount)
        return found

    @api.model
    def _rakuten_fits_company(self, record, company):
        return not record.company_id or record.company_id in company.parent_ids

    @api.model
    def _rakuten_find_warehouse(self, company):
        return self.env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)

    @api.model
    def _rakuten_jpy(self):
        return self.env.ref("base.JPY")

    @api.model
    def _rakuten_find_pricelist(self, company):
        """A yen pricelist of the company, else a yen pricelist shared by all companies."""
        pricelists = self.env["product.pricelist"].search([
            ("currency_id", "=", self._rakuten_jpy().id),
            ("company_id", "in", (company.id, False)),
        ])
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
            self._rakuten_tax_domain(company, amount) + [("price_include", "=", True)], limit=1
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
        "rakuten_product_id",
    )
    def _compute_rakuten_setup(self):
        jpy = self._rakuten_jpy()
        for team in self:
            missing = team._rakuten_setup_missing_items(jpy)
            team.rakuten_setup_missing = " ".join(missing) or False
            team.rakuten_setup_todo = "\n".join("• %s" % text for text in missing.values()) or False

    def _rakuten_setup_missing_items(self, jpy):
        """``{code: what to do}`` for every setting still missing, in the reader's language."""
        self.ensure_one()
        todo = {}
        if not self.company_id:
            todo["company"] = _("Set the company of this sales channel: press Use Current Company.")
        if not self.rakuten_shop_url:
            todo["shop_url"] = _("Enter the Rakuten Shop URL: the XXXX of https://www.rakuten.ne.jp/XXXX/.")
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
            todo["warehouse"] = _("Choose the warehouse the shop ships from, or press Use Company Warehouse.")
        if self.rakuten_pricelist_id.currency_id != jpy:
            todo["pricelist"] = _(
                "Choose a pricelist in yen (JPY), or press Use a Yen Pricelist (created if the "
                "company has none)."
            )
        if not all(self._rakuten_tax_ok(self[name], amount) for amount, name in SETUP_TAX_FIELDS.items()):
            todo["taxes"] = _(
                "Choose the 10% and 8% sales taxes included in the price, or press Use "
                "Tax-Included Taxes (created if the company has none)."
            )
        if not self.rakuten_product_id:
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
        return self._rakuten_setup_fix(("company", "warehouse", "pricelist", "taxes", "product"))

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
                    done.append(self._rakuten_setup_done("rakuten_warehouse_id", warehouse))
            if "pricelist" in items and team.rakuten_pricelist_id.currency_id != jpy:
                pricelist, created = team._rakuten_get_pricelist(company)
                vals["rakuten_pricelist_id"] = pricelist.id
                done.append(self._rakuten_setup_done("rakuten_pricelist_id", pricelist, created))
            if "taxes" in items:
                for amount, name in SETUP_TAX_FIELDS.items():
                    if team._rakuten_tax_ok(team[name], amount) and team[name].company_id in company.parent_ids:
                        continue
                    tax, created = team._rakuten_get_tax(company, amount)
                    vals[name] = tax.id
                    done.append(self._rakuten_setup_done(name, tax, created))
            if "product" in items and not team.rakuten_product_id:
                product = team._rakuten_find_product(company)
                if product:
                    vals["rakuten_product_id"] = product.id
                    done.append(self._rakuten_setup_done("rakuten_product_id", product))
            if vals:
                team.write(vals)
        if done:
            return self._rakuten_setup_notify(_("Rakuten set-up"), "; ".join(done), "success")
        return self._rakuten_setup_notify(
            _("Rakuten set-up"), _("Nothing to change: these settings are already done."), "info"
        )

    @api.model
    def _rakuten_setup_done(self, field_name, record, created=False):
        """"<setting>: <value>", the setting's label in the user's language."""
        label = self._rakuten_label(field_name)
        if created:
            return _("%(setting)s: %(name)s (created)", setting=label, name=record.display_name)
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
            self.env["product.pricelist"], _lt("Rakuten Ichiba"),
            {"currency_id": jpy.id, "company_id": company.id},
        )
        return pricelist, True

    @api.model
    def _rakuten_create_named(self, model, name, values):
        """Create a record whose translatable name is ``name`` (a lazy text) in every
        installed language."""
        record = model.with_context(lang="en_US").create(dict(values, name=name._translate("en_US")))
        self._rakuten_translate_name(record, name)
        return record.with_env(model.env)

    @api.model
    def _rakuten_translate_name(self, record, name):
        translations = {
            lang: name._translate(lang) for lang, _label in self.env["res.lang"].get_installed() if lang != "en_US"
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
            + [("name", "=", name._translate("en_US")), ("active", "=", False), ("price_include", "=", True)],
            limit=1,
        )
        if archived:
            archived.active = True
            return archived.sudo(False), False
        excluded = Tax.search(self._rakuten_tax_domain(company, amount), limit=1)
        values = {"price_include_override": "tax_included", "include_base_amount": False}
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
            country = company.account_fiscal_country_id or company.country_id or self.env.ref("base.jp")
            tax = self._rakuten_create_named(Tax, name, dict(
                values,
                amount=amount,
                amount_type="percent",
                type_tax_use="sale",
                company_id=company.id,
                country_id=country.id,
                tax_group_id=self._rakuten_tax_group(company, country, amount).id,
            ))
        return tax.sudo(False), True

    @api.model
    def _rakuten_tax_group(self, company, country, amount):
        """The company's tax group of ``amount`` percent: the group of a sales tax of that rate,
        else a group named after the rate (such as l10n_jp's "GST 10%"), else a new one."""
        Group = self.env["account.tax.group"].sudo()
        tax = self.env["account.tax"].sudo().search(
            self._rakuten_tax_domain(company, amount) + [("tax_group_id.country_id", "in", (country.id, False))],
            limit=1,
        )
        if tax:
            return tax.tax_group_id
        rate = re.compile(r"(?<![\d.])%d\s*%%" % int(amount))
        groups = Group.search([
            *Group._check_company_domain(company),
            ("country_id", "in", (country.id, False)),
        ])
        group = groups.filtered(lambda g: rate.search(g.name or ""))[:1]
        return group or self._rakuten_create_named(
            Group, _lt("Tax %(rate)s%%", rate=int(amount)), {"company_id": company.id, "country_id": country.id}
        )

    def _compute_rakuten_slip_counts(self):
        counts = {
            (team, state): count
            for team, state, count in self.env["sale.order"]._read_group(
                [("team_id", "in", self.ids), ("rakuten_slip_state", "in", COUNTED_SLIP_STATES)],
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
        action = self.env["ir.actions.act_window"]._for_xml_id("sale_rakuten.action_rakuten_orders")
        action["domain"] = [("rakuten_order_number", "!=", False), ("team_id", "=", self.id)]
        if state in dict(self.env["sale.order"]._fields["rakuten_slip_state"].selection):
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
                _("Enter the service secret and license key of %(team)s first.", team=team.name)
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
        langs = Counter(lang for lang in (team.user_id | team.member_ids).mapped("lang") if lang in installed)
        return langs.most_common(1)[0][0] if langs else "en_US"

    def _rakuten_cancel_reason(self):
        """※1: the channel's reason (a text in the shop's language), or the default one, kept
        translatable."""
        self.ensure_one()
        reason = self.with_context(lang=self._rakuten_lang()).rakuten_cancel_reason
        if not reason or reason == DEFAULT_CANCEL_REASON._source:  # channels set up with the old default
            return DEFAULT_CANCEL_REASON
        return reason

    def _rakuten_tax(self, rate):
        """The channel's tax for a rate of 0.1 or 0.08; no tax for 0."""
        self.ensure_one()
        if not rate:
            return self.env["account.tax"]
        return self.rakuten_tax_8_id if rate == mapping.REDUCED_RATE else self.rakuten_tax_10_id

    def _rakuten_enabled_checks(self):
        """The confirmation checks (確認待ち) switched on for this channel."""
        self.ensure_one()
        return {check for check in mapping.ALL_CHECKS if self["rakuten_check_%s" % check]}

    def _rakuten_options_key(self):
        """The options that decide whether an order is skipped (※2, ※4)."""
        self.ensure_one()
        return "drug=%d,reserved=%d" % (self.rakuten_import_drug_orders, self.rakuten_import_reserved_orders)

    def _rakuten_lock_key(self, kind="import"):
        """Key of the PostgreSQL advisory lock that lets one run of a job per channel."""
        self.ensure_one()
        return zlib.crc32(("sale_rakuten.%s.%s.%s" % (kind, self.env.cr.dbname, self.id)).encode())

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
                _("Enter and save the service secret and license key of %(team)s first.", team=self.name),
                "warning",
            )
        try:
            with self._rakuten_client() as client:
                expiry = client.get_license_expiry()
        except RmsError as error:
            if isinstance(error, RmsAuthError):
                self._rakuten_set_auth_failure(error)
            return self._rakuten_notify(_("Rakuten connection failed"), to_text(self.env, error), "danger", reload=True)
        self._rakuten_store_license_expiry(expiry)
        return self._rakuten_notify(
            _("Rakuten connection works"),
            _("The license key is valid until %(date)s (Japan time).", date=expiry.strftime("%Y-%m-%d %H:%M")),
            "success",
            reload=True,
        )

    def _rakuten_notify(self, title, message, kind, reload=False, next_action=None):
        """A notification; then ``next_action``, or with ``reload`` a soft reload of the view."""
        params = {"title": title, "message": message, "type": kind, "sticky": kind in ("danger", "warning")}
        if reload and not next_action:
            next_action = {"type": "ir.actions.client", "tag": "soft_reload"}
        if next_action:
            params["next"] = next_action
        return {"type": "ir.actions.client", "tag": "display_notification", "params": params}

    def action_rakuten_import_now(self):
        self.ensure_one()
        if not self.rakuten_active:
            raise UserError(_("Switch on the Rakuten RMS API for %(team)s first.", team=self.name))
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
        action = self.env["ir.actions.act_window"]._for_xml_id("sale_rakuten.rakuten_sync_log_action")
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
    # Import
    # ------------------------------------------------------------------
    @api.model
    def _cron_rakuten_import_orders(self, auto_commit=True):
        """Import the orders of every active Rakuten channel; return the sync logs.

        The scheduler commits each batch (``auto_commit``); tests, which must not commit, call
        it with ``auto_commit=False``.
        """
        retry_before = fields.Datetime.now() - AUTH_RETRY_DELAY
        teams = self.search([("rakuten_active", "=", True)]).filtered(
            # A channel whose credentials RMS refused is tried again once an hour (a renewed key
            # may take 30 minutes to work), and at once when a new key is saved.
            lambda t: not t._rakuten_license_blocked()
            or (t.rakuten_auth_error and (t.rakuten_auth_error_date or retry_before) <= retry_before)
        )
        logs = self.env["rakuten.sync.log"]
        for index, team in enumerate(teams):
            logs |= team.with_company(team.company_id)._rakuten_import_orders(auto_commit=auto_commit)
            self.env["ir.cron"]._notify_progress(done=index + 1, remaining=len(teams) - index - 1)
        return logs

    def _rakuten_import_orders(self, date_from=None, date_to=None, auto_commit=False, log=None):
        """Run one import for each channel of ``self``; return the sync-log records.

        Without dates the search window is the last ``rakuten_window_hours`` hours, extended
        back to the last successful run less a margin. With ``date_from``/``date_to`` (the
        "Import past orders" wizard) exactly that range is searched and the watermark is not
        moved. With ``auto_commit`` (the cron) each batch of orders is committed as soon as it
        is written, so a crash loses at most one batch. ``log`` is the queued log of a past
        import (one channel only) that this run fills in.
        """
        logs = self.env["rakuten.sync.log"]
        for team in self:
            logs |= team._rakuten_import_team(date_from, date_to, auto_commit, log)
        return logs

    def _rakuten_import_team(self, date_from, date_to, auto_commit, log=None):
        self.ensure_one()
        return self._rakuten_locked_run(
            "import",
            lambda team, client, log, commit: team._rakuten_run_import(log, date_from, date_to, commit, client),
            auto_commit,
            log=log,
        )

    def _rakuten_locked_run(self, kind, job, auto_commit, log=None):
        """Run ``job(team, client, log, auto_commit)`` for this channel under the channel's
        advisory lock for ``kind`` (a second run of the same job stops at once), with a sync
        log of kind ``kind``: ``log`` when given (a queued past import), else a new one. A
        failure ends in the log, never in the caller. A queued log whose lock is taken stays
        queued, for a later run of its cron."""
        self.ensure_one()
        # The job writes chatter, activities and line names (not rendered again per reader) in
        # the shop's language: the channel and, for a method of a model, that model run in it.
        team = self.with_context(lang=self._rakuten_lang())
        owner = getattr(job, "__self__", None)
        if isinstance(owner, models.BaseModel):
            job = getattr(owner.with_env(team.env), job.__name__)
        return team._rakuten_locked_run_in_lang(kind, job, auto_commit, log=log)

    def _rakuten_locked_run_in_lang(self, kind, job, auto_commit, log=None):
        self.ensure_one()
        if log is None:
            log = self.env["rakuten.sync.log"].create({"team_id": self.id, "kind": kind})
            if auto_commit:
                self.env.cr.commit()
        else:
            log = log.with_env(self.env)
        key = self._rakuten_lock_key(kind)
        self.env.cr.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not self.env.cr.fetchone()[0]:
            if log.state != "queued":
                log._finish("skipped", _lt("Another run of this job is in progress for this channel; this one stopped."))
            return log
        # The lock is ours: a log of this job still 'running' is that of a run that died
        # (killed, server stopped) without finishing it. A past import that died is queued
        # again instead (rakuten.sync.log._rakuten_requeue_dead_past_imports).
        self.env["rakuten.sync.log"].search([
            ("team_id", "=", self.id), ("kind", "=", kind), ("state", "=", "running"), ("id", "<", log.id),
            ("is_past_import", "=", False),
        ])._finish("interrupted", _lt(
            "This run stopped before it finished (the server was stopped or the process was "
            "killed); what it had saved is kept, and later runs took over."))
        if log.state == "queued":
            log.write({"state": "running", "date_start": fields.Datetime.now()})
            if auto_commit:
                self.env.cr.commit()
        # Without commits (manual runs, tests) an unexpected error is rolled back to here: an SQL
        # error aborts the transaction, and the log and the unlock below must still be written.
        savepoint = None if auto_commit else self.env.cr.savepoint()
        client = None
        try:
            client = self._rakuten_client()
            with client:
                job(self, client, log, auto_commit)
                log.api_calls = sum(client.stats.values())
            if savepoint:
                savepoint.close(rollback=False)
            if log.api_calls and self.rakuten_auth_error:
                # RMS accepted the credentials again (a renewed key that took a while to work):
                # the other jobs resume without waiting for a new key or the daily check.
                self.sudo().write({"rakuten_auth_error": False, "rakuten_auth_error_date": False})
            log._finish()
        except Exception as error:  # noqa: BLE001 - one channel never stops the others
            if auto_commit:
                self.env.cr.rollback()
            elif savepoint:
                # RMS errors leave the transaction sound: keep what was written before them, as
                # the cron keeps its committed batches.
                savepoint.close(rollback=not isinstance(error, RmsError))
            if isinstance(error, RmsAuthError):
                self._rakuten_set_auth_failure(error)
            if isinstance(error, RmsError):
                _logger.warning("Rakuten %s of channel %s failed: %s", kind, self.id, error)
            else:
                _logger.exception("Rakuten %s of channel %s failed", kind, self.id)
            if client is not None:
                # The calls made before the failure, including the one that failed.
                log.api_calls = sum(client.stats.values())
            log._finish("failed", error_text(error))
        finally:
            self.env.cr.execute("SELECT pg_advisory_unlock(%s)", [key])
        if auto_commit:
            self.env.cr.commit()
        return log

    def _rakuten_run_import(self, log, date_from, date_to, auto_commit, client):
        run_start = fields.Datetime.now()
        now = datetime.now(timezone.utc)
        options = self._rakuten_shop_options()
        if date_from:
            start = fields.Datetime.to_datetime(date_from).replace(tzinfo=timezone.utc)
            end = fields.Datetime.to_datetime(date_to).replace(tzinfo=timezone.utc) if date_to else now
        else:
            last = self.rakuten_last_import_start
            start, end = rules.search_window(
                now, last.replace(tzinfo=timezone.utc) if last else None, options
            )
        log.write({
            "window_start": start.astimezone(timezone.utc).replace(tzinfo=None),
            "window_end": end.astimezone(timezone.utc).replace(tzinfo=None),
        })
        numbers, provisional_only = [], set()
        for criteria in rules.search_criteria(options):
            found = client.search_order(start, end, **criteria)
            if not all(valid_order_number(n) for n in found):
                _logger.warning("Rakuten channel %s: searchOrder returned entries that are no order number", self.id)
                found = [n for n in found if valid_order_number(n)]
            numbers += found
            if criteria["order_progress_list"] == [codes.PROGRESS_WAITING_CONFIRMATION]:
                # Manual-confirm mode: still at 100, a provisional slip has nothing new.
                provisional_only.update(found)
        pending = self.env["rakuten.pending.order"].search([("team_id", "=", self.id)])
        # A waiting record that names no order (e.g. "?" left by an older version) is a ghost.
        ghosts = pending.filtered(lambda p: not valid_order_number(p.order_number))
        pending -= ghosts
        ghosts.unlink()
        waiting = pending.filtered(lambda p: p.state == "waiting")
        options_key = self._rakuten_options_key()
        skipped = set(pending.filtered(lambda p: p.state == "skipped" and p.options_key == options_key)
                      .mapped("order_number"))
        numbers = list(dict.fromkeys(numbers + waiting.mapped("order_number")))
        log.count_found = len(numbers)
        todo = self.env["sale.order"]._rakuten_numbers_to_fetch(
            [n for n in numbers if n not in skipped], provisional_only
        )
        log.count_unchanged = len(numbers) - len(todo)
        todo_set = set(todo)
        failing = {p.order_number: p for p in waiting if p.order_number in todo_set and p.failures}
        waiting.filtered(lambda p: p.order_number not in todo_set).unlink()
        # Orders that failed on earlier runs come after the others, and those that failed
        # the same way several runs in a row are kept aside until their next try.
        aside = [p for p in failing.values() if p.next_try and p.next_try > run_start]
        log._add_lines([
            (p.order_number, "deferred", _lt(
                "Failed %(count)s imports in a row; kept aside until %(date)s (Japan time). Last error: %(reason)s",
                count=p.failures, reason=p.reason or "",
                date=p.next_try.replace(tzinfo=timezone.utc).astimezone(rules.JST).strftime("%Y-%m-%d %H:%M")), None)
            for p in aside
        ])
        aside_numbers = {p.order_number for p in aside}
        todo = [n for n in todo if n not in failing] + [
            n for n in todo if n in failing and n not in aside_numbers
        ]
        started = time.monotonic()
        for offset in range(0, len(todo), IMPORT_BATCH_SIZE):
            chunk = todo[offset:offset + IMPORT_BATCH_SIZE]
            raw_orders, messages = client.get_order_detailed(chunk)
            self._rakuten_process_batch_isolated(log, chunk, raw_orders, messages, now)
            if auto_commit:
                self.env.cr.commit()
                done = min(offset + IMPORT_BATCH_SIZE, len(todo))
                self.env["ir.cron"]._notify_progress(done=done, remaining=len(todo) - done)
            else:
                # The commit empties the record cache; without it the cache would keep every
                # order of the run and memory would grow with the number of orders.
                self.env.invalidate_all()
        _logger.info(
            "Rakuten import of channel %s: %s orders found, %s fetched in %.1f s (%s)",
            self.id, len(numbers), len(todo), time.monotonic() - started, dict(client.stats),
        )
        if not date_from:
            self.rakuten_last_import_start = run_start

    def _rakuten_process_batch_isolated(self, log, numbers, raw_orders, messages, now):
        """:meth:`_rakuten_process_batch` in a savepoint; should the batch fail as a whole
        (nothing foreseen does), each order is processed alone, and one that still fails is
        logged as failed and waits: the rest of the run goes on."""
        try:
            with self.env.cr.savepoint():
                self._rakuten_process_batch(log, numbers, raw_orders, messages, now)
            return
        except Exception:  # noqa: BLE001 - isolate the order that breaks the batch
            _logger.exception("Rakuten import batch of channel %s failed, retrying order by order", self.id)

        def number_of(entry):
            number = entry.get("orderNumber") if isinstance(entry, dict) else None
            return number.strip() if isinstance(number, str) else None

        for number in numbers:
            raws = [raw for raw in raw_orders if number_of(raw) == number]
            try:
                with self.env.cr.savepoint():
                    self._rakuten_process_batch(
                        log, [number], raws, [m for m in messages if m.order_number == number], now
                    )
            except Exception as error:  # noqa: BLE001 - one bad order never stops the others
                _logger.exception("Rakuten order %s could not be imported", number)
                reason = _lt("The order could not be imported (%(error)s).", error=clean_text(repr(error))[:500])
                log._add_line(number, "failed", reason)
                self.env["rakuten.pending.order"]._rakuten_defer_many(
                    self, [(number, reason, "waiting", True, raws[0] if len(raws) == 1 else raws)]
                )

    def _rakuten_process_batch(self, log, numbers, raw_orders, messages, now):
        """Parse, decide and write one getOrder chunk. One bad order never stops the others:
        whatever RMS sent for an order (any JSON value), it ends in one line of the log."""
        options = self._rakuten_shop_options()
        requested = set(numbers)
        received = set()
        to_write = []
        unreadable = []  # entries of OrderModelList that name no order of the chunk
        # Log lines and pending orders are written together after the loop (one create, one
        # search), in the same order as one by one.
        lines, pending = [], []

        def hold(number, outcome, reason, state="waiting", raw=None):
            lines.append((number, outcome, reason, None))
            if outcome == "failed":
                pending.append((number, reason, state, True, raw))
            else:
                pending.append((number, reason, state))

        for raw in raw_orders:
            number = raw.get("orderNumber") if isinstance(raw, dict) else None
            number = number.strip() if isinstance(number, str) else None
            if number not in requested or number in received:
                # Not an order object, no readable number, one not asked for, or an order sent
                # twice: the order it belongs to, if any, is reported below as without data.
                unreadable.append(raw)
                continue
            received.add(number)
            try:
                order = parse_order(raw)
                result = rules.decide(order, options, now)
                reason = self._rakuten_rule_reason(result)
            except OrderParseError as error:
                hold(number, "failed", error_text(error), raw=raw)
                continue
            except Exception as error:  # noqa: BLE001 - data nobody foresaw fails its order alone
                _logger.warning("Rakuten order %s could not be read: %r", number, error)
                hold(number, "failed", _lt("The order data could not be read (%(error)s).",
                                           error=clean_text(repr(error))[:500]), raw=raw)
                continue
            if result.decision == rules.Decision.SKIP:
                hold(number, "skipped", reason, state="skipped")
            elif result.decision == rules.Decision.DEFER:
                hold(number, "deferred", reason)
            else:
                to_write.append((order, raw, result))
        for message in messages:
            if message.is_error and message.order_number in requested and message.order_number not in received:
                received.add(message.order_number)
                hold(message.order_number, "failed", clean_text(str(message.message or message.message_code)))
        for number in [n for n in numbers if n not in received]:
            if unreadable:
                hold(number, "failed", _lt(
                    "RMS sent no readable data for this order (%(count)s unreadable entries in its "
                    "answer); it will be looked at again.", count=len(unreadable)), raw=unreadable)
            else:
                hold(number, "failed", _lt("RMS returned no data for this order; it will be looked at again."))
        log._add_lines(lines)
        self.env["rakuten.pending.order"]._rakuten_defer_many(self, pending)
        if to_write:
            self.env["sale.order"]._rakuten_upsert_orders(self, to_write, log)
