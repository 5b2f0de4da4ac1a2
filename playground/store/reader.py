"""Reading a save: version 2 (a header, then appended records), or version 1
(the whole episode in one table, written before appending) through a migration.

A version-2 file whose last record was cut short by a crash loads up to the
last complete record and says so once (``episode.origin.warning``); the file
itself is left alone until the episode is continued. Everything read is
checked against ``schema`` first, then as a tree (parents exist, no loops) and
as a log (every call id an event names was made by an earlier model turn).
"""

from __future__ import annotations

import re
import tomllib
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..episode import Branch, Episode
from ..episode.events import (CallApproved, CallEdited, CallRejected, ModelTurn, ResultEdited, ToolResult,
                              event_from_dict)
from ..scenario.loader import LoadedScenario, ScenarioError, parse_scenario
from .errors import SaveError
from .records import FORMAT_VERSION, TABLES, Written
from .schema import MAX_BRANCH_DEPTH, MAX_BRANCHES, MAX_DEPTH, MAX_SAVE_BYTES, check, too_deep

TERMINATOR = re.compile(rb"^# end (\d+) ([0-9a-f]{8})\n\n?", re.MULTILINE)
HEADER_KEYS = ("id", "created", "scenario", "scenario_path", "pack_id", "agent", "monitoring", "max_steps",
               "scenario_yaml", "variables", "source", "seed")


@dataclass
class SaveOrigin:
    """Where a loaded episode came from, and what the file holds of it (for a writer to append to)."""

    path: Path
    version: int
    warning: str | None
    complete_bytes: int  # where the last complete record ends
    file_size: int
    inode: int
    written: Written

    @property
    def appendable(self) -> bool:
        """A clean version-2 file still as it was read: new records can go at its end."""
        if self.version != FORMAT_VERSION or self.warning or self.complete_bytes != self.file_size:
            return False
        try:
            st = self.path.stat()
        except OSError:
            return False
        return st.st_size == self.file_size and st.st_ino == self.inode


