"""One line under the panes: what to do next, a call in progress, or an error with retry."""

from __future__ import annotations

import time

from textual.widgets import Static

from ..safe import esc as escape

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; padding: 0 1; background: $boost; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusBar.-busy { color: $text; background: $primary-muted; }
    StatusBar.-error { color: $text; background: $error-muted; text-style: bold; }
    StatusBar.-message { color: $text; background: $accent-muted; }
    StatusBar.-message.-message-warning { background: $warning-muted; }
    StatusBar.-message.-message-error { background: $error-muted; text-style: bold; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.error: str | None = None
        self._busy_label: str | None = None
        self._busy_since = 0.0
        self._detail = ""
        self._hint = ""
        self._timer = None
        self.message: str | None = None  # a passing message (why a key does nothing, where a search went)
        self._message_timer = None

    # -- modes ---------------------------------------------------------------------------
    def hint(self, text: str) -> None:
        if text != self._hint:
            self._hint = text
            self._draw()

    def flash(self, text: str | None, seconds: float = 6.0, markup: bool = False, severity: str = "information") -> None:
        """Show ``text`` (plain unless ``markup``) instead of the hint for a while; None clears it."""
        if self._message_timer is not None:
            self._message_timer.stop()
            self._message_timer = None
        self.message = None if text is None else (text if markup else escape(text))
        self.set_class(text is not None and severity == "error", "-message-error")
        self.set_class(text is not None and severity == "warning", "-message-warning")
        if text is not None:
            self._message_timer = self.set_timer(seconds, lambda: self.flash(None))
        self._draw()

    def busy(self, label: str) -> None:
        self._busy_label, self._busy_since, self._detail = label, time.monotonic(), ""
        if self._timer is None:
            self._timer = self.set_interval(0.1, self._draw)
        self._draw()

    def progress(self, detail: str) -> None:
        self._detail = detail
        self._draw()

    def idle(self) -> None:
        self._busy_label = None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._draw()

    def show_error(self, message: str | None) -> None:
        if message != self.error:
            self.error = message
            self._draw()

    @property
    def is_busy(self) -> bool:
        return self._busy_label is not None

    def _draw(self) -> None:
        self.set_class(self.error is not None and self._busy_label is None, "-error")
        self.set_class(self._busy_label is not None, "-busy")
        self.set_class(self.message is not None and self._busy_label is None and self.error is None, "-message")
        if self._busy_label is not None:
            elapsed = time.monotonic() - self._busy_since
            if elapsed < 0.25:  # a scripted agent answers at once: no flicker
                self.update(self._hint, layout=False)
                return
            frame = SPINNER[int(elapsed * 10) % len(SPINNER)]
            detail = f" · {escape(self._detail)}" if self._detail else ""
            self.update(f"{frame} {escape(self._busy_label)} {elapsed:.1f} s{detail} · [b]esc[/] cancel", layout=False)
        elif self.error is not None:
            self.update(f"✗ {escape(self.error)} · [b]r[/] retry · [b]esc[/] hide", layout=False)
        elif self.message is not None:
            self.update(f"[b]›[/] {self.message}", layout=False)
        else:
            self.update(self._hint, layout=False)
