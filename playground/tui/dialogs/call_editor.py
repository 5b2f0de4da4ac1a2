"""Edit a pending call's arguments as YAML (or JSON), validated as you type.

Syntax errors block (they name line and column). The arguments are checked against the tool's
JSON schema before anything runs: a wrong type or a missing required field is named in the dialog
and "Run edited call" waits until it is fixed — "Run anyway" sends them as they are, because
sending a tool odd arguments on purpose is a fair experiment (the world answers with a tool error,
as real harnesses do). Arguments the tool does not declare only warn.
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
    CallEditor #anyway { display: none; }
    CallEditor #anyway.-shown { display: block; }
    """
    BINDINGS = [Binding("ctrl+s", "submit", "run edited call", priority=True)]

    def __init__(self, name: str, arguments: str, schema: dict[str, Any] | None = None):
        super().__init__()
        self.call_name, self.arguments, self.schema = name, arguments, schema
        self.hint, self.known = schema_hint(schema)
        self.schema_problems: list[str] = []

    def compose(self):
        original = parse_args(self.arguments)
        was = "was: (no arguments) — the model sent none" if original in ({}, "") else ""
        with VerticalGroup(id="box"):
            yield Static(plain(f"Edit the arguments of {self.call_name}"), classes="title")
            yield Static(plain("\n".join(x for x in (self.hint, was, "YAML or JSON. ctrl+s runs the call with these "
                                                      "arguments; esc cancels.") if x)), classes="help")
            text = "" if original in ({}, "") else to_yaml(self.arguments)
            # tab moves focus, so esc is free to cancel (as the help says) instead of leaving the text
            yield TextArea.code_editor(text, language="yaml", id="args", soft_wrap=True, tab_behavior="focus")
            yield Static("", classes="problem", id="problem")
            yield Static("", id="warning")
            with HorizontalGroup(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Run anyway", id="anyway", variant="warning")
                yield Button("Run edited call", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one(TextArea).theme = code_theme(self.app)
        self.query_one(TextArea).focus()
        self._validate()

    @on(TextArea.Changed)
    def _changed(self) -> None:
        self._validate()

    def _validate(self) -> dict[str, Any] | None:
        """The arguments, when they parse; the schema's problems are kept in ``schema_problems``."""
        from ..arg_check import check

        data, problem = parse_edited(self.query_one(TextArea).text)
        self.schema_problems = check(self.schema, data) if data is not None else []
        if problem:
            shown = f"✗ {problem}"
        elif self.schema_problems:
            shown = (f"✗ not what {self.call_name} takes — " + "; ".join(self.schema_problems[:4])
                     + (f" (+{len(self.schema_problems) - 4} more)" if len(self.schema_problems) > 4 else ""))
        else:
            shown = ""
        self.query_one("#problem", Static).update(plain(shown))
        warning = ""
        if data is not None and self.known:
            unknown = [k for k in data if k not in self.known]
            if unknown:
                warning = f"⚠ not a parameter of {self.call_name}: {', '.join(unknown)} (the tool will answer with an error)"
        self.query_one("#warning", Static).update(plain(warning))
        self.query_one("#ok", Button).disabled = data is None or bool(self.schema_problems)
        self.query_one("#anyway", Button).set_class(data is not None and bool(self.schema_problems), "-shown")
        return data

    @on(Button.Pressed, "#ok")
    def action_submit(self) -> None:
        data = self._validate()
        if data is not None and not self.schema_problems:
            self.dismiss(json.dumps(data, ensure_ascii=False))

    @on(Button.Pressed, "#anyway")
    def _anyway(self) -> None:
        data = self._validate()
        if data is not None:
            self.dismiss(json.dumps(data, ensure_ascii=False))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
