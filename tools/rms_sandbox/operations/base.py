"""Request validation shared by the RakutenPay order operations."""

from __future__ import annotations

from ..common import _MISSING, MAX_ORDERS_PER_CALL, _msg


class OrderValidation:
    """Mixin: the checks every order operation makes of its request."""

    # -- validation helpers -------------------------------------------------------
    @staticmethod
    def _required(request, key, errors, prefix):
        """Value of a required item, or _MISSING after recording ERROR 009/010."""
        if key not in request:
            errors.append(
                _msg("ERROR", prefix + "_ERROR_009", "%sの項目を指定して下さい。" % key)
            )
            return _MISSING
        value = request[key]
        if value is None or value == "" or value == []:
            errors.append(
                _msg("ERROR", prefix + "_ERROR_010", "%sの値を指定して下さい。" % key)
            )
            return _MISSING
        return value

    @staticmethod
    def _bad(errors, prefix, key, **extra):
        errors.append(
            _msg("ERROR", prefix + "_ERROR_011", "%sの書式が不正です。" % key, **extra)
        )

    def _order_number_list(self, request, errors, prefix):
        numbers = self._required(request, "orderNumberList", errors, prefix)
        if numbers is _MISSING:
            return None
        if not isinstance(numbers, list) or not all(
            isinstance(n, str) and n for n in numbers
        ):
            self._bad(errors, prefix, "orderNumberList")
            return None
        if len(numbers) > MAX_ORDERS_PER_CALL:
            errors.append(
                _msg(
                    "ERROR",
                    prefix + "_ERROR_012",
                    "orderNumberListは%d件以下で指定して下さい。" % MAX_ORDERS_PER_CALL,
                )
            )
            return None
        return numbers
