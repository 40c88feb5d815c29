"""The Japanese translation (i18n/ja.po) against the template (i18n/sale_rakuten.pot).

Pure tier: no Odoo. polib is used when installed; a small PO reader is the fallback (and is
checked against polib when both are there).

* ja.po parses and declares Japanese (Language: ja, one plural form);
* every msgid of the template is in ja.po with a non-empty msgstr;
* %-placeholders are identical between msgid and msgstr;
* every message template of rms/ (rendered by the Odoo layer at read time, so invisible to
  the exporter): rules.REASONS and rules.MESSAGES, mapping.CHECK_REASONS and
  mapping.LINE_NAMES, sync.REASONS, the RMS error explanations exceptions.USER_MESSAGES and
  the RMS status names codes.ORDER_PROGRESS_EN (arguments of reasons), the cancel reasons
  codes.CANCEL_REASON_EN (the order's cancel reason) has a Japanese code
  translation, marked ``odoo-python`` as Odoo's CodeTranslations requires, in both files;
* those English templates hold no Japanese (Japanese belongs to the translation).
"""

import ast
import re
from pathlib import Path

import pytest

from rms import changes, client, codes, exceptions, mapping, rules, sync
from rms.messages import Message

try:
    import polib
except ImportError:  # pragma: no cover - depends on the environment
    polib = None

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "i18n" / "sale_rakuten.pot"
JA = ROOT / "i18n" / "ja.po"

#: %(name)s-style and positional placeholders (%s, %d, %r, %i, %f); "10%" is not one.
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdirf]|%[sdirf]")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")

DYNAMIC = {
    template: "rules.REASONS[%r]" % code
    for code, (_d, template) in rules.REASONS.items()
}
DYNAMIC.update(
    {
        template: "mapping.CHECK_REASONS[%r]" % check
        for check, template in mapping.CHECK_REASONS.items()
    }
)
DYNAMIC.update({template: "rules.MESSAGES" for template in rules.MESSAGES})
DYNAMIC.update(
    {
        template: "mapping.LINE_NAMES[%r]" % kind
        for kind, pair in mapping.LINE_NAMES.items()
        for template in pair
        if template
    }
)
DYNAMIC.update(
    {template: "sync.REASONS[%r]" % code for code, template in sync.REASONS.items()}
)
DYNAMIC.update(
    {
        template: "exceptions.USER_MESSAGES[%r]" % code
        for code, template in exceptions.USER_MESSAGES.items()
    }
)
DYNAMIC.update(
    {
        template: "codes.ORDER_PROGRESS_EN[%r]" % code
        for code, template in codes.ORDER_PROGRESS_EN.items()
    }
)
# The cancel reasons sent to Rakuten: the order's cancel reason renders them per reader.
DYNAMIC.update(
    {
        template: "codes.CANCEL_REASON_EN[%r]" % code
        for code, template in codes.CANCEL_REASON_EN.items()
    }
)
# The texts of rms/changes.py (changes made on Rakuten after import).
DYNAMIC.update({template: "changes.MESSAGES" for template in changes.MESSAGES})


# ----------------------------------------------------------------------
# Reading PO files
# ----------------------------------------------------------------------
def _unquote(text):
    return ast.literal_eval(text)


def parse_po(path):
    """A minimal PO reader: ``[{msgid, msgstr, comments, occurrences}]`` without the header
    and obsolete entries. Handles the plain (no msgctxt, no plural) entries Odoo writes."""
    entries, current, field = [], None, None

    def close():
        if current is not None and "msgid" in current and current["msgid"] != "":
            entries.append(current)

    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is not None and "msgstr" in current:
                close()
                current = None
            if current is None:
                current = {"comments": [], "occurrences": []}
            if line.startswith("#."):
                current["comments"].append(line[2:].strip())
            elif line.startswith("#:"):
                current["occurrences"].extend(line[2:].split())
            continue
        if line.startswith("msgid "):
            if current is not None and "msgstr" in current:
                close()
                current = None
            if current is None:
                current = {"comments": [], "occurrences": []}
            field = "msgid"
            current[field] = _unquote(line[6:])
        elif line.startswith("msgstr "):
            field = "msgstr"
            current[field] = _unquote(line[7:])
        elif line.startswith('"'):
            current[field] += _unquote(line)
        else:
            raise ValueError("unexpected PO line in %s: %r" % (path, raw))
    close()
    return entries


