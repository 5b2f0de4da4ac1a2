"""Driving an episode: request turns, approve / edit / reject calls, edit
results, flip monitoring, rewind, fork, switch branches, run to a breakpoint.

Every operation appends events to the current branch and updates its derived
state; listeners (autosave, the TUI) are told about each event.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Awaitable, Callable

from .agent_api import Agent, AgentExhausted, AgentFailure, Delta, TurnRequest
from .approval import AUTO_APPROVE, Approval, ApprovalPolicy
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
Asker = Callable[[ToolCall, Approval], Awaitable[Approval]]


@dataclass(frozen=True)
class RetryPolicy:
    """Retryable model failures (rate limits, dropped connections, server errors) are retried with
    exponential backoff, honouring a wait the provider asked for, up to ``max_retries`` in a row."""

    max_retries: int = 3
    base: float = 0.5
    factor: float = 2.0
    cap: float = 8.0

    def wait(self, attempt: int, asked: float | None = None) -> float:
        wait = min(self.cap, self.base * self.factor ** (attempt - 1))
        return max(wait, min(asked, 60.0)) if asked else wait


@dataclass(frozen=True)
class RunResult:
    """How ``Session.run`` stopped: ``ended`` (the episode ended), ``breakpoint`` (the policy asked
    about ``call`` and nobody was there to answer), ``error`` (a model failure that retrying did not
    or cannot fix; ``message`` says why) or ``limit`` (``max_events`` reached)."""

    outcome: str
    call: ToolCall | None = None
    message: str = ""
    approval: Approval | None = None


class EpisodeError(Exception):
    """An operation that does not apply in the episode's current state."""


