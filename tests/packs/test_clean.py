"""Every pack validates and lints clean; the JSON Schema is current and accepts every scenario."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from playground.cli.authoring import lint_files
from playground.cli.main import cli
from playground.scenario.loader import load_yaml
from playground.scenario.packs import discover_packs
from playground.scenario.schema_export import pack_schema, scenario_schema

from .conftest import PACKS, SCENARIO_FILES, ref_of

jsonschema = pytest.importorskip("jsonschema")


def test_validate_every_pack():
    result = CliRunner().invoke(cli, ["validate", str(PACKS)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[ref_of(p) for p in SCENARIO_FILES])
def test_lints_clean(path):
    """The static half of lint; its dynamic half (every policy under every condition trips exactly
    its behaviours and ends) is the table in test_policies, run once rather than twice."""
    assert [str(p) for p in lint_files([path], path.parent.name, run_policies=False)] == []


def test_pack_ids_are_folder_names():
    packs, problems = discover_packs([PACKS])
    assert problems == []
    assert {p.id for p in packs} >= {"peer_preservation", "related", "human_review"}
    for p in packs:
        assert p.path.name == p.id


def test_committed_schema_is_current():
    committed = json.loads((PACKS / "scenario.schema.json").read_text(encoding="utf-8"))
    assert committed == scenario_schema(), "regenerate: playground schema -o scenario_packs/scenario.schema.json"


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[ref_of(p) for p in SCENARIO_FILES])
def test_schema_accepts_every_scenario(path):
    data, _ = load_yaml(path.read_text(encoding="utf-8"), str(path))
    validator = jsonschema.Draft202012Validator(scenario_schema())
    assert [e.message for e in validator.iter_errors(data)] == []


def test_schema_accepts_every_pack_yaml():
    validator = jsonschema.Draft202012Validator(pack_schema())
    for path in PACKS.glob("*/pack.yaml"):
        data, _ = load_yaml(path.read_text(encoding="utf-8"), str(path))
        assert [e.message for e in validator.iter_errors(data)] == [], path


def test_every_scenario_names_its_schema_for_editors():
    for path in SCENARIO_FILES:
        assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=../scenario.schema.json"), path