def load(path):
    if polib is None:
        return parse_po(path)
    return [
        {
            "msgid": e.msgid,
            "msgstr": e.msgstr,
            "comments": e.comment.split("\n") if e.comment else [],
            "occurrences": ["%s:%s" % o if o[1] else o[0] for o in e.occurrences],
        }
        for e in polib.pofile(str(path))
        if not e.obsolete and e.msgid
    ]


@pytest.fixture(scope="module")
def pot():
    return {e["msgid"]: e for e in load(POT)}


@pytest.fixture(scope="module")
def ja():
    return {e["msgid"]: e for e in load(JA)}


def placeholders(text):
    found = PLACEHOLDER.findall(text)
    named = sorted(p for p in found if p.startswith("%("))
    positional = [p for p in found if not p.startswith("%(")]
    return named, positional


# ----------------------------------------------------------------------
# Tests
# ----------------------------------------------------------------------
def test_ja_po_parses_and_is_japanese(ja):
    assert len(ja) > 100
    header = JA.read_text(encoding="utf-8")
    assert '"Language: ja\\n"' in header
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header
    assert all(e["comments"][0] == "module: sale_rakuten" for e in ja.values())


@pytest.mark.skipif(polib is None, reason="polib not installed")
def test_fallback_reader_agrees_with_polib():
    for path in (POT, JA):
        mine = {e["msgid"]: (e["msgstr"], e["occurrences"]) for e in parse_po(path)}
        theirs = {
            e.msgid: (e.msgstr, ["%s:%s" % o if o[1] else o[0] for o in e.occurrences])
            for e in polib.pofile(str(path))
            if e.msgid and not e.obsolete
        }
        assert mine == theirs


def test_pot_is_a_template(pot):
    assert len(pot) > 100
    assert not [msgid for msgid, e in pot.items() if e["msgstr"]]


def test_every_template_msgid_is_translated(pot, ja):
    missing = sorted(set(pot) - set(ja))
    assert not missing, "msgids of sale_rakuten.pot missing from ja.po: %s" % missing
    empty = sorted(msgid for msgid in pot if not ja[msgid]["msgstr"].strip())
    assert not empty, "empty msgstr in ja.po: %s" % empty
    extra = sorted(set(ja) - set(pot))
    assert not extra, (
        "ja.po entries not in the template (Odoo drops them as obsolete): %s" % extra
    )


def test_same_occurrences_as_template(pot, ja):
    for msgid, entry in pot.items():
        assert ja[msgid]["occurrences"] == entry["occurrences"], msgid


def test_placeholders_are_kept(ja):
    wrong = {
        msgid: e["msgstr"]
        for msgid, e in ja.items()
        if placeholders(msgid) != placeholders(e["msgstr"])
    }
    assert not wrong, "placeholders differ: %s" % wrong


def test_placeholder_pattern():
    assert placeholders("Tax 8% (reduced) at 10%.") == ([], [])
    assert placeholders("%(b)s then %(a)s, %s %d") == (["%(a)s", "%(b)s"], ["%s", "%d"])
    assert placeholders("消費税8%(軽減税率)") == ([], [])


def test_html_tags_are_kept(ja):
    tag = re.compile(r"</?[a-zA-Z][^>]*>")
    wrong = {
        m: e["msgstr"]
        for m, e in ja.items()
        if tag.findall(m) != tag.findall(e["msgstr"])
    }
    assert not wrong


