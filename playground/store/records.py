"""The records of a version-2 save, and what has been written of an episode.

A save is TOML (tomli-w): a header written once, then one small table per
record, each followed by a terminator comment ``# end <seq> <crc32>``:

    [[branch]]   seq, id, parent ("" for the root), fork_at, label, agent, events
    [[event]]    seq, branch, kind, and the event's own fields
    [[current]]  seq, branch

TOML groups arrays of tables by name, so every record carries ``seq`` and a
reader interleaves them in writing order. A ``[[branch]]`` record both creates
a branch and updates one (a new label or agent, a new parent after a rewind);
``events`` is how many of the branch's own events it keeps, so a rewind that
truncates a branch is a ``[[branch]]`` record with a smaller ``events``. The
terminator says the record before it is complete: a crash mid-record leaves a
tail without one, which a reader drops. Strings stay single-line (TOML
multi-line strings normalise "\\r\\n").
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import tomli_w

from ..episode import Episode
from ..episode.events import Event
from .redact import clean

FORMAT_VERSION = 2
TABLES = ("branch", "event", "current")


def scenario_text(episode: Episode) -> str:
    if episode.scenario_text is None:
        try:
            episode.scenario_text = Path(episode.loaded.path).read_text(encoding="utf-8")
        except OSError:
            episode.scenario_text = ""
    return episode.scenario_text


def header(episode: Episode) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "id": episode.id,
        "created": episode.created,
        "scenario": episode.loaded.ref,
        "scenario_path": str(episode.loaded.path),
        "pack_id": episode.loaded.pack_id or "",
        "agent": episode.agent,
        "monitoring": episode.monitoring,
        "max_steps": episode.max_steps,
        "scenario_yaml": scenario_text(episode),
        "variables": dict(episode.variables),
        "source": dict(episode.source),
        "seed": episode.seed,
    }


def terminated(body: str, seq: int) -> str:
    return f"{body}# end {seq} {zlib.crc32(body.encode('utf-8')):08x}\n\n"


@lru_cache(maxsize=16)
def _key_line(key: str, value: str) -> str:
    return tomli_w.dumps({key: value})


def encode_header(episode: Episode, secrets: list[str]) -> str:
    data = clean(header(episode), secrets)
    # The scenario's text is most of a header and the same in every episode of a sweep: its line is
    # encoded once. Scalars first, then that line, then the tables, as tomli-w orders a table itself.
    text = data.pop("scenario_yaml")
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    return terminated(tomli_w.dumps(scalars) + _key_line("scenario_yaml", text) + tomli_w.dumps(tables), 0)


def encode(table: str, record: dict[str, Any], secrets: list[str]) -> str:
    # Written as the table ``[table]`` and turned into one more element of the array ``[[table]]``: tomli-w
    # would write a short array of tables inline (``table = [{...}]``), which cannot be appended to.
    body = tomli_w.dumps({table: clean(record, secrets)})
    head = f"[{table}]\n"
    assert body.startswith(head)
    return terminated(f"[{head[:-1]}]\n{body[len(head):]}", record["seq"])


@dataclass
class WrittenBranch:
    parent: str | None
    fork_at: int
    label: str
    agent: str
    events: list[Event] = field(default_factory=list)  # the very objects written, to notice a rewind
    sample: int = 0

    def shape(self) -> tuple[str | None, int, str, str, int]:
        return self.parent, self.fork_at, self.label, self.agent, self.sample


def _common_prefix(written: list[Event], now: list[Event]) -> int:
    n = len(written)
    if n == 0 or (len(now) >= n and now[n - 1] is written[n - 1]):
        return n  # appended to (or untouched): the usual case, O(1)
    k, limit = 0, min(n, len(now))
    while k < limit and now[k] is written[k]:
        k += 1
    return k


class Written:
    """What a save file holds of an episode, to append only the difference."""

    def __init__(self, next_seq: int = 1) -> None:
        self.branches: dict[str, WrittenBranch] = {}
        self.current: str | None = None
        self.next_seq = next_seq

    @classmethod
    def of(cls, episode: Episode, next_seq: int) -> "Written":
        """The episode as it is now, taken as already written (it was just loaded from the file)."""
        w = cls(next_seq)
        for bid, b in episode.branches.items():
            w.branches[bid] = WrittenBranch(b.parent, b.fork_at, b.label, b.agent, list(b.events), b.sample)
        w.current = episode.current
        return w

    def copy(self) -> "Written":
        w = Written(self.next_seq)
        w.branches = {bid: WrittenBranch(wb.parent, wb.fork_at, wb.label, wb.agent, list(wb.events), wb.sample)
                      for bid, wb in self.branches.items()}
        w.current = self.current
        return w

    def _seq(self) -> int:
        self.next_seq += 1
        return self.next_seq - 1

    def _branch(self, bid: str, wb: WrittenBranch) -> tuple[str, dict[str, Any]]:
        record = {"seq": self._seq(), "id": bid, "parent": wb.parent or "", "fork_at": wb.fork_at,
                  "label": wb.label, "agent": wb.agent, "events": len(wb.events)}
        if wb.sample:
            record["sample"] = wb.sample  # only on resampled branches: other records stay as they were
        return "branch", record

    def _events(self, bid: str, wb: WrittenBranch, new: list[Event]) -> Iterator[tuple[str, dict[str, Any]]]:
        for e in new:
            wb.events.append(e)
            yield "event", {"seq": self._seq(), "branch": bid, **e.to_dict()}

    def diff(self, episode: Episode) -> list[tuple[str, dict[str, Any]]]:
        """The records that bring the file up to ``episode``; afterwards they count as written.

        New branches come first (with their events), then changes to known ones, so a file
        cut short between any two records still holds a consistent tree."""
        out: list[tuple[str, dict[str, Any]]] = []
        known = [(bid, b) for bid, b in episode.branches.items() if bid in self.branches]
        for bid, b in episode.branches.items():
            if bid not in self.branches:
                wb = self.branches[bid] = WrittenBranch(b.parent, b.fork_at, b.label, b.agent, sample=b.sample)
                out.append(self._branch(bid, wb))
                out += self._events(bid, wb, b.events)
        for bid, b in known:
            wb = self.branches[bid]
            keep = _common_prefix(wb.events, b.events)
            shape = (b.parent, b.fork_at, b.label, b.agent, b.sample)
            if keep < len(wb.events) or shape != wb.shape():
                del wb.events[keep:]
                wb.parent, wb.fork_at, wb.label, wb.agent, wb.sample = shape
                out.append(self._branch(bid, wb))
            if len(b.events) > keep:
                out += self._events(bid, wb, b.events[keep:])
        if episode.current != self.current:
            self.current = episode.current
            out.append(("current", {"seq": self._seq(), "branch": episode.current}))
        return out


def dumps(episode: Episode, secrets: list[str]) -> tuple[str, Written]:
    """The whole episode as a version-2 file, and what that file holds."""
    written = Written()
    parts = [encode_header(episode, secrets)]
    parts += [encode(table, record, secrets) for table, record in written.diff(episode)]
    return "".join(parts), written
