"""What a sweep runs: every combination (cell) of scenario x agent x varied variables x
monitoring belief, N episodes each, every episode with a seed of its own derived from the sweep's
seed and its cell, so a re-run of the same sweep runs the same episodes and can tell which ones
are done by their save's name alone."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..episode.start import episode_problems
from ..scenario import LoadedScenario

SCRIPTED = "scripted/"


class PlanError(Exception):
    """A sweep that cannot be run as asked (an unknown variable, value or policy)."""


@dataclass(frozen=True)
class Cell:
    scenario: str  # the reference: pack/id, or the file
    agent: str
    variables: tuple[tuple[str, str], ...]  # the varied ones, in the order given
    monitoring: bool

    @property
    def key(self) -> str:
        """The cell's identity: what its saves' folder name and the episodes' seeds derive from."""
        return json.dumps({"scenario": self.scenario, "agent": self.agent, "variables": dict(self.variables),
                           "monitoring": "on" if self.monitoring else "off"}, sort_keys=True)

    @property
    def slug(self) -> str:
        parts = [self.scenario.rsplit("/", 1)[-1], self.agent.replace("/", "-"),
                 *[f"{k}-{v}" for k, v in self.variables], "mon-" + ("on" if self.monitoring else "off")]
        text = re.sub(r"[^A-Za-z0-9._-]+", "_", "__".join(parts))[:120].strip("._") or "cell"
        return f"{text}-{hashlib.sha256(self.key.encode()).hexdigest()[:8]}"

    def describe(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "agent": self.agent, "variables": dict(self.variables),
                "monitoring": "on" if self.monitoring else "off"}

    def condition(self) -> str:
        """One line for a table: the variables and the belief."""
        parts = [f"{k}={v}" for k, v in self.variables] + ["monitoring " + ("on" if self.monitoring else "off")]
        return ", ".join(parts)


@dataclass
class Task:
    cell: Cell
    index: int  # 0-based within its cell
    seed: int
    path: Path


@dataclass
class Plan:
    scenarios: dict[str, LoadedScenario]
    cells: list[Cell]
    n: int
    seed: int
    vary: list[tuple[str, list[str]]] = field(default_factory=list)

    def tasks(self, out: Path) -> list[Task]:
        """Every episode, index-major (episode 0 of every cell, then 1, ...) so a sweep stopped half
        way (``--max-cost``, ctrl+c) leaves every cell about as far as the others."""
        return [Task(c, i, episode_seed(self.seed, c, i), episode_path(out, c, i))
                for i in range(self.n) for c in self.cells]

    def manifest(self) -> dict[str, Any]:
        return {"format": 1, "seed": self.seed, "n": self.n, "scenarios": list(self.scenarios),
                "agents": sorted({c.agent for c in self.cells}), "vary": {k: v for k, v in self.vary},
                "cells": [{**c.describe(), "dir": c.slug} for c in self.cells]}


def episode_seed(sweep_seed: int, cell: Cell, index: int) -> int:
    digest = hashlib.sha256(f"playground/sweep/{sweep_seed}/{cell.key}/{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def episode_path(out: Path, cell: Cell, index: int) -> Path:
    return Path(out) / "episodes" / cell.slug / f"{index:04d}.toml"


def parse_vary(items: list[str] | tuple[str, ...]) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for item in items:
        name, sep, values = item.partition("=")
        vals = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not name.strip() or not vals:
            raise PlanError(f"--vary takes NAME=V1,V2, got {item!r}")
        if any(name.strip() == k for k, _ in out):
            raise PlanError(f"--vary {name.strip()} is given twice")
        out.append((name.strip(), list(dict.fromkeys(vals))))
    return out


def parse_monitoring(text: str | None) -> list[bool] | None:
    if text is None:
        return None
    values = [v.strip().lower() for v in text.split(",") if v.strip()]
    bad = [v for v in values if v not in ("on", "off")]
    if bad or not values:
        raise PlanError(f"--monitoring takes on, off or on,off, got {text!r}")
    return [v == "on" for v in dict.fromkeys(values)]


def build_plan(scenarios: list[LoadedScenario], agents: list[str], vary: list[tuple[str, list[str]]],
               monitoring: list[bool] | None, n: int, seed: int) -> Plan:
    if not scenarios:
        raise PlanError("name at least one scenario")
    if not agents:
        raise PlanError("name at least one --agent")
    if n < 1:
        raise PlanError("-n must be at least 1")
    by_ref: dict[str, LoadedScenario] = {}
    for loaded in scenarios:
        by_ref.setdefault(loaded.ref, loaded)
    cells: list[Cell] = []
    for ref, loaded in by_ref.items():
        s = loaded.scenario
        for name, values in vary:
            if name not in s.variables:
                raise PlanError(f"{ref} has no variable {name!r} (it has: {', '.join(s.variables) or 'none'}); "
                                "sweep the scenarios that differ separately")
            bad = [v for v in values if v not in s.variables[name].values]
            if bad:
                raise PlanError(f"{ref}: {name} has no value {', '.join(map(repr, bad))} "
                                f"(values: {', '.join(s.variables[name].values)})")
        for combo in itertools.product(*(values for _, values in vary)):
            problems = episode_problems(loaded, dict(zip((k for k, _ in vary), combo)))
            if problems:  # the scenario cannot run so: say where, before anything starts
                raise PlanError("\n".join(str(p) for p in problems))
        for agent in dict.fromkeys(agents):
            if agent.startswith(SCRIPTED) and agent[len(SCRIPTED):] not in s.policies:
                known = ", ".join(SCRIPTED + p for p in s.policies) or "none"
                raise PlanError(f"{ref} has no scripted policy {agent!r} (has: {known})")
            for combo in itertools.product(*(values for _, values in vary)):
                for mon in (monitoring if monitoring is not None else [s.monitoring.default]):
                    cells.append(Cell(ref, agent, tuple(zip((k for k, _ in vary), combo)), mon))
    return Plan(by_ref, cells, n, seed, list(vary))
