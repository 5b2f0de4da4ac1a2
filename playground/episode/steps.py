"""The one step fold: a branch's event log as steps, the way every view shows an episode.

Step 0 is the set-up (the starting belief, notices before the first turn); step k is the k-th model
turn with its calls (approved, edited, rejected, by whom), their results as the tool returned them
and as the model saw them (an edited result keeps both), the notices, notes, monitoring changes,
errors, the end, interview answers, the detectors that tripped at that step and the turn's usage.

The TUI's panes and compare view, the Markdown/HTML/JSON exports and the CLI printer all render
this fold; none re-derives steps from raw events. It is built one event at a time (``apply``), so a
live screen folds each new event in, and ``StepFold.of(state)`` rebuilds it after a rewind or fork.
Every event kind is matched exhaustively: a new kind fails the type check (``assert_never``) and
raises at run time until the fold handles it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, assert_never

from ..world.jsontext import loads
from .events import (
    AgentError,
    AnyEvent,
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

if TYPE_CHECKING:
    from .state import BranchState

SCRATCHPAD = "reasoning_scratchpad"
HOW_SHOWN = {"prompt": "in the prompt", "file": "through a file in the world", "notice": "through a notice"}


def parse_args(raw: str) -> Any:
    """A call's arguments as data; the raw text when they are not JSON (as the model sent them) or are
    past the bounds of ``world.jsontext`` (deeper than 64, longer than a million characters)."""
    try:
        return loads(raw) if raw.strip() else {}
    except (ValueError, AttributeError, RecursionError):
        return raw


@dataclass
class CallStep:
    call: ToolCall
    status: str = "pending"  # pending | approved | edited | rejected
    arguments: str = ""  # what ran: the edited arguments when edited
    reason: str = ""  # why it was rejected (the model reads it)
    by: str | None = None  # who decided: "human", "policy:<name> rule N"
    result: ToolResult | None = None  # what the tool returned
    edited_output: str | None = None  # what the model saw instead, when the result was edited

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
        """What the model saw as this call's result: an edit, else for a recorded turn the answer the
        recorded harness gave (exactly as the model read it), else the tool's answer."""
        if self.edited_output is not None:
            return self.edited_output
        if self.result is None:
            return None
        return self.result.recorded_output if self.result.recorded_output is not None else self.result.output


@dataclass
class Extra:
    """Something at a step besides the turn and its calls, in the order it happened."""

    kind: str  # notice | note | monitoring | error | ended | interview
    text: str
    detail: str = ""
    event: Event | None = None


@dataclass
class Step:
    step: int
    turn: ModelTurn | None = None
    calls: list[CallStep] = field(default_factory=list)
    extras: list[Extra] = field(default_factory=list)
    tripped: list[str] = field(default_factory=list)  # detector ids that tripped at this step
    events: list[Event] = field(default_factory=list)  # every event of the step, in order
    live: bool = False  # a turn still streaming in (a live view's placeholder)
    live_reasoning: str = ""
    live_text: str = ""
    version: int = 0  # bumped on every change, so a view redraws only what changed

    @property
    def scripted(self) -> bool:
        return bool(self.turn and self.turn.agent.startswith("scripted/"))

    @property
    def pending(self) -> list[CallStep]:
        return [c for c in self.calls if c.status == "pending"]

    @property
    def usage(self) -> dict[str, Any]:
        return self.turn.usage if self.turn is not None else {}

    @property
    def flagged(self) -> bool:
        """A step worth jumping to: a detector tripped, a human intervened, the belief changed, or
        a recorded run's result differed."""
        return bool(self.tripped or any(e.kind in ("monitoring", "error") for e in self.extras if self.step)
                    or any(c.status in ("edited", "rejected") or c.edited_output is not None
                           or (c.result is not None and c.result.diverged) for c in self.calls))


class StepFold:
    def __init__(self, monitored: bool | str | None = None) -> None:
        """``monitored``: the belief at the start (``summary.start_belief``): True, False, or "none"
        for a recorded run that was told nothing either way."""
        self.steps: list[Step] = [Step(0)]
        if monitored == "none":
            self.steps[0].extras.append(Extra("monitoring", "none", "the recorded prompt made no monitoring statement"))
        elif monitored is not None:
            self.steps[0].extras.append(Extra("monitoring", "on" if monitored else "off", "at the start"))
        self._calls: dict[str, CallStep] = {}

    @classmethod
    def of(cls, state: "BranchState", monitored: bool | str | None = None) -> "StepFold":
        """The fold of a branch's replayed state; ``monitored``: the starting belief, shown at step 0."""
        fold = cls(monitored)
        for event, step in zip(state.events, state.event_steps):
            fold.apply(event, step)
        for step, ids in state.tripped_at.items():
            fold.trip(step, ids)
        return fold

    def view(self, step: int) -> Step:
        while len(self.steps) <= step:
            self.steps.append(Step(len(self.steps)))
        return self.steps[step]

    def trip(self, step: int, ids: list[str]) -> bool:
        view = self.view(step)
        new = [i for i in ids if i not in view.tripped]
        if new:
            view.tripped.extend(new)
            view.version += 1
        return bool(new)

    def apply(self, event: AnyEvent | Event, step: int) -> int:
        """Fold one event in; return the step whose view changed."""
        view = self.view(step)
        view.events.append(event)
        match event:
            case ModelTurn():
                view.turn, view.live = event, False
                view.live_reasoning = view.live_text = ""
                view.calls = [CallStep(c, arguments=c.arguments) for c in event.tool_calls]
                for cv in view.calls:
                    self._calls[cv.call.id] = cv
            case CallApproved():
                self._set(event.call_id, status="approved", by=event.by)
            case CallEdited():
                self._set(event.call_id, status="edited", arguments=event.new_arguments, by=event.by)
            case CallRejected():
                self._set(event.call_id, status="rejected", reason=event.reason, by=event.by)
            case ToolResult():
                cv = self._calls.get(event.call_id)
                if cv is not None:
                    cv.result = event
                    if cv.status == "pending":  # a recorded transcript may carry no approval
                        cv.status = "approved"
            case ResultEdited():
                self._set(event.call_id, edited_output=event.output)
            case MonitoringChanged():
                view.extras.append(Extra("monitoring", "on" if event.on else "off",
                                         HOW_SHOWN.get(event.how, event.how), event))
            case Notice():
                view.extras.append(Extra("notice", event.text, event.source, event))
            case Note():
                view.extras.append(Extra("note", event.text, "", event))
            case AgentError():
                view.extras.append(Extra("error", event.message, "retryable" if event.retryable else "", event))
            case Ended():
                view.extras.append(Extra("ended", event.reason, "", event))
            case Interview():
                view.extras.append(Extra("interview", event.answer, event.question, event))
            case _:
                assert_never(event)
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


def fold(state: "BranchState", monitored: bool | None = None) -> list[Step]:
    """The steps of a branch (``StepFold.of(state, monitored).steps``)."""
    return StepFold.of(state, monitored).steps


def count_steps(events: list[Event]) -> int:
    """How many steps (model turns) a list of events holds, without folding it."""
    return sum(1 for e in events if isinstance(e, ModelTurn))
