"""Starting and running episodes: the door the CLI and the TUI share.

What an episode needs before it runs (a checked scenario, checked variables, the ``Episode``)
lives in ``episode.start``, below the study importer that uses it too; here it meets the real
agent factory.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .agents import agent_factory
from .episode import Session, summary
from .episode.start import (
    ScenarioUnusable,
    UsageError,
    check_tools,
    load,
    new_episode,
    parse_assignments,
    validate_scenario,
)
from .scenario import LoadedScenario

__all__ = ["ScenarioUnusable", "UsageError", "check_tools", "load", "new_episode", "new_session", "parse_assignments",
           "run_headless", "run_paths", "validate_scenario"]


def new_session(episode, settings: Any = None) -> Session:
    """``settings``: the user's, loaded once by the entry point; only real models read them."""
    return Session(episode, agent_factory(settings))


def run_headless(loaded: LoadedScenario, **kwargs: Any) -> tuple[Session, dict[str, Any]]:
    session = new_session(new_episode(loaded, **kwargs))
    asyncio.run(session.run())
    return session, summary(session.episode, session.state)


def run_paths(loaded: LoadedScenario, policy: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Run a scripted policy headless once per combination of its ``choose`` alternatives that can
    happen under these settings: each run's summary, with ``choices`` and ``p`` (see ``agents.paths``)."""
    from .agents.paths import every_path
    from .agents.scripted import ScriptedAgent

    def run(chooser) -> dict[str, Any]:
        episode = new_episode(loaded, agent="scripted/" + policy, **kwargs)
        scripted = ScriptedAgent(policy, loaded.scenario.policies[policy], episode.context, chooser)
        session = Session(episode, lambda spec, ep: scripted)
        asyncio.run(session.run())
        return summary(episode, session.state)

    return every_path(run)
