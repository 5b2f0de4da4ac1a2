"""What a sweep will cost, before it runs (``--dry-run``).

From the folder's own finished episodes of the same cell when there are some (what litellm
reported they cost); otherwise a rough figure from the model's price per token: the rendered
prompt, tools included, at about four characters a token, sent once per step and growing by
about ``GROWTH`` tokens a step, over as many steps as the scenario's scripted policies take,
with ``REPLY`` tokens of output a step. Scripted agents cost nothing.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..episode.start import new_episode
from .plan import SCRIPTED, Cell, Plan
from .run import Ledger

CHARS_PER_TOKEN = 4
GROWTH = 250  # tokens a step adds to the conversation (a call and its result)
REPLY = 250  # tokens a turn writes (reasoning models write more)

Prices = Callable[[str], "tuple[float, float] | None"]  # agent spec -> $ per prompt token, per completion token


@dataclass
class Estimate:
    episodes: int
    done: int
    dollars: float = 0.0
    measured: list[str] = field(default_factory=list)  # cells estimated from their finished episodes
    rough: list[str] = field(default_factory=list)  # agents estimated from price x tokens
    unknown: list[str] = field(default_factory=list)  # agents with no price known


def tokens_per_episode(plan: Plan, cell: Cell) -> tuple[int, int]:
    """(prompt tokens, completion tokens) of one episode of ``cell``, roughly."""
    loaded = plan.scenarios[cell.scenario]
    s = loaded.scenario
    ep = new_episode(loaded, variables=dict(cell.variables), monitoring=cell.monitoring, agent=cell.agent, seed=0)
    opening = ep.replay().messages
    chars = sum(len(m.get("content") or "") for m in opening) + len(json.dumps(ep.context.tool_schemas))
    steps = [len(p.turns) for p in s.policies.values()]
    n = max(1, min(s.max_steps, round(statistics.median(steps)) if steps else s.max_steps // 2))
    base = chars // CHARS_PER_TOKEN
    return sum(base + GROWTH * k for k in range(n)), REPLY * n


def estimate(plan: Plan, out: Path, prices: Prices) -> Estimate:
    tasks = plan.tasks(out)
    ledger = Ledger(out)
    left: dict[Cell, int] = {}
    done = 0
    for t in tasks:
        if ledger.get(t.path) is not None:
            done += 1
        else:
            left[t.cell] = left.get(t.cell, 0) + 1
    est = Estimate(len(tasks), done)
    past: dict[str, list[float]] = {}
    for path, entry in ledger.entries.items():
        parts = path.split("/")
        if len(parts) >= 3:
            past.setdefault(parts[1], []).append(float((entry.get("outcome") or {}).get("cost") or 0.0))
    for cell, count in left.items():
        if cell.agent.startswith(SCRIPTED):
            continue
        seen = past.get(cell.slug)
        if seen and any(seen):
            est.dollars += statistics.mean(seen) * count
            est.measured.append(cell.slug)
            continue
        price = prices(cell.agent)
        if price is None:
            est.unknown.append(cell.agent)
            continue
        prompt, completion = tokens_per_episode(plan, cell)
        est.dollars += (prompt * price[0] + completion * price[1]) * count
        est.rough.append(cell.agent)
    return est
