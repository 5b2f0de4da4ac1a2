"""Edit a pending call's arguments as YAML (or JSON), validated as you type.

Syntax errors block (they name line and column); arguments the tool does not
declare only warn, because sending a tool odd arguments on purpose is a fair
experiment — the world answers with a tool error as real harnesses do.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from textual import on
from textual.binding import Binding
from textual.containers import HorizontalGroup, VerticalGroup
from textual.widgets import Button, Static, TextArea

from ..palette import code_theme
from ..safe import plain
from ...scenario.loader import SafeLoader
from ...episode.steps import parse_args
from .base import Dialog


def to_yaml(raw: str) -> str:
    args = parse_args(raw)
    if isinstance(args, dict):
        if not args:
            return "{}\n"
        return yaml.dump(args, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                         width=1000)
    return str(args)


def parse_edited(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """``(arguments, None)`` or ``(None, "line:col: message")``."""
    try:
        data = yaml.load(text, Loader=SafeLoader) if text.strip() else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}: " if mark else ""
        return None, where + " ".join(x for x in (exc.context, exc.problem) if x)
    except yaml.YAMLError as exc:
        return None, str(exc)
    if not isinstance(data, dict):
        return None, "1:1: the arguments must be a mapping (key: value lines, or a JSON object)"
    return data, None


def schema_hint(schema: dict[str, Any] | None) -> tuple[str, set[str]]:
    if not schema:
        return "", set()
    params = schema.get("function", {}).get("parameters", {})
    props, required = params.get("properties", {}) or {}, set(params.get("required", []) or [])
    if not props:
        return "this tool takes no arguments", set()
    parts = [f"{k} ({v.get('type', 'any')}{', required' if k in required else ''})" for k, v in props.items()]
    return "parameters: " + ", ".join(parts), set(props)


class CallEditor(Dialog[str | None]):
    DEFAULT_CSS = """
    CallEditor > #box { width: 90; height: 80%; }
    CallEditor TextArea { height: 1fr; min-height: 6; }
    CallEditor #warning { color: $warning; height: auto; }
    """
    BINDINGS = [Binding("ctrl+s", "submit", "run edited call", priority=True)]

    def __init__(self, name: str, arguments: str, schema: dict[str, Any] | None = None):
        super().__init__()
        self.call_name, self.arguments = name, arguments
        self.hint, self.known = schema_hint(schema)

    def compose(self):
        with VerticalGroup(id="box"):
            yield Static(plain(f"Edit the arguments of {self.call_name}"), classes="title")
            yield Static(plain((self.hint + "\n" if self.hint else "") +
                               "YAML or JSON. ctrl+s runs the call with these arguments; esc cancels."), classes="help")
            yield TextArea.code_editor(to_yaml(self.arguments), language="yaml", id="args", soft_wrap=True)
            yield Static("", classes="problem", id="problem")
            yield Static("", id="warning")
            with HorizontalGroup(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Run edited call", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one(TextArea).theme = code_theme(self.app)
        self.query_one(TextArea).focus()
        self._validate()

    @on(TextArea.Changed)
    def _changed(self) -> None:
        self._validate()

    def _validate(self) -> dict[str, Any] | None:
        data, problem = parse_edited(self.query_one(TextArea).text)
        self.query_one("#problem", Static).update(plain(f"✗ {problem}" if problem else ""))
        warning = ""
        if data is not None and self.known:
            unknown = [k for k in data if k not in self.known]
            if unknown:
                warning = f"⚠ not a parameter of {self.call_name}: {', '.join(unknown)} (the tool will answer with an error)"
        self.query_one("#warning", Static).update(plain(warning))
        self.query_one("#ok", Button).disabled = data is None
        return data

    @on(Button.Pressed, "#ok")
    def action_submit(self) -> None:
        data = self._validate()
        if data is not None:
            self.dismiss(json.dumps(data, ensure_ascii=False))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
