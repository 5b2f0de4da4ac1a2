"""Choose an export format."""

from __future__ import annotations

from textual import on
from textual.containers import VerticalGroup
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..safe import plain
from .base import Dialog

FORMATS = [("md", "Markdown transcript"), ("html", "Standalone HTML page (highlighted tool arguments)"),
           ("json", "JSON (summary and the full event log)")]


class ExportDialog(Dialog[str | None]):
    DEFAULT_CSS = "ExportDialog OptionList { height: auto; margin-bottom: 1; }"

    def __init__(self, where: str):
        super().__init__()
        self.where = where

    def compose(self):
        with VerticalGroup(id="box"):
            yield Static("Export this branch", classes="title")
            yield Static(plain(f"Written to {self.where}"), classes="help")
            yield OptionList(*[Option(f"{label}  (.{fmt})", id=fmt) for fmt, label in FORMATS])

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
