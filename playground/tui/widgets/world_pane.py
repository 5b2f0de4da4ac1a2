"""The World pane: the simulated world now, changes since the start highlighted;
after each change it scrolls to the first changed line."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..palette import palette_of
from ..render_world import render_world


class WorldPane(VerticalScroll, can_focus=False):
    BORDER_TITLE = "World"
    BORDER_SUBTITLE = "+ new  ~ changed  − gone"
    DEFAULT_CSS = """
    WorldPane { background: $surface; scrollbar-size-vertical: 1; }
    WorldPane > Static { width: 1fr; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._state: Any = None
        self._width = 0
        self._first_change: int | None = None
        self._line_count = -1

    def compose(self):
        yield Static(id="world-body")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._draw())

    def show(self, state: Any) -> None:
        """Draw ``state.world`` against ``state.initial`` (a BranchState)."""
        self._state = state
        self._draw()

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            self._draw()

    def _draw(self) -> None:
        if self._state is None or not self.is_mounted:
            return
        width = self.scrollable_content_region.width or 60
        view = render_world(self._state.world, self._state.initial, palette_of(self.app), width)
        self.query_one("#world-body", Static).update(Group(*view.lines), layout=len(view.lines) != self._line_count)
        self._line_count = len(view.lines)
        if view.first_change != self._first_change:
            self._first_change = view.first_change
            target = max(0, (view.first_change or 0) - 1)
            self.call_after_refresh(self.scroll_to, y=target, animate=False)
