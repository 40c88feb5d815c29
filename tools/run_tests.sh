#!/usr/bin/env bash
# The test command of sale_rakuten (README.rst, "Running the tests").
#
#   bash tools/run_tests.sh                      both tiers
#   bash tools/run_tests.sh --pure               the pure tier only
#   bash tools/run_tests.sh --odoo [PATH ...]    the Odoo tier only; with PATHs (test files of
#                                                the addon, e.g. tests/test_buttons.py) only those,
#                                                and no uninstall check
#
# Pure tier: rms/ and tools/rms_sandbox/ with plain pytest, no Odoo, no database.
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
MODE=all
if [[ ${1:-} == --pure || ${1:-} == --odoo ]]; then MODE=$1; shift; fi
SELECTED=("$@")
failures=0

banner() { printf '\n==== %s ====\n' "$*"; }

# ---------------------------------------------------------------- pure tier
if [[ $MODE != --odoo ]]; then
banner "pure tier (no Odoo): rms/ client, rules, order mapping, sandbox"
# -p no:odoo: pytest-odoo, when installed, must not be loaded for this tier. Rooted in
# tests/pure so that pytest never imports tests/__init__.py (the Odoo tier, which imports odoo).
(cd "$ADDON_DIR/tests/pure" && "$PY" -m pytest -p no:odoo -p no:cacheprovider -q --rootdir=. .)
rc=$?
if [[ $rc -ne 0 ]]; then
    echo "pure tier FAILED (pytest exit $rc)"
    failures=$((failures + 1))
fi

fi
if [[ $MODE == --pure ]]; then
    exit $failures
fi

# ---------------------------------------------------------------- odoo tier
# Only "Odoo is not importable" skips this tier. Once Odoo is there, anything that keeps the
# tier from running (no pytest-odoo, no PostgreSQL, no role, no database, no install) fails.
skip_odoo() {
    banner "ODOO TIER SKIPPED"
    echo "!!! The Odoo tier did NOT run: $*"
    echo "!!! Only the pure tier was tested. Install an Odoo 18.0 server (importable as"
    echo "!!! 'odoo' by $PY) and PostgreSQL to run the Odoo tier."
    exit $failures
}
fail_odoo() {
    banner "ODOO TIER FAILED BEFORE TESTING"
    echo "!!! $*"
    exit $((failures + 1))
}

"$PY" -c 'import odoo' 2>/dev/null || skip_odoo "'import odoo' fails for $PY."
odoo_version=$("$PY" -c 'import odoo.release as r; print(r.serie)' 2>&1) \
    || fail_odoo "odoo is importable but its release cannot be read: $odoo_version"
[[ $odoo_version == 18.0 ]] || fail_odoo "Odoo $odoo_version is importable, this addon needs 18.0."
"$PY" -c 'import pytest_odoo' 2>/dev/null || fail_odoo "pytest-odoo is not installed for $PY (pip install pytest-odoo)."

