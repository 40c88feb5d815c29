from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_datetime

#: searchOrder reaches back 730 days.
MAX_DAYS_BACK = 730


class RakutenImportWizard(models.TransientModel):
    _name = "rakuten.import.wizard"
    _description = "Import Past Rakuten Orders"

    team_id = fields.Many2one(
        "crm.team",
        string="Sales Channel",
        required=True,
        domain=[("rakuten_active", "=", True)],
    )
    date_from = fields.Datetime(
        string="Orders From",
        required=True,
        default=lambda s: fields.Datetime.now() - timedelta(days=7),
    )
    date_to = fields.Datetime(
        string="Orders To", required=True, default=fields.Datetime.now
    )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from >= wizard.date_to:
                raise ValidationError(
                    _("The start of the range must be before its end.")
                )
            if wizard.date_from < fields.Datetime.now() - timedelta(days=MAX_DAYS_BACK):
                raise ValidationError(
                    _(
                        "Rakuten keeps orders searchable for %(days)s days only.",
                        days=MAX_DAYS_BACK,
                    )
                )

    def action_import(self):
        """Queue the import of the orders placed in the range (up to two years of orders: far
        too long for one web request); the past-import cron runs it in the background, with
        the channel's import rules. Tells the user so, then opens the run's sync log."""
        self.ensure_one()
        if not self.team_id.rakuten_active:
            raise UserError(
                _(
                    "Switch on the Rakuten RMS API for %(team)s first.",
                    team=self.team_id.name,
                )
            )
        log = self.env["rakuten.sync.log"]._rakuten_queue_past_import(
            self.team_id, self.date_from, self.date_to
        )
        return self.team_id._rakuten_notify(
            _("Past orders queued"),
            _(
                "The Rakuten orders of %(team)s placed from %(start)s to %(end)s are imported in "
                "the background. The sync log shows the import running, then its result.",
                team=self.team_id.name,
                start=format_datetime(self.env, self.date_from),
                end=format_datetime(self.env, self.date_to),
            ),
            "info",
            next_action=log.get_formview_action(),
        )
