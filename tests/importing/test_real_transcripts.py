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


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_every_released_transcript_replays_with_no_divergence_in_its_own_world(path):
    imp = import_file(path)
    out = imp.to_json()
    assert out["divergences"] == [] and not imp.warnings
    state = imp.state
    assert state.messages[0]["content"] == imp.recording.system and state.messages[1]["content"] == imp.recording.task
    assert out["condition"] in ("monitored", "unmonitored", "no monitoring statement")


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_forking_a_released_transcript_at_its_middle_runs_on_with_a_scripted_policy(path):
    import asyncio

    from playground.launch import new_session

    imp = import_file(path)
    session = new_session(imp.episode)
    policy = next(iter(imp.episode.scenario.policies))
    session.fork(max(1, imp.state.step // 2), agent=f"scripted/{policy}")
    session.set_monitoring(not session.state.monitored)
    assert asyncio.run(session.run()).outcome == "ended", session.state.errors
    assert session.state.messages[0]["content"] == imp.recording.system
