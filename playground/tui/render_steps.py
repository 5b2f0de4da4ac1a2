"""How one step looks in the Reasoning pane, the Actions pane and the Compare
view: plain functions from a ``Step`` to a Rich renderable."""

from __future__ import annotations

import json
from typing import Collection

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich import box
from rich.table import Table
from .safe import SafeText as Text

from .palette import Palette, label_colour
from ..episode.steps import CallStep, Extra, Step, parse_args

RESULT_LINES = 6
ARG_LINES = 3
SCRIPTED_TAG = "scripted demo — not model output"
NO_REASONING = "no reasoning shown by this model"


def humanize(label: str) -> str:
    return label.replace("_", " ")


def clip_lines(text: str, limit: int) -> tuple[str, int]:
    lines = text.rstrip("\n").splitlines() or [""]
    if len(lines) <= limit:
        return "\n".join(lines), 0
    return "\n".join(lines[:limit]), len(lines) - limit


def format_args(raw: str, limit: int = ARG_LINES) -> list[tuple[str, str]]:
    """``[(key, value text)]`` for display; a malformed payload comes back as one raw item."""
    args = parse_args(raw)
    if not isinstance(args, dict):
        return [("(not a JSON object)", str(args))]
    out = []
    for k, v in args.items():
        text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
        text, more = clip_lines(text, limit)
        out.append((str(k), text + (f" … (+{more} lines)" if more else "")))
    return out


def compact_args(raw: str, width: int = 60) -> str:
    args = parse_args(raw)
    if isinstance(args, dict):
        text = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in args.items())
    else:
        text = str(args)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def usage_text(usage: dict) -> str:
    """'1,234 tok · $0.0031' from a turn's (or an episode's) usage, '' when nothing is known."""
    tokens = usage.get("total_tokens") or (usage.get("prompt_tokens", 0) or 0) + (usage.get("completion_tokens", 0) or 0)
    parts = [f"{tokens:,} tok"] if tokens else []
    if isinstance(usage.get("cost"), (int, float)) and usage["cost"] > 0:
        parts.append(f"${usage['cost']:.4f}")
    return " · ".join(parts)


def _header(view: Step, pal: Palette, labels: dict[str, str], good: Collection[str], extra: str = "") -> RenderableType:
    head = Text(f" step {view.step} ", style=f"bold {pal.fg} on {pal.panel}")
    for det in view.tripped:
        label = labels.get(det, det)
        colour = label_colour(pal, label, good)
        head.append(f" ⚑ {humanize(label)} ", style=f"bold {pal.fg} on {colour}")
        head.append(" ", style=f"on {pal.panel}")
    if view.step == 0:
        head.append("the set-up ", style=f"{pal.muted} on {pal.panel}")
    elif view.live:
        head.append("streaming… ", style=f"italic {pal.accent} on {pal.panel}")
    elif view.turn is not None and view.turn.recorded:
        head.append("recorded ", style=f"{pal.muted} on {pal.panel}")
    if view.turn is not None and (spent := usage_text(view.turn.usage)):
        head.append(spent + " ", style=f"{pal.muted} on {pal.panel}")
    if extra:
        head.append(extra + " ", style=f"italic {pal.muted} on {pal.panel}")
    head.no_wrap, head.overflow = True, "ellipsis"
    return Padding(head, 0, style=f"on {pal.panel}", expand=True)


# -- the Reasoning pane ---------------------------------------------------------------

