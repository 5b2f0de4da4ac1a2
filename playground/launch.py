"""Starting and running episodes: the functions the CLI and the TUI share."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from .agents import default_agent, make_agent
from .episode import Episode, Session, summary
from .scenario import LoadedScenario, Problem, ScenarioError, resolve_scenario
from .world import TOOLS


class UsageError(Exception):
    """A mistake in how the user asked (unknown variable, bad value)."""


def check_tools(loaded: LoadedScenario) -> list[Problem]:
    """Tools the scenario names must exist in the toolbox (or carry a fixed reply)."""
    problems = []
    for i, spec in enumerate(loaded.scenario.tool_specs):
        if spec.name not in TOOLS and spec.reply is None:
            import difflib

            hint = difflib.get_close_matches(spec.name, list(TOOLS), n=1)
            msg = f"unknown tool {spec.name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "") + \
                "; give it a 'reply:' to offer a scenario-authored tool"
            problems.append(loaded.source.problem(("tools", i), msg))
    return problems


def load(ref: str, pack_dirs: list[Path] | None = None) -> LoadedScenario:
    loaded = resolve_scenario(ref, pack_dirs)
    problems = check_tools(loaded)
    if problems:
        raise ScenarioError(problems)
    return loaded


def parse_assignments(pairs: list[str] | tuple[str, ...], loaded: LoadedScenario) -> dict[str, str]:
    out: dict[str, str] = {}
    declared = loaded.scenario.variables
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise UsageError(f"--set takes key=value, got {pair!r}")
        if key not in declared:
            raise UsageError(f"unknown variable {key!r}; variables: {', '.join(declared) or 'none'}")
        if value not in declared[key].values:
            raise UsageError(f"{key} must be one of {', '.join(declared[key].values)}, got {value!r}")
        out[key] = value
    return out


def new_episode(loaded: LoadedScenario, *, variables: dict[str, str] | None = None, monitoring: bool | None = None,
                agent: str | None = None, max_steps: int | None = None) -> Episode:
    scenario = loaded.scenario
    spec = agent or default_agent(scenario)
    if not spec:
        raise UsageError(f"scenario {scenario.id!r} has no scripted policy; pass --agent MODEL")
    if spec.startswith("scripted/") and spec[len("scripted/"):] not in scenario.policies:
        known = ", ".join("scripted/" + p for p in scenario.policies) or "none"
        raise UsageError(f"no scripted policy {spec!r} in {scenario.id} (has: {known})")
    try:
        text = Path(loaded.path).read_text(encoding="utf-8")
    except OSError:
        text = None
    return Episode(loaded, {**scenario.default_variables(), **(variables or {})},
                   scenario.monitoring.default if monitoring is None else monitoring, spec,
                   max_steps or scenario.max_steps, scenario_text=text)


def new_session(episode: Episode) -> Session:
    return Session(episode, make_agent)


def run_headless(loaded: LoadedScenario, **kwargs: Any) -> tuple[Session, dict[str, Any]]:
    session = new_session(new_episode(loaded, **kwargs))
    asyncio.run(session.run())
    return session, summary(session.episode, session.state)
