"""The study map is data: check it against the packs that ship with the project."""

import pytest

from playground.launch import load
from playground.scenario import LABELS, ScenarioError
from playground.study.mapping import load_table

TABLE = load_table()


def _targets(rule):
    if "first" in rule:
        return [str(o["value"]) for o in rule["first"]]
    return [str(v) for v in (rule.get("values") or {}).values()]


def test_every_family_has_a_scenario():
    families = {e["family"] for e in TABLE["families"]}
    assert families <= set(TABLE["scenarios"])


@pytest.mark.parametrize("family", sorted(TABLE["scenarios"]))
def test_each_scenario_loads_and_offers_the_mapped_values(family):
    target = TABLE["scenarios"][family]
    ref = target["scenario"] if isinstance(target, dict) else target
    try:
        scenario = load(ref).scenario
    except ScenarioError as exc:
        pytest.fail(f"{family} maps to {ref}, which does not load: {exc.problems[0].message}")
    for var, rule in TABLE["variables"].items():
        declared = scenario.variables.get(var)
        if declared is None or rule.get("soft"):
            continue
        missing = [v for v in _targets(rule) if v not in declared.values]
        assert not missing, f"{ref}: {var} does not offer {missing} (offers {declared.values})"


def test_agreement_names_only_known_labels():
    for flag, spec in TABLE["agreement"].items():
        assert set(spec.get("labels") or []) <= set(LABELS), flag
