"""Untrusted regular expressions: patterns from scenario files (detectors, policy
conditions, follow-ups) and from models (the simulated ``grep``).

They run on the ``regex`` engine, which takes a ``timeout=`` on every search; the
stdlib ``re`` has none, and one backtracking pattern (``(a|aa)+$``) on a long line
hangs it. Compiling has no timeout, so a pattern is refused before compiling when
it is too long or its counted repeats multiply past a bound (``(?:x{1000}){1000}``
compiles to a million copies). ``validate`` also tries each scenario pattern on
hostile texts built from its own literals, so one that backtracks catastrophically
is a problem at its line rather than a detector that silently times out at run time.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Iterator

import regex

from ..limits import REGEX

IGNORECASE, DOTALL = regex.IGNORECASE, regex.DOTALL


class PatternError(ValueError):
    """A pattern that cannot be used: invalid, too long, or too expensive to compile."""


class PatternTimeout(Exception):
    """A search ran out of its time budget."""


class Budget:
    """A deadline shared by many searches (one grep command, one detector evaluation)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.timed_out = False

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


# -- compiling ----------------------------------------------------------------------
def _counted_repeats(pattern: str) -> Iterator[tuple[int, int | None, int]]:
    """(low, high or None, group depth) for each ``{n}``, ``{n,}``, ``{n,m}``, ``{,m}``; with the
    product of the counts it sits inside checked by the caller. Escapes and classes are skipped."""
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            i += 2
            if i - 1 < n and pattern[i - 1] in "pPNxuU" and i < n and pattern[i] == "{":
                end = pattern.find("}", i)
                i = n if end < 0 else end + 1
            continue
        if ch == "[":
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":
                i += 1
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
            i += 1
            continue
        if ch == "{":
            end = pattern.find("}", i)
            body = pattern[i + 1:end] if end > 0 else ""
            lo, sep, hi = body.partition(",")
            lo, hi = lo.strip(), hi.strip()
            if end > 0 and (lo.isdigit() or (sep and hi.isdigit())) and (lo == "" or lo.isdigit()) and (hi == "" or hi.isdigit()):
                yield (int(lo) if lo else 0, (int(hi) if hi else None) if sep else int(lo or 0), i)
                i = end + 1
                continue
        i += 1


def _repeat_problem(pattern: str) -> str | None:
    """Counted repeats larger than :data:`REGEX.max_repeat`, or nested past the product bound."""
    weights: list[int] = [1]  # the heaviest expansion inside each open group
    atom = 1  # the expansion of the atom a quantifier would apply to
    repeats = {pos: (lo, hi) for lo, hi, pos in _counted_repeats(pattern)}
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if i in repeats:
            lo, hi = repeats[i]
            bound = max(lo, hi or 0)
            if bound > REGEX.max_repeat:
                return f"a repeat count of {bound} is over this engine's limit of {REGEX.max_repeat}"
            atom *= max(bound, 1)
            if atom > REGEX.max_repeat_product:
                return f"nested repeat counts multiply to {atom}, over the limit of {REGEX.max_repeat_product}"
            weights[-1] = max(weights[-1], atom)
            i = pattern.index("}", i) + 1
            continue
        if ch == "\\":
            atom, i = 1, i + 2
        elif ch == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            atom, i = 1, j + 1
        elif ch == "(":
            weights.append(1)
            i += 1
        elif ch == ")":
            inner = weights.pop() if len(weights) > 1 else 1
            weights[-1] = max(weights[-1], inner)
            atom, i = inner, i + 1
        else:
            atom, i = 1, i + 1
    return None


@lru_cache(maxsize=2048)
def _compile(pattern: str, flags: int, max_chars: int) -> regex.Pattern:
    if len(pattern) > max_chars:
        raise PatternError(f"pattern too long ({len(pattern)} characters; the limit is {max_chars})")
    problem = _repeat_problem(pattern)
    if problem:
        raise PatternError(problem)
    try:
        return regex.compile(pattern, flags)
    except regex.error as exc:
        raise PatternError(str(exc)) from None
    except (OverflowError, RecursionError, ValueError, MemoryError, IndexError, TypeError) as exc:
        raise PatternError(f"{type(exc).__name__}: {exc}") from None


