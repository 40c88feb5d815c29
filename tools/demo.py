#!/usr/bin/env python3
"""One command that shows what sale_rakuten does: a demo shop on the local RMS sandbox.

    python3 tools/demo.py                    create (or reuse) the database and run Odoo
    python3 tools/demo.py --reset            start again from an empty database
    python3 tools/demo.py --stop-after-setup set up, print where to look, and stop

Needs an installed Odoo 18.0 (``import odoo``) and PostgreSQL; it builds nothing. It:

* creates the database ``sale_rakuten_demo`` (``--db``) the way Odoo's database manager
  does, in Japanese for Japan (language ja_JP, company in yen, admin/admin), installs
  sale_rakuten (or updates it when the database exists: a second run reuses it);
* starts the RMS sandbox (tools/rms_sandbox/) inside this process on 127.0.0.1; it keeps
  placing new orders every minute (``--every``), and its orders are saved next to the
  database so that a restart continues with the orders Odoo already imported;
* registers the sandbox's catalogue as stocked products (internal reference = the SKU the
  orders carry), taxes of 10 % and 8 % included in the price, a yen pricelist and a channel
  on the sandbox, and runs the Rakuten scheduled actions every minute;
* runs Odoo on http://127.0.0.1:8069 (``--port``) with its scheduler, and prints where to
  log in and what to look at.

Database access: the role of the test command (``sale_rakuten``/``sale_rakuten`` on
127.0.0.1:5432, see tools/run_tests.sh), created over the Unix socket when it is missing
and the script runs as root. Files (odoo.cfg, filestore, the sandbox's orders) live in
``--data-dir`` (default ``~/.local/share/sale_rakuten_demo``).
"""

# A command-line script: it reports to its terminal.
# pylint: disable=print-used
import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import timedelta

ADDON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if __package__ in (None, ""):  # run as a script: import the sandbox from this checkout
    sys.path.insert(0, ADDON_DIR)
    from tools.rms_sandbox import CATALOG, RmsSandbox
else:
    from .rms_sandbox import CATALOG, RmsSandbox


