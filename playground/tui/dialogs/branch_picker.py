"""Choose a branch from a list that says what each one is."""

from __future__ import annotations

from textual import on
from textual.containers import VerticalGroup
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..safe import plain
from .base import Dialog


class BranchPicker(Dialog[str | None]):
    """``rows``: ``[(branch_id, description)]``."""

    DEFAULT_CSS = """
    BranchPicker OptionList { height: auto; max-height: 20; margin-bottom: 1; }
    """

    def __init__(self, title: str, rows: list[tuple[str, str]], current: str | None = None, help: str = ""):
        super().__init__()
        self.title_text, self.rows, self.current, self.help = title, rows, current, help

    def compose(self):
        with VerticalGroup(id="box"):
            yield Static(plain(self.title_text), classes="title")
            yield Static(plain(self.help or "enter chooses · esc cancels"), classes="help")
            yield OptionList(*[Option(plain(text), id=bid) for bid, text in self.rows], id="branches")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [bid for bid, _ in self.rows]
        if self.current in ids:
            options.highlighted = ids.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
