"""Hostile RMS order data for the fuzz suites: `hypothesis` strategies, no Odoo, no rms/.

:func:`hostile_orders` draws a broken version of a valid getOrder ``OrderModel`` dict: an
entry that is not an order at all (``None``, a string, a list), or the order with one or more
kinds of damage: any JSON value in any field, a field removed, text PostgreSQL refuses (NUL,
unpaired surrogates), HTML, emoji, half-width kana, injection text, strings of tens of
kilobytes, negative, zero or absurd amounts and quantities, unknown tax rates, a package or an
item line repeated. The tests serve these through ``RmsSandbox.serve_as`` (Odoo tier) or feed
them to the parser (pure tier), mixed with valid orders.

Used by tests only (hypothesis is a test requirement).
"""

import copy

from hypothesis import strategies as st

#: Texts seen to break importers, as they are.
HOSTILE_TEXTS = (
    "\x00",
    "山田\x00太郎",
    "\ud800",
    "abc\udfffdef",
    "\x1b[2J\x07",
    "\x7f\x85\x9f",
    "\u202e逆順\u202c",
    "<script>alert(1)</script>",
    "<b>太字</b>&amp;&lt;",
    "'; DROP TABLE sale_order; --",
    "%(amount)s %s {0} %%",
    "ﾔﾏﾀﾞ ﾀﾛｳ",
    "😀👨‍👩‍👧🇯🇵",
    "\t\n\r",
    "   ",
    "",
    "０１２－３４５６",
)
AMOUNTS = (-1, -2700, -9999, -(10**6), 0, 10**9, 10**12, 2**31, 2**63, -(2**63))
TAX_RATES = (0.05, 0.03, 0.5, 0.99, 1, -0.1, "0.1.0", "", "10%", None)

_characters = st.characters(codec=None, categories=None)
texts = st.one_of(
    st.sampled_from(HOSTILE_TEXTS),
    st.text(alphabet=_characters, max_size=40),
    # long values: tens of kilobytes of one character or of a short random pattern
    st.builds(
        lambda text, times: text * times,
        st.text(alphabet=_characters, min_size=1, max_size=4),
        st.integers(min_value=64, max_value=12_000),
    ),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(AMOUNTS),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=8), children, max_size=3),
    ),
    max_leaves=6,
)
#: Entries of OrderModelList that are no order object at all.
not_orders = st.one_of(
    st.none(), texts, st.integers(), st.lists(scalars, max_size=2), st.just({})
)


def paths(value, prefix=()):
    """Every path (tuple of keys and indexes) inside ``value``, containers included."""
    found = []
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return found
    for key, child in items:
        path = prefix + (key,)
        found.append(path)
        found.extend(paths(child, path))
    return found


def _parent(order, path):
    node = order
    for key in path[:-1]:
        node = node[key]
    return node


def _dicts(value):
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _packages(order):
    return _dicts(order.get("PackageModelList"))


def _items(order):
    return [
        item
        for package in _packages(order)
        for item in _dicts(package.get("ItemModelList"))
    ]


@st.composite
def damage(draw, order):
    """Damage ``order`` (a dict, changed in place) once; returns a short description."""
    kind = draw(
        st.sampled_from(
            (
                "set",
                "set",
                "set",
                "text",
                "text",
                "delete",
                "amount",
                "amount",
                "tax_rate",
                "zero_units",
                "negative_price",
                "duplicate_basket",
                "duplicate_item",
            )
        )
    )
    all_paths = paths(order)
    if kind in ("set", "delete", "text", "amount") and all_paths:
        if kind == "text":  # a field that holds text
            candidates = [
                p for p in all_paths if isinstance(_parent(order, p)[p[-1]], str)
            ] or all_paths
        elif kind == "amount":  # a field that holds a number
            candidates = [
                p for p in all_paths if type(_parent(order, p)[p[-1]]) in (int, float)
            ] or all_paths
        else:
            candidates = all_paths
        path = draw(st.sampled_from(candidates))
        parent = _parent(order, path)
        if kind == "delete":
            if isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent.pop(path[-1])
        else:
            strategy = {
                "set": json_values,
                "text": texts,
                "amount": st.sampled_from(AMOUNTS),
            }[kind]
            parent[path[-1]] = draw(strategy)
        return "%s %s" % (kind, ".".join(map(str, path)))
    items = _items(order)
    packages = _packages(order)
    if kind == "tax_rate" and items:
        item = draw(st.sampled_from(items))
        item["taxRate"] = draw(st.sampled_from(TAX_RATES))
    elif kind == "zero_units" and items:
        draw(st.sampled_from(items))["units"] = 0
    elif kind == "negative_price" and items:
        item = draw(st.sampled_from(items))
        item["price"] = item["priceTaxIncl"] = draw(
            st.sampled_from((-1, -900, -(10**6)))
        )
    elif kind == "duplicate_basket" and packages:
        order["PackageModelList"].append(copy.deepcopy(packages[0]))
    elif kind == "duplicate_item" and items:
        package = next(p for p in packages if _dicts(p.get("ItemModelList")))
        package["ItemModelList"].append(
            copy.deepcopy(_dicts(package["ItemModelList"])[0])
        )
    return kind


@st.composite
def hostile_orders(draw, base, max_damage=3):
    """``(entry, description)``: a hostile getOrder entry made from the valid order ``base``
    (not changed): no order object at all (1 in 8), or ``base`` with 1 to ``max_damage``
    kinds of damage. The order number is left alone unless the damage hits it."""
    if draw(st.integers(min_value=0, max_value=7)) == 0:
        return draw(not_orders), "not an order object"
    order = copy.deepcopy(base)
    done = []
    for _ in range(draw(st.integers(min_value=1, max_value=max_damage))):
        if not isinstance(order, dict):
            break
        done.append(draw(damage(order)))
    return order, "; ".join(done)
