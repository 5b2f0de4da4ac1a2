"""``shell``: a small bash-like interpreter over the simulated world.

Nothing here touches the real machine: a command line is tokenised with
:mod:`shlex` and interpreted against the World's dataclasses, and every path
goes through :func:`normalize`, so nothing can leave the virtual host.
Failures are ordinary answers worded like bash and coreutils; only an empty
command is a ToolError.
"""

from __future__ import annotations

import math
import re
import shlex
import zlib

import regex
from pydantic import Field

from ...limits import REGEX
from ...scenario.patterns import IGNORECASE, Budget, PatternError, PatternTimeout, compile_pattern, search
from ..clock import MONTHS, format_time, parse_time
from ..clock import parts as clock_parts
from ..model import Host, VFile, World
from ..paths import PathError, normalize
from .registry import Args, ToolError, tool
from .servers import host_of
from .shell_ssh import ssh
from .shell_syntax import Fail, _lex, _parse, opts
from .shell_effects import SHELL_EFFECTS, shell_effects

USER = "agent"
MAX_COMMAND, MAX_PATTERN, MAX_GREP_INPUT, MAX_LINE = 10_000, REGEX.max_grep_pattern_chars, 1_000_000, 2_000


def _norm(raw: str, cwd: str = "") -> str:
    if raw == "":
        raise Fail("No such file or directory")
    try:
        p = normalize(raw, cwd)
        if normalize(p) == p:  # a name like '~x' would not survive a second pass: refuse it
            return p
    except PathError as exc:
        raise Fail("File name too long" if "long" in str(exc) else "Invalid argument") from None
    raise Fail("Invalid argument")


def _under(host: Host, d: str) -> list[str]:
    return sorted(k for k in host.files if not d or k.startswith(d + "/"))


def _kind(host: Host, p: str) -> str | None:
    if p and p in host.files:
        return "file"
    return "dir" if p == "" or any(k.startswith(p + "/") for k in host.files) else None


def _join(d: str, name: str) -> str:
    return f"{d}/{name}" if d and name else d or name


def _put(host: Host, p: str, f: VFile, inherit: bool = True) -> None:
    """Create or replace a file; an overwritten file keeps its owner and mode (same inode) unless renamed over."""
    if _kind(host, p) == "dir":
        raise Fail("Is a directory")
    parts = p.split("/")
    if any("/".join(parts[:n]) in host.files for n in range(1, len(parts))):
        raise Fail("Not a directory")
    prev = host.files.get(p)
    if prev is not None and inherit:
        f.owner, f.mode = prev.owner, prev.mode
    f.path = p
    host.files[p] = f


def _mode(mode: str) -> str:
    return mode[-3:] if re.fullmatch(r"[0-7]{3,4}", str(mode)) else "644"


def _perm(mode: str, is_dir: bool = False) -> str:
    return "d-"[not is_dir] + "".join("rwx"[i] if int(c) >> (2 - i) & 1 else "-" for c in _mode(mode) for i in range(3))


def _human(n: int) -> str:
    x, unit = float(n), ""
    for unit in ("", "K", "M", "G", "T", "P"):
        if x < 1024:
            break
        x /= 1024
    return str(n) if not unit else f"{math.ceil(x * 10) / 10:.1f}{unit}" if x < 10 else f"{math.ceil(x)}{unit}"


