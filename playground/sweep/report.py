"""The results of a sweep: of a run just finished, or of a sweep folder read back (``--report``),
without running anything: the plan from ``sweep.json``, each episode from the ledger or, failing
that, by replaying its save."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..store import SaveError, load as load_save
from .outcome import Outcome
from .plan import Cell, PlanError, episode_path
from .results import tabulate
from .run import NOT_RUN, REUSED, Ledger, SweepRun, read_manifest


def results_of(run: SweepRun) -> dict[str, Any]:
    by_cell: dict[Cell, list[Outcome]] = {c: [] for c in run.plan.cells}
    for d in run.done:
        if d.outcome is not None:
            by_cell[d.task.cell].append(d.outcome)
    counts = run.counts()
    episodes = {"planned": counts["planned"], "finished": sum(o.finished for v in by_cell.values() for o in v),
                "ran": counts["ran"], "resumed": counts["resumed"], "reused": counts["reused"],
                "not_run": counts["not_run"], "errors": counts["error"]}
    return tabulate(((c, by_cell[c], run.plan.n) for c in run.plan.cells), out=run.out, seed=run.plan.seed,
                    episodes=episodes, stopped=run.stopped)


def report(out: Path) -> dict[str, Any]:
    """The results of the sweep in ``out`` as they stand."""
    out = Path(out)
    manifest = read_manifest(out)
    if manifest is None:
        raise PlanError(f"{out} holds no sweep (no sweep.json)")
    ledger = Ledger(out)
    rows = []
    finished = missing = errors = 0
    try:
        n = int(manifest["n"])
        cells = [Cell(c["scenario"], c["agent"], tuple((str(k), str(v)) for k, v in c["variables"].items()),
                      c["monitoring"] == "on") for c in manifest["cells"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanError(f"{out / 'sweep.json'}: not a sweep manifest ({exc})") from None
    for cell in cells:
        outcomes = []
        for i in range(n):
            path = episode_path(out, cell, i)
            outcome = ledger.get(path)
            if outcome is None and path.exists():
                try:
                    ep = load_save(path)
                except SaveError:
                    outcome = None
                else:
                    outcome = Outcome.of(ep, ep.replay())
            if outcome is None:
                missing += 1
                continue
            outcomes.append(outcome)
            finished += outcome.finished
            errors += not outcome.finished
        rows.append((cell, outcomes, n))
    episodes = {"planned": n * len(cells), "finished": finished, "ran": 0, "resumed": 0, REUSED: finished,
                NOT_RUN: missing, "errors": errors}
    return tabulate(rows, out=out, seed=int(manifest.get("seed", 0)), episodes=episodes)


def episodes_of(out: Path, cell: dict[str, Any]) -> list[tuple[Path, Outcome | None]]:
    """The episodes of one cell of ``report(out)["cells"]`` (its ``dir``): each save's path and what
    it counted for (None: unreadable)."""
    folder = Path(out) / "episodes" / str(cell["dir"])
    ledger = Ledger(out)
    rows: list[tuple[Path, Outcome | None]] = []
    for path in sorted(folder.glob("*.toml")):
        outcome = ledger.get(path)
        if outcome is None:
            try:
                ep = load_save(path)
            except SaveError:
                outcome = None
            else:
                outcome = Outcome.of(ep, ep.replay())
        rows.append((path, outcome))
    return rows


def is_sweep(folder: Path) -> bool:
    return (Path(folder) / "sweep.json").is_file()
