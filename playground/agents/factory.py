"""Turning an agent spec (``scripted/<policy>``, ``recorded/<model>`` or a litellm model string) into an agent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from ..episode import Agent, Episode
from ..episode.agent_api import AgentFailure
from .recorded import RECORDED_PREFIX, RecordedAgent
from .scripted import SCRIPTED_PREFIX, ScriptedAgent

if TYPE_CHECKING:
    from ..settings import Settings


def is_model(spec: str) -> bool:
    """Whether the spec names a real model (litellm), which reads the user's settings."""
    return not spec.startswith((SCRIPTED_PREFIX, RECORDED_PREFIX))


def make_agent(spec: str, episode: Episode, settings: "Settings | None" = None) -> Agent:
    """``settings``: the user's, loaded once by the entry point (model aliases, timeouts);
    None means the built-in defaults. Only a real model reads them."""
    if spec.startswith(SCRIPTED_PREFIX):
        name = spec[len(SCRIPTED_PREFIX):]
        policy = episode.scenario.policies.get(name)
        if policy is None:
            known = ", ".join(SCRIPTED_PREFIX + p for p in episode.scenario.policies) or "none"
            raise AgentFailure(f"scenario {episode.scenario.id!r} has no scripted policy {name!r} (has: {known})", False)
        return ScriptedAgent(name, policy, episode.context)
    if spec.startswith(RECORDED_PREFIX):
        return RecordedAgent.from_episode(spec, episode)
    from .llm import LiteLLMAgent  # lazy: litellm costs ~2 s to import

    return LiteLLMAgent.from_settings(spec, settings)


def agent_factory(settings: "Settings | None") -> Callable[[str, Episode], Any]:
    """``make_agent`` with the entry point's settings, in the shape a ``Session`` calls."""
    if settings is None:
        return make_agent
    return lambda spec, episode: make_agent(spec, episode, settings)
