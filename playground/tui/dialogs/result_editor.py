"""Edit what a tool returned before the model sees it."""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.containers import HorizontalGroup, VerticalGroup
from textual.widgets import Button, Select, Static, TextArea

from ...visible_text import visible
from ..safe import plain
from .base import Dialog


class ResultEditor(Dialog[tuple[str, str] | None]):
    """``choices``: ``[(call_id, label, current output)]``, latest last. Dismisses ``(call_id, text)``."""

    DEFAULT_CSS = """
    ResultEditor > #box { width: 100; height: 80%; }
    ResultEditor TextArea { height: 1fr; min-height: 6; }
    ResultEditor Select { margin-bottom: 1; }
    """
    BINDINGS = [Binding("ctrl+s", "submit", "use edited result", priority=True)]

    def __init__(self, choices: list[tuple[str, str, str]]):
        super().__init__()
        self.choices = choices
        self.current = choices[-1][0]

    def compose(self):
        with VerticalGroup(id="box"):
            yield Static("Edit the tool result the model will see", classes="title")
            yield Static("The model reads this instead of what the tool returned (both are kept in the log). "
                         "ctrl+s uses it; esc cancels.", classes="help")
            if len(self.choices) > 1:
                yield Select([(plain(label), cid) for cid, label, _ in self.choices], value=self.current,
                             allow_blank=False, id="which")
            yield TextArea(visible(self._text(self.current)), id="output", soft_wrap=True, show_line_numbers=True)
            with HorizontalGroup(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Use this result", id="ok", variant="primary")

    def _text(self, call_id: str) -> str:
        return next(out for cid, _label, out in self.choices if cid == call_id)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @on(Select.Changed, "#which")
    def _which(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.current = event.value
            self.query_one(TextArea).load_text(visible(self._text(self.current)))

    @on(Button.Pressed, "#ok")
    def action_submit(self) -> None:
        self.dismiss((self.current, self.query_one(TextArea).text))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
