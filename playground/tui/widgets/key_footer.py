"""The footer, fitted to the terminal's width: each action's ``tier`` in ``actions.py`` says from
which width it may be listed, and the keys are then kept by importance until the line is full —
help and quit always, then tier 1 before tier 2, in the table's order — so no key is ever cut in
half and quit never falls off (all keys stay active, and all are in the palette and help)."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from ..actions import tier_of, visible_at

ALWAYS = ("help", "quit_key")  # listed at every width
PALETTE_WIDTH = 13  # "│^p palette " docked on the right


def key_width(key: FooterKey) -> int:
    """Cells a compact footer key takes: key, a space, the description, a margin."""
    return len(key.key_display) + 1 + len(key.description) + 1


def fit(keys: list[FooterKey], screen_name: str, width: int) -> list[FooterKey]:
    """The keys to list at ``width``, in their own order."""
    eligible = [k for k in keys if visible_at(tier_of(screen_name, k.action), width)]
    order = {id(k): i for i, k in enumerate(eligible)}

    def rank(k: FooterKey) -> tuple[int, int, int]:
        tier = tier_of(screen_name, k.action) or 1
        return (0 if k.action in ALWAYS else 1, tier, order[id(k)])

    room, chosen = width, set()
    for k in sorted(eligible, key=rank):
        w = key_width(k)
        if w <= room:
            chosen.add(id(k))
            room -= w
    return [k for k in eligible if id(k) in chosen]


class KeyFooter(Footer):
    def __init__(self, screen_name: str, **kwargs) -> None:
        super().__init__(compact=True, **kwargs)
        self.screen_name = screen_name
        self._width = -1

    def compose(self):
        width = self.app.size.width
        widgets = list(super().compose())
        keys = [w for w in widgets if isinstance(w, FooterKey) and "-command-palette" not in w.classes]
        palette = [w for w in widgets if w not in keys]
        shown = fit(keys, self.screen_name, width - (PALETTE_WIDTH if palette else 0))
        self.styles.grid_size_columns = max(1, len(shown))
        yield from shown
        yield from palette

    def bindings_changed(self, screen) -> None:
        """Same keys as before: only flip which are enabled (no recompose, no relayout)."""
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        active = {b.action: enabled for (_, b, enabled, _t) in screen.active_bindings.values() if b.show}
        keys = [k for k in self.query(FooterKey) if "-command-palette" not in k.classes]
        if keys and all(k.action in active for k in keys) and self._fits_same(active):
            for k in keys:
                k.disabled = not active[k.action]
            return
        self.call_after_refresh(self.recompose)

    def _fits_same(self, active: dict[str, bool]) -> bool:
        """Whether the set of listable actions is what was listed last time (else recompose)."""
        wanted = frozenset(active)
        same = wanted == getattr(self, "_actions", None)
        self._actions = wanted
        return same

    def on_resize(self, _event: events.Resize) -> None:
        width = self.app.size.width
        if width != self._width:
            if self._width != -1:
                self.call_after_refresh(self.recompose)
            self._width = width
