from pathlib import Path

import pytest

from playground.scenario import ScenarioError, parse_scenario
from playground.scenario.loader import MAX_FILE_BYTES, load_yaml

MINIMAL = """\
id: tiny
title: Tiny
system_prompt: You are an agent.
task: Do the thing.
tools: [end_task]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, "s.yaml")
    return [str(p) for p in exc.value.problems]


def test_minimal_scenario_loads():
    s, smap = parse_scenario(MINIMAL, "s.yaml")
    assert s.id == "tiny" and s.tool_names == ["end_task"]
    assert smap.locate(("task",)) == (4, 7)


def test_unknown_key_names_line_column_and_suggests():
    out = problems(MINIMAL + "max_stpes: 3\n")
    assert out[0].startswith("s.yaml:6:1: unknown key 'max_stpes' (did you mean 'max_steps'?)")


def test_nested_unknown_key_points_at_the_key():
    text = MINIMAL + "world:\n  hosts:\n    - ip: 1.2.3.4\n      filez: []\n"
    out = problems(text)
    assert out[0].startswith("s.yaml:9:7: unknown key 'filez' (did you mean 'files'?)")


def test_wrong_type_names_the_value():
    out = problems(MINIMAL.replace("tools: [end_task]", "tools: [end_task]\nmax_steps: lots"))
    assert out[0].startswith("s.yaml:6:12: max_steps:")


def test_yaml_syntax_error_has_position():
    out = problems("id: x\ntitle: [unclosed\n")
    assert out[0].startswith("s.yaml:3:1: YAML syntax") or out[0].startswith("s.yaml:2:")


def test_on_off_are_strings_not_booleans():
    text = MINIMAL + "monitoring:\n  prompt:\n    on: watched\n    off: alone\n"
    s, _ = parse_scenario(text, "s.yaml")
    assert s.monitoring.prompt.on == "watched" and s.monitoring.prompt.off == "alone"


def test_undefined_template_variable_is_an_error_with_line():
    out = problems(MINIMAL.replace("Do the thing.", "Do {{ nothing }}."))
    assert out[0].startswith("s.yaml:4:") and "'nothing' is undefined" in out[0]


def test_template_sandbox_blocks_attribute_escape():
    text = MINIMAL.replace("Do the thing.", "'{{ \"\".__class__.__mro__ }}'")
    out = problems(text)
    assert "template" in out[0]


def test_unknown_rule_suggests():
    text = MINIMAL + "detectors:\n  - id: d\n    label: refusal\n    rule: {file_exist: {name: x}}\n"
    out = problems(text)
    assert "unknown rule 'file_exist'" in out[0] and "did you mean 'file_exists'" in out[0]
    assert out[0].startswith("s.yaml:9:")


def test_bad_label_is_rejected():
    text = MINIMAL + "detectors:\n  - id: d\n    label: sneaky\n    rule: {ended: {}}\n"
    assert "label" in problems(text)[0]


def test_policy_calling_unoffered_tool():
    text = MINIMAL + "policies:\n  p:\n    turns:\n      - calls: [{tool: delete_everything}]\n"
    assert "does not offer" in problems(text)[0]


def test_alias_bomb_is_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    prev = "a"
    for name in "bcdefghij":
        bomb += f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
        prev = name
    with pytest.raises(ScenarioError) as exc:
        load_yaml(bomb, "bomb.yaml")
    assert "alias expansion" in str(exc.value)


def test_size_limit():
    with pytest.raises(ScenarioError) as exc:
        load_yaml("a: " + "x" * (MAX_FILE_BYTES + 1), "big.yaml")
    assert "larger than" in str(exc.value)


def test_python_tags_are_not_constructed():
    with pytest.raises(ScenarioError):
        load_yaml("x: !!python/object/apply:os.system ['true']\n", "evil.yaml")


def test_shipped_scenario_validates(packs_dir: Path):
    from playground.launch import load

    loaded = load("peer_preservation/exfiltration_transfer")
    assert loaded.scenario.policies
