"""Uninstall sale_rakuten from a test database and check it leaves nothing behind.

Part of the test command (tools/run_tests.sh); needs an Odoo 18.0 server.

    python tools/check_uninstall.py -c odoo.cfg -d DATABASE

Checks, before uninstalling, that no proprietary (OEEL-1/OPL-1) module was installed
with the addon's dependencies; after, that the module is uninstalled and that none of
its models, fields, tables, columns, crons, menus, groups or XML ids remain.
Prints one line per check and exits non-zero on any failure.
"""

# A command-line script: it reports to its terminal.
# pylint: disable=print-used

import argparse
import sys

import odoo
from odoo.modules.registry import Registry

MODULE = "sale_rakuten"
PROPRIETARY = ("OEEL-1", "OPL-1")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    args = parser.parse_args()
    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn"]
    )

    failures = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failures.append(what)

    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        installed = env["ir.module.module"].search([("state", "=", "installed")])
        proprietary = installed.filtered(lambda m: m.license in PROPRIETARY)
        check(
            not proprietary,
            "no proprietary module installed (%s)"
            % ", ".join(proprietary.mapped("name")),
        )
        module = env["ir.module.module"].search([("name", "=", MODULE)])
        check(module.state == "installed", "%s is installed before the check" % MODULE)
        own_models = (
            env["ir.model.data"]
            .search([("module", "=", MODULE), ("model", "=", "ir.model")])
            .mapped("res_id")
        )
        # ir.model.data names every model a module extends; keep those it defines.
        own_models = [
            m.id
            for m in env["ir.model"].browse(own_models)
            if env[m.model]._original_module == MODULE
        ]
        tables = [
            env[m.model]._table
            for m in env["ir.model"].browse(own_models)
            if not env[m.model]._abstract
        ]
        own_model_names = env["ir.model"].browse(own_models).mapped("model")
        own_fields = env["ir.model.fields"].browse(
            env["ir.model.data"]
            .search([("module", "=", MODULE), ("model", "=", "ir.model.fields")])
            .mapped("res_id")
        )
        # Columns the addon adds to other modules' tables (its own tables are checked whole).
        columns = [
            (env[f.model]._table, f.name)
            for f in own_fields
            if f.store
            and f.ttype not in ("one2many", "many2many")
            and f.model not in own_model_names
            and not env[f.model]._abstract
        ]
        module.button_immediate_uninstall()

    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        module = env["ir.module.module"].search([("name", "=", MODULE)])
        check(
            module.state == "uninstalled",
            "%s is uninstalled (state %s)" % (MODULE, module.state),
        )
        left = env["ir.model.data"].search_count([("module", "=", MODULE)])
        check(left == 0, "no XML id of %s left (%d)" % (MODULE, left))
        for table in tables:
            cr.execute("SELECT to_regclass(%s)", [table])
            check(cr.fetchone()[0] is None, "table %s dropped" % table)
        for table, column in columns:
            cr.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_name=%s AND column_name=%s",
                [table, column],
            )
            check(not cr.fetchone(), "column %s.%s dropped" % (table, column))
        fields = env["ir.model.fields"].search_count([("name", "=like", "rakuten%")])
        check(fields == 0, "no rakuten_* field left (%d)" % fields)
        crons = (
            env["ir.cron"]
            .with_context(active_test=False)
            .search_count([("cron_name", "ilike", "rakuten")])
        )
        check(crons == 0, "no Rakuten scheduled action left (%d)" % crons)

    if failures:
        print("%d uninstall check(s) failed" % len(failures))
        return 1
    print("uninstall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
