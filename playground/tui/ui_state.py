"""The little file beside a save that remembers which screen it was left on
(``<save>.ui.json``), and deleting a save with it. Textual-free.

Autosave itself is the store's ``SaveWriter``, subscribed to the session: it
appends each event, so there is no writer thread and no snapshot here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..store import SaveLock, atomic_write

UI_SUFFIX = ".ui.json"


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
    lock = SaveLock(save_path)
    try:
        if lock.acquire():  # a lock file a crashed playground left: remove it too
            lock.release()
    except OSError:
        pass
