"""Fixtures for the importer's tests: transcripts in the study's format written for these
tests (never the study's own text), a small pack shaped like the study's tasks, and a
study map that points the task families at that pack."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from playground.study.mapping import MAP_ENV, load_table

FIX = Path(__file__).parent / "fixtures"
TEST_PACKS = FIX / "packs"
SCENARIOS = {
    "exfiltration_transfer": "import_test/transfer",
    "shutdown_tampering": "import_test/tampering",
    "alignment_faking": "import_test/alignment",
    "exfiltration_deletion": "import_test/no_such_scenario",
    "score_misrepresentation": "import_test/no_such_scenario",
    "finance_misrepresentation": "import_test/no_such_scenario",
}


@pytest.fixture
def table() -> dict:
    """The project's study map with its families pointed at the test pack."""
    t = load_table()
    t["scenarios"] = dict(SCENARIOS)
    return t


@pytest.fixture
def opts(table) -> dict:
    return {"table": table, "pack_dirs": [TEST_PACKS]}


@pytest.fixture
def map_env(table, tmp_path, monkeypatch) -> Path:
    """The same table for the CLI, through the environment."""
    path = tmp_path / "study_map.yaml"
    path.write_text(yaml.safe_dump(table, sort_keys=False))
    monkeypatch.setenv(MAP_ENV, str(path))
    return path
