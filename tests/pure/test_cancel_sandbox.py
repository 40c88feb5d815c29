"""cancelOrder against the sandbox, as the cancel job meets it: accepted, refused with RMS's
message, and carried out with its answer lost (``acted_503_rate`` restricted to cancelOrder
by ``fault_operations``: getOrder still answers, so the order can be read back), one call each.
"""

import pytest

from rms import codes
from rms.client import RmsClient
from rms.exceptions import RmsBadRequestError, RmsServerError
from tools.rms_sandbox import RmsSandbox
from tools.rms_sandbox.common import (
    CANCELLABLE,
    CUSTOMER_CANCEL_REASONS,
    SHOP_CANCEL_REASONS,
)


@pytest.fixture
def sandbox():
    with RmsSandbox("c-secret", "c-key", seed=5) as box:
        box.generate_orders(
            3,
            mix={"progress": {300: 1.0}, "packages": {1: 1.0}, "order_type": {1: 1.0}},
        )
        yield box


@pytest.fixture
def client(sandbox):
    with RmsClient(
        sandbox.service_secret,
        sandbox.license_key,
        sandbox.url,
        min_interval=0,
        backoff_factor=0,
        max_retries=3,
        timeout=(2, 5),
    ) as rms:
        yield rms


def test_accepted_once(sandbox, client):
    number = sorted(sandbox.orders)[0]
    result = client.cancel_order(number, inventory_restore_type=0, reason_code=1)
    assert result.ok
    assert sandbox.orders[number]["orderProgress"] == 800
    assert sandbox.calls["cancelOrder"] == 1


@pytest.mark.parametrize("progress", [500, 800, 900])
def test_refused_with_rms_message(sandbox, client, progress):
    number = sorted(sandbox.orders)[0]
    sandbox.set_progress(number, progress)
    with pytest.raises(RmsBadRequestError) as caught:
        client.cancel_order(number, inventory_restore_type=1, reason_code=8)
    [message] = caught.value.messages
    assert message.is_error
    assert message.message_code == "ORDER_EXT_API_CANCEL_ORDER_ERROR_102"
    assert "キャンセル申請できません" in message.message
    assert sandbox.orders[number]["orderProgress"] == progress
    assert sandbox.calls["cancelOrder"] == 1


def test_answer_lost_after_acting_is_not_resent(sandbox, client):
    number = sorted(sandbox.orders)[0]
    sandbox.fault_operations = {"cancelOrder"}
    sandbox.acted_503_rate = 1.0
    with pytest.raises(RmsServerError):
        client.cancel_order(number, inventory_restore_type=1, reason_code=8)
    assert sandbox.calls["cancelOrder"] == 1, "sent once, never resent"
    # getOrder is not hit by the fault: the order reads back as cancelled.
    [model] = client.get_order([number])
    assert model["orderProgress"] == 800
    assert sandbox.calls["getOrder"] == 1


def test_acted_503_follows_fault_operations(sandbox, client):
    number = sorted(sandbox.orders)[0]
    basket = sandbox.orders[number]["PackageModelList"][0]["basketId"]
    sandbox.fault_operations = {"cancelOrder"}
    sandbox.acted_503_rate = 1.0
    # A row-adding call left out of fault_operations answers normally.
    client.update_order_shipping(
        number,
        [{"basketId": basket, "ShippingModelList": [{"deliveryCompany": "1001"}]}],
    )
    assert sandbox.calls["updateOrderShipping"] == 1


def test_the_codes_match_what_rms_takes():
    assert set(codes.PROGRESS_CANCELLABLE) == set(CANCELLABLE)
    assert set(codes.CANCEL_REASONS_BEFORE_SHIPPING) <= set(
        CUSTOMER_CANCEL_REASONS + SHOP_CANCEL_REASONS
    )
    # The reasons that need the goods to have left are not offered before shipping.
    assert not {2, 3, 5, 15} & set(codes.CANCEL_REASONS_BEFORE_SHIPPING)
    assert set(codes.CANCEL_REASONS_BEFORE_SHIPPING) <= set(codes.CANCEL_REASON_EN)
