"""Starting an episode: a scenario found and checked against the toolbox, the variables a user
set checked against what it declares, and the ``Episode`` with its agent spec.

Below the front ends on purpose: the CLI and the TUI reach these through ``playground.launch``,
and the study importer (and any sweep) starts its episodes with the same checks.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from ..scenario import LoadedScenario, Problem, ScenarioError, resolve_scenario
from ..world import TOOLS
from .agent_api import SCRIPTED_PREFIX
from .episode import Episode


class UsageError(Exception):
    """A mistake in how the user asked (unknown variable, bad value)."""


class ScenarioUnusable(UsageError):
    """The scenario cannot run with these variables; ``problems`` say where (file:line:col)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


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


def validate_scenario(loaded: LoadedScenario) -> list[Problem]:
    """Everything ``playground validate`` checks beyond loading, so that a file it passes runs:
    tools, clocks, mtimes, paths and monitoring files, every templated field in every variable
    combination it can enumerate, and patterns tried on hostile text."""
    from ..scenario.checks import thorough_problems
    from ..world import checks as world_checks

    problems = check_tools(loaded) + world_checks.static_problems(loaded.scenario, loaded.source)
    if problems:
        return problems
    return thorough_problems(loaded.scenario, loaded.source, world_checks.combination_problems)


_RUNNABLE: dict[int, tuple[Any, set[tuple[str, ...]]]] = {}


def episode_problems(loaded: LoadedScenario, variables: dict[str, str]) -> list[Problem]:
    """What would stop an episode with these variables (either monitoring state, since the toggle
    flips it mid-episode), checked once per scenario and combination."""
    from ..scenario.checks import combination_problems
    from ..world import checks as world_checks

    s = loaded.scenario
    full = {**s.default_variables(), **variables}
    key = tuple(full[k] for k in sorted(full))
    seen = _RUNNABLE.get(id(s))
    if seen is not None and seen[0] is s and key in seen[1]:
        return []
    problems = world_checks.static_problems(s, loaded.source)
    for monitored in (True, False):
        if not problems:
            problems = combination_problems(s, loaded.source, full, monitored, world_checks.combination_problems)
    if not problems:
        if seen is None or seen[0] is not s:
            if len(_RUNNABLE) > 256:
                _RUNNABLE.clear()
            seen = _RUNNABLE[id(s)] = (s, set())
        seen[1].add(key)
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


def default_agent(episode_or_scenario) -> str:
    """The scenario's first scripted policy (``scripted/<name>``), or "" when it ships none."""
    scenario = getattr(episode_or_scenario, "scenario", episode_or_scenario)
    if scenario.policies:
        return SCRIPTED_PREFIX + next(iter(scenario.policies))
    return ""


def new_seed() -> int:
    """A fresh episode seed (stored in the episode, so its save replays and continues the same)."""
    return secrets.randbelow(2**32)


def new_episode(loaded: LoadedScenario, *, variables: dict[str, str] | None = None, monitoring: bool | None = None,
                agent: str | None = None, max_steps: int | None = None, seed: int | None = None) -> Episode:
    """A new episode. ``seed`` is what stochastic scripted agents draw with (default: a fresh one)."""
    scenario = loaded.scenario
    spec = agent or default_agent(scenario)
    if not spec:
        raise UsageError(f"scenario {scenario.id!r} has no scripted policy; pass --agent MODEL")
    if spec.startswith(SCRIPTED_PREFIX) and spec[len(SCRIPTED_PREFIX):] not in scenario.policies:
        known = ", ".join(SCRIPTED_PREFIX + p for p in scenario.policies) or "none"
        raise UsageError(f"no scripted policy {spec!r} in {scenario.id} (has: {known})")
    problems = episode_problems(loaded, variables or {})
    if problems:
        raise ScenarioUnusable(problems)
    try:
        text = Path(loaded.path).read_text(encoding="utf-8")
    except OSError:
        text = None
    return Episode(loaded, {**scenario.default_variables(), **(variables or {})},
                   scenario.monitoring.default if monitoring is None else monitoring, spec,
                   max_steps or scenario.max_steps, scenario_text=text, seed=new_seed() if seed is None else seed)
