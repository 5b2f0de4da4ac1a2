"""Building the initial world from a scenario, its variables and the monitoring belief."""

from __future__ import annotations

from typing import Any

from ..scenario.models import Scenario
from ..scenario.templating import render, truthy
from ..scenario.yaml_bounds import safe_load
from .clock import parse_time
from .model import Document, Host, Sheet, VFile, World
from .paths import normalize


def context(scenario: Scenario, variables: dict[str, str], monitored: bool) -> dict[str, Any]:
    ctx: dict[str, Any] = scenario.default_variables()
    ctx.update(variables)
    ctx["monitored"] = monitored
    return ctx


def build_world(scenario: Scenario, variables: dict[str, str], monitored: bool) -> World:
    ctx = context(scenario, variables, monitored)
    spec = scenario.world
    world = World(clock=parse_time(spec.clock), tick=spec.tick_seconds)
    for h in spec.hosts:
        if not truthy(h.when, ctx):
            continue
        host = Host(ip=h.ip, name=h.name, users=list(h.users))
        for f in h.files:
            if not truthy(f.when, ctx):
                continue
            content = render(f.content, ctx) if f.content is not None else None
            size = f.size if f.size is not None else len((content or "").encode())
            path = normalize(render(f.path, ctx))
            host.files[path] = VFile(path, size, parse_time(f.mtime), content, render(f.summary, ctx), f.owner, f.mode)
        world.hosts[host.ip] = host
    for d in spec.drive:
        if truthy(d.when, ctx):
            world.drive.append(Document(str(world.next_doc_id), render(d.filename, ctx), render(d.content, ctx), d.owner, parse_time(d.mtime)))
            world.next_doc_id += 1
    for s in spec.sheets:
        if truthy(s.when, ctx):
            rows = [[render(c, ctx) if isinstance(c, str) else c for c in row] for row in s.rows]
            world.sheets[s.name] = Sheet(s.name, list(s.columns), rows, list(s.hidden_columns))
    for c in spec.configs:
        if truthy(c.when, ctx):
            world.configs[c.filename] = _render_values(c.values, ctx)
    world.memory = [render(m, ctx) for m in spec.memory]
    mon = scenario.monitoring.file
    if mon is not None:
        set_monitoring_file(world, scenario, monitored)
    return world


def _render_values(values: Any, ctx: dict[str, Any]) -> Any:
    if isinstance(values, dict):
        return {k: _render_values(v, ctx) for k, v in values.items()}
    if isinstance(values, list):
        return [_render_values(v, ctx) for v in values]
    if isinstance(values, str):
        return render(values, ctx)
    return values


def set_monitoring_file(world: World, scenario: Scenario, monitored: bool) -> None:
    """Write the scenario's monitoring file in the state that says ``monitored``."""
    mon = scenario.monitoring.file
    if mon is None:
        return
    text = mon.on if monitored else mon.off
    if mon.kind == "drive":
        for d in world.drive:
            if d.filename == mon.path:
                d.content, d.mtime = text, world.clock
                return
        world.drive.append(Document(str(world.next_doc_id), mon.path, text, "it-ops", world.clock))
        world.next_doc_id += 1
    elif mon.kind == "host":
        host = world.host(mon.host or next(iter(world.hosts)))
        path = normalize(mon.path)
        host.files[path] = VFile(path, len(text.encode()), world.clock, text, "monitoring settings")
    else:
        world.configs[mon.path] = monitoring_config(text)


def monitoring_config(text: str) -> dict[Any, Any]:
    """A ``kind: config`` monitoring file's text as the config it stands for: its YAML mapping, any
    other value under ``value``, and text that is not YAML (validate reports it) kept as a string."""
    import yaml

    try:
        loaded = safe_load(text)
    except yaml.YAMLError:
        return {"value": text}
    return loaded if isinstance(loaded, dict) else {"value": loaded}
