"""Row-adding calls against the sandbox: resent only when RMS verifiably did not act.

The sandbox's ``acted_503_rate`` carries out a shipping update and then answers a plain 503
(as a gateway may after RMS acted); ``maintenance`` answers 503 ES01-02 and does nothing.
"""

import pytest

from rms.client import RmsClient
from rms.exceptions import RmsServerError
from tools.rms_sandbox import RmsSandbox


@pytest.fixture
def sandbox():
    with RmsSandbox("s-secret", "s-key", seed=3) as box:
        box.generate_orders(3, mix={"progress": {300: 1.0}, "packages": {1: 1.0}})
        yield box


def client(box, **kwargs):
    return RmsClient(
        box.service_secret,
        box.license_key,
        box.url,
        min_interval=0,
        backoff_factor=0,
        max_retries=3,
        timeout=(2, 5),
        **kwargs,
    )


def rows(box, number):
    return box.orders[number]["PackageModelList"][0].get("ShippingModelList") or []


def test_a_503_after_acting_is_not_resent(sandbox):
    number = sorted(sandbox.orders)[0]
    basket = sandbox.orders[number]["PackageModelList"][0]["basketId"]
    before = len(rows(sandbox, number))
    sandbox.acted_503_rate = 1.0
    with client(sandbox) as rms, pytest.raises(RmsServerError):
        rms.update_order_shipping(
            number,
            [{"basketId": basket, "ShippingModelList": [{"deliveryCompany": "1001"}]}],
        )
    assert sandbox.calls["updateOrderShipping"] == 1
    assert len(rows(sandbox, number)) == before + 1, "RMS acted once, and only once"


def test_maintenance_is_resent_until_it_ends_or_retries_run_out(sandbox):
    number = sorted(sandbox.orders)[0]
    basket = sandbox.orders[number]["PackageModelList"][0]["basketId"]
    before = len(rows(sandbox, number))
    sandbox.maintenance = True
    with client(sandbox) as rms, pytest.raises(RmsServerError):
        rms.update_order_shipping(
            number,
            [{"basketId": basket, "ShippingModelList": [{"deliveryCompany": "1001"}]}],
        )
    assert sandbox.calls["updateOrderShipping"] == 4
    assert len(rows(sandbox, number)) == before, "nothing was done during maintenance"
