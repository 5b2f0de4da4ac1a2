"""Authoring verbs: ``lint`` (checks beyond validation) and ``schema`` (JSON Schema for editors)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..scenario import LoadedScenario, ScenarioError, load_scenario
from ..scenario.loader import Problem
from ..scenario.packs import Pack, discover_packs, read_pack
from .common import pack_dirs, pack_dirs_option
from .output import echo


def headless_runner(loaded: LoadedScenario, policy: str, monitoring: bool | None, variables: dict[str, str]) -> dict[str, Any]:
    """Run a scripted policy in-process and return the run's summary (what lint compares). A
    stochastic policy runs once per combination of alternatives: the summaries are in ``paths``."""
    from ..launch import run_headless, run_paths

    if loaded.scenario.policies[policy].stochastic:
        paths = run_paths(loaded, policy, monitoring=monitoring, variables=variables)
        return {**paths[0], "paths": paths}
    return run_headless(loaded, agent="scripted/" + policy, monitoring=monitoring, variables=variables)[1]


def _targets(refs: tuple[str, ...], packs: tuple[Path, ...]) -> tuple[list[tuple[str, list[Path]]], list[Problem]]:
    """(label, scenario files) per pack asked for: a pack folder, a folder of packs, a pack id, or a scenario file."""
    out: list[tuple[str, list[Path]]] = []
    problems: list[Problem] = []
    if not refs:
        found, problems = discover_packs(pack_dirs(packs))
        return [(p.id, p.scenario_files) for p in found], problems
    for ref in refs:
        path = Path(ref)
        if path.is_file() and path.suffix in (".yaml", ".yml"):
            out.append((ref, [path]))
        elif path.is_dir() and (path / "pack.yaml").is_file():
            try:
                pack: Pack = read_pack(path)
            except ScenarioError as exc:
                problems += exc.problems
                continue
            out.append((pack.id, pack.scenario_files))
        elif path.is_dir():
            found, probs = discover_packs([path])
            problems += probs
            if not found and not probs:
                problems.append(Problem(ref, 1, 1, "no pack.yaml here or in its subfolders"))
            out += [(p.id, p.scenario_files) for p in found]
        else:
            found, probs = discover_packs(pack_dirs(packs))
            match = [p for p in found if p.id == ref]
            if not match:
                known = ", ".join(p.id for p in found) or "none found"
                problems.append(Problem(ref, 1, 1, f"not a pack folder, scenario file or pack id (packs: {known})"))
            out += [(p.id, p.scenario_files) for p in match]
    return out, problems


def lint_files(files: list[Path], pack_id: str | None = None, run_policies: bool = True,
               interventions: bool = False) -> list[Problem]:
    from ..launch import validate_scenario
    from ..scenario.lint import lint_scenario
    from ..world import TOOLS

    problems: list[Problem] = []
    for f in files:
        try:
            loaded = load_scenario(f, pack_id)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        unknown = validate_scenario(loaded)
        if unknown:  # the policies cannot run without their tools, nor where validate finds problems
            problems += unknown
            continue
        probe = None
        if run_policies and interventions:
            from ..agents.interventions import probe
        problems += lint_scenario(loaded, TOOLS, headless_runner if run_policies else None, probe)
    return problems


@click.command()
@click.argument("refs", nargs=-1, metavar="[PACK]...")
@click.option("--no-run", is_flag=True, help="Do not run the scripted policies (static checks only).")
@click.option("--interventions", is_flag=True,
              help="Also play every scripted policy against a user who rejects each call, edits each result and "
                   "flips monitoring after each step, and check that it notices (slower).")
@pack_dirs_option
def lint(refs: tuple[str, ...], no_run: bool, interventions: bool, packs: tuple[Path, ...]) -> None:
    """Check packs beyond validation: unreachable detectors, tools not offered, unused variables,
    scripted policies that never end or do not show what they claim, true scores out of place;
    with --interventions, policies that ignore what the user did.

    PACK is a pack folder, a folder of packs, a pack id or a scenario file (default: every pack found).
    Prints file:line:col: message per problem; exits 1 if there are any.
    """
    targets, problems = _targets(refs, packs)
    count = 0
    for label, files in targets:
        pack_id = label if not label.endswith((".yaml", ".yml")) else None
        problems += lint_files(files, pack_id, run_policies=not no_run, interventions=interventions)
        count += len(files)
    for p in problems:
        echo(str(p))
    if problems:
        sys.exit(1)
    echo(f"ok: {count} scenario(s) in {len(targets)} target(s) lint clean", err=True)


@click.command()
@click.option("--pack", "pack_file", is_flag=True, help="The schema of pack.yaml instead of scenario files.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write to a file.")
def schema(pack_file: bool, output: Path | None) -> None:
    """Print the JSON Schema of scenario files (for editors' YAML support)."""
    from ..scenario.schema_export import pack_schema, scenario_schema

    text = json.dumps(pack_schema() if pack_file else scenario_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


COMMANDS = [lint, schema]
