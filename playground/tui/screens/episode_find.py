"""The episode screen's ways to find things: search (``/``, ``n``, ``N``), go to step N (``:``)
and the next and previous flagged step (``]``, ``[``).

A mixin for ``EpisodeScreen``. What matches and which step is next come from the Textual-free
``episode.find`` over the screen's step fold; this only shows the answer and moves the selection.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from ...episode.find import Finder, flagged_steps, neighbour, parse_step, why_flagged
from ..safe import esc


class EpisodeFind:
    # provided by EpisodeScreen
    finder: Finder | None
    find_mode: str
    steps_fold: Any
    selected: int | None
    session: Any
    status: Any
    panes: Any
    query_one: Any
    select_step: Any

    # -- the find bar ----------------------------------------------------------------------------
    @property
    def find_bar(self) -> Input:
        return self.query_one("#find", Input)

    _bar_opening = False  # the bar is shown but focus has not reached it yet (keys typed now are its)
    _bar_typed = False

    def _open_bar(self, mode: str, placeholder: str, value: str = "") -> None:
        self.find_mode = mode
        bar = self.find_bar
        bar.placeholder = placeholder
        bar.value = value
        bar.add_class("-shown")
        self._bar_opening, self._bar_typed = True, False
        bar.focus()

    def on_descendant_focus(self, event: Any) -> None:
        if self._bar_opening and event.widget is self.find_bar:
            self._bar_opening = False
            bar = self.find_bar
            if self._bar_typed:
                bar.cursor_position = len(bar.value)
            else:
                bar.select_all()  # the last query, ready to be replaced by typing

    def bar_typeahead(self, event: Any) -> bool:
        """Keys typed right after / or : arrive before the bar has focus (a terminal sends them in
        one burst): they belong to the bar, not to the episode's keys."""
        if not self._bar_opening:
            return False
        bar = self.find_bar
        if event.key == "enter":
            self._bar_opening = False
            self._submit_bar(bar.value)
        elif event.key == "escape":
            self._bar_opening = False
            self.close_bar()
        elif event.key == "backspace":
            bar.value = bar.value[:-1]
        elif event.is_printable and event.character:
            bar.value = (bar.value if self._bar_typed else "") + event.character
            self._bar_typed = True
        else:
            return False
        event.stop()
        event.prevent_default()
        return True

    def close_bar(self) -> bool:
        """Hide the find bar (esc); True when it was open."""
        bar = self.find_bar
        if not bar.has_class("-shown"):
            return False
        bar.remove_class("-shown")
        self.panes[0].focus()
        return True

    def action_search(self) -> None:
        self._open_bar("search", "find in reasoning, text, arguments and results — enter searches, esc closes",
                       self.finder.query if self.finder is not None else "")

    def action_goto_step(self) -> None:
        last = len(self.steps_fold.steps) - 1
        self._open_bar("goto", f"go to step (0–{last}, -1 or end for the last) — enter goes, esc closes")

    def on_input_changed(self, event: Input.Changed) -> None:  # a mixin: handlers by name, not @on
        bar = self.find_bar
        if event.input is not bar or self.find_mode != "search" or not bar.has_class("-shown") or \
                event.value != bar.value:
            return  # a change that arrives after the bar closed, or one already typed over
        query = event.value.strip()
        if not query:
            self.status.flash(None)
            return
        n = len(Finder(query).steps(self.steps_fold.steps))
        self.status.flash(f"“{query}”: {n} step(s) match — enter goes to the next one" if n
                          else f"“{query}”: no step matches")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "find":
            return
        event.stop()
        self._submit_bar(event.value)

    def _submit_bar(self, raw: str) -> None:
        value = raw.strip()
        if self.find_mode == "goto":
            step, why = parse_step(value, len(self.steps_fold.steps) - 1)
            if step is None:
                self.status.flash(why)
                return
            self.close_bar()
            self.select_step(step)
            self.status.flash(f"Step {step}.")
            return
        self.close_bar()
        self.start_search(value)

    # -- search ------------------------------------------------------------------------------------
    def start_search(self, query: str) -> None:
        if not query.strip():
            self.clear_search()
            return
        self.finder = Finder(query)
        self.update_highlight()
        self._go_to_match(forward=True, first=True)

    def clear_search(self) -> None:
        self.finder = None
        for pane in self.panes:
            pane.set_highlight(None)
        self.status.flash("Search cleared.")

    def update_highlight(self, steps: list[int] | None = None) -> None:
        """Light the matches in both panes (``steps``: only these changed)."""
        finder = self.finder
        if finder is None:
            return
        if steps is None:
            self._lit = set(finder.steps(self.steps_fold.steps))
        else:
            for step in steps:
                view = self.steps_fold.view(step)
                (self._lit.add if finder.matches_in(view) else self._lit.discard)(step)
        for pane in self.panes:
            pane.set_highlight(finder.pattern, self._lit)

    _lit: set[int] = set()

    def action_next_match(self) -> None:
        self._go_to_match(forward=True)

    def action_previous_match(self) -> None:
        self._go_to_match(forward=False)

    def _go_to_match(self, forward: bool, first: bool = False) -> None:
        finder = self.finder
        if finder is None or finder.pattern is None:
            self.status.flash("No search yet: / searches reasoning, text, arguments and results.")
            return
        steps = finder.steps(self.steps_fold.steps)
        if not steps:
            self.status.flash(f"“{finder.query}”: no step matches.")
            return
        current = self.selected
        if first and current is not None:
            current -= 1  # a new search may match the selected step itself
        step = neighbour(steps, current, forward)
        assert step is not None
        wrapped = current is not None and ((forward and step <= current) or (not forward and step >= current))
        self.select_step(step)
        shown = self._reveal_match(step)
        matches = finder.matches_in(self.steps_fold.view(step))
        wheres = ", ".join(dict.fromkeys(m.where for m in matches))
        position = f"{steps.index(step) + 1} of {len(steps)} steps"
        tail = "" if shown else " — clipped here: enter shows the step in full"
        self.status.flash(f"“{esc(finder.query)}”: step {step} ({position}{', wrapped' if wrapped else ''}) · "
                          f"in {esc(wheres)}{tail} · [b]n[/]/[b]N[/] next/previous", markup=True, seconds=10)

    def _reveal_match(self, step: int) -> bool:
        """Scroll the pane that draws the match to its line; False when neither pane draws it."""
        finder = self.finder
        assert finder is not None and finder.pattern is not None
        for pane in self.panes:
            line = pane.match_line(step, finder.pattern)
            if line is not None:
                pane.reveal_line(line)
                return True
        return False

    # -- flagged steps -----------------------------------------------------------------------------
    def action_next_flagged(self) -> None:
        self._go_to_flag(True)

    def action_previous_flagged(self) -> None:
        self._go_to_flag(False)

    def _go_to_flag(self, forward: bool) -> None:
        steps = flagged_steps(self.steps_fold.steps)
        if not steps:
            self.status.flash("No flagged step yet: flags mark a detector that tripped, an edit, a rejection, "
                              "a belief change, a divergence.")
            return
        step = neighbour(steps, self.selected, forward)
        assert step is not None
        self.select_step(step)
        labels = {d.id: d.label for d in self.session.episode.scenario.detectors}
        why = why_flagged(self.steps_fold.view(step), labels)
        self.status.flash(f"Step {step} flagged: {why} ({steps.index(step) + 1} of {len(steps)}) · ] / [ "
                          "next / previous")
