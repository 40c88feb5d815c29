import pytest

from rms.shop import EXPECTED_FORMS, normalize_shop_url


@pytest.mark.parametrize(
    "value, expected",
    [
        # The shop code alone.
        ("myshop", "myshop"),
        ("  my-shop_01 ", "my-shop_01"),
        # The shop's top page on www.rakuten.co.jp (what the browser shows).
        ("https://www.rakuten.co.jp/myshop/", "myshop"),
        ("https://www.rakuten.co.jp/myshop", "myshop"),
        ("www.rakuten.co.jp/myshop/?scid=wi_ich_shop", "myshop"),
        ("http://rakuten.co.jp/myshop/", "myshop"),
        # Its GOLD page.
        ("https://www.rakuten.ne.jp/gold/myshop/", "myshop"),
        ("http://www.rakuten.ne.jp/gold/myshop/", "myshop"),
        ("www.rakuten.ne.jp/gold/myshop/index.html", "myshop"),
        # The www.rakuten.ne.jp form of the top page.
        ("https://www.rakuten.ne.jp/myshop/", "myshop"),
        ("https://www.rakuten.ne.jp/myshop", "myshop"),
        ("https://www.rakuten.ne.jp/myshop/?l-id=top", "myshop"),
        # Any item page of the shop.
        ("https://item.rakuten.co.jp/myshop/item-1/", "myshop"),
        ("https://item.rakuten.co.jp/myshop/item-1/?variantId=a1#reviews", "myshop"),
        ("HTTPS://ITEM.RAKUTEN.CO.JP/MyShop/10000123/", "MyShop"),
    ],
)
def test_shop_url_is_reduced_to_its_code(value, expected):
    assert normalize_shop_url(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        "https://www.rakuten.ne.jp/gold/",
        "https://www.rakuten.co.jp/",
        "https://item.rakuten.co.jp/",
        "https://www.rakuten.co.jp/gold/",
        "https://www.rakuten.co.jp/event/",
        "gold",
        "my shop",
        "https://example.com/myshop/",
        "https://www.rakuten.co.jp.example.com/myshop/",
        "https://books.rakuten.co.jp/myshop/",
        "ftp://www.rakuten.co.jp/myshop/",
        "ショップ",
    ],
)
def test_anything_else_is_refused(value):
    assert normalize_shop_url(value) is None


def test_every_form_told_to_the_merchant_is_accepted():
    for form in EXPECTED_FORMS:
        assert (
            normalize_shop_url(form.replace("XXXX", "myshop").replace("…", "item-1/"))
            == "myshop"
        )