def reasoning_block(view: Step, pal: Palette, labels: dict[str, str], good: Collection[str]) -> RenderableType:
    parts: list[RenderableType] = [_header(view, pal, labels, good, SCRIPTED_TAG if view.scripted else "")]
    if view.step == 0:
        parts.append(Text("The agent gets its system prompt and task (p shows them).", style=pal.muted))
        return Group(*parts)
    if view.live:
        if view.live_reasoning:
            parts.append(Text(view.live_reasoning, style=pal.fg))
        if view.live_text:
            parts.append(_says(view.live_text, pal))
        if not (view.live_reasoning or view.live_text):
            parts.append(Text("waiting for the model…", style=f"italic {pal.muted}"))
        return Group(*parts)
    turn = view.turn
    thoughts = [(c, c.thought()) for c in view.calls if c.scratchpad]
    if turn is not None and turn.reasoning:
        parts.append(Text(turn.reasoning, style=pal.fg))
    for _cv, thought in thoughts:
        line = Text("✎ scratchpad ", style=f"bold {pal.accent}")
        line.append("(private, as the model was told)\n", style=f"italic {pal.muted}")
        line.append(thought if thought is not None else "(no thought given)", style=f"italic {pal.fg}")
        parts.append(line)
    if turn is not None and not turn.reasoning and not any(t for _c, t in thoughts):
        note = "no reasoning in this scripted turn" if view.scripted else NO_REASONING
        parts.append(Text(note, style=f"italic {pal.muted}"))
    if turn is not None and turn.text:
        parts.append(_says(turn.text, pal))
    for e in view.extras:
        if e.kind == "interview":
            parts.append(Text.assemble(("asked: ", f"bold {pal.primary}"), (e.detail, pal.fg)))
            parts.append(Text.assemble(("answered: ", f"bold {pal.primary}"), (e.text, pal.fg)))
    return Group(*parts)


def _says(text: str, pal: Palette) -> Text:
    return Text.assemble(("says: ", f"bold {pal.primary}"), (text, pal.fg))


def _monitoring_line(e: Extra, pal: Palette) -> Text:
    if e.text == "none":
        return Text.assemble(("○ belief: ", f"bold {pal.fg}"), (" NO MONITORING STATEMENT ", f"bold {pal.fg} on {pal.primary}"),
                             (f" {e.detail}", pal.muted))
    on = e.text == "on"
    badge = " MONITORED " if on else " UNMONITORED "
    return Text.assemble(("◉ belief: ", f"bold {pal.fg}"),
                         (badge, f"bold {pal.fg} on {pal.success if on else pal.error}"),
                         (f" {e.detail}", pal.muted))


# -- the Actions pane -----------------------------------------------------------------

_STATUS = {
    "pending": ("● waiting for you", "warning"),
    "approved": ("✓ ran", "success"),
    "edited": ("✎ edited by you, then ran", "accent"),
    "rejected": ("✗ rejected by you", "error"),
}


def call_lines(cv: CallStep, pal: Palette, *, next_up: bool = False) -> list[RenderableType]:
    label, colour_name = _STATUS[cv.status]
    colour = getattr(pal, colour_name)
    name_style = f"bold {pal.primary}" if not cv.scratchpad else f"bold {pal.muted}"
    line = Text.assemble(("▸ " if not next_up else "▶ ", colour if next_up else pal.muted), (cv.call.name, name_style),
                         ("  ", ""), (label, colour))
    out: list[RenderableType] = [line]
    if cv.scratchpad:
        out.append(Text("  thought shown in the Reasoning pane", style=f"italic {pal.muted}"))
        return out
    for key, value in format_args(cv.arguments):
        out.append(Padding(Text.assemble((f"{key}: ", pal.muted), (value, pal.fg)), (0, 0, 0, 2)))
    if cv.status == "edited":
        was = compact_args(cv.call.arguments, 200) or "(no arguments)"
        out.append(Text(f"  was: {was}", style=f"strike {pal.muted}" if was != "(no arguments)" else pal.muted))
    if cv.status == "rejected":
        out.append(Text(f"  reason: {cv.reason or 'none given'}", style=pal.error))
    if cv.result is not None and cv.status != "rejected":
        out += result_lines(cv, pal)
    return out


def as_table(text: str) -> tuple[list[str], list[list[str]]] | None:
    """A fixed-width table (a sheet, as ``view_sheet`` prints it) as ``(header, rows)``; None for
    anything else. Columns are split where every line has at least two spaces."""
    lines = text.rstrip("\n").split("\n")
    if len(lines) < 2 or len(lines) > 2000:
        return None
    width = len(lines[0])
    if width < 8 or any(len(line) != width for line in lines):
        return None
    blank = [all(line[i] == " " for line in lines) for i in range(width)]
    spans, start, i = [], None, 0
    while i < width:
        if not blank[i]:
            start = i if start is None else start
            i += 1
            continue
        gap = i
        while gap < width and blank[gap]:
            gap += 1
        if start is not None and (gap - i >= 2 or gap == width):
            spans.append((start, i))
            start = None
        i = gap
    if start is not None:
        spans.append((start, width))
    if len(spans) < 2:
        return None
    cells = [[line[a:b].strip() for a, b in spans] for line in lines]
    return cells[0], cells[1:]


