"""Agents: scripted demo policies (no litellm) and real models through litellm (imported lazily)."""

from .factory import agent_factory, is_model, make_agent
from .scripted import SCRIPTED_PREFIX, ScriptedAgent

__all__ = ["SCRIPTED_PREFIX", "ScriptedAgent", "agent_factory", "is_model", "make_agent"]
