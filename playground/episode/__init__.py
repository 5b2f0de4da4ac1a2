"""Episodes: the event log, stepping and approvals, rewind and fork, detectors."""

from .agent_api import Agent, AgentFailure, Delta, TurnRequest
from .breakpoints import BREAKPOINTS
from .episode import FORMAT_VERSION, Branch, Episode
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
from .session import EpisodeError, Session
from .summary import compare, summary

__all__ = [
    "BREAKPOINTS", "FORMAT_VERSION", "Agent", "AgentError", "AgentFailure", "Branch", "CallApproved", "CallEdited",
    "CallRejected", "Delta", "Ended", "Episode", "EpisodeError", "Event", "Interview", "ModelTurn",
    "MonitoringChanged", "Note", "Notice", "ResultEdited", "Session", "ToolCall", "ToolResult", "TurnRequest",
    "compare", "summary",
]