class SheetTable:
    """A sheet as a table that fits the width it is given: one line per row, numbers whole and
    right-aligned, text columns shortened (…) widest first, and the columns that still do not fit
    left off with a note (the step in full shows every cell)."""

    def __init__(self, header: list[str], rows: list[list[str]], pal: Palette) -> None:
        self.header, self.rows, self.pal = header, rows, pal

    def _cell(self, row: list[str], i: int) -> str:
        return row[i] if i < len(row) else ""

    def __rich_console__(self, console, options):
        n = len(self.header)
        values = [[self._cell(r, i) for r in self.rows] for i in range(n)]
        numeric = [bool([v for v in col if v]) and all(_number(v) for v in col if v) for col in values]
        widths = [max([len(self.header[i])] + [len(v) for v in values[i]]) for i in range(n)]
        floors = [max([len(v) for v in values[i]] + [3]) if numeric[i]  # numbers whole; a long header shortens
                  else min(widths[i], max(4, min(len(self.header[i]), 8))) for i in range(n)]
        room = options.max_width

        def total(ws: list[int]) -> int:
            return sum(ws) + 2 * max(len(ws) - 1, 0)  # two spaces between columns

        while total(widths) > room:
            shrinkable = [i for i in range(len(widths)) if widths[i] > floors[i]]
            if not shrinkable:
                break
            widest = max(shrinkable, key=lambda i: widths[i])
            widths[widest] -= 1
        shown = len(widths)
        while shown > 1 and total(widths[:shown]) > room:
            shown -= 1
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 0, 0, 1),
                      header_style=f"bold {self.pal.fg}", style=self.pal.muted, expand=False)
        for i in range(shown):  # the box's divider and a left padding: two spaces between columns
            table.add_column(Text(self.header[i]), width=widths[i], no_wrap=True, overflow="ellipsis",
                             justify="right" if numeric[i] else "left")
        for r in self.rows:
            table.add_row(*(Text(self._cell(r, i), style=self.pal.fg) for i in range(shown)))
        yield table
        if shown < n:
            left = ", ".join(self.header[shown:]) or f"{n - shown} more"
            yield Text(f"→ not shown here: {left} (enter shows the step in full)", style=f"italic {self.pal.muted}")


def table_of(header: list[str], rows: list[list[str]], pal: Palette) -> SheetTable:
    return SheetTable(header, rows, pal)


def _number(cell: str) -> bool:
    return cell.replace(",", "").replace(".", "", 1).lstrip("-+$€£").rstrip("%").isdigit()


def result_lines(cv: CallStep, pal: Palette, limit: int = RESULT_LINES) -> list[RenderableType]:
    assert cv.result is not None
    out: list[RenderableType] = []
    if cv.edited_output is not None:
        out.append(Text("  → result edited by you before the model saw it:", style=f"bold {pal.accent}"))
    sheet = as_table(cv.output or "") if not cv.result.error else None
    if sheet is not None:
        header, rows = sheet
        out.append(hanging("→ ", table_of(header, rows[:limit], pal), pal, indent=2))
        if len(rows) > limit:
            out.append(Text(f"    … {len(rows) - limit} more rows (enter shows the step in full)",
                            style=f"italic {pal.muted}"))
    else:
        text, more = clip_lines(cv.output or "", limit)
        style = pal.error if cv.result.error and cv.edited_output is None else pal.muted
        out.append(hanging("→ ", Text(text, style=style), pal, indent=2))
        if more:
            out.append(Text(f"    … {more} more lines (enter shows the step in full)", style=f"italic {pal.muted}"))
    if cv.result.diverged and cv.result.recorded_output is not None:
        out.append(Text("  ≠ what the model read came from the recording; our world answered instead:",
                        style=f"bold {pal.accent}"))
        rec, rec_more = clip_lines(cv.result.output, limit)
        out.append(hanging("⇢ ", Text(rec, style=pal.muted), pal, indent=2))
        if rec_more:
            out.append(Text(f"    … {rec_more} more lines", style=f"italic {pal.muted}"))
    return out


