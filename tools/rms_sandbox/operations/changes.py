"""Changes made to an order on RMS after it was placed, as the shop (in RMS's order screen, at
the buyer's request or not) or Rakuten would make them."""

from __future__ import annotations

import collections

from ..common import UNDETERMINED, _pct, _rate, _tax_in, fmt_dt

_KEEP = object()
#: changeReason of ChangeReasonModel: who asked for the change.
CHANGED_BY = {"shop": 0, "customer": 1}
#: changeTypeDetail: the amount went down, up, or did not change.
DECREASE, INCREASE, OTHER = 0, 1, 2


class ChangeOperations:
    """Mixin of :class:`~..state.RmsSandbox`: :meth:`modify_order` and the totals it keeps
    consistent."""

    def modify_order(  # noqa: C901 (one flat list of optional changes)
        self,
        number,
        *,
        by="shop",
        units=None,
        prices=None,
        add_item=None,
        postage=None,
        cod_fee=None,
        coupon_shop=None,
        coupon_rakuten=None,
        points=None,
        recipient=None,
        delivery_date=_KEEP,
        shipping_term=_KEEP,
        remarks=_KEEP,
        asuraku=None,
        change_type=6,
    ):
        """Change order ``number`` as RMS's order screen would, then recompute its totals.

        ``units`` / ``prices``: {itemDetailId: units (0 removes the line) / tax-included unit
        price}; ``add_item``: (catalogue index, units) added to the first basket; ``postage``:
        yen of the first basket, or {basketId: yen}; ``cod_fee``: 代引料 of the first basket;
        ``coupon_shop`` / ``coupon_rakuten``: the total of the shop's / Rakuten's coupons
        (one coupon of that funder, replacing the others); ``points``: usedPoint;
        ``recipient``: {SenderModel field: value} of the first basket, or {basketId: {...}};
        ``delivery_date`` (ISO text or None), ``shipping_term``, ``remarks``, ``asuraku``.
        Sets modifyFlag and adds a ChangeReasonModel (``change_type`` 4-7, changeReason 0
        for the shop, 1 for the customer). Returns the new requestPrice."""
        if by not in CHANGED_BY:
            raise ValueError("by must be 'shop' or 'customer'")
        if change_type not in (4, 5, 6, 7):
            raise ValueError("a change is changeType 4 to 7")
        with self._lock:
            order = self.orders[number]
            before = order.get("requestPrice")
            packages = order["PackageModelList"]
            items = {
                item["itemDetailId"]: (package, item)
                for package in packages
                for item in package["ItemModelList"]
            }
            for detail, value in (units or {}).items():
                package, item = items[detail]
                if value:
                    item["units"] = value
                else:
                    package["ItemModelList"].remove(item)
            for detail, value in (prices or {}).items():
                _package, item = items[detail]
                item["priceTaxIncl"] = item["price"] = value
            if add_item is not None:
                index, count = add_item
                entry = self.catalog[index]
                packages[0]["ItemModelList"].append(
                    self._item(self._rng, index, count, entry.variants[0])
                )
            if postage is not None:
                postage = postage if isinstance(postage, dict) else {None: postage}
                for basket, value in postage.items():
                    self._package(packages, basket)["postagePrice"] = value
            if cod_fee is not None:
                for package in packages:
                    package["deliveryPrice"] = 0
                packages[0]["deliveryPrice"] = cod_fee
            for capital, total in ((1, coupon_shop), (3, coupon_rakuten)):
                if total is not None:
                    self._set_coupon(order, capital, total)
            if points is not None:
                order.setdefault("PointModel", {})["usedPoint"] = points
            if recipient is not None:
                if not all(isinstance(v, dict) for v in recipient.values()):
                    recipient = {None: recipient}
                for basket, values in recipient.items():
                    self._package(packages, basket)["SenderModel"].update(values)
            for key, value in (
                ("deliveryDate", delivery_date),
                ("shippingTerm", shipping_term),
                ("remarks", remarks),
            ):
                if value is not _KEEP:
                    order[key] = value
            if asuraku is not None:
                order["asurakuFlag"] = 1 if asuraku else 0
            self.recompute_totals(number)
            after = order["requestPrice"]
            detail = (
                OTHER
                if before == after or UNDETERMINED in (before, after)
                else INCREASE
                if after > before
                else DECREASE
            )
            order["modifyFlag"] = 1
            reason = self._change_reason(change_type, None, fmt_dt(self.now()))
            reason.update(changeTypeDetail=detail, changeReason=CHANGED_BY[by])
            order.setdefault("ChangeReasonModelList", []).append(reason)
            return after

    @staticmethod
    def _package(packages, basket):
        if basket is None:
            return packages[0]
        return next(p for p in packages if p["basketId"] == basket)

    def _set_coupon(self, order, capital, total):
        coupons = [
            c
            for c in order.get("CouponModelList") or []
            if (c.get("couponCapitalCode") == 1) != (capital == 1)
        ]
        if total:
            item = order["PackageModelList"][0]["ItemModelList"][0]
            coupons.append(
                {
                    "couponCode": "SBX-CHANGE-%d" % capital,
                    "itemId": 0,
                    "couponName": "Sandbox coupon",
                    "couponSummary": None,
                    "couponCapital": "ショップ" if capital == 1 else "サービス",
                    "couponCapitalCode": capital,
                    "expiryDate": None,
                    "couponPrice": total,
                    "couponUnit": 1,
                    "couponTotalPrice": total,
                    "itemDetailId": item["itemDetailId"],
                }
            )
        order["CouponModelList"] = coupons

    def recompute_totals(self, number):
        """Recompute the amounts of order ``number`` from its lines, postage, fees, coupons
        and points, as RMS does after a change (wrapping stays in the first basket)."""
        with self._lock:
            order = self.orders[number]
            wrapping = order.get("WrappingModel1") or {}
            wrap = (
                0 if wrapping.get("deleteWrappingFlag") else wrapping.get("price") or 0
            )
            all_items = []
            undetermined = False
            for index, package in enumerate(order["PackageModelList"]):
                lines = package["ItemModelList"]
                all_items += lines
                goods = sum(it["priceTaxIncl"] * it["units"] for it in lines)
                goods += wrap if index == 0 else 0
                package["goodsPrice"] = goods
                package["goodsTax"] = sum(
                    _tax_in(it["priceTaxIncl"] * it["units"], _pct(it["taxRate"]))
                    for it in lines
                ) + (_tax_in(wrap, 10) if index == 0 else 0)
                if package["postagePrice"] == UNDETERMINED:
                    undetermined = True
                    package["totalPrice"] = UNDETERMINED
                else:
                    package["totalPrice"] = goods + package["postagePrice"]
            packages = order["PackageModelList"]
            coupons = order.get("CouponModelList") or []
            shop = sum(
                c["couponTotalPrice"] for c in coupons if c["couponCapitalCode"] == 1
            )
            other = sum(
                c["couponTotalPrice"] for c in coupons if c["couponCapitalCode"] != 1
            )
            goods = sum(p["goodsPrice"] for p in packages)
            postage = sum(p["postagePrice"] for p in packages)
            cod = sum(p.get("deliveryPrice") or 0 for p in packages)
            charge = order.get("paymentCharge") or 0
            used = (order.get("PointModel") or {}).get("usedPoint") or 0
            order.update(
                goodsPrice=goods,
                goodsTax=sum(p["goodsTax"] for p in packages),
                postagePrice=UNDETERMINED if undetermined else postage,
                deliveryPrice=cod,
                couponShopPrice=shop,
                couponOtherPrice=other,
                couponAllTotalPrice=shop + other,
            )
            if undetermined:
                order.update(totalPrice=UNDETERMINED, requestPrice=UNDETERMINED)
            else:
                total = goods + postage
                order.update(
                    totalPrice=total,
                    requestPrice=total + cod + charge - shop - other - used,
                )
            by_rate = collections.OrderedDict()
            for pct in (10, 8):
                amount = sum(
                    it["priceTaxIncl"] * it["units"]
                    for it in all_items
                    if _pct(it["taxRate"]) == pct
                )
                coupon = sum(
                    c["couponTotalPrice"]
                    for c in coupons
                    for it in all_items
                    if it["itemDetailId"] == c["itemDetailId"]
                    and _pct(it["taxRate"]) == pct
                )
                fees = 0
                if pct == 10:
                    amount += wrap + (0 if undetermined else postage)
                    fees = cod + charge
                if amount or fees or coupon:
                    by_rate[pct] = (amount, fees, coupon)
            order["TaxSummaryModelList"] = [
                {
                    "taxRate": _rate(pct),
                    "reqPrice": UNDETERMINED
                    if undetermined
                    else amount + fees - coupon,
                    "reqPriceTax": UNDETERMINED
                    if undetermined
                    else _tax_in(amount + fees - coupon, pct),
                    "totalPrice": UNDETERMINED if undetermined else amount,
                    "paymentCharge": fees,
                    "couponPrice": coupon,
                    "point": 0,
                }
                for pct, (amount, fees, coupon) in by_rate.items()
            ]
