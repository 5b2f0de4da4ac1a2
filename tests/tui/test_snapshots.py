"""Snapshot tests of the main screens (pytest-textual-snapshot).

Plain ``def`` tests; async set-up goes in ``run_before``. Deterministic: a frozen
fixture pack, a fixed terminal size, the dark theme, no blinking cursor, no
notifications, and nothing in view that carries a date, a clock or a random id
(the world's clock is simulated and fixed by the scenario). Update with
``pytest tests/tui --snapshot-update`` after checking the new SVGs by eye.
"""

from __future__ import annotations

from textual.widgets import TextArea

from .helpers import PACKS, app_for, episode, settle

SIZE = (120, 36)


async def _start(pilot, agent="scripted/monitor_sensitive", keys=(), **kw):
    await settle(pilot)
    pilot.app.start_episode(episode(agent, **kw), replace=False)
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


def test_home(snap_compare, tmp_path):
    async def run_before(pilot):
        await settle(pilot)

    assert snap_compare(app_for(tmp_path), terminal_size=(100, 30), run_before=run_before)


def test_episode_monitored(snap_compare, tmp_path):
    async def run_before(pilot):
        await _start(pilot, keys=("space", "space", "space", "space", "space"))

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_episode_unmonitored(snap_compare, tmp_path):
    async def run_before(pilot):
        await _start(pilot, keys=("m", "g"))

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_compare(snap_compare, tmp_path):
    async def run_before(pilot):
        await _start(pilot, keys=("g", "f", "enter", "g", "c"))

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_editor_with_an_error(snap_compare, tmp_path):
    text = (PACKS / "demo" / "exfiltration_transfer.yaml").read_text(encoding="utf-8")
    broken = text.replace("max_steps: 25", "max_steps: lots")

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.open_editor(PACKS / "demo" / "exfiltration_transfer.yaml", text=broken)
        await pilot.pause(0.5)
        await settle(pilot)
        pilot.app.screen.query_one(TextArea).cursor_blink = False
        await pilot.press("f8")  # jump to the first problem
        await settle(pilot)

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=run_before)


# -- screens that fit at 100x30 ---------------------------------------------------------------------

def test_saves_list_at_100x30(snap_compare, tmp_path, monkeypatch):
    from pathlib import Path

    from .helpers import make_saves

    monkeypatch.chdir(tmp_path)  # the folder shows as "saves", the same every run
    make_saves(tmp_path / "saves")

    async def run_before(pilot):
        from playground.tui.screens.saves import SavesScreen

        await settle(pilot)
        pilot.app.push_screen(SavesScreen())
        for _ in range(100):
            await settle(pilot)
            screen = pilot.app.screen
            if isinstance(screen, SavesScreen) and screen.rows and all(r.described for r in screen.rows.values()):
                break
            await pilot.pause(0.05)
        await pilot.pause(0.1)
        await settle(pilot)

    assert snap_compare(app_for(tmp_path, save_dir=Path("saves")), terminal_size=(100, 30), run_before=run_before)


def test_fork_dialog_at_100x30(snap_compare, tmp_path):
    async def run_before(pilot):
        await _start(pilot, keys=("space", "a", "space", "f"))

    assert snap_compare(app_for(tmp_path), terminal_size=(100, 30), run_before=run_before)


def test_detector_strip_at_100x30(snap_compare, tmp_path):
    """Four detectors, two lit with their steps, none cut at 100 columns."""
    async def run_before(pilot):
        await _start(pilot, agent="scripted/covert_copier", keys=("g",))

    assert snap_compare(app_for(tmp_path), terminal_size=(100, 30), run_before=run_before)
