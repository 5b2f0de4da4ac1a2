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


async def test_the_header_names_the_recorded_condition_and_the_home_key_imports(tmp_path, map_env):
    from textual.widgets import Input, Static

    from playground.tui.dialogs.text_prompt import TextPrompt
    from playground.tui.widgets.episode_header import MonitorToggle

    app = PlaygroundApp(config(tmp_path, base_packs=[TEST_PACKS]))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        app.screen.query_one(Input).value = str(FIX / "transfer_copy.json")
        await pilot.press("enter")
        for _ in range(100):
            await settle(pilot)
            if isinstance(app.screen, EpisodeScreen):
                break
            await pilot.pause(0.05)
        screen = app.screen
        assert isinstance(screen, EpisodeScreen)
        info = str(screen.query_one("#ep-info", Static).render())
        assert info.startswith("turns recorded from model-a · no monitoring statement · step 5/")
        toggle = screen.query_one(MonitorToggle)
        assert "NO STATEMENT" in str(toggle.render()) and toggle.has_class("-none")


async def test_fork_and_interview_of_a_recorded_run_offer_a_live_agent(tmp_path, map_env):
    from textual.widgets import Input, Static

    from playground.tui.dialogs.fork_dialog import ForkDialog
    from playground.tui.dialogs.interview_dialog import InterviewDialog

    app = PlaygroundApp(config(tmp_path, base_packs=[TEST_PACKS]), target=str(FIX / "transfer_copy.json"))
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(100):
            await settle(pilot)
            if isinstance(app.screen, EpisodeScreen):
                break
            await pilot.pause(0.05)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, InterviewDialog)
        assert "cannot answer new questions" in " ".join(str(s.render()) for s in app.screen.query(".help"))
        assert app.screen.query_one("#agent", Input).value == "scripted/copier"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, ForkDialog)
        assert app.screen.query_one("#agent", Input).value == "scripted/copier"
        assert "the recording's answers stop at step 5" in str(app.screen.query_one("#agent-hint", Static).render())
        assert "told nothing about monitoring" in " ".join(str(s.render()) for s in app.screen.query(".help"))
        from textual.widgets import RadioButton

        assert [str(b.label) for b in app.screen.query(RadioButton)] == ["tell it: UNMONITORED", "tell it: monitored",
                                                                        "say nothing"]
        app.screen.query_one("#tell-on", RadioButton).value = True
        await pilot.click("#ok")
        for _ in range(50):
            await settle(pilot)
            if isinstance(app.screen, EpisodeScreen) and app.screen.session.episode.current != "main":
                break
            await pilot.pause(0.05)
        from playground.episode import Notice

        session = app.screen.session
        assert session.state.monitored and [e.text for e in session.state.events if isinstance(e, Notice)][-1].startswith(
            "Notice from IT operations: as of now, all agent actions")
        assert session.agent_spec == "scripted/copier"  # the fork goes on with the live agent the dialog offered