DEFAULT_DB = "sale_rakuten_demo"
# The sandbox's demo credentials (the defaults of `python tools/rms_sandbox`): printed on
# purpose, they open nothing but the sandbox.
SANDBOX_SECRET = "sandbox-secret"
SANDBOX_KEY = "sandbox-key"
SHOP_URL = "sbxshop"
TEAM_NAME = "楽天市場店"
COMPANY_NAME = "サンプル商店株式会社"
PRICELIST_NAME = "楽天市場"
WAREHOUSE_NAME = "本社倉庫"
CANCEL_REASON_JA = "楽天(RMS)でキャンセルされました"
TAX_NAMES = {10: "10% 内税 (楽天)", 8: "8% 内税 軽減税率 (楽天)"}
STOCK_QUANTITY = 1000
# Orders of the feed are placed this long ago: just past the channel's default wait after
# ordering (30 minutes, the buyer's cancellation window), so they are imported at once.
FEED_AGE = timedelta(minutes=31)
# Rakuten's processing (楽天処理中, 200) of a confirmed order ends after this in the sandbox.
ADVANCE_AFTER = timedelta(minutes=2)
# 選択制 orders (代金引換 …) are imported at 300 only; the shop confirms them in RMS.
SHOP_CONFIRMS_AFTER = timedelta(minutes=35)
CRONS = (
    "sale_rakuten.ir_cron_rakuten_confirm_orders",
    "sale_rakuten.ir_cron_rakuten_update_carriers",
    "sale_rakuten.ir_cron_rakuten_sync_orders",
)
STATE_FILE = "sandbox_orders.json"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Run a sale_rakuten demo: Odoo 18 in Japanese with a Rakuten channel on the "
        "local RMS sandbox, which keeps placing orders."
    )
    parser.add_argument(
        "--db", default=DEFAULT_DB, help="database name (default %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8069, help="Odoo's HTTP port on 127.0.0.1"
    )
    parser.add_argument(
        "--sandbox-port", type=int, default=0, help="RMS sandbox port (0: a free one)"
    )
    parser.add_argument(
        "--reset", action="store_true", help="drop the demo database and start again"
    )
    parser.add_argument(
        "--stop-after-setup",
        action="store_true",
        help="set everything up, print where to look, and stop instead of serving",
    )
    parser.add_argument(
        "--no-update",
        action="store_true",
        help="reuse an existing database as it is (no module update)",
    )
    parser.add_argument(
        "--orders",
        type=int,
        default=40,
        help="orders placed over the last 24 hours when the sandbox starts empty",
    )
    parser.add_argument(
        "--every",
        type=float,
        default=60.0,
        help="seconds between new sandbox orders (0: none)",
    )
    parser.add_argument(
        "--data-dir",
        default=os.path.join(
            os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"),
            "sale_rakuten_demo",
        ),
    )
    parser.add_argument("--db-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    parser.add_argument("--db-port", default=os.environ.get("PGPORT", "5432"))
    parser.add_argument(
        "--db-user", default=os.environ.get("SALE_RAKUTEN_DB_USER", "sale_rakuten")
    )
    parser.add_argument(
        "--db-password",
        default=os.environ.get("SALE_RAKUTEN_DB_PASSWORD", "sale_rakuten"),
    )
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------
# PostgreSQL and files
# ---------------------------------------------------------------------------
def _is_local(host):
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("/")


def _pg_ready(args):
    return (
        subprocess.run(
            ["pg_isready", "-q", "-h", args.db_host, "-p", str(args.db_port)],
            stdin=subprocess.DEVNULL,
            check=False,
        ).returncode
        == 0
    )


def _role_ok(args):
    import psycopg2

    try:
        psycopg2.connect(
            host=args.db_host,
            port=args.db_port,
            user=args.db_user,
            password=args.db_password,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except psycopg2.OperationalError:
        return False
    return True


def ensure_postgres(args):
    """Start the local cluster when nothing answers and create the role when it is missing,
    as tools/run_tests.sh does (never waiting for a password)."""
    if shutil.which("pg_isready") and not _pg_ready(args):
        if shutil.which("pg_ctlcluster") and _is_local(args.db_host):
            clusters = subprocess.run(
                ["pg_lsclusters", "-h"], capture_output=True, text=True, check=False
            ).stdout.splitlines()
            for line in clusters:
                fields = line.split()
                if len(fields) > 2 and fields[2] == str(args.db_port):
                    print(
                        "starting PostgreSQL cluster %s %s" % (fields[0], fields[1]),
                        flush=True,
                    )
                    subprocess.run(
                        ["pg_ctlcluster", fields[0], fields[1], "start"],
                        stdin=subprocess.DEVNULL,
                        check=False,
                    )
                    break
        for _attempt in range(30):
            if _pg_ready(args):
                break
            time.sleep(1)
        else:
            sys.exit(
                "no PostgreSQL server answers on %s:%s" % (args.db_host, args.db_port)
            )
    if _role_ok(args):
        return
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db_user) or "'" in args.db_password:
        sys.exit(
            "cannot create the PostgreSQL role %r: unusual name or password"
            % args.db_user
        )
    u, p = args.db_user, args.db_password
    sql = (
        f"DO $$BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{u}') THEN "
        f"ALTER ROLE {u} LOGIN CREATEDB PASSWORD '{p}'; ELSE "
        f"CREATE ROLE {u} LOGIN CREATEDB PASSWORD '{p}'; END IF; END$$;"
    )
    if os.geteuid() == 0 and _is_local(args.db_host) and shutil.which("runuser"):
        cmd = [
            "runuser",
            "-u",
            "postgres",
            "--",
            "env",
            "-u",
            "PGHOST",
            "-u",
            "PGPASSWORD",
            "psql",
            "-w",
            "-p",
            str(args.db_port),
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-qc",
            sql,
        ]
    else:
        cmd = [
            "psql",
            "-w",
            "-h",
            args.db_host,
            "-p",
            str(args.db_port),
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-qc",
            sql,
        ]
    print("creating PostgreSQL role %s" % args.db_user, flush=True)
    subprocess.run(cmd, stdin=subprocess.DEVNULL, check=False)
    if not _role_ok(args):
        sys.exit(
            "the PostgreSQL role %s cannot log in on %s:%s"
            % (args.db_user, args.db_host, args.db_port)
        )


def write_config(args):
    """The addons path (this checkout linked as sale_rakuten, whatever the clone's name) and
    odoo.cfg in the data directory; returns the config path."""
    addons = os.path.join(args.data_dir, "addons")
    os.makedirs(addons, exist_ok=True)
    link = os.path.join(addons, "sale_rakuten")
    if os.path.islink(link) and os.readlink(link) != ADDON_DIR:
        os.unlink(link)
    if not os.path.lexists(link):
        os.symlink(ADDON_DIR, link)
    path = os.path.join(args.data_dir, "odoo.cfg")
    lines = [
        "[options]",
        "addons_path = %s" % addons,
        "data_dir = %s" % os.path.join(args.data_dir, "data"),
        "db_host = %s" % args.db_host,
        "db_port = %s" % args.db_port,
        "db_user = %s" % args.db_user,
        "db_password = %s" % args.db_password,
        "db_name = %s" % args.db,
        "dbfilter = ^%s$" % re.escape(args.db),
        "list_db = False",
        "http_interface = 127.0.0.1",
        "http_port = %d" % args.port,
        "max_cron_threads = 1",
        "log_level = warn",
        "without_demo = all",
    ]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def load_sandbox_state(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def save_sandbox_state(sandbox, path):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(sandbox.dump_state(), handle, ensure_ascii=False)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------
# The set-up (also run by tests/test_demo.py on the test database)
# ---------------------------------------------------------------------------
def setup_demo(
    env,
    sandbox_url,
    *,
    secret=SANDBOX_SECRET,
    license_key=SANDBOX_KEY,
    lang="ja_JP",
    cron_minutes=1,
):
    """Make ``env``'s database a Rakuten demo shop on the sandbox at ``sandbox_url``; safe to
    run again (it finds what an earlier run made). Returns the channel (crm.team)."""
    from odoo import Command, fields

    # Japanese: the language with every installed module's terms, and the admin reading it.
    lang_model = env["res.lang"]
    if not lang_model._lang_get(lang) or not lang_model._lang_get(lang).active:
        lang_model._activate_lang(lang)
        env["ir.module.module"].search(
            [("state", "=", "installed")]
        )._update_translations(lang)
    else:  # the terms of this addon may be newer than the database's
        env["ir.module.module"].search(
            [("name", "=", "sale_rakuten")]
        )._update_translations(lang, overwrite=True)
    # English stays selectable in the preferences, for integrators and the English screens.
    if not lang_model._lang_get("en_US").active:
        lang_model._activate_lang("en_US")
    admin = env.ref("base.user_admin")
    company = admin.company_id
    admin.write(
        {
            "lang": lang,
            "tz": "Asia/Tokyo",
            "groups_id": [
                Command.link(env.ref("sale_rakuten.group_rakuten_manager").id)
            ],
        }
    )

    # The company in Japan and in yen (the database manager does both when it creates the
    # database for Japan; an existing company keeps its currency once it has entries).
    jpy = env.ref("base.JPY")
    jpy.active = True
    japan = env.ref("base.jp")
    if not company.country_id:
        company.country_id = japan
    if company.name == "My Company":  # the name a new database gets
        company.name = COMPANY_NAME
    if company.currency_id != jpy and not env["account.move.line"].search_count(
        [("company_id", "=", company.id)], limit=1
    ):
        company.currency_id = jpy

    taxes = {}
    for rate, name in TAX_NAMES.items():
        domain = [("company_id", "=", company.id), ("type_tax_use", "=", "sale")]
        tax = env["account.tax"].search(domain + [("name", "=", name)], limit=1)
        # The chart's own tax of that rate (l10n_jp: 10% / 8%, excluded from the price) gives
        # its tax group and accounts to the included one.
        chart_tax = env["account.tax"].search(
            domain
            + [
                ("amount", "=", rate),
                ("amount_type", "=", "percent"),
                ("name", "!=", name),
            ],
            limit=1,
        )
        if not tax and chart_tax:
            tax = chart_tax.copy(
                {"name": name, "price_include_override": "tax_included"}
            )
        elif not tax:
            tax = env["account.tax"].create(
                {
                    "name": name,
                    "amount": rate,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included",
                    "company_id": company.id,
                }
            )
        elif chart_tax and tax.tax_group_id != chart_tax.tax_group_id:
            tax.tax_group_id = chart_tax.tax_group_id
        taxes[rate] = tax

    pricelist = env["product.pricelist"].search(
        [("name", "=", PRICELIST_NAME), ("company_id", "=", company.id)], limit=1
    ) or env["product.pricelist"].create(
        {"name": PRICELIST_NAME, "currency_id": jpy.id, "company_id": company.id}
    )

    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", company.id)], limit=1
    )
    if warehouse.name == "My Company":  # named after the company before it was renamed
        warehouse.name = WAREHOUSE_NAME
    for entry in CATALOG:
        for variant in entry.variants:
            sku = variant.merchant_defined_sku_id
            product = env["product.product"].search(
                [("default_code", "=", sku)], limit=1
            )
            if not product:
                values = [part.split(":")[-1] for part in variant.sku_info.splitlines()]
                product = env["product.product"].create(
                    {
                        "name": " ".join([entry.item_name] + values),
                        "default_code": sku,
                        "is_storable": True,
                        "list_price": entry.price,
                        "taxes_id": [Command.set(taxes[entry.tax_pct].ids)],
                        "company_id": False,
                    }
                )
                env["stock.quant"]._update_available_quantity(
                    product, warehouse.lot_stock_id, STOCK_QUANTITY
                )

    team_model = env["crm.team"].with_context(allowed_company_ids=[company.id])
    team = team_model.search(
        [("rakuten_shop_url", "=", SHOP_URL), ("company_id", "=", company.id)], limit=1
    )
    vals = {
        "rakuten_service_secret": secret,
        "rakuten_license_key": license_key,
        "rakuten_api_url": sandbox_url,
        "rakuten_request_interval": 0.0,
    }
    if team:
        # Only what changed (the sandbox's port): saving the same key again would forget the
        # key's expiry date that Test Connection or the daily check read.
        team.write({key: value for key, value in vals.items() if team[key] != value})
    else:
        team = team_model.create(
            dict(
                vals,
                name=TEAM_NAME,
                company_id=company.id,
                rakuten_shop_url=SHOP_URL,
                rakuten_authorization_type="rakuten_pay",
                rakuten_warehouse_id=warehouse.id,
                rakuten_pricelist_id=pricelist.id,
                rakuten_tax_10_id=taxes[10].id,
                rakuten_tax_8_id=taxes[8].id,
                rakuten_unmatched_product_id=env.ref(
                    "sale_rakuten.product_rakuten_unmatched"
                ).id,
                member_ids=[Command.link(admin.id)],
                rakuten_active=True,
            )
        )
        team.with_context(lang=lang).rakuten_cancel_reason = CANCEL_REASON_JA

    # The Rakuten jobs every minute, the first run now.
    # The channel's own import cron (the channel allows 5 minutes at least; the demo's
    # scheduled action goes faster).
    for cron in [team.sudo().rakuten_import_cron_id] + [env.ref(x) for x in CRONS]:
        cron.write(
            {
                "active": True,
                "interval_number": cron_minutes,
                "interval_type": "minutes",
                "nextcall": fields.Datetime.now(),
            }
        )
    return team


def summary(args, team_id):
    base = "http://127.0.0.1:%d" % args.port
    return "\n".join(
        [
            "",
            "=" * 72,
            "sale_rakuten demo (database %s)" % args.db,
            "  Log in:     %s/odoo    login: admin   password: admin" % base,
            "  Orders:     販売 > 楽天 > 受注 (Sales > Rakuten > Orders)",
            "              %s/odoo/action-sale_rakuten.action_rakuten_orders" % base,
            "  Channel:    its Rakuten page (Test Connection, Import Now)",
            "              %s/odoo/action-sales_team.crm_team_action_config/%d"
            % (base, team_id),
            "  Sync Log:   販売 > 楽天 > 同期ログ (Sales > Rakuten > Sync Log)",
            "              %s/odoo/action-sale_rakuten.rakuten_sync_log_action" % base,
            "  The RMS sandbox places new orders every %s s; the Rakuten jobs run every minute."
            % (("%g" % args.every) if args.every > 0 else "(never)"),
            "  Stop with Ctrl+C; run again to continue with the same database"
            " (--reset: start over).",
            "=" * 72,
            "",
        ]
    )


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------
@contextlib.contextmanager
def _db_manager(odoo):
    """The database manager's functions refuse to run while it is hidden (list_db = False,
    as the demo serves): open it for this process's own call only."""
    odoo.tools.config["list_db"] = True
    try:
        yield
    finally:
        odoo.tools.config["list_db"] = False


def _module_state(db):
    import odoo

    try:
        conn = odoo.sql_db.db_connect(db)
        with conn.cursor() as cr:
            cr.execute("SELECT state FROM ir_module_module WHERE name = 'sale_rakuten'")
            row = cr.fetchone()
    except Exception:  # noqa: BLE001 (no database, or not an Odoo one)
        return None
    return row[0] if row else "absent"


def _max_order_seq(env):
    """The highest sandbox sequence in the imported order numbers (999999-YYYYMMDD-SSSSSS01)."""
    env.cr.execute(
        "SELECT rakuten_order_number FROM sale_order WHERE rakuten_order_number IS NOT NULL"
    )
    seqs = [
        int(m.group(1))
        for (number,) in env.cr.fetchall()
        if (m := re.search(r"-(\d{6})\d{2}$", number))
    ]
    return max(seqs, default=0)


def main(argv=None):
    args = parse_args(argv)
    ensure_postgres(args)
    os.makedirs(args.data_dir, exist_ok=True)
    config_path = write_config(args)
    state_path = os.path.join(args.data_dir, "%s.%s" % (args.db, STATE_FILE))

    import odoo
    from odoo.service import db as db_service
    from odoo.service import server

    odoo.tools.config.parse_config(["-c", config_path])
    started = time.time()

    if args.reset:
        odoo.sql_db.close_all()
        if args.db in db_service.list_dbs(force=True):
            print("dropping database %s" % args.db, flush=True)
            with _db_manager(odoo):
                db_service.exp_drop(args.db)
        if os.path.exists(state_path):
            os.unlink(state_path)

    state = _module_state(args.db)
    if state is None:
        print(
            "creating database %s (Japanese, Japan, admin/admin)" % args.db, flush=True
        )
        # What the database manager's "Create Database" does.
        with _db_manager(odoo):
            db_service.exp_create_database(
                args.db, False, "ja_JP", "admin", "admin", "JP"
            )
        state = _module_state(args.db)
        if state is None:
            sys.exit(
                "the database %s could not be created (see the log above)" % args.db
            )
        if os.path.exists(state_path):
            os.unlink(state_path)  # orders of a database that is gone
    odoo.sql_db.close_all()
    if state != "installed" or not args.no_update:
        option = "-u" if state == "installed" else "-i"
        print(
            "%s sale_rakuten in %s"
            % ("updating" if option == "-u" else "installing", args.db),
            flush=True,
        )
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "odoo",
                "-c",
                config_path,
                "-d",
                args.db,
                option,
                "sale_rakuten",
                "--stop-after-init",
                "--no-http",
            ],
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if result.returncode:
            sys.exit("installing sale_rakuten failed (exit %d)" % result.returncode)

    sandbox = RmsSandbox(
        SANDBOX_SECRET, SANDBOX_KEY, port=args.sandbox_port, seed=int(time.time())
    )
    saved = load_sandbox_state(state_path)
    registry = odoo.modules.registry.Registry.new(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if saved:
            sandbox.load_state(saved)
        else:  # never reuse the number of an order the database already has
            sandbox.load_state({"seq": _max_order_seq(env)})
            sandbox.generate_orders(args.orders)
        url = sandbox.start()
        team = setup_demo(env, url)
        team_id = team.id
        # A command-line script, not a job: the set-up stays even if the first import fails.
        cr.commit()  # pylint: disable=invalid-commit
        # The channel's key is read at once (as Test Connection does), and the orders already
        # waiting arrive now, imported as the admin presses Import Now.
        admin = env.ref("base.user_admin")
        if not team.rakuten_license_expiry:
            team.with_user(admin).with_context(
                lang=admin.lang
            ).action_rakuten_test_connection()
        log = (
            team.with_user(admin).with_context(lang=admin.lang)._rakuten_import_orders()
        )
        print("imported %d orders from the sandbox" % log.count_imported, flush=True)
    save_sandbox_state(sandbox, state_path)
    print(
        "RMS sandbox on %s (%d orders), set up in %.0f s"
        % (url, len(sandbox.orders), time.time() - started),
        flush=True,
    )
    print(summary(args, team_id), flush=True)
    if args.stop_after_setup:
        sandbox.stop()
        return 0

    if args.every > 0:
        sandbox.start_order_feed(
            args.every,
            age=FEED_AGE,
            advance_after=ADVANCE_AFTER,
            shop_confirms_after=SHOP_CONFIRMS_AFTER,
            on_tick=lambda _numbers: save_sandbox_state(sandbox, state_path),
        )
    try:
        return server.start(preload=[args.db], stop=False)
    finally:
        sandbox.stop()
        save_sandbox_state(sandbox, state_path)


if __name__ == "__main__":
    sys.exit(main())
