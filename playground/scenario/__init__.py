"""Scenario packs: schema, loading with line/column errors, templating, linting."""

from .loader import LoadedScenario, load_scenario, parse_scenario
from .models import LABELS, Policy, Scenario
from .packs import Pack, discover_packs, resolve_scenario
from .problems import Problem, ScenarioError, SourceMap

__all__ = [
    "LABELS",
    "LoadedScenario",
    "Pack",
    "Policy",
    "Problem",
    "Scenario",
    "ScenarioError",
    "SourceMap",
    "discover_packs",
    "load_scenario",
    "parse_scenario",
    "resolve_scenario",
]
