"""Episodes: the event log, stepping and approvals, rewind and fork, detectors."""

from .agent_api import Agent, AgentFailure, Delta, TurnRequest
from .approval import AUTO_APPROVE, BREAKPOINT_DESCRIPTIONS as BREAKPOINTS, Approval, ApprovalPolicy, ask_at, load_policy
from .episode import Branch, Episode
from .events import (
    REJECTED,
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
from .session import EpisodeError, RetryPolicy, RunResult, Session
from .summary import compare, summary
from .world_at import StepOutOfRange, WorldAt

__all__ = [
    "AUTO_APPROVE", "REJECTED", "Approval", "ApprovalPolicy", "BREAKPOINTS", "RetryPolicy", "RunResult",
    "ask_at", "load_policy", "Agent", "AgentError", "AgentFailure", "Branch", "CallApproved", "CallEdited",
    "CallRejected", "Delta", "Ended", "Episode", "EpisodeError", "Event", "Interview", "ModelTurn",
    "MonitoringChanged", "Note", "Notice", "ResultEdited", "Session", "StepOutOfRange", "ToolCall", "ToolResult",
    "TurnRequest", "WorldAt", "compare", "summary",
]