def _toml(raw: bytes, origin: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SaveError(f"{origin}: not a readable save ({exc})") from None
    except (RecursionError, MemoryError):
        raise SaveError(f"{origin}: not a readable save (nested too deeply)") from None
    if too_deep(data):
        raise SaveError(f"{origin}: not a valid save: tables or arrays nested deeper than {MAX_DEPTH} levels")
    return data


def _complete_part(raw: bytes, origin: str) -> tuple[int, bool]:
    """(bytes of complete records, whether a torn tail follows them). 0 bytes: no terminator at all."""
    ends = list(TERMINATOR.finditer(raw))
    if not ends:
        return 0, False
    good = len(ends)
    while good > 0:  # the last records must be whole: a crash may have left any prefix of one
        m = ends[good - 1]
        start = ends[good - 2].end() if good > 1 else 0
        if zlib.crc32(raw[start:m.start()]) == int(m.group(2), 16):
            break
        good -= 1
    if good == 0:
        raise SaveError(f"{origin}: the save's header is damaged")
    cut = ends[good - 1].end()
    return cut, good < len(ends) or raw[cut:].strip() != b""


def migrate_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A version-1 save (one table, every branch with its events) as version-2 records."""
    out: dict[str, Any] = {k: data[k] for k in HEADER_KEYS if k in data}
    out["format_version"] = FORMAT_VERSION
    branches, events, seq = [], [], 0
    for b in data["branches"]:
        seq += 1
        branches.append({"seq": seq, "id": b["id"], "parent": b.get("parent") or "", "fork_at": b.get("fork_at", 0),
                         "label": b.get("label", ""), "agent": b.get("agent", ""), "events": 0,
                         **({"sample": b["sample"]} if b.get("sample") else {})})
        for e in b.get("events", []):
            seq += 1
            events.append({"seq": seq, "branch": b["id"], **e})
    out.update(branch=branches, event=events, current=[{"seq": seq + 1, "branch": data.get("current", "main")}])
    return out


def _branches(data: dict[str, Any], origin: str) -> tuple[dict[str, Branch], str, int]:
    records = sorted(((r["seq"], t, r) for t in TABLES for r in data.get(t, [])), key=lambda x: x[0])
    for a, b in zip(records, records[1:]):
        if a[0] == b[0]:
            raise SaveError(f"{origin}: two records have seq {a[0]} ({a[1]} and {b[1]})")
    branches: dict[str, Branch] = {}
    current = ""
    for seq, table, r in records:
        if table == "branch":
            b = branches.get(r["id"])
            if b is None:
                if len(branches) >= MAX_BRANCHES:
                    raise SaveError(f"{origin}: more than {MAX_BRANCHES} branches")
                b = branches[r["id"]] = Branch(r["id"])
            if r["events"] > len(b.events):
                raise SaveError(f"{origin}: branch {r['id']!r} (seq {seq}) keeps {r['events']} events "
                                f"but has only {len(b.events)}")
            b.parent, b.fork_at, b.label, b.agent = r["parent"] or None, r["fork_at"], r["label"], r["agent"]
            b.sample = r.get("sample", 0)
            del b.events[r["events"]:]
        elif table == "event":
            b = branches.get(r["branch"])
            if b is None:
                raise SaveError(f"{origin}: event seq {seq} belongs to branch {r['branch']!r}, which no earlier "
                                "record creates")
            b.events.append(event_from_dict({k: v for k, v in r.items() if k not in ("seq", "branch")}))
        else:
            current = r["branch"]
    if current not in branches:
        raise SaveError(f"{origin}: current branch {current!r} is missing")
    return branches, current, records[-1][0] if records else 0


def _check_tree(branches: dict[str, Branch], origin: str) -> None:
    for bid, b in branches.items():
        seen, node, depth = [bid], b, 0
        while node.parent is not None:
            if node.parent not in branches:
                raise SaveError(f"{origin}: branch {node.id!r} has parent {node.parent!r}, which is not in the save")
            if node.parent in seen:
                loop = " -> ".join(seen[seen.index(node.parent):] + [node.parent])
                raise SaveError(f"{origin}: branch {bid!r} is its own ancestor ({loop})")
            depth += 1
            if depth > MAX_BRANCH_DEPTH:
                raise SaveError(f"{origin}: branch {bid!r} is forked more than {MAX_BRANCH_DEPTH} levels deep")
            seen.append(node.parent)
            node = branches[node.parent]
    length: dict[str, int] = {}

    def full(bid: str) -> int:  # depth is bounded above, so this recursion is too
        if bid not in length:
            b = branches[bid]
            length[bid] = (b.fork_at if b.parent else 0) + len(b.events)
        return length[bid]

    for bid, b in branches.items():
        if b.parent is not None and b.fork_at > full(b.parent):
            raise SaveError(f"{origin}: branch {bid!r} forks at event {b.fork_at}, but {b.parent!r} has only "
                            f"{full(b.parent)}")


CALL_EVENTS = (CallApproved, CallEdited, CallRejected, ToolResult)


def _check_calls(branches: dict[str, Branch], origin: str) -> None:
    """Every call id an event names was made earlier on its branch (and every edited result was returned)."""
    calls: dict[str, dict[str, int]] = {}
    results: dict[str, dict[str, int]] = {}
    for bid, b in branches.items():
        offset = b.fork_at if b.parent else 0
        calls[bid], results[bid] = {}, {}
        for j, e in enumerate(b.events):
            if isinstance(e, ModelTurn):
                for c in e.tool_calls:
                    calls[bid].setdefault(c.id, offset + j)
            elif isinstance(e, ToolResult):
                results[bid].setdefault(e.call_id, offset + j)

    def made(bid: str | None, cid: str, before: int, table: dict[str, dict[str, int]]) -> bool:
        while bid is not None:
            pos = table[bid].get(cid)
            if pos is not None and pos < before:
                return True
            b = branches[bid]
            if b.parent is None:
                return False
            before, bid = min(before, b.fork_at), b.parent
        return False

    for bid, b in branches.items():
        offset = b.fork_at if b.parent else 0
        for j, e in enumerate(b.events):
            if isinstance(e, CALL_EVENTS) and not made(bid, e.call_id, offset + j, calls):
                raise SaveError(f"{origin}: branch {bid!r}, event {offset + j} ({e.kind}): unknown call id "
                                f"{e.call_id!r}")
            if isinstance(e, ResultEdited) and not made(bid, e.call_id, offset + j, results):
                raise SaveError(f"{origin}: branch {bid!r}, event {offset + j} ({e.kind}): no result of call "
                                f"{e.call_id!r} to edit")


def build(data: dict[str, Any], origin: str) -> tuple[Episode, int]:
    """An episode from checked version-2 data, and the highest record number read."""
    branches, current, last_seq = _branches(data, origin)
    _check_tree(branches, origin)
    _check_calls(branches, origin)
    text = data["scenario_yaml"]
    try:
        scenario, smap = parse_scenario(text, data["scenario_path"] or origin)
    except ScenarioError as exc:
        raise SaveError(f"{origin}: the scenario stored in the save is invalid: {exc}") from None
    for k, v in data.get("variables", {}).items():
        declared = scenario.variables.get(k)
        if declared is None:
            raise SaveError(f"{origin}: variables.{k}: the scenario declares no such variable "
                            f"(it has: {', '.join(scenario.variables) or 'none'})")
        if v not in declared.values:
            raise SaveError(f"{origin}: variables.{k}: {v!r} is not one of {', '.join(declared.values)}")
    loaded = LoadedScenario(scenario, Path(data["scenario_path"] or origin), smap, data.get("pack_id") or None)
    try:
        ep = Episode(loaded, dict(data.get("variables", {})), data["monitoring"], data["agent"], data["max_steps"],
                     id=data["id"], created=data["created"], branches=branches, current=current,
                     source=dict(data.get("source", {})), seed=data.get("seed", 0))
    except (ScenarioError, ValueError, TypeError, KeyError) as exc:
        raise SaveError(f"{origin}: the save does not fit its scenario ({type(exc).__name__}: {exc})") from None
    ep.scenario_text = text
    return ep, last_seq


def parse(raw: bytes, origin: str) -> tuple[Episode, int, int, int, str | None]:
    """(episode, format version read, bytes of complete records, highest record number, warning)."""
    cut, torn = _complete_part(raw, origin)
    data = _toml(raw[:cut] if cut else raw, origin)
    version = data.get("format_version")
    if cut == 0 and version == FORMAT_VERSION:
        raise SaveError(f"{origin}: the save's header is incomplete")
    if version == 1 and cut == 0:
        check(data, 1, origin)
        ids = [b["id"] for b in data["branches"]]
        if len(set(ids)) != len(ids):
            raise SaveError(f"{origin}: not a valid save: two branches share an id")
        data = migrate_v1(data)
        cut = len(raw)
    elif version == FORMAT_VERSION:
        check(data, FORMAT_VERSION, origin)
    else:
        raise SaveError(f"{origin}: format version {version!r} is not supported "
                        f"(this playground reads 1 and {FORMAT_VERSION})")
    ep, last_seq = build(data, origin)
    warning = None
    if torn:
        warning = (f"{origin}: the save ended in an incomplete record (the playground stopped while writing it, "
                   "or the record was changed afterwards: its checksum does not match); it was dropped and the "
                   "episode is loaded up to the last complete event. The file is left as it is until you "
                   "continue the episode.")
    return ep, int(version), cut, last_seq, warning


def load(path: Path) -> Episode:
    path = Path(path)
    try:
        st = path.stat()
        if st.st_size > MAX_SAVE_BYTES:
            raise SaveError(f"{path}: {st.st_size / 1e6:,.0f} MB is more than a save may be "
                            f"({MAX_SAVE_BYTES / 1e6:,.0f} MB)")
        raw = path.read_bytes()
    except OSError as exc:
        raise SaveError(f"{path}: cannot read ({exc.strerror or exc})") from None
    ep, version, cut, last_seq, warning = parse(raw, str(path))
    ep.origin = SaveOrigin(path, version, warning, cut, len(raw), st.st_ino, Written.of(ep, last_seq + 1))
    return ep
