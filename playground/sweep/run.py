"""Running a sweep: every episode of the plan concurrently (asyncio, at most ``concurrency`` at
a time), each saved as it runs to its own file under ``out/episodes/<cell>/``, and resumable.

A re-run with the same folder runs only what is not done: an episode whose save has ended is
counted from the ledger (``out/ledger.jsonl``, one line per finished episode, trusted while the
save's size and mtime are unchanged, else the save is replayed), one whose save stopped part way
(a crash, ctrl+c, a model failure) is continued from the save, the rest are started. A save that
cannot be read is moved aside (``.unreadable``), never overwritten.

Real models: a 429 or a dropped connection pauses every episode (``throttle``) and is retried
with backoff; ``max_cost`` stops starting episodes once this run has spent that much (what ran is
kept, and the next run resumes).
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..episode import Agent, ApprovalPolicy, Episode, RetryPolicy, Session
from ..episode.events import Ended, Event, ModelTurn
from ..episode.start import new_episode as start_episode
from ..store import SaveError, SaveWriter, atomic_write, load as load_save, save
from .outcome import ERROR, Outcome
from .plan import SCRIPTED, Plan, PlanError, Task
from .throttle import Throttle, gated

LEDGER = "ledger.jsonl"
MANIFEST = "sweep.json"
SWEEP_RETRY = RetryPolicy(max_retries=8, base=1.0, factor=2.0, cap=60.0)  # a rate limit slows, not fails

# statuses of an episode in a run
RAN, RESUMED, REUSED, NOT_RUN = "ran", "resumed", "reused", "not_run"


@dataclass
class Done:
    task: Task
    status: str
    outcome: Outcome | None = None
    message: str = ""


@dataclass
class Progress:
    total: int
    done: int = 0
    ran: int = 0
    reused: int = 0
    running: int = 0
    spent: float = 0.0  # dollars this run
    stopped: str = ""  # why no more episodes start ("max-cost")
    pauses: int = 0


@dataclass
class SweepRun:
    plan: Plan
    out: Path
    done: list[Done] = field(default_factory=list)
    spent: float = 0.0
    stopped: str = ""

    def counts(self) -> dict[str, int]:
        c = {"planned": len(self.done), RAN: 0, RESUMED: 0, REUSED: 0, NOT_RUN: 0, ERROR: 0}
        for d in self.done:
            c[d.status] += 1
            if d.outcome is not None and not d.outcome.finished:
                c[ERROR] += 1
        return c


# -- the folder ---------------------------------------------------------------------------

def read_manifest(out: Path) -> dict[str, Any] | None:
    try:
        return json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise PlanError(f"{Path(out) / MANIFEST}: not readable ({exc})") from None


def write_manifest(out: Path, plan: Plan) -> None:
    Path(out).mkdir(parents=True, exist_ok=True)
    atomic_write(Path(out) / MANIFEST, json.dumps(plan.manifest(), indent=2, ensure_ascii=False) + "\n")


class Ledger:
    """Finished episodes, one JSON line each, appended as they finish."""

    def __init__(self, out: Path) -> None:
        self.path = Path(out) / LEDGER
        self.entries: dict[str, dict[str, Any]] = {}
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            lines = []
        for line in lines:
            try:
                entry = json.loads(line)
                self.entries[entry["path"]] = entry
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line: that episode is replayed from its save instead
        self.root = Path(out)

    def _stat(self, path: Path) -> tuple[int, int] | None:
        try:
            st = path.stat()
        except OSError:
            return None
        return st.st_size, st.st_mtime_ns

    def get(self, path: Path) -> Outcome | None:
        entry = self.entries.get(self._rel(path))
        if entry is None or self._stat(path) != (entry.get("size"), entry.get("mtime_ns")):
            return None
        try:
            return Outcome.from_dict(entry["outcome"])
        except (KeyError, TypeError, ValueError):
            return None

    def add(self, path: Path, outcome: Outcome) -> None:
        stat = self._stat(path)
        if stat is None:
            return
        entry = {"path": self._rel(path), "size": stat[0], "mtime_ns": stat[1], "outcome": outcome.to_dict()}
        self.entries[entry["path"]] = entry
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def _rel(self, path: Path) -> str:
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return Path(path).as_posix()


def _set_aside(path: Path) -> Path:
    n = 0
    while True:
        target = path.with_name(path.name + (".unreadable" if n == 0 else f".unreadable-{n}"))
        if not target.exists():
            os.replace(path, target)
            return target
        n += 1


# -- one episode ---------------------------------------------------------------------------

def new_episode(plan: Plan, task: Task) -> Episode:
    episode = start_episode(plan.scenarios[task.cell.scenario], variables=dict(task.cell.variables),
                            monitoring=task.cell.monitoring, agent=task.cell.agent, seed=task.seed)
    episode.source = {"sweep": {**task.cell.describe(), "index": task.index, "sweep_seed": plan.seed}}
    return episode


async def run_sweep(plan: Plan, out: Path, *, make_agent: Callable[[str, Episode], Agent], concurrency: int = 4,
                    max_cost: float | None = None, policy: ApprovalPolicy | None = None,
                    retry: RetryPolicy | None = None, throttle: Throttle | None = None,
                    on_progress: Callable[[Progress], None] | None = None) -> SweepRun:
    out = Path(out)
    write_manifest(out, plan)
    ledger = Ledger(out)
    tasks = plan.tasks(out)
    throttle = throttle or Throttle()
    factory = gated(make_agent, throttle)
    retry = retry or SWEEP_RETRY
    run = SweepRun(plan, out)
    progress = Progress(len(tasks))
    gate = asyncio.Semaphore(max(1, concurrency))
    results: list[Done | None] = [None] * len(tasks)

    def tell() -> None:
        progress.spent, progress.stopped, progress.pauses = run.spent, run.stopped, throttle.pauses
        if on_progress is not None:
            on_progress(progress)

    # What is done already needs no turn: count it before anything starts.
    pending: list[tuple[int, Task, Episode | None]] = []
    for i, task in enumerate(tasks):
        outcome = ledger.get(task.path)
        episode = None
        if outcome is None and task.path.exists():
            try:
                episode = load_save(task.path)
            except SaveError:
                _set_aside(task.path)
                episode = None
            else:
                state = episode.replay()
                if state.ended:
                    outcome = Outcome.of(episode, state)
                    ledger.add(task.path, outcome)
                    episode = None
        if outcome is not None and outcome.finished:
            results[i] = Done(task, REUSED, outcome)
            progress.done += 1
            progress.reused += 1
        else:
            pending.append((i, task, episode))
    tell()

    async def one(i: int, task: Task, episode: Episode | None) -> None:
        async with gate:
            if max_cost is not None and run.spent >= max_cost:
                run.stopped = "max-cost"
                results[i] = Done(task, NOT_RUN)
                return
            status = RESUMED if episode is not None else RAN
            episode = episode or new_episode(plan, task)
            progress.running += 1
            tell()
            try:
                results[i] = await _play(episode, task, status, factory, policy, retry, throttle, run)
            finally:
                progress.running -= 1
            outcome = results[i].outcome  # type: ignore[union-attr]
            if outcome is not None and outcome.finished:
                ledger.add(task.path, outcome)
            progress.done += 1
            progress.ran += 1
            tell()

    await asyncio.gather(*(one(i, t, e) for i, t, e in pending))
    run.done = [r for r in results if r is not None]
    return run


async def _play(episode: Episode, task: Task, status: str, factory, policy: ApprovalPolicy | None,
                retry: RetryPolicy, throttle: Throttle, run: SweepRun) -> Done:
    """Run one episode to its end, saving it. A real model's episode is saved as it runs (appended
    after every event), so a crash loses at most an event and the re-run continues it. A new scripted
    episode takes milliseconds: it is saved once at the end, off the event loop (the fsync costs more
    than the episode), and a crash before that only means it runs again, identically."""
    session = Session(episode, factory, retry=retry, policy=policy)
    session.sleep = throttle.pause
    task.path.parent.mkdir(parents=True, exist_ok=True)
    at_end = status == RAN and task.cell.agent.startswith(SCRIPTED)
    writer = None if at_end else SaveWriter(task.path, strict=True)

    def spend(_session: Session, event: Event) -> None:
        if isinstance(event, ModelTurn):
            cost = event.usage.get("cost")
            if isinstance(cost, (int, float)) and not isinstance(cost, bool):
                run.spent += float(cost)

    if writer is not None:
        session.subscribe(writer)
        writer.sync(episode)
    session.subscribe(spend)
    result = await session.run(policy)
    if result.outcome == "breakpoint":
        session.append(Ended("breakpoint"))  # nobody answers "ask" in a sweep: the episode stops there
    elif result.outcome == "limit":
        session.append(Ended("limit"))
    if writer is not None:
        writer.close(episode)  # what is new, and the fsync the appends coalesced
    else:
        await asyncio.to_thread(save, episode, task.path)
    return Done(task, status, Outcome.of(episode, session.state), result.message)