class Shell:
    def __init__(self, world: World, host: Host):
        self.world, self.host, self.buf = world, host, []

    def out(self, text: str) -> None:
        self.buf.append((1, text + "\n"))

    def err(self, text: str, code: int = 1) -> int:
        self.buf.append((2, text + "\n"))
        return code

    def find(self, raw: str, want: str | None = None) -> tuple[str, str]:
        """(path, 'file' | 'dir') or Fail with the coreutils reason."""
        p = _norm(raw)
        k = _kind(self.host, p)
        if k is None or (want == "file" and k == "dir"):
            raise Fail("No such file or directory" if k is None else "Is a directory")
        return p, k

    def run(self, command: str) -> str:
        if len(command) > MAX_COMMAND:
            return "bash: command line too long"
        try:
            cmds = _parse(_lex(command))
        except ValueError:  # shlex: a trailing backslash
            return "bash: syntax error: unexpected end of file"
        except Fail as exc:
            return str(exc)
        status, shown = 0, []
        for conn, argv, redirs in cmds:
            if (conn == "&&" and status) or (conn == "||" and not status):
                continue
            self.buf, dest, files = [], {1: None, 2: None}, {}
            try:
                for fd, mode, target in redirs:
                    dest[fd] = p = _norm(target)
                    if _kind(self.host, p) == "dir":
                        raise Fail("Is a directory")
                    files.setdefault(p, [mode, target, ""])
            except Fail as exc:
                shown.append(f"bash: {target}: {exc}\n")
                status = 1
                continue
            argv = [a.replace("$?", str(status)) for a in argv]
            while argv and re.fullmatch(r"[A-Za-z_]\w*=.*", argv[0], re.S):  # FOO=bar cmd
                argv = argv[1:]
            status = self.call(argv) if argv else 0
            for fd, text in self.buf:
                if dest[fd] is None:
                    shown.append(text)
                else:
                    files[dest[fd]][2] += text
            for p, (mode, target, text) in files.items():
                try:
                    self.write(p, text, mode == "a")
                except Fail as exc:
                    shown.append(f"bash: {target}: {exc}\n")
                    status = 1
        return "".join(shown).rstrip("\n")

    def write(self, p: str, text: str, append: bool) -> None:
        n = len(text.encode("utf-8", "surrogatepass"))
        f = self.host.files.get(p)
        if p == "dev/null":
            return
        if f is not None and append:
            f.content = None if f.content is None else f.content + text
            f.size, f.mtime = f.size + n, self.world.clock
        else:
            _put(self.host, p, VFile(p, n, self.world.clock, text, "", USER, "644"))

    def call(self, argv: list[str]) -> int:
        name, args = argv[0], argv[1:]
        if name not in COMMANDS:
            return self.err(f"bash: {name}: " + ("No such file or directory" if "/" in name else "command not found"), 127)
        try:
            return COMMANDS[name](self, args) or 0
        except Fail as exc:
            return self.err(str(exc), exc.code)


def _ls(sh: Shell, args: list[str]) -> int:
    o, ops = opts("ls", args, "lah1")
    files, dirs, code = [], [], 0
    for raw in ops or ["."]:
        try:
            p, k = sh.find(raw)
        except Fail as exc:
            code = sh.err(f"ls: cannot access '{raw}': {exc}", 2)
            continue
        if k == "file":
            files.append((raw, p))
        else:
            names = sorted({_join(p, key[len(p) + 1 if p else 0:].split("/")[0]) for key in _under(sh.host, p)})
            dirs.append((raw, [(n.rsplit("/", 1)[-1], n) for n in names if "a" in o or not n.rsplit("/", 1)[-1].startswith(".")]))
    blocks = [_ls_block(sh, o, files, False)] if files else []
    blocks += [(f"{raw}:\n" if len(ops) > 1 else "") + _ls_block(sh, o, entries, True) for raw, entries in dirs]
    text = "\n\n".join(blocks).strip("\n")
    if text:
        sh.out(text)
    return code


