"""Headless verbs for outside transcripts and follow-up questions: import, agree, interview."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from ..defaults import SAVE_DIR
from ..episode import EpisodeError
from ..launch import new_session
from ..store import SaveError, SaveLock, SaveWriter, load as load_save
from .common import fail, pack_dirs, pack_dirs_option, print_json, set_option, settings_for
from .inspect_cmd import inspect_json
from .output import echo, secho


def step_ranges(steps: list[int], most: int = 8) -> str:
    """``1, 3–120, 122–400``: runs of steps as ranges, the first ``most`` of them, then how many more."""
    runs: list[list[int]] = []
    for s in sorted(set(steps)):
        if runs and s == runs[-1][1] + 1:
            runs[-1][1] = s
        else:
            runs.append([s, s])
    parts = [f"{a}" if a == b else f"{a}–{b}" for a, b in runs[:most]]
    if len(runs) > most:
        rest = sum(b - a + 1 for a, b in runs[most:])
        parts.append(f"… and {rest} more step(s) in {len(runs) - most} more run(s)")
    return ", ".join(parts)


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--save-dir", type=click.Path(file_okay=False, path_type=Path), default=SAVE_DIR, show_default=True,
              help="Where the imported episodes are saved (one TOML file each, named after the transcript).")
@click.option("--no-save", is_flag=True, help="Replay and report only; write nothing.")
@click.option("--scenario", default=None, help="Replay in this scenario (pack/id or file) instead of the one the metadata picks.")
@set_option
@click.option("--model", default=None, help="Name of the recorded model, for files that do not say.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file per line.")
@click.option("--sample", "sample_id", default=None, help="Inspect logs (.eval): import only this sample id.")
@click.option("--epoch", type=int, default=None, help="Inspect logs (.eval): import only this epoch.")
@pack_dirs_option
def import_(files, save_dir, no_save, scenario, assignments, model, as_json, sample_id, epoch, packs) -> None:
    """Import transcripts (the study's JSON, or OpenAI-format messages) as steppable episodes; an Inspect
    AI log (.eval) imports each sample as an episode (needs the inspect extra)."""
    from ..study.importer import ImportFailure, divergences, import_file, save_imported

    failed = 0
    for f in files:
        if f.suffix == ".eval" or (f.suffix == ".json" and inspect_json(f)):
            from .inspect_cmd import import_inspect

            failed += import_inspect(f, save_dir=None if no_save else save_dir, scenario=scenario,
                                     assignments=assignments, sample=sample_id, epoch=epoch, as_json=as_json,
                                     pack_dirs=pack_dirs(packs))
            continue
        try:
            imp = import_file(f, model=model, scenario=scenario, assignments=assignments, pack_dirs=pack_dirs(packs))
            if not no_save:
                save_imported(imp, save_dir)
        except ImportFailure as exc:
            failed += 1
            if as_json:
                print_json({"source": str(f), "error": str(exc)})
            else:
                echo(f"error: {exc}", err=True)
            continue
        except OSError as exc:
            failed += 1
            echo(f"error: {f}: cannot save ({exc})", err=True)
            continue
        if as_json:
            print_json(imp.to_json())
            continue
        state = imp.state
        divs = divergences(imp.episode, "main", state)
        where = f" → {imp.save_path}" if imp.save_path else ""
        secho(f"{f.name}{where}", bold=True)
        echo(f"  {imp.episode.loaded.ref} · recorded {imp.recording.model} · {state.step} steps · ended {state.ended}"
                   + (f" · {len(state.interviews)} follow-up questions" if state.interviews else ""))
        echo("  variables: " + ", ".join(f"{k}={v}" for k, v in imp.episode.variables.items())
                   + f" · recorded condition: {imp.episode.source.get('condition') or 'unknown'}")
        echo("  behaviours: " + (", ".join(state.behaviours()) or "none"))
        if imp.recording.flags:
            echo("  study's flags: " + ", ".join(f"{k}={v}" for k, v in imp.recording.flags.items()))
        echo(f"  the world was rebuilt from the recording: {len(imp.episode.source.get('world_facts') or {})} facts; "
             f"replayed, it answered differently at {len(divs)} step(s)"
             + (f": {step_ranges([d['step'] for d in divs])}" if divs else "")
             + (" (--json lists each)" if len(divs) > 12 else ""))
        for w in imp.warnings:
            secho(f"  warning: {w}", fg="yellow", err=True)
        if imp.save_path:
            echo(f"  open it with: playground tui {imp.save_path}")
    sys.exit(1 if failed else 0)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--scenario", default=None, help="Replay every file in this scenario instead of the one its metadata picks.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as one JSON object.")
@pack_dirs_option
def agree(paths, scenario, as_json, packs) -> None:
    """Compare the study's own flags with our detectors on each transcript's replay."""
    from ..study.agreement import agreement, render_text

    report = agreement(list(paths), scenario=scenario, pack_dirs=pack_dirs(packs))
    if as_json:
        print_json(report)
    else:
        echo(render_text(report), nl=False)
    if report["errors"] or not report["files"]:
        sys.exit(1)


@click.command()
@click.argument("save_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("question")
@click.option("--agent", default=None, help="Ask this agent instead of the branch's own (scripted/<policy> or a litellm model).")
@click.option("--branch", default=None, help="Ask on this branch (default: the save's current one).")
@click.option("--json", "as_json", is_flag=True)
def interview(save_file: Path, question: str, agent, branch, as_json) -> None:
    """Ask the agent of a saved episode a follow-up question; the answer is saved with the episode."""
    try:
        episode = load_save(save_file)
    except SaveError as exc:
        fail(str(exc))
    if branch and branch not in episode.branches:
        fail(f"no branch {branch!r}; branches: {', '.join(episode.branches)}")
    asked = agent or episode.branches[branch or episode.current].agent or episode.agent
    session = new_session(episode, settings_for(asked))
    current = episode.current
    if branch:
        session.switch(branch)
    try:
        event = asyncio.run(session.interview(question, agent=agent))
    except EpisodeError as exc:
        fail(str(exc))
    episode.current = current
    lock = SaveLock(save_file)
    try:
        if not lock.acquire():
            fail(f"{save_file} is open in another playground; close it there first")
        writer = SaveWriter(save_file)  # appends the answer to the save it was read from
        if not writer.close(episode):
            fail(str(writer.error))
    except OSError as exc:
        fail(f"cannot write the save {save_file}: {exc.strerror or exc}")
    finally:
        lock.release()
    if as_json:
        print_json({"question": event.question, "answer": event.answer, "reasoning": event.reasoning,
                    "agent": event.agent, "branch": branch or current, "save": str(save_file)})
        return
    if event.reasoning:
        secho(event.reasoning, fg="magenta")
    echo(event.answer)
    secho(f"({event.agent} · saved to {save_file})", dim=True, err=True)


COMMANDS = [import_, agree, interview]
