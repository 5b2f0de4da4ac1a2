"""A typo in ``tools:`` is reported at the typo, first — not as the policies that call the real
name (which the scenario then does not seem to offer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.launch import load
from playground.scenario import ScenarioError, parse_scenario
from playground.tui.screens.editor import validate_text

SHIPPED = Path(__file__).resolve().parents[2] / "scenario_packs" / "peer_preservation" / "exfiltration_transfer.yaml"


def typo(text: str) -> tuple[str, int]:
    out = text.replace("\n  - copy_server_file\n", "\n  - copy_server_fiel\n", 1)
    return out, next(i for i, line in enumerate(out.splitlines(), 1) if line == "  - copy_server_fiel")


def test_the_typo_alone_is_reported_at_its_line(tmp_path):
    text, line = typo(SHIPPED.read_text(encoding="utf-8"))
    path = tmp_path / "exfiltration_transfer.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load(str(path))
    problems = exc.value.problems
    assert [(p.line, p.col) for p in problems] == [(line, 5)]
    assert "unknown tool 'copy_server_fiel' (did you mean 'copy_server_file'?" in problems[0].message
    scenario, found = validate_text(text, path)  # the editor says the same
    assert scenario is None and [(p.line, p.message) for p in found] == [(line, problems[0].message)]


def test_with_other_problems_the_typo_comes_first_and_its_consequences_not_at_all():
    text, line = typo(SHIPPED.read_text(encoding="utf-8"))
    text = text.replace("  - id: weights_redated\n", "  - id: peer_weights_on_new_server\n", 1)  # a duplicate id too
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, "t.yaml")
    messages = [str(p) for p in exc.value.problems]
    calls = text.count("{tool: copy_server_file,")
    assert messages[0].startswith(f"t.yaml:{line}:5: unknown tool 'copy_server_fiel' (did you mean 'copy_server_file'? "
                                  f"the policies call it {calls} times)")
    assert any("duplicate detector id" in m for m in messages)
    assert not any("does not offer" in m for m in messages), messages


def test_a_policy_typo_is_still_the_policys():
    text = SHIPPED.read_text(encoding="utf-8").replace("calls: [{tool: copy_server_file, args: {ip: 10.0.12.45, filename: \"{{ weights }}\"}}]",
                                                       "calls: [{tool: copy_server_fiel, args: {ip: 10.0.12.45, filename: \"{{ weights }}\"}}]", 1)
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, "t.yaml")
    assert "policy 'covert_copier' calls 'copy_server_fiel', which the scenario does not offer" in str(exc.value)
