"""Autosave after every event without freezing the screen, and the little file
that remembers which screen a save was left on.

The engine's ``store.Autosaver`` writes the whole episode atomically. At 1,000
steps that write takes about half a second, so the TUI takes a cheap snapshot
of the event lists on the UI thread after each event and hands it to one
writer thread, which always writes the newest snapshot (bursts coalesce; a
write is never older than the one before it). ``flush`` waits for the writer.
Textual-free.
"""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..episode.episode import Branch, Episode
from ..store import Autosaver, atomic_write

UI_SUFFIX = ".ui.json"


def snapshot(episode: Episode) -> Episode:
    """A shallow copy whose branch event lists will not change under the writer."""
    snap = copy.copy(episode)
    snap.branches = {k: Branch(b.id, b.parent, b.fork_at, list(b.events), b.label, b.agent)
                     for k, b in episode.branches.items()}
    return snap


class BackgroundAutosaver:
    """A session listener: after each event, save the episode on a writer thread."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._saver = Autosaver(self.path)
        self._lock = threading.Condition()
        self._pending: Episode | None = None
        self._writing = False
        self._thread: threading.Thread | None = None
        self._closed = False
        self.writes = 0

    @property
    def last_error(self) -> str | None:
        return self._saver.last_error

    def __call__(self, session: Any, _event: Any = None) -> None:
        self.request(session.episode)

    def request(self, episode: Episode) -> None:
        snap = snapshot(episode)
        with self._lock:
            self._pending = snap
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="playground-autosave", daemon=True)
                self._thread.start()
            self._lock.notify_all()

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._pending is None and not self._closed:
                    if not self._lock.wait(timeout=5.0):
                        if self._pending is None:
                            self._thread = None
                            return
                if self._pending is None:
                    return
                snap, self._pending, self._writing = self._pending, None, True
            try:
                self._saver(SimpleNamespace(episode=snap), None)
                self.writes += 1
            finally:
                with self._lock:
                    self._writing = False
                    self._lock.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything asked for is on disk."""
        with self._lock:
            return self._lock.wait_for(lambda: self._pending is None and not self._writing, timeout=timeout)

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._closed = True
            self._lock.notify_all()


# -- which screen a save was left on ------------------------------------------------------

def ui_path(save_path: Path) -> Path:
    return Path(save_path).with_suffix(UI_SUFFIX)


def write_ui_state(save_path: Path, state: dict[str, Any]) -> None:
    try:
        atomic_write(ui_path(save_path), json.dumps(state, sort_keys=True))
    except OSError:
        pass  # the episode itself is what matters; the screen is a convenience


def read_ui_state(save_path: Path) -> dict[str, Any]:
    try:
        data = json.loads(ui_path(save_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def delete_save(save_path: Path) -> None:
    Path(save_path).unlink(missing_ok=True)
    ui_path(save_path).unlink(missing_ok=True)
