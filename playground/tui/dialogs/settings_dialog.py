"""Settings: default model, model aliases, autosave and theme, written to the settings file.

All validation and writing is ``playground.settings`` (the same code as
``playground config set``); this dialog only shows a form and dispatches. It edits the
settings the app read at start (as their file holds them) and hands back what it saved.
API keys are never asked for here: they come from the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on
from textual.containers import HorizontalGroup, VerticalScroll
from textual.widgets import Button, DataTable, Input, Label, Select, Static, Switch

from ..safe import plain
from .base import Dialog


class SettingsDialog(Dialog[Any]):
    DEFAULT_CSS = """
    SettingsDialog > #box { width: 96; }
    SettingsDialog Label { text-style: bold; }
    SettingsDialog DataTable { height: auto; max-height: 8; }
    SettingsDialog .row { height: auto; }
    SettingsDialog .row > Input { width: 1fr; }
    SettingsDialog #autosave-row > Static { padding: 1 1 0 1; width: auto; }
    SettingsDialog #autosave-row > Select { width: 1fr; }
    """

    def __init__(self, settings: Any, path: Path) -> None:
        """``settings``: as the file holds them (``TuiConfig.settings_to_edit``); ``path``: that file."""
        super().__init__()
        self.path = path
        self.settings = settings

    def compose(self):
        s = self.settings
        with VerticalScroll(id="box"):
            yield Static("Settings", classes="title")
            yield Static(plain(f"Saved to {self.path}. API keys are never stored: export them in your shell."), classes="help")
            yield Label("Default model (an alias below or a litellm model string)")
            yield Input(s.default_model, id="default_model", placeholder="e.g. fast, or openai/gpt-4.1-mini")
            yield Label("Model aliases")
            yield DataTable(id="aliases", cursor_type="row")
            with HorizontalGroup(classes="row"):
                yield Input(id="alias", placeholder="alias")
                yield Input(id="model", placeholder="litellm model string")
                yield Input(id="api_base", placeholder="api_base (optional)")
                yield Button("Add/update", id="add")
                yield Button("Remove", id="remove")
            with HorizontalGroup(classes="row", id="autosave-row"):
                yield Switch(s.autosave, id="autosave")
                yield Static("autosave after every event    theme")
                themes = sorted(self.app.available_themes)
                yield Select([(t, t) for t in themes], value=s.theme if s.theme in themes else Select.NULL,
                             id="theme", allow_blank=False)
            yield Static("", classes="problem", id="problem")
            with HorizontalGroup(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="ok", variant="primary")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("alias", "model", "api_base")
        self._fill()
        self.query_one("#default_model", Input).focus()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for name, alias in sorted(self.settings.models.items()):
            table.add_row(plain(name), plain(alias.model), plain(alias.api_base or ""), key=name)

    def _set(self, key: str, value) -> bool:
        from ...settings import SettingsError, set_value

        try:
            self.settings = set_value(self.settings, key, value)
        except SettingsError as exc:
            self.query_one("#problem", Static).update(plain(str(exc)))
            return False
        self.query_one("#problem", Static).update("")
        return True

    @on(DataTable.RowSelected)
    def _pick(self, event: DataTable.RowSelected) -> None:
        name = str(event.row_key.value)
        alias = self.settings.models[name]
        self.query_one("#alias", Input).value = name
        self.query_one("#model", Input).value = alias.model
        self.query_one("#api_base", Input).value = alias.api_base or ""

    @on(Button.Pressed, "#add")
    def _add(self) -> None:
        name = self.query_one("#alias", Input).value.strip()
        model = self.query_one("#model", Input).value.strip()
        if not name or not model:
            self.query_one("#problem", Static).update("An alias needs a name and a model string.")
            return
        base = self.query_one("#api_base", Input).value.strip()
        if self._set(f"models.{name}.model", model) and self._set(f"models.{name}.api_base", base):
            self._fill()

    @on(Button.Pressed, "#remove")
    def _remove(self) -> None:
        name = self.query_one("#alias", Input).value.strip()
        if name in self.settings.models and self._set(f"models.{name}", ""):
            self._fill()

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        from ...settings import SettingsError, save_settings

        theme = self.query_one("#theme", Select).value
        if not (self._set("default_model", self.query_one("#default_model", Input).value.strip())
                and self._set("autosave", self.query_one("#autosave", Switch).value)
                and (theme is Select.NULL or self._set("theme", theme))):
            return
        try:
            save_settings(self.settings, self.path)
        except (SettingsError, OSError) as exc:
            self.query_one("#problem", Static).update(plain(f"Not saved: {exc}"))
            return
        self.dismiss(self.settings)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
