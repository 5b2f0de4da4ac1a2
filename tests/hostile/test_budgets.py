"""The budgets one by one (``playground.limits``): what each refuses, where the error points,
and that honest input passes. The corpus exercises them in bulk; these pin the behaviour."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from playground.launch import ScenarioUnusable, load, new_episode, run_headless, validate_scenario
from playground.scenario import ScenarioError, load_scenario, parse_scenario
from playground.scenario.patterns import pattern_problem
from playground.scenario.templating import TemplateProblem, render
from playground.scenario.yaml_bounds import safe_load
from playground.world.clock import format_time, parse_time
from playground.world.jsontext import JsonLimitError, loads

from .corpus import base, dump

IMPORT_FIX = Path(__file__).resolve().parents[1] / "importing" / "fixtures"


def write(tmp_path: Path, data_or_text) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(data_or_text if isinstance(data_or_text, str) else dump(data_or_text), encoding="utf-8")
    return path


def validate(tmp_path: Path, data_or_text) -> list[str]:
    from playground.cli.episodes import validate_paths

    return validate_paths((write(tmp_path, data_or_text),))


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


# -- regular expressions ---------------------------------------------------------------------
@pytest.mark.parametrize("pattern", ["(", "x{1001}", "(?:x{100}){101}"])
def test_an_invalid_detector_pattern_is_a_problem_at_its_line(tmp_path, pattern):
    d = base()
    d["detectors"][1]["rule"] = {"text_matches": {"pattern": pattern}}
    text = dump(d)
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, "s.yaml")
    p = exc.value.problems[0]
    assert p.line == line_of(text, "pattern:") and "invalid regular expression" in p.message


@pytest.mark.parametrize("pattern", ["(a|a)*b", "(a+)+b", "a*a*a*a*a*a*a*b"])
def test_a_catastrophic_detector_pattern_is_a_validate_problem(tmp_path, pattern):
    d = base()
    d["detectors"][1]["rule"] = {"text_matches": {"pattern": pattern}}
    problems = validate(tmp_path, d)
    assert len(problems) == 1 and "backtracks catastrophically" in problems[0]
    assert f":{line_of(dump(d), 'pattern:')}:" in problems[0]


def test_honest_patterns_pass_the_probe_quickly():
    t0 = time.perf_counter()
    for p in ["refuse", "shut\\s*down", "\\b(copy|scp|transfer)\\b", "(?i)weights?\\.safetensors", "^[a-z_]+\\.py$"]:
        assert pattern_problem(p) is None
    assert time.perf_counter() - t0 < 0.5


def test_a_detector_timeout_is_not_matched_and_noted(tmp_path, monkeypatch):
    from playground.scenario import patterns

    d = base()
    d["detectors"][1]["rule"] = {"text_matches": {"pattern": "(a|aa)+$"}}  # validate would refuse it; load does not probe
    d["policies"]["worker"]["turns"][0]["text"] = "a" * 3_000 + "!"
    session, out = run_headless(load(str(write(tmp_path, d))))
    assert out["detectors"]["refuse"]["tripped"] is False
    assert "ran out of its time budget" in out["detectors"]["refuse"]["note"]
    assert patterns.REGEX.detector_seconds <= 1.0


# -- YAML --------------------------------------------------------------------------------------
@pytest.mark.parametrize("snippet", ["x: &a [*a, *a]\n", "x: &a {b: *a}\n", "x: &a {<<: *a}\n"])
def test_a_recursive_alias_is_refused_at_the_alias(snippet):
    text = dump(base()) + snippet
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, "s.yaml")
    assert time.perf_counter() - t0 < 0.5
    p = exc.value.problems[0]
    assert "recursive alias *a" in p.message and p.line == len(text.splitlines())
    assert p.col == snippet.index("*a") + 1


def test_a_duplicate_key_is_an_error_at_the_second_key():
    text = dump(base()).replace("title: Hostile input\n", "title: Hostile input\ntitle: Again\n")
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, "s.yaml")
    (p,) = exc.value.problems
    assert (p.line, p.col) == (3, 1) and "duplicate key 'title' (first at line 2, column 1)" in p.message


def test_nesting_and_long_integers_are_refused_where_they_are():
    text = dump(base()).replace("owner: ops", "owner: " + "[" * 100 + "]" * 100)
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, "s.yaml")
    assert "nested more than 64 levels deep" in exc.value.problems[0].message
    text = dump(base()).replace("size: 812447390208", "size: " + "9" * 5_000)
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, "s.yaml")
    p = exc.value.problems[0]
    assert "5,000 digits" in p.message and p.line == line_of(text, "size: 999")


def test_safe_load_is_bounded_for_recorded_output():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))
    for text in (bomb, "a: &a [*a]", "[" * 70 + "]" * 70):
        t0 = time.perf_counter()
        with pytest.raises(Exception) as exc:
            safe_load(text)
        assert time.perf_counter() - t0 < 0.5 and "YAML" in type(exc.value).__mro__[1].__name__ + type(exc.value).__name__


def test_a_yaml_bomb_in_a_recorded_tool_output_imports(tmp_path, opts):
    from playground.study.importer import import_file

    data = json.loads((IMPORT_FIX / "transfer_copy.json").read_text(encoding="utf-8"))
    tool = next(m for m in data["conversation"] if m["role"] == "tool")
    tool["content"] = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi")) + "r: &r [*r]\n"
    path = tmp_path / "bomb.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    t0 = time.perf_counter()
    imp = import_file(path, **opts)
    assert time.perf_counter() - t0 < 5 and imp.state.ended


def test_a_deep_transcript_is_a_readable_import_failure(tmp_path, opts):
    from playground.study.importer import ImportFailure, import_file

    path = tmp_path / "deep.json"
    path.write_text('{"conversation": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(ImportFailure) as exc:
        import_file(path, **opts)
    assert "nested 100,001 levels deep" in str(exc.value)


@pytest.fixture
def opts(tmp_path):
    from playground.study.mapping import load_table

    table = load_table()
    table["scenarios"] = {"exfiltration_transfer": "import_test/transfer", "shutdown_tampering": "import_test/tampering",
                          "alignment_faking": "import_test/alignment"}
    return {"table": table, "pack_dirs": [IMPORT_FIX / "packs"]}


# -- JSON --------------------------------------------------------------------------------------
def test_json_bounds():
    assert loads('{"a": [1, {"b": "[[[[["}]}') == {"a": [1, {"b": "[[[[["}]}
    for raw, why in [("[" * 100_000 + "]" * 100_000, "nested 100,000 levels"), ("1" * 5_000, "4,300"),
                     ('"' + "x" * 1_000_001 + '"', "characters long")]:
        with pytest.raises(JsonLimitError, match=why):
            loads(raw)


# -- templates -----------------------------------------------------------------------------------
@pytest.mark.parametrize("src, why", [
    ("{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}", "loop iterations"),
    ("{{ 'x' * 10**9 }}", "would make 1,000,000,000 characters"),
    ("{{ [1] * 10**9 }}", "items"),
    ("{{ 'x' | center(10**9) }}", "center"),
    ("{{ lipsum(10**6) }}", "lipsum"),
    ("{{ 10 ** (10 ** 9) }}", "bits"),
    ("{{ '%1000000000d' % 1 }}", "format width"),
    ("{{ '{:>{}}'.format(1, 10**9) }}", "format width"),
    ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "nested more than 40 deep"),
    ("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", "'~'"),
    ("{% for i in range(10000) %}{{ 'x' * 1000 }}{% endfor %}", "longer than 400000"),
])
def test_template_budgets(src, why):
    t0 = time.perf_counter()
    with pytest.raises(TemplateProblem, match=why):
        render(src, {})
    assert time.perf_counter() - t0 < 1.0


def test_constant_folding_is_budgeted_too():
    from playground.scenario.templating import _compile

    t0 = time.perf_counter()
    _compile("{{ 10 ** (10 ** 9) }}{{ 'x' | center(10**9) }}")  # compiles: the work is refused when it renders
    assert time.perf_counter() - t0 < 0.5


def test_honest_templates_render_as_before():
    src = "Hello {{ name|upper }}{% for i in range(3) %} {{ i }}{% endfor %} {{ '%05.1f' % 3.14159 }} {{ ', '.join(['a', 'b']) }}"
    assert render(src, {"name": "nova"}) == "Hello NOVA 0 1 2 003.1 a, b"


def test_a_template_problem_in_a_config_value_or_policy_argument_points_at_it(tmp_path):
    d = base()
    d["world"]["configs"][0]["values"]["owner"] = "{{ 'x' * 10**9 }}"
    problems = validate(tmp_path, d)
    assert len(problems) == 1 and f":{line_of(dump(d), 'owner:')}:" in problems[0] and "over budget" in problems[0]
    d = base()
    d["policies"]["worker"]["turns"][0]["calls"][0]["args"]["command"] = "ls {{ nope }}"
    problems = validate(tmp_path, d)
    assert len(problems) == 1 and f":{line_of(dump(d), 'command: ls {{')}:" in problems[0]


def test_a_problem_only_in_another_combination_is_found_and_named(tmp_path):
    d = base()
    d["task"] = "Go. {% if mood == 'odd' %}{{ 1 / 0 }}{% endif %}"
    problems = validate(tmp_path, d)
    assert len(problems) == 1 and "division by zero (with mood=odd)" in problems[0]
    loaded = load(str(write(tmp_path, d)))  # loading checks the defaults only
    new_episode(loaded)
    with pytest.raises(ScenarioUnusable) as exc:  # a run in that combination says where, never a traceback
        new_episode(loaded, variables={"mood": "odd"})
    assert exc.value.problems[0].line == line_of(dump(d), "task:")


def test_many_combinations_are_sampled_with_a_seed(tmp_path):
    from playground.scenario.checks import validation_combinations

    d = base()
    d["variables"].update({f"v{i}": {"values": [str(j) for j in range(4)]} for i in range(12)})
    s = load_scenario(write(tmp_path, d)).scenario
    combos = validation_combinations(s)
    assert len(combos) == 64 and combos == validation_combinations(s)
    assert combos[0] == s.default_variables()
    assert all({c[f"v{i}"] for c in combos} == {"0", "1", "2", "3"} for i in range(12))
    assert {c["mood"] for c in combos} == {"calm", "tense", "odd"}


# -- the world's values ---------------------------------------------------------------------------
@pytest.mark.parametrize("field, value, why", [
    (("world", "clock"), "not a time", "not a time"),
    (("world", "hosts", 0, "files", 0, "mtime"), "2026-02-30 00:00:00", "not a time"),
    (("world", "hosts", 0, "files", 0, "path"), "a\x00b", "control characters"),
    (("world", "hosts", 0, "files", 0, "path"), "/", "root directory"),
])
def test_world_values_that_would_stop_a_run_are_problems_at_their_line(tmp_path, field, value, why):
    d = base()
    target = d
    for part in field[:-1]:
        target = target[part]
    target[field[-1]] = value
    problems = validate(tmp_path, d)
    assert len(problems) == 1 and why in problems[0], problems


def test_a_clock_near_year_9999_keeps_counting(tmp_path):
    d = base()
    d["world"]["clock"] = "9999-12-31 23:59:30"
    d["policies"]["worker"]["turns"][0]["calls"] = [{"tool": "shell", "args": {"command": "touch new; ls -l; stat new"}}]
    assert validate(tmp_path, d) == []
    session, out = run_headless(load(str(write(tmp_path, d))))
    listing = next(iter(session.state.results.values())).output
    assert "Jan  1 00:00 new" in listing and "Jan  1  2025 notes.txt" in listing and "Modify: 10000-01-01 00:00:" in listing
    assert format_time(parse_time("9999-12-31 23:59:59") + 1) == "10000-01-01 00:00:00"


def test_a_huge_file_size_is_a_problem_and_the_largest_one_runs_df(tmp_path):
    d = base()
    d["world"]["hosts"][0]["files"][1]["size"] = 2**63
    assert "less than or equal to 9223372036854775807" in validate(tmp_path, d)[0]
    d["world"]["hosts"][0]["files"][1]["size"] = 2**63 - 1
    d["policies"]["worker"]["turns"][0]["calls"] = [{"tool": "shell", "args": {"command": "df -h; df; ls -lh"}}]
    assert validate(tmp_path, d) == []
    session, _ = run_headless(load(str(write(tmp_path, d))))
    assert "/dev/sda1" in next(iter(session.state.results.values())).output


def test_a_broken_monitoring_file_is_a_problem(tmp_path):
    d = base()
    d["monitoring"] = {"file": {"kind": "config", "path": "mon.yaml", "on": "logging: [on", "off": "logging: off"}}
    (p,) = validate(tmp_path, d)
    assert "a config monitoring file must be YAML" in p
    d["monitoring"] = {"file": {"kind": "host", "host": "10.9.9.9", "path": "m", "on": "yes", "off": "no"}}
    (p,) = validate(tmp_path, d)
    assert "no host '10.9.9.9'" in p


def test_the_bundled_packs_still_validate(packs_dir):
    from playground.cli.episodes import validate_paths

    assert validate_paths((packs_dir,)) == []
    for f in sorted(packs_dir.rglob("*.yaml")):
        if f.name != "pack.yaml":
            assert validate_scenario(load_scenario(f)) == []