class Session:
    def __init__(self, episode: Episode, make_agent: AgentFactory, *, retry: RetryPolicy | None = None,
                 policy: ApprovalPolicy | None = None):
        self.episode = episode
        self.make_agent = make_agent
        self.listeners: list[Listener] = []
        self.on_delta: Callable[[Delta], None] | None = None
        self.retry = retry or RetryPolicy()
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # tests inject a clock
        self._last_failure: AgentFailure | None = None
        spec = episode.scenario.approval
        self.policy: ApprovalPolicy = policy or (ApprovalPolicy(spec, name=spec.name or "scenario") if spec
                                                 else AUTO_APPROVE)
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

    def append(self, event: Event) -> Event:
        """Stamp ``event`` (id, wall-clock time), fold it into the state, log it, tell the listeners."""
        if event.id is None:
            event = replace(event, id=self.episode.new_event_id(),
                            ts=datetime.now(timezone.utc).isoformat(timespec="milliseconds"))
        self.state.apply(event)
        self.branch.events.append(event)
        for listener in list(self.listeners):
            listener(self, event)
        return event

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
                           on_delta=self.on_delta, history=list(self.state.turns), seed=self.episode.seed,
                           step=self.state.step + 1, sample=self.branch.sample)

    async def request_turn(self) -> ModelTurn | None:
        """Ask the agent for its next turn. A failure becomes an AgentError event."""
        if self.state.ended:
            raise EpisodeError(f"the episode has ended ({self.state.ended})")
        if self.state.pending:
            raise EpisodeError("resolve the pending calls first")
        if self.state.step >= self.episode.max_steps:
            self.append(Ended("max_steps"))
            return None
        self._recorded_user_message()
        try:
            turn = await self.agent().next_turn(self._request())
        except AgentExhausted as f:
            self.append(Ended(f.reason))
            return None
        except AgentFailure as f:
            self._last_failure = f
            self.append(AgentError(f.message, f.retryable))
            return None
        except Exception as exc:  # an agent bug must never kill the episode
            self.append(AgentError(f"{type(exc).__name__}: {exc}", True))
            return None
        turn = self.append(self._unique_ids(replace(turn, agent=turn.agent or self.agent_spec)))
        if not turn.tool_calls:
            recorded = getattr(self.agent(), "nudge_after", None) if turn.recorded else None
            said = recorded(self.state.step - 1) if recorded is not None else None  # a recording's own nudge
            if said or (self.episode.scenario.no_tool_call == "nudge" and self.state.calls_without_tool == 1):
                self.append(Notice(said or self.episode.scenario.nudge, source="nudge"))
            else:
                self.append(Ended("no_tool_call"))
        return turn

    def _recorded_user_message(self) -> None:
        """A message the recorded harness sent after the recorded turn this branch last took (not a
        nudge): the model read it before its next turn, so every agent that takes that turn does too."""
        recording = (self.episode.source or {}).get("recording")
        turns = self.state.turns
        if not isinstance(recording, dict) or not turns or not turns[-1].recorded or not turns[-1].tool_calls:
            return  # the step path of every native episode stops here
        rec_turns = recording.get("turns")
        k = len(turns) - 1
        said = rec_turns[k].get("user") if isinstance(rec_turns, list) and k < len(rec_turns) and isinstance(rec_turns[k], dict) else None
        if not isinstance(said, str) or not said:
            return
        for e in reversed(self.state.events):  # already given since that turn?
            if isinstance(e, ModelTurn):
                break
            if isinstance(e, Notice) and e.source == "recorded":
                return
        self.append(Notice(said, source="recorded"))

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
    def approve(self, call_id: str | None = None, arguments: str | None = None, *, by: str = "human") -> ToolResult:
        call = self._pending(call_id)
        if arguments is not None and arguments != call.arguments:
            self.append(CallEdited(call.id, call.arguments, arguments, by=by))
        else:
            self.append(CallApproved(call.id, by=by))
        return self._result(call)

    def edit_call(self, call_id: str | None, arguments: str | dict, *, by: str = "human") -> ToolResult:
        text = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
        return self.approve(call_id, text, by=by)

    def reject(self, call_id: str | None = None, reason: str = "", *, by: str = "human") -> ToolResult:
        call = self._pending(call_id)
        self.append(CallRejected(call.id, reason, by=by))
        return self._result(call)

    def apply(self, call: ToolCall, approval: Approval) -> None:
        """Carry out one decision about a pending call (``ask`` is not a decision: answer it first)."""
        if approval.decision == "approve":
            self.approve(call.id, by=approval.by)
        elif approval.decision == "modify":
            self.approve(call.id, approval.arguments, by=approval.by)
        elif approval.decision == "reject":
            self.reject(call.id, approval.explanation, by=approval.by)
        elif approval.decision == "terminate":
            self.append(CallRejected(call.id, approval.explanation or "the approval policy ended the episode",
                                     by=approval.by))
            self._result(call)
            self.end("terminated")
        else:
            raise EpisodeError(f"cannot carry out {approval.decision!r} on {call.name}")

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
        result = self.append(result)
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
        """Change what the agent believes (a notice tells it, or its prompt or a world file). A recorded
        run that was told nothing either way can be told either; any other no-change is nothing."""
        from .summary import NO_STATEMENT, condition

        if on == self.state.monitored and condition(self.episode, self.state) != NO_STATEMENT:
            return
        ctx = self.episode.context
        if ctx.recorded is not None:
            how = "notice"  # the recorded prompt and world stay as the model had them: a notice tells it
        elif self.state.step == 0:
            how = "prompt"
        elif self.episode.scenario.monitoring.file is not None:
            how = "file"
        else:
            how = "notice"
        self.append(MonitoringChanged(on, how))
        if (self.state.step > 0 or how == "notice") and not self.state.ended:
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

    async def run(self, policy: ApprovalPolicy | None = None, *, ask: Asker | None = None,
                  max_events: int = 100_000) -> RunResult:
        """The one run loop: every front end (headless ``run``, the TUI's run-to-end and
        run-to-breakpoint, the importer) drives an episode through here.

        Each pending call is decided by ``policy`` (default: the session's, which is the scenario's
        own or auto-approve). An ``ask`` decision goes to ``ask`` when given, else the run stops
        there (``breakpoint``); a call already pending when the run starts counts as answered (the
        caller resumed after deciding it). Retryable model failures are retried with backoff
        (``self.retry``); a failure that cannot be retried, or too many in a row, stops the run
        (``error``, with the message). The loop yields between steps, so a UI stays live and a
        cancelled task stops at once."""
        policy = policy or self.policy
        answered = self.state.pending[0].id if self.state.pending else None
        errors = 0
        for _ in range(max_events):
            if self.state.ended:
                return RunResult("ended")
            if self.state.pending:
                call = self.state.pending[0]
                approval = policy.decide(call)
                if approval.decision == "ask":
                    if call.id == answered:
                        approval = Approval("approve", by="human")
                    elif ask is None:
                        return RunResult("breakpoint", call, approval.explanation, approval)
                    else:
                        approval = await ask(call, approval)
                        if approval.decision == "ask":
                            return RunResult("breakpoint", call, approval.explanation, approval)
                self.apply(call, approval)
                await asyncio.sleep(0)
                continue
            self._last_failure = None
            turn = await self.request_turn()
            if turn is not None or self.state.ended:
                errors = 0
                await asyncio.sleep(0)
                continue
            last = self.state.errors[-1] if self.state.errors else None
            message = last.message if last else "the model call failed"
            errors += 1
            if last is None or not last.retryable:
                return RunResult("error", message=message)
            if errors > self.retry.max_retries:
                return RunResult("error", message=f"{message} (gave up after {self.retry.max_retries} retries)")
            failure = self._last_failure
            await self.sleep(self.retry.wait(errors, failure.retry_after if failure else None))
        return RunResult("limit", message=f"stopped after {max_events} events")

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
                                                label=f"{b.label or b.id} before rewind", agent=b.agent,
                                                sample=b.sample)
        self._adopt_children(cut, tail_id)
        self.episode.branches[tail_id].parent = b.id
        if cut >= b.fork_at or b.parent is None:
            b.events = b.events[: cut - (b.fork_at if b.parent else 0)]
        else:
            b.fork_at, b.events = cut, []
        self.state = self.episode.replay()
        return tail_id

    def fork(self, step: int | None = None, *, label: str = "", agent: str | None = None,
             sample: int | None = None) -> str:
        """A new branch sharing this one's events through ``step`` (default: now); switch to it.
        ``sample``: the sample index a stochastic agent draws with on it (default: this branch's)."""
        cut = len(self.state.events) if step is None else self.state.cut_index(step)
        b = self.branch
        bid = self.episode.new_branch_id()
        self.episode.branches[bid] = Branch(bid, parent=b.id, fork_at=cut, label=label or bid, agent=agent or b.agent,
                                            sample=b.sample if sample is None else sample)
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
        return self.append(Interview(question, turn.text, turn.reasoning, turn.agent or spec))

