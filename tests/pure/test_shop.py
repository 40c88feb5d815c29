import pytest

from rms.shop import normalize_shop_url


@pytest.mark.parametrize(
    "value, expected",
    [
        ("myshop", "myshop"),
        ("  my-shop_01 ", "my-shop_01"),
        ("https://www.rakuten.ne.jp/myshop/", "myshop"),
        ("https://www.rakuten.ne.jp/myshop", "myshop"),
        ("http://www.rakuten.ne.jp/gold/myshop/", "myshop"),
        ("www.rakuten.ne.jp/gold/myshop/index.html", "myshop"),
        ("https://www.rakuten.ne.jp/myshop/?l-id=top", "myshop"),
    ],
)
def test_shop_url_is_reduced_to_its_code(value, expected):
    assert normalize_shop_url(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        "https://item.rakuten.co.jp/myshop/item-1/",
        "https://www.rakuten.ne.jp/gold/",
        "gold",
        "my shop",
        "https://example.com/myshop/",
        "ショップ",
    ],
)
def test_anything_else_is_refused(value):
    assert normalize_shop_url(value) is None
