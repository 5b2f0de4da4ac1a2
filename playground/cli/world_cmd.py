"""``playground world SAVE``: the simulated world after any step of a saved episode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..visible_text import json_visible
from .common import fail
from .output import echo, secho


def world_dict(at: Any, last_step: int) -> dict[str, Any]:
    """The JSON object of ``playground world --json`` (``at`` is an ``episode.WorldAt``)."""
    from ..world.clock import format_time

    w = at.world
    return {
        "step": at.step, "branch": at.branch, "last_step": last_step, "clock": format_time(w.clock),
        "hosts": [{"ip": h.ip, "name": h.name, "alive": h.alive, "users": list(h.users),
                   "files": [{"path": f.path, "size": f.size, "mtime": format_time(f.mtime), "summary": f.summary,
                              "owner": f.owner, "mode": f.mode} for f in h.files.values()],
                   "delete_queue": list(h.delete_queue)} for h in w.hosts.values()],
        "configs": w.configs,
        "drive": [{"id": d.id, "filename": d.filename, "owner": d.owner, "mtime": format_time(d.mtime),
                   "chars": len(d.content)} for d in w.drive],
        "sheets": [{"name": s.name, "columns": list(s.columns), "rows": [list(r) for r in s.rows],
                    "hidden_columns": list(s.hidden_columns)} for s in w.sheets.values()],
        "shutdowns": list(w.shutdowns),
        "reports": list(w.reports),
        "memory": list(w.memory),
        "ended": w.ended,
        "changed": at.changed.to_dict(),
    }


_SIGN = {"added": "+", "modified": "~", "removed": "-"}


def _value(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def print_world(at: Any, last_step: int) -> None:
    from ..world.clock import format_time

    w, ch = at.world, at.changed
    secho(f"world after step {at.step} of {last_step} · branch {at.branch} · clock {format_time(w.clock)}",
                bold=True)
    for h in w.hosts.values():
        state = "" if h.alive else "  [shut down]"
        echo(f"host {h.ip}" + (f" ({h.name})" if h.name else "") + state)
        for f in h.files.values():
            c = ch.file(h.ip, f.path)
            mark = _SIGN[c.change] if c else " "
            echo(f" {mark} {f.path:<48} {f.size:>16,} B  {format_time(f.mtime)}  {f.summary}")
        for c in ch.files:
            if c.host == h.ip and c.change == "removed":
                echo(f" - {c.path:<48} {c.size:>16,} B  {format_time(c.mtime)}  (removed at this step)")
        if h.delete_queue:
            echo(f"   delete queue: {', '.join(h.delete_queue)}")
    for name, cfg in w.configs.items():
        echo(f"config {name}")
        items = cfg.items() if isinstance(cfg, dict) else [("value", cfg)]
        for key, value in items:
            changed = any(c.config == name and c.key in (key, None) for c in ch.configs)
            echo(f" {'~' if changed else ' '} {key}: {_value(value)}")
    for d in w.drive:
        mark = next((_SIGN[c.change] for c in ch.drive if c.id == d.id), " ")
        echo(f"drive {mark} {d.filename} (id {d.id}, {d.owner}, {format_time(d.mtime)}, {len(d.content)} chars)")
    for s in w.sheets.values():
        echo(f"sheet {s.name} ({len(s.rows)} rows; hidden: {', '.join(s.hidden_columns) or 'none'})")
    for target in w.shutdowns:
        echo(f"shutdown executed: {target}")
    for report in w.reports:
        echo("report: " + ", ".join(f"{k}={_value(v)}" for k, v in report.items()))
    if w.ended:
        echo("task ended by the agent")
    echo(f"changed at step {at.step}: {_changes(ch)}")


def _changes(ch: Any) -> str:
    parts = [f"{_SIGN[c.change]}{c.path} on {c.host}" for c in ch.files]
    parts += [f"host {c.host} {c.change.replace('_', ' ')}" for c in ch.hosts]
    parts += [f"delete queue on {c.host}" + "".join(f" +{p}" for p in c.added) + "".join(f" -{p}" for p in c.removed)
              for c in ch.delete_queues]
    parts += [f"{c.config}{'' if c.key is None else ':' + str(c.key)} {c.change}" for c in ch.configs]
    parts += [f"drive {_SIGN[c.change]}{c.filename}" for c in ch.drive]
    parts += [f"sheet {c.name} {c.change}" for c in ch.sheets]
    parts += [f"shutdown {t}" for t in ch.shutdowns]
    parts += [f"report {r.get('kind', '')}".rstrip() for r in ch.reports]
    parts += ["memory note added"] * len(ch.memory) + (["task ended"] if ch.ended else [])
    return "; ".join(parts) if parts else "nothing in the world"


@click.command("world")
@click.argument("save_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--step", type=int, default=None, help="The step to show (0: before the first turn; default: the last).")
@click.option("--branch", default=None, help="Branch to show (default: the one saved as current).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def world(save_file: Path, step: int | None, branch: str | None, as_json: bool) -> None:
    """Print the simulated world after a step of a saved episode: hosts, files, configs, drive, sheets,
    delete queues, shutdowns, and what that step changed."""
    from ..episode import StepOutOfRange
    from ..store import SaveError, load

    try:
        ep = load(save_file)
    except SaveError as exc:
        fail(str(exc))
    if branch is not None and branch not in ep.branches:
        fail(f"no branch {branch!r}; branches: {', '.join(ep.branches)}", 2)
    timeline = ep.timeline(branch)
    try:
        at = timeline.at(step)
    except StepOutOfRange as exc:
        fail(str(exc), 2)
    if as_json:
        # default=str: a config value YAML read as a date prints as its ISO text
        text = json.dumps(world_dict(at, timeline.last_step), ensure_ascii=False, default=str)
        click.echo(json_visible(text))  # text that a terminal would act on is escaped, as print_json does
    else:
        print_world(at, timeline.last_step)


COMMANDS = [world]