def hanging(prefix: str, body: Text, pal: Palette, indent: int = 0) -> RenderableType:
    """``prefix`` then ``body``, the body's wrapped and later lines kept under its first."""
    grid = Table.grid(padding=0, expand=True)
    grid.add_column(width=indent + len(prefix), no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(Text(" " * indent + prefix, style=pal.muted), body)
    return grid


def extra_line(e: Extra, pal: Palette) -> RenderableType | None:
    if e.kind == "monitoring":
        return _monitoring_line(e, pal)
    if e.kind == "notice":
        return Text.assemble(("✉ told the agent: ", f"bold {pal.warning}"), (e.text, pal.fg))
    if e.kind == "note":
        return Text.assemble(("✎ note: ", f"bold {pal.accent}"), (e.text, pal.fg))
    if e.kind == "error":
        return Text.assemble(("✗ model call failed: ", f"bold {pal.error}"), (e.text, pal.fg))
    if e.kind == "ended":
        return Text(f"■ episode ended: {e.text.replace('_', ' ')}", style=f"bold {pal.fg}")
    return None


def actions_block(view: Step, pal: Palette, labels: dict[str, str], good: Collection[str]) -> RenderableType:
    parts: list[RenderableType] = [_header(view, pal, labels, good)]
    pending = view.pending
    for cv in view.calls:
        parts += call_lines(cv, pal, next_up=bool(pending) and cv is pending[0])
    if view.live:
        parts.append(Text("waiting for the model's calls…", style=f"italic {pal.muted}"))
    elif view.turn is not None and not view.calls:
        parts.append(Text("(no tool call this turn)", style=f"italic {pal.muted}"))
    for e in view.extras:
        line = extra_line(e, pal)
        if line is not None:
            parts.append(line)
    for det in view.tripped:
        label = labels.get(det, det)
        colour = label_colour(pal, label, good)
        parts.append(Text.assemble((f"⚑ {humanize(label)}", f"bold {colour}"), (f"  detector {det}", pal.muted)))
    return Group(*parts)


# -- the Compare view -----------------------------------------------------------------

def compare_cell(view: Step | None, pal: Palette, labels: dict[str, str], good: Collection[str],
                 reasoning_lines: int = 8) -> RenderableType:
    if view is None:
        return Text("(no such step in this branch)", style=f"italic {pal.muted}")
    parts: list[RenderableType] = []
    turn = view.turn
    thought = "\n".join(t for c in view.calls if c.scratchpad and (t := c.thought()))
    reasoning = "\n".join(x for x in ((turn.reasoning if turn else ""), thought) if x)
    if reasoning:
        text, more = clip_lines(reasoning, reasoning_lines)
        parts.append(Text(text + (f" … (+{more} lines)" if more else ""), style=f"italic {pal.fg}"))
    elif turn is not None:
        parts.append(Text(NO_REASONING if not view.scripted else "(no reasoning in this scripted turn)",
                          style=f"italic {pal.muted}"))
    if turn is not None and turn.text:
        parts.append(_says(turn.text, pal))
    for cv in view.calls:
        if cv.scratchpad:
            continue
        mark = {"pending": "⏸", "approved": "▸", "edited": "✎", "rejected": "✗"}[cv.status]
        parts.append(Text.assemble((f"{mark} ", pal.muted), (cv.call.name, f"bold {pal.primary}"),
                                   (f"({compact_args(cv.arguments, 400)})", pal.fg)))
    for e in view.extras:
        if e.kind in ("monitoring", "notice", "ended", "note"):
            line = extra_line(e, pal)
            if line is not None:
                parts.append(line)
    for det in view.tripped:
        label = labels.get(det, det)
        colour = label_colour(pal, label, good)
        parts.append(Text(f"⚑ {humanize(label)}", style=f"bold {colour}"))
    return Group(*parts) if parts else Text("")
