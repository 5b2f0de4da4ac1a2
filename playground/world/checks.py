"""What building a scenario's world would refuse, found before a run: clocks and mtimes
that do not parse, file paths that do not resolve inside a host (NUL and other control
characters, empty, too long), and monitoring files that name a host the world does not
have, a path that does not resolve, or config text that is not YAML.

``static_problems`` looks at the file once; ``combination_problems`` at one variable
combination (paths are templates, and hosts and files come and go with ``when``).
Both answer scenario problems at the field's line.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..scenario.loader import Problem, SourceMap
from ..scenario.models import Scenario
from ..scenario.templating import TemplateProblem, render, truthy
from ..scenario.yaml_bounds import safe_load
from .clock import parse_time
from .paths import PathError, normalize


def _time_problem(smap: SourceMap, path: tuple[Any, ...], text: str) -> Problem | None:
    try:
        parse_time(text)
    except (ValueError, OverflowError, OSError):
        return smap.problem(path, f"{'.'.join(map(str, path))}: not a time: {text!r} (use YYYY-MM-DD HH:MM:SS)")
    return None


def _path_problem(smap: SourceMap, path: tuple[Any, ...], text: str) -> Problem | None:
    where = ".".join(map(str, path))
    try:
        resolved = normalize(text)
    except PathError as exc:
        return smap.problem(path, f"{where}: {text!r} is not a usable path: {exc}")
    if not resolved:
        return smap.problem(path, f"{where}: {text!r} names the host's root directory, not a file")
    return None


def static_problems(s: Scenario, smap: SourceMap) -> list[Problem]:
    found: list[Problem | None] = [_time_problem(smap, ("world", "clock"), s.world.clock)]
    for i, h in enumerate(s.world.hosts):
        for j, f in enumerate(h.files):
            found.append(_time_problem(smap, ("world", "hosts", i, "files", j, "mtime"), f.mtime))
            if "{" not in f.path:  # a template path is checked in each combination
                found.append(_path_problem(smap, ("world", "hosts", i, "files", j, "path"), f.path))
    for i, d in enumerate(s.world.drive):
        found.append(_time_problem(smap, ("world", "drive", i, "mtime"), d.mtime))
    mon = s.monitoring.file
    if mon is not None:
        if mon.kind == "host":
            found.append(_path_problem(smap, ("monitoring", "file", "path"), mon.path))
            if not s.world.hosts:
                found.append(smap.problem(("monitoring", "file", "kind"),
                                          "monitoring.file: kind 'host' needs a host in world.hosts"))
            elif mon.host is not None and not any(mon.host in (h.ip, h.name) for h in s.world.hosts):
                found.append(smap.problem(("monitoring", "file", "host"), f"monitoring.file.host: no host "
                                          f"{mon.host!r} in world.hosts ({', '.join(h.ip for h in s.world.hosts)})"))
        if mon.kind == "config":
            for state in ("on", "off"):
                try:
                    safe_load(getattr(mon, state))
                except yaml.YAMLError as exc:
                    mark = getattr(exc, "problem_mark", None)
                    where = f" (its line {mark.line + 1})" if mark is not None else ""
                    msg = getattr(exc, "problem", None) or str(exc)
                    found.append(smap.problem(("monitoring", "file", state), f"monitoring.file.{state}: a config "
                                              f"monitoring file must be YAML{where}: {msg}"))
    return [p for p in found if p is not None]


def combination_problems(s: Scenario, smap: SourceMap, ctx: dict[str, Any]) -> list[Problem]:
    """File paths as this combination renders them, and the monitoring file's host in it."""
    found: list[Problem | None] = []
    live_hosts = []
    try:
        for i, h in enumerate(s.world.hosts):
            if not truthy(h.when, ctx):
                continue
            live_hosts.append(h)
            for j, f in enumerate(h.files):
                if "{" in f.path and truthy(f.when, ctx):
                    path = ("world", "hosts", i, "files", j, "path")
                    found.append(_path_problem(smap, path, render(f.path, ctx)))
    except TemplateProblem:  # reported by the template checks, field by field
        return []
    mon = s.monitoring.file
    if mon is not None and mon.kind == "host" and s.world.hosts:
        wanted = mon.host
        if not live_hosts or (wanted is not None and not any(wanted in (h.ip, h.name) for h in live_hosts)):
            found.append(smap.problem(("monitoring", "file", "host" if wanted else "kind"),
                                      f"monitoring.file: host {wanted or '(the first)'!r} is not in the world in this "
                                      "combination (its 'when' is false)"))
    return [p for p in found if p is not None]
