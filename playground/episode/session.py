"""Driving an episode: request turns, approve / edit / reject calls, edit
results, flip monitoring, rewind, fork, switch branches, run to a breakpoint.

Every operation appends events to the current branch and updates its derived
state; listeners (autosave, the TUI) are told about each event.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Awaitable, Callable

from .agent_api import Agent, AgentFailure, Delta, TurnRequest
from .episode import Branch, Episode
from .events import (
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
from .state import BranchState

AgentFactory = Callable[[str, Episode], Agent]
Listener = Callable[["Session", Event], None]
Breakpoint = Callable[[ToolCall, "Session"], bool]


class EpisodeError(Exception):
    """An operation that does not apply in the episode's current state."""


class Session:
    def __init__(self, episode: Episode, make_agent: AgentFactory, *, max_consecutive_errors: int = 3):
        self.episode = episode
        self.make_agent = make_agent
        self.listeners: list[Listener] = []
        self.on_delta: Callable[[Delta], None] | None = None
        self.max_consecutive_errors = max_consecutive_errors
        self._agents: dict[str, Agent] = {}
        self.state: BranchState = episode.replay()

    # -- plumbing ----------------------------------------------------------
    @property
    def branch(self) -> Branch:
        return self.episode.branches[self.episode.current]

    @property
    def agent_spec(self) -> str:
        return self.branch.agent or self.episode.agent

    def agent(self) -> Agent:
        return self.agent_for(self.agent_spec)

    def agent_for(self, spec: str) -> Agent:
        if spec not in self._agents:
            self._agents[spec] = self.make_agent(spec, self.episode)
        return self._agents[spec]

    def set_agent(self, spec: str) -> None:
        self.branch.agent = spec

    def append(self, event: Event) -> None:
        self.state.apply(event)
        self.branch.events.append(event)
        for listener in list(self.listeners):
            listener(self, event)

    def subscribe(self, listener: Listener) -> None:
        self.listeners.append(listener)

    def _pending(self, call_id: str | None) -> ToolCall:
        if not self.state.pending:
            raise EpisodeError("no call is waiting for approval")
        if call_id is None:
            return self.state.pending[0]
        for c in self.state.pending:
            if c.id == call_id:
                return c
        raise EpisodeError(f"call {call_id!r} is not waiting for approval")

    @property
    def ended(self) -> str | None:
        return self.state.ended

    # -- the model ---------------------------------------------------------
    def _request(self, extra: list[dict] | None = None, tools: bool = True) -> TurnRequest:
        return TurnRequest(messages=list(self.state.messages) + (extra or []),
                           tools=self.episode.context.tool_schemas if tools else [],
                           on_delta=self.on_delta, history=list(self.state.turns))

    async def request_turn(self) -> ModelTurn | None:
        """Ask the agent for its next turn. A failure becomes an AgentError event."""
        if self.state.ended:
            raise EpisodeError(f"the episode has ended ({self.state.ended})")
        if self.state.pending:
            raise EpisodeError("resolve the pending calls first")
        if self.state.step >= self.episode.max_steps:
            self.append(Ended("max_steps"))
            return None
        try:
            turn = await self.agent().next_turn(self._request())
        except AgentFailure as f:
            self.append(AgentError(f.message, f.retryable))
            return None
        except Exception as exc:  # an agent bug must never kill the episode
            self.append(AgentError(f"{type(exc).__name__}: {exc}", True))
            return None
        turn = self._unique_ids(replace(turn, agent=turn.agent or self.agent_spec))
        self.append(turn)
        if not turn.tool_calls:
            if self.episode.scenario.no_tool_call == "nudge" and self.state.calls_without_tool == 1:
                self.append(Notice(self.episode.scenario.nudge, source="nudge"))
            else:
                self.append(Ended("no_tool_call"))
        return turn

    def _unique_ids(self, turn: ModelTurn) -> ModelTurn:
        calls, used = [], set(self.state.calls)
        for i, c in enumerate(turn.tool_calls):
            cid = c.id
            if not cid or cid in used:
                cid = f"call_{self.state.step + 1}_{i}"
                while cid in used:
                    cid += "x"
            used.add(cid)
            calls.append(c if cid == c.id else replace(c, id=cid))
        return replace(turn, tool_calls=tuple(calls))

    # -- the pending calls ---------------------------------------------------
    def approve(self, call_id: str | None = None, arguments: str | None = None) -> ToolResult:
        call = self._pending(call_id)
        if arguments is not None and arguments != call.arguments:
            self.append(CallEdited(call.id, call.arguments, arguments))
        else:
            self.append(CallApproved(call.id))
        return self._result(call)

    def edit_call(self, call_id: str | None, arguments: str | dict) -> ToolResult:
        text = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
        return self.approve(call_id, text)

    def reject(self, call_id: str | None = None, reason: str = "") -> ToolResult:
        call = self._pending(call_id)
        self.append(CallRejected(call.id, reason))
        return self._result(call)

    def _result(self, call: ToolCall) -> ToolResult:
        outcome = self.state.last_outcome
        assert outcome is not None
        result = ToolResult(call.id, call.name, outcome.output, outcome.error)
        turn = self.state.turns[-1] if self.state.turns else None
        if turn is not None and turn.recorded:  # a replayed transcript: keep what its own harness answered
            try:
                note = getattr(self.agent_for(turn.agent), "recorded_result", None)
            except AgentFailure:
                note = None
            if note is not None:
                result = note(call, result)
        self.append(result)
        self._maybe_end()
        return result

    def _maybe_end(self) -> None:
        if self.state.pending or self.state.ended:
            return
        if self.state.world.ended:
            self.append(Ended("end_task"))
        elif self.state.step >= self.episode.max_steps:
            self.append(Ended("max_steps"))

    def edit_result(self, call_id: str, output: str) -> None:
        """Change what the model will see as a call's result (before its next turn)."""
        last = self.state.turns[-1] if self.state.turns else None
        if last is None or call_id not in {c.id for c in last.tool_calls} or call_id not in self.state.results:
            raise EpisodeError("only a result of the latest turn can be edited, before the model sees it")
        original = self.state.edited_results.get(call_id, self.state.results[call_id].output)
        self.append(ResultEdited(call_id, output, original))

    # -- monitoring, notes ---------------------------------------------------
    def set_monitoring(self, on: bool) -> None:
        if on == self.state.monitored:
            return
        ctx = self.episode.context
        if self.state.step == 0:
            how = "prompt"
        elif self.episode.scenario.monitoring.file is not None:
            how = "file"
        else:
            how = "notice"
        self.append(MonitoringChanged(on, how))
        if self.state.step > 0 and not self.state.ended:
            text = ctx.notice(on)
            if text:
                self.append(Notice(text, source="monitoring"))

    def toggle_monitoring(self) -> bool:
        self.set_monitoring(not self.state.monitored)
        return self.state.monitored

    def note(self, text: str) -> None:
        self.append(Note(text))

    def end(self, reason: str = "user") -> None:
        if not self.state.ended:
            self.append(Ended(reason))

    # -- stepping ------------------------------------------------------------
    async def step(self) -> Event | None:
        """One unit of progress: run the next pending call, or get the next turn."""
        if self.state.ended:
            return None
        if self.state.pending:
            return self.approve()
        return await self.request_turn()

    async def run(self, until: Breakpoint | None = None, *, max_events: int = 100_000) -> str:
        """Run, auto-approving, to the end or to a call the breakpoint stops at.

        Returns "ended", "breakpoint" or "error" (after repeated agent failures).
        """
        errors = 0
        for _ in range(max_events):
            if self.state.ended:
                return "ended"
            if self.state.pending:
                call = self.state.pending[0]
                if until is not None and until(call, self):
                    return "breakpoint"
                self.approve()
                continue
            turn = await self.request_turn()
            if turn is None and not self.state.ended:
                errors += 1
                last = self.state.errors[-1] if self.state.errors else None
                if errors >= self.max_consecutive_errors or (last is not None and not last.retryable):
                    return "error"
            else:
                errors = 0
        return "error"

    # -- history -------------------------------------------------------------
    def _adopt_children(self, cut: int, heir: str) -> None:
        for b in self.episode.children(self.branch.id):
            if b.fork_at > cut:
                b.parent = heir

    def rewind(self, step: int) -> str | None:
        """Go back to the end of ``step``. Later events are kept as a new branch.

        Returns that branch's id, or None when nothing came after ``step``.
        """
        cut = self.state.cut_index(step)
        full = self.episode.events()
        if cut >= len(full):
            return None
        b = self.branch
        tail_id = self.episode.new_branch_id(f"{b.id}-was")
        self.episode.branches[tail_id] = Branch(tail_id, parent=b.id, fork_at=cut, events=full[cut:],
                                                label=f"{b.label or b.id} before rewind", agent=b.agent)
        self._adopt_children(cut, tail_id)
        self.episode.branches[tail_id].parent = b.id
        if cut >= b.fork_at or b.parent is None:
            b.events = b.events[: cut - (b.fork_at if b.parent else 0)]
        else:
            b.fork_at, b.events = cut, []
        self.state = self.episode.replay()
        return tail_id

    def fork(self, step: int | None = None, *, label: str = "", agent: str | None = None) -> str:
        """A new branch sharing this one's events through ``step`` (default: now); switch to it."""
        cut = len(self.state.events) if step is None else self.state.cut_index(step)
        b = self.branch
        bid = self.episode.new_branch_id()
        self.episode.branches[bid] = Branch(bid, parent=b.id, fork_at=cut, label=label or bid, agent=agent or b.agent)
        self.switch(bid)
        return bid

    def switch(self, branch_id: str) -> None:
        if branch_id not in self.episode.branches:
            raise EpisodeError(f"no branch {branch_id!r}")
        self.episode.current = branch_id
        self.state = self.episode.replay(branch_id)

    # -- after the episode -----------------------------------------------------
    async def interview(self, question: str, agent: str | None = None) -> Interview:
        """Ask the agent a follow-up question with the whole transcript as context.

        ``agent`` asks another agent this one question (the branch keeps its own)."""
        spec = agent or self.agent_spec
        if self.state.pending:
            raise EpisodeError("resolve the pending calls first")
        extra: list[dict] = []
        for iv in self.state.interviews:
            extra += [{"role": "user", "content": iv.question}, {"role": "assistant", "content": iv.answer}]
        extra.append({"role": "user", "content": question})
        try:
            turn = await self.agent_for(spec).next_turn(self._request(extra, tools=False))
        except AgentFailure as f:
            self.append(AgentError(f.message, f.retryable))
            raise EpisodeError(f.message) from None
        event = Interview(question, turn.text, turn.reasoning, turn.agent or spec)
        self.append(event)
        return event


AsyncStep = Callable[[], Awaitable[Event | None]]
