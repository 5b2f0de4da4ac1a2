"""Resample a step: ask how (N, agent, horizon), then show the distribution of next actions
(and of behaviours by the end) as a table with bars; enter opens a sample of a row as a branch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.containers import HorizontalGroup, VerticalGroup
from textual.widgets import Button, DataTable, Input, Label, RadioButton, RadioSet, Static

from ..safe import plain
from .base import Dialog

BAR = 20
MAX_SAMPLES = 1000


@dataclass(frozen=True)
class ResampleChoice:
    step: int
    n: int
    agent: str
    horizon: str  # "turn" or "end"


class ResampleDialog(Dialog[ResampleChoice | None]):
    DEFAULT_CSS = """
    ResampleDialog RadioSet { width: 1fr; }
    ResampleDialog Label { margin-top: 1; text-style: bold; }
    ResampleDialog .pair VerticalGroup { width: 1fr; }
    """

    def __init__(self, step: int, last_step: int, agent: str, policies: tuple[str, ...] = ()):
        super().__init__()
        self.step, self.last_step, self.agent, self.policies = step, last_step, agent, policies

    def compose(self):
        with VerticalGroup(id="box"):
            yield Static("Resample a step", classes="title")
            yield Static("Draw that turn again N times, each from exactly what the agent saw before it, and see "
                         "how often it does what.", classes="help")
            with HorizontalGroup(classes="pair"):
                with VerticalGroup():
                    yield Label(f"Step (1–{self.last_step})")
                    yield Input(str(self.step), type="integer", id="step")
                with VerticalGroup():
                    yield Label(f"Samples (1–{MAX_SAMPLES})")
                    yield Input("20", type="integer", id="n")
            yield Label("Agent")
            hint = ", ".join(f"scripted/{p}" for p in self.policies[:2]) or "a litellm model string"
            yield Input(self.agent, id="agent", placeholder=f"e.g. {hint}")
            yield Label("Horizon")
            with RadioSet(id="horizon"):
                yield RadioButton("turn: just that turn", value=True, id="turn")
                yield RadioButton("end: each sample run to the end (behaviours by the end)", id="end")
            yield Static("", classes="problem", id="problem")
            with HorizontalGroup(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Resample", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def _int(self, wid: str) -> int:
        try:
            return int(self.query_one(wid, Input).value.strip())
        except ValueError:
            return -1

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        step, n = self._int("#step"), self._int("#n")
        problem = self.query_one("#problem", Static)
        if not 1 <= step <= self.last_step:
            problem.update(f"The step must be between 1 and {self.last_step}.")
            return
        if not 1 <= n <= MAX_SAMPLES:
            problem.update(f"The number of samples must be between 1 and {MAX_SAMPLES}.")
            return
        agent = self.query_one("#agent", Input).value.strip() or self.agent
        horizon = "end" if self.query_one("#end", RadioButton).value else "turn"
        self.dismiss(ResampleChoice(step, n, agent, horizon))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


def _pct(entry: dict[str, Any]) -> str:
    if entry.get("rate") is None:
        return "n/a"
    lo, hi = entry["ci"]
    return f"{100 * entry['rate']:.0f}%  [{100 * lo:.0f}, {100 * hi:.0f}]"


def _bar(rate: float | None) -> Text:
    return Text("█" * round((rate or 0) * BAR), style="bold")


class ResampleTable(Dialog[int | None]):
    """The report of ``playground.sweep.Resample.report()``; dismisses with the chosen row's index."""

    DEFAULT_CSS = """
    ResampleTable > #box { width: 120; }
    ResampleTable DataTable { height: auto; max-height: 16; margin-bottom: 1; }
    ResampleTable #behaviours { height: auto; max-height: 10; }
    """

    def __init__(self, report: dict[str, Any]):
        super().__init__()
        self.report = report

    def compose(self):
        r = self.report
        with VerticalGroup(id="box"):
            yield Static(plain(f"Step {r['step']}: {r['n']} samples of {r['agent']} (horizon {r['horizon']})"),
                         classes="title")
            yield Static("Next actions, most frequent first (rate with its Wilson 95 % interval).", classes="help")
            table: DataTable = DataTable(id="actions", cursor_type="row", zebra_stripes=True)
            yield table
            if r.get("behaviours"):
                yield Static(self._behaviours(), id="behaviours")
            yield Static("enter opens a sample of the selected action as a branch (c then compares it) · esc closes",
                         classes="help")

    def _behaviours(self) -> Text:
        out = Text("Behaviours by the end\n", style="bold")
        for label, e in self.report["behaviours"].items():
            out.append(f"{label:<22} {e['k']:>4}/{e['n']:<4} {_pct(e):<16} ")
            out.append_text(_bar(e["rate"]))
            out.append("\n")
        return out

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("k", "rate [95 % CI]", "", "next action")
        for i, a in enumerate(self.report["next_actions"]):
            table.add_row(str(a["k"]), _pct(a), _bar(a["rate"]), plain(a["action"]), key=str(i))
        table.focus()

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.dismiss(int(event.row_key.value))
