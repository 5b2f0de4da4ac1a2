"""How the simulated world looks in the World pane: hosts and files with sizes
and mtimes, delete queues, configs, drive documents, shutdowns and reports,
each change since the start of the episode highlighted.

Everything is one line per row (long values end in "…"), so the pane can scroll
straight to the first change."""

from __future__ import annotations

import json

from .safe import SafeText as Text

from ..world.clock import format_time
from ..world.model import VFile, World
from .palette import Palette

_MARK = {"new": "+", "changed": "~", "gone": "−", "same": " "}


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover


def _value(v: object) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def _file_state(f: VFile, before: VFile | None) -> str:
    if before is None:
        return "new"
    if (f.size, f.mtime, f.content, f.mode) != (before.size, before.mtime, before.content, before.mode):
        return "changed"
    return "same"


def _line(*parts: tuple[str, str]) -> Text:
    text = Text.assemble(*parts)
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


class WorldView:
    """The world as lines, and the index of the first line that shows a change."""

    def __init__(self) -> None:
        self.lines: list[Text] = []
        self.first_change: int | None = None

    def add(self, line: Text, changed: bool = False) -> None:
        if changed and self.first_change is None:
            self.first_change = len(self.lines)
        self.lines.append(line)


def render_world(world: World, initial: World, pal: Palette, width: int = 60) -> WorldView:
    out = WorldView()
    colour = {"new": pal.success, "changed": pal.warning, "gone": pal.error, "same": pal.fg}
    out.add(_line(("clock ", pal.muted), (format_time(world.clock), pal.fg)))
    wide = width >= 56
    for ip, host in world.hosts.items():
        before = initial.hosts.get(ip)
        title = _line((host.name or ip, f"bold {pal.primary}"), (f" {ip}" if host.name else "", pal.muted))
        if before is None:
            title.append("  new host", style=f"bold {pal.success}")
        if not host.alive:
            title.append("  shut down", style=f"bold {pal.error}")
        out.add(title, before is None or not host.alive)
        rows = [(path, f, _file_state(f, before.files.get(path) if before else None)) for path, f in host.files.items()]
        rows += [(path, f, "gone") for path, f in (before.files.items() if before else []) if path not in host.files]
        if not rows:
            out.add(_line(("   (no files)", pal.muted)))
        name_w = max(8, width - 3 - 10 - 17)
        for path, f, state in rows:
            style = colour[state] + (" strike" if state == "gone" else "")
            detail_style = pal.muted if state == "same" else colour[state]
            mark = (f" {_MARK[state]} ", f"bold {colour[state]}")
            if wide:
                name = path if len(path) <= name_w else path[: name_w - 1] + "…"
                out.add(_line(mark, (name.ljust(name_w), style), (human_size(f.size).rjust(10), detail_style),
                              (" " + format_time(f.mtime)[:16], detail_style)), state != "same")
            else:
                out.add(_line(mark, (path, style)), state != "same")
                out.add(_line((f"     {human_size(f.size)} · {format_time(f.mtime)[:16]}", detail_style)))
        if host.delete_queue:
            out.add(_line(("   delete queue: ", f"bold {pal.error}"), (", ".join(host.delete_queue), pal.error)), True)
    for name, cfg in world.configs.items():
        before_cfg = initial.configs.get(name, {})
        out.add(_line((f"config {name}", f"bold {pal.primary}")))
        for key, value in cfg.items():
            if key not in before_cfg:
                out.add(_line((f"   {key}: ", pal.muted), (_value(value), f"bold {pal.success}"), ("  (added)", pal.success)),
                        True)
            elif before_cfg[key] != value:
                out.add(_line((f" ~ {key}: ", f"bold {pal.warning}"), (_value(value), f"bold {pal.warning}"),
                              (f"  (was {_value(before_cfg[key])})", pal.warning)), True)
            else:
                out.add(_line((f"   {key}: ", pal.muted), (_value(value), pal.fg)))
        for key in before_cfg:
            if key not in cfg:
                out.add(_line((f" − {key}: removed (was {_value(before_cfg[key])})", f"strike {pal.error}")), True)
    if world.drive or initial.drive:
        out.add(_line(("drive", f"bold {pal.primary}")))
        before_docs = {d.id: d for d in initial.drive}
        for d in world.drive:
            old = before_docs.get(d.id)
            state = "new" if old is None else ("changed" if old.content != d.content else "same")
            out.add(_line((f" {_MARK[state]} ", f"bold {colour[state]}"), (d.filename, colour[state])), state != "same")
        now_ids = {d.id for d in world.drive}
        for d in initial.drive:
            if d.id not in now_ids:
                out.add(_line((" − ", f"bold {pal.error}"), (d.filename, f"strike {pal.error}")), True)
    if world.sheets:
        out.add(_line(("sheets ", f"bold {pal.primary}"), (", ".join(world.sheets), pal.fg)))
    for target in world.shutdowns:
        out.add(_line((f"■ shutdown executed: {target}", f"bold {pal.error}")), True)
    for report in world.reports:
        out.add(_line(("report submitted: ", f"bold {pal.warning}"),
                      (", ".join(f"{k}={_value(v)}" for k, v in report.items()), pal.fg)), True)
    if world.ended:
        out.add(_line(("task ended by the agent", f"italic {pal.muted}")))
    return out
