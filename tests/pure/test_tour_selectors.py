"""The browser tours (static/tests/tours/) select buttons, fields, pages and menus by name:
each name they use must exist in the addon's views, so a rename fails here, without a browser."""

import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _read(pattern):
    return "\n".join(
        open(path, encoding="utf-8").read()
        for path in glob.glob(os.path.join(ROOT, pattern))
    )


TOURS = _read("static/tests/tours/*.js")
VIEWS = _read("views/*.xml")


def test_tours_are_registered_in_the_test_assets():
    manifest = open(os.path.join(ROOT, "__manifest__.py"), encoding="utf-8").read()
    assert (
        '"web.assets_tests"' in manifest
        and "sale_rakuten/static/tests/tours/" in manifest
    )
    names = set(re.findall(r'web_tour\.tours"\)\.add\("(\w+)"', TOURS))
    test = open(os.path.join(ROOT, "tests", "test_tour.py"), encoding="utf-8").read()
    assert names == {"sale_rakuten_main_flow", "sale_rakuten_banner_ja"}
    for name in names:
        assert '"%s"' % name in test


def test_every_button_field_and_page_of_ours_exists():
    buttons = set(re.findall(r"button\[name=(rakuten_\w+|action_rakuten_\w+)\]", TOURS))
    assert {
        "action_rakuten_test_connection",
        "action_rakuten_import_now",
        "action_rakuten_mark_checked",
    } <= buttons
    for name in buttons:
        assert re.search(r'<button name="%s"' % name, VIEWS), name
    for prefix in re.findall(r"\[name\^=(\w+)\]", TOURS):
        assert re.search(r'<field name="%s\w*"' % prefix, VIEWS), prefix
    for name in re.findall(r"\[name=(count_\w+)\]", TOURS):
        assert '<field name="%s"' % name in VIEWS, name
    assert "a[name=rakuten]" in TOURS and re.search(
        r'<page\b[^>]*\bname="rakuten"', VIEWS
    )


def test_every_menu_of_ours_exists():
    menus = set(re.findall(r'data-menu-xmlid="sale_rakuten\.(\w+)"', TOURS))
    assert menus == {"menu_rakuten_root", "menu_rakuten_orders"}
    for menu in menus:
        assert '<menuitem id="%s"' % menu in VIEWS, menu
