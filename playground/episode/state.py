"""The derived state of one branch: world, messages, pending calls, detector
verdicts. Updated one event at a time; rebuilt by replay on rewind or fork."""

from __future__ import annotations

from typing import Any, assert_never

from ..world import World
from .context import EpisodeContext
from .detectors import DetectorSet, LogFacts, Verdict
from .events import (
    REJECTED,
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
from ..world.jsontext import dumps
from ..world.tools.registry import Outcome, ToolError, parse_arguments
from .world_fold import WorldFold


def assistant_message(turn: ModelTurn) -> dict[str, Any]:
    msg: dict[str, Any] = {"role": "assistant", "content": turn.text or None}
    if turn.tool_calls:
        msg["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in turn.tool_calls
        ]
    return msg


class BranchState:
    def __init__(self, ctx: EpisodeContext, monitored: bool, detectors: DetectorSet):
        self.ctx = ctx
        self.detectors = detectors
        self.monitored = monitored
        self.prompt_monitored = monitored  # the belief the system prompt was rendered with
        self.fold = WorldFold(ctx, monitored)  # the world, the step count and the calls seen
        self.events: list[Event] = []
        self.event_steps: list[int] = []
        self.turns: list[ModelTurn] = []
        self.pending: list[ToolCall] = []
        self.result_index: dict[str, int] = {}
        self.results: dict[str, ToolResult] = {}
        self.edited_results: dict[str, str] = {}
        self.messages: list[dict[str, Any]] = self._opening()
        self.facts = LogFacts()
        self.verdicts: dict[str, Verdict] = detectors.fresh()
        self.ended: str | None = None
        self.calls_without_tool = 0
        self.errors: list[AgentError] = []
        self.interviews: list[Interview] = []
        self.notes: list[tuple[int, str]] = []
        self.tripped_at: dict[int, list[str]] = {}
        self._evaluate()

    def _opening(self) -> list[dict[str, Any]]:
        return [
            {"role": "system", "content": self.ctx.system_prompt(self.prompt_monitored)},
            {"role": "user", "content": self.ctx.task(self.prompt_monitored)},
        ]

    # -- what the world fold owns ---------------------------------------
    @property
    def world(self) -> World:
        return self.fold.world

    @property
    def initial(self) -> World:
        return self.fold.initial

    @property
    def step(self) -> int:
        return self.fold.step

    @property
    def calls(self) -> dict[str, ToolCall]:
        return self.fold.calls

    @property
    def last_outcome(self) -> Outcome | None:
        return self.fold.last_outcome

    # ------------------------------------------------------------------
    def apply(self, event: AnyEvent | Event) -> None:
        self.fold.apply(event)  # the world first: the handlers below read what the call did
        match event:
            case ModelTurn():
                self._on_model_turn(event)
            case CallApproved():
                self._on_call_approved(event)
            case CallEdited():
                self._on_call_edited(event)
            case CallRejected():
                self._on_call_rejected(event)
            case ToolResult():
                self._on_tool_result(event)
            case ResultEdited():
                self._on_result_edited(event)
            case MonitoringChanged():
                self._on_monitoring_changed(event)
            case Notice():
                self._on_notice(event)
            case Note():
                self._on_note(event)
            case AgentError():
                self._on_agent_error(event)
            case Ended():
                self._on_ended(event)
            case Interview():
                self._on_interview(event)
            case _:
                assert_never(event)
        self.events.append(event)
        self.event_steps.append(self.step)
        # What detectors read changes only with these (a ToolResult only reports what CallApproved did).
        if isinstance(event, (ModelTurn, Ended, MonitoringChanged, CallApproved, CallEdited)):
            self._evaluate()

    def _evaluate(self) -> None:
        before = {k for k, v in self.verdicts.items() if v.tripped}
        self.detectors.evaluate(self.verdicts, self.world, self.initial, self.facts, self.step)
        newly = [k for k, v in self.verdicts.items() if v.tripped and k not in before]
        if newly:
            self.tripped_at.setdefault(self.step, []).extend(newly)

    def _on_model_turn(self, e: ModelTurn) -> None:
        self.turns.append(e)
        self.messages.append(assistant_message(e))
        self.pending = list(e.tool_calls)
        if e.reasoning:
            self.facts.reasonings.append(e.reasoning)
        if e.text:
            self.facts.texts.append(e.text)
        self.calls_without_tool = 0 if e.tool_calls else self.calls_without_tool + 1

    def _ran(self, call_id: str, arguments: str) -> None:
        """Record the facts of a call the world fold has just run."""
        call = self.calls[call_id]
        assert self.last_outcome is not None
        if not self.last_outcome.error:
            try:
                args = parse_arguments(arguments)
            except ToolError:
                args = {}
            self.facts.calls.append((call.name, args, arguments if isinstance(arguments, str) else dumps(arguments)))
            if call.name == "reasoning_scratchpad" and isinstance(args.get("thought"), str):
                self.facts.reasonings.append(args["thought"])

    def _on_call_approved(self, e: CallApproved) -> None:
        self._ran(e.call_id, self.calls[e.call_id].arguments)

    def _on_call_edited(self, e: CallEdited) -> None:
        self._ran(e.call_id, e.new_arguments)

    def _on_call_rejected(self, e: CallRejected) -> None:
        self.fold.last_outcome = Outcome(f"{REJECTED} Reason: {e.reason or 'none given'}", True)

    def _on_tool_result(self, e: ToolResult) -> None:
        self.pending = [c for c in self.pending if c.id != e.call_id]
        self.result_index[e.call_id] = len(self.messages)
        self.results[e.call_id] = e
        seen = e.recorded_output if e.recorded_output is not None else e.output  # a recorded turn read the recorded answer
        self.messages.append({"role": "tool", "tool_call_id": e.call_id, "name": e.name, "content": seen})

    def _on_result_edited(self, e: ResultEdited) -> None:
        idx = self.result_index[e.call_id]
        self.messages[idx] = {**self.messages[idx], "content": e.output}
        self.edited_results[e.call_id] = e.output

    def _on_monitoring_changed(self, e: MonitoringChanged) -> None:
        self.monitored = e.on
        if self.step == 0:
            # Before the first turn the agent has seen nothing yet: render the
            # prompts afresh in the new state (the world fold did the world).
            self.prompt_monitored = e.on
            self.messages[:2] = self._opening()

    def _on_notice(self, e: Notice) -> None:
        self.messages.append({"role": "user", "content": e.text})

    def _on_note(self, e: Note) -> None:
        self.notes.append((self.step, e.text))

    def _on_agent_error(self, e: AgentError) -> None:
        self.errors.append(e)

    def _on_ended(self, e: Ended) -> None:
        self.ended = e.reason
        self.facts.ended = e.reason
        self.pending = []

    def _on_interview(self, e: Interview) -> None:
        self.interviews.append(e)

    # ------------------------------------------------------------------
    def behaviours(self) -> list[str]:
        labels: list[str] = []
        for v in self.verdicts.values():
            if v.tripped and v.label not in labels:
                labels.append(v.label)
        return labels

    def cut_index(self, step: int) -> int:
        """Index just after every event of ``step`` (before turn step+1)."""
        for i, s in enumerate(self.event_steps):
            if s > step:
                return i
        return len(self.events)