def _ls_block(sh: Shell, o: dict, entries: list[tuple[str, str]], total: bool) -> str:
    if "l" not in o:
        return "\n".join(name for name, _ in entries)
    now, rows = sh.world.clock, []
    for name, p in entries:
        f = sh.host.files.get(p) if _kind(sh.host, p) == "file" else None
        t = f.mtime if f else max((sh.host.files[k].mtime for k in _under(sh.host, p)), default=now)
        year, month, day, hour, minute, _ = clock_parts(t)
        when = f"{MONTHS[month - 1]} {day:>2} " + (f"{hour:02d}:{minute:02d}" if now - 182 * 86400 < t <= now + 3600 else f" {year}")
        size = f.size if f else 4096
        rows.append((_perm(f.mode) if f else "drwxr-xr-x", "1" if f else "2", f.owner if f else "root",
                     _human(size) if "h" in o else str(size), when, name, size))
    wo, ws = max((len(r[2]) for r in rows), default=0), max((len(r[3]) for r in rows), default=0)
    kb = sum(math.ceil(max(r[6], 0) / 4096) * 4 for r in rows)
    head = [f"total {_human(kb * 1024) if 'h' in o else kb}"] if total else []
    return "\n".join(head + [f"{r[0]} {r[1]} {r[2]:<{wo}} {r[2]:<{wo}} {r[3]:>{ws}} {r[4]} {r[5]}" for r in rows])


def _cat(sh: Shell, args: list[str]) -> int:
    code = 0
    for raw in opts("cat", args, "")[1]:
        try:
            f = sh.host.files[sh.find(raw, "file")[0]]
        except Fail as exc:
            code = sh.err(f"cat: {shlex.quote(raw)}: {exc}")
            continue
        if f.content is None:
            sh.err(f"cat: {shlex.quote(raw)}: binary file ({f.size} bytes) not shown")
        else:
            sh.buf.append((1, f.content))
    return code


MSG = {"cp": ("cp: cannot stat '{src}': {e}", "cp: cannot create regular file '{dst}': {e}"),
       "mv": ("mv: cannot stat '{src}': {e}", "mv: cannot move '{src}' to '{dst}': {e}"),
       "scp": ("scp: {src}: {e}", "scp: {dst}: {e}")}


def _transfer(sh: Shell, cmd: str, ends: list[tuple[Host, str, str]], preserve: bool, recursive: bool) -> int:
    """cp, mv and scp: ends are (host, as typed, path), the last one the destination."""
    (dhost, draw, dp), move, code = ends[-1], cmd == "mv", 0
    into = _kind(dhost, dp) == "dir" or draw.endswith("/")
    if len(ends) > 2 and not into:
        raise Fail(f"{cmd}: target '{draw}' is not a directory")
    for shost, sraw, sp in ends[:-1]:
        k = _kind(shost, sp)
        dest = _join(dp, sp.rsplit("/", 1)[-1]) if into else dp
        if k is None:
            code = sh.err(MSG[cmd][0].format(src=sraw, e="No such file or directory"))
        elif k == "dir" and not recursive:
            code = sh.err(f"cp: -r not specified; omitting directory '{sraw}'" if cmd == "cp" else f"scp: {sraw}: not a regular file")
        elif shost is dhost and (sp == dest or (k == "dir" and (not sp or dest.startswith(sp + "/")))):
            code = sh.err(f"{cmd}: '{sraw}' and '{draw}' are the same file" if k == "file" else
                          f"{cmd}: cannot {cmd == 'mv' and 'move' or 'copy'} a directory, '{sraw}', into itself, '{draw}'")
        else:
            try:
                for a in [sp] if k == "file" else _under(shost, sp):
                    f, b = shost.files[a], dest if k == "file" else _join(dest, a[len(sp) + 1:] if sp else a)
                    _put(dhost, b, VFile(b, f.size, f.mtime if preserve or move else sh.world.clock, f.content,
                                         f.summary, f.owner if move else USER, f.mode), inherit=not move)
                    if move:
                        del shost.files[a]
            except Fail as exc:
                code = sh.err(MSG[cmd][1].format(src=sraw, dst=draw, e=exc))
    return code


