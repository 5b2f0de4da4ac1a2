"""Pilot tests for saving in the TUI: a second window opens a save read-only, a save
that cannot be written is reported and can go elsewhere, a torn save says so."""

from __future__ import annotations

import errno
import os
import re

from playground.store import SaveLock, load
from playground.tui.dialogs.text_prompt import TextPrompt
from playground.tui.screens.episode import EpisodeScreen
from textual.widgets import Input

from .helpers import SIZE, app_for, open_episode, settle


def notes(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def _saved_episode(tmp_path, steps=("space", "a")):
    app = app_for(tmp_path, autosave=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot)
        await pilot.press(*steps)
        await settle(pilot)
        path = screen.save_path
    return path


async def test_a_second_window_opens_the_save_read_only_and_can_save_a_copy(tmp_path):
    path = await _saved_episode(tmp_path)
    before = path.read_bytes()
    other = SaveLock(path)  # the first window, still open
    assert other.acquire()
    try:
        app = app_for(tmp_path, autosave=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.open_save(path)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, EpisodeScreen) and screen.read_only and screen.writer is None
            assert "Opened read-only" in notes(app)
            await pilot.press("space")
            await settle(pilot)
            assert path.read_bytes() == before  # the other window's file is left alone
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, TextPrompt)
            await pilot.press("enter")  # the suggested copy beside it
            await settle(pilot)
            copy = path.with_name(f"{path.stem}-copy.toml")
            assert screen.save_path == copy and not screen.read_only and screen.writer is not None
            await pilot.press("a")
            await settle(pilot)
            screen.writer.flush()
            assert [e.to_dict() for e in load(copy).events()] == [e.to_dict() for e in screen.session.episode.events()]
    finally:
        other.release()
    assert path.read_bytes() == before


async def test_a_save_that_cannot_be_written_is_reported_and_goes_elsewhere(tmp_path, monkeypatch):
    app = app_for(tmp_path, autosave=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot)
        first = screen.save_path

        def full(*_a, **_k):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(screen.writer, "_append", full)
        monkeypatch.setattr("playground.store.writer.atomic_write", full)
        await pilot.press("space", "a")
        await settle(pilot)
        assert screen.session.state.step == 1 and len(screen.session.state.events) >= 3  # kept in memory
        assert "Autosave stopped" in notes(app) and "No space left on device" in notes(app)
        assert "Not saved" in screen.status._hint
        await pilot.press("ctrl+s")  # tries the same file again, then asks where else
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        elsewhere = tmp_path / "elsewhere" / "rescued.toml"
        monkeypatch.undo()
        app.screen.query_one(Input).value = str(elsewhere)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.save_path == elsewhere and screen.writer.error is None
        await pilot.press("space")
        await settle(pilot)
        screen.writer.flush()
        assert len(load(elsewhere).events()) == len(screen.session.episode.events())
        assert "Not saved" not in screen.status._hint
    assert first != elsewhere


async def test_opening_a_torn_save_says_so_and_leaves_the_file(tmp_path):
    path = await _saved_episode(tmp_path, ("space", "a", "space"))
    whole = path.read_bytes()
    ends = [m.end() for m in re.finditer(rb"^# end \d+ [0-9a-f]{8}\n\n?", whole, re.MULTILINE)]
    torn = whole[: (ends[-2] + ends[-1]) // 2]
    path.write_bytes(torn)
    app = app_for(tmp_path, autosave=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_save(path)
        await settle(pilot)
        assert "incomplete record" in notes(app)
        assert path.read_bytes() == torn
