"""The World pane: the simulated world after the selected step (or now, when the
screen follows the latest step), changes since the start highlighted and the
rows that step changed marked; it scrolls to the first of those.

The world comes from the engine's ``Episode.world_at`` (exact, cached), so
moving the selection up and down a long episode redraws without replaying it.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..palette import palette_of
from ..render_world import STEP_MARK, render_world

LEGEND = "+ new  ~ changed  − gone"


class WorldPane(VerticalScroll, can_focus=False):
    BORDER_TITLE = "World"
    BORDER_SUBTITLE = LEGEND
    DEFAULT_CSS = """
    WorldPane { background: $surface; scrollbar-size-vertical: 1; }
    WorldPane > Static { width: 1fr; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._session: Any = None
        self._step: int | None = None  # None: follow the latest step
        self.shown: Any = None  # the WorldAt on screen
        self._width = 0
        self._drawn: tuple | None = None
        self._scrolled: tuple | None = None
        self._line_count = -1

    def compose(self):
        yield Static(id="world-body")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._draw(force=True))

    def show(self, session: Any, step: int | None = None) -> None:
        """The world of ``session``'s current branch after ``step`` (None: the latest step, live)."""
        self._session, self._step = session, step
        self._draw()

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            self._draw(force=True)

    def _draw(self, force: bool = False) -> None:
        if self._session is None or not self.is_mounted:
            return
        episode = self._session.episode
        timeline = episode.timeline(episode.current)
        last = timeline.last_step
        step = last if self._step is None else max(0, min(self._step, last))
        at = timeline.at(step)
        width = self.scrollable_content_region.width or 60
        key = (at.branch, at.step, at.events, self._step is None, width)
        if key == self._drawn and not force:
            return
        self._drawn, self.shown = key, at
        view = render_world(at.world, at.initial, palette_of(self.app), width, at.changed)
        self.query_one("#world-body", Static).update(Group(*view.lines), layout=len(view.lines) != self._line_count)
        self._line_count = len(view.lines)
        self._titles(at, last, live=self._step is None)
        target = view.scroll_target
        where = (at.branch, at.step, target)
        if where != self._scrolled:
            self._scrolled = where
            self.call_after_refresh(self.scroll_to, y=max(0, (target or 0) - 1), animate=False)

    def _titles(self, at: Any, last: int, live: bool) -> None:
        n = at.changed.count()
        did = f"{STEP_MARK} {n} change{'s' if n != 1 else ''} at step {at.step}" if n else f"step {at.step} changed nothing"
        if live:
            self.border_title = f"World · now (step {at.step})"
            self.border_subtitle = f"{did} · {LEGEND}"
        else:
            self.border_title = f"World · after step {at.step} of {last}"
            self.border_subtitle = f"{did} · end: now"
