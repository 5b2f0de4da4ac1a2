"""The recorded agent: replays an imported transcript's assistant turns, one per
model turn, and keeps what the transcript's own harness answered beside what our
simulated world answered.

Like the scripted agent it decides only from the messages it is fed: the next
turn is the recorded turn numbered by how many assistant messages came before,
so rewinds and forks need no hidden state. Past the end of the recording it
fails (not retryable) rather than invent a turn: fork with another agent to go on.

The recording lives in ``episode.source["recording"]`` so a save replays alone::

    {"turns": [{"text": str, "reasoning": str, "usage": {...},
                "calls": [{"name": str, "arguments": json-text, "output": str (absent if none)}]}],
     "followups": [{"question": str, "answer": str, "reasoning": str}]}

Whether our world's result *differs* from the recorded one is decided by
``same_output``: cosmetic differences (whitespace, line wrapping, YAML quoting and
folding, Python-dict versus YAML text of the same mapping, key order) never count.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from dataclasses import replace
from typing import Any

import yaml

from ..episode import Episode, ModelTurn, ToolCall, ToolResult, TurnRequest
from ..episode.agent_api import AgentExhausted, AgentFailure
from ..limits import YAML
from ..scenario.yaml_bounds import safe_load

RECORDED_PREFIX = "recorded/"
_ID = re.compile(r"^rec(\d+)_(\d+)$")
_WS = re.compile(r"\s+")


# -- comparing our world's answer with the recorded one ---------------------------
def _squash(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _plain(value: Any) -> Any:
    """A parsed value with the cosmetic parts removed: whitespace inside strings, date types."""
    if isinstance(value, dict):
        return {_squash(str(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return _squash(value)
    return value


def canonical(text: str | None) -> Any:
    """What an answer says, for comparison: a mapping or list parsed from Python-literal
    or YAML text (structures only; a scalar stays text), else the text with runs of
    whitespace made single spaces (which also lines up re-padded table columns)."""
    text = (text or "").strip()
    if len(text) > YAML.max_output_parse_chars:  # parsing is bounded too, but a long answer is compared as text
        return _squash(text)
    if text[:1] in "{[":
        try:
            value = ast.literal_eval(text)
            if isinstance(value, (dict, list, tuple)):
                return _plain(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            pass
    if "\n" in text or text[:1] in "{[-":
        try:
            value = safe_load(text)  # bounded: no alias bombs, recursive aliases or deep nesting
            if isinstance(value, (dict, list)):
                return _plain(value)
        except (yaml.YAMLError, RecursionError):
            pass
    return _squash(text)


def same_output(ours: str | None, recorded: str | None) -> bool:
    if (ours or "").strip() == (recorded or "").strip():
        return True
    return canonical(ours) == canonical(recorded)


# -- the agent --------------------------------------------------------------------
def _key(question: str) -> str:
    return _squash(question).lower().strip(" ?!.")


class RecordedAgent:
    scripted = True  # offline, no litellm; its turns are labelled recorded, never passed off as live

    def __init__(self, spec: str, turns: list[dict[str, Any]], followups: list[dict[str, Any]] | None = None):
        self.name = spec
        self.model = spec[len(RECORDED_PREFIX):]
        self.turns = turns
        self.followups = {_key(f.get("question", "")): f for f in followups or []}

    @classmethod
    def from_episode(cls, spec: str, episode: Episode) -> "RecordedAgent":
        rec = (episode.source or {}).get("recording")
        if not isinstance(rec, dict) or not isinstance(rec.get("turns"), list):
            raise AgentFailure(f"{spec}: this episode carries no recording (only imported episodes can replay one)", False)
        return cls(spec, rec["turns"], rec.get("followups") or [])

    def turn(self, k: int) -> ModelTurn:
        """Recorded turn ``k`` (0-based) as a model turn, its calls numbered ``rec<k>_<n>``."""
        t = self.turns[k]
        calls = tuple(ToolCall(f"rec{k}_{n}", c["name"], c.get("arguments") or "{}") for n, c in enumerate(t.get("calls") or []))
        return ModelTurn(reasoning=t.get("reasoning") or "", text=t.get("text") or "", tool_calls=calls,
                         usage=dict(t.get("usage") or {}), agent=self.name, recorded=True)

    async def next_turn(self, request: TurnRequest) -> ModelTurn:
        if not request.tools:
            return self._followup(request.messages)
        k = sum(1 for m in request.messages if m.get("role") == "assistant")
        if k >= len(self.turns):
            last_called = bool(self.turns and self.turns[-1].get("calls"))
            raise AgentExhausted(f"the recording of {self.model} has {len(self.turns)} turns and no turn {k + 1}; "
                                 "fork and pick another agent to continue from here",
                                 "recording_end" if last_called else "no_tool_call")
        return self.turn(k)

    def nudge_after(self, k: int) -> str | None:
        """The user message the recorded harness sent after turn ``k`` (0-based) had no tool call."""
        nudge = self.turns[k].get("nudge") if 0 <= k < len(self.turns) else None
        return nudge if isinstance(nudge, str) and nudge else None

    def recorded_output(self, call_id: str) -> tuple[str, str | None] | None:
        """(recorded tool name, recorded answer or None) for one of our call ids."""
        m = _ID.match(call_id)
        if not m:
            return None
        k, n = int(m.group(1)), int(m.group(2))
        calls = (self.turns[k].get("calls") or []) if k < len(self.turns) else []
        if n >= len(calls):
            return None
        return calls[n]["name"], calls[n].get("output")

    def recorded_result(self, call: ToolCall, result: ToolResult) -> ToolResult:
        """Our world's result, with the recorded answer beside it and whether the two differ."""
        found = self.recorded_output(call.id)
        if found is None or found[0] != call.name or found[1] is None:
            return result
        return replace(result, recorded_output=found[1], diverged=not same_output(result.output, found[1]))

    def _followup(self, messages: list[dict[str, Any]]) -> ModelTurn:
        question = next((m.get("content") or "" for m in reversed(messages) if m.get("role") == "user"), "")
        hit = self.followups.get(_key(question))
        if hit is None:
            known = len(self.followups)
            raise AgentFailure(f"{self.model} can only give the answers it recorded ({known} recorded question"
                               f"{'' if known == 1 else 's'}); ask with a scripted policy or a real model instead", False)
        return ModelTurn(text=hit.get("answer") or "", reasoning=hit.get("reasoning") or "", agent=self.name, recorded=True)


def recording_data(turns: list[dict[str, Any]], followups: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``source["recording"]`` block, with call arguments as JSON text."""
    out = []
    for t in turns:
        calls = []
        for c in t.get("calls") or []:
            args = c.get("arguments")
            entry = {"name": c["name"], "arguments": args if isinstance(args, str) else json.dumps(args or {}, ensure_ascii=False)}
            if c.get("output") is not None:
                entry["output"] = c["output"]
            calls.append(entry)
        out.append({"text": t.get("text") or "", "reasoning": t.get("reasoning") or "", "calls": calls,
                    **({"usage": t["usage"]} if t.get("usage") else {}),
                    **({"nudge": t["nudge"]} if isinstance(t.get("nudge"), str) else {}),
                    **({"user": t["user"]} if isinstance(t.get("user"), str) else {})})
    return {"turns": out, "followups": [dict(f) for f in followups]}
