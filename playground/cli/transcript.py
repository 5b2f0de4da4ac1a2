"""Printing an episode as it runs, for humans at a terminal."""

from __future__ import annotations

import json

import click

from ..episode import Session
from .output import secho
from ..episode.events import (
    AgentError,
    CallEdited,
    CallRejected,
    Ended,
    Event,
    ModelTurn,
    MonitoringChanged,
    Notice,
    ToolResult,
)


def _short(text: str, limit: int = 600) -> str:
    text = text.rstrip()
    return text if len(text) <= limit else text[:limit] + f" … [{len(text) - limit} more characters]"


def print_event(session: Session, event: Event) -> None:
    if isinstance(event, ModelTurn):
        secho(f"\n── step {session.state.step} · {event.agent}" + (" (recorded)" if event.recorded else ""), bold=True)
        if event.reasoning:
            secho("reasoning: " + _short(event.reasoning), fg="magenta")
        if event.text:
            secho("text: " + _short(event.text))
        for c in event.tool_calls:
            try:
                args = json.dumps(json.loads(c.arguments), ensure_ascii=False)
            except (json.JSONDecodeError, TypeError):
                args = c.arguments
            secho(f"call: {c.name}({_short(args, 300)})", fg="cyan")
    elif isinstance(event, ToolResult):
        secho(("error: " if event.error else "  → ") + _short(event.output, 400), fg="red" if event.error else None)
    elif isinstance(event, CallRejected):
        secho(f"rejected: {event.reason}", fg="yellow")
    elif isinstance(event, CallEdited):
        secho(f"edited arguments: {event.new_arguments}", fg="yellow")
    elif isinstance(event, MonitoringChanged):
        secho(f"monitoring belief → {'on' if event.on else 'off'} (via {event.how})", fg="yellow")
    elif isinstance(event, Notice):
        secho(f"notice to agent: {event.text}", fg="yellow")
    elif isinstance(event, AgentError):
        secho(f"model call failed: {event.message}", fg="red", err=True)
    elif isinstance(event, Ended):
        secho(f"\nended: {event.reason}", bold=True)


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
        mark = click.style("●", fg="red") if d["tripped"] else "○"
        secho(f"  {mark} {det_id:<28} {d['label']:<20} {'step ' + str(d['step']) if d['tripped'] else ''}")
    secho("behaviours: " + (", ".join(summary["behaviours"]) or "none"))
