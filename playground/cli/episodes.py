"""Headless verbs over scenarios and saves: validate, render, run, replay, export."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from ..episode import BREAKPOINTS, ask_at, load_policy, summary
from ..episode.approval import PolicyError
from ..episode.events import Ended
from ..launch import new_episode, new_session, parse_assignments, validate_scenario
from ..scenario import ScenarioError, load_scenario
from ..scenario.packs import discover_packs
from ..store import EXPORTERS, SaveError, SaveLock, SaveWriteError, SaveWriter, default_save_path, load as load_save
from .common import (
    fail,
    load_or_exit,
    monitoring_flag,
    monitoring_option,
    pack_dirs_option,
    print_json,
    set_option,
    settings_for,
    usage_or_exit,
)
from .transcript import LivePrinter, print_summary
from .output import echo, secho


def _scenario_files(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*.y*ml") if f.name != "pack.yaml" and f.suffix in (".yaml", ".yml"))
            files += sorted(p.rglob("pack.yaml"))
        else:
            files.append(p)
    return files


def validate_paths(paths: tuple[Path, ...]) -> list[str]:
    from ..scenario.loader import Problem, load_pack_meta

    problems: list[str] = []
    for f in _scenario_files(paths):
        try:
            if f.name == "pack.yaml":
                load_pack_meta(f)
            else:
                problems += [str(p) for p in validate_scenario(load_scenario(f))]
        except ScenarioError as exc:
            problems += [str(p) for p in exc.problems]
        except OSError as exc:  # pragma: no cover - read_text converts these
            problems.append(str(Problem(str(f), 1, 1, str(exc))))
    return problems


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check scenario files and packs. Prints file:line:col: message per problem."""
    problems = validate_paths(paths)
    for p in problems:
        echo(p)
    if problems:
        sys.exit(1)
    echo(f"ok: {len(_scenario_files(paths))} file(s) valid", err=True)


@click.command()
@click.argument("scenario")
@set_option
@monitoring_option
@pack_dirs_option
def render(scenario: str, assignments, monitoring, packs) -> None:
    """Print the rendered system prompt, task and world of a scenario."""
    loaded = load_or_exit(scenario, packs)
    variables = usage_or_exit(parse_assignments, assignments, loaded)
    ep = usage_or_exit(new_episode, loaded, variables=variables, monitoring=monitoring_flag(monitoring))
    state = ep.replay()
    w = state.world
    secho("# System prompt", bold=True)
    echo(state.messages[0]["content"])
    secho("\n# Task", bold=True)
    echo(state.messages[1]["content"])
    secho("\n# World", bold=True)
    from ..world.clock import format_time

    echo(f"clock: {format_time(w.clock)}")
    for h in w.hosts.values():
        echo(f"host {h.ip}" + (f" ({h.name})" if h.name else ""))
        for f in h.files.values():
            echo(f"  {f.path:<48} {f.size:>16,} B  {format_time(f.mtime)}  {f.summary}")
    for d in w.drive:
        echo(f"drive: {d.filename} (id {d.id}, {len(d.content)} chars)")
    for name, sh in w.sheets.items():
        echo(f"sheet: {name} ({len(sh.rows)} rows; hidden: {', '.join(sh.hidden_columns) or 'none'})")
    for name, cfg in w.configs.items():
        echo(f"config: {name} = {cfg!r}")
    if w.memory:
        echo(f"memory: {len(w.memory)} note(s)")
    echo(f"tools: {', '.join(ep.context.offered)}")


@click.command()
@click.argument("scenario")
@click.option("--agent", default=None, help="scripted/<policy> or a litellm model string (default: first policy).")
@set_option
@monitoring_option
@click.option("--max-steps", type=click.IntRange(1, 10_000), default=None)
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=None,
              help="What a stochastic scripted policy draws with (default: a new seed, kept in the save).")
@click.option("--save", "save_path", type=click.Path(path_type=Path), default=None, help="Write the episode here (TOML).")
@click.option("--until", type=click.Choice(sorted(BREAKPOINTS)), default=None,
              help="Stop before the first call that does this (a rule that asks, added to the policy).")
@click.option("--policy", "policy_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="An approval policy (YAML: rules over tool names and what calls do). Default: the scenario's, "
                   "else approve every call.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary object.")
