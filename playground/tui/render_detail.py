"""A step in full (the Details dialog) and the prompts the agent was given."""

from __future__ import annotations

import json
from typing import Collection

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from .safe import SafeText as Text

from ..visible_text import visible
from .palette import Palette, label_colour
from .render_steps import NO_REASONING, SCRIPTED_TAG, extra_line, humanize
from ..episode.steps import Step, parse_args


def _pretty(raw: str) -> str:
    args = parse_args(raw)
    return visible(json.dumps(args, indent=2, ensure_ascii=False) if isinstance(args, (dict, list)) else str(args))


def _section(title: str, pal: Palette) -> Text:
    return Text(f"\n{title}", style=f"bold {pal.accent}")


def step_detail(view: Step, pal: Palette, labels: dict[str, str], good: Collection[str]) -> RenderableType:
    parts: list[RenderableType] = []
    turn = view.turn
    if turn is not None:
        who = turn.agent + (f"  ({SCRIPTED_TAG})" if view.scripted else "") + ("  (recorded)" if turn.recorded else "")
        parts.append(Text(who, style=pal.muted))
        if turn.usage:
            parts.append(Text("usage: " + ", ".join(f"{k}={v}" for k, v in turn.usage.items()), style=pal.muted))
        parts.append(_section("Reasoning", pal))
        parts.append(Text(turn.reasoning) if turn.reasoning else Text(NO_REASONING, style=f"italic {pal.muted}"))
        if turn.text:
            parts += [_section("Said", pal), Text(turn.text)]
    for cv in view.calls:
        parts.append(_section(f"Call {cv.call.name}  [{cv.status}]", pal))
        parts.append(Syntax(_pretty(cv.arguments), "json", word_wrap=True, background_color="default"))
        if cv.status == "edited":
            parts += [Text("original arguments:", style=pal.muted),
                      Syntax(_pretty(cv.call.arguments), "json", word_wrap=True, background_color="default")]
        if cv.status == "rejected":
            parts.append(Text(f"rejected: {cv.reason or 'no reason given'}", style=pal.error))
        if cv.result is not None:
            if cv.edited_output is not None:
                parts += [Text("the model sees (edited by you):", style=f"bold {pal.accent}"), Text(cv.edited_output),
                          Text("the tool returned:", style=pal.muted), Text(cv.result.output, style=pal.muted)]
            else:
                parts += [Text("result" + (" (error)" if cv.result.error else "") + ":", style=pal.muted),
                          Text(cv.result.output, style=pal.error if cv.result.error else "")]
    for e in view.extras:
        if e.kind == "interview":
            parts += [_section("Interview", pal), Text(f"asked: {e.detail}"), Text(f"answered: {e.text}")]
        else:
            line = extra_line(e, pal)
            if line is not None:
                parts.append(line)
    for det in view.tripped:
        label = labels.get(det, det)
        parts.append(Text(f"⚑ {humanize(label)}  (detector {det} tripped here)",
                          style=f"bold {label_colour(pal, label, good)}"))
    return Group(*parts) if parts else Text("Nothing happened at this step yet.", style=pal.muted)


def prompt_detail(messages: list[dict], monitored: bool, pal: Palette) -> RenderableType:
    system = messages[0].get("content", "") if messages else ""
    task = messages[1].get("content", "") if len(messages) > 1 else ""
    belief = "monitored" if monitored else "unmonitored"
    return Group(Text(f"The agent's prompt was rendered for the {belief} condition.", style=pal.muted),
                 _section("System prompt", pal), Text(system), _section("Task", pal), Text(task))
