"""Stock to Rakuten (rms/stock.py): the sellable quantity rule, held units, the push plan."""

import itertools

import pytest

from rms.stock import (
    ABSOLUTE,
    MAX_QUANTITY,
    MAX_UPSERT_ROWS,
    RELATIVE,
    PushRow,
    StockRule,
    batches,
    held_units,
    order_units,
    orders_to_hold,
    plan_push,
    plan_row,
    sellable_quantity,
)


# ----------------------------------------------------------------------------------------------
# The sellable quantity
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "free, rule, held, expected",
    [
        (10, StockRule(), 0, 10),  # everything, no rule
        (10, None, 0, 10),
        (0, StockRule(), 0, 0),
        (-3, StockRule(), 0, 0),  # negative free quantity
        (-3, StockRule(safety=0, rate=100, cap=5), 0, 0),
        (10, StockRule(safety=3), 0, 7),  # safety stock
        (3, StockRule(safety=3), 0, 0),  # safety = free
        (2, StockRule(safety=3), 0, 0),  # safety > free: never below 0
        (10, StockRule(rate=50), 0, 5),  # allocation rate
        (11, StockRule(rate=50), 0, 5),  # 5.5 rounded down
        (1, StockRule(rate=99), 0, 0),  # 0.99 rounded down
        (99, StockRule(rate=1), 0, 0),  # 0.99
        (100, StockRule(rate=1), 0, 1),
        (10, StockRule(rate=0), 0, 0),  # 0 %: nothing on Rakuten
        (10, StockRule(rate=100), 0, 10),  # 100 %
        (10, StockRule(cap=4), 0, 4),  # cap
        (3, StockRule(cap=4), 0, 3),  # under the cap
        (10, StockRule(cap=0), 0, 0),  # cap 0
        (10, StockRule(safety=2, rate=50, cap=3), 0, 3),  # (10-2)*50% = 4, capped at 3
        (10, StockRule(safety=2, rate=50, cap=5), 0, 4),
        (10.9, StockRule(), 0, 10),  # fractions rounded down
        (2.5, StockRule(rate=50), 0, 1),
        (0.4, StockRule(), 0, 0),
        (10, StockRule(), 4, 6),  # held units come off first
        (10, StockRule(safety=2), 4, 4),
        (10, StockRule(safety=2, rate=50), 4, 2),  # (10-4-2)*50%
        (10, StockRule(), 12, 0),  # more held than free
        (10, StockRule(), -5, 10),  # a negative hold is none
        (10**6, StockRule(), 0, MAX_QUANTITY),  # RMS keeps at most 99,999
    ],
)
def test_sellable_quantity(free, rule, held, expected):
    assert sellable_quantity(free, rule, held) == expected


def test_sellable_quantity_never_negative_nor_above_free():
    """Every combination: 0 <= sellable <= max(free - held, 0), and the rule's parts each only
    lower the quantity."""
    for free, safety, rate, cap, held in itertools.product(
        (-5, 0, 1, 2, 7, 10, 33, 101),
        (0, 1, 3, 50),
        (0, 1, 33, 50, 99, 100),
        (None, 0, 1, 5, 200),
        (0, 1, 4, 20),
    ):
        value = sellable_quantity(free, StockRule(safety, rate, cap), held)
        assert 0 <= value <= max(free - held, 0)
        assert value <= sellable_quantity(free, StockRule(0, rate, cap), held)
        assert value <= sellable_quantity(free, StockRule(safety, 100, cap), held)
        assert value <= sellable_quantity(free, StockRule(safety, rate, None), held)
        if cap is not None:
            assert value <= cap
        # exact rounding down, with integers only
        assert value == min(
            max(free - held - safety, 0) * rate // 100,
            cap if cap is not None else 10**9,
        )


def test_sellable_quantity_rounds_percentages_exactly():
    """Integer arithmetic: 29 units at 10 % are 2 (a float product would give
    2.9000000000000004)."""
    assert sellable_quantity(29, StockRule(rate=10)) == 2
    assert (
        sellable_quantity(70, StockRule(rate=10)) == 7
    )  # 70 * 0.1 = 7.000000000000001 as floats
    assert sellable_quantity(0.3 + 0.6, StockRule()) == 0  # 0.8999999999999999


@pytest.mark.parametrize(
    "kwargs", [{"safety": -1}, {"rate": -1}, {"rate": 101}, {"cap": -1}]
)
def test_rule_refuses_impossible_settings(kwargs):
    with pytest.raises(ValueError):
        StockRule(**kwargs)


# ----------------------------------------------------------------------------------------------
# Units RMS holds for orders Odoo has not reserved
# ----------------------------------------------------------------------------------------------
def _order(progress=100, *lines):
    packages = []
    for package in lines:
        packages.append(
            {
                "ItemModelList": [
                    {
                        "manageNumber": manage,
                        "units": units,
                        "SkuModelList": [{"variantId": variant}],
                    }
                    for manage, variant, units in package
                ]
            }
        )
    return {
        "orderNumber": "1-1",
        "orderProgress": progress,
        "PackageModelList": packages,
    }


def test_order_units_sums_lines_and_packages():
    order = _order(
        100, [("item-a", "v1", 2), ("item-a", "v2", 1)], [("item-a", "v1", 3)]
    )
    assert order_units(order) == {("item-a", "v1"): 5, ("item-a", "v2"): 1}


@pytest.mark.parametrize("progress", [100, 200, 300, 400, 500, 600, 700, 800, "300"])
def test_order_units_count_every_live_status(progress):
    assert order_units(_order(progress, [("m", "v", 2)])) == {("m", "v"): 2}


