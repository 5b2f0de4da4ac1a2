"""The one handler for background tasks that fail, on any screen: a readable, recoverable error
instead of a spinner that never stops. Each worker group says what it was doing."""

from __future__ import annotations

from typing import Any

from ..visible_text import visible

DOING = {
    "packs": "Loading the scenario packs",
    "saves": "Reading the saved episodes",
    "compare": "Comparing the branches",
    "validate": "Checking the scenario",
    "model": "The model call",
    "history": "Replaying the event log",
    "settings": "Reading the settings",
    "preload": "Loading litellm in the background",
    "resume": "Looking for an episode to resume",
}


def failure_message(group: str, error: BaseException | None) -> str:
    what = DOING.get(group, f"A background task ({group or 'unnamed'})")
    detail = f"{type(error).__name__}: {error}" if error is not None else "it stopped unexpectedly"
    return visible(f"{what} failed — {detail}")


def report(app: Any, screen: Any, worker: Any) -> str:
    """Show the failure: the screen recovers and shows it where it belongs, or the app notifies."""
    message = failure_message(worker.group, worker.error)
    recover = getattr(screen, "recover_from", None)
    shown = bool(recover(worker.group, message)) if recover is not None else False
    if not shown:
        app.notify(message, title="Something failed", severity="error", timeout=15)
    return message
