"""The events of an episode's append-only log.

Each event is a small frozen dataclass with a ``kind`` tag, so saves are the
log itself (``to_dict``/``from_dict``) and the world at any step is the
initial world plus the events applied in order.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

# How a rejected call's result begins: the model reads it as the tool's answer (scripted agents
# recognise a rejection by it, as a real model would by reading it).
REJECTED = "The operator rejected this call and it was not run."


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # raw JSON text as the model sent it (may be malformed)


@dataclass(frozen=True)
class Event:
    kind: ClassVar[str] = ""
    # Stamped by ``Session.append``: a stable id within the episode, and the wall-clock time it
    # happened (UTC). Recorded facts, never inputs: replay reads them and computes nothing from them.
    id: str | None = field(default=None, kw_only=True)
    ts: str | None = field(default=None, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        data = {"kind": self.kind}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue  # TOML has no null
            if f.name == "tool_calls":
                value = [asdict(c) for c in value]
            data[f.name] = value
        return data


@dataclass(frozen=True)
class ModelTurn(Event):
    kind: ClassVar[str] = "model_turn"
    reasoning: str = ""
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    usage: dict[str, Any] = field(default_factory=dict)  # prompt/completion tokens, cost
    agent: str = ""
    provider_data: dict[str, Any] = field(default_factory=dict)  # e.g. thinking signatures to send back
    recorded: bool = False  # replayed from an imported transcript


@dataclass(frozen=True)
class CallApproved(Event):
    kind: ClassVar[str] = "call_approved"
    call_id: str = ""
    by: str | None = None  # who decided: "human", "policy:<name> rule N" (None in older saves)


@dataclass(frozen=True)
class CallEdited(Event):
    kind: ClassVar[str] = "call_edited"
    call_id: str = ""
    old_arguments: str = ""
    new_arguments: str = ""
    by: str | None = None


@dataclass(frozen=True)
class CallRejected(Event):
    kind: ClassVar[str] = "call_rejected"
    call_id: str = ""
    reason: str = ""
    by: str | None = None


@dataclass(frozen=True)
class ToolResult(Event):
    kind: ClassVar[str] = "tool_result"
    call_id: str = ""
    name: str = ""
    output: str = ""
    error: bool = False
    recorded_output: str | None = None  # what the imported transcript's harness answered
    diverged: bool = False


@dataclass(frozen=True)
class ResultEdited(Event):
    kind: ClassVar[str] = "result_edited"
    call_id: str = ""
    output: str = ""
    original: str = ""


@dataclass(frozen=True)
class MonitoringChanged(Event):
    kind: ClassVar[str] = "monitoring_changed"
    on: bool = True
    how: str = ""  # "prompt", "file", "notice" — how the agent learns it


@dataclass(frozen=True)
class Notice(Event):
    """A user message the model sees (a monitoring notice, a nudge)."""

    kind: ClassVar[str] = "notice"
    text: str = ""
    source: str = ""


@dataclass(frozen=True)
class Note(Event):
    """The researcher's annotation; never shown to the model."""

    kind: ClassVar[str] = "note"
    text: str = ""


@dataclass(frozen=True)
class AgentError(Event):
    """A model call that failed (network, auth, quota). Retryable; the model never sees it."""

    kind: ClassVar[str] = "agent_error"
    message: str = ""
    retryable: bool = True


@dataclass(frozen=True)
class Ended(Event):
    kind: ClassVar[str] = "ended"
    reason: str = "end_task"  # end_task | max_steps | error | no_tool_call | user | terminated | recording_end


@dataclass(frozen=True)
class Interview(Event):
    """A follow-up question after the episode and the agent's answer."""

    kind: ClassVar[str] = "interview"
    question: str = ""
    answer: str = ""
    reasoning: str = ""
    agent: str = ""  # who answered: the branch's agent, another one asked for this question, or a recording


AnyEvent = (ModelTurn | CallApproved | CallEdited | CallRejected | ToolResult | ResultEdited | MonitoringChanged
            | Notice | Note | AgentError | Ended | Interview)  # every kind: consumers match on it exhaustively

EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (ModelTurn, CallApproved, CallEdited, CallRejected, ToolResult, ResultEdited, MonitoringChanged,
                Notice, Note, AgentError, Ended, Interview)
}


def event_from_dict(data: dict[str, Any]) -> Event:
    data = dict(data)
    kind = data.pop("kind", None)
    cls = EVENT_TYPES.get(kind)  # type: ignore[arg-type]
    if cls is None:
        raise ValueError(f"unknown event kind {kind!r}")
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"{kind}: unknown fields {sorted(unknown)}")
    if "tool_calls" in data:
        data["tool_calls"] = tuple(ToolCall(**c) for c in data["tool_calls"])
    return cls(**data)
