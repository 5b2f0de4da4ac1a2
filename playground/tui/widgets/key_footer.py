"""The footer, trimmed to the terminal's width: each action's ``tier`` in
``actions.py`` says from which width it is listed (all keys stay active, and all
are in the command palette and the help screen)."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from ..actions import TIER_WIDTHS, tier_of, visible_at


class KeyFooter(Footer):
    def __init__(self, screen_name: str, **kwargs) -> None:
        super().__init__(compact=True, **kwargs)
        self.screen_name = screen_name
        self._band = -1

    def _band_of(self, width: int) -> int:
        return sum(1 for w in TIER_WIDTHS.values() if width >= w)

    def compose(self):
        width = self.app.size.width
        keys = []
        for widget in super().compose():
            if isinstance(widget, FooterKey) and "-command-palette" not in widget.classes:
                if not visible_at(tier_of(self.screen_name, widget.action), width):
                    continue
            keys.append(widget)
        self.styles.grid_size_columns = max(1, sum(1 for w in keys if "-command-palette" not in w.classes))
        yield from keys

    def bindings_changed(self, screen) -> None:
        """Same keys as before: only flip which are enabled (no recompose, no relayout)."""
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        active = {b.action: enabled for (_, b, enabled, _t) in screen.active_bindings.values() if b.show}
        keys = [k for k in self.query(FooterKey) if "-command-palette" not in k.classes]
        width = self.app.size.width
        wanted = {a for a in active if visible_at(tier_of(self.screen_name, a), width)}
        if keys and {k.action for k in keys} == wanted:
            for k in keys:
                k.disabled = not active[k.action]
            return
        self.call_after_refresh(self.recompose)

    def on_resize(self, _event: events.Resize) -> None:
        band = self._band_of(self.app.size.width)
        if band != self._band:
            if self._band != -1:
                self.call_after_refresh(self.recompose)
            self._band = band
