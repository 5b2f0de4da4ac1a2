"""Turning an agent spec (``scripted/<policy>`` or a litellm model string) into an agent."""

from __future__ import annotations

from ..episode import Agent, Episode
from ..episode.agent_api import AgentFailure
from .recorded import RECORDED_PREFIX, RecordedAgent
from .scripted import SCRIPTED_PREFIX, ScriptedAgent


def make_agent(spec: str, episode: Episode) -> Agent:
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

    return LiteLLMAgent.from_settings(spec)
