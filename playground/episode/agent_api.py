"""What the episode asks of an agent. Implementations live in ``playground.agents``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from .events import ModelTurn

SCRIPTED_PREFIX = "scripted/"  # an agent spec naming one of the scenario's scripted policies


@dataclass(frozen=True)
class Delta:
    """A streamed piece of a turn: ``channel`` is "reasoning" or "text" (or "status")."""

    channel: str
    text: str


@dataclass
class TurnRequest:
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    on_delta: Callable[[Delta], None] | None = None
    history: list[ModelTurn] = field(default_factory=list)  # earlier turns, for provider data
    # What a stochastic agent draws with: the episode's seed, the step this turn will be (1 = the
    # first) and the sample index of the branch (0, or the one a resample gave it).
    seed: int = 0
    step: int = 0
    sample: int = 0


class AgentFailure(Exception):
    """A model call failed in a way the user can act on (retry, fix a key)."""

    def __init__(self, message: str, retryable: bool = True, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after  # seconds the provider asked us to wait, when it said


class AgentExhausted(AgentFailure):
    """The agent has no further turn to give (a recording that has run out): the episode ends
    with ``reason`` rather than showing an error."""

    def __init__(self, message: str, reason: str = "recording_end"):
        super().__init__(message, False)
        self.reason = reason


class Agent(Protocol):
    name: str
    scripted: bool

    async def next_turn(self, request: TurnRequest) -> ModelTurn: ...
