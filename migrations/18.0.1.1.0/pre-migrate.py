"""18.0.1.1.0: one job model, one name per job.

Before the new code loads: the Char fields named like relations get their new names, with
their data (column and field metadata renamed, so nothing is dropped and re-created empty),
and the sync logs of renamed kinds take the new kind.
"""

#: (model, table, old field, new field)
RENAMED_FIELDS = [
    ("crm.team", "crm_team", "rakuten_product_id", "rakuten_unmatched_product_id"),
    ("rakuten.basket", "rakuten_basket", "shipping_detail_ids", "shipping_detail_refs"),
    ("rakuten.basket", "rakuten_basket", "request_id", "request_ref"),
]
#: Old log kind -> new one ('shipping' and 'cancel' were never written; mapped to be safe).
RENAMED_KINDS = {"payment": "follow", "shipping": "carrier", "cancel": "follow"}


def _column_exists(cr, table, column):
    cr.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
        [table, column],
    )
    return bool(cr.fetchone())


def migrate(cr, version):
    if not version:
        return
    for model, table, old, new in RENAMED_FIELDS:
        if not _column_exists(cr, table, old) or _column_exists(cr, table, new):
            continue
        cr.execute('ALTER TABLE "%s" RENAME COLUMN "%s" TO "%s"' % (table, old, new))
        cr.execute(
            "UPDATE ir_model_fields SET name = %s WHERE model = %s AND name = %s",
            [new, model, old],
        )
        prefix = "field_%s__" % model.replace(".", "_")
        cr.execute(
            "UPDATE ir_model_data SET name = %s WHERE module = 'sale_rakuten' "
            "AND model = 'ir.model.fields' AND name = %s",
            [prefix + new, prefix + old],
        )
    for old, new in RENAMED_KINDS.items():
        cr.execute("UPDATE rakuten_sync_log SET kind = %s WHERE kind = %s", [new, old])
