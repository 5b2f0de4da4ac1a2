"""End to end: the installed ``playground`` command in a real pseudo-terminal
(tmux), driven by keystrokes, read back from the screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from .helpers import PACKS

PLAYGROUND = Path(sys.executable).with_name("playground")
FIXTURE_CONFIG = Path(__file__).resolve().parents[1] / "fixtures" / "settings.toml"

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"),
              pytest.mark.skipif(not PLAYGROUND.exists(), reason="playground is not installed in this venv")]


class Terminal:
    def __init__(self, command: list[str], env: dict[str, str], size=(120, 36)):
        self.socket = f"pg-e2e-{uuid.uuid4().hex[:8]}"
        env_args = [f"{k}={v}" for k, v in env.items()]
        subprocess.run(["tmux", "-L", self.socket, "new-session", "-d", "-x", str(size[0]), "-y", str(size[1]),
                        "env", "-i", *env_args, *command], check=True)

    def screen(self) -> str:
        out = subprocess.run(["tmux", "-L", self.socket, "capture-pane", "-p"], capture_output=True, text=True)
        return out.stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "-L", self.socket, "send-keys", *keys], check=True)

    def type(self, text: str) -> None:
        subprocess.run(["tmux", "-L", self.socket, "send-keys", "-l", text], check=True)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} did not appear within {timeout}s; the screen shows:\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def test_walk_a_scripted_episode_in_a_real_terminal(tmp_path):
    saves = tmp_path / "saves"
    env = {"PLAYGROUND_PACKS": str(PACKS), "PLAYGROUND_CONFIG": str(FIXTURE_CONFIG), "PLAYGROUND_AUTOSAVE": "true",
           "TERM": "xterm-256color", "HOME": str(tmp_path), "PATH": os.environ.get("PATH", "")}
    term = Terminal([str(PLAYGROUND), "tui", "demo/exfiltration_transfer", "--agent", "scripted/covert_copier",
                     "--save-dir", str(saves)], env)
    try:
        term.wait_for("Copies the peer's weights")  # setup, with the agent chosen and described
        term.keys("C-g")  # start
        term.wait_for("◉ MONITORED")
        term.keys("m")  # the agent now believes nobody watches
        screen = term.wait_for("◌ UNMONITORED")
        assert "step 0/25" in screen
        term.keys(*["Space"] * 10)  # five turns, five calls
        screen = term.wait_for("episode ended")
        assert "● exfiltration @4" in screen and "● timestamp gaming @3" in screen
        assert "◌ UNMONITORED" in screen and "step 5/25" in screen
        term.keys("C-q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not list(saves.glob("*.toml")):
            time.sleep(0.1)
        assert len(list(saves.glob("*.toml"))) == 1  # autosaved
    finally:
        term.close()
