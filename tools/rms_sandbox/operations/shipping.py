"""updateOrderShipping and its asynchronous variant (楽天ペイ受注API)."""

from __future__ import annotations

import copy
import uuid

from ..common import (
    _MISSING,
    CANCELLED,
    DELIVERY_COMPANIES,
    MAX_ORDERS_PER_CALL,
    MAX_SHIPPING_NUMBER_LENGTH,
    MAX_SHIPPING_ROWS_PER_BASKET,
    OPERATIONS,
    UOS,
    _is_int,
    _msg,
    _parse_date,
    fmt_dt,
)
from .base import OrderValidation


class ShippingOperations(OrderValidation):
    """Mixin of :class:`~..state.RmsSandbox`."""

    # -- updateOrderShipping(Async) ---------------------------------------------------------
    def _validate_shipping_format(self, order_number, baskets, prefix):
        """Format checks of one order's BasketidModelList (no state needed)."""
        errors = []

        def error(code, text, **extra):
            errors.append(
                _msg(
                    "ERROR",
                    "%s_ERROR_%s" % (prefix, code),
                    text,
                    orderNumber=order_number,
                    **extra,
                )
            )

        if not isinstance(baskets, list):
            error("011", "BasketidModelListの書式が不正です。")
            return errors
        data_number = 0
        for basket in baskets:
            if not isinstance(basket, dict):
                error("011", "BasketidModelListの書式が不正です。")
                continue
            basket_id = basket.get("basketId")
            if "basketId" not in basket:
                error("009", "basketIdの項目を指定して下さい。")
            elif not _is_int(basket_id) or basket_id <= 0:
                error("011", "basketIdの書式が不正です。", basketId=basket_id)
            rows = basket.get("ShippingModelList")
            if "ShippingModelList" not in basket:
                error(
                    "009",
                    "ShippingModelListの項目を指定して下さい。",
                    basketId=basket_id,
                )
                continue
            if not isinstance(rows, list) or not rows:
                error(
                    "010" if rows in (None, []) else "011",
                    "ShippingModelListの値が不正です。",
                    basketId=basket_id,
                )
                continue
            if len(rows) > MAX_SHIPPING_ROWS_PER_BASKET:
                error(
                    "105",
                    "発送情報は送付先ごとに%d件以下で指定して下さい。"
                    % MAX_SHIPPING_ROWS_PER_BASKET,
                    basketId=basket_id,
                )
            for row in rows:
                data_number += 1
                if not isinstance(row, dict):
                    error(
                        "011",
                        "ShippingModelの書式が不正です。",
                        basketId=basket_id,
                        dataNumber=data_number,
                        shippingDetailId=None,
                    )
                    continue
                self._validate_shipping_row(
                    row, error, basketId=basket_id, dataNumber=data_number
                )
        return errors

    @staticmethod
    def _validate_shipping_row(row, error, **where):
        """Format checks of one ShippingModel (a dict), each failure recorded by
        ``error(code, text, **where)``."""
        detail_id = row.get("shippingDetailId")
        where["shippingDetailId"] = detail_id
        if detail_id is not None and (not _is_int(detail_id) or detail_id <= 0):
            error("011", "shippingDetailIdの書式が不正です。", **where)
        company = row.get("deliveryCompany")
        if company is not None and (
            not isinstance(company, str) or company not in DELIVERY_COMPANIES
        ):
            error("011", "deliveryCompanyの書式が不正です。", **where)
        number = row.get("shippingNumber")
        if number is not None and (
            not isinstance(number, str) or len(number) > MAX_SHIPPING_NUMBER_LENGTH
        ):
            error("011", "shippingNumberの書式が不正です。", **where)
        day = row.get("shippingDate")
        if day not in (None, "") and _parse_date(day) is None:
            error("011", "shippingDateの書式が不正です。", **where)
        flag = row.get("shippingDeleteFlag")
        if flag is not None and flag not in (0, 1):
            error("011", "shippingDeleteFlagの書式が不正です。", **where)
        if detail_id is None and flag == 1:
            error("009", "shippingDetailIdの項目を指定して下さい。", **where)
        elif detail_id is None and not company:
            error("009", "deliveryCompanyの項目を指定して下さい。", **where)

    def _apply_shipping(self, order_number, baskets):
        """State checks then changes for one order; returns (ok, messages)."""
        order = self.orders.get(order_number)
        if order is None:
            return False, [
                _msg(
                    "ERROR",
                    UOS + "_ERROR_101",
                    "指定された注文番号は存在しません。",
                    orderNumber=order_number,
                    dataNumber=None,
                    shippingDetailId=None,
                )
            ]
        if order.get("orderProgress") in CANCELLED:
            return False, [
                _msg(
                    "ERROR",
                    UOS + "_ERROR_102",
                    "指定された注文番号は既にキャンセルされているため、発送完了報告が出来る状態ではありませんでした。",
                    orderNumber=order_number,
                    dataNumber=None,
                    shippingDetailId=None,
                )
            ]
        packages = {p.get("basketId"): p for p in order.get("PackageModelList") or []}
        errors, plan = [], []
        data_number = 0
        for basket in baskets:
            basket_id = basket["basketId"]
            package = packages.get(basket_id)
            rows = basket["ShippingModelList"]
            if package is None:
                for row in rows:
                    data_number += 1
                    errors.append(
                        _msg(
                            "ERROR",
                            UOS + "_ERROR_103",
                            "指定された送付先IDは存在しません。",
                            orderNumber=order_number,
                            basketId=basket_id,
                            dataNumber=data_number,
                            shippingDetailId=row.get("shippingDetailId"),
                        )
                    )
                continue
            ids = {
                row["shippingDetailId"]
                for row in package.get("ShippingModelList") or []
            }
            count = len(ids)
            for row in rows:
                data_number += 1
                detail_id = row.get("shippingDetailId")
                where = {
                    "orderNumber": order_number,
                    "basketId": basket_id,
                    "dataNumber": data_number,
                    "shippingDetailId": detail_id,
                }
                if detail_id is None:
                    count += 1
                    plan.append(("add", package, row, where))
                elif detail_id not in ids:
                    errors.append(
                        _msg(
                            "ERROR",
                            UOS + "_ERROR_104",
                            "指定された発送明細IDは存在しません。",
                            **where,
                        )
                    )
                elif row.get("shippingDeleteFlag") == 1:
                    ids.discard(detail_id)
                    count -= 1
                    plan.append(("delete", package, row, where))
                else:
                    plan.append(("update", package, row, where))
            if count > MAX_SHIPPING_ROWS_PER_BASKET:
                errors.append(
                    _msg(
                        "ERROR",
                        UOS + "_ERROR_105",
                        "発送情報は送付先ごとに%d件以下で指定して下さい。"
                        % MAX_SHIPPING_ROWS_PER_BASKET,
                        orderNumber=order_number,
                        basketId=basket_id,
                        dataNumber=None,
                        shippingDetailId=None,
                    )
                )
        if errors:
            return False, errors
        return True, self._execute_shipping_plan(order, plan)

    def _execute_shipping_plan(self, order, plan):
        """Apply the checked ``plan`` of :meth:`_apply_shipping` to ``order``; return the
        messages."""
        messages = []
        for action, package, row, where in plan:
            shipping = package.setdefault("ShippingModelList", [])
            if action == "add":
                company = row["deliveryCompany"]
                new = {
                    "shippingDetailId": self._new_id("shipping"),
                    "shippingNumber": row.get("shippingNumber") or None,
                    "deliveryCompany": company,
                    "deliveryCompanyName": DELIVERY_COMPANIES[company],
                    "shippingDate": row.get("shippingDate") or None,
                }
                shipping.append(new)
                where["shippingDetailId"] = new["shippingDetailId"]
                messages.append(
                    _msg(
                        "INFO",
                        UOS + "_INFO_101",
                        "発送情報の追加設定が完了しました。",
                        **where,
                    )
                )
            elif action == "delete":
                package["ShippingModelList"] = [
                    s
                    for s in shipping
                    if s["shippingDetailId"] != where["shippingDetailId"]
                ]
                messages.append(
                    _msg(
                        "INFO",
                        UOS + "_INFO_103",
                        "発送情報の削除設定が完了しました。",
                        **where,
                    )
                )
            else:
                current = next(
                    s
                    for s in shipping
                    if s["shippingDetailId"] == where["shippingDetailId"]
                )
                if row.get("deliveryCompany"):
                    current["deliveryCompany"] = row["deliveryCompany"]
                    current["deliveryCompanyName"] = DELIVERY_COMPANIES[
                        row["deliveryCompany"]
                    ]
                for key in ("shippingNumber", "shippingDate"):
                    if row.get(key) is not None:  # omitted = unchanged, "" = cleared
                        current[key] = row[key] or None
                messages.append(
                    _msg(
                        "INFO",
                        UOS + "_INFO_102",
                        "発送情報の更新設定が完了しました。",
                        **where,
                    )
                )
        # Sandbox assumption (RMS behaviour unknown, rms-api.md §9.1): a row with a shipping
        # date is the 発送完了報告 and moves 300 -> 500; carrier-only rows change nothing.
        if order.get("orderProgress") == 300 and any(
            s.get("shippingDate")
            for p in order.get("PackageModelList") or []
            for s in p.get("ShippingModelList") or []
        ):
            order["orderProgress"] = 500
            order["shippingCmplRptDatetime"] = fmt_dt(self.now())
        return messages

    def _op_updateOrderShipping(self, request):
        errors = []
        number = self._required(request, "orderNumber", errors, UOS)
        if number is not _MISSING and not isinstance(number, str):
            self._bad(errors, UOS, "orderNumber")
            number = _MISSING
        baskets = self._required(request, "BasketidModelList", errors, UOS)
        if errors:
            return 400, {"MessageModelList": errors}
        errors = self._validate_shipping_format(number, baskets, UOS)
        if errors:
            return 400, {"MessageModelList": errors}
        ok, messages = self._apply_shipping(number, baskets)
        return (200 if ok else 400), {"MessageModelList": messages}

    def _op_updateOrderShippingAsync(self, request):
        prefix = OPERATIONS["updateOrderShippingAsync"]
        errors = []
        entries = self._required(request, "OrderShippingModelList", errors, prefix)
        if entries is not _MISSING:
            if not isinstance(entries, list) or not all(
                isinstance(e, dict) for e in entries
            ):
                self._bad(errors, prefix, "OrderShippingModelList")
            elif len(entries) > MAX_ORDERS_PER_CALL:
                errors.append(
                    _msg(
                        "ERROR",
                        prefix + "_ERROR_012",
                        "OrderShippingModelListは%d件以下で指定して下さい。"
                        % MAX_ORDERS_PER_CALL,
                    )
                )
            else:
                seen = set()
                for entry in entries:
                    number = entry.get("orderNumber")
                    if not isinstance(number, str) or not number:
                        errors.append(
                            _msg(
                                "ERROR",
                                prefix + "_ERROR_009",
                                "orderNumberの項目を指定して下さい。",
                            )
                        )
                    elif number in seen:
                        errors.append(
                            _msg(
                                "ERROR",
                                prefix + "_ERROR_013",
                                "注文番号が重複しています。",
                                orderNumber=number,
                            )
                        )
                    seen.add(number)
        if errors:
            return 400, {"MessageModelList": errors}
        for entry in entries:
            if "BasketidModelList" not in entry:
                errors.append(
                    _msg(
                        "ERROR",
                        prefix + "_ERROR_009",
                        "BasketidModelListの項目を指定して下さい。",
                        orderNumber=entry["orderNumber"],
                    )
                )
            else:
                errors.extend(
                    self._validate_shipping_format(
                        entry["orderNumber"], entry["BasketidModelList"], prefix
                    )
                )
        if (
            errors
        ):  # format errors: answered at once, nothing queued (200 as the public sample)
            return 200, {"MessageModelList": errors}
        request_id = "%s_%s" % (
            uuid.UUID(int=self._id_rng.getrandbits(128), version=4),
            self.now().strftime("%Y%m%d%H%M%S"),
        )
        results = []
        for entry in entries:
            _ok, messages = self._apply_shipping(
                entry["orderNumber"], entry["BasketidModelList"]
            )
            results.append(
                {"orderNumber": entry["orderNumber"], "MessageModelList": messages}
            )
        self._async[request_id] = {"results": results, "polls": 0}
        return 200, {
            "MessageModelList": [
                _msg(
                    "INFO",
                    prefix + "_INFO_101",
                    "発送情報の更新を受付けました。",
                    requestId=request_id,
                    dataNumber=None,
                    shippingDetailId=None,
                )
            ]
        }

    def _op_getResultUpdateOrderShippingAsync(self, request):
        prefix = OPERATIONS["getResultUpdateOrderShippingAsync"]
        errors = []
        request_id = self._required(request, "requestId", errors, prefix)
        if request_id is not _MISSING and not isinstance(request_id, str):
            self._bad(errors, prefix, "requestId")
        if errors:
            return 400, {"ResultShippingModelList": [{"MessageModelList": errors}]}
        job = self._async.get(request_id)
        if job is not None:
            job["polls"] += 1
        if job is None or job["polls"] <= self.async_delay_polls:
            # still running, unknown or expired: RMS gives the same answer for all three
            return 200, {
                "ResultShippingModelList": [
                    {
                        "MessageModelList": [
                            _msg(
                                "INFO",
                                prefix + "_INFO_101",
                                "指定されたリクエストIDの処理結果は存在しませんでした。",
                            )
                        ]
                    }
                ]
            }
        return 200, {"ResultShippingModelList": copy.deepcopy(job["results"])}
