"""How the simulated world looks in the World pane: hosts and files with sizes
and mtimes, delete queues, configs, drive documents, shutdowns and reports,
each change since the start of the episode highlighted (+ ~ −), and the rows
the shown step itself changed marked with ▌ (as the logs mark the selected
step) on a tinted background. The engine's ``WorldDiff`` says which rows:
nothing here re-derives it.

Everything is one line per row (long values end in "…"), so the pane can scroll
straight to the first change of the step (or, when it changed nothing, the
first change since the start)."""

from __future__ import annotations

import json

from .safe import SafeText as Text

from ..world.clock import format_time
from ..world.diff import WorldDiff
from ..world.model import VFile, World
from .palette import Palette

STEP_MARK = "▌"

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
    """The world as lines, the first line that shows a change since the start, and the
    first (and count of) lines the shown step changed."""

    def __init__(self, pal: Palette | None = None, width: int = 60) -> None:
        self.lines: list[Text] = []
        self.first_change: int | None = None
        self.first_step_change: int | None = None
        self.step_lines = 0
        self._pal = pal or Palette()
        self._width = width

    def add(self, line: Text, changed: bool = False, at_step: bool = False) -> None:
        if changed and self.first_change is None:
            self.first_change = len(self.lines)
        if at_step:
            if self.first_step_change is None:
                self.first_step_change = len(self.lines)
            self.step_lines += 1
            line = self._mark(line)
        self.lines.append(line)

    def _mark(self, line: Text) -> Text:
        """▌ in the first column (when it is blank) and a tint across the row."""
        if line.plain[:1] == " ":
            marked = Text(STEP_MARK, style=f"bold {self._pal.accent}")
            marked.append_text(line[1:])
        else:
            marked = line.copy()
        marked.no_wrap, marked.overflow = True, "ellipsis"
        if marked.cell_len < self._width:
            marked.append(" " * (self._width - marked.cell_len))
        marked.stylize(f"on {self._pal.primary_bg}")
        return marked

    @property
    def scroll_target(self) -> int | None:
        return self.first_step_change if self.first_step_change is not None else self.first_change


def render_world(world: World, initial: World, pal: Palette, width: int = 60,
                 changed: WorldDiff | None = None) -> WorldView:
    """``world`` against ``initial``; ``changed`` (what the shown step did) marks its rows."""
    out = WorldView(pal, width)
    step = changed or WorldDiff()
    step_files = {(c.host, c.path): c for c in step.files}
    step_hosts = {c.host for c in step.hosts}
    step_queues = {c.host for c in step.delete_queues}
    step_configs = {(c.config, c.key) for c in step.configs}
    step_docs = {c.id for c in step.drive}
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
        out.add(title, before is None or not host.alive, ip in step_hosts)
        rows = [(path, f, _file_state(f, before.files.get(path) if before else None)) for path, f in host.files.items()]
        rows += [(path, f, "gone") for path, f in (before.files.items() if before else []) if path not in host.files]
        shown = {path for path, _f, _s in rows}
        rows += [(c.path, VFile(c.path, c.size, c.mtime), "gone") for c in step.files
                 if c.host == ip and c.change == "removed" and c.path not in shown]  # made and removed since the start
        if not rows:
            out.add(_line(("   (no files)", pal.muted)))
        name_w = max(8, width - 3 - 10 - 17)
        for path, f, state in rows:
            style = colour[state] + (" strike" if state == "gone" else "")
            detail_style = pal.muted if state == "same" else colour[state]
            mark = (f" {_MARK[state]} ", f"bold {colour[state]}")
            at_step = (ip, path) in step_files
            if wide:
                name = path if len(path) <= name_w else path[: name_w - 1] + "…"
                out.add(_line(mark, (name.ljust(name_w), style), (human_size(f.size).rjust(10), detail_style),
                              (" " + format_time(f.mtime)[:16], detail_style)), state != "same", at_step)
            else:
                out.add(_line(mark, (path, style)), state != "same", at_step)
                out.add(_line((f"     {human_size(f.size)} · {format_time(f.mtime)[:16]}", detail_style)),
                        at_step=at_step)
        if host.delete_queue or ip in step_queues:
            out.add(_line(("   delete queue: ", f"bold {pal.error}"), (", ".join(host.delete_queue) or "(empty)", pal.error)),
                    bool(host.delete_queue), ip in step_queues)
    for name, cfg in world.configs.items():
        before_cfg = initial.configs.get(name, {})
        out.add(_line((f"config {name}", f"bold {pal.primary}")), at_step=(name, None) in step_configs)
        for key, value in cfg.items():
            at_step = (name, key) in step_configs
            if key not in before_cfg:
                out.add(_line((f"   {key}: ", pal.muted), (_value(value), f"bold {pal.success}"), ("  (added)", pal.success)),
                        True, at_step)
            elif before_cfg[key] != value:
                out.add(_line((f" ~ {key}: ", f"bold {pal.warning}"), (_value(value), f"bold {pal.warning}"),
                              (f"  (was {_value(before_cfg[key])})", pal.warning)), True, at_step)
            else:
                out.add(_line((f"   {key}: ", pal.muted), (_value(value), pal.fg)), at_step=at_step)
        for key in before_cfg:
            if key not in cfg:
                out.add(_line((f" − {key}: removed (was {_value(before_cfg[key])})", f"strike {pal.error}")), True,
                        (name, key) in step_configs)
        for c in step.configs:
            if c.config == name and c.change == "removed" and c.key is not None and c.key not in before_cfg:
                out.add(_line((f" − {c.key}: removed (was {_value(c.before)})", f"strike {pal.error}")), True, True)
    if world.drive or initial.drive or step.drive:
        out.add(_line(("drive", f"bold {pal.primary}")))
        before_docs = {d.id: d for d in initial.drive}
        for d in world.drive:
            old = before_docs.get(d.id)
            state = "new" if old is None else ("changed" if old.content != d.content else "same")
            out.add(_line((f" {_MARK[state]} ", f"bold {colour[state]}"), (d.filename, colour[state])), state != "same",
                    d.id in step_docs)
        now_ids = {d.id for d in world.drive}
        for d in initial.drive:
            if d.id not in now_ids:
                out.add(_line((" − ", f"bold {pal.error}"), (d.filename, f"strike {pal.error}")), True, d.id in step_docs)
        initial_ids = {d.id for d in initial.drive}
        for c in step.drive:
            if c.change == "removed" and c.id not in initial_ids:
                out.add(_line((" − ", f"bold {pal.error}"), (c.filename, f"strike {pal.error}")), True, True)
    if world.sheets:
        out.add(_line(("sheets ", f"bold {pal.primary}"), (", ".join(world.sheets), pal.fg)), at_step=bool(step.sheets))
    new_shutdowns = len(world.shutdowns) - len(step.shutdowns)
    for i, target in enumerate(world.shutdowns):
        out.add(_line((f"■ shutdown executed: {target}", f"bold {pal.error}")), True, i >= new_shutdowns)
    new_reports = len(world.reports) - len(step.reports)
    for i, report in enumerate(world.reports):
        out.add(_line(("report submitted: ", f"bold {pal.warning}"),
                      (", ".join(f"{k}={_value(v)}" for k, v in report.items()), pal.fg)), True, i >= new_reports)
    if world.ended:
        out.add(_line(("task ended by the agent", f"italic {pal.muted}")), at_step=step.ended)
    return out