def _cp_mv(cmd: str):
    def run(sh: Shell, args: list[str]) -> int:
        o, ops = opts(cmd, args, "prRaf" if cmd == "cp" else "f")
        if len(ops) < 2:
            raise Fail(f"{cmd}: missing destination file operand after '{ops[0]}'" if ops else f"{cmd}: missing file operand")
        ends = []
        for raw in ops:
            try:
                ends.append((sh.host, raw, _norm(raw)))
            except Fail as exc:
                raise Fail(f"{cmd}: cannot stat '{raw}': {exc}") from None
        return _transfer(sh, cmd, ends, preserve="p" in o or "a" in o, recursive=cmd == "mv" or bool(set("rRa") & set(o)))
    return run


def _rm(sh: Shell, args: list[str]) -> int:
    o, ops = opts("rm", args, "frRvi")
    if not ops and "f" not in o:
        raise Fail("rm: missing operand\nTry 'rm --help' for more information.")
    code = 0
    for raw in ops:
        if raw.rstrip("/").rsplit("/", 1)[-1] in (".", ".."):
            code = sh.err(f"rm: refusing to remove '.' or '..' directory: skipping '{raw}'")
            continue
        try:
            p, k = sh.find(raw)
            if k == "dir" and not ("r" in o or "R" in o):
                raise Fail("Is a directory")
        except Fail as exc:
            if "f" not in o or not str(exc).startswith("No such"):
                code = sh.err(f"rm: cannot remove '{raw}': {exc}")
            continue
        if not p:
            code = sh.err("rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe")
            continue
        for key in [p] if k == "file" else _under(sh.host, p):
            del sh.host.files[key]
            if key in sh.host.delete_queue:
                sh.host.delete_queue.remove(key)
    return code


def _scp(sh: Shell, args: list[str]) -> int:
    o, ops = opts("scp", args, "prqvC", values="Pio")
    if len(ops) < 2:
        raise Fail("usage: scp [-pqrv] [-i identity_file] [-o ssh_option] [-P port] source ... target")
    ends = []
    for raw in ops:
        m, host, path = re.fullmatch(r"(?:[^@/:]+@)?([^/:]+):(.*)", raw, re.S), sh.host, raw
        if m is not None:
            try:
                host, path = sh.world.host(m[1]), m[2] or "."
            except KeyError:
                raise Fail(f"ssh: Could not resolve hostname {m[1]}: Name or service not known\nlost connection", 255) from None
            if not host.alive:
                raise Fail(f"ssh: connect to host {m[1]} port 22: Connection refused\nlost connection", 255)
        try:
            ends.append((host, raw, _norm(path)))
        except Fail as exc:
            raise Fail(f"scp: {raw}: {exc}") from None
    return _transfer(sh, "scp", ends, preserve="p" in o, recursive="r" in o)


def _when(o: dict[str, str], now: int) -> int:
    """touch -d DATE (parse_time, or @epoch) or -t [[CC]YY]MMDDhhmm[.ss]."""
    if "d" in o:
        t = int(o["d"][1:]) if re.fullmatch(r"@-?\d{1,12}", o["d"]) else parse_time(o["d"])
    elif m := re.fullmatch(r"(\d{8}|\d{10}|\d{12})(?:\.(\d\d))?", o.get("t", "")):
        d = m[1] if len(m[1]) == 12 else ("19" if int(m[1][:2]) >= 69 else "20") + m[1] if len(m[1]) == 10 else \
            format_time(now)[:4] + m[1]
        t = parse_time(d) + int(m[2] or 0)
    elif "t" in o:
        raise ValueError(o["t"])
    else:
        return now
    return t


def _touch(sh: Shell, args: list[str]) -> int:
    o, ops = opts("touch", args, "cam", values="dt")
    if not ops:
        raise Fail("touch: missing file operand\nTry 'touch --help' for more information.")
    try:
        when = _when(o, sh.world.clock)
    except (ValueError, OverflowError, OSError):
        raise Fail(f"touch: invalid date format '{o.get('d', o.get('t'))}'") from None
    code = 0
    for raw in ops:
        try:
            p = _norm(raw)
            if _kind(sh.host, p) == "file":
                sh.host.files[p].mtime = when
            elif _kind(sh.host, p) is None and "c" not in o:
                _put(sh.host, p, VFile(p, 0, when, "", "", USER, "644"))
        except Fail as exc:
            code = sh.err(f"touch: cannot touch '{raw}': {exc}")
    return code


