"""searchOrder, getOrder and confirmOrder (楽天ペイ受注API)."""

from __future__ import annotations

import copy
from datetime import datetime

from ..common import (
    _ITEM_FIELDS_SINCE,
    _MISSING,
    _ORDER_FIELDS_SINCE,
    _ORDER_FIELDS_UNTIL_8,
    _PACKAGE_FIELDS_SINCE,
    _PACKAGE_FIELDS_UNTIL_8,
    CANCELLED,
    DEFAULT_RECORDS_PER_PAGE,
    GET_ORDER_VERSIONS,
    JST,
    MAX_RECORDS_PER_PAGE,
    OPERATIONS,
    ORDER_PROGRESS,
    ORDER_TYPES,
    SEARCH_HISTORY_LIMIT,
    SEARCH_SPAN_LIMIT,
    UNDETERMINED,
    _is_int,
    _msg,
    _parse_date,
    fmt_dt,
    parse_dt,
)
from .base import OrderValidation


class OrderOperations(OrderValidation):
    """Mixin of :class:`~..state.RmsSandbox`."""

    # -- searchOrder ---------------------------------------------------------------
    def _op_searchOrder(self, request):  # noqa: C901 (validation is a flat list)
        prefix = OPERATIONS["searchOrder"]
        errors = []
        date_type = self._required(request, "dateType", errors, prefix)
        if date_type is not _MISSING and (
            not _is_int(date_type) or not 1 <= date_type <= 6
        ):
            self._bad(errors, prefix, "dateType")
        bounds = {}
        for key in ("startDatetime", "endDatetime"):
            value = self._required(request, key, errors, prefix)
            if value is _MISSING:
                continue
            parsed = parse_dt(value)
            if parsed is None:
                self._bad(errors, prefix, key)
            else:
                bounds[key] = parsed
        start, end = bounds.get("startDatetime"), bounds.get("endDatetime")
        if start and end:
            if start > end:
                errors.append(
                    _msg(
                        "ERROR",
                        prefix + "_ERROR_012",
                        "startDatetimeはendDatetime以前の日時を指定して下さい。",
                    )
                )
            elif end - start > SEARCH_SPAN_LIMIT:
                errors.append(
                    _msg(
                        "ERROR",
                        prefix + "_ERROR_012",
                        "期間検索の範囲は63日以内で指定して下さい。",
                    )
                )
            if start < self.now() - SEARCH_HISTORY_LIMIT:
                errors.append(
                    _msg(
                        "ERROR",
                        prefix + "_ERROR_013",
                        "startDatetimeは過去730日以内の日時を指定して下さい。",
                    )
                )
        filters = {}
        for key, allowed in (
            ("orderProgressList", ORDER_PROGRESS),
            ("orderTypeList", ORDER_TYPES),
        ):
            value = request.get(key)
            if value is None:
                continue
            if not isinstance(value, list) or not all(
                _is_int(v) and v in allowed for v in value
            ):
                self._bad(errors, prefix, key)
            elif value:
                filters[key] = set(value)
        value = request.get("settlementMethod")
        if value is not None:
            if _is_int(value):
                filters["settlementMethod"] = value
            else:
                self._bad(errors, prefix, "settlementMethod")
        for key in (
            "asurakuFlag",
            "couponUseFlag",
            "drugFlag",
            "shippingDateBlankFlag",
            "shippingNumberBlankFlag",
        ):
            value = request.get(key)
            if value is None:
                continue
            if value not in (0, 1) or not _is_int(value):
                self._bad(errors, prefix, key)
            elif value == 1:
                filters[key] = True
        amount, page, descending = DEFAULT_RECORDS_PER_PAGE, 1, False
        paging = request.get("PaginationRequestModel")
        if paging is not None and not isinstance(paging, dict):
            self._bad(errors, prefix, "PaginationRequestModel")
        elif paging:
            value = paging.get("requestRecordsAmount")
            if value is not None:
                if not _is_int(value) or not 1 <= value <= MAX_RECORDS_PER_PAGE:
                    self._bad(errors, prefix, "requestRecordsAmount")
                else:
                    amount = value
            value = paging.get("requestPage")
            if value is not None:
                if not _is_int(value) or value < 1:
                    self._bad(errors, prefix, "requestPage")
                else:
                    page = value
            sorts = paging.get("SortModelList")
            if sorts is not None:
                if not isinstance(sorts, list):
                    self._bad(errors, prefix, "SortModelList")
                else:
                    for sort in sorts:
                        if not isinstance(sort, dict) or sort.get("sortColumn") != 1:
                            self._bad(errors, prefix, "sortColumn")
                        elif sort.get("sortDirection") not in (1, 2):
                            self._bad(errors, prefix, "sortDirection")
                        else:
                            descending = sort["sortDirection"] == 2
        if not errors and (page - 1) * amount >= self.max_reachable_records:
            errors.append(
                _msg(
                    "ERROR",
                    prefix + "_ERROR_014",
                    "検索結果の%d件目以降は取得できません。検索条件を絞り込んで下さい。"
                    % self.max_reachable_records,
                )
            )
        if errors:
            return 400, {
                "orderNumberList": None,
                "MessageModelList": errors,
                "PaginationResponseModel": None,
            }

        hits = []
        for number, order in self.orders.items():
            if not self._in_window(order, date_type, start, end, number):
                continue
            if (
                "orderProgressList" in filters
                and order.get("orderProgress") not in filters["orderProgressList"]
            ):
                continue
            if (
                "orderTypeList" in filters
                and order.get("orderType") not in filters["orderTypeList"]
            ):
                continue
            if (
                "settlementMethod" in filters
                and (order.get("SettlementModel") or {}).get("settlementMethodCode")
                != filters["settlementMethod"]
            ):
                continue
            if "asurakuFlag" in filters and order.get("asurakuFlag") != 1:
                continue
            if "couponUseFlag" in filters and not order.get("CouponModelList"):
                continue
            if "drugFlag" in filters and order.get("drugFlag") != 1:
                continue
            rows = [
                s
                for p in order.get("PackageModelList") or []
                for s in p.get("ShippingModelList") or []
            ]
            if "shippingDateBlankFlag" in filters and any(
                s.get("shippingDate") for s in rows
            ):
                continue
            if "shippingNumberBlankFlag" in filters and any(
                s.get("shippingNumber") for s in rows
            ):
                continue
            hits.append(
                (
                    parse_dt(order.get("orderDatetime"))
                    or datetime.min.replace(tzinfo=JST),
                    number,
                )
            )
        if not hits:
            return 200, {
                "orderNumberList": [],
                "MessageModelList": [
                    _msg(
                        "INFO",
                        prefix + "_INFO_102",
                        "注文検索に成功しました。(検索結果0件)",
                    )
                ],
                "PaginationResponseModel": {
                    "totalRecordsAmount": None,
                    "totalPages": None,
                    "requestPage": None,
                },
            }
        hits.sort(reverse=descending)
        total = len(hits)
        first = (page - 1) * amount
        last = min(first + amount, total, self.max_reachable_records)
        numbers = [number for _dt, number in hits[first:last]]
        return 200, {
            "orderNumberList": numbers,
            "MessageModelList": [
                _msg("INFO", prefix + "_INFO_101", "注文検索に成功しました。")
            ],
            "PaginationResponseModel": {
                "totalRecordsAmount": total,
                "totalPages": -(-total // amount),
                "requestPage": page,
            },
        }

    def _in_window(self, order, date_type, start, end, number):
        if date_type == 4:
            for package in order.get("PackageModelList") or []:
                for row in package.get("ShippingModelList") or []:
                    day = _parse_date(row.get("shippingDate"))
                    if day is not None:
                        moment = datetime(day.year, day.month, day.day, tzinfo=JST)
                        if start <= moment <= end:
                            return True
            return False
        if date_type == 6:
            moment = self._settlement_datetime(order, number)
        else:
            key = {
                1: "orderDatetime",
                2: "shopOrderCfmDatetime",
                3: "orderFixDatetime",
                5: "shippingCmplRptDatetime",
            }[date_type]
            moment = parse_dt(order.get(key))
        return moment is not None and start <= moment <= end

    def _settlement_datetime(self, order, number):
        """決済確定日: when Rakuten fixed the payment (楽天ペイ orders from 300 on)."""
        meta = self._meta.get(number) or {}
        if meta.get("settlement_datetime"):
            return parse_dt(meta["settlement_datetime"])
        settlement = order.get("SettlementModel") or {}
        if (
            settlement.get("rpaySettlementFlag") == 1
            and 300 <= order.get("orderProgress", 0) <= 700
        ):
            return parse_dt(order.get("orderFixDatetime"))
        return None

    # -- getOrder ----------------------------------------------------------------------
    def _op_getOrder(self, request):
        prefix = OPERATIONS["getOrder"]
        errors = []
        numbers = self._order_number_list(request, errors, prefix)
        version = self._required(request, "version", errors, prefix)
        if version is not _MISSING and (
            not _is_int(version) or version not in GET_ORDER_VERSIONS
        ):
            self._bad(errors, prefix, "version")
        if errors:
            return 400, {"MessageModelList": errors, "OrderModelList": []}
        found, messages, seen = [], [], set()
        for number in numbers:
            if number in seen:
                continue
            seen.add(number)
            order = self.orders.get(number)
            if order is None:
                messages.append(
                    _msg(
                        "ERROR",
                        prefix + "_ERROR_101",
                        "指定された注文番号は存在しません。",
                        orderNumber=number,
                    )
                )
            elif number in self.served_as:
                found.append(copy.deepcopy(self.served_as[number]))
            else:
                found.append(self._for_version(order, version))
        messages.insert(
            0,
            _msg(
                "INFO",
                prefix + "_INFO_101",
                "受注情報取得に成功しました。(取得件数%d件)" % len(found),
            ),
        )
        response = {"MessageModelList": messages, "OrderModelList": found}
        if version >= 6:
            response["version"] = version
        return 200, response

    @staticmethod
    def _for_version(order, version):
        """The order as getOrder ``version`` shows it (a new shallow structure)."""
        drop = {
            f
            for v, fields in _ORDER_FIELDS_SINCE.items()
            if version < v
            for f in fields
        }
        if version >= 8:
            drop.update(_ORDER_FIELDS_UNTIL_8)
        drop_pkg = {
            f
            for v, fields in _PACKAGE_FIELDS_SINCE.items()
            if version < v
            for f in fields
        }
        if version >= 8:
            drop_pkg.update(_PACKAGE_FIELDS_UNTIL_8)
        drop_item = {
            f for v, fields in _ITEM_FIELDS_SINCE.items() if version < v for f in fields
        }
        result = {k: v for k, v in order.items() if k not in drop}
        result["PackageModelList"] = [
            dict(
                {k: v for k, v in package.items() if k not in drop_pkg},
                ItemModelList=[
                    {k: v for k, v in item.items() if k not in drop_item}
                    for item in package.get("ItemModelList") or []
                ],
            )
            for package in order.get("PackageModelList") or []
        ]
        return result

    # -- confirmOrder ----------------------------------------------------------------
    def _op_confirmOrder(self, request):
        prefix = OPERATIONS["confirmOrder"]
        errors = []
        numbers = self._order_number_list(request, errors, prefix)
        if errors:
            return 400, {"MessageModelList": errors}
        now = fmt_dt(self.now())
        messages = []
        for number in numbers:
            order = self.orders.get(number)
            if order is None:
                messages.append(
                    _msg(
                        "ERROR",
                        prefix + "_ERROR_101",
                        "指定された注文番号は存在しません。",
                        orderNumber=number,
                    )
                )
            elif order.get("orderProgress") in CANCELLED:
                messages.append(
                    _msg(
                        "ERROR",
                        prefix + "_ERROR_102",
                        "指定された注文は既にキャンセルされています。",
                        orderNumber=number,
                    )
                )
            elif order.get("orderProgress") != 100:
                messages.append(
                    _msg(
                        "ERROR",
                        prefix + "_ERROR_103",
                        "指定された注文は既にステータスが移動しています。",
                        orderNumber=number,
                    )
                )
            elif order.get("postagePrice") == UNDETERMINED or any(
                p.get("postagePrice") == UNDETERMINED
                for p in order.get("PackageModelList") or []
            ):
                messages.append(
                    _msg(
                        "ERROR",
                        prefix + "_ERROR_105",
                        "送料が未確定のため注文確認できません。",
                        orderNumber=number,
                    )
                )
            else:
                order["orderProgress"] = self.confirm_moves_to
                order["shopOrderCfmDatetime"] = now
                if self.confirm_moves_to >= 300:
                    order["orderFixDatetime"] = order.get("orderFixDatetime") or now
                messages.append(
                    _msg(
                        "INFO",
                        prefix + "_INFO_101",
                        "注文確認に成功しました。",
                        orderNumber=number,
                    )
                )
        return 200, {"MessageModelList": messages}
