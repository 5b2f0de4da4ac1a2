"""Untrusted text made safe to show: the one function every screen, printer and export uses.

Models, scenario files, packs, saves and imported transcripts are untrusted. Their text may
carry terminal control sequences (ESC, CSI, OSC 52 clipboard writes, OSC 8 hyperlinks, a
title change), other C0/C1 controls, bidirectional overrides that reorder what a reader sees,
or lone UTF-16 surrogates that cannot be encoded. ``visible`` replaces each such character
with one visible placeholder character, so a string keeps its length (styles and spans laid
over it stay valid), a reader still sees that something was there, and nothing reaches a
terminal as anything but text. Newlines and tabs are kept; a lone carriage return (which
would let text overwrite a line) is shown as ``␍``.

Escaping of markup (Textual's ``[...]`` tags) is the UI's job on top of this
(``playground.tui.safe``); HTML and Markdown exports escape for their own syntax.
Base module: imports nothing of ours.
"""

from __future__ import annotations

import re

_C0_KEEP = {"\n", "\t"}
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
REPLACEMENT = "\ufffd"

_TABLE: dict[int, str] = {}
for _code in range(0x20):
    if chr(_code) not in _C0_KEEP:
        _TABLE[_code] = chr(0x2400 + _code)  # the Unicode control pictures: ␀ … ␛ … ␟
_TABLE[0x7F] = "\u2421"  # ␡
for _code in range(0x80, 0xA0):
    _TABLE[_code] = REPLACEMENT  # C1 controls (0x9b is a one-byte CSI)
for _ch in BIDI:
    _TABLE[ord(_ch)] = REPLACEMENT
for _code in range(0xD800, 0xE000):
    _TABLE[_code] = REPLACEMENT  # lone surrogates: cannot be encoded, never reach a file or a terminal

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + BIDI + "\ud800-\udfff]")


def visible(text: object) -> str:
    """``text`` as a string with every control, bidi override and lone surrogate made visible."""
    s = text if isinstance(text, str) else str(text)
    if not _UNSAFE.search(s):
        return s
    if "\r" in s:
        s = s.replace("\r\n", "\n")
    return s.translate(_TABLE)


def has_unsafe(text: str) -> bool:
    """True when ``visible`` would change ``text`` (ignoring CRLF line ends)."""
    return bool(_UNSAFE.search(text.replace("\r\n", "\n")))


_JSON_UNSAFE = re.compile("[\x7f-\x9f" + BIDI + "\ud800-\udfff]")


def json_visible(json_text: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with the characters JSON leaves raw
    but a terminal would act on (DEL, C1, bidi overrides, lone surrogates) written as ``\\uXXXX``
    escapes: the same JSON value, safe to print. (JSON already escapes C0 controls.)"""
    if not _JSON_UNSAFE.search(json_text):
        return json_text
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)
