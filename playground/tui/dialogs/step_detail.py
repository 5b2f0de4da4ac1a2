"""A step (or the prompt) in full, scrollable."""

from __future__ import annotations

from rich.console import RenderableType
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..safe import plain
from .base import Dialog


class StepDetail(Dialog[None]):
    DEFAULT_CSS = """
    StepDetail > #box { width: 110; height: 90%; }
    StepDetail VerticalScroll { height: 1fr; }
    """

    def __init__(self, title: str, body: RenderableType):
        super().__init__()
        self.title_text, self.body = title, body

    def compose(self):
        with VerticalScroll(id="box"):
            yield Static(plain(self.title_text), classes="title")
            yield Static(self.body)
            yield Static("esc closes", classes="help")

    def on_mount(self) -> None:
        self.query_one("#box").focus()
