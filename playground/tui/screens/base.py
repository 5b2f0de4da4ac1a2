"""What every screen shares: a background task that fails reaches the app's one failure handler,
and on a small terminal notifications go to the screen's status line instead of over the content."""

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

    def show_message(self, message: str, title: str = "", severity: str = "information") -> bool:
        """Show a notification in this screen's status line (True), or say there is none (False)."""
        from ..widgets.status_bar import StatusBar

        bars = self.query(StatusBar)
        if not bars:
            return False
        text = f"{title}: {message}" if title else message
        bars.first().flash(" ".join(text.split()), seconds=12 if severity == "error" else 7, severity=severity)
        return True
