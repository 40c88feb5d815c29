"""cancelOrder (楽天ペイ受注API)."""

from __future__ import annotations

from ..common import (
    _MISSING,
    CANCELLABLE,
    CUSTOMER_CANCEL_REASONS,
    INVENTORY_RESTORE_TYPES,
    OPERATIONS,
    SHOP_CANCEL_REASONS,
    _is_int,
    _msg,
    fmt_dt,
)
from .base import OrderValidation


class CancelOperations(OrderValidation):
    """Mixin of :class:`~..state.RmsSandbox`."""

    # -- cancelOrder ---------------------------------------------------------------
    def _op_cancelOrder(self, request):
        prefix = OPERATIONS["cancelOrder"]
        errors = []
        number = self._required(request, "orderNumber", errors, prefix)
        if number is not _MISSING and not isinstance(number, str):
            self._bad(errors, prefix, "orderNumber")
        restore = request.get("inventoryRestoreType", _MISSING)
        if restore is _MISSING or restore is None:
            errors.append(
                _msg(
                    "ERROR",
                    prefix + "_ERROR_009",
                    "inventoryRestoreTypeの項目を指定して下さい。",
                )
            )
        elif not _is_int(restore) or restore not in INVENTORY_RESTORE_TYPES:
            self._bad(errors, prefix, "inventoryRestoreType")
        reason = request.get("changeReasonDetailApply", _MISSING)
        if reason is _MISSING or reason is None:
            errors.append(
                _msg(
                    "ERROR",
                    prefix + "_ERROR_009",
                    "changeReasonDetailApplyの項目を指定して下さい。",
                )
            )
        elif (
            not _is_int(reason)
            or reason not in CUSTOMER_CANCEL_REASONS + SHOP_CANCEL_REASONS
        ):
            self._bad(errors, prefix, "changeReasonDetailApply")
        if errors:
            return 400, {"MessageModelList": errors}
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
                ]
            }
        if order.get("orderProgress") not in CANCELLABLE:
            return 400, {
                "MessageModelList": [
                    _msg(
                        "ERROR",
                        prefix + "_ERROR_102",
                        "現在のステータスではキャンセル申請できません。",
                        orderNumber=number,
                    )
                ]
            }
        order["orderProgress"] = 800
        if restore == 2:  # 在庫を戻さない: the units stay sold
            self._meta.setdefault(number, {})["stock_restored"] = True
        else:  # 0 follows the item's setting, which is "restock" for every sandbox item
            self._restore_stock(number)
        order.setdefault("ChangeReasonModelList", []).append(
            self._change_reason(0, reason, fmt_dt(self.now()))
        )
        return 200, {
            "MessageModelList": [
                _msg(
                    "INFO",
                    prefix + "_INFO_101",
                    "キャンセル申請に成功しました。",
                    orderNumber=number,
                )
            ]
        }