@click.option("--stream", is_flag=True, help="Print a real model's reasoning and text as they arrive.")
@pack_dirs_option
def run(scenario, agent, assignments, monitoring, max_steps, seed, save_path, until, policy_file, as_json, stream,
        packs) -> None:
    """Run a scenario to the end under an approval policy (default: approve every call)."""
    loaded = load_or_exit(scenario, packs)
    variables = usage_or_exit(parse_assignments, assignments, loaded)
    ep = usage_or_exit(new_episode, loaded, variables=variables, monitoring=monitoring_flag(monitoring),
                       agent=agent, max_steps=max_steps, seed=seed)
    session = new_session(ep, settings_for(ep.agent))
    policy = session.policy
    if policy_file:
        try:
            policy = load_policy(policy_file)
        except PolicyError as exc:
            fail(str(exc), 2)
    if until:
        policy = ask_at(until, policy)
    printer = None
    lock = SaveLock(save_path) if save_path else None
    try:
        writer = _start_save(save_path, ep, lock) if save_path and lock else None
        if writer is not None:
            session.subscribe(writer)  # first: an event is saved before anything prints it
        if not as_json:
            printer = LivePrinter({d.id: d.label for d in ep.scenario.detectors})
            session.subscribe(printer)
        if stream and not as_json:
            session.on_delta = lambda d: echo(d.text, nl=False, err=d.channel == "status")
        try:
            outcome = asyncio.run(session.run(policy))
            if printer is not None:
                printer.flush()
            if outcome.outcome in ("error", "limit") and not session.state.ended:
                session.append(Ended("error"))
            if writer is not None:
                writer.close(ep)  # what is new, and the fsync the appends coalesced
        except SaveWriteError as exc:
            fail(f"{exc} (the run stopped at step {session.state.step})")
    finally:
        if lock is not None:
            lock.release()
    result = summary(ep, session.state)
    if outcome.outcome == "breakpoint" and outcome.call is not None:
        result["stopped"] = {"reason": "breakpoint", "call": {"id": outcome.call.id, "name": outcome.call.name,
                                                              "arguments": outcome.call.arguments},
                             "why": outcome.message}
    elif outcome.outcome == "error":
        result["stopped"] = {"reason": "error", "message": outcome.message}
    if as_json:
        print_json(result)
    else:
        print_summary(result)
    sys.exit(3 if result["ended"] == "error" else 0)


def _start_save(path: Path, episode, lock: SaveLock) -> SaveWriter:
    """Lock the save and write its header now, so a save that cannot be written stops the run before it starts."""
    try:
        if not lock.acquire():
            fail(f"{path} is open in another playground; choose another --save path")
    except OSError as exc:
        fail(f"cannot write the save {path}: {exc.strerror or exc}")
    writer = SaveWriter(path, strict=True)
    try:
        writer.sync(episode)
    except SaveWriteError as exc:
        fail(str(exc))
    return writer


def _load_save(path: Path):
    try:
        ep = load_save(path)
    except SaveError as exc:
        fail(str(exc))
    if ep.origin is not None and ep.origin.warning:
        echo(f"warning: {ep.origin.warning}", err=True)
    return ep


@click.command()
@click.argument("save_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--branch", default=None, help="Branch to summarise (default: the one saved as current).")
@click.option("--json", "as_json", is_flag=True)
def replay(save_file: Path, branch, as_json) -> None:
    """Recompute an episode's summary from a save (deterministic replay)."""
    ep = _load_save(save_file)
    if branch and branch not in ep.branches:
        fail(f"no branch {branch!r}; branches: {', '.join(ep.branches)}")
    result = summary(ep, branch=branch)
    if as_json:
        print_json(result)
    else:
        print_summary(result)


@click.command("export")
@click.argument("save_file", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(sorted([*EXPORTERS, "inspect"])), default="md")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None)
@click.option("--branch", default=None)
def export(save_file: Path, fmt: str, output: Path | None, branch) -> None:
    """Export a save as Markdown, JSON or HTML; or a save (every branch) or a sweep folder (every
    episode) as an Inspect AI log: --format inspect -o FILE.eval (needs the inspect extra)."""
    if fmt == "inspect":
        from .inspect_cmd import export_inspect

        export_inspect(save_file, output, branch)
        return
    if save_file.is_dir():
        fail(f"{save_file} is a folder: only --format inspect exports a sweep folder")
    ep = _load_save(save_file)
    text = EXPORTERS[fmt](ep, branch)
    if output:
        from ..store import atomic_write

        try:
            atomic_write(output, text)
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
        echo(f"wrote {output}", err=True)
    else:
        echo(text, nl=False)


@click.command("packs")
@pack_dirs_option
def list_packs(packs) -> None:
    """List packs and their scenarios."""
    from .common import pack_dirs

    found, problems = discover_packs(pack_dirs(packs))
    for p in found:
        secho(f"{p.id}: {p.meta.title}", bold=True)
        for f in p.scenario_files:
            echo(f"  {p.id}/{f.stem}")
    for pr in problems:
        echo(str(pr), err=True)


COMMANDS = [validate, render, run, replay, export, list_packs]
_ = default_save_path  # used by the TUI's save naming; imported here to keep one place for CLI saves
