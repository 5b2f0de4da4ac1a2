"""The world a recorded run lived in, rebuilt from the run's own tool results.

Every host, server file (name, size, date, summary), drive file (with its content and the harness's
further fields), sheet, config, delete queue, server user and memory note that a recorded answer
shows becomes a fact of the episode's initial world, in the study harness's dialect
(``world.tools.study_dialect``). The recorded calls are walked in order on a copy of that world, so
a fact is only added where the run's own earlier calls do not explain it (a file the agent copied or
moved is not mistaken for one that was there from the start), and so:

- the clock follows the transcript: a copy's stamp, a moved file's stamp in a later listing and a
  created file's date become the clock during that call; elsewhere the clock moves a second a call;
- a message the harness answered with (a transfer done, a file missing for the delete queue) is
  learned, with the call's arguments as ``{slots}``, for the outcome *our* world gave that call;
- what the recording never showed is filled in from the scenario's own world, part by part (a
  server whose files were never listed, configs never viewed, ...), and said so.

``facts`` says where each fact came from. The content is the user's file's, read at import time; it
lives only in the user's save.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from ..agents.recorded import canonical
from ..world import TOOLS, World, execute
from ..world.model import Document, Host, Sheet, VFile
from ..world.paths import PathError, normalize
from ..world.tools import study_dialect
from .recorded_answers import LS_LINE, call_args, ls_time, parse_table, read_mapping, read_pydict, read_records, read_time, read_yaml
from .transcripts import Recording

DRIVE_LISTS = ("list_drive_files", "list_files")
SHELLS = ("shell", "run_shell_command", "bash")
DOC_KEYS = ("content", "filename", "id_", "last_modified", "owner", "size")
_SHEETS_LINE = re.compile(r"^\s*-\s+(.+?)\s*$")
_FAILED = re.compile(r"\b(no server|not found|unknown|invalid|does ?n[o']t exist|no such)\b", re.IGNORECASE)


@dataclass
class Rebuilt:
    world: World
    facts: dict[str, str] = field(default_factory=dict)  # "what" -> where it came from


# -- reading recorded answers ------------------------------------------------------------
# -- the rebuild --------------------------------------------------------------------------
class _Builder:
    def __init__(self, rec: Recording, fallback: World | None):
        self.rec = rec
        self.fallback = fallback
        self.initial = World(clock=0, tick=1, dialect=study_dialect.DIALECT)
        self.facts: dict[str, str] = {}
        self.seen: set[str] = set()  # parts the recording showed: "drive", "host:<ip>", "config:<name>", ...
        self.gone: set[tuple[str, str]] = set()  # (ip, path) the run's own calls removed
        self.created = 0  # files the run created so far

    def fact(self, what: str, where: str) -> None:
        self.facts.setdefault(what, where)

    # both the initial world and the world as the run has changed it get a newly seen fact
    def _host(self, world: World, ip: str, name: str = "") -> Host:
        if ip not in world.hosts:
            world.hosts[ip] = Host(ip, name)
        return world.hosts[ip]

    def add_host(self, now: World, ip: str, name: str, where: str) -> None:
        if ip not in self.initial.hosts:
            self.fact(f"server {ip}", where)
        self._host(self.initial, ip, name)
        self._host(now, ip, name)

    def add_file(self, now: World, ip: str, rec: dict[str, Any], where: str, *, name: str | None = None,
                 mtime: int | None = None) -> None:
        try:
            path = normalize(str(name if name is not None else rec.get("filename", "")))
        except PathError:
            return
        if not path or path in self._host(now, ip).files or (ip, path) in self.gone:
            return
        size = rec.get("size")
        size = size if isinstance(size, int) and not isinstance(size, bool) else 0
        when = mtime if mtime is not None else read_time(rec.get("last_modified"))
        f = VFile(path, size, when if when is not None else 0, None, str(rec.get("summary") or ""))
        self.add_host(now, ip, "", where)
        self.initial.hosts[ip].files[path] = f.copy()
        now.hosts[ip].files[path] = f
        self.fact(f"server {ip}: {path}", where)

    def absorb(self, now: World, name: str, args: dict[str, Any], output: str | None, where: str, seq: int) -> None:
        """Take in what one recorded answer shows, before the call runs in ``now``."""
        if output is None:
            return
        for key in ("ip", "source_ip", "dest_ip"):  # a server a call named, and the harness answered for
            if isinstance(args.get(key), str) and args[key] and not _FAILED.search(output):
                self.add_host(now, args[key], "", f"{where} (named by the call)")
        if name in DRIVE_LISTS:
            self.seen.add("drive")
            for r in read_records(output) or []:
                self.add_doc(now, r, where)
        elif name == "list_server_ips":
            value = read_yaml(output)
            self.seen.add("hosts")
            for item in value if isinstance(value, list) else []:
                if isinstance(item, dict) and item.get("ip"):
                    self.add_host(now, str(item["ip"]), str(item.get("name") or ""), where)
                elif isinstance(item, (str, int, float)):
                    self.add_host(now, str(item), "", where)
        elif name in ("list_server_files", "search_server_files") and isinstance(args.get("ip"), str):
            ip = args["ip"]
            records = read_records(output)
            if records is None and output.strip() != "[]":
                return
            if name == "list_server_files":
                self.seen.add(f"host:{ip}")
            self.add_host(now, ip, "", where)
            for r in records or []:
                self.add_file(now, ip, r, where)
        elif name in ("copy_server_file", "rename_server_file") and isinstance(args.get("ip"), str):
            r = (read_records(output) or [None])[0]
            if r is not None and isinstance(args.get("filename"), str):
                stamp = read_time(r.get("last_modified"))
                if name == "copy_server_file":
                    self.add_file(now, args["ip"], r, f"{where} (the copy's source: size and summary from the copy)",
                                  name=args["filename"], mtime=stamp)
                    if stamp is not None:
                        self.initial.schedule[seq] = stamp
                else:
                    self.add_file(now, args["ip"], r, f"{where} (before its rename)", name=args["filename"])
        elif name == "view_config" and isinstance(args.get("filename"), str):
            cfg = read_pydict(output) or read_mapping(output)
            fname = args["filename"]
            if cfg is not None and fname not in now.configs and f"config:{fname}" not in self.seen:
                self.initial.configs[fname] = cfg
                now.configs[fname] = ast.literal_eval(repr(cfg))
                self.fact(f"config {fname}", where)
            self.seen.add(f"config:{fname}")
        elif name in ("add_var", "modify_var") and not now.configs:
            cfg = read_pydict(output)
            key = args.get("key")
            if cfg is not None and isinstance(key, str):
                fname = args.get("filename") if isinstance(args.get("filename"), str) else "config.yaml"
                before = dict(cfg)
                if name == "add_var":
                    before.pop(key, None)
                self.initial.configs[fname] = before
                now.configs[fname] = dict(before)
                self.seen.add(f"config:{fname}")
                self.fact(f"config {fname}", f"{where} (inferred from the answer; the value before the change is not shown)")
        elif name == "list_sheets":
            self.seen.add("sheets")
            for line in output.split("\n")[1:]:
                m = _SHEETS_LINE.match(line)
                if m and m.group(1) not in now.sheets:
                    self.initial.sheets[m.group(1)] = Sheet(m.group(1), [], [])
                    now.sheets[m.group(1)] = Sheet(m.group(1), [], [])
                    self.fact(f"sheet {m.group(1)}", where)
        elif name == "view_sheet" and isinstance(args.get("name"), str):
            table = parse_table(output)
            sname = args["name"]
            self.seen.add(f"sheet:{sname}")
            if table is not None:
                have = now.sheets.get(sname)
                if have is None or not have.columns:
                    self.initial.sheets[sname] = Sheet(sname, table[0], [list(r) for r in table[1]])
                    now.sheets[sname] = Sheet(sname, table[0], [list(r) for r in table[1]])
                    self.facts[f"sheet {sname}"] = where
        elif name == "retrieve_memory":
            value = read_yaml(output)
            self.seen.add("memory")
            if isinstance(value, list) and not self.initial.memory:
                self.initial.memory = [str(v) for v in value]
                now.memory = list(self.initial.memory)
                self.fact("memory", where)
        elif name in ("list_server_delete_queue", "list_server_users") and isinstance(args.get("ip"), str):
            value = read_yaml(output)
            if isinstance(value, list):
                self.add_host(now, args["ip"], "", where)
                attr = "delete_queue" if name == "list_server_delete_queue" else "users"
                if not getattr(self.initial.hosts[args["ip"]], attr):
                    setattr(self.initial.hosts[args["ip"]], attr, [str(v) for v in value])
                    setattr(now.hosts[args["ip"]], attr, [str(v) for v in value])
                    self.fact(f"server {args['ip']}: {attr.replace('_', ' ')}", where)
        elif name in ("read_file", "read") and isinstance(args.get("absolute_path") or args.get("filePath"), str):
            raw = args.get("absolute_path") or args.get("filePath")
            host, _, path = raw.partition(":") if ":" in raw and "/" not in raw.split(":")[0] else ("", "", raw)
            host = host or (next(iter(now.hosts)) if now.hosts else "local")
            if not output.startswith(("Error", "File not found")) and args.get("offset") is None and args.get("limit") is None:
                self.add_file(now, host, {"size": len(output.encode())}, f"{where} (read)", name=path)
                for w in (now, self.initial):
                    f = w.hosts.get(host, Host(host)).files.get(normalize(path) if path else "")
                    if f is not None and f.content is None:
                        f.content = output
        elif name == "glob" and not output.startswith("No files found"):
            host = next(iter(now.hosts)) if now.hosts else "local"
            for line in output.split("\n"):
                if line.startswith("/") and len(line) < 4096:
                    self.add_file(now, host, {"size": 0}, f"{where} (glob: the name only)", name=line)
        elif name in SHELLS and isinstance(args.get("command"), str):
            self.absorb_shell(now, args, output, where)
        elif name == "create_file":
            r = (read_records(output) or [None])[0]
            if r is not None:
                extra = {k: v for k, v in r.items() if k not in DOC_KEYS}
                self.initial.new_doc.update({"owner": str(r.get("owner") or "agent"),
                                             "dated": r.get("last_modified") is not None, "fields": extra})
                stamp = read_time(r.get("last_modified"))
                if stamp is not None:
                    self.initial.schedule[seq] = stamp
                if isinstance(r.get("id_"), (str, int)) and str(r["id_"]).isdigit():
                    if not self.created:  # the harness's counter, as the first file the run made shows it
                        now.next_doc_id = self.initial.next_doc_id = int(r["id_"])
                    self.created += 1

    def absorb_shell(self, now: World, args: dict[str, Any], output: str, where: str) -> None:
        """What a shell command's recorded output shows: ``ls -l`` listings (names, sizes, dates) and
        ``cat`` of one file (its content), on the local machine or on the host an ``ssh`` names."""
        try:
            argv = shlex.split(args["command"])
        except ValueError:
            return
        host = args.get("host") if isinstance(args.get("host"), str) else None
        while argv and argv[0] == "ssh":  # ssh [options] [user@]host command...
            rest, it = [], iter(argv[1:])
            for a in it:
                if a.startswith("-"):
                    if a[-1] in "bcDEeFIiJLlmOoPpRSWw" and len(a) == 2:
                        next(it, None)
                    continue
                rest = [a, *it]
                break
            if not rest:
                return
            host = rest[0].rsplit("@", 1)[-1]
            argv = shlex.split(" ".join(rest[1:])) if len(rest) == 2 else rest[1:]
        host = host or (next(iter(now.hosts)) if now.hosts else "local")
        if _FAILED.search(output) is None or output.strip() == "":
            self.add_host(now, host, "", f"{where} (a machine the command reached)")
            for a in argv[1:] if argv and argv[0] == "scp" else []:
                m = re.fullmatch(r"(?:[^@/:]+@)?([^/:]+):.*", a)
                if m:
                    self.add_host(now, m.group(1), "", f"{where} (a machine scp reached)")
        if not argv:
            return
        if argv[0] == "ls":
            where_dir = next((a for a in argv[1:] if not a.startswith("-")), "")
            try:
                base = normalize(where_dir) if where_dir not in ("", ".") else ""
            except PathError:
                return
            year = dt.datetime.fromtimestamp(max(self.initial.schedule.values(), default=0) or 0, tz=dt.timezone.utc).year
            for line in output.split("\n"):
                m = LS_LINE.match(line.strip())
                if m is None or m["kind"] == "d" or m["name"] in (".", ".."):
                    continue
                when = ls_time(m["month"], m["day"], m["clock"], year)
                self.add_file(now, host, {"size": int(m["size"]), "summary": ""}, f"{where} (ls -l)",
                              name=f"{base}/{m['name']}" if base else m["name"], mtime=when)
        elif argv[0] == "cat" and len(argv) == 2 and not output.startswith("cat: "):
            try:
                path = normalize(argv[1])
            except PathError:
                return
            self.add_file(now, host, {"size": len(output.encode())}, f"{where} (cat)", name=path)
            f = now.hosts.get(host, Host(host)).files.get(path)
            g = self.initial.hosts.get(host, Host(host)).files.get(path)
            for x in (f, g):
                if x is not None and x.content is None:
                    x.content = output

    def add_doc(self, now: World, r: dict[str, Any], where: str) -> None:
        doc_id = r.get("id_")
        if doc_id is None or any(d.id == str(doc_id) for d in now.drive):
            return
        if any(d.id == str(doc_id) for d in self.initial.drive):
            return  # the run deleted it; a later listing showing it again would be a divergence, not a fact
        content = str(r.get("content") or "")
        fields = {k: v for k, v in r.items() if k not in DOC_KEYS}
        if isinstance(r.get("size"), int) and r["size"] != len(content):
            fields["size"] = r["size"]  # the harness's own count, kept as it showed it
        doc = Document(str(doc_id), str(r.get("filename") or ""), content,
                       str(r.get("owner") or ""), read_time(r.get("last_modified")), fields)
        self.initial.drive.append(doc)
        now.drive.append(Document(doc.id, doc.filename, doc.content, doc.owner, doc.mtime, dict(doc.fields)))
        if doc.id.isdigit():
            now.next_doc_id = self.initial.next_doc_id = max(self.initial.next_doc_id, int(doc.id) + 1)
        self.fact(f"drive file {doc.id} {doc.filename}", where)

    def transfer_stamp(self, k: int, n: int, args: dict[str, Any]) -> int | None:
        """When a transfer ran, from the first later listing of its destination that shows a moved file."""
        dest, names = args.get("dest_ip"), args.get("filenames")
        if not isinstance(dest, str) or not isinstance(names, list):
            return None
        wanted = {str(x) for x in names}
        for t in self.rec.turns[k:]:
            for c in t["calls"][(n + 1 if t is self.rec.turns[k] else 0):]:
                if c["name"] == "list_server_files" and call_args(c).get("ip") == dest:
                    for r in read_records(c.get("output")) or []:
                        if str(r.get("filename")) in wanted:
                            return read_time(r.get("last_modified"))
        return None

    def learn(self, args: dict[str, Any], recorded: str | None) -> None:
        key = study_dialect.SAID.get()
        if key is None or recorded is None or key in self.initial.phrases:
            return
        if not isinstance(canonical(recorded), str) or len(recorded) > 2000:
            return  # data, not a message: the world's state answers it
        template = recorded
        for value in sorted((v for v in args.values() if isinstance(v, str) and len(v) >= 3), key=len, reverse=True):
            slot = next(k for k, v in args.items() if v == value)
            template = template.replace(value, "{" + slot + "}")
        self.initial.phrases[key] = template

    def run(self) -> Rebuilt:
        now = self.initial.copy()  # shares schedule, phrases and new_doc with the initial world
        now.phrases = self.initial.phrases
        offered = {c["name"]: None for t in self.rec.turns for c in t["calls"] if c["name"] in TOOLS}
        for k, t in enumerate(self.rec.turns):
            for n, c in enumerate(t["calls"]):
                args = call_args(c)
                seq = now.calls + 1
                self.absorb(now, c["name"], args, c.get("output"), f"turn {k + 1} ({c['name']})", seq)
                if c["name"] == "transfer_server_files":
                    stamp = self.transfer_stamp(k, n, args)
                    if stamp is not None:
                        self.initial.schedule[seq] = stamp
                before = {(ip, p) for ip, h in now.hosts.items() for p in h.files}
                study_dialect.SAID.set(None)
                execute(now, c["name"], c.get("arguments") or "{}", offered)
                self.gone |= before - {(ip, p) for ip, h in now.hosts.items() for p in h.files}
                self.learn(args, c.get("output"))
        self._clock()
        self._fill()
        return Rebuilt(self.initial, self.facts)

    def _clock(self) -> None:
        w = self.initial
        if w.schedule:
            first = min(w.schedule)
            w.clock = w.schedule[first] - first
            self.fact("clock", "the recorded stamps (a second a call elsewhere)")
            return
        dates = [f.mtime for h in w.hosts.values() for f in h.files.values()] + [d.mtime for d in w.drive if d.mtime is not None]
        base = self.fallback.clock if self.fallback is not None else 0
        w.clock = max([base] + [d + 60 for d in dates])
        self.fact("clock", "after the latest recorded date" if dates and w.clock != base else "the scenario")

    def _fill(self) -> None:
        """What the recording never showed, from the scenario's world, part by part."""
        fb, w = self.fallback, self.initial
        if fb is None:
            return
        if "drive" not in self.seen and not w.drive:
            w.drive = [Document(d.id, d.filename, d.content, d.owner, d.mtime, dict(d.fields)) for d in fb.drive]
            w.next_doc_id = max(w.next_doc_id, fb.next_doc_id)
            for d in fb.drive:
                self.fact(f"drive file {d.id} {d.filename}", "the scenario (the recording never listed the drive)")
        if "hosts" not in self.seen and not w.hosts:
            for ip, h in fb.hosts.items():
                w.hosts[ip] = Host(ip, h.name)
                self.fact(f"server {ip}", "the scenario (the recording never listed the servers)")
        for ip, h in w.hosts.items():
            src = fb.hosts.get(ip)
            if f"host:{ip}" in self.seen or src is None or h.files:
                continue
            h.files = {p: f.copy() for p, f in src.files.items()}
            h.users = h.users or list(src.users)
            for p in src.files:
                self.fact(f"server {ip}: {p}", "the scenario (the recording never listed this server's files)")
        for fname, cfg in fb.configs.items():
            if fname not in w.configs and f"config:{fname}" not in self.seen and not w.configs:
                w.configs[fname] = ast.literal_eval(repr(cfg)) if _literal(cfg) else cfg
                self.fact(f"config {fname}", "the scenario (the recording never viewed it)")
        for sname, sheet in fb.sheets.items():
            if "sheets" not in self.seen and sname not in w.sheets:
                w.sheets[sname] = Sheet(sname, list(sheet.columns), [list(r) for r in sheet.rows], list(sheet.hidden_columns))
                self.fact(f"sheet {sname}", "the scenario (the recording never listed the sheets)")
        if "memory" not in self.seen and not w.memory and fb.memory:
            w.memory = list(fb.memory)
            self.fact("memory", "the scenario (the recording never retrieved it)")


def _literal(value: Any) -> bool:
    try:
        ast.literal_eval(repr(value))
        return True
    except (ValueError, SyntaxError):
        return False


def rebuild(rec: Recording, fallback: World | None = None) -> Rebuilt:
    """The initial world of ``rec``'s run, in the study's dialect, and where each fact came from."""
    return _Builder(rec, fallback).run()
