"""A scripted policy's turns laid out in one list, ``choose`` alternatives inline.

A policy's script is linear except where a turn is a ``choose``: weighted alternatives, each a
list of turns, after which the script goes on. Laid out flat, every turn has one index (the
``sp<index>_<n>`` ids of its calls say where the agent is) and the list of choices it belongs to
(which ``choose``, which alternative), so an agent can tell from its last own call which
alternative it is in, and has to draw only when it enters a ``choose``.

The weights are evaluated here too (the agent draws; lint checks that they sum to 1 and that
every alternative can be taken).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models import Alternative, Condition, Policy, ScriptedTurn
from .templating import TemplateProblem, render

TOLERANCE = 1e-6  # how far from 1 the weights of a choose may sum


@dataclass(frozen=True)
class FlatTurn:
    turn: ScriptedTurn
    path: tuple[Any, ...]  # from the policy: ("turns", 2, "choose", 0, "turns", 1)
    members: tuple[tuple[int, int], ...]  # (choose number, alternative), outermost first


@dataclass
class Choice:
    """One ``choose``: where it is, the span of flat indices its alternatives' turns take, and
    which part of that span each alternative holds."""

    number: int
    path: tuple[Any, ...]
    when: Condition | None
    alternatives: list[Alternative]
    start: int = 0
    end: int = 0
    spans: list[tuple[int, int]] = field(default_factory=list)

    def alternative_at(self, index: int) -> int | None:
        for a, (lo, hi) in enumerate(self.spans):
            if lo <= index < hi:
                return a
        return None


@dataclass
class FlatScript:
    turns: list[FlatTurn]
    choices: list[Choice]

    @classmethod
    def of(cls, policy: Policy) -> "FlatScript":
        script = cls([], [])
        script._lay_out(policy.turns, ("turns",), ())
        return script

    def _lay_out(self, turns: list[ScriptedTurn], path: tuple[Any, ...], members: tuple[tuple[int, int], ...]) -> None:
        for i, t in enumerate(turns):
            if t.choose is None:
                self.turns.append(FlatTurn(t, path + (i,), members))
                continue
            choice = Choice(len(self.choices), path + (i,), t.when, list(t.choose), start=len(self.turns))
            self.choices.append(choice)
            for a, alt in enumerate(t.choose):
                lo = len(self.turns)
                self._lay_out(alt.turns, path + (i, "choose", a, "turns"), members + ((choice.number, a),))
                choice.spans.append((lo, len(self.turns)))
            choice.end = len(self.turns)


def weight(value: Any, ctx: dict[str, Any]) -> float:
    """A weight's value for the variables and belief in ``ctx``. Raises TemplateProblem when the
    expression does not render or is not a number."""
    if isinstance(value, dict):
        key = "on" if ctx.get("monitored") else "off"
        if key not in value:
            raise TemplateProblem(f"the weight gives no value for monitoring {key}")
        return weight(value[key], ctx)
    if isinstance(value, (int, float)):
        return float(value)
    text = render(weight_template(value), ctx).strip()
    try:
        return float(text)
    except ValueError:
        raise TemplateProblem(f"the weight {value!r} gives {text!r}, which is not a number") from None


def weight_template(expression: str) -> str:
    """A weight expression as a template (one already written as ``{{ ... }}`` stays as it is;
    anything else is an expression, dict literals such as ``{'good': 0.6}[relationship]`` too)."""
    s = expression.strip()
    return s if s.startswith("{{") or "{%" in s else "{{ (" + s + ") }}"


def expressions(value: Any) -> list[str]:
    """The weight's expressions, as templates (none for a number)."""
    if isinstance(value, dict):
        return [t for v in value.values() for t in expressions(v)]
    return [weight_template(value)] if isinstance(value, str) else []


def weights(choice: Choice, ctx: dict[str, Any]) -> list[float]:
    return [weight(a.p, ctx) for a in choice.alternatives]


def pick(ws: list[float], u: float) -> int:
    """The alternative a uniform draw ``u`` in [0, 1) falls on (weights normalised; none positive:
    the first)."""
    total = sum(w for w in ws if w > 0)
    if total <= 0:
        return 0
    acc = 0.0
    last = 0
    for i, w in enumerate(ws):
        if w <= 0:
            continue
        last = i
        acc += w / total
        if u < acc:
            return i
    return last