export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432}
DB_USER=${SALE_RAKUTEN_DB_USER:-sale_rakuten}
DB_PASSWORD=${SALE_RAKUTEN_DB_PASSWORD:-sale_rakuten}
is_local() { [[ $PGHOST == 127.0.0.1 || $PGHOST == localhost || $PGHOST == ::1 || $PGHOST == /* ]]; }

pg_ready() { pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; }
if ! pg_ready; then
    if command -v pg_ctlcluster >/dev/null && is_local; then
        cluster=$(pg_lsclusters -h 2>/dev/null | awk -v p="$PGPORT" '$3 == p {print $1" "$2; exit}')
        if [[ -n $cluster ]]; then
            echo "starting PostgreSQL cluster $cluster"
            pg_ctlcluster $cluster start </dev/null || true
        fi
    fi
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
    pg_ready || fail_odoo "no PostgreSQL server answers on $PGHOST:$PGPORT and none could be started."
fi

# The test role logs in over TCP with its password. Creating it needs a superuser: as root
# with a local cluster, the postgres role over the Unix socket (peer authentication). Nothing
# here ever waits on standard input (-w: never prompt for a password).
db_user_ok() {
    PGPASSWORD=$DB_PASSWORD psql -w -h "$PGHOST" -p "$PGPORT" -U "$DB_USER" -d postgres -qAtc 'select 1' \
        </dev/null >/dev/null 2>&1
}
as_superuser() {
    if [[ $(id -u) == 0 ]] && id postgres >/dev/null 2>&1 && is_local; then
        runuser -u postgres -- env -u PGHOST -u PGPASSWORD psql -w -p "$PGPORT" -d postgres -v ON_ERROR_STOP=1 "$@" </dev/null
    else
        psql -w -h "$PGHOST" -p "$PGPORT" -d postgres -v ON_ERROR_STOP=1 "$@" </dev/null
    fi
}
if ! db_user_ok; then
    echo "creating PostgreSQL role $DB_USER"
    as_superuser -qc "DO \$\$BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
            ALTER ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
        ELSE
            CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
        END IF;
    END\$\$;" || fail_odoo "the PostgreSQL role $DB_USER does not exist and could not be created."
    db_user_ok || fail_odoo "the PostgreSQL role $DB_USER cannot log in on $PGHOST:$PGPORT with its password."
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
TEST_PATHS=()
for path in "${SELECTED[@]}"; do TEST_PATHS+=("$WORK/addons/sale_rakuten/${path#./}"); done
[[ ${#TEST_PATHS[@]} -gt 0 ]] || TEST_PATHS=("$WORK/addons/sale_rakuten/tests")
# Paths go through the sale_rakuten link: pytest-odoo names the test modules
# odoo.addons.<folder of the manifest>, and the clone may have another name.
# Not --test-enable: with it, loading the registry runs every module's at_install tests.
# pytest-odoo imports Odoo's test framework outside test mode, which odoo.tests.common
# reports as an error with a stack trace: that one logger is silenced.
# The tours' browser: odoo.tests.common._find_executable() looks for google-chrome, chromium,
# chromium-browser or google-chrome-stable on PATH (Debian's package is /usr/bin/chromium).
[[ -x /usr/bin/chromium && ":$PATH:" != *:/usr/bin:* ]] && export PATH="$PATH:/usr/bin"
browser=$(command -v google-chrome || command -v chromium || command -v chromium-browser \
    || command -v google-chrome-stable || true)
if [[ -n $browser ]]; then echo "browser for the tours: $browser"; else
    echo "!!! no Chromium on PATH: the browser tours (tests/test_tour.py) will be SKIPPED"; fi
# --odoo-http: pytest-odoo serves HTTP, so the HttpCase browser tours (tests/test_tour.py,
# headless Chromium found on PATH by odoo.tests.common) run; -rs lists skipped tests.
(cd "$WORK" && "$PY" -m pytest -p no:cacheprovider -q -rs -W ignore::DeprecationWarning \
    -W ignore::PendingDeprecationWarning \
    --rootdir="$WORK/addons/sale_rakuten" \
    --odoo-config="$WORK/odoo.cfg" --odoo-database="$DB" --odoo-log-level=warn --odoo-http \
    --odoo-extra=log-handler=odoo.tests.common:CRITICAL \
    --ignore="$WORK/addons/sale_rakuten/tests/pure" "${TEST_PATHS[@]}") 2>&1 | tee "$WORK/pytest.log"
rc=${PIPESTATUS[0]}
if [[ $rc -ne 0 ]]; then
    echo "odoo tier FAILED (pytest exit $rc)"
    failures=$((failures + 1))
fi
if grep -qE "SKIPPED.*test_tour" "$WORK/pytest.log"; then
    banner "BROWSER TOUR SKIPPED"
    echo "!!! The browser tours of tests/test_tour.py did NOT run:"
    grep -E "SKIPPED.*test_tour" "$WORK/pytest.log" | sed 's/^/!!!   /'
    echo "!!! Install Chromium (Debian: apt-get install -y chromium) so that Odoo finds it on PATH,"
    echo "!!! and websocket-client (pip install websocket-client), which drives it."
fi

banner "odoo tier: uninstall leaves nothing behind"
if [[ ${#SELECTED[@]} -gt 0 ]]; then
    echo "(not checked: only selected tests ran)"
elif ! "$PY" "$ADDON_DIR/tools/check_uninstall.py" -c "$WORK/odoo.cfg" -d "$DB"; then
    echo "odoo tier FAILED: uninstall check"
    failures=$((failures + 1))
fi

banner "result"
if [[ $failures -eq 0 ]]; then echo "all tiers passed"; else echo "$failures tier step(s) failed"; fi
exit $failures
