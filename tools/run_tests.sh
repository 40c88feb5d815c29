#!/usr/bin/env bash
# The test command of sale_rakuten (README.rst, "Running the tests").
#
#   bash tools/run_tests.sh            both tiers
#   bash tools/run_tests.sh --pure     the pure tier only
#
# Pure tier: rms/ and tools/rms_sandbox.py with plain pytest, no Odoo, no database.
# Odoo tier: where `import odoo` works, a fresh PostgreSQL database is created, the addon
# is installed into it, the TransactionCase tests run with pytest-odoo, then the addon is
# uninstalled and checked to leave nothing behind. The database is dropped afterwards.
# Where Odoo is not importable the Odoo tier is skipped and this script says so loudly.
#
# Environment: PYTHON (default python3), PGHOST/PGPORT (default 127.0.0.1:5432),
# SALE_RAKUTEN_DB_USER/SALE_RAKUTEN_DB_PASSWORD (default sale_rakuten/sale_rakuten; Odoo
# refuses to run as the postgres role, so the script creates this role when it can).
set -uo pipefail

PY=${PYTHON:-python3}
ADDON_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODE=${1:-all}
failures=0

banner() { printf '\n==== %s ====\n' "$*"; }

# ---------------------------------------------------------------- pure tier
banner "pure tier (no Odoo): rms/ client, rules, order mapping, sandbox"
# -p no:odoo: pytest-odoo, when installed, must not be loaded for this tier. Rooted in
# tests/pure so that pytest never imports tests/__init__.py (the Odoo tier, which imports odoo).
(cd "$ADDON_DIR/tests/pure" && "$PY" -m pytest -p no:odoo -p no:cacheprovider -q --rootdir=. .)
rc=$?
if [[ $rc -ne 0 ]]; then
    echo "pure tier FAILED (pytest exit $rc)"
    failures=$((failures + 1))
fi

if [[ $MODE == --pure ]]; then
    exit $failures
fi

# ---------------------------------------------------------------- odoo tier
skip_odoo() {
    banner "ODOO TIER SKIPPED"
    echo "!!! The Odoo tier did NOT run: $*"
    echo "!!! Only the pure tier was tested. Install an Odoo 18.0 server (importable as"
    echo "!!! 'odoo' by $PY) and PostgreSQL to run the Odoo tier."
    exit $failures
}

odoo_version=$("$PY" -c 'import odoo.release as r; print(r.serie)' 2>/dev/null) \
    || skip_odoo "'import odoo' fails for $PY."
[[ $odoo_version == 18.0 ]] || skip_odoo "Odoo $odoo_version is importable, this addon needs 18.0."
"$PY" -c 'import pytest_odoo' 2>/dev/null || skip_odoo "pytest-odoo is not installed for $PY."

export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432}
DB_USER=${SALE_RAKUTEN_DB_USER:-sale_rakuten}
DB_PASSWORD=${SALE_RAKUTEN_DB_PASSWORD:-sale_rakuten}

pg_ready() { pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; }
if ! pg_ready; then
    if command -v pg_ctlcluster >/dev/null && [[ $PGHOST == 127.0.0.1 || $PGHOST == localhost ]]; then
        cluster=$(pg_lsclusters -h 2>/dev/null | awk -v p="$PGPORT" '$3 == p {print $1" "$2; exit}')
        if [[ -n $cluster ]]; then
            echo "starting PostgreSQL cluster $cluster"
            pg_ctlcluster $cluster start || true
        fi
    fi
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
    pg_ready || skip_odoo "no PostgreSQL server answers on $PGHOST:$PGPORT and none could be started."
fi

as_postgres() {
    if [[ $(id -u) == 0 ]] && id postgres >/dev/null 2>&1; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}
if ! PGPASSWORD=$DB_PASSWORD psql -h "$PGHOST" -p "$PGPORT" -U "$DB_USER" -d postgres -qAtc 'select 1' >/dev/null 2>&1; then
    echo "creating PostgreSQL role $DB_USER"
    as_postgres psql -p "$PGPORT" -qc "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'" \
        || as_postgres psql -p "$PGPORT" -qc "ALTER ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'" \
        || skip_odoo "the PostgreSQL role $DB_USER does not exist and could not be created."
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sale_rakuten_test.XXXXXX")
DB="sale_rakuten_test_$$"
cleanup() {
    "$PY" - "$DB" <<PYEOF >/dev/null 2>&1
import sys, psycopg2
conn = psycopg2.connect(host="$PGHOST", port="$PGPORT", user="$DB_USER", password="$DB_PASSWORD", dbname="postgres")
conn.autocommit = True
conn.cursor().execute('DROP DATABASE IF EXISTS "%s"' % sys.argv[1])
PYEOF
    rm -rf "$WORK"
}
trap cleanup EXIT

# The repository root is the addon: expose it as sale_rakuten inside an addons path.
mkdir -p "$WORK/addons"
ln -s "$ADDON_DIR" "$WORK/addons/sale_rakuten"
cat > "$WORK/odoo.cfg" <<CFG
[options]
addons_path = $WORK/addons
data_dir = $WORK/data
db_host = $PGHOST
db_port = $PGPORT
db_user = $DB_USER
db_password = $DB_PASSWORD
db_name = $DB
list_db = False
log_level = warn
max_cron_threads = 0
CFG

banner "odoo tier: installing sale_rakuten into a fresh database ($DB)"
start=$(date +%s)
if ! "$PY" -m odoo -c "$WORK/odoo.cfg" -d "$DB" -i sale_rakuten --without-demo=all \
        --stop-after-init --log-level=warn > "$WORK/install.log" 2>&1; then
    tail -n 60 "$WORK/install.log"
    echo "odoo tier FAILED: the addon does not install"
    exit $((failures + 1))
fi
grep -E " (ERROR|CRITICAL) " "$WORK/install.log" && { echo "odoo tier FAILED: errors while installing"; exit $((failures + 1)); }
echo "installed in $(( $(date +%s) - start )) s"

banner "odoo tier: TransactionCase tests (pytest-odoo)"
# Paths go through the sale_rakuten link: pytest-odoo names the test modules
# odoo.addons.<folder of the manifest>, and the clone may have another name.
# Not --test-enable: with it, loading the registry runs every module's at_install tests.
# pytest-odoo imports Odoo's test framework outside test mode, which odoo.tests.common
# reports as an error with a stack trace: that one logger is silenced.
(cd "$WORK" && "$PY" -m pytest -p no:cacheprovider -q -W ignore::DeprecationWarning \
    -W ignore::PendingDeprecationWarning \
    --rootdir="$WORK/addons/sale_rakuten" \
    --odoo-config="$WORK/odoo.cfg" --odoo-database="$DB" --odoo-log-level=warn \
    --odoo-extra=log-handler=odoo.tests.common:CRITICAL \
    --ignore="$WORK/addons/sale_rakuten/tests/pure" "$WORK/addons/sale_rakuten/tests")
rc=$?
if [[ $rc -ne 0 ]]; then
    echo "odoo tier FAILED (pytest exit $rc)"
    failures=$((failures + 1))
fi

banner "odoo tier: uninstall leaves nothing behind"
if ! "$PY" "$ADDON_DIR/tools/check_uninstall.py" -c "$WORK/odoo.cfg" -d "$DB"; then
    echo "odoo tier FAILED: uninstall check"
    failures=$((failures + 1))
fi

banner "result"
if [[ $failures -eq 0 ]]; then echo "all tiers passed"; else echo "$failures tier step(s) failed"; fi
exit $failures
