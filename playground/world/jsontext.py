"""JSON from outside (a model's tool-call arguments, imported transcripts), parsed
within a depth and size bound.

``json.loads`` recurses once per nesting level: 100,000 nested ``[`` end in a
RecursionError, and a value nested a few hundred levels deep parses but then
breaks whatever walks it next (validation, display, export). So the nesting is
measured first, in one pass with strings removed, and a value past the bound is
refused with a message that says why. Integers past Python's digit limit are a
ValueError from ``json`` too; :class:`JsonLimitError` covers both.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from itertools import accumulate
from typing import Any

from ..limits import JSON

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JsonLimitError(ValueError):
    """JSON refused for its size or nesting (or a number Python will not convert)."""


@lru_cache(maxsize=256)  # one call's arguments are parsed by the tool, the detectors, each export and view
def text_depth(text: str, limit: int | None = None) -> int:
    """How deeply arrays and objects nest in JSON text (brackets inside strings do not count).
    With ``limit``: text with no more opening brackets than that is not measured (it cannot be deeper)."""
    openers = text.count("[") + text.count("{")
    if openers == 0 or (limit is not None and openers <= limit):
        return min(openers, 1)
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def value_depth(value: Any, limit: int) -> int:
    """How deeply lists and dicts nest in a Python value, counted without recursion up to ``limit + 1``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            children = v.values()
        elif isinstance(v, (list, tuple)):
            children = v
        else:
            continue
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        stack.extend((c, d + 1) for c in children)
    return deepest


def loads(text: str, max_depth: int = JSON.max_depth, max_chars: int = JSON.max_argument_chars) -> Any:
    """``json.loads`` within the bounds: :class:`JsonLimitError` for what is too big or too deep,
    ``json.JSONDecodeError`` for what is not JSON."""
    if len(text) > max_chars:
        raise JsonLimitError(f"{len(text):,} characters long; the limit is {max_chars:,}")
    depth = text_depth(text, max_depth)
    if depth > max_depth:
        raise JsonLimitError(f"nested {depth:,} levels deep; the limit is {max_depth}")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # a number past Python's digit limit
        if "digits" in str(exc):
            raise JsonLimitError("a number with more digits than Python converts (4,300)") from None
        raise JsonLimitError(str(exc)) from None
    except (RecursionError, MemoryError) as exc:
        raise JsonLimitError(type(exc).__name__) from None


def check_value(value: Any, max_depth: int = JSON.max_depth) -> None:
    """Refuse an already-parsed value nested past the bound."""
    depth = value_depth(value, max_depth)
    if depth > max_depth:
        raise JsonLimitError(f"nested more than {max_depth} levels deep")


def pretty(raw: str, indent: int | None = None) -> str:
    """Arguments re-indented for display, or the raw text when they are not (bounded) JSON."""
    try:
        return json.dumps(loads(raw), indent=indent, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        return raw


def dumps(value: Any) -> str:
    """``json.dumps`` that never raises: a value nested too deeply (or not JSON) becomes a JSON
    string saying so, which the tool then refuses as arguments with a readable error."""
    try:
        check_value(value, JSON.max_file_depth)
        return json.dumps(value, ensure_ascii=False)
    except (JsonLimitError, ValueError, TypeError, RecursionError) as exc:
        return json.dumps(f"<arguments not encodable as JSON: {type(exc).__name__}: {str(exc)[:200]}>")
