"""Inventory API 2.0 (在庫API 2.0): inventories.bulk.get and inventories.bulk.upsert over the
RMS-side stock ``self.stock`` ((manageNumber, variantId) -> quantity).

Sandbox choices where the reference is silent: one bad row rejects the whole bulk-upsert
(nothing applied, every error listed); bulk-get answers only the SKUs RMS knows, in the
order asked; bulk-get works before the SKU migration, bulk-upsert answers IE1105.
"""

from __future__ import annotations

from ..common import _error, _errors
from .rest import check_id, check_list, is_int, parse_body

MAX_BULK_GET = 1000
MAX_BULK_UPSERT = 400
MAX_QUANTITY = 99999
MODES = ("ABSOLUTE", "RELATIVE")


class InventoryOperations:
    """Mixin of :class:`~..state.RmsSandbox`."""

    def _inventory_keys(self, request, limit, errors):
        """The rows of ``inventories`` with valid keys, as (index, row, key); errors recorded."""
        rows = check_list(request, "inventories", limit, errors)
        found, seen = [], set()
        for i, row in enumerate(rows or ()):
            path = "inventories[%d]" % i
            if not isinstance(row, dict):
                errors.append(_error("IE0002", "Invalid value.", path))
                continue
            ok = check_id(row.get("manageNumber"), path + ".manageNumber", errors)
            ok = check_id(row.get("variantId"), path + ".variantId", errors) and ok
            if not ok:
                continue
            key = (row["manageNumber"], row["variantId"])
            if key in seen:
                errors.append(
                    _error("IE1102", "Duplicate manageNumber and variantId.", path)
                )
            seen.add(key)
            found.append((i, row, key))
        return found

    def _inventories_bulk_get(self, _parameter, _query, body):
        request, failure = parse_body(body)
        if failure:
            return failure
        errors = []
        rows = self._inventory_keys(request, MAX_BULK_GET, errors)
        if errors:
            return 400, {"errors": errors}
        answer = []
        for _i, _row, key in rows:
            if key in self.stock:
                created, updated = self._stock_times[key]
                answer.append(
                    {
                        "manageNumber": key[0],
                        "variantId": key[1],
                        "quantity": self.stock[key],
                        "created": created,
                        "updated": updated,
                    }
                )
        return 200, {"inventories": answer}

    def _inventories_bulk_upsert(self, _parameter, _query, body):
        if not self.sku_migrated:
            return 400, _errors(
                "IE1105", "This endpoint is disabled for the shop not migrated to SKU."
            )
        request, failure = parse_body(body)
        if failure:
            return failure
        errors = []
        rows = self._inventory_keys(request, MAX_BULK_UPSERT, errors)
        plan = []
        for i, row, key in rows:
            path = "inventories[%d]" % i
            key = (
                key[0].lower(),
                key[1],
            )  # the API lower-cases manageNumber (rms-api.md §7)
            mode, quantity = row.get("mode"), row.get("quantity")
            if mode is None:
                errors.append(
                    _error("IE0001", "Required field is missing.", path + ".mode")
                )
                continue
            if mode not in MODES:
                errors.append(_error("IE0002", "Invalid value.", path + ".mode"))
                continue
            if quantity is None:
                errors.append(
                    _error("IE0001", "Required field is missing.", path + ".quantity")
                )
                continue
            if not is_int(quantity):
                errors.append(_error("IE0002", "Invalid value.", path + ".quantity"))
                continue
            if mode == "ABSOLUTE":
                if not 0 <= quantity <= MAX_QUANTITY:
                    errors.append(
                        _error(
                            "IE0003",
                            "Out of range (0-%d)." % MAX_QUANTITY,
                            path + ".quantity",
                        )
                    )
                    continue
                plan.append((key, quantity))
            elif key not in self.stock:
                errors.append(
                    _error(
                        "IE0500",
                        "RELATIVE needs an existing manageNumber and variantId.",
                        path,
                    )
                )
            elif not 0 <= self.stock[key] + quantity <= MAX_QUANTITY:
                errors.append(
                    _error(
                        "IE0117",
                        "The quantity after the update is out of range (0-%d)."
                        % MAX_QUANTITY,
                        path + ".quantity",
                    )
                )
            else:
                plan.append((key, self.stock[key] + quantity))
        if errors:
            return 400, {"errors": errors}
        for key, quantity in plan:
            self.set_stock(key[0], key[1], quantity)
        return 204, None
