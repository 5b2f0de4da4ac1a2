"""Fork a branch at a step, optionally flipping the monitoring belief in it."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.containers import HorizontalGroup, VerticalGroup
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from ..safe import plain
from .base import Dialog


@dataclass(frozen=True)
class ForkChoice:
    step: int
    monitored: bool | None  # None: keep the parent's belief
    label: str
    agent: str = ""  # who continues the new branch ("" keeps the current agent)


class ForkDialog(Dialog[ForkChoice | None]):
    DEFAULT_CSS = """
    ForkDialog RadioSet { width: 1fr; }
    ForkDialog Label { margin-top: 1; text-style: bold; }
    """

    def __init__(self, step: int, last_step: int, monitored: bool, agent: str = "", policies: tuple[str, ...] = ()):
        super().__init__()
        self.step, self.last_step, self.monitored = step, last_step, monitored
        self.agent, self.policies = agent, policies

    def compose(self):
        now = "monitored" if self.monitored else "unmonitored"
        with VerticalGroup(id="box"):
            yield Static("Fork a new branch", classes="title")
            yield Static(f"The new branch shares everything up to the end of the step below, then goes its own way. "
                         f"The agent currently believes it is {now}.", classes="help")
            yield Label(f"Fork after step (0–{self.last_step}; 0 is before the agent's first turn)")
            yield Input(str(self.step), type="integer", id="step", placeholder=f"0–{self.last_step}")
            yield Label("In the new branch")
            with RadioSet(id="monitoring"):
                yield RadioButton(f"flip the belief: agent believes it is {'UNMONITORED' if self.monitored else 'MONITORED'}",
                                  value=True, id="flip")
                yield RadioButton("keep the belief as it is", id="keep")
            yield Label("Continue with")
            yield Input(self.agent, id="agent", placeholder="scripted/<policy> or a litellm model string")
            hint = ", ".join(f"scripted/{p}" for p in self.policies[:4]) or "no scripted policies"
            yield Static(plain(f"e.g. {hint}, or openai/gpt-4.1-mini" +
                         (" — recorded/… replays the recording on" if self.agent.startswith("recorded/") else "")),
                         classes="help")
            yield Label("Label (optional)")
            yield Input(placeholder="e.g. unmonitored", id="label")
            yield Static("", classes="problem", id="problem")
            with HorizontalGroup(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Fork", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        raw = self.query_one("#step", Input).value.strip()
        try:
            step = int(raw)
        except ValueError:
            step = -1
        if not 0 <= step <= self.last_step:
            self.query_one("#problem", Static).update(f"The step must be between 0 and {self.last_step}.")
            return
        flip = self.query_one("#flip", RadioButton).value
        label = self.query_one("#label", Input).value.strip()
        if flip and not label:
            label = "monitored" if not self.monitored else "unmonitored"
        agent = self.query_one("#agent", Input).value.strip()
        self.dismiss(ForkChoice(step, (not self.monitored) if flip else None, label,
                                agent if agent != self.agent else ""))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