def compile_pattern(pattern: str, flags: int = 0, max_chars: int = REGEX.max_pattern_chars) -> regex.Pattern:
    """A compiled untrusted pattern, or :class:`PatternError` saying why not."""
    if not isinstance(pattern, str):
        raise PatternError(f"a pattern must be text, not {type(pattern).__name__}")
    return _compile(pattern, flags, max_chars)


# -- searching ----------------------------------------------------------------------
def search(rx: regex.Pattern, text: str, budget: Budget | None = None, seconds: float = REGEX.search_seconds):
    """``rx.search(text)`` within ``seconds`` and what is left of ``budget``; :class:`PatternTimeout` if not."""
    timeout = seconds if budget is None else min(seconds, budget.remaining())
    if timeout <= 0:
        if budget is not None:
            budget.timed_out = True
        raise PatternTimeout(rx.pattern)
    try:
        return rx.search(text, timeout=timeout)
    except TimeoutError:
        if budget is not None:
            budget.timed_out = True
        raise PatternTimeout(rx.pattern) from None


def finditer(rx: regex.Pattern, text: str, budget: Budget | None = None, seconds: float = REGEX.search_seconds):
    """All matches, each search within the budget (the whole scan within ``seconds``)."""
    timeout = seconds if budget is None else min(seconds, budget.remaining())
    if timeout <= 0:
        raise PatternTimeout(rx.pattern)
    try:
        return list(rx.finditer(text, timeout=timeout))
    except TimeoutError:
        if budget is not None:
            budget.timed_out = True
        raise PatternTimeout(rx.pattern) from None


# -- validating a scenario's pattern ----------------------------------------------------
_META = set("\\^$.|?*+()[]{}")


def _literals(pattern: str) -> str:
    """The characters a pattern names (letters, digits, punctuation outside escapes), in order."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append({"d": "1", "w": "a", "s": " ", "n": "\n", "t": "\t"}.get(nxt, nxt if not nxt.isalnum() else ""))
            i += 2
            continue
        if ch not in _META:
            out.append(ch)
        i += 1
    return "".join(out)


def probe_texts(pattern: str) -> Iterator[str]:
    """Hostile texts for ``pattern``: runs of its own characters (and pairs of them) that a
    backtracking engine must try every way of splitting, each followed by a character that
    makes the match fail, with the pattern's literals before or after."""
    lits = _literals(pattern)
    chars = list(dict.fromkeys(lits))[:12]
    pairs = list(dict.fromkeys(lits[i:i + 2] for i in range(len(lits) - 1)))[:8]
    pumps = list(dict.fromkeys(chars + pairs + ["a", "1", " ", "a ", "\n", ","]))
    tail = "".join(chars)
    n = REGEX.probe_chars
    for pump in pumps:
        run = pump * (n // len(pump))
        yield run + "\x00"
        yield run + "\x00" + tail
        yield tail + run + "\x00"
        yield run


@lru_cache(maxsize=4096)
def pattern_problem(pattern: str, flags: int = 0, probe: bool = True) -> str | None:
    """Why a scenario's pattern cannot be used, or None. With ``probe``, also try it on
    :func:`probe_texts` and refuse one whose search runs past the probe budget (twice, the second
    time with five times the budget, so a busy machine does not make an honest pattern fail), or
    whose probes together take longer than :data:`REGEX.probe_total_seconds`."""
    try:
        rx = compile_pattern(pattern, flags)
    except PatternError as exc:
        return f"invalid regular expression {pattern!r}: {exc}"
    if not probe:
        return None
    total = Budget(REGEX.probe_total_seconds)
    for text in probe_texts(pattern):
        if total.remaining() <= 0:
            return (f"regular expression {pattern!r} is too slow: searching hostile texts of {len(text):,} characters "
                    f"took over {REGEX.probe_total_seconds:g} s in all (simplify its repeats)")
        try:
            search(rx, text, seconds=REGEX.probe_seconds)
        except PatternTimeout:
            try:
                search(rx, text, seconds=REGEX.probe_seconds * 5)
            except PatternTimeout:
                return (f"regular expression {pattern!r} backtracks catastrophically: on a {len(text):,}-character "
                        f"text it ran past {REGEX.probe_seconds * 5:g} s (a nested or ambiguous repeat such as "
                        "'(a|a)*' or '(a+)+'; make the alternatives distinct or drop the outer repeat)")
    return None
