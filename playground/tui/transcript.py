"""A per-step view of one branch's event log, built one event at a time.

The panes draw from these views; the views are derived from the engine's
events (never edited by the UI), so a rebuild after a rewind or switch is
just ``Transcript.from_state(session.state)``. Textual-free.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..episode.events import (
    AgentError,
    CallApproved,
    CallEdited,
    CallRejected,
    Ended,
    Event,
    Interview,
    ModelTurn,
    MonitoringChanged,
    Note,
    Notice,
    ResultEdited,
    ToolCall,
    ToolResult,
)

SCRATCHPAD = "reasoning_scratchpad"


def parse_args(raw: str) -> Any:
    try:
        return json.loads(raw) if raw.strip() else {}
    except (json.JSONDecodeError, AttributeError):
        return raw


@dataclass
class CallView:
    call: ToolCall
    status: str = "pending"  # pending | approved | edited | rejected
    arguments: str = ""  # what ran: the edited arguments when edited
    reason: str = ""  # why it was rejected
    result: ToolResult | None = None
    edited_output: str | None = None  # what the model sees instead of the tool's output

    @property
    def scratchpad(self) -> bool:
        return self.call.name == SCRATCHPAD

    def thought(self) -> str | None:
        args = parse_args(self.arguments or self.call.arguments)
        if isinstance(args, dict) and isinstance(args.get("thought"), str):
            return args["thought"]
        return None

    @property
    def output(self) -> str | None:
        if self.edited_output is not None:
            return self.edited_output
        return self.result.output if self.result is not None else None


@dataclass
class Extra:
    kind: str  # notice | note | monitoring | error | ended | interview
    text: str
    detail: str = ""


@dataclass
class StepView:
    step: int
    turn: ModelTurn | None = None
    calls: list[CallView] = field(default_factory=list)
    extras: list[Extra] = field(default_factory=list)
    tripped: list[str] = field(default_factory=list)  # detector ids that tripped at this step
    live: bool = False  # a turn still streaming in
    live_reasoning: str = ""
    live_text: str = ""
    version: int = 0

    @property
    def scripted(self) -> bool:
        return bool(self.turn and self.turn.agent.startswith("scripted/"))

    @property
    def pending(self) -> list[CallView]:
        return [c for c in self.calls if c.status == "pending"]


class Transcript:
    def __init__(self, monitored: bool | None = None) -> None:
        self.steps: list[StepView] = [StepView(0)]
        if monitored is not None:
            self.steps[0].extras.append(Extra("monitoring", "on" if monitored else "off", "at the start"))
        self._calls: dict[str, CallView] = {}

    @classmethod
    def from_state(cls, state, monitored: bool | None = None) -> "Transcript":
        """``monitored``: the episode's starting belief, shown at step 0."""
        t = cls(monitored)
        for event, step in zip(state.events, state.event_steps):
            t.apply(event, step)
        for step, ids in state.tripped_at.items():
            t.trip(step, ids)
        return t

    def view(self, step: int) -> StepView:
        while len(self.steps) <= step:
            self.steps.append(StepView(len(self.steps)))
        return self.steps[step]

    def trip(self, step: int, ids: list[str]) -> bool:
        view = self.view(step)
        new = [i for i in ids if i not in view.tripped]
        if new:
            view.tripped.extend(new)
            view.version += 1
        return bool(new)

    def apply(self, event: Event, step: int) -> int:
        """Fold one event in; return the step whose view changed."""
        view = self.view(step)
        if isinstance(event, ModelTurn):
            view.turn, view.live = event, False
            view.live_reasoning = view.live_text = ""
            view.calls = [CallView(c, arguments=c.arguments) for c in event.tool_calls]
            for cv in view.calls:
                self._calls[cv.call.id] = cv
        elif isinstance(event, CallApproved):
            self._set(event.call_id, status="approved")
        elif isinstance(event, CallEdited):
            self._set(event.call_id, status="edited", arguments=event.new_arguments)
        elif isinstance(event, CallRejected):
            self._set(event.call_id, status="rejected", reason=event.reason)
        elif isinstance(event, ToolResult):
            cv = self._calls.get(event.call_id)
            if cv is not None:
                cv.result = event
                if cv.status == "pending":  # a recorded transcript may skip the approval
                    cv.status = "approved"
        elif isinstance(event, ResultEdited):
            self._set(event.call_id, edited_output=event.output)
        elif isinstance(event, MonitoringChanged):
            how = {"prompt": "in the prompt", "file": "through a file in the world",
                   "notice": "through a notice"}.get(event.how, event.how)
            view.extras.append(Extra("monitoring", "on" if event.on else "off", how))
        elif isinstance(event, Notice):
            view.extras.append(Extra("notice", event.text, event.source))
        elif isinstance(event, Note):
            view.extras.append(Extra("note", event.text))
        elif isinstance(event, AgentError):
            view.extras.append(Extra("error", event.message, "retryable" if event.retryable else ""))
        elif isinstance(event, Ended):
            view.extras.append(Extra("ended", event.reason))
        elif isinstance(event, Interview):
            view.extras.append(Extra("interview", event.answer, event.question))
        view.version += 1
        return step

    def _set(self, call_id: str, **changes: Any) -> None:
        cv = self._calls.get(call_id)
        if cv is not None:
            for k, v in changes.items():
                setattr(cv, k, v)

    def call_step(self, call_id: str) -> int | None:
        for view in reversed(self.steps):
            if any(c.call.id == call_id for c in view.calls):
                return view.step
        return None
