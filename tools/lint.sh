#!/usr/bin/env bash
# The lint step of sale_rakuten, run by .ci/run before the tests; fails on any finding.
#
#   bash tools/lint.sh            ruff, pylint-odoo, the OCA module and PO checks, the wheel
#   bash tools/lint.sh --no-wheel the same without building the wheel
#
# ruff check and ruff format --check read .ruff.toml; pylint runs pylint-odoo's mandatory
# checks (.pylintrc-mandatory) over the addon; oca-checks-odoo-module and oca-checks-po
# check the manifest, XML, CSV and PO files as OCA's pre-commit does; tools/check_wheel.py
# builds the wheel from a fresh clone and checks it holds the addon and nothing else.
# The tools are pinned in requirements-lint.txt (.ci/run installs them).
set -uo pipefail
PY=${PYTHON:-python3}
ADDON_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ADDON_DIR"
failures=0
step() {
    local name=$1; shift
    printf '\n==== lint: %s ====\n' "$name"
    if ! "$@"; then
        echo "lint: $name FAILED"
        failures=$((failures + 1))
    fi
}

step "ruff check" "$PY" -m ruff check --no-fix .
step "ruff format --check" "$PY" -m ruff format --check .

# pylint-odoo reads the addon's name from its folder: lint it through a link named
# sale_rakuten, whatever the checkout is called.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$ADDON_DIR" "$tmp/sale_rakuten"
step "pylint-odoo (mandatory checks)" \
    bash -c 'cd "$1" && "$2" -m pylint --rcfile="$3/.pylintrc-mandatory" sale_rakuten' \
    _ "$tmp" "$PY" "$ADDON_DIR"
step "oca-checks-odoo-module" "$PY" -m oca_pre_commit_hooks.cli "$ADDON_DIR/__manifest__.py"
step "oca-checks-po" "$PY" -m oca_pre_commit_hooks.cli_po --disable=po-pretty-format \
    i18n/*.po i18n/*.pot

if [[ ${1:-} != --no-wheel ]]; then
    step "wheel (fresh clone named sale_rakuten)" "$PY" tools/check_wheel.py
fi

if [[ $failures -ne 0 ]]; then
    printf '\nlint: %d step(s) FAILED\n' "$failures"
    exit 1
fi
printf '\nlint: all steps passed\n'