def test_order_units_of_a_cancelled_order_are_none():
    """900 キャンセル確定: RMS gave the units back."""
    assert order_units(_order(900, [("m", "v", 2)])) == {}


@pytest.mark.parametrize(
    "item",
    [
        {
            "manageNumber": "m",
            "units": 2,
            "SkuModelList": [{"variantId": ""}],
        },  # before the migration
        {"manageNumber": "m", "units": 2, "SkuModelList": []},
        {"manageNumber": "m", "units": 2},
        {"manageNumber": "", "units": 2, "SkuModelList": [{"variantId": "v"}]},
        {"manageNumber": "m", "units": 0, "SkuModelList": [{"variantId": "v"}]},
        {"manageNumber": "m", "units": -1, "SkuModelList": [{"variantId": "v"}]},
        {"manageNumber": "m", "units": "2", "SkuModelList": [{"variantId": "v"}]},
        {"manageNumber": "m", "units": True, "SkuModelList": [{"variantId": "v"}]},
        {"manageNumber": "m", "units": 2, "SkuModelList": ["v"]},
        "not an item",
    ],
)
def test_order_units_leave_out_lines_without_a_stock_row(item):
    order = {
        "orderProgress": 100,
        "PackageModelList": [{"ItemModelList": [item]}, "not a package"],
    }
    assert order_units(order) == {}


@pytest.mark.parametrize(
    "order", [None, "1-1", [], {}, {"orderProgress": None}, {"PackageModelList": None}]
)
def test_order_units_of_garbage_are_none(order):
    assert order_units(order) == {}


def test_held_units_add_orders_up():
    assert held_units([{("m", "v"): 2}, {("m", "v"): 1, ("m", "w"): 4}, {}]) == {
        ("m", "v"): 3,
        ("m", "w"): 4,
    }
    assert held_units([]) == {}


def test_orders_to_hold():
    """Live and waiting orders, each once, less those Odoo imported (their units are then in
    the free quantity)."""
    assert orders_to_hold(["1", "2", "3"], ["0", "2"], ["3"]) == ["1", "2", "0"]
    assert orders_to_hold([], [], []) == []
    assert orders_to_hold(["1"], [], ["1"]) == []


# ----------------------------------------------------------------------------------------------
# The push plan
# ----------------------------------------------------------------------------------------------
KEY = ("item-a", "v1")


def test_plan_row_sends_the_difference_relative():
    assert plan_row(KEY, 7, 10) == PushRow("item-a", "v1", RELATIVE, -3, 7)
    assert plan_row(KEY, 12, 10) == PushRow("item-a", "v1", RELATIVE, 2, 12)


def test_plan_row_unchanged_is_not_sent():
    assert plan_row(KEY, 10, 10) is None
    assert plan_row(KEY, 0, 0) is None


def test_plan_row_absolute_where_nothing_can_be_given_back():
    """No stock row on RMS yet (the first write must be ABSOLUTE), or nothing to sell."""
    assert plan_row(KEY, 5, None) == PushRow("item-a", "v1", ABSOLUTE, 5, 5)
    assert plan_row(KEY, 0, None) == PushRow("item-a", "v1", ABSOLUTE, 0, 0)
    assert plan_row(KEY, 0, 8) == PushRow("item-a", "v1", ABSOLUTE, 0, 0)


def test_plan_row_bounds_the_target():
    assert plan_row(KEY, -4, 3).target == 0
    assert plan_row(KEY, 10**6, 0) == PushRow(
        "item-a", "v1", RELATIVE, MAX_QUANTITY, MAX_QUANTITY
    )


def test_relative_rows_compose_with_orders_placed_meanwhile():
    """The no-oversell property: RMS read 10, Odoo wants 7; two orders (2 units) arrive before
    the row does. RELATIVE leaves 5 (nothing given back); ABSOLUTE 7 would have given 2 back."""
    rms = 10
    row = plan_row(KEY, 7, rms)
    rms -= 2  # orders placed on Rakuten while the push is under way
    rms += row.quantity
    assert rms == 5


def test_plan_push_keeps_changed_only():
    rows, unchanged = plan_push(
        [
            (("a", "1"), 5, 5),
            (("a", "2"), 4, 6),
            (("b", "1"), 3, None),
            (("b", "2"), 0, 0),
        ]
    )
    assert [(r.manage_number, r.variant_id, r.mode, r.quantity) for r in rows] == [
        ("a", "2", RELATIVE, -2),
        ("b", "1", ABSOLUTE, 3),
    ]
    assert unchanged == [("a", "1"), ("b", "2")]


def test_plan_push_names_each_sku_once():
    """IE1102: the same manageNumber + variantId twice in one call is refused."""
    rows, unchanged = plan_push([(("a", "1"), 5, 1), (("a", "1"), 6, 1)])
    assert rows == [PushRow("a", "1", RELATIVE, 5, 6)] and unchanged == []


def test_row_json():
    assert plan_row(KEY, 3, 1).as_json() == {
        "manageNumber": "item-a",
        "variantId": "v1",
        "mode": RELATIVE,
        "quantity": 2,
    }


def test_batches_of_400():
    assert [len(b) for b in batches(range(1000))] == [400, 400, 200]
    assert batches([]) == []
    assert [len(b) for b in batches(range(MAX_UPSERT_ROWS))] == [MAX_UPSERT_ROWS]
    assert list(itertools.chain(*batches(range(801)))) == list(range(801))
