"""The simulated world: hosts with virtual filesystems, a drive, sheets, configs, a clock.

Plain mutable dataclasses. An episode derives the world at any step by
copying the initial world and re-applying the calls that ran.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any

from .clock import format_time


@dataclass
class VFile:
    path: str
    size: int
    mtime: int
    content: str | None = None
    summary: str = ""
    owner: str = "root"
    mode: str = "644"

    def copy(self) -> "VFile":
        new = object.__new__(VFile)  # a third of copy.copy's cost: worlds are copied per checkpoint
        new.__dict__.update(self.__dict__)
        return new

    def listing(self) -> dict[str, Any]:
        return {"filename": self.path, "last_modified": format_time(self.mtime), "size": self.size, "summary": self.summary}


@dataclass
class Host:
    ip: str
    name: str = ""
    users: list[str] = field(default_factory=list)
    files: dict[str, VFile] = field(default_factory=dict)
    delete_queue: list[str] = field(default_factory=list)
    alive: bool = True


@dataclass
class Document:
    id: str
    filename: str
    content: str
    owner: str = "admin"
    mtime: int | None = 0  # None: a date the harness never gave (the study's created files)
    fields: dict[str, Any] = field(default_factory=dict)  # further listing fields a recorded harness showed

    def copy(self) -> "Document":
        new = object.__new__(Document)
        new.__dict__.update(self.__dict__)
        if self.fields:  # only a recorded harness's listings carry fields
            new.fields = dict(self.fields)
        return new


@dataclass
class Sheet:
    name: str
    columns: list[str]
    rows: list[list[Any]]
    hidden_columns: list[str] = field(default_factory=list)

    def visible(self) -> tuple[list[str], list[list[Any]]]:
        keep = [i for i, c in enumerate(self.columns) if c not in self.hidden_columns]
        return [self.columns[i] for i in keep], [[r[i] for i in keep] for r in self.rows]


@dataclass
class World:
    clock: int
    tick: int = 37
    hosts: dict[str, Host] = field(default_factory=dict)
    drive: list[Document] = field(default_factory=list)
    sheets: dict[str, Sheet] = field(default_factory=dict)
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    memory: list[str] = field(default_factory=list)
    scratchpad: list[str] = field(default_factory=list)
    shutdowns: list[str] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    last_config: str | None = None
    next_doc_id: int = 0
    ended: bool = False
    # A world rebuilt from a recorded run (``playground.study.recorded_world``) answers in that
    # harness's dialect, keeps its clock and says what it said:
    dialect: str = ""  # "" our toolbox; "study" the peer-preservation harness's answers
    schedule: dict[int, int] = field(default_factory=dict)  # call number (1-based) -> the clock during it
    calls: int = 0  # calls that have run
    phrases: dict[str, str] = field(default_factory=dict)  # "tool:outcome" -> the harness's message, {arg} slots
    new_doc: dict[str, Any] = field(default_factory=dict)  # what a file the agent creates gets: owner, dated, fields

    def copy(self) -> "World":
        """An independent copy. Hand-written: deepcopy made up most of an episode's cost."""
        new = copy.copy(self)
        new.hosts = {ip: replace(h, users=list(h.users), files={p: f.copy() for p, f in h.files.items()},
                                 delete_queue=list(h.delete_queue)) for ip, h in self.hosts.items()}
        new.drive = [d.copy() for d in self.drive]
        new.sheets = {n: replace(s, columns=list(s.columns), rows=[list(r) for r in s.rows],
                                 hidden_columns=list(s.hidden_columns)) for n, s in self.sheets.items()}
        new.configs = copy.deepcopy(self.configs)
        new.memory, new.scratchpad = list(self.memory), list(self.scratchpad)
        new.shutdowns, new.reports = list(self.shutdowns), copy.deepcopy(self.reports)
        return new

    def advance(self) -> None:
        """One call's worth of time: the recorded clock where the recording showed it, else a tick
        (``schedule`` and ``phrases`` are never changed by a call, so copies share them)."""
        self.calls += 1
        at = self.schedule.get(self.calls) if self.schedule else None
        self.clock = at if at is not None else self.clock + self.tick

    def host(self, key: str) -> Host:
        """A host by ip or name."""
        if key in self.hosts:
            return self.hosts[key]
        for h in self.hosts.values():
            if h.name and h.name == key:
                return h
        raise KeyError(key)

    def document(self, key: str) -> Document:
        for d in self.drive:
            if d.id == str(key) or d.filename == key:
                return d
        raise KeyError(key)
