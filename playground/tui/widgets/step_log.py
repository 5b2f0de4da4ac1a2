"""A virtualised, step-selectable log: one block of lines per step.

Blocks are rendered to strips once per width and kept; a new step renders only
its own block, and drawing touches only the visible lines, so a step costs the
same at step 10 and step 10,000. Opening a long episode (or resizing) renders
what is on screen first and the rest a few milliseconds at a time, so the
screen never stalls. A ``partner`` log (Reasoning beside Actions) gets the same
row height for every step and scrolls with this one, so a step's reasoning
and the calls it led to stay on the same rows. Selecting a step (keys or mouse)
posts ``StepSelected``; the parent pushes the selection back down with ``select``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from time import perf_counter
from typing import Any, Callable

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from ..palette import Palette, palette_of

FIRST_PASS = 0.03  # seconds of rendering before the first frame of a long log
SLICE = 0.015  # seconds per later slice, between frames


class StepLog(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    StepLog {
        background: $surface;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    StepLog > .step-log--selected { background: $accent 14%; }
    StepLog > .step-log--marker { color: $accent; text-style: bold; }
    StepLog:focus > .step-log--marker { color: $accent-lighten-1; }
    StepLog > .step-log--match { background: $warning 70%; color: $text; text-style: bold; }
    """
    COMPONENT_CLASSES = {"step-log--selected", "step-log--marker", "step-log--match"}
    BINDINGS = [
        Binding("up", "select_previous", "previous step", show=False),
        Binding("down", "select_next", "next step", show=False),
        Binding("home", "select_first", "first step", show=False),
        Binding("end", "follow", "follow the latest step", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
    ]

    class StepSelected(Message):
        """The user chose a step in this log (``step`` None: follow the latest); ``scroll`` False when
        the view is already where the user wants it (a page key), so a partner must not scroll."""

        def __init__(self, log: "StepLog", step: int | None, scroll: bool = True) -> None:
            super().__init__()
            self.log = log
            self.step = step
            self.scroll = scroll

        @property
        def control(self) -> "StepLog":
            return self.log

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._views: list[Any] = []
        self._pos: dict[int, int] = {}  # step -> position in _views
        self._raw: list[list[Strip] | None] = []  # each block as rendered (None: not yet, at this width)
        self._strips: list[list[Strip]] = []  # ... padded to its row height, or a placeholder
        self._offsets: list[int] = []
        self._min_height: dict[int, int] = {}  # step -> rows, so a partner log lines up
        self._selected_lines: dict[int, Strip] = {}
        self._pending_timer: Any = None
        self._base: Style | None = None
        self._placeholder_strip: Strip | None = None
        self._syncing = False
        self._at_end = True
        self._width = 0
        self.partner: StepLog | None = None  # scrolled together with this one
        self.selected: int | None = None
        self.palette = Palette()
        self.labels: dict[str, str] = {}  # detector id -> label
        self.good: frozenset[str] = frozenset()  # the labels the scenario counts as good
        self._highlight: re.Pattern[str] | None = None  # search matches, highlighted where drawn
        self._highlight_steps: set[int] = set()
        self._highlight_lines: dict[int, Strip] = {}

    # -- what subclasses provide ------------------------------------------------------
    # Each pane (reasoning, actions, compare rows) defines how one step's view is drawn.
    render_view: Callable[[Any], RenderableType]

    # -- lifecycle --------------------------------------------------------------------
    def on_mount(self) -> None:
        self.palette = palette_of(self.app)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None

    def _theme_changed(self, _theme: Any) -> None:
        self.palette = palette_of(self.app)
        self._invalidate()

    def on_resize(self, _event: events.Resize) -> None:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            self._invalidate()

    # -- the public API -----------------------------------------------------------------
    @property
    def steps(self) -> list[int]:
        return [v.step for v in self._views]

    def set_views(self, views: list[Any]) -> None:
        self._views = list(views)
        self._pos = {v.step: i for i, v in enumerate(self._views)}
        self._min_height = {}
        if self.selected is not None and self.selected not in self._pos:
            self.selected = None
        self._invalidate()
        if self.selected is not None and self._ready():
            self._scroll_to_step(self.selected, force=True)

    def upsert(self, view: Any) -> None:
        """Append a new step's block, or redraw an existing one (only that block is rendered)."""
        if not self._ready():
            self.set_views(self._views + [view] if view.step not in self._pos else
                           [view if v.step == view.step else v for v in self._views])
            return
        pos = self._pos.get(view.step)
        if pos is None:
            pos, offset = len(self._views), self._total_lines()
            self._views.append(view)
            self._pos[view.step] = pos
            self._raw.append(None)
            self._strips.append([])
            self._offsets.append(offset)
        else:
            self._views[pos] = view
        old = len(self._strips[pos])
        self._render_pos(pos)
        if len(self._strips[pos]) != old:
            self._relayout(pos + 1)
        self._update_size()
        self._align([view.step])
        self._follow()

    def remove(self, step: int) -> None:
        pos = self._pos.pop(step, None)
        if pos is None:
            return
        del self._views[pos], self._raw[pos], self._strips[pos], self._offsets[pos]
        self._min_height.pop(step, None)
        self._pos = {v.step: i for i, v in enumerate(self._views)}
        self._relayout(pos)
        self._update_size()

    def select(self, step: int | None, *, scroll: bool = True) -> None:
        self.selected = step if step in self._pos else None
        self._selected_lines.clear()
        self._highlight_lines.clear()
        self.refresh()
        if scroll:
            if self.selected is None:
                self._follow(force=True)
            else:
                self._scroll_to_step(self.selected)

    def step_at_line(self, line: int) -> int | None:
        if not self._views or line < 0 or not self._offsets:
            return None
        pos = bisect_right(self._offsets, line) - 1
        return self._views[max(0, min(pos, len(self._views) - 1))].step

    def natural_height(self, step: int) -> int:
        pos = self._pos.get(step)
        raw = self._raw[pos] if pos is not None and pos < len(self._raw) else None
        return len(raw) if raw is not None else 0

    def set_min_heights(self, heights: dict[int, int]) -> None:
        """Pad blocks to at least these many rows (to line up with a partner log)."""
        first = None
        for step, h in heights.items():
            if self._min_height.get(step) == h:
                continue
            self._min_height[step] = h
            pos = self._pos.get(step)
            if pos is None or pos >= len(self._strips):
                continue
            padded = self._padded(pos)
            if len(padded) != len(self._strips[pos]):
                self._strips[pos] = padded
                first = pos if first is None else min(first, pos)
        if first is not None:
            self._relayout(first + 1)
            self._update_size()
            self._follow()

    # -- rendering ------------------------------------------------------------------------
    def _ready(self) -> bool:
        return self.is_mounted and self._width > 0

    def _render_block(self, view: Any) -> list[Strip]:
        """The block's lines at full width: a blank marker column, then the content, on the base style."""
        width = max(self._width - 1, 10)  # one column for the selection marker
        console = self.app.console
        options = console.options.update_width(width).update(highlight=False)
        lines = console.render_lines(self.render_view(view), options, pad=True) or [[Segment(" " * width)]]
        base = self._base_style()
        return [Strip([Segment(" "), *line], width + 1).apply_style(base) for line in lines]

    def _base_style(self) -> Style:
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def _placeholder(self, pos: int) -> list[Strip]:
        if self._placeholder_strip is None:
            width = max(self._width - 1, 10)
            self._placeholder_strip = Strip([Segment(" "), Segment(" …".ljust(width), Style(dim=True))],
                                            width + 1).apply_style(self._base_style())
        return [self._placeholder_strip]

    def _padded(self, pos: int) -> list[Strip]:
        raw = self._raw[pos]
        lines = raw if raw is not None else self._placeholder(pos)
        extra = self._min_height.get(self._views[pos].step, 0) - len(lines)
        if extra <= 0:
            return lines
        return lines + [Strip.blank(max(self._width - 1, 10) + 1, self._base_style())] * extra

    def _render_pos(self, pos: int) -> None:
        self._raw[pos] = self._render_block(self._views[pos])
        self._strips[pos] = self._padded(pos)

    def _invalidate(self) -> None:
        """Every block needs rendering again (new views, width or theme): visible ones first."""
        if not self._ready():
            return
        self._base = self._placeholder_strip = None
        self._raw = [None] * len(self._views)
        self._strips = [self._placeholder(pos) for pos in range(len(self._views))]
        self._relayout(0)
        self._update_size()
        self._render_some(FIRST_PASS)

    def _order(self) -> list[int]:
        """Unrendered blocks, the ones on screen first, then from the newest back."""
        todo = [pos for pos, raw in enumerate(self._raw) if raw is None]
        if not todo:
            return []
        height = max(self.scrollable_content_region.height, 1)
        if self.selected is None:
            top = max(0, self._total_lines() - height)
        else:
            target = self._pos.get(self.selected) if self.selected is not None else None
            top = self._offsets[target] if target is not None else int(self.scroll_offset.y)
        first = max(0, bisect_right(self._offsets, top) - 1)
        last = max(first, bisect_right(self._offsets, top + height * 2) - 1)
        near = [p for p in todo if first <= p <= last]
        rest = [p for p in reversed(todo) if not first <= p <= last]
        return near + rest

    def _render_some(self, budget: float = SLICE) -> None:
        self._pending_timer = None
        order = self._order()
        if not order:
            return
        anchor = self._anchor()
        start, done = perf_counter(), []
        for pos in order:
            self._render_pos(pos)
            done.append(pos)
            if perf_counter() - start > budget:
                break
        self._relayout(min(done))
        self._update_size()
        self._align([self._views[p].step for p in done])
        self._restore(anchor)
        if len(done) < len(order):
            self._pending_timer = self.set_timer(0.001, self._render_some)

    def _anchor(self) -> tuple[int, int] | None:
        """The block at the top of the view and how far into it we are (None: following the end)."""
        if self.selected is None:
            return None
        y = int(self.scroll_offset.y)
        pos = max(0, bisect_right(self._offsets, y) - 1) if self._offsets else 0
        return (pos, y - self._offsets[pos]) if self._offsets else None

    def _restore(self, anchor: tuple[int, int] | None) -> None:
        if anchor is None:
            self._follow()
        elif anchor[0] < len(self._offsets):
            self.scroll_to(y=self._offsets[anchor[0]] + anchor[1], animate=False, immediate=True)

    def _follow(self, force: bool = False) -> None:
        """Keep the newest step in view — unless the user has scrolled up to read."""
        if self.selected is None and (self._at_end or force):
            self._at_end = True
            if self.size and self.container_size:  # laid out: scroll in this frame, not the next
                self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
            else:
                self.scroll_end(animate=False, immediate=False, x_axis=False)

    def _align(self, steps: list[int] | None = None) -> None:
        """Give each step the same number of rows here and in the partner log."""
        p = self.partner
        if p is None:
            return
        steps = steps if steps is not None else [v.step for v in self._views]
        heights = {st: max(self.natural_height(st), p.natural_height(st)) for st in steps}
        self.set_min_heights(heights)
        p.set_min_heights(heights)

    def _relayout(self, start: int) -> None:
        start = max(0, min(start, len(self._strips)))
        self._offsets = self._offsets[:start]
        total = self._offsets[-1] + len(self._strips[start - 1]) if start else 0
        for strips in self._strips[start:]:
            self._offsets.append(total)
            total += len(strips)

    def _total_lines(self) -> int:
        return self._offsets[-1] + len(self._strips[-1]) if self._strips and self._offsets else 0

    def _update_size(self) -> None:
        """New height: the scrollbar is updated in place (a screen-wide relayout costs a frame)."""
        self._selected_lines.clear()
        self._highlight_lines.clear()
        size = Size(self._width, self._total_lines())
        if size != self.virtual_size:
            if self.size and self.container_size:
                self.set_reactive(Widget.virtual_size, size)
                self._scroll_update(size)
            else:
                self.virtual_size = size
        self.refresh()

    def render_line(self, y: int) -> Strip:
        line = self.scroll_offset.y + y
        if not self._strips or line >= self._total_lines():
            return Strip.blank(self.scrollable_content_region.width, self.rich_style)
        pos = bisect_right(self._offsets, line) - 1
        if self._raw[pos] is None and self._pending_timer is None and self.selected is not None:
            self._pending_timer = self.set_timer(0.001, self._render_some)  # scrolled onto a placeholder
        strip = self._strips[pos][line - self._offsets[pos]]
        step = self._views[pos].step
        if step == self.selected:
            cached = self._selected_lines.get(line)
            if cached is None:
                marker = Strip([Segment("▌", self.get_component_rich_style("step-log--marker"))], 1)
                cached = Strip.join([marker, strip.crop(1)]).apply_style(
                    self.get_component_rich_style("step-log--selected"))
                self._selected_lines[line] = cached
            strip = cached
        if self._highlight is not None and step in self._highlight_steps and line != self._offsets[pos]:
            lit = self._highlight_lines.get(line)
            if lit is None:
                lit = self._highlight_lines[line] = highlight_strip(
                    strip, self._highlight, self.get_component_rich_style("step-log--match"))
            strip = lit
        return strip

    # -- search matches -------------------------------------------------------------------
    def set_highlight(self, pattern: re.Pattern[str] | None, steps: set[int] | None = None) -> None:
        """Highlight ``pattern`` wherever it is drawn in ``steps`` (None: no highlight), except in each
        block's first line: that is the step's header ("step 15"), not what the step holds."""
        self._highlight = pattern
        self._highlight_steps = set(steps or ()) if pattern is not None else set()
        self._highlight_lines.clear()
        self.refresh()

    def match_line(self, step: int, pattern: re.Pattern[str]) -> int | None:
        """The first line (of the whole log) where ``pattern`` is drawn in ``step``'s block."""
        pos = self._pos.get(step)
        if pos is None or not self._strips:
            return None
        if self._raw[pos] is None:
            self._render_pos(pos)
        for i, strip in enumerate(self._raw[pos] or []):
            if i and pattern.search(strip.text):  # line 0 is the step's header, not its content
                return self._offsets[pos] + i
        return None

    def reveal_line(self, line: int) -> None:
        """Scroll so ``line`` is in view (a third of the way down when it was not)."""
        view_top, view_h = int(self.scroll_offset.y), self.scrollable_content_region.height
        if not view_top <= line < view_top + view_h:
            self.scroll_to(y=max(0, line - view_h // 3), animate=False, immediate=True)

    def _scroll_to_step(self, step: int, force: bool = False) -> None:
        pos = self._pos.get(step)
        if pos is None or not self._strips:
            return
        top, height = self._offsets[pos], len(self._strips[pos])
        view_top, view_h = self.scroll_offset.y, self.scrollable_content_region.height
        if force or top < view_top or top + min(height, view_h) > view_top + view_h:
            self.scroll_to(y=top, animate=False, immediate=True)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._at_end = round(new_value) >= self.max_scroll_y - 1
        partner = self.partner
        if partner is not None and not self._syncing and round(partner.scroll_y) != round(new_value):
            partner._syncing = True
            try:
                partner.scroll_to(y=new_value, animate=False, immediate=True)
            finally:
                partner._syncing = False

    # -- keys and mouse -------------------------------------------------------------------
    def _choose(self, step: int | None, scroll: bool = True) -> None:
        self.select(step, scroll=scroll)
        self.post_message(self.StepSelected(self, step, scroll))

    def _visible_positions(self) -> tuple[int, int] | None:
        """The first and last block positions drawn in the view now."""
        if not self._offsets:
            return None
        top = int(self.scroll_offset.y)
        bottom = top + max(self.scrollable_content_region.height, 1) - 1
        first = max(0, bisect_right(self._offsets, top) - 1)
        last = max(first, bisect_right(self._offsets, bottom) - 1)
        return first, min(last, len(self._views) - 1)

    def _selected_in_view(self) -> bool:
        seen = self._visible_positions()
        pos = self._pos.get(self.selected) if self.selected is not None else None
        return seen is not None and pos is not None and seen[0] <= pos <= seen[1]

    def action_select_previous(self) -> None:
        if not self._views:
            return
        if self.selected is not None and not self._selected_in_view():
            seen = self._visible_positions()  # scrolled away (page keys, the wheel): go on from what is shown
            if seen is not None:
                self._choose(self._views[seen[1]].step)
                return
        pos = len(self._views) if self.selected is None else self._pos[self.selected]
        self._choose(self._views[max(0, pos - 1)].step)

    def action_select_next(self) -> None:
        if self.selected is None:
            return
        if not self._selected_in_view():
            seen = self._visible_positions()
            if seen is not None:
                self._choose(self._views[seen[0]].step)
                return
        pos = self._pos[self.selected] + 1
        self._choose(self._views[pos].step if pos < len(self._views) else None)

    def action_page_down(self) -> None:
        self._page(+1)

    def action_page_up(self) -> None:
        self._page(-1)

    def _page(self, direction: int) -> None:
        """Scroll a page, and select the step now at the top of the view without scrolling back
        to it (the next arrow key goes on from here)."""
        height = max(self.scrollable_content_region.height, 1)
        y = max(0, min(int(self.scroll_offset.y) + direction * height, int(self.max_scroll_y)))
        self.scroll_to(y=y, animate=False, immediate=True)
        if not self._views:
            return
        at_end = direction > 0 and y >= self.max_scroll_y
        if at_end and self.selected is None:
            return  # following the latest step already
        step = self._views[-1].step if at_end else self.step_at_line(y)
        if step is not None:
            self._choose(step, scroll=False)

    def action_select_first(self) -> None:
        self._choose(self._views[0].step if self._views else None)

    def action_follow(self) -> None:
        self._choose(None)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        step = self.step_at_line(self.scroll_offset.y + offset.y)
        if step is not None:
            self._choose(step, scroll=False)


def highlight_strip(strip: Strip, pattern: re.Pattern[str], style: Style) -> Strip:
    """``strip`` with every match of ``pattern`` in its text restyled (line by line: a match that
    wraps onto the next line is not lit)."""
    text = strip.text
    spans = [(m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start()]
    if not spans:
        return strip
    out: list[Segment] = []
    at = 0  # character offset of the segment in the line
    for seg in strip:
        seg_text, seg_style = seg.text, seg.style
        start, end = at, at + len(seg_text)
        at = end
        cuts = sorted({max(start, min(end, x)) for s0, e0 in spans for x in (s0, e0) if start < x < end})
        bounds = [start, *cuts, end]
        for a, b in zip(bounds, bounds[1:]):
            piece = seg_text[a - start:b - start]
            lit = any(s0 <= a and b <= e0 for s0, e0 in spans)
            out.append(Segment(piece, (seg_style + style) if (lit and seg_style) else (style if lit else seg_style)))
    return Strip(out, strip.cell_length)