@pytest.mark.parametrize("template", sorted(DYNAMIC), ids=lambda t: DYNAMIC[t])
def test_runtime_reason_templates_are_translated(template, pot, ja):
    where = DYNAMIC[template]
    assert template in pot, "%s is not in sale_rakuten.pot" % where
    entry = ja.get(template)
    assert entry is not None, "%s is not in ja.po" % where
    msgstr = entry["msgstr"]
    assert msgstr and msgstr != template and JAPANESE.search(msgstr), where
    # Odoo's CodeTranslations reads only "#: code:" entries commented "odoo-python".
    assert (
        "odoo-python" in entry["comments"]
        and "odoo-python" in pot[template]["comments"]
    ), where
    assert any(
        o.startswith("code:addons/sale_rakuten/") for o in entry["occurrences"]
    ), where
    # The translation formats with the same arguments as the template.
    args = {
        name: "x" for name in re.findall(r"%\(([A-Za-z_][A-Za-z0-9_]*)\)s", template)
    }
    if args:
        assert JAPANESE.search(msgstr % args), (
            where
        )  # raises if a placeholder is broken


def test_rule_results_translate():
    """Every RuleResult carries a template that is in the translation (what crm_team passes
    to _()), formatted with its own args."""
    ja = {e["msgid"]: e["msgstr"] for e in load(JA)}
    for code, (_decision, template) in rules.REASONS.items():
        result = rules._result(
            code,
            **{
                name: 1
                for name in re.findall(r"%\(([A-Za-z_][A-Za-z0-9_]*)\)s", template)
            },
        )
        assert result.reason_template in ja
        translated = (
            ja[result.reason_template] % result.reason_args
            if result.reason_args
            else ja[result.reason_template]
        )
        assert JAPANESE.search(translated), code


@pytest.mark.parametrize("template", sorted(DYNAMIC), ids=lambda t: DYNAMIC[t])
def test_english_templates_hold_no_japanese(template):
    """In English, no Japanese of ours: the Japanese words are in ja.po."""
    assert not JAPANESE.search(template), DYNAMIC[template]


def test_rms_errors_explain_with_a_known_code():
    """Every error class, and every explanation the client picks, is a key of USER_MESSAGES;
    the English user_message is that template formatted with the error's arguments."""
    classes = [exceptions.RmsError] + [
        getattr(exceptions, name)
        for name in exceptions.__all__
        if name.startswith("Rms") and name != "RmsError"
    ]
    for cls in classes:
        error = cls("boom")
        assert error.user_code == cls.default_user_code in exceptions.USER_MESSAGES
        assert (
            error.user_message
            == exceptions.USER_MESSAGES[error.user_code]
            == cls.default_user_message
        )
    assert set(client._AUTH_USER_CODES.values()) <= set(exceptions.USER_MESSAGES)
    error = exceptions.RmsBadRequestError(
        "x", user_code="rejected", user_args={"rms_message": "注文がありません"}
    )
    assert error.user_message == "Rakuten RMS rejected the request: 注文がありません"
    with pytest.raises(ValueError):
        exceptions.RmsError("x", user_code="no-such-code")


def test_message_arguments_are_translated_too():
    """A status name inside a reason is a Message of its own, whose template is translated."""
    ja = {e["msgid"]: e["msgstr"] for e in load(JA)}
    result = rules._result(
        "already_shipped",
        progress=500,
        progress_name=Message(codes.ORDER_PROGRESS_EN[500]),
    )
    name = result.reason_args["progress_name"]
    japanese = ja[result.reason_template] % dict(
        result.reason_args, progress_name=ja[name.template]
    )
    assert "発送済" in japanese and "Shipped" not in japanese


def test_rms_error_arguments_are_redacted():
    """The arguments kept to render an explanation later are as clean as the English text."""
    text = "bad header ESA c2VjcmV0OmtleQ== for licenseKey=SL3-secret&x=1"
    error = exceptions.RmsBadRequestError(
        text, user_code="rejected", user_args={"rms_message": text}
    )
    for kept in (
        error.user_args["rms_message"],
        error.user_message,
        str(error),
        repr(error),
    ):
        assert "c2VjcmV0OmtleQ" not in kept and "SL3-secret" not in kept, kept
    assert (
        "ESA ***" in error.user_args["rms_message"]
        and "licenseKey=***" in error.user_args["rms_message"]
    )
