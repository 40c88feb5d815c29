"""getPayment (楽天ペイ受注API)."""

from __future__ import annotations

from datetime import timedelta

from ..common import _MISSING, GET_PAYMENT_VERSION, OPERATIONS, _msg, fmt_dt
from .base import OrderValidation


class PaymentOperations(OrderValidation):
    """Mixin of :class:`~..state.RmsSandbox`."""

    # -- getPayment --------------------------------------------------------------------
    def _payment_status(self, order, number):
        forced = (self._meta.get(number) or {}).get("payment_status")
        if forced is not None:
            return forced
        settlement = order.get("SettlementModel") or {}
        progress = order.get("orderProgress")
        if settlement.get("rpaySettlementFlag") != 1:
            return (
                30000  # 選択制 (e.g. 代金引換): the shop collects, Rakuten has nothing
            )
        if progress == 800:
            return 31400
        if progress == 900:
            return 31500
        if progress >= 300:
            return 30600  # 決済確定
        if settlement.get("settlementMethodCode") == 9:
            return 30100  # bank transfer not received yet
        return 30300  # authorised

    def _op_getPayment(self, request):
        prefix = OPERATIONS["getPayment"]
        errors = []
        number = self._required(request, "orderNumber", errors, prefix)
        if number is not _MISSING and not isinstance(number, str):
            self._bad(errors, prefix, "orderNumber")
        version = self._required(request, "version", errors, prefix)
        if version is not _MISSING and version != GET_PAYMENT_VERSION:
            self._bad(errors, prefix, "version")
        if errors:
            return 400, {"MessageModelList": errors, "OrderModel": None}
        order = self.orders.get(number)
        if order is None:
            return 400, {
                "MessageModelList": [
                    _msg(
                        "ERROR",
                        prefix + "_ERROR_101",
                        "指定された注文番号は存在しません。",
                        orderNumber=number,
                    )
                ],
                "OrderModel": None,
            }
        meta = self._meta.setdefault(number, {})
        if "payment_number" not in meta:
            meta["payment_number"] = self._new_id("payment")
        status = self._payment_status(order, number)
        settlement = order.get("SettlementModel") or {}
        fixed = self._settlement_datetime(order, number) if status == 30600 else None
        payment = {
            "orderPaymentNumber": str(meta["payment_number"]),
            "paymentMethod": settlement.get("settlementMethodCode"),
            "paymentMethodName": settlement.get("settlementMethod"),
            "paymentAmount": order.get("requestPrice"),
            "paymentCharge": order.get("paymentCharge", 0),
            "paymentStatus": status,
            "paymentRequestDatetime": order.get("shopOrderCfmDatetime")
            if status >= 30300
            else None,
            "paymentFixDatetime": fmt_dt(fixed),
            "payExpectDate": (fixed + timedelta(days=30)).date().isoformat()
            if fixed
            else None,
            "RefundModelList": [],
            "AdditionalFeeModelList": [],
        }
        return 200, {
            "MessageModelList": [
                _msg(
                    "INFO",
                    prefix + "_INFO_101",
                    "支払情報取得に成功しました。",
                    orderNumber=number,
                )
            ],
            "OrderModel": {"orderNumber": number, "PaymentModelList": [payment]},
        }