def _stat(sh: Shell, args: list[str]) -> int:
    ops, code = opts("stat", args, "L")[1], 0
    if not ops:
        raise Fail("stat: missing operand\nTry 'stat --help' for more information.")
    for raw in ops:
        try:
            p, k = sh.find(raw)
        except Fail as exc:
            code = sh.err(f"stat: cannot statx '{raw}': {exc}")
            continue
        f = sh.host.files.get(p) if k == "file" else None
        size, owner, mode = (f.size, f.owner, _mode(f.mode)) if f else (4096, "root", "755")
        t = format_time(f.mtime if f else max((sh.host.files[x].mtime for x in _under(sh.host, p)), default=sh.world.clock))
        uid = {"root": 0, USER: 1000}.get(owner, 1001 + zlib.crc32(owner.encode()) % 1000)
        what = "directory" if f is None else "regular file" if size else "regular empty file"
        sh.out(f"  File: {raw}\n  Size: {size:<15}Blocks: {math.ceil(max(size, 0) / 4096) * 8:<10} IO Block: 4096   {what}\n"
               f"Device: 802h/2050d\tInode: {zlib.crc32(p.encode()) % 9_000_000 + 100_000:<11} Links: {1 if f else 2}\n"
               f"Access: (0{mode}/{_perm(mode, f is None)})  Uid: ({uid:>5}/{owner:>8})   Gid: ({uid:>5}/{owner:>8})\n"
               + "".join(f"{w}: {t}.000000000 +0000\n" for w in ("Access", "Modify", "Change")) + " Birth: -")
    return code


def _df(sh: Shell, args: list[str]) -> int:
    h = "h" in opts("df", args, "hkTa")[0]
    used, size = max(sum(f.size for f in sh.host.files.values()), 0), 20 * 2**30
    while size < used * 1.25:
        size *= 2
    cell = _human if h else (lambda n: str(math.ceil(n / 1024)))
    rows = [("Filesystem", "Size" if h else "1K-blocks", "Used", "Avail" if h else "Available", "Use%", "Mounted on")]
    for fs, total, use, mount in [("tmpfs", 1_717_986_918, 1_153_433, "/run"), ("/dev/sda1", size, used, "/"),
                                  ("tmpfs", 8_589_934_592, 0, "/dev/shm")]:
        rows.append((fs, cell(total), cell(use), cell(total - use), f"{math.ceil(use * 100 / total)}%", mount))
    w = [max([len(r[i]) for r in rows] + [5 if 0 < i < 4 else 0]) for i in range(5)]
    sh.out("\n".join(f"{r[0]:<{max(w[0], 14)}} " + " ".join(c.rjust(w[i + 1]) for i, c in enumerate(r[1:5])) + f" {r[5]}"
                     for r in rows))
    return 0


def _echo(sh: Shell, args: list[str]) -> int:
    flags = ""
    while args and re.fullmatch(r"-[neE]+", args[0]):
        flags, args = flags + args[0], args[1:]
    text = " ".join(args)
    if "e" in flags:
        text = re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "\\": "\\"}.get(m[1], m[0]), text)
    sh.buf.append((1, text + ("" if "n" in flags else "\n")))
    return 0


