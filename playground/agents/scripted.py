"""Scripted demo agents: a policy written as data in the scenario, replayed turn
by turn. Fed the same OpenAI-format messages a real model gets, and deciding
only from them (plus the scenario it was written for) — no litellm here.

Where a policy is in its script is read back from the ids of its own earlier
tool calls (``sp<turn>_<n>``), so rewinds and forks need no hidden state.

A ``choose`` in the script is drawn when the agent enters it, from a generator keyed on the
episode's seed, the step and the sample index (``TurnRequest``): the same seed gives the same
episode, and another sample index another draw. Inside an alternative the ids say which one it
is, so nothing is drawn twice. ``chooser`` replaces the draw (lint walks every alternative so).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Callable

from ..episode import ModelTurn, ToolCall, TurnRequest
from ..episode.agent_api import SCRIPTED_PREFIX
from ..episode.context import EpisodeContext
from ..scenario.choose import Choice, FlatScript, pick, weights
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

# (the choose, its weights for this belief and these variables, (seed, step, sample)) -> the alternative
Chooser = Callable[[Choice, list[float], tuple[int, int, int]], int]


def draw(seed: int, step: int, sample: int, choice: int) -> float:
    """A uniform number in [0, 1), the same for the same key on every machine and run."""
    digest = hashlib.sha256(f"playground/choose/{seed}/{step}/{sample}/{choice}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0 ** 64


def seeded_chooser(choice: Choice, ws: list[float], key: tuple[int, int, int]) -> int:
    return pick(ws, draw(*key, choice.number))


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

    def __init__(self, policy_name: str, policy: Policy, context: EpisodeContext, chooser: Chooser | None = None):
        self.name = SCRIPTED_PREFIX + policy_name
        self.policy_name = policy_name
        self.policy = policy
        self.context = context
        self.script = FlatScript.of(policy)
        self.chooser = chooser or seeded_chooser

    # -- reading the conversation -------------------------------------------------
    def _where(self, messages: list[dict[str, Any]]) -> tuple[int, int, int]:
        """(index of the last own turn or -1, how many turns without own calls came after it, the
        step a draw is keyed on: the one after the last own tool call, which is the coming step
        unless turns without calls came between)."""
        last_idx, after, anchor = -1, 0, 0
        assistants = [m for m in messages if m.get("role") == "assistant"]
        for n, m in enumerate(assistants, 1):
            ids = [_ID.match(c.get("id", "")) for c in m.get("tool_calls") or []]
            ids = [i for i in ids if i]
            if ids:
                last_idx, after, anchor = int(ids[0].group(1)), 0, n
            else:
                after += 1
        if last_idx < 0:
            return -1, len(assistants), 1  # not our own history: skip as many turns as were taken
        return last_idx, after, anchor + 1

    def _in_branch(self, index: int, last: int, decide: Callable[[int], int | None]) -> bool:
        """Whether flat turn ``index`` lies on the alternatives taken: inside a choose the agent
        already entered, the one its last own turn is in; entering one, the one drawn."""
        for number, alt in self.script.turns[index].members:
            choice = self.script.choices[number]
            taken = choice.alternative_at(last) if choice.start <= last < choice.end else decide(number)
            if taken != alt:
                return False
        return True

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
        last, skip, anchor = self._where(messages)
        drawn: dict[int, int | None] = {}

        def decide(number: int) -> int | None:
            if number not in drawn:
                choice = self.script.choices[number]
                if not self._holds(choice.when, messages):
                    drawn[number] = None
                else:
                    ws = weights(choice, self.context.ctx(monitored))
                    drawn[number] = self.chooser(choice, ws, (request.seed, anchor, request.sample))
            return drawn[number]

        for index in range(last + 1, len(self.script.turns)):
            if not self._in_branch(index, last, decide):
                continue
            if skip:  # turns taken without own calls (text only): their ids say nothing, so count them
                skip -= 1
                continue
            turn = self.script.turns[index].turn
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
