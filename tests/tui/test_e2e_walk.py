"""The walk-through of issue 13 in a real terminal (tmux): keys typed at once are not stolen by a
resume offer, search and flagged steps work with the keys a terminal sends, q quits, and a dirty
editor asks before ctrl+q quits."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

import pytest

from .helpers import PACKS, episode, make_agent
from .test_e2e_pty import FIXTURE_CONFIG, PLAYGROUND, Terminal, pytestmark  # noqa: F401  (the same skips)

REPO = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    return {"PLAYGROUND_PACKS": str(PACKS), "PLAYGROUND_CONFIG": str(FIXTURE_CONFIG), "PLAYGROUND_AUTOSAVE": "true",
            "PLAYGROUND_USER_PACKS": str(tmp_path / "my-packs"), "TERM": "xterm-256color", "HOME": str(tmp_path),
            "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)}  # this checkout's code, not another's


def _gone(term: Terminal, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(["tmux", "-L", term.socket, "has-session"], capture_output=True).returncode != 0:
            return True
        time.sleep(0.1)
    return False


def _unfinished_save(folder: Path) -> Path:
    from playground.episode import Session
    from playground.store import save

    ep = episode("scripted/covert_copier")
    s = Session(ep, make_agent)
    asyncio.run(s.request_turn())
    return save(ep, folder / "unfinished.toml")


@pytest.mark.e2e
def test_keys_typed_at_once_are_kept_search_works_and_q_quits(tmp_path):
    saves = tmp_path / "saves"
    saves.mkdir()
    _unfinished_save(saves)
    term = Terminal([str(PLAYGROUND), "tui", "--save-dir", str(saves)], _env(tmp_path), size=(100, 30))
    try:
        term.keys("d")  # at once, before the packs are listed or the resume offer is looked for
        term.wait_for("scripted/monitor_sensitive")
        screen = term.wait_for("MONITORED")
        assert "Resume" not in screen  # no dialog took the key
        term.keys(*["Space"] * 6)
        term.wait_for("step 3/25")
        term.keys("/")
        term.type("notice")
        term.keys("Enter")
        screen = term.wait_for("“notice”: step")
        assert "in reasoning" in screen
        term.keys("]")  # nothing flagged yet here: says so
        term.wait_for("No flagged step yet")
        term.keys("q")
        assert _gone(term), term.screen()
    finally:
        term.close()


@pytest.mark.e2e
def test_the_resume_banner_offers_only_an_unfinished_episode_and_r_opens_it(tmp_path):
    saves = tmp_path / "saves"
    saves.mkdir()
    _unfinished_save(saves)
    term = Terminal([str(PLAYGROUND), "tui", "--save-dir", str(saves)], _env(tmp_path), size=(100, 30))
    try:
        screen = term.wait_for("r resumes it")
        assert "Unfinished" in screen and "step 1" in screen
        term.keys("r")
        term.wait_for("list_drive_files")
        term.keys("C-q")
        assert _gone(term), term.screen()
    finally:
        term.close()


@pytest.mark.e2e
def test_playground_edit_asks_before_ctrl_q_loses_edits(tmp_path):
    target = tmp_path / "drafts" / "fresh.yaml"
    term = Terminal([str(PLAYGROUND), "edit", str(target)], _env(tmp_path), size=(100, 30))
    try:
        term.wait_for("nothing is written until you save")
        term.type("# a note")
        term.wait_for("modified")
        term.keys("C-q")
        term.wait_for("Quit and lose unsaved work?")
        term.keys("Escape")  # keep working
        time.sleep(0.5)
        assert "Quit and lose" not in term.screen()
        term.keys("C-s")
        term.wait_for("Saved")
        assert target.is_file() and "id: fresh" in target.read_text()
        term.keys("C-q")  # saved: nothing to lose, quits at once
        assert _gone(term), term.screen()
    finally:
        term.close()
