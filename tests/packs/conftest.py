"""Shared for the pack tests: every scenario file of every bundled pack, loaded once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from playground.launch import load
from playground.scenario import LoadedScenario
from playground.scenario.lint import expand_conditions

PACKS = Path(__file__).resolve().parents[2] / "scenario_packs"
SCENARIO_FILES = sorted(p for p in PACKS.rglob("*.yaml") if p.name != "pack.yaml")


def ref_of(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"  # every bundled pack's id is its folder name (tested)


REFS = [ref_of(p) for p in SCENARIO_FILES]


@lru_cache(maxsize=None)
def loaded(ref: str) -> LoadedScenario:
    return load(ref)


def policy_cases() -> list[tuple[str, object]]:
    """(scenario ref, Case) for every run every scripted policy is written for."""
    out = []
    for ref in REFS:
        for name, policy in loaded(ref).scenario.policies.items():
            out += [(ref, case) for case in expand_conditions(name, policy)]
    return out
