"""ShopAPI (店舗運営API) shop.operationLeadTime.get, the SKU migration probe of the client.

``GET /es/1.0/shop/operationLeadTime`` answers XML (rms-items-inventory.md §4): ``N000`` with
the shop's 出荷リードタイム list once the shop has migrated to the SKU model, ``C008``
"Requested data is not found." before (RMS's pre-migration sample). Sandbox choice where the
reference is silent: both answer HTTP 200, the result is in ``resultCode``.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

_NAMESPACE = "http://rakuten.co.jp/rms/mall/shop/biz/api/model/resource"

#: The sandbox shop's 出荷リードタイム list: (operationLeadTimeId, name, numberOfDays).
OPERATION_LEAD_TIMES = (
    (41, "出荷リードタイム01", 1),
    (42, "出荷リードタイム03", 3),
)


def _response(code, message, result=""):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<shopbiz:shopBizApiResponse xmlns:shopbiz="%s">'
        "<resultCode>%s</resultCode>"
        "<resultMessageList><resultMessage><code>%s</code><message>%s</message>"
        "</resultMessage></resultMessageList>%s"
        "</shopbiz:shopBizApiResponse>"
        % (_NAMESPACE, code, code, escape(message), result)
    ).encode("utf-8")


class ShopOperations:
    """Mixin of :class:`~..state.RmsSandbox`."""

    def _shop_operation_lead_time(self, _parameter, _query, _body):
        if not self.sku_migrated:
            return 200, _response("C008", "Requested data is not found.")
        rows = "".join(
            "<operationLeadTime><operationLeadTimeId>%d</operationLeadTimeId><name>%s</name>"
            "<numberOfDays>%d</numberOfDays></operationLeadTime>"
            % (ident, escape(name), days)
            for ident, name, days in OPERATION_LEAD_TIMES
        )
        result = (
            '<result xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
            ' xsi:type="shopbiz:operationLeadTimeBizModel">'
            "<operationLeadTimeList>%s</operationLeadTimeList></result>" % rows
        )
        return 200, _response("N000", "Succeeded.", result)
