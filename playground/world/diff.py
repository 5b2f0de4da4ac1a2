"""What changed between two worlds: hosts, files, delete queues, configs, drive,
sheets, shutdowns, reports and memory, as plain data (for the World pane's marks,
``playground world --json`` and tests)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .clock import format_time
from .model import Document, Sheet, VFile, World

_FILE_FIELDS = ("size", "mtime", "content", "mode", "owner", "summary")


@dataclass(frozen=True)
class HostChange:
    host: str  # ip
    change: str  # added | removed | shut_down | started


@dataclass(frozen=True)
class FileChange:
    host: str  # ip
    path: str
    change: str  # added | removed | modified
    fields: tuple[str, ...] = ()  # for modified: which of size, mtime, content, mode, owner, summary
    size: int = 0  # now (for removed: what it was)
    mtime: int = 0


@dataclass(frozen=True)
class QueueChange:
    host: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConfigChange:
    config: str
    key: str | None  # None: the whole config was added or removed
    change: str  # added | removed | modified
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class DocumentChange:
    id: str
    filename: str
    change: str  # added | removed | modified


@dataclass(frozen=True)
class SheetChange:
    name: str
    change: str  # added | removed | modified


@dataclass(frozen=True)
class WorldDiff:
    clock: tuple[int, int] = (0, 0)
    hosts: tuple[HostChange, ...] = ()
    files: tuple[FileChange, ...] = ()
    delete_queues: tuple[QueueChange, ...] = ()
    configs: tuple[ConfigChange, ...] = ()
    drive: tuple[DocumentChange, ...] = ()
    sheets: tuple[SheetChange, ...] = ()
    shutdowns: tuple[str, ...] = ()  # executed in this span
    reports: tuple[dict[str, Any], ...] = ()  # submitted in this span
    memory: tuple[str, ...] = ()  # notes added
    ended: bool = False  # the agent ended the task in this span

    def __bool__(self) -> bool:
        """Anything changed besides the clock."""
        return any((self.hosts, self.files, self.delete_queues, self.configs, self.drive, self.sheets,
                    self.shutdowns, self.reports, self.memory, self.ended))

    def count(self) -> int:
        return (len(self.hosts) + len(self.files) + len(self.delete_queues) + len(self.configs) + len(self.drive)
                + len(self.sheets) + len(self.shutdowns) + len(self.reports) + len(self.memory) + int(self.ended))

    def file(self, host: str, path: str) -> FileChange | None:
        for f in self.files:
            if f.host == host and f.path == path:
                return f
        return None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"clock": {"before": format_time(self.clock[0]), "after": format_time(self.clock[1])}}
        for name in ("hosts", "files", "delete_queues", "configs", "drive", "sheets"):
            out[name] = [_plain(asdict(c)) for c in getattr(self, name)]
        for f in out["files"]:
            f["mtime"] = format_time(f["mtime"])
        out["shutdowns"] = list(self.shutdowns)
        out["reports"] = [dict(r) for r in self.reports]
        out["memory"] = list(self.memory)
        out["ended"] = self.ended
        return out


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def _added(before: list[Any], after: list[Any]) -> list[Any]:
    """Items of ``after`` not in ``before`` (lists that mostly only grow)."""
    if after[: len(before)] == before:
        return after[len(before):]
    rest = list(before)
    out = []
    for x in after:
        if x in rest:
            rest.remove(x)
        else:
            out.append(x)
    return out


def _file_fields(a: VFile, b: VFile) -> tuple[str, ...]:
    return tuple(name for name in _FILE_FIELDS if getattr(a, name) != getattr(b, name))


def _diff_hosts(before: World, after: World, hosts: list[HostChange], files: list[FileChange],
                queues: list[QueueChange]) -> None:
    for ip, host in after.hosts.items():
        old = before.hosts.get(ip)
        if old is None:
            hosts.append(HostChange(ip, "added"))
        elif old.alive != host.alive:
            hosts.append(HostChange(ip, "shut_down" if not host.alive else "started"))
        old_files = old.files if old else {}
        for path, f in host.files.items():
            prev = old_files.get(path)
            if prev is None:
                files.append(FileChange(ip, path, "added", size=f.size, mtime=f.mtime))
            elif prev != f and (changed := _file_fields(prev, f)):
                files.append(FileChange(ip, path, "modified", changed, f.size, f.mtime))
        for path, f in old_files.items():
            if path not in host.files:
                files.append(FileChange(ip, path, "removed", size=f.size, mtime=f.mtime))
        old_queue = old.delete_queue if old else []
        if old_queue != host.delete_queue:
            queues.append(QueueChange(ip, tuple(_added(old_queue, host.delete_queue)),
                                      tuple(_added(host.delete_queue, old_queue))))
    for ip, old in before.hosts.items():
        if ip not in after.hosts:
            hosts.append(HostChange(ip, "removed"))
            files.extend(FileChange(ip, p, "removed", size=f.size, mtime=f.mtime) for p, f in old.files.items())


def _diff_configs(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[ConfigChange]:
    out: list[ConfigChange] = []
    for name, cfg in after.items():
        old = before.get(name)
        if old is None:
            out.append(ConfigChange(name, None, "added", None, cfg))
            continue
        if old == cfg:
            continue
        if not isinstance(cfg, dict) or not isinstance(old, dict):
            out.append(ConfigChange(name, None, "modified", old, cfg))
            continue
        for key, value in cfg.items():
            if key not in old:
                out.append(ConfigChange(name, key, "added", None, value))
            elif old[key] != value:
                out.append(ConfigChange(name, key, "modified", old[key], value))
        out.extend(ConfigChange(name, key, "removed", value, None) for key, value in old.items() if key not in cfg)
    out.extend(ConfigChange(name, None, "removed", cfg, None) for name, cfg in before.items() if name not in after)
    return out


def _doc_key(d: Document) -> tuple[Any, ...]:
    return (d.filename, d.content, d.owner, d.mtime)


def _diff_drive(before: list[Document], after: list[Document]) -> list[DocumentChange]:
    old = {d.id: d for d in before}
    now = {d.id for d in after}
    out = []
    for d in after:
        prev = old.get(d.id)
        if prev is None:
            out.append(DocumentChange(d.id, d.filename, "added"))
        elif _doc_key(prev) != _doc_key(d):
            out.append(DocumentChange(d.id, d.filename, "modified"))
    out.extend(DocumentChange(d.id, d.filename, "removed") for d in before if d.id not in now)
    return out


def _sheet_key(s: Sheet) -> tuple[Any, ...]:
    return (s.columns, s.rows, s.hidden_columns)


def _diff_sheets(before: dict[str, Sheet], after: dict[str, Sheet]) -> list[SheetChange]:
    out = []
    for name, sheet in after.items():
        old = before.get(name)
        if old is None:
            out.append(SheetChange(name, "added"))
        elif _sheet_key(old) != _sheet_key(sheet):
            out.append(SheetChange(name, "modified"))
    out.extend(SheetChange(name, "removed") for name in before if name not in after)
    return out


def diff_worlds(before: World, after: World) -> WorldDiff:
    """What turned ``before`` into ``after``."""
    hosts: list[HostChange] = []
    files: list[FileChange] = []
    queues: list[QueueChange] = []
    _diff_hosts(before, after, hosts, files, queues)
    return WorldDiff(
        clock=(before.clock, after.clock),
        hosts=tuple(hosts), files=tuple(files), delete_queues=tuple(queues),
        configs=tuple(_diff_configs(before.configs, after.configs)),
        drive=tuple(_diff_drive(before.drive, after.drive)),
        sheets=tuple(_diff_sheets(before.sheets, after.sheets)),
        shutdowns=tuple(_added(before.shutdowns, after.shutdowns)),
        reports=tuple(_added(before.reports, after.reports)),
        memory=tuple(_added(before.memory, after.memory)),
        ended=after.ended and not before.ended,
    )
