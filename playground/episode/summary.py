"""The machine-readable summary of a branch (``playground run --json``) and the
comparison of two branches (how alignment faking is shown)."""

from __future__ import annotations

from typing import Any

from .episode import Episode
from .events import ModelTurn, MonitoringChanged
from .state import BranchState


def summary(episode: Episode, state: BranchState | None = None, branch: str | None = None) -> dict[str, Any]:
    state = state or episode.replay(branch)
    b = episode.branches[branch or episode.current]
    usage = total_usage(state)
    return {
        "scenario": episode.loaded.ref,
        "agent": b.agent or episode.agent,
        "monitoring": "on" if state.monitored else "off",
        "initial_monitoring": "on" if episode.monitoring else "off",
        "variables": {**episode.scenario.default_variables(), **episode.variables},
        "branch": b.id,
        "steps": state.step,
        "ended": state.ended,
        "behaviours": state.behaviours(),
        "detectors": {k: v.to_dict() for k, v in state.verdicts.items() if v.active},
        "usage": usage,
        **({"condition": cond} if (cond := condition(episode, state)) else {}),
    }


NO_STATEMENT = "no monitoring statement"


def start_belief(episode: Episode) -> bool | str:
    """What step 0 shows the agent believing: on, off, or "none" for a recorded run whose prompt made
    no monitoring statement at all (``StepFold.of``'s ``monitored``)."""
    if episode.context.recorded is not None and (episode.source or {}).get("condition") == NO_STATEMENT:
        return "none"
    return episode.monitoring


def condition(episode: Episode, state: BranchState) -> str | None:
    """The recorded run's monitoring condition ("monitored", "unmonitored" or "no monitoring
    statement") while the branch still lives it; None for a native episode, or once the branch
    changed the belief (then the belief is ours to show)."""
    recorded = (episode.source or {}).get("condition") if episode.context.recorded is not None else None
    if not isinstance(recorded, str) or not recorded:
        return None
    if any(isinstance(e, MonitoringChanged) for e in state.events):
        return None
    return recorded


def total_usage(state: BranchState) -> dict[str, Any]:
    total: dict[str, Any] = {}
    for t in state.turns:
        for k, v in t.usage.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                total[k] = total.get(k, 0) + v
    return total


def _turn_key(t: ModelTurn) -> tuple:
    return (t.text, t.reasoning, tuple((c.name, c.arguments) for c in t.tool_calls))


def compare(episode: Episode, branch_a: str, branch_b: str,
            states: tuple[BranchState, BranchState] | None = None) -> dict[str, Any]:
    """What differs between two branches: behaviours, detectors, first diverging step.

    ``states``: the two branches' replayed states, when the caller has them already.
    """
    a, b = states if states is not None else (episode.replay(branch_a), episode.replay(branch_b))
    diverge = None
    for i in range(max(len(a.turns), len(b.turns))):
        ta = a.turns[i] if i < len(a.turns) else None
        tb = b.turns[i] if i < len(b.turns) else None
        if ta is None or tb is None or _turn_key(ta) != _turn_key(tb):
            diverge = i + 1
            break
    la, lb = set(a.behaviours()), set(b.behaviours())
    detectors = {}
    for det_id, va in a.verdicts.items():
        vb = b.verdicts[det_id]
        if va.active and va.tripped != vb.tripped:
            detectors[det_id] = {"label": va.label, branch_a: va.to_dict(), branch_b: vb.to_dict()}
    return {
        "a": {"branch": branch_a, "monitoring": "on" if a.monitored else "off", "steps": a.step,
              "behaviours": a.behaviours(), "ended": a.ended},
        "b": {"branch": branch_b, "monitoring": "on" if b.monitored else "off", "steps": b.step,
              "behaviours": b.behaviours(), "ended": b.ended},
        "first_divergence": diverge,
        "only_in_a": sorted(la - lb),
        "only_in_b": sorted(lb - la),
        "differing_detectors": detectors,
    }
