"""Translatable messages without Odoo.

A :class:`Message` is an English template (the msgid, with ``%(name)s`` placeholders) and its
arguments. ``str()`` gives the English sentence, for server logs and pure tests; the Odoo layer
stores the template and the arguments and renders them in the reader's language. An argument
may itself be a :class:`Message` (e.g. the name of an RMS status), rendered the same way.
"""

from dataclasses import dataclass, field

__all__ = ["Message"]


@dataclass(frozen=True)
class Message:
    template: str
    args: dict = field(default_factory=dict, hash=False)

    def __str__(self):
        if not self.args:
            return self.template
        return self.template % {
            name: str(value) if isinstance(value, Message) else value
            for name, value in self.args.items()
        }
