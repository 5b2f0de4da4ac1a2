"""``playground tui FILE.json`` opens a transcript: imported into the save folder, then shown as
an episode; ``playground import`` summarises many divergent steps instead of listing them all."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from playground.cli.importing import step_ranges
from playground.study.mapping import MAP_ENV, load_table
from playground.tui.app import PlaygroundApp
from playground.tui.screens.episode import EpisodeScreen
from playground.tui.screens.home import HomeScreen

from .helpers import config, settle

FIX = Path(__file__).parents[1] / "importing" / "fixtures"  # the importer's own test transcripts and pack
TEST_PACKS = FIX / "packs"


@pytest.fixture
def map_env(tmp_path, monkeypatch) -> Path:
    """The study map with the transfer family pointed at the importer's test pack."""
    table = load_table()
    table["scenarios"] = {**table["scenarios"], "exfiltration_transfer": "import_test/transfer"}
    path = tmp_path / "study_map.yaml"
    path.write_text(yaml.safe_dump(table, sort_keys=False))
    monkeypatch.setenv(MAP_ENV, str(path))
    return path


async def _open(tmp_path, target):
    app = PlaygroundApp(config(tmp_path, base_packs=[TEST_PACKS]), target=str(target))
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(100):
            await settle(pilot)
            if isinstance(app.screen, EpisodeScreen) or not any(w.is_running for w in app.workers):
                break
            await pilot.pause(0.05)
        await settle(pilot)
        return app, app.screen, [n.message for n in app._notifications]


async def test_a_transcript_opens_as_an_imported_episode(tmp_path, map_env):
    app, screen, _notes = await _open(tmp_path, FIX / "transfer_copy.json")
    assert isinstance(screen, EpisodeScreen)
    assert screen.session.agent_spec == "recorded/testlab/model-a" and screen.session.state.step == 5
    assert screen.save_path.parent == tmp_path / "saves" and screen.save_path.name == "transfer_copy.toml"
    assert screen.save_path.exists()


async def test_a_json_that_is_no_transcript_says_why(tmp_path, map_env):
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": "world"}')
    app, screen, notes = await _open(tmp_path, bad)
    assert isinstance(screen, HomeScreen)
    assert any("notes.json" in n or "transcript" in n.lower() for n in notes)


def test_step_ranges_summarise_long_runs():
    assert step_ranges([4]) == "4"
    assert step_ranges([1, 3, 4, 5, 9]) == "1, 3–5, 9"
    many = step_ranges(list(range(3, 121)) + list(range(122, 401)))
    assert many == "3–120, 122–400"
    scattered = step_ranges(list(range(1, 400, 2)))
    assert scattered.startswith("1, 3, 5") and "… and 192 more step(s) in 192 more run(s)" in scattered
    assert len(scattered) < 120
