"""One line of text: a reason, a note, a question, a file name."""

from __future__ import annotations

from textual import on
from textual.containers import HorizontalGroup, VerticalGroup
from textual.widgets import Button, Input, Static

from ..safe import plain
from .base import Dialog


class TextPrompt(Dialog[str | None]):
    def __init__(self, title: str, help: str = "", *, placeholder: str = "", value: str = "",
                 ok: str = "OK", allow_empty: bool = False, restrict: str | None = None):
        super().__init__()
        self.title_text, self.help, self.placeholder, self.value = title, help, placeholder, value
        self.ok, self.allow_empty, self.restrict = ok, allow_empty, restrict

    def compose(self):
        with VerticalGroup(id="box"):
            yield Static(plain(self.title_text), classes="title")
            if self.help:
                yield Static(plain(self.help), classes="help")
            yield Input(self.value, placeholder=self.placeholder, id="text", restrict=self.restrict)
            yield Static("", classes="problem", id="problem")
            with HorizontalGroup(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.ok, id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        text = self.query_one(Input).value.strip()
        if not text and not self.allow_empty:
            self.query_one("#problem", Static).update("Please type something (or press esc to cancel).")
            return
        self.dismiss(text)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
