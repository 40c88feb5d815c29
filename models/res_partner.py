from odoo import api, fields, models

#: Fields that make two addresses the same.
ADDRESS_FIELDS = ("name", "zip", "state_id", "city", "street", "phone")


class ResPartner(models.Model):
    _inherit = "res.partner"

    rakuten_name_kana = fields.Char(
        string="Name (Kana)", help="フリガナ as given on Rakuten."
    )
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
            (
                partner[field].id
                if field in ("state_id", "country_id")
                else partner[field] or False
            )
            == vals[field]
            for field in ADDRESS_FIELDS
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
            for s in self.env["res.country.state"].search(
                [("country_id", "=", country.id)]
            )
        }
        Partner = self.with_context(
            tracking_disable=True, mail_create_nolog=True
        ).sudo()
        domain_company = [("company_id", "in", [company.id, False])]
        # Buyers: one query by relay address and one by (name, postal code, phone) for the whole
        # batch, one create for the new ones. The first match in the default order wins, as a
        # search(limit=1) would; an order of the batch finds a buyer an earlier one created.
        emails = {o.orderer.email for o in orders if o.orderer.email}
        known = {}
        if emails:
            for partner in Partner.search(
                domain_company
                + [("rakuten_email", "in", list(emails)), ("parent_id", "=", False)]
            ):
                known.setdefault(partner.rakuten_email, partner)
        buyer_vals = [
            self._rakuten_address_vals(order.orderer, country, states)
            for order in orders
        ]
        unknown = [
            vals
            for order, vals in zip(orders, buyer_vals, strict=True)
            if order.orderer.email not in known
        ]
        by_key = {}
        if unknown:
            for partner in Partner.search(
                domain_company
                + [
                    ("parent_id", "=", False),
                    ("name", "in", list({vals["name"] for vals in unknown})),
                    ("zip", "in", list({vals["zip"] for vals in unknown})),
                    ("phone", "in", list({vals["phone"] for vals in unknown})),
                ]
            ):
                by_key.setdefault(
                    (partner.name, partner.zip or False, partner.phone or False),
                    partner,
                )
        customers, to_create = [], []
        for order, vals in zip(orders, buyer_vals, strict=True):
            email = order.orderer.email
            key = (vals["name"], vals["zip"], vals["phone"])
            customer = known.get(email) if email else None
            if customer is None:
                customer = by_key.get(key)
            if customer is None:
                customer = len(to_create)  # index of a buyer to create
                to_create.append(
                    dict(
                        vals,
                        company_id=company.id,
                        rakuten_email=email or False,
                        customer_rank=1,
                    )
                )
                by_key[key] = customer
            if email:
                known[email] = customer
            customers.append(customer)
        created = Partner.create(to_create) if to_create else Partner
        customers = [created[c] if isinstance(c, int) else c for c in customers]
        # Recipients: the buyer, one of the buyer's delivery addresses, or a new one (one create).
        pending = {}  # (buyer id, address) -> index in new_children
        new_children = []
        recipients_of = []
        for order, customer in zip(orders, customers, strict=True):
            recipients = {}
            for package in order.packages:
                rvals = self._rakuten_address_vals(package.sender, country, states)
                if self._rakuten_same_address(customer, rvals):
                    recipients[package.basket_id] = customer
                    continue
                partner = customer.child_ids.filtered(
                    lambda c, rv=rvals: (
                        c.type == "delivery" and self._rakuten_same_address(c, rv)
                    )
                )[:1]
                if not partner:
                    key = (customer.id,) + tuple(rvals[f] for f in ADDRESS_FIELDS)
                    partner = pending.get(key)
                    if partner is None:
                        partner = pending[key] = len(new_children)
                        new_children.append(
                            dict(
                                rvals,
                                parent_id=customer.id,
                                type="delivery",
                                company_id=company.id,
                            )
                        )
                recipients[package.basket_id] = partner
            recipients_of.append(recipients)
        children = Partner.create(new_children) if new_children else Partner
        result = {}
        for order, customer, recipients in zip(
            orders, customers, recipients_of, strict=True
        ):
            result[order.order_number] = (
                customer.sudo(False),
                {
                    k: (children[v] if isinstance(v, int) else v).sudo(False)
                    for k, v in recipients.items()
                },
            )
        return result
