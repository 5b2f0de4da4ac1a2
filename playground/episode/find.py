"""Finding things in a long episode, over the one step fold: search, go to step N, the next and
previous flagged step, and what the agent believed at each step.

Textual-free: the TUI only shows what these return and moves the selection there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator

from .steps import Step


@dataclass(frozen=True)
class Match:
    step: int
    where: str  # "reasoning", "said", "arguments of copy_server_file", "result of …", "note", …
    line: int  # 1-based line of the text it was found in
    snippet: str  # the matching line, trimmed


def texts(view: Step) -> Iterator[tuple[str, str]]:
    """``(where, text)`` for everything a step shows: reasoning, what the model said, every call's
    arguments (as run and as first sent), results (as returned, as the model saw them, as a recording
    had them), rejection reasons, notices, notes, errors and interview answers."""
    turn = view.turn
    if turn is not None:
        if turn.reasoning:
            yield "reasoning", turn.reasoning
        if turn.text:
            yield "said", turn.text
    for cv in view.calls:
        name = cv.call.name
        yield f"call {name}", name
        if cv.scratchpad:
            thought = cv.thought()
            if thought:
                yield "scratchpad", thought
                continue
        yield f"arguments of {name}", cv.arguments or cv.call.arguments
        if cv.arguments and cv.arguments != cv.call.arguments:
            yield f"original arguments of {name}", cv.call.arguments
        if cv.reason:
            yield f"rejection of {name}", cv.reason
        if cv.result is not None:
            yield f"result of {name}", cv.result.output
            if cv.edited_output is not None:
                yield f"edited result of {name}", cv.edited_output
            if cv.result.recorded_output is not None and cv.result.diverged:
                yield f"recorded result of {name}", cv.result.recorded_output
    for e in view.extras:
        if e.kind == "interview":
            yield "interview question", e.detail
            yield "interview answer", e.text
        elif e.kind in ("notice", "note", "error"):
            yield e.kind, e.text


def pattern(query: str) -> re.Pattern[str] | None:
    """Plain text, case-insensitive unless the query has a capital letter (smart case)."""
    query = query.strip()
    if not query:
        return None
    flags = 0 if any(c.isupper() for c in query) else re.IGNORECASE
    return re.compile(re.escape(query), flags)


def step_matches(view: Step, query: str | re.Pattern[str]) -> list[Match]:
    pat = pattern(query) if isinstance(query, str) else query
    if pat is None or view.live:
        return []
    out = []
    for where, text in texts(view):
        if not text or not pat.search(text):
            continue
        for i, line in enumerate(text.splitlines() or [text], 1):
            if pat.search(line):
                out.append(Match(view.step, where, i, " ".join(line.split())[:160]))
    return out


class Finder:
    """A search over a fold that stays current as steps arrive: each step's matches are cached
    by the step's version, so ``n`` after new turns costs only the new steps."""

    def __init__(self, query: str) -> None:
        self.query = query.strip()
        self.pattern = pattern(query)
        self._cache: dict[int, tuple[int, list[Match]]] = {}

    def matches_in(self, view: Step) -> list[Match]:
        if self.pattern is None:
            return []
        cached = self._cache.get(view.step)
        if cached is None or cached[0] != view.version:
            cached = self._cache[view.step] = (view.version, step_matches(view, self.pattern))
        return cached[1]

    def steps(self, views: Iterable[Step]) -> list[int]:
        """The steps with at least one match, in order."""
        return [v.step for v in views if self.matches_in(v)]

    def matches(self, views: Iterable[Step]) -> list[Match]:
        return [m for v in views for m in self.matches_in(v)]


def neighbour(steps: list[int], current: int | None, forward: bool = True, wrap: bool = True) -> int | None:
    """The next (or previous) of ``steps`` after ``current`` (None: from the start, or from the end
    going back); wraps around unless ``wrap`` is False."""
    if not steps:
        return None
    if forward:
        later = [s for s in steps if current is None or s > current]
        return later[0] if later else (steps[0] if wrap else None)
    earlier = [s for s in steps if current is None or s < current]
    return earlier[-1] if earlier else (steps[-1] if wrap else None)


def flagged_steps(views: Iterable[Step]) -> list[int]:
    """Steps worth jumping to (``Step.flagged``): a detector tripped, a human edited or rejected a
    call or a result, the belief changed, a recording's result diverged, a model call failed."""
    return [v.step for v in views if v.flagged]


def why_flagged(view: Step, labels: dict[str, str] | None = None) -> str:
    """One short phrase for the status line: what makes this step flagged."""
    labels = labels or {}
    out = [f"⚑ {labels.get(d, d).replace('_', ' ')}" for d in view.tripped]
    for c in view.calls:
        if c.status == "edited":
            out.append(f"{c.call.name} edited")
        elif c.status == "rejected":
            out.append(f"{c.call.name} rejected")
        if c.edited_output is not None:
            out.append(f"result of {c.call.name} edited")
        if c.result is not None and c.result.diverged:
            out.append(f"{c.call.name} answered differently than recorded")
    for e in view.extras:
        if view.step and e.kind == "monitoring":
            out.append("belief → " + ("monitored" if e.text == "on" else "UNMONITORED"))
        elif e.kind == "error":
            out.append("model call failed")
    return ", ".join(out)


def parse_step(text: str, last: int) -> tuple[int | None, str]:
    """``(step, "")`` for "42", "-1" (the last step) or "end"; ``(None, why)`` otherwise."""
    raw = text.strip().lower()
    if raw in ("end", "last", "$"):
        return last, ""
    try:
        n = int(raw)
    except ValueError:
        return None, f"{text.strip()!r} is not a step number (0–{last})"
    if n < 0:
        n = last + 1 + n
    if not 0 <= n <= last:
        return None, f"there is no step {text.strip()}: this branch has steps 0–{last}"
    return n, ""


def beliefs(views: list[Step], start: bool | None = None) -> list[bool | None]:
    """What the agent believed when it took each step's turn: the belief after every monitoring
    change before that turn (a change recorded at step k reaches the turn of step k+1). Index 0 is
    the belief the episode set out with (after any change before the first turn)."""
    out: list[bool | None] = []
    belief = start
    for v in views:
        if v.step == 0:
            for e in v.extras:
                if e.kind == "monitoring":
                    belief = None if e.text == "none" else e.text == "on"  # none: a recorded run told nothing
            out.append(belief)
            continue
        out.append(belief)  # this turn was taken with the belief so far
        for e in v.extras:
            if e.kind == "monitoring":
                belief = e.text == "on"
    return out


def flips(belief_list: list[bool | None]) -> set[int]:
    """Steps whose turn was taken with a different belief than the step before."""
    return {i for i in range(1, len(belief_list))
            if belief_list[i] is not None and belief_list[i - 1] is not None and belief_list[i] != belief_list[i - 1]}
