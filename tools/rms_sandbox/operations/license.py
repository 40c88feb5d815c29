"""License key expiry (ライセンス管理API)."""

from __future__ import annotations

from ..common import _gateway
from .base import OrderValidation


class LicenseOperations(OrderValidation):
    """Mixin of :class:`~..state.RmsSandbox`."""

    # -- license ----------------------------------------------------------------
    def _license_expiry(self, query):
        keys = query.get("licenseKey") or []
        if not keys or keys[0] != self.license_key:
            return 400, _gateway("ES04-01", "Bad Request")
        return 200, {"expiryDate": "%sT23:59:59" % self.license_expiry.isoformat()}
