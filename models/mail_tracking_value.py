from odoo import api, models

MODULE = "sale_rakuten"


def _ours(field):
    return field is not None and field.type == "selection" and field._module == MODULE


class MailTrackingValue(models.Model):
    """Tracked selection values of our fields (伝票ステータス, 入金状況...) in the reader's
    language.

    Odoo stores the label of a selection value as text, in the language of whoever wrote the
    field: the jobs, as OdooBot. For our fields the English label (the msgid) is stored, and
    shown translated into the language of whoever reads the chatter.
    """

    _inherit = "mail.tracking.value"

    @api.model
    def _create_tracking_values(
        self, initial_value, new_value, col_name, col_info, record
    ):
        if col_info.get("type") == "selection" and _ours(record._fields.get(col_name)):
            english = record._fields[col_name]._description_selection(
                record.with_context(lang="en_US").env
            )
            col_info = dict(col_info, selection=english)
        return super()._create_tracking_values(
            initial_value, new_value, col_name, col_info, record
        )

    def _tracking_value_format_model(self, model):
        formatted = super()._tracking_value_format_model(model)
        if not model or model not in self.env:
            return formatted
        fields = self.env[model]._fields
        labels = {}
        for info in formatted:
            field = fields.get(info["fieldName"])
            if not _ours(field):
                continue
            if field.name not in labels:
                english = field._description_selection(
                    self.env[model].with_context(lang="en_US").env
                )
                translated = dict(field._description_selection(self.env[model].env))
                labels[field.name] = {
                    label: translated.get(key, label) for key, label in english
                }
            for side in ("oldValue", "newValue"):
                value = info[side]["value"]
                info[side]["value"] = labels[field.name].get(value, value)
        return formatted
