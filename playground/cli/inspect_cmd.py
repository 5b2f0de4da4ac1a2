"""The Inspect AI side of the headless verbs (``export --format inspect``, ``import FILE.eval``): thin
wrappers over ``playground.interop`` that turn every failure into a one-line error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..interop import InspectMissing, InteropError, require_inspect
from .common import fail, print_json
from .output import echo


def inspect_json(path: Path) -> bool:
    """Whether a .json file is an Inspect log (it opens with its ``version`` and ``status``), not a transcript."""
    import re

    try:
        with open(path, "rb") as fh:
            head = fh.read(512).decode("utf-8", "replace")
    except OSError:
        return False
    return re.match(r'\s*\{\s*"version"\s*:\s*\d+\s*,\s*"status"\s*:', head) is not None


def _require() -> None:
    try:
        require_inspect()
    except InspectMissing as exc:
        fail(str(exc))


def export_inspect(source: Path, output: Path | None, branch: str | None) -> None:
    if output is None:
        fail("--format inspect writes a log file: pass -o FILE.eval")
    if branch:
        fail("--format inspect exports every branch (one sample each); drop --branch")
    _require()
    from ..interop.inspect_export import export

    try:
        log = export(source, output)
    except InteropError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    echo(f"wrote {output} ({len(log.samples or [])} sample(s))", err=True)


def import_inspect(path: Path, *, save_dir: Path | None, scenario: str | None, assignments: tuple[str, ...],
                   sample: str | None, epoch: int | None, as_json: bool, pack_dirs: Any) -> int:
    """Import every sample of an Inspect log (or the one asked for); print the summaries. 1 on failure."""
    from .output import secho

    try:
        require_inspect()
    except InspectMissing as exc:
        echo(f"error: {exc}", err=True)
        return 1
    from ..interop.inspect_import import import_log, save_import

    try:
        items = import_log(path, sample=sample, epoch=epoch, scenario=scenario, assignments=assignments,
                           pack_dirs=pack_dirs)
        if save_dir is not None:
            for item in items:
                save_import(item, save_dir)
    except InteropError as exc:
        if as_json:
            print_json({"source": str(path), "error": str(exc)})
        else:
            echo(f"error: {exc}", err=True)
        return 1
    except OSError as exc:
        echo(f"error: {path}: cannot save ({exc.strerror or exc})", err=True)
        return 1
    if as_json:
        data = [item.to_json() for item in items]
        print_json(data if len(data) > 1 else data[0])
        return 0
    for item in items:
        imp = item.imported
        state = imp.state
        where = f" → {imp.save_path}" if imp.save_path else ""
        secho(f"{path.name} · sample {item.sample_id} · epoch {item.epoch}{where}", bold=True)
        echo(f"  {imp.episode.loaded.ref} · recorded {imp.recording.model} · {state.step} steps · ended {state.ended}")
        echo(f"  {'recorded only: ' if item.recorded_only else 'world: '}{item.scenario_why}")
        echo("  behaviours: " + (", ".join(state.behaviours()) or "none"))
        for w in imp.warnings:
            secho(f"  warning: {w}", fg="yellow", err=True)
        if imp.save_path:
            echo(f"  open it with: playground tui {imp.save_path}")
    return 0
