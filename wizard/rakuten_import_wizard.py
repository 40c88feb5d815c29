from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

#: searchOrder reaches back 730 days.
MAX_DAYS_BACK = 730


class RakutenImportWizard(models.TransientModel):
    _name = "rakuten.import.wizard"
    _description = "Import Past Rakuten Orders"

    team_id = fields.Many2one("crm.team", string="Sales Channel", required=True, domain=[("rakuten_active", "=", True)])
    date_from = fields.Datetime(string="Orders From", required=True, default=lambda s: fields.Datetime.now() - timedelta(days=7))
    date_to = fields.Datetime(string="Orders To", required=True, default=fields.Datetime.now)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from >= wizard.date_to:
                raise UserError(_("The start of the range must be before its end."))
            if wizard.date_from < fields.Datetime.now() - timedelta(days=MAX_DAYS_BACK):
                raise UserError(_("Rakuten keeps orders searchable for %(days)s days only.", days=MAX_DAYS_BACK))

    def action_import(self):
        """Import the orders placed in the range, with the channel's import rules."""
        self.ensure_one()
        log = self.team_id._rakuten_import_orders(date_from=self.date_from, date_to=self.date_to)
        return log.get_formview_action()
