"""Every way a stochastic scripted policy can go: each run forces the choices of a prefix and
takes the first alternative with a positive weight after it, so every combination of
alternatives that can happen is run once (``lint`` and the policy table use this instead of a
seed, so their verdict does not depend on luck)."""

from __future__ import annotations

from typing import Any, Callable

from ..scenario.choose import Choice
from .scripted import Chooser

MAX_PATHS = 256


class TooManyPaths(Exception):
    pass


def every_path(run: Callable[[Chooser], dict[str, Any]], limit: int = MAX_PATHS) -> list[dict[str, Any]]:
    """Run ``run`` (with a chooser to give the agent) once per path; each result gets ``choices``
    ([choose number, alternative] in the order drawn) and ``p`` (the path's probability)."""
    out: list[dict[str, Any]] = []
    stack: list[tuple[int, ...]] = [()]
    while stack:
        if len(out) >= limit:
            raise TooManyPaths(f"more than {limit} combinations of alternatives")
        prefix = stack.pop()
        taken: list[tuple[int, int, list[float]]] = []

        def chooser(choice: Choice, ws: list[float], key: tuple[int, int, int]) -> int:
            i = len(taken)
            if i < len(prefix):
                alt = prefix[i]
            else:
                alt = next((a for a, w in enumerate(ws) if w > 0), 0)
            taken.append((choice.number, alt, list(ws)))
            return alt

        result = dict(run(chooser))
        for j in range(len(taken) - 1, len(prefix) - 1, -1):
            _, alt, ws = taken[j]
            for other in range(len(ws) - 1, -1, -1):
                if other != alt and ws[other] > 0:
                    stack.append(tuple(t[1] for t in taken[:j]) + (other,))
        p = 1.0
        for _, alt, ws in taken:
            total = sum(w for w in ws if w > 0)
            p *= ws[alt] / total if total > 0 else 0.0
        result["choices"] = [[number, alt] for number, alt, _ in taken]
        result["p"] = p
        out.append(result)
    return out
