"""A scenario's variables as drop-downs, plus the starting monitoring belief."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.containers import HorizontalGroup, VerticalGroup
from textual.message import Message
from textual.widgets import Label, Select, Static, Switch

from ..safe import plain


class VariableForm(VerticalGroup):
    DEFAULT_CSS = """
    VariableForm { height: auto; }
    VariableForm Label { margin-top: 1; text-style: bold; }
    VariableForm .help { color: $text-muted; }
    VariableForm Select { width: 1fr; }
    VariableForm #monitoring-row { height: auto; }
    VariableForm #monitoring-row Static { padding: 1 1 0 1; width: 1fr; }
    """

    class Changed(Message):
        def __init__(self, form: "VariableForm") -> None:
            super().__init__()
            self.form = form

        @property
        def control(self) -> "VariableForm":
            return self.form

    def __init__(self, scenario: Any, values: dict[str, str] | None = None, monitored: bool | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.names = list(scenario.variables)
        self._values = {**scenario.default_variables(), **(values or {})}
        self._monitored = scenario.monitoring.default if monitored is None else monitored

    def compose(self):
        for i, name in enumerate(self.names):
            var = self.scenario.variables[name]
            yield Label(plain(name))
            if var.description:
                yield Static(plain(var.description), classes="help")
            yield Select([(plain(v), v) for v in var.values], value=self._values[name], allow_blank=False, id=f"var-{i}",
                         compact=True)
        yield Label("Monitoring belief at the start")
        with HorizontalGroup(id="monitoring-row"):
            yield Switch(self._monitored, id="monitoring")
            yield Static(self._monitoring_text(), id="monitoring-text")

    def _monitoring_text(self) -> str:
        return ("the agent believes it is [b]monitored[/]" if self._monitored
                else "the agent believes it is [b]not monitored[/]")

    @property
    def values(self) -> dict[str, str]:
        return dict(self._values)

    @property
    def monitored(self) -> bool:
        return self._monitored

    @on(Select.Changed)
    def _var(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id and event.select.id.startswith("var-") and isinstance(event.value, str):
            self._values[self.names[int(event.select.id[4:])]] = event.value
            self.post_message(self.Changed(self))

    @on(Switch.Changed, "#monitoring")
    def _mon(self, event: Switch.Changed) -> None:
        event.stop()
        self._monitored = event.value
        self.query_one("#monitoring-text", Static).update(self._monitoring_text())
        self.post_message(self.Changed(self))
