"""Completeness of the RMS code tables (rms/codes.py)."""

import csv
import importlib.util
import os

import pytest

from rms import codes


def test_undetermined_price():
    assert codes.UNDETERMINED_PRICE == -9999


# --- prefectures ----------------------------------------------------------
def test_47_prefectures_in_jis_order():
    assert len(codes.PREFECTURES) == 47
    assert [code for code, _kanji, _romaji in codes.PREFECTURES] == [
        "%02d" % n for n in range(1, 48)
    ]
    assert len(codes.PREFECTURE_TO_STATE_CODE) == 47  # kanji names are unique
    assert sorted(codes.PREFECTURE_TO_STATE_CODE.values()) == [
        "%02d" % n for n in range(1, 48)
    ]


def test_prefecture_suffixes():
    suffixes = [kanji[-1] for _code, kanji, _romaji in codes.PREFECTURES]
    assert suffixes.count("都") == 1
    assert suffixes.count("道") == 1
    assert suffixes.count("府") == 2
    assert suffixes.count("県") == 43


@pytest.mark.parametrize(
    "kanji, code",
    [
        ("北海道", "01"),
        ("青森県", "02"),
        ("東京都", "13"),
        ("神奈川県", "14"),
        ("京都府", "26"),
        ("大阪府", "27"),
        ("兵庫県", "28"),
        ("福岡県", "40"),
        ("鹿児島県", "46"),
        ("沖縄県", "47"),
    ],
)
def test_prefecture_to_state_code(kanji, code):
    assert codes.PREFECTURE_TO_STATE_CODE[kanji] == code
    assert codes.STATE_CODE_TO_PREFECTURE[code] == kanji


@pytest.mark.parametrize(
    "name, code",
    [
        ("東京都", "13"),
        (" 東京都\u3000", "13"),
        ("東京", "13"),
        ("京都", "26"),
        ("大阪", "27"),
        ("北海道", "01"),
        ("和歌山", "30"),
        ("Tokyo", None),
        ("", None),
        (None, None),
        ("北海", None),
    ],
)
def test_prefecture_state_code_lookup(name, code):
    assert codes.prefecture_state_code(name) == code


def _odoo_state_csv():
    """Odoo's base state data file, found without importing Odoo (pure tier)."""
    spec = importlib.util.find_spec("odoo")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        path = os.path.join(root, "addons", "base", "data", "res.country.state.csv")
        if os.path.exists(path):
            return path
    return None


def test_state_codes_match_odoo_base():
    path = _odoo_state_csv()
    if not path:
        pytest.skip("Odoo base data not available")
    with open(path, encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if r and r[0].startswith("state_jp_jp-")]
    odoo_states = {row[3]: row[2] for row in rows}  # code -> romaji name
    ours = {code: romaji for code, _kanji, romaji in codes.PREFECTURES}
    assert ours == odoo_states
    for row in rows:
        assert row[0] == "state_jp_jp-" + row[3]


# --- carriers -------------------------------------------------------------
def test_delivery_companies_contiguous():
    expected = [str(code) for code in range(1000, 1032)]
    assert list(codes.DELIVERY_COMPANY) == expected
    assert list(codes.DELIVERY_COMPANY_EN) == expected
    assert [code for code, _label in codes.DELIVERY_COMPANY_SELECTION] == expected


@pytest.mark.parametrize(
    "code, name",
    [
        ("1000", "その他"),
        ("1001", "ヤマト運輸"),
        ("1002", "佐川急便"),
        ("1003", "日本郵便"),
        ("1005", "セイノースーパーエクスプレス"),
        ("1015", "NXトランスポート"),
        ("1028", "Rakuten EXPRESS"),
        ("1029", "日本郵便 楽天倉庫出荷"),
        ("1030", "ヤマト運輸 クロネコゆうパケット"),
        ("1031", "名鉄NX運輸"),
    ],
)
def test_delivery_company_current_names(code, name):
    assert codes.DELIVERY_COMPANY[code] == name


def test_delivery_company_other_is_1000():
    assert codes.DELIVERY_COMPANY[codes.DELIVERY_COMPANY_OTHER] == "その他"


# --- status and type tables ----------------------------------------------
def test_order_progress():
    assert list(codes.ORDER_PROGRESS) == list(range(100, 1000, 100))
    assert list(codes.ORDER_PROGRESS_EN) == list(codes.ORDER_PROGRESS)
    assert codes.ORDER_PROGRESS[300] == "発送待ち"
    assert codes.ORDER_PROGRESS_SELECTION[0] == ("100", "Awaiting order confirmation")
    assert set(codes.PROGRESS_SHIPPED) | set(codes.PROGRESS_CANCELLED) == {
        500,
        600,
        700,
        800,
        900,
    }


