"""What every screen shares: a background task that fails reaches the app's one failure handler."""

from __future__ import annotations

from textual.screen import Screen
from textual.worker import Worker, WorkerState


class AppScreen(Screen):
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.app.worker_failed(self, event.worker)  # type: ignore[attr-defined]

    def recover_from(self, group: str, message: str) -> bool:
        """Put the screen back in a usable state after its ``group`` worker failed; True when the
        screen showed the error itself (else the app shows it)."""
        return False
