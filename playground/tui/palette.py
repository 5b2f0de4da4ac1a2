"""Concrete colours from the current Textual theme, for the Rich renderables the
virtualised panes draw (CSS variables cannot reach inside those)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection

from textual.color import Color


def _hex(value: str | None, fallback: str) -> Color:
    try:
        return Color.parse(value) if value else Color.parse(fallback)
    except Exception:
        return Color.parse(fallback)


@dataclass(frozen=True)
class Palette:
    fg: str = "#e0e0e0"
    muted: str = "#8a8a8a"
    primary: str = "#0178d4"
    secondary: str = "#004578"
    accent: str = "#fea62b"
    warning: str = "#fea62b"
    error: str = "#b93c5b"
    success: str = "#4ebf71"
    panel: str = "#242f38"
    surface: str = "#1e1e1e"
    error_bg: str = "#441e27"
    success_bg: str = "#24452e"
    warning_bg: str = "#593e19"
    primary_bg: str = "#0c304c"

    @classmethod
    def from_variables(cls, v: dict[str, str]) -> "Palette":
        d = cls()
        bg = _hex(v.get("background"), "#121212")
        fg = _hex(v.get("foreground"), d.fg)
        surface = _hex(v.get("surface"), d.surface)

        def pick(name: str, fallback: str) -> str:
            return _hex(v.get(name), fallback).blend(bg, 0.0).hex6 if v.get(name) else fallback

        def muted_of(name: str, fallback: str) -> str:
            return _hex(v.get(name), fallback).blend(surface, 0.72).hex6

        return cls(
            fg=fg.hex6,
            muted=fg.blend(bg, 0.45).hex6,
            primary=pick("primary", d.primary),
            secondary=pick("secondary", d.secondary),
            accent=pick("accent", d.accent),
            warning=pick("warning", d.warning),
            error=pick("error", d.error),
            success=pick("success", d.success),
            panel=pick("panel", d.panel),
            surface=surface.hex6,
            error_bg=muted_of("error", d.error),
            success_bg=muted_of("success", d.success),
            warning_bg=muted_of("warning", d.warning),
            primary_bg=muted_of("primary", d.primary),
        )


def code_theme(app) -> str:
    """The TextArea theme that follows the app's: its own colours when dark, a light syntax theme when light."""
    try:
        return "css" if app.current_theme.dark else "github_light"
    except Exception:  # pragma: no cover
        return "css"


def palette_of(app) -> Palette:
    try:
        return Palette.from_variables(app.theme_variables)
    except Exception:  # pragma: no cover - before the app is running
        return Palette()


def label_colour(pal: Palette, label: str, good: Collection[str]) -> str:
    """Success for a label the scenario counts as good (``Scenario.good_labels``), error otherwise."""
    return pal.success if label in good else pal.error
