"""Untrusted text on screen: always as text, never as markup or terminal control.

Every string that comes from a model, a scenario, a pack, a save or an import reaches a widget
through one of these. ``esc`` makes it safe inside a Textual markup string (every ``[`` is
escaped, so no tag, ``@click`` action or style can be smuggled in); ``plain`` makes a Rich
``Text`` (never parsed as markup); both first pass it through ``visible`` (controls, escape
sequences, bidi overrides and lone surrogates become visible placeholders).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ..visible_text import visible


def esc(text: object) -> str:
    """``text`` for interpolation into a Textual markup string."""
    return visible(text).replace("[", "\\[")


def plain(text: object, style: str = "") -> Text:
    """``text`` as a Rich ``Text`` that no markup parser will ever see."""
    return Text(visible(text), style=style)


def parts(*pieces: tuple[object, str] | str) -> Text:
    """``Text.assemble`` over untrusted pieces: each ``(text, style)`` or plain string made visible."""
    out = Text()
    for piece in pieces:
        if isinstance(piece, tuple):
            out.append(visible(piece[0]), style=piece[1])
        else:
            out.append(visible(piece))
    return out


class SafeText(Text):
    """A Rich ``Text`` whose every piece of content passes through ``visible``.

    The render modules build their blocks from untrusted strings (reasoning, arguments,
    results, file names, scenario text) with ``Text(...)``, ``Text.assemble(...)`` and
    ``.append(...)``; importing this as ``Text`` there makes each of those safe at once."""

    def __init__(self, text: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(visible(text), *args, **kwargs)

    def append(self, text: Any, style: Any = None) -> "Text":
        return super().append(visible(text) if isinstance(text, str) else text, style)
