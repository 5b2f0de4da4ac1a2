"""Headless verbs over populations of episodes: ``resample`` (N alternatives at a step of a
save) and ``sweep`` (conditions x N episodes, with rates, intervals and the study's contrasts)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from ..agents import agent_factory
from ..episode import load_policy
from ..episode.approval import PolicyError
from ..store import SaveError, SaveLock, SaveWriteError, SaveWriter, load as load_save
from ..sweep import (HORIZONS, PlanError, ResampleError, build_plan, parse_monitoring, parse_vary, report, resample,
                     results_of, run_sweep, to_markdown, write_results)
from ..sweep.run import read_manifest
from .common import fail, load_or_exit, pack_dirs_option, settings_for
from .output import echo, print_json

BAR = 30
QUIET_EVERY = 10.0  # seconds between progress lines when stderr is not a terminal


@contextlib.contextmanager
def _progress(total: int, what: str) -> Iterator[Callable[..., None]]:
    """rich's progress bar on stderr when it is a terminal; otherwise a line on stderr at most every
    ``QUIET_EVERY`` seconds (a long run with real models still says how far it is and what it cost)."""
    if not sys.stderr.isatty():
        last = [time.monotonic()]

        def line(completed: int | None = None, status: str | None = None) -> None:
            if time.monotonic() - last[0] >= QUIET_EVERY:
                last[0] = time.monotonic()
                echo(f"{what}: {completed or 0}/{total}" + (f" · {status}" if status else ""), err=True)

        yield line
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  TextColumn("{task.fields[status]}"), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(what, total=total, status="")

        def update(completed: int | None = None, status: str | None = None) -> None:
            fields: dict[str, Any] = {}
            if status is not None:
                fields["status"] = status
            bar.update(task, completed=completed, **fields)

        yield update


def _policy(path: Path | None):
    if path is None:
        return None
    try:
        return load_policy(path)
    except PolicyError as exc:
        fail(str(exc), 2)


def _bar(rate: float | None) -> str:
    return "█" * round((rate or 0) * BAR)


def _pct(entry: dict[str, Any]) -> str:
    if entry.get("rate") is None:
        return "   n/a"
    lo, hi = entry["ci"]
    return f"{100 * entry['rate']:5.1f}%  [{100 * lo:4.1f}, {100 * hi:5.1f}]"


# -- resample ------------------------------------------------------------------------------

@click.command("resample")
@click.argument("save_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--step", type=click.IntRange(1), required=True, help="The turn to draw again (1 = the first).")
@click.option("--branch", default=None, help="Branch to resample (default: the one saved as current).")
@click.option("-n", "n", type=click.IntRange(1, 100_000), default=20, show_default=True, help="How many samples.")
@click.option("--agent", default=None, help="Agent to sample (default: the branch's).")
@click.option("--horizon", type=click.Choice(HORIZONS), default="turn", show_default=True,
              help="turn: only turn K; end: each sample continued to the end (auto-approving, or the scenario's "
                   "approval policy).")
@click.option("--concurrency", type=click.IntRange(1, 256), default=4, show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**42 - 1), default=None,
              help="Which samples to draw (default: samples 1..N; another seed, other samples).")
@click.option("--keep", is_flag=True, help="Add the samples to the save as branches forking at the step.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def resample_cmd(save_file: Path, step: int, branch: str | None, n: int, agent: str | None, horizon: str,
                 concurrency: int, seed: int | None, keep: bool, as_json: bool) -> None:
    """Draw N alternatives for turn K of a saved episode, from exactly what the agent saw before it."""
    try:
        episode = load_save(save_file)
    except SaveError as exc:
        fail(str(exc))
    if episode.origin is not None and episode.origin.warning:
        echo(f"warning: {episode.origin.warning}", err=True)
    own = episode.branches.get(branch or episode.current)
    spec = agent or (own.agent if own is not None else "") or episode.agent
    lock = SaveLock(save_file) if keep else None
    try:
        if lock is not None:
            try:
                if not lock.acquire():
                    fail(f"{save_file} is open in another playground; close it there to keep samples in it")
            except OSError as exc:
                fail(f"cannot write the save {save_file}: {exc.strerror or exc}")
        with _progress(n, f"resampling step {step}") as update:
            done = [0]

            def tick(_sample) -> None:
                done[0] += 1
                update(completed=done[0])

            try:
                result = asyncio.run(resample(episode, step, n, branch=branch, agent=agent, horizon=horizon,
                                              concurrency=concurrency, seed=seed, keep=keep,
                                              make_agent=agent_factory(settings_for(spec)),
                                              on_sample=tick))
            except ResampleError as exc:
                fail(str(exc), 2)
        if keep:
            writer = SaveWriter(save_file, strict=True)
            try:
                writer.close(episode)
            except SaveWriteError as exc:
                fail(str(exc))
    finally:
        if lock is not None:
            lock.release()
    out = result.report()
    if as_json:
        print_json(out)
        return
    echo(f"Resample of step {out['step']} (branch {out['branch']}): {out['n']} samples of {out['agent']}, "
         f"horizon {out['horizon']}" + (f", seed {out['seed']}" if out["seed"] is not None else ""))
    echo("")
    echo("next action (k, rate [95 % CI])")
    for a in out["next_actions"]:
        echo(f"  {a['k']:>4}  {_pct(a)}  {_bar(a['rate'])}")
        echo(f"        {a['action']}")
    if out["behaviours"]:
        echo("")
        echo("behaviours by the end (k/n, rate [95 % CI])")
        for label, e in out["behaviours"].items():
            echo(f"  {label:<22} {e['k']:>4}/{e['n']:<4} {_pct(e)}  {_bar(e['rate'])}")
        echo("ended: " + ", ".join(f"{k} {v}" for k, v in out.get("ended", {}).items()))
    for message, count in out.get("errors", {}).items():
        echo(f"error ({count}x): {message}", err=True)
    if out.get("kept"):
        echo(f"kept as branches in {save_file}: {', '.join(out['kept'])}", err=True)


# -- sweep ---------------------------------------------------------------------------------

def _dry_run(plan, out: Path, agents: tuple[str, ...]) -> None:
    from ..sweep.estimate import estimate

    settings = settings_for(*agents)

    def prices(spec: str):
        from ..agents.llm import LiteLLMAgent, prices as model_prices  # litellm only when a real model is named
        from ..episode import AgentFailure

        try:
            return model_prices(LiteLLMAgent.from_settings(spec, settings).model)
        except AgentFailure:
            return None

    est = estimate(plan, out, prices)
    echo(f"{len(plan.cells)} cells x {plan.n} episodes = {est.episodes} episodes "
         f"({est.done} done already, {est.episodes - est.done} to run), seed {plan.seed}")
    for c in plan.cells:
        echo(f"  {c.scenario}  {c.agent}  {c.condition()}")
    line = f"cost estimate: ${est.dollars:.2f}"
    notes = []
    if est.measured:
        notes.append(f"{len(est.measured)} cell(s) from the cost of their finished episodes")
    if est.rough:
        notes.append(f"{', '.join(sorted(set(est.rough)))} roughly, from litellm's prices and the prompt's size")
    if est.unknown:
        notes.append(f"not counting {', '.join(sorted(set(est.unknown)))}, whose price litellm does not know "
                     "(a local server costs nothing; else run a small -n first)")
    if not notes and est.dollars == 0:
        notes.append("scripted agents cost nothing")
    echo(line + (" (" + "; ".join(notes) + ")" if notes else ""))


@click.command("sweep")
@click.argument("scenarios", nargs=-1)
@click.option("--agent", "agents", multiple=True, help="scripted/<policy> or a model (repeatable).")
@click.option("--vary", multiple=True, metavar="NAME=V1,V2", help="A variable and its values (repeatable).")
@click.option("--monitoring", default=None, metavar="on,off", help="Beliefs to run (default: the scenario's).")
@click.option("-n", "n", type=click.IntRange(1, 1_000_000), default=10, show_default=True,
              help="Episodes per cell.")
@click.option("--concurrency", type=click.IntRange(1, 256), default=4, show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=None,
              help="The sweep's seed (default: a new one, or the folder's when resuming).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the saves and results.json/csv/md (re-using it resumes).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--max-cost", type=click.FloatRange(min=0), default=None, metavar="USD",
              help="Stop starting episodes once this run has spent this much.")
@click.option("--policy", "policy_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="An approval policy for every episode (default: the scenario's, else approve every call).")
@click.option("--dry-run", is_flag=True, help="Print the cells, the episode count and a cost estimate.")
@click.option("--report", "report_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Print the results of the sweep in this folder (runs nothing).")
@pack_dirs_option
def sweep_cmd(scenarios: tuple[str, ...], agents: tuple[str, ...], vary: tuple[str, ...], monitoring: str | None,
              n: int, concurrency: int, seed: int | None, out: Path | None, as_json: bool, max_cost: float | None,
              policy_file: Path | None, dry_run: bool, report_dir: Path | None, packs) -> None:
    """Run every combination of scenario, agent, varied variables and monitoring N times."""
    if report_dir is not None:
        try:
            results = report(report_dir)
        except PlanError as exc:
            fail(str(exc))
        if as_json:
            print_json(results)
        else:
            echo(to_markdown(results), nl=False)
        return
    if not scenarios or not agents or out is None:
        fail("name the scenarios, at least one --agent and --out DIR (or --report DIR)", 2)
    try:
        manifest = read_manifest(out)
    except PlanError as exc:
        fail(str(exc))
    if manifest is not None:
        if seed is not None and seed != manifest.get("seed"):
            fail(f"{out} holds a sweep with seed {manifest.get('seed')}: pass that seed to resume it, or use "
                 "another --out", 2)
        seed = int(manifest.get("seed", 0))
    seed = secrets.randbelow(2**32) if seed is None else seed
    loaded = [load_or_exit(ref, packs) for ref in scenarios]
    try:
        plan = build_plan(loaded, list(agents), parse_vary(vary), parse_monitoring(monitoring), n, seed)
    except PlanError as exc:
        fail(str(exc), 2)
    if dry_run:
        _dry_run(plan, out, agents)
        return
    policy = _policy(policy_file)
    out.mkdir(parents=True, exist_ok=True)
    lock = SaveLock(out / "sweep.json")
    try:
        if not lock.acquire():
            fail(f"another sweep is running in {out}")
    except OSError as exc:
        fail(f"cannot write in {out}: {exc.strerror or exc}")
    try:
        with _progress(len(plan.tasks(out)), "sweep") as update:
            def progress(p) -> None:
                status = f"${p.spent:.4f}" + (f" · {p.running} running" if p.running else "") + \
                         (f" · {p.pauses} waits" if p.pauses else "") + (f" · stopping: {p.stopped}" if p.stopped else "")
                update(completed=p.done, status=status)

            try:
                run = asyncio.run(run_sweep(plan, out, make_agent=agent_factory(settings_for(*agents)),
                                            concurrency=concurrency,
                                            max_cost=max_cost, policy=policy, on_progress=progress))
            except KeyboardInterrupt:
                fail("interrupted: run the same command again to resume (finished episodes are kept)", 130)
            except (SaveWriteError, OSError) as exc:
                fail(f"{exc}: run the same command again to resume")
        results = results_of(run)
        paths = write_results(out, results)
    finally:
        lock.release()
    if as_json:
        print_json(results)
    else:
        echo(to_markdown(results), nl=False)
    echo(f"wrote {', '.join(str(p) for p in paths)}", err=True)
    if results["stopped"]:
        echo(f"stopped starting episodes ({results['stopped']}); run the same command again to go on", err=True)
    sys.exit(3 if results["episodes"]["errors"] else 0)


COMMANDS = [resample_cmd, sweep_cmd]
