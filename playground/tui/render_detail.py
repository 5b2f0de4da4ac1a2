"""A step in full (the Details dialog) and the prompts the agent was given."""

from __future__ import annotations

import json
from typing import Any, Collection

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from .safe import SafeText as Text

from ..visible_text import visible
from .palette import Palette, label_colour
from .render_steps import as_table, table_of, NO_REASONING, SCRIPTED_TAG, extra_line, humanize
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
                sheet = as_table(cv.result.output) if not cv.result.error else None
                parts += [Text("result" + (" (error)" if cv.result.error else "") + ":", style=pal.muted),
                          table_of(*sheet, pal) if sheet is not None
                          else Text(cv.result.output, style=pal.error if cv.result.error else "")]
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


def received_detail(request: Any, pal: Palette) -> RenderableType:
    """The exact messages and tool schemas of one model request, in order."""
    how = ("These are the messages and tool schemas of the request that produced this turn, in the order "
           "sent (results you edited appear as the model saw them)." if request.happened else
           "This is the request the model gets next, as it stands now (a monitoring change or an edited result "
           "before the next turn changes it).")
    parts: list[RenderableType] = [Text(how, style=pal.muted)]
    for i, m in enumerate(request.messages, 1):
        role = str(m.get("role", "?"))
        head = f"{i}. {role}"
        if role == "tool":
            head += f" — result of {m.get('name', '?')} ({m.get('tool_call_id', '')})"
        parts.append(_section(head, pal))
        content = m.get("content")
        if content:
            parts.append(Text(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)))
        elif role == "assistant":
            parts.append(Text("(no text)", style=f"italic {pal.muted}"))
        for call in m.get("tool_calls") or []:
            fn = call.get("function", {})
            parts.append(Text(f"→ calls {fn.get('name', '?')} ({call.get('id', '')})", style=f"bold {pal.primary}"))
            parts.append(Syntax(_pretty(fn.get("arguments", "")), "json", word_wrap=True, background_color="default"))
    parts.append(_section(f"Tools offered ({len(request.tools)})", pal))
    for tool in request.tools:
        parts.append(Syntax(visible(json.dumps(tool, indent=2, ensure_ascii=False)), "json", word_wrap=True,
                            background_color="default"))
    return Group(*parts)
