"""Rates with 95 % intervals: Wilson's score interval for one proportion, and Newcombe's hybrid
score interval (his method 10) for the difference of two independent proportions.

Wilson rather than the normal approximation because the interesting rates sit near 0 or 1 and
cells are small (the study ran 100 rollouts per configuration): the Wald interval collapses to a
point at 0/n and spills outside [0, 1]; Wilson's does neither.
"""

from __future__ import annotations

import math
from typing import Any

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for ``k`` successes in ``n`` trials ([0, 1] when n is 0)."""
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= k <= n:
        raise ValueError(f"k={k} must lie between 0 and n={n}")
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    lo, hi = centre - half, centre + half
    # exact at the edges (the formula gives 0 and 1 up to rounding)
    return (0.0 if k == 0 else max(0.0, lo)), (1.0 if k == n else min(1.0, hi))


def newcombe(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 - p2 (independent samples), built from the two
    Wilson intervals."""
    if n1 <= 0 or n2 <= 0:
        return -1.0, 1.0
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1, z)
    l2, u2 = wilson(k2, n2, z)
    d = p1 - p2
    lo = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return max(-1.0, lo), min(1.0, hi)


def rate(k: int, n: int) -> dict[str, Any]:
    """``{k, n, rate, ci}``: the count, the trials, k/n (None without trials) and Wilson's 95 % interval."""
    lo, hi = wilson(k, n)
    return {"k": k, "n": n, "rate": (k / n) if n else None, "ci": [lo, hi]}


def difference(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """a's rate minus b's (two ``rate`` entries), with Newcombe's 95 % interval."""
    if not a["n"] or not b["n"]:
        return {"difference": None, "ci": [-1.0, 1.0]}
    lo, hi = newcombe(a["k"], a["n"], b["k"], b["n"])
    return {"difference": a["rate"] - b["rate"], "ci": [lo, hi]}
