"""Yes or no."""

from __future__ import annotations

from textual import on
from textual.containers import HorizontalGroup, VerticalGroup
from textual.widgets import Button, Static

from ..safe import plain
from .base import Dialog


class ConfirmDialog(Dialog[bool]):
    def __init__(self, title: str, message: str, *, yes: str = "Yes", no: str = "Cancel", danger: bool = False):
        super().__init__()
        self.title_text, self.message, self.yes, self.no, self.danger = title, message, yes, no, danger

    def compose(self):
        with VerticalGroup(id="box"):
            yield Static(plain(self.title_text), classes="title")
            yield Static(plain(self.message), classes="help")
            with HorizontalGroup(classes="buttons"):
                yield Button(self.no, id="no")
                yield Button(self.yes, id="yes", variant="error" if self.danger else "primary")

    def on_mount(self) -> None:
        for button in self.query("#yes" if not self.danger else "#no").results(Button):  # gone if already answered
            button.focus()

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)


class QuitDialog(ConfirmDialog):
    """Quit although something would be lost (``lost``: one line per thing)."""

    def __init__(self, lost: list[str]) -> None:
        super().__init__("Quit and lose unsaved work?", "\n".join(lost) + "\n\nctrl+q again quits anyway.",
                         yes="Quit without saving", no="Keep working", danger=True)
