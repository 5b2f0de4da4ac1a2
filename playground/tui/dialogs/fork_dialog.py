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
    """Compact: one line per choice, so the label field and the buttons are in view at 100x30 (and 80x24)."""

    DEFAULT_CSS = """
    ForkDialog > #box { width: 84; }
    ForkDialog #box > .title { padding-bottom: 0; }
    ForkDialog #box > .help { padding-bottom: 0; }
    ForkDialog .row { height: auto; margin-top: 1; }
    ForkDialog .row > Label { width: 17; text-style: bold; padding-right: 1; }
    ForkDialog .row > Input { width: 1fr; background: $boost; }
    ForkDialog .row > Input:focus { background: $primary-muted; }
    ForkDialog #step { width: 10; }
    ForkDialog .row > .after { width: 1fr; color: $text-muted; padding-left: 1; }
    ForkDialog RadioSet { width: 1fr; height: auto; border: none; padding: 0; layout: horizontal; background: $surface; }
    ForkDialog RadioSet > RadioButton { width: auto; margin-right: 2; }
    ForkDialog #agent-hint { color: $text-muted; padding-left: 17; height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    ForkDialog #box > .buttons { padding-top: 0; margin-top: 1; }
    """

    def __init__(self, step: int, last_step: int, monitored: bool, agent: str = "", policies: tuple[str, ...] = (),
                 condition: str | None = None):
        super().__init__()
        self.step, self.last_step, self.monitored = step, last_step, monitored
        self.told_nothing = condition == "no monitoring statement"  # a recorded run told nothing either way
        self.agent, self.policies = agent, policies
        # The recording's answers end where the recording does: a fork of a recorded run goes on
        # with a live agent unless the user asks for the recording again.
        recorded = agent.startswith("recorded/")
        self.suggested = (f"scripted/{policies[0]}" if policies else "") if recorded else agent

    def compose(self):
        now = "monitored" if self.monitored else "UNMONITORED"
        other = "UNMONITORED" if self.monitored else "monitored"
        with VerticalGroup(id="box"):
            yield Static("Fork a new branch", classes="title")
            belief = ("The recorded run was told nothing about monitoring" if self.told_nothing
                      else f"The agent now believes it is {now}")
            yield Static(plain(f"It shares everything up to the end of the step below, then goes its own way. {belief}."),
                         classes="help")
            with HorizontalGroup(classes="row"):
                yield Label("Fork after step")
                yield Input(str(self.step), type="integer", id="step", placeholder=f"0–{self.last_step}", compact=True)
                yield Static(f"0–{self.last_step}; 0 is before the first turn", classes="after")
            with HorizontalGroup(classes="row"):
                yield Label("The belief")
                with RadioSet(id="monitoring", compact=True):
                    if self.told_nothing:
                        yield RadioButton("tell it: UNMONITORED", value=True, id="flip", compact=True)
                        yield RadioButton("tell it: monitored", id="tell-on", compact=True)
                        yield RadioButton("say nothing", id="keep", compact=True)
                    else:
                        yield RadioButton(f"flip it: {other}", value=True, id="flip", compact=True)
                        yield RadioButton("keep it", id="keep", compact=True)
            with HorizontalGroup(classes="row"):
                yield Label("Continue with")
                yield Input(self.suggested, id="agent", placeholder="scripted/<policy> or a litellm model string",
                            compact=True)
            hint = ", ".join(f"scripted/{p}" for p in self.policies[:4]) or "no scripted policies"
            if self.agent.startswith("recorded/"):
                hint = (f"the recording's answers stop at step {self.last_step}; {self.agent} replays them · "
                        f"e.g. {hint}, or a model")
            else:
                hint = f"e.g. {hint}, or openai/gpt-4.1-mini"
            yield Static(plain(hint), id="agent-hint")
            with HorizontalGroup(classes="row"):
                yield Label("Label (optional)")
                yield Input(placeholder="e.g. unmonitored", id="label", compact=True)
            yield Static("", classes="problem", id="problem")
            with HorizontalGroup(classes="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Fork", id="ok", variant="primary", compact=True)

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
        if self.told_nothing:
            told = False if flip else (True if self.query_one("#tell-on", RadioButton).value else None)
        else:
            told = (not self.monitored) if flip else None
        if told is not None and not label:
            label = "monitored" if told else "unmonitored"
        agent = self.query_one("#agent", Input).value.strip() or self.agent
        self.dismiss(ForkChoice(step, told, label, agent if agent != self.agent else ""))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
