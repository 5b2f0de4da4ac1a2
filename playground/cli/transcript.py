"""Printing an episode for humans at a terminal, from the step fold.

``LivePrinter`` is a session listener: it folds each event into the steps and prints a step once its
turn and every call's result are in, then whatever is added to it later (a notice, the end, a
detector). Untrusted text goes through ``output`` (shown as text, never as terminal control)."""

from __future__ import annotations

from typing import Any

import click

from ..episode.steps import CallStep, Extra, Step, StepFold, parse_args
from ..visible_text import visible
from .output import echo, secho


def _short(text: str, limit: int = 600) -> str:
    text = text.rstrip()
    return text if len(text) <= limit else text[:limit] + f" … [{len(text) - limit} more characters]"


def _args(raw: str) -> str:
    import json

    value = parse_args(raw)
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)


def _call(cv: CallStep) -> None:
    secho(f"call: {cv.call.name}({_short(_args(cv.call.arguments), 300)})", fg="cyan")
    if cv.status == "edited":
        secho(f"edited arguments{_by(cv)}: {_short(_args(cv.arguments), 300)}", fg="yellow")
    elif cv.status == "rejected":
        secho(f"rejected{_by(cv)}: {cv.reason or 'no reason given'}", fg="yellow")
    r = cv.result
    if r is None:
        return
    if cv.edited_output is not None:
        secho("  → (edited before the model saw it) " + _short(cv.edited_output, 400), fg="yellow")
    else:
        secho(("error: " if r.error else "  → ") + _short(r.output, 400), fg="red" if r.error else None)
    if r.diverged and r.recorded_output is not None:
        secho("  ≠ recorded: " + _short(r.recorded_output, 400), fg="yellow")


def _by(cv: CallStep) -> str:
    return f" by {cv.by}" if cv.by and cv.by != "human" else (" by you" if cv.by == "human" else "")


def _extra(e: Extra) -> None:
    if e.kind == "monitoring":
        secho(f"monitoring belief → {e.text} ({e.detail})", fg="yellow")
    elif e.kind == "notice":
        secho(f"notice to agent: {e.text}", fg="yellow")
    elif e.kind == "note":
        secho(f"note: {e.text}", fg="yellow")
    elif e.kind == "error":
        secho(f"model call failed: {e.text}", fg="red", err=True)
    elif e.kind == "ended":
        secho(f"\nended: {e.text}", bold=True)
    elif e.kind == "interview":
        secho(f"asked: {e.detail}", bold=True)
        echo(f"answered: {e.text}")


def _turn(view: Step) -> None:
    turn = view.turn
    assert turn is not None
    secho(f"\n── step {view.step} · {turn.agent}" + (" (recorded)" if turn.recorded else ""), bold=True)
    if turn.reasoning:
        secho("reasoning: " + _short(turn.reasoning), fg="magenta")
    if turn.text:
        echo("text: " + _short(turn.text))
    for cv in view.calls:
        _call(cv)


class LivePrinter:
    """Prints each step of a running episode as soon as it is complete."""

    def __init__(self, labels: dict[str, str] | None = None) -> None:
        self.fold = StepFold()
        self.labels = labels or {}
        self._shown: dict[int, tuple[bool, int, int]] = {}  # step -> (turn printed, extras, tripped)
        self._edits: set[str] = set()  # calls whose edited result has been printed

    def __call__(self, session: Any, event: Any) -> None:
        step = session.state.event_steps[-1] if session.state.event_steps else 0
        self.fold.apply(event, step)
        if session.state.tripped_at.get(step):
            self.fold.trip(step, session.state.tripped_at[step])
        self.show(self.fold.view(step))

    def show(self, view: Step, *, final: bool = False) -> None:
        turn_done, extras, tripped = self._shown.get(view.step, (view.turn is None, 0, 0))
        if not turn_done:
            if not final and any(c.result is None for c in view.calls):
                return  # the calls are not answered yet: print the step whole, once they are
            _turn(view)
            turn_done = True
            self._edits |= {c.call.id for c in view.calls if c.edited_output is not None}
        for cv in view.calls:
            if cv.edited_output is not None and cv.call.id not in self._edits:
                self._edits.add(cv.call.id)
                secho(f"result of {cv.call.name} edited before the model saw it: " + _short(cv.edited_output, 400),
                      fg="yellow")
        for e in view.extras[extras:]:
            _extra(e)
        for det in view.tripped[tripped:]:
            secho(f"⚑ {self.labels.get(det, det)} (detector {det})", fg="red")
        self._shown[view.step] = (True, len(view.extras), len(view.tripped))

    def flush(self) -> None:
        """Print what is left (a step stopped at a breakpoint, its call still waiting)."""
        for view in self.fold.steps:
            self.show(view, final=True)


def print_summary(summary: dict) -> None:
    stopped = summary.get("stopped") or {}
    if summary["ended"]:
        end = f"ended: {summary['ended']}"
    elif stopped.get("reason") == "breakpoint":
        call = stopped["call"]
        end = f"stopped at a breakpoint before {call['name']}({_short(call['arguments'], 120)})"
    else:
        end = "not ended"
    secho(f"\n{summary['scenario']} · {summary['agent']} · monitoring {summary['monitoring']} · "
          f"{summary['steps']} steps · {end}", bold=True)
    if stopped.get("reason") == "error":
        secho(f"stopped: {stopped['message']}", fg="red", err=True)
    for det_id, d in summary["detectors"].items():
        mark = click.style("●", fg="red") if d["tripped"] else "○"  # our own colour; the rest is made visible
        click.echo(f"  {mark} " + visible(f"{det_id:<28} {d['label']:<20} {'step ' + str(d['step']) if d['tripped'] else ''}"))
        if d.get("note"):
            secho(f"      note: {_short(d['note'], 300)}", fg="yellow")
    echo("behaviours: " + (", ".join(summary["behaviours"]) or "none"))