def test_order_type():
    assert set(codes.ORDER_TYPE) == {1, 4, 5, 6} == set(codes.ORDER_TYPE_EN)
    assert codes.ORDER_TYPE[codes.ORDER_TYPE_DISTRIBUTION_CLUB] == "頒布会"
    assert codes.ORDER_TYPE[codes.ORDER_TYPE_RESERVATION] == "予約商品"


def test_settlement_methods():
    assert set(codes.SETTLEMENT_METHOD) == set(codes.SETTLEMENT_METHOD_EN)
    assert {1, 2, 4, 5, 6, 7, 8, 9, 12, 13, 14, 16, 17, 21, 27} <= set(
        codes.SETTLEMENT_METHOD
    )
    assert codes.SETTLEMENT_METHOD[codes.SETTLEMENT_CASH_ON_DELIVERY] == "代金引換"
    assert codes.SETTLEMENT_METHOD[14] == "ファミリーマート、ローソン等（前払）"
    assert codes.RPAY_SETTLEMENT_FLAG == {0: "選択制決済", 1: "楽天市場の共通決済手段"}


def test_slip_payment_and_approval_states():
    assert codes.PAYMENT_STATE == {"0": "未入金", "1": "一部入金", "2": "入金済"}
    assert list(codes.APPROVAL_STATE) == ["0", "10", "20", "30", "70", "90"]
    assert codes.APPROVAL_STATE["90"] == "承認NG"
    assert [c for c, _ in codes.APPROVAL_STATE_SELECTION] == list(codes.APPROVAL_STATE)
    assert codes.APPROVAL_STATE[codes.APPROVAL_STATE_UNAPPROVED] == "未承認"
    assert codes.PAYMENT_STATE[codes.PAYMENT_STATE_UNPAID] == "未入金"


def test_cancel_reasons():
    assert set(codes.CANCEL_REASON) == {1, 2, 3, 4, 5, 6, 8, 10, 13, 14, 15}
    assert (
        set(codes.CANCEL_REASON_EN)
        == set(codes.CANCEL_REASON)
        == set(codes.CANCEL_REASON_SIDE)
    )
    assert set(codes.CHANGE_REASON_DETAIL) == set(codes.CANCEL_REASON) | {16}
    assert 16 not in codes.CANCEL_REASON  # not a reason one can send
    assert (
        codes.CANCEL_REASON_SIDE[8] == "shop"
        and codes.CANCEL_REASON_SIDE[1] == "customer"
    )


def test_inventory_restore_type():
    assert (
        set(codes.INVENTORY_RESTORE_TYPE)
        == {0, 1, 2}
        == set(codes.INVENTORY_RESTORE_TYPE_EN)
    )


def test_payment_status():
    assert set(codes.PAYMENT_STATUS) == set(codes.PAYMENT_STATUS_EN)
    assert codes.PAYMENT_STATUS[30600] == "決済確定"
    assert codes.PAYMENT_STATUS[31500] == "取消完了"
    for group in (
        codes.PAYMENT_STATUS_SETTLED,
        codes.PAYMENT_STATUS_REFUSED,
        codes.PAYMENT_STATUS_CANCELLED,
    ):
        assert group <= set(codes.PAYMENT_STATUS)
    assert 31200 in codes.PAYMENT_STATUS_PROCEDURE_CANCEL
    assert 31400 not in codes.PAYMENT_STATUS_PROCEDURE_CANCEL


@pytest.mark.parametrize(
    "selection",
    [
        codes.ORDER_PROGRESS_SELECTION,
        codes.ORDER_TYPE_SELECTION,
        codes.SETTLEMENT_METHOD_SELECTION,
        codes.RPAY_SETTLEMENT_FLAG_SELECTION,
        codes.DELIVERY_COMPANY_SELECTION,
        codes.PAYMENT_STATE_SELECTION,
        codes.APPROVAL_STATE_SELECTION,
        codes.CANCEL_REASON_SELECTION,
        codes.INVENTORY_RESTORE_TYPE_SELECTION,
    ],
)
def test_selections_are_odoo_ready(selection):
    keys = [key for key, _label in selection]
    labels = [label for _key, label in selection]
    assert all(isinstance(key, str) for key in keys)
    assert len(set(keys)) == len(keys)
    assert len(set(labels)) == len(labels), "labels must tell the options apart"
    assert all(label.strip() for label in labels)
