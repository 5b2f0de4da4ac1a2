"""The shared look of every dialog: a centred box over a dimmed screen."""

from __future__ import annotations

from typing import TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen

T = TypeVar("T")


class Dialog(ModalScreen[T]):
    DEFAULT_CSS = """
    Dialog { align: center middle; background: $background 60%; }
    Dialog > #box {
        width: 76; max-width: 95%; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    Dialog #box > .title { text-style: bold; color: $accent; padding-bottom: 1; width: 1fr; }
    Dialog #box > .help { color: $text-muted; padding-bottom: 1; }
    Dialog #box > .problem { color: $error; height: auto; }
    Dialog #box > .buttons { height: auto; align-horizontal: right; padding-top: 1; }
    Dialog #box > .buttons > Button { margin-left: 1; min-width: 12; }
    """
    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)
