"""The study's released transcripts, read from ../shared at run time (never copied here):
runs only where they exist."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from playground.cli.main import cli
from playground.study.importer import import_file

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "study_transcripts"
FILES = sorted(SHARED.glob("*.json")) if SHARED.is_dir() else []

pytestmark = pytest.mark.skipif(not FILES, reason=f"no study transcripts at {SHARED}")


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_every_released_transcript_imports(path):
    imp = import_file(path)
    out = imp.to_json()
    assert out["steps"] == len(imp.recording.turns) and out["ended"]
    assert out["recorded_model"] == imp.recording.model != "unknown-model"


def test_agree_prints_the_table():
    r = CliRunner().invoke(cli, ["agree", str(SHARED)])
    assert "confusion (study × ours)" in r.output, r.output
    assert r.exit_code == 0, r.output
