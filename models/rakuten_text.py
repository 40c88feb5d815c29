"""Texts kept on records and read in the reader's language.

The jobs run as OdooBot, in whatever language the cron has; the staff read the sync log, the
order banner or the channel's errors in theirs. So a text is stored as what it is made of, and
rendered each time it is read:

* our own sentences as their English source (the msgid) and their arguments: a ``_lt(...)``
  (:class:`~odoo.tools.translate.LazyGettext`), an :class:`rms.messages.Message`, a
  ``(template, args)`` pair from ``rms/``, or an RMS error (its ``user_code`` and arguments);
  an argument may itself be one of these (the name of an RMS status, RMS's own text);
* RMS's own text (a plain ``str``) as it is: RMS wrote it, nobody translates it;
* several lines as a list of the above.

:class:`RakutenText` is the field that does it. To the web client, views and other code it is a
Text field (``record.reason`` is a ``str`` in the language of ``record.env``); in the database it
is a jsonb column, ``{"s": source, "a": args}``, ``{"t": text}`` or a list of those. Writing any
of the forms above (``log._add_line(..., _lt("..."))``, ``order.rakuten_confirm_error =
_lt("...")``, a plain str) stores it that way.
"""

from odoo import fields
from odoo.tools import SQL, sql
from odoo.tools.translate import LazyGettext, LazyTranslate, get_translation

from ..rms.exceptions import USER_MESSAGES, RmsError
from ..rms.messages import Message
from ..rms.order import OrderParseError, clean_text

MODULE = "sale_rakuten"
_lt = LazyTranslate(__name__)


def _pack_arg(value):
    if isinstance(value, (LazyGettext, Message, RmsError)):
        return pack(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(
        value
    )  # dates, Decimals...: formatted once, as they are in the source language


def _pack_args(args):
    if isinstance(args, dict):
        return {name: _pack_arg(value) for name, value in args.items()}
    return [_pack_arg(value) for value in args or ()]


def _message(source, args, module=MODULE):
    packed = {"s": source}
    if args:
        packed["a"] = _pack_args(args)
    if module != MODULE:
        packed["m"] = module
    return packed


def pack(value):
    """The stored form of ``value`` (see the module docstring); None for no text. Characters
    PostgreSQL cannot store (NUL in jsonb, unpaired surrogates) are removed from every text."""
    return _clean(_pack(value))


def _clean(packed):
    if isinstance(packed, str):
        return clean_text(packed)
    if isinstance(packed, dict):
        return {key: _clean(item) for key, item in packed.items()}
    if isinstance(packed, list):
        return [_clean(item) for item in packed]
    return packed


def _pack(value):
    if isinstance(value, LazyGettext):  # first: it refuses to be compared
        return _message(value._source, value._args, value._module or MODULE)
    if value is None or value is False or value == "":
        return None
    if isinstance(value, Message):
        return _message(value.template, value.args)
    if isinstance(value, RmsError):
        if value.user_code:
            return _message(USER_MESSAGES[value.user_code], value.user_args)
        return {"t": value.user_message or str(value)}
    if isinstance(value, str):
        return {"t": value}
    if isinstance(value, dict):  # already packed (read from the database, or copied)
        return value
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], dict)
    ):
        return _message(value[0], value[1])
    if isinstance(value, (list, tuple)):
        lines = [packed for packed in map(_pack, value) if packed]
        return lines or None
    return {"t": str(value)}


def _render_arg(lang, value):
    if isinstance(value, (dict, list)):
        return render_lang(lang, value)
    return value


def render_lang(lang, packed):
    """``packed`` as text in ``lang``."""
    if not packed:
        return False
    if isinstance(packed, str):  # a value stored before the field kept its parts
        return packed
    if isinstance(packed, list):
        return (
            "\n".join(text for text in (render_lang(lang, p) for p in packed) if text)
            or False
        )
    if "t" in packed:
        return packed["t"]
    args = packed.get("a") or {}
    if isinstance(args, dict):
        args = {name: _render_arg(lang, value) for name, value in args.items()}
    else:
        args = tuple(_render_arg(lang, value) for value in args)
    return get_translation(packed.get("m") or MODULE, lang, packed["s"], args)


def render(env, packed):
    """``packed`` as text in the language of ``env`` (English without one)."""
    return render_lang(env.lang or "en_US", packed)


def to_text(env, value):
    """Any text of the forms above as a str in the language of ``env``: for what cannot be
    rendered again for each reader (chatter, activities, notifications)."""
    return render(env, pack(value))


def error_text(error):
    """What to store about ``error``: an RMS error's explanation, our own message for the
    errors of rms/ that carry one, the text of any other (Odoo's errors are raised in the
    language of the job, the shop's)."""
    if isinstance(error, RmsError):
        return error
    if isinstance(error, OrderParseError):
        return _lt(
            "RMS sent order data that cannot be read (%(field)s: %(detail)s).",
            field=error.field,
            detail=error.detail,
        )
    if isinstance(getattr(error, "message", None), Message):
        return error.message
    return str(error) or error.__class__.__name__


class RakutenText(fields.Json):
    """A text field whose value is kept as source and arguments and read in the reader's
    language (see the module docstring). Not searchable by its text."""

    type = "text"

    # The column holds sources and arguments, not the text a user reads: the web client offers
    # neither filter nor grouping on it.
    _description_searchable = False

    def _description_groupable(self, env):
        return False

    def convert_to_cache(self, value, record, validate=True):
        return pack(value)

    def convert_to_record(self, value, record):
        return render(record.env, value)

    def convert_to_column(self, value, record, values=None, validate=True):
        # create() hands the values as written
        return super().convert_to_column(pack(value), record, values, validate)

    def convert_to_write(self, value, record):
        # keep the parts: record.field = _lt(...) must not store the writer's language
        return pack(value)

    def convert_to_export(self, value, record):
        return value or ""

    def _convert_db_column(self, model, column):
        if column["udt_name"] not in ("text", "varchar"):
            return super()._convert_db_column(model, column)
        # a former Text column: its values stay readable, as texts of their own
        name = SQL.identifier(self.name)
        sql._convert_column(
            model.env.cr,
            model._table,
            self.name,
            "jsonb",
            SQL(
                "CASE WHEN %s IS NOT NULL THEN jsonb_build_object('t', %s) END",
                name,
                name,
            ),
        )
