from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    rakuten_name_kana = fields.Char(string="Name (Kana)", help="フリガナ as given on Rakuten.")
    rakuten_email = fields.Char(
        string="Rakuten Relay E-mail",
        help="The masked relay address Rakuten gives for the buyer. Kept apart from the e-mail "
        "field on purpose: Odoo never sends e-mail to Rakuten buyers.",
    )

    @api.model
    def _rakuten_address_vals(self, person, country, states):
        return {
            "name": person.name,
            "rakuten_name_kana": person.name_kana or False,
            "phone": person.phone or False,
            "zip": person.zip_code or False,
            "state_id": states.get(person.state_code, False),
            "city": person.city or False,
            "street": person.sub_address or False,
            "country_id": country.id,
        }

    @api.model
    def _rakuten_same_address(self, partner, vals):
        return all(
            (partner[field].id if field in ("state_id", "country_id") else partner[field] or False)
            == vals[field]
            for field in ("name", "zip", "state_id", "city", "street", "phone")
        )

    @api.model
    def _rakuten_partners(self, team, orders):
        """Customer and recipients of each order: ``{number: (customer, {basket_id: partner})}``.

        A buyer is found again by the Rakuten relay address (stable per buyer and shop), else
        by name, postal code and phone; found partners are not overwritten. A recipient at the
        buyer's own address is the buyer; any other is a delivery address under the buyer,
        reused when it is the same.
        """
        company = team.company_id
        country = self.env.ref("base.jp")
        states = {
            s.code: s.id
            for s in self.env["res.country.state"].search([("country_id", "=", country.id)])
        }
        Partner = self.with_context(tracking_disable=True, mail_create_nolog=True).sudo()
        domain_company = [("company_id", "in", [company.id, False])]
        emails = {o.orderer.email for o in orders if o.orderer.email}
        known = {}
        if emails:
            for partner in Partner.search(domain_company + [("rakuten_email", "in", list(emails)), ("parent_id", "=", False)]):
                known.setdefault(partner.rakuten_email, partner)
        result = {}
        for order in orders:
            vals = self._rakuten_address_vals(order.orderer, country, states)
            customer = known.get(order.orderer.email) if order.orderer.email else None
            if not customer:
                customer = Partner.search(
                    domain_company + [
                        ("parent_id", "=", False),
                        ("name", "=", vals["name"]),
                        ("zip", "=", vals["zip"]),
                        ("phone", "=", vals["phone"]),
                    ],
                    limit=1,
                )
            if not customer:
                customer = Partner.create(dict(
                    vals, company_id=company.id, rakuten_email=order.orderer.email or False, customer_rank=1
                ))
            if order.orderer.email:
                known[order.orderer.email] = customer
            recipients = {}
            for package in order.packages:
                rvals = self._rakuten_address_vals(package.sender, country, states)
                if self._rakuten_same_address(customer, rvals):
                    recipients[package.basket_id] = customer
                    continue
                partner = customer.child_ids.filtered(
                    lambda c, rv=rvals: c.type == "delivery" and self._rakuten_same_address(c, rv)
                )[:1]
                if not partner:
                    partner = Partner.create(dict(rvals, parent_id=customer.id, type="delivery", company_id=company.id))
                recipients[package.basket_id] = partner
            result[order.order_number] = (customer.sudo(False), {k: v.sudo(False) for k, v in recipients.items()})
        return result
