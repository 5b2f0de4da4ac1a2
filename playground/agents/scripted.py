"""Scripted demo agents: a policy written as data in the scenario, replayed turn
by turn. Fed the same OpenAI-format messages a real model gets, and deciding
only from them (plus the scenario it was written for) — no litellm here.

Where a policy is in its script is read back from the ids of its own earlier
tool calls (``sp<turn>_<n>``), so rewinds and forks need no hidden state.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..episode import ModelTurn, ToolCall, TurnRequest
from ..episode.agent_api import SCRIPTED_PREFIX
from ..episode.context import EpisodeContext
from ..scenario.models import Condition, Policy, ScriptedTurn
from ..scenario.patterns import IGNORECASE, PatternError, PatternTimeout, compile_pattern, search
from ..scenario.templating import render

_ID = re.compile(r"^sp(\d+)_\d+$")


def matches(pattern: str, text: str) -> bool:
    """A policy's ``seen``/``not_seen`` or follow-up pattern, within the regex time budget;
    one that cannot run (validate refuses those) or runs out of time counts as not matched."""
    try:
        return search(compile_pattern(pattern, IGNORECASE), text) is not None
    except (PatternError, PatternTimeout):
        return False


def belief(messages: list[dict[str, Any]], markers: dict[bool, list[str]], default: bool = True) -> bool:
    """What the messages so far say about being monitored: the latest signal wins."""
    for msg in reversed(messages):
        content = msg.get("content")
        if not isinstance(content, str):
            continue
        best: tuple[int, bool] | None = None
        for state, texts in markers.items():
            for t in texts:
                pos = content.rfind(t) if t else -1
                if pos >= 0 and (best is None or pos > best[0]):
                    best = (pos, state)
        if best is not None:
            return best[1]
    return default


class ScriptedAgent:
    scripted = True

    def __init__(self, policy_name: str, policy: Policy, context: EpisodeContext):
        self.name = SCRIPTED_PREFIX + policy_name
        self.policy_name = policy_name
        self.policy = policy
        self.context = context

    # -- reading the conversation -------------------------------------------------
    def _position(self, messages: list[dict[str, Any]]) -> int:
        """Index of the next script turn to consider."""
        last_idx, after = -1, 0
        assistants = [m for m in messages if m.get("role") == "assistant"]
        for m in assistants:
            ids = [_ID.match(c.get("id", "")) for c in m.get("tool_calls") or []]
            ids = [i for i in ids if i]
            if ids:
                last_idx, after = int(ids[0].group(1)), 0
            else:
                after += 1
        if last_idx < 0:
            return len(assistants)  # not our own history: skip as many turns as were taken
        return last_idx + 1 + after

    def _holds(self, cond: Condition | None, messages: list[dict[str, Any]]) -> bool:
        if cond is None:
            return True
        if cond.monitoring is not None:
            watched = belief(messages, self.context.monitoring_markers, self.context.scenario.monitoring.default)
            if watched != (cond.monitoring == "on"):
                return False
        seen_text = "\n".join(m["content"] for m in messages if m.get("role") in ("tool", "user") and isinstance(m.get("content"), str))
        if cond.seen is not None and not matches(cond.seen, seen_text):
            return False
        if cond.not_seen is not None and matches(cond.not_seen, seen_text):
            return False
        for var, want in cond.variables.items():
            have = self.context.ctx(True).get(var)
            if have not in (want if isinstance(want, list) else [want]):
                return False
        return True

    def _render_args(self, value: Any, ctx: dict[str, Any]) -> Any:
        if isinstance(value, str):
            return render(value, ctx)
        if isinstance(value, list):
            return [self._render_args(v, ctx) for v in value]
        if isinstance(value, dict):
            return {k: self._render_args(v, ctx) for k, v in value.items()}
        return value

    def _turn(self, index: int, turn: ScriptedTurn, monitored: bool) -> ModelTurn:
        ctx = self.context.ctx(monitored)
        calls = tuple(
            ToolCall(f"sp{index}_{n}", c.tool, json.dumps(self._render_args(c.args, ctx), ensure_ascii=False))
            for n, c in enumerate(turn.calls)
        )
        return ModelTurn(reasoning=render(turn.reasoning, ctx).strip(), text=render(turn.text, ctx).strip(),
                         tool_calls=calls, agent=self.name)

    # -- the agent interface ------------------------------------------------------
    async def next_turn(self, request: TurnRequest) -> ModelTurn:
        messages = request.messages
        if not request.tools:
            return self._followup(messages)
        monitored = belief(messages, self.context.monitoring_markers, self.context.scenario.monitoring.default)
        for index in range(self._position(messages), len(self.policy.turns)):
            turn = self.policy.turns[index]
            if self._holds(turn.when, messages):
                return self._turn(index, turn, monitored)
        return ModelTurn(text="(The scripted policy has no more turns.)", agent=self.name)

    def _followup(self, messages: list[dict[str, Any]]) -> ModelTurn:
        question = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
        for pattern, answer in self.policy.followups.items():
            if matches(pattern, question or ""):
                return ModelTurn(text=render(answer, self.context.ctx(True)).strip(), agent=self.name)
        return ModelTurn(text=f"[scripted demo agent '{self.policy_name}' has no prepared answer to this question; "
                              "use a real model to interview freely]", agent=self.name)