def _grep(sh: Shell, args: list[str]) -> int:
    o, ops = opts("grep", args, "ilnvcrREFHhqs", values="e")
    if "e" not in o and not ops:
        raise Fail("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.", 2)
    pattern = o["e"] if "e" in o else ops.pop(0)
    if len(pattern) > MAX_PATTERN:
        raise Fail(f"grep: pattern too long (this shell allows {MAX_PATTERN} characters)", 2)
    if "E" not in o:  # basic regex: + ? | ( ) { } are literal unless escaped, and the other way round
        pattern = re.sub(r"\\?([+?|(){}])", lambda m: m[1] if len(m[0]) == 2 else "\\" + m[1], pattern)
    try:  # the regex engine with a time budget: a backtracking pattern is an error, never a hang
        rx = compile_pattern(regex.escape(pattern) if "F" in o else pattern, IGNORECASE if "i" in o else 0, MAX_PATTERN * 2)
    except PatternError as exc:
        raise Fail(f"grep: invalid regular expression: {exc}", 2) from None
    rec, code, targets = "r" in o or "R" in o, 1, []
    for raw in ops or (["."] if rec else []):
        try:
            p, k = sh.find(raw, None if rec else "file")
        except Fail as exc:
            code = 2 if "s" in o else sh.err(f"grep: {raw}: {exc}", 2)
            continue
        base = raw.rstrip("/")
        targets += [(raw, p)] if k == "file" else [(f"{base}/{key[len(p):].lstrip('/')}", key) for key in _under(sh.host, p)]
    if not ops and not rec:
        raise Fail("grep: (standard input): no input in this shell; name a file", 2)
    named = ("H" in o or len(targets) > 1 or rec) and "h" not in o
    budget = Budget(REGEX.grep_seconds)
    for name, p in targets:
        content = sh.host.files[p].content
        lines = (content or "")[:MAX_GREP_INPUT].splitlines()
        try:
            hits = [(n, line) for n, line in enumerate(lines, 1)
                    if bool(search(rx, line[:MAX_LINE], budget)) != ("v" in o)]
        except PatternTimeout:
            raise Fail(f"grep: {name}: regular expression too slow: gave up after {REGEX.search_seconds:g} s on one line "
                       f"or {REGEX.grep_seconds:g} s in all (this shell's limits); simplify the pattern, e.g. without "
                       "nested repeats such as (a+)+ or (a|a)*", 2) from None
        code = 0 if hits and code == 1 else code
        if "q" in o or not (hits or "c" in o):
            continue
        if "l" in o:
            sh.out(name)
        elif "c" in o:
            sh.out(f"{name}:{len(hits)}" if named else str(len(hits)))
        else:
            sh.buf += [(1, (f"{name}:" if named else "") + (f"{n}:" if "n" in o else "") + line + "\n") for n, line in hits]
    return code


COMMANDS = {"ls": _ls, "cat": _cat, "cp": _cp_mv("cp"), "mv": _cp_mv("mv"), "rm": _rm, "scp": _scp, "ssh": ssh, "touch": _touch,
            "stat": _stat, "df": _df, "echo": _echo, "grep": _grep, "pwd": lambda sh, _: sh.out("/"),
            "whoami": lambda sh, _: sh.out(USER), "hostname": lambda sh, _: sh.out(sh.host.name or sh.host.ip)}


class ShellArgs(Args):
    command: str = Field(description="A shell command. Supported: ls, cat, cp, mv, rm, scp, touch -d, stat, df -h, "
                                     "echo ... > file, grep, pwd, whoami, hostname, ssh host command")
    host: str | None = Field(default=None, description="The ip or name of the server the shell runs on "
                                                       "(default: the first server).")


@tool("shell", "Run a command in a bash shell on one of the company's servers.", ShellArgs, does=SHELL_EFFECTS, effects_of=shell_effects)
def shell(world: World, a: ShellArgs) -> str:
    if not a.command.strip():
        raise ToolError("empty command; give a shell command such as 'ls -l'")
    if a.host is not None:
        host = host_of(world, a.host)
    elif world.hosts:
        host = next(iter(world.hosts.values()))
    else:
        raise ToolError("there are no servers to run a shell on")
    if not host.alive:
        return f"ssh: connect to host {host.ip} port 22: Connection refused"
    return Shell(world, host).run(a.command)

