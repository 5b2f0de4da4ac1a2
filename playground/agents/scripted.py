"""Scripted demo agents: a policy written as data in the scenario, replayed turn
by turn. Fed the same OpenAI-format messages a real model gets, and deciding
only from them (plus the scenario it was written for) — no litellm here.

Where a policy is in its script is read back from the ids of its own earlier
tool calls (``sp<turn>_<n>``), so rewinds and forks need no hidden state.

What a policy does next depends only on what it was shown: a turn's ``when`` reads the
monitoring belief, the text of results (``seen``: a regex over everything seen, or per tool over
its latest result; named groups become the turn's template variables, so a date it quotes is
the date it read), its own earlier calls that went through (``done``) and which calls the
operator rejected (``rejected``); ``read`` binds more variables from what it was shown. Right
after a rejection the next turn that applies must be one written for it (its ``when`` has
``rejected``); if it is not, the policy's ``on_rejected`` turn runs instead (by default: it says
so and ends the task; a rejected ``end_task`` is answered by ending again), with call ids
``sp<turn>r<k>_<n>`` that keep its place in the script.

A ``choose`` in the script is drawn when the agent enters it, from a generator keyed on the
episode's seed, the step and the sample index (``TurnRequest``): the same seed gives the same
episode, and another sample index another draw. Inside an alternative the ids say which one it
is, so nothing is drawn twice. ``chooser`` replaces the draw (lint walks every alternative so).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ..episode import REJECTED, ModelTurn, ToolCall, TurnRequest
from ..episode.agent_api import SCRIPTED_PREFIX
from ..episode.context import EpisodeContext
from ..scenario.choose import Choice, FlatScript, pick, weights
from ..scenario.models import Condition, Policy, ScriptedCall, ScriptedTurn
from ..scenario.patterns import IGNORECASE, PatternError, PatternTimeout, compile_pattern, finditer, search
from ..scenario.templating import render

_ID = re.compile(r"^sp(\d+)(?:r\d+)?_\d+$")


def matches(pattern: str, text: str) -> bool:
    """A policy's ``seen``/``not_seen`` or follow-up pattern, within the regex time budget;
    one that cannot run (validate refuses those) or runs out of time counts as not matched."""
    try:
        return search(compile_pattern(pattern, IGNORECASE), text) is not None
    except (PatternError, PatternTimeout):
        return False


def last_match(pattern: str, text: str) -> Any:
    """The last match of a policy's pattern in ``text`` (its captures are what the agent read), or
    None — also for a pattern that cannot run or runs out of time, as with ``matches``."""
    try:
        found = finditer(compile_pattern(pattern, IGNORECASE), text)
    except (PatternError, PatternTimeout):
        return None
    return found[-1] if found else None

# What a policy without its own ``on_rejected`` does when a rejection is not handled by a turn.
# (Worded so that no bundled detector reads it as a refusal: the operator stopped the agent.)
DEFAULT_ON_REJECTED = ScriptedTurn(
    reasoning=("The operator rejected my {{ rejected_tool }} call{% if rejected_reason %} (their reason: "
               "\"{{ rejected_reason }}\"){% endif %}. Working around an operator's decision is not mine to do, "
               "so I'll stop here and leave the rest to them."),
    text="I have stopped here: the operator rejected {{ rejected_tool }}, so I am leaving the rest of the job to them.",
    calls=[ScriptedCall(tool="end_task")],
)
# What any policy does when the operator rejected its end_task and no turn handles that.
END_REJECTED = ScriptedTurn(
    reasoning=("The operator rejected my end_task call{% if rejected_reason %} (their reason: "
               "\"{{ rejected_reason }}\"){% endif %}. There is nothing more I can usefully do here, so I'll end the "
               "task again."),
    text="There is nothing more for me to do here; ending the task.",
    calls=[ScriptedCall(tool="end_task")],
)


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


def rejection_reason(text: str) -> str:
    """The operator's reason in a rejected call's result ("" when none was given)."""
    rest = text[len(REJECTED):].strip()
    if rest.startswith("Reason:"):
        rest = rest[len("Reason:"):].strip()
    return "" if rest == "none given" else rest


@dataclass
class Shown:
    """What the messages so far showed the agent, read once per turn."""

    seen_text: str = ""  # tool results and user messages, in order
    latest: dict[str, str] = field(default_factory=dict)  # tool -> the text of its latest result
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (tool, reason) rejected in the previous turn
    done: list[tuple[str, str]] = field(default_factory=list)  # (tool, arguments) of its calls that were not rejected

    @classmethod
    def read(cls, messages: list[dict[str, Any]]) -> "Shown":
        names: dict[str, str] = {}
        previous: list[str] = []
        results: dict[str, str] = {}
        out = cls()
        parts = []
        for m in messages:
            role, content = m.get("role"), m.get("content")
            if role == "assistant":
                previous = []
                for c in m.get("tool_calls") or []:
                    names[c.get("id", "")] = (c.get("function") or {}).get("name", "")
                    previous.append(c.get("id", ""))
            elif role in ("tool", "user") and isinstance(content, str):
                parts.append(content)
                if role == "tool":
                    cid = m.get("tool_call_id") or ""
                    results[cid] = content
                    out.latest[m.get("name") or names.get(cid, "")] = content
        out.seen_text = "\n".join(parts)
        calls = {}
        for m in messages:
            if m.get("role") == "assistant":
                for c in m.get("tool_calls") or []:
                    fn = c.get("function") or {}
                    calls[c.get("id", "")] = (fn.get("name", ""), fn.get("arguments") or "")
        out.done = [calls[cid] for cid, text in results.items() if cid in calls and not text.startswith(REJECTED)]
        out.rejected = [(names.get(cid, ""), rejection_reason(results[cid])) for cid in previous
                        if results.get(cid, "").startswith(REJECTED)]
        return out

    def text(self, tool: str | None) -> str:
        """The latest result of ``tool`` ("" before it ran), or with None everything seen so far."""
        return self.seen_text if tool is None else self.latest.get(tool, "")

    def did(self, spec: str | dict[str, str]) -> bool:
        """Whether the agent made a call matching ``spec`` (a tool, or tool -> regex over its
        arguments) that was not rejected; with a mapping, every entry must match some call."""
        if isinstance(spec, str):
            return any(tool == spec for tool, _ in self.done)
        return all(any(tool == t and matches(rx, args) for t, args in self.done)
                   for tool, rx in spec.items())

    def was_rejected(self, tool: str) -> bool:
        return self.latest.get(tool, "").startswith(REJECTED)


def _patterns(spec: str | dict[str, str] | None) -> list[tuple[str | None, str]]:
    """``seen``/``not_seen`` as (tool or None for everything seen, regex) pairs."""
    if spec is None:
        return []
    if isinstance(spec, str):
        return [(None, spec)]
    return list(spec.items())


def _read(spec: str | dict[str, str], shown: Shown) -> str:
    """A ``read`` variable: the first group (else the whole match) of the last match, or ""."""
    value = ""
    for where, pattern in _patterns(spec):
        m = last_match(pattern, shown.text(where))
        if m is not None:
            value = (m.group(1) if m.re.groups else m.group()) or ""
    return value


def _handles_rejection(turn: ScriptedTurn) -> bool:
    return turn.when is not None and turn.when.rejected not in (None, False)


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

    def _match(self, cond: Condition | None, messages: list[dict[str, Any]], shown: Shown) -> dict[str, str] | None:
        """The turn's captures (named groups of ``seen``) when ``cond`` holds, else None."""
        if cond is None:
            return {}
        if cond.monitoring is not None:
            watched = belief(messages, self.context.monitoring_markers, self.context.scenario.monitoring.default)
            if watched != (cond.monitoring == "on"):
                return None
        captures: dict[str, str] = {}
        for where, pattern in _patterns(cond.seen):
            last = last_match(pattern, shown.text(where))
            if last is None:
                return None
            captures.update({k: v or "" for k, v in last.groupdict().items()})
        if any(matches(pattern, shown.text(where)) for where, pattern in _patterns(cond.not_seen)):
            return None
        if cond.done is not None and not shown.did(cond.done):
            return None
        if cond.not_done is not None and shown.did(cond.not_done):
            return None
        if cond.rejected is True and not shown.rejected:
            return None
        if cond.rejected is False and shown.rejected:
            return None
        if isinstance(cond.rejected, (str, list)):
            tools = [cond.rejected] if isinstance(cond.rejected, str) else cond.rejected
            if not any(shown.was_rejected(t) for t in tools):
                return None
        for var, want in cond.variables.items():
            have = self.context.ctx(True).get(var)
            if have not in (want if isinstance(want, list) else [want]):
                return None
        return captures

    def _render_args(self, value: Any, ctx: dict[str, Any]) -> Any:
        if isinstance(value, str):
            return render(value, ctx)
        if isinstance(value, list):
            return [self._render_args(v, ctx) for v in value]
        if isinstance(value, dict):
            return {k: self._render_args(v, ctx) for k, v in value.items()}
        return value

    def _turn(self, ids: str, turn: ScriptedTurn, monitored: bool, shown: Shown, captures: dict[str, str]) -> ModelTurn:
        tool, reason = shown.rejected[0] if shown.rejected else ("", "")
        ctx = {**self.context.ctx(monitored), "rejected_tool": tool, "rejected_reason": reason,
               **{name: _read(spec, shown) for name, spec in turn.read.items()}, **captures}
        calls = tuple(
            ToolCall(f"{ids}_{n}", c.tool, json.dumps(self._render_args(c.args, ctx), ensure_ascii=False))
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
        shown = Shown.read(messages)
        last, skip, anchor = self._where(messages)
        drawn: dict[int, int | None] = {}

        def decide(number: int) -> int | None:
            if number not in drawn:
                choice = self.script.choices[number]
                if self._match(choice.when, messages, shown) is None:
                    drawn[number] = None
                else:
                    ws = weights(choice, self.context.ctx(monitored))
                    drawn[number] = self.chooser(choice, ws, (request.seed, anchor, request.sample))
            return drawn[number]

        here = last  # where the agent is in the flat script (turns taken without own calls counted)
        for index in range(last + 1, len(self.script.turns)):
            if not self._in_branch(index, last, decide):
                continue
            if skip:  # turns taken without own calls (text only): their ids say nothing, so count them
                skip -= 1
                here = index
                continue
            turn = self.script.turns[index].turn
            captures = self._match(turn.when, messages, shown)
            if captures is None:
                continue
            if shown.rejected and not _handles_rejection(turn):
                break  # right after a rejection, the next turn that applies must be written for it
            return self._turn(f"sp{index}", turn, monitored, shown, captures)
        if shown.rejected:
            taken = sum(1 for m in messages if m.get("role") == "assistant")
            if all(tool == "end_task" for tool, _ in shown.rejected):
                fallback = END_REJECTED
            else:
                fallback = self.policy.on_rejected or DEFAULT_ON_REJECTED
            return self._turn(f"sp{max(here, 0)}r{taken}", fallback, monitored, shown, {})
        return ModelTurn(text="(The scripted policy has no more turns.)", agent=self.name)

    def _followup(self, messages: list[dict[str, Any]]) -> ModelTurn:
        question = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
        for pattern, answer in self.policy.followups.items():
            if matches(pattern, question or ""):
                return ModelTurn(text=render(answer, self.context.ctx(True)).strip(), agent=self.name)
        return ModelTurn(text=f"[scripted demo agent '{self.policy_name}' has no prepared answer to this question; "
                              "use a real model to interview freely]", agent=self.name)
