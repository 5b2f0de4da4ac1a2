"""``shell``: a small bash-like interpreter over the simulated world.

Nothing here touches the real machine. A command line is tokenised with
:mod:`shlex` and interpreted against the World's dataclasses; every path goes
through :func:`normalize`, so nothing can leave the virtual host. Failures are
ordinary answers worded like bash and coreutils (``cat: x: No such file or
directory``); only an empty command is a ToolError.
"""

from __future__ import annotations

import math
import re
import shlex
import zlib
from datetime import datetime, timezone
from fnmatch import fnmatchcase

from pydantic import Field

from ..clock import format_time, parse_time
from ..model import Host, VFile, World
from ..paths import PathError, normalize
from .registry import Args, ToolError, tool
from .servers import host_of

USER = "agent"
MAX_COMMAND, MAX_PATTERN, MAX_GREP_INPUT, MAX_LINE = 10_000, 200, 1_000_000, 2_000
PUNCT = "();<>|&\n"
OPS = ("&&", "||", ">>", ">&", "&>", ";", "|", "&", ">", "<", "(", ")", "\n")
UNSUPPORTED = {"|": "pipes are not supported in this shell", "&": "background jobs are not supported in this shell",
               "<": "input redirection is not supported in this shell",
               "(": "subshells and command substitution are not supported in this shell"}
UNSUPPORTED[")"] = UNSUPPORTED["("]
POSIX_CLASSES = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
                 "space": r"\s", "punct": r"!-/:-@\[-`{-~", "xdigit": "0-9A-Fa-f"}
NESTED = re.compile(r"[*+?}|].*\)[*+?{]")  # a repeated group holding a repeat or alternation: backtracking bomb


class Fail(Exception):
    """A command's error, worded like coreutils; ``code`` is its exit status."""

    def __init__(self, msg: str, code: int = 1):
        super().__init__(msg)
        self.code = code


# ---------------------------------------------------------------- the virtual filesystem

def _norm(raw: str, cwd: str = "") -> str:
    if raw == "":
        raise Fail("No such file or directory")
    try:
        return normalize(raw, cwd)
    except PathError as exc:
        raise Fail("File name too long" if "long" in str(exc) else "Invalid argument") from None


def _under(host: Host, d: str) -> list[str]:
    return sorted(k for k in host.files if not d or k.startswith(d + "/"))


def _kind(host: Host, p: str) -> str | None:
    if p and p in host.files:
        return "file"
    return "dir" if p == "" or any(k.startswith(p + "/") for k in host.files) else None


def _join(d: str, name: str) -> str:
    return f"{d}/{name}" if d and name else d or name


def _put(host: Host, p: str, f: VFile) -> None:
    """Create or replace a file; an existing file keeps its owner and mode like an overwritten inode."""
    if _kind(host, p) == "dir":
        raise Fail("Is a directory")
    parts = p.split("/")
    if any("/".join(parts[:n]) in host.files for n in range(1, len(parts))):
        raise Fail("Not a directory")
    prev = host.files.get(p)
    if prev is not None:
        f.owner, f.mode = prev.owner, prev.mode
    f.path = p
    host.files[p] = f


def _dir_mtime(host: Host, d: str, now: int) -> int:
    return max((host.files[k].mtime for k in _under(host, d)), default=now)


def _nbytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _mode(mode: str) -> str:
    return mode[-3:] if re.fullmatch(r"[0-7]{3,4}", str(mode)) else "644"


def _perm(mode: str, is_dir: bool = False) -> str:
    bits = "".join("rwx"[i] if int(c) >> (2 - i) & 1 else "-" for c in _mode(mode) for i in range(3))
    return ("d" if is_dir else "-") + bits


def _human(n: int) -> str:
    if n < 1024:
        return str(n)
    x = float(n)
    for unit in "KMGTPE":
        x /= 1024
        if x < 1024 or unit == "E":
            return f"{math.ceil(x * 10) / 10:.1f}{unit}" if x < 10 else f"{math.ceil(x)}{unit}"
    return str(n)


def _ls_date(t: int, now: int) -> str:
    dt = datetime.fromtimestamp(t, tz=timezone.utc)
    tail = f"{dt:%H:%M}" if now - 182 * 86400 < t <= now + 3600 else f" {dt.year}"
    return f"{dt:%b} {dt.day:>2} {tail}"


# ---------------------------------------------------------------- parsing

def _lex(command: str) -> list[tuple[str, bool]]:
    """Words and operators as (text, is_operator); shlex does the quoting."""
    lex = shlex.shlex(command, posix=True, punctuation_chars=PUNCT)
    lex.whitespace, lex.whitespace_split, lex.commenters = " \t\r", True, ""
    out: list[tuple[str, bool]] = []
    for tok in lex:
        if tok and all(c in PUNCT for c in tok):
            while tok:
                op = next(o for o in OPS if tok.startswith(o))
                out.append((op, True))
                tok = tok[len(op):]
        else:
            out.append((tok, False))
    return out


def _parse(tokens: list[tuple[str, bool]]) -> list[tuple[str, list[str], list[tuple[int, str, str]]]]:
    """[(connector, argv, redirections)]; raises Fail with bash's syntax message."""
    cmds: list = []
    argv: list[str] = []
    redirs: list[tuple[int, str, str]] = []
    conn, i = ";", 0
    while i < len(tokens):
        tok, is_op = tokens[i]
        i += 1
        if not is_op:
            if tok.startswith("#"):  # a comment runs to the end of the line
                while i < len(tokens) and tokens[i][0] != "\n":
                    i += 1
            else:
                argv.append(tok)
            continue
        if tok in UNSUPPORTED:
            raise Fail(f"bash: {UNSUPPORTED[tok]}", 2)
        if tok in (">", ">>", ">&", "&>"):
            fd = int(argv.pop()) if argv and argv[-1] in ("1", "2") and tok in (">", ">>", ">&") else 1
            if i >= len(tokens) or tokens[i][1]:
                raise Fail(f"bash: syntax error near unexpected token `{tokens[i][0] if i < len(tokens) else 'newline'}'", 2)
            target = tokens[i][0]
            i += 1
            if tok == ">&" and target in ("1", "2"):
                redirs.append((fd, "dup", target))
            else:
                redirs.append((fd, "a" if tok == ">>" else "w", target))
                if tok in ("&>", ">&"):
                    redirs.append((2, "dup", "1"))
            continue
        if not argv and not redirs:
            if tok == "\n":
                continue
            raise Fail(f"bash: syntax error near unexpected token `{tok}'", 2)
        cmds.append((conn, argv, redirs))
        argv, redirs, conn = [], [], (tok if tok in ("&&", "||") else ";")
    if argv or redirs:
        cmds.append((conn, argv, redirs))
    elif conn != ";":
        raise Fail("bash: syntax error: unexpected end of file", 2)
    return cmds


def opts(cmd: str, argv: list[str], flags: str, values: str = "", long: dict[str, str] | None = None,
         code: int = 1) -> tuple[dict[str, str | bool], list[str]]:
    """GNU-style options anywhere on the line: (options, operands)."""
    got: dict[str, str | bool] = {}
    ops: list[str] = []
    i = 0
    usage = f"\nTry '{cmd} --help' for more information."
    while i < len(argv):
        a = argv[i]
        i += 1
        if a == "--":
            ops += argv[i:]
            break
        if a.startswith("--"):
            name, eq, val = a[2:].partition("=")
            key = (long or {}).get(name)
            if key is None:
                raise Fail(f"{cmd}: unrecognized option '{a}'{usage}", code)
            if key in values and not eq:
                if i >= len(argv):
                    raise Fail(f"{cmd}: option '{a}' requires an argument{usage}", code)
                val, i = argv[i], i + 1
            got[key] = val if key in values else True
        elif a.startswith("-") and len(a) > 1:
            for j, ch in enumerate(a[1:], 1):
                if ch in values:
                    if a[j + 1:]:
                        got[ch] = a[j + 1:]
                    elif i < len(argv):
                        got[ch], i = argv[i], i + 1
                    else:
                        raise Fail(f"{cmd}: option requires an argument -- '{ch}'{usage}", code)
                    break
                if ch not in flags:
                    raise Fail(f"{cmd}: invalid option -- '{ch}'{usage}", code)
                got[ch] = True
        else:
            ops.append(a)
    return got, ops


# ---------------------------------------------------------------- the interpreter

class Shell:
    def __init__(self, world: World, host: Host):
        self.world, self.host, self.cwd = world, host, ""
        self.buf: list[tuple[int, str]] = []

    def out(self, text: str) -> None:
        self.buf.append((1, text + "\n"))

    def err(self, text: str, code: int = 1) -> int:
        self.buf.append((2, text + "\n"))
        return code

    def resolve(self, raw: str) -> str:
        return _norm(raw, self.cwd)

    def kind(self, raw: str) -> tuple[str, str]:
        p = self.resolve(raw)
        k = _kind(self.host, p)
        if k is None:
            raise Fail("No such file or directory")
        return p, k

    def file(self, raw: str) -> VFile:
        p, k = self.kind(raw)
        if k == "dir":
            raise Fail("Is a directory")
        return self.host.files[p]

    def glob(self, words: list[str]) -> list[str]:
        """Expand * ? [..] against the host's paths; a pattern with no match stays literal, as in bash."""
        out: list[str] = []
        for w in words:
            try:
                pat = normalize(w, self.cwd).split("/") if any(c in w for c in "*?[") else None
            except PathError:
                pat = None
            cands = {"/".join(k.split("/")[:n]) for k in self.host.files for n in range(1, k.count("/") + 2)}
            hits = sorted(c for c in cands if pat and c.count("/") == len(pat) - 1 and all(
                fnmatchcase(s, q) and (q.startswith(".") or not s.startswith(".")) for s, q in zip(c.split("/"), pat)))
            if not hits:
                out.append(w)
            elif w.startswith("/") or (self.cwd and not all(h.startswith(self.cwd + "/") for h in hits)):
                out += ["/" + h for h in hits]
            else:
                out += [h[len(self.cwd) + 1:] if self.cwd else h for h in hits]
        return out

    def run(self, command: str) -> str:
        if len(command) > MAX_COMMAND:
            return "bash: command line too long"
        try:
            cmds = _parse(_lex(command))
        except ValueError as exc:
            if "quotation" not in str(exc):
                return "bash: syntax error: unexpected end of file"
            q = '"' if command.count('"') % 2 else "'"
            return f"bash: unexpected EOF while looking for matching `{q}'\nbash: syntax error: unexpected end of file"
        except Fail as exc:
            return str(exc)
        status, shown = 0, []
        for conn, argv, redirs in cmds:
            if (conn == "&&" and status) or (conn == "||" and not status):
                continue
            self.buf = []
            files: dict[str, list[str]] = {}
            dest: dict[int, str | None] = {1: None, 2: None}
            try:
                for fd, mode, target in redirs:
                    if mode == "dup":
                        dest[fd] = dest[int(target)]
                        continue
                    p = _norm(target, self.cwd)
                    if _kind(self.host, p) == "dir":
                        raise Fail("Is a directory")
                    dest[fd] = p
                    files.setdefault(p, [mode, target, ""])
            except Fail as exc:
                shown.append(f"bash: {target}: {exc}\n")
                status = 1
                continue
            status = self.call(argv)
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
        if p == "dev/null":
            return
        f = self.host.files.get(p)
        if f is not None and append:
            f.content = None if f.content is None else f.content + text
            f.size, f.mtime = f.size + _nbytes(text), self.world.clock
        else:
            _put(self.host, p, VFile(p, _nbytes(text), self.world.clock, text, "", USER, "644"))

    def call(self, argv: list[str]) -> int:
        while argv and re.fullmatch(r"[A-Za-z_]\w*=.*", argv[0], re.S):  # FOO=bar cmd
            argv = argv[1:]
        if not argv:
            return 0
        name, args = argv[0], argv[1:]
        if name not in COMMANDS:
            if "/" in name:
                try:
                    found = _kind(self.host, self.resolve(name)) == "file"
                except Fail:
                    found = False
                return self.err(f"bash: {name}: " + ("Permission denied" if found else "No such file or directory"),
                                126 if found else 127)
            return self.err(f"bash: {name}: command not found", 127)
        handler, synopsis = COMMANDS[name]
        if "--help" in args and name != "echo":
            self.out(f"Usage: {synopsis}")
            return 0
        try:
            return handler(self, args) or 0
        except Fail as exc:
            return self.err(str(exc), exc.code)


# ---------------------------------------------------------------- commands

def _ls(sh: Shell, args: list[str]) -> int:
    o, ops = opts("ls", args, "laAh1trSd", code=2)
    files, dirs, code = [], [], 0
    for raw in sh.glob(ops) or ["."]:
        try:
            p, k = sh.kind(raw)
        except Fail as exc:
            code = sh.err(f"ls: cannot access '{raw}': {exc}", 2)
            continue
        (files if k == "file" or "d" in o else dirs).append((raw, p))
    blocks: list[str] = []
    if files:
        blocks.append(_ls_block(sh, o, [(raw, p) for raw, p in files], False))
    for raw, d in dirs:
        names = {_join(d, k[len(d) + 1 if d else 0:].split("/")[0]) for k in _under(sh.host, d)}
        entries = [(n.rsplit("/", 1)[-1], n) for n in names if "a" in o or "A" in o or not n.rsplit("/", 1)[-1].startswith(".")]
        head = f"{raw}:\n" if len(files) + len(dirs) > 1 else ""
        blocks.append(head + _ls_block(sh, o, entries, True))
    if blocks:
        sh.out("\n\n".join(b.rstrip("\n") for b in blocks).strip("\n")) if any(blocks) else None
    return code


def _ls_block(sh: Shell, o: dict, entries: list[tuple[str, str]], total: bool) -> str:
    now, rows = sh.world.clock, []
    for name, p in entries:
        f = sh.host.files.get(p) if _kind(sh.host, p) == "file" else None
        rows.append((_perm(f.mode) if f else "drwxr-xr-x", 1 if f else 2, f.owner if f else "root",
                     f.size if f else 4096, f.mtime if f else _dir_mtime(sh.host, p, now), name))
    key = {"t": lambda r: -r[4], "S": lambda r: -r[3]}.get("t" if "t" in o else "S" if "S" in o else "", lambda r: r[5])
    rows.sort(key=key, reverse="r" in o)
    if "l" not in o:
        return "\n".join(r[5] for r in rows)
    size = (lambda n: _human(n)) if "h" in o else str
    wo, ws = max((len(r[2]) for r in rows), default=0), max((len(size(r[3])) for r in rows), default=0)
    lines = [f"{r[0]} {r[1]} {r[2]:<{wo}} {r[2]:<{wo}} {size(r[3]):>{ws}} {_ls_date(r[4], now)} {r[5]}" for r in rows]
    kb = sum(math.ceil(max(r[3], 0) / 4096) * 4 for r in rows)
    return "\n".join(([f"total {_human(kb * 1024) if 'h' in o else kb}"] if total else []) + lines)


def _cat(sh: Shell, args: list[str]) -> int:
    _, ops = opts("cat", args, "")
    code = 0
    for raw in sh.glob(ops):
        try:
            f = sh.file(raw)
        except Fail as exc:
            code = sh.err(f"cat: {shlex.quote(raw)}: {exc}")
            continue
        if f.content is None:
            sh.err(f"cat: {shlex.quote(raw)}: binary file ({f.size} bytes), not shown")
        elif f.content:
            sh.buf.append((1, f.content))
    return code


MSG = {"cp": ("cp: cannot stat '{src}': {e}", "cp: cannot create regular file '{dst}': {e}"),
       "mv": ("mv: cannot stat '{src}': {e}", "mv: cannot move '{src}' to '{dst}': {e}"),
       "scp": ("scp: {src}: {e}", "scp: {dst}: {e}")}


def _transfer(sh: Shell, cmd: str, srcs: list[tuple[Host, str, str]], dst: tuple[Host, str, str],
              preserve: bool = False, recursive: bool = False, move: bool = False) -> int:
    dhost, draw, dp = dst
    into = _kind(dhost, dp) == "dir" or draw.endswith("/")
    if len(srcs) > 1 and not into:
        raise Fail(f"{cmd}: target '{draw}' is not a directory")
    code = 0
    for shost, sraw, sp in srcs:
        k = _kind(shost, sp)
        dest = _join(dp, sp.rsplit("/", 1)[-1]) if into else dp
        if k is None:
            code = sh.err(MSG[cmd][0].format(src=sraw, e="No such file or directory"))
        elif k == "dir" and not recursive:
            code = sh.err(f"cp: -r not specified; omitting directory '{sraw}'" if cmd == "cp" else f"scp: {sraw}: not a regular file")
        elif shost is dhost and (sp == dest or (k == "dir" and (not sp or dest.startswith(sp + "/")))):
            code = sh.err(f"{cmd}: '{sraw}' and '{draw}' are the same file" if sp == dest and k == "file" else
                          f"{cmd}: cannot {'move' if move else 'copy'} a directory, '{sraw}', into itself, '{draw}'")
        elif k == "dir" and _kind(dhost, dest) == "file":
            code = sh.err(f"{cmd}: cannot overwrite non-directory '{draw}' with directory '{sraw}'")
        else:
            try:
                for a in ([sp] if k == "file" else _under(shost, sp)):
                    f, b = shost.files[a], dest + a[len(sp):]
                    keep = preserve or move
                    _put(dhost, b, VFile(b, f.size, f.mtime if keep else sh.world.clock, f.content, f.summary,
                                         f.owner if move else USER, f.mode))
                    if move:
                        del shost.files[a]
            except Fail as exc:
                code = sh.err(MSG[cmd][1].format(src=sraw, dst=draw, e=exc))
    return code


def _local(sh: Shell, cmd: str, ops: list[str]) -> tuple[list[tuple[Host, str, str]], tuple[Host, str, str]]:
    if len(ops) < 2:
        raise Fail(f"{cmd}: missing file operand" if not ops else f"{cmd}: missing destination file operand after '{ops[0]}'")
    ends = []
    for raw in ops:
        try:
            ends.append((sh.host, raw, sh.resolve(raw)))
        except Fail as exc:
            raise Fail(f"{cmd}: cannot stat '{raw}': {exc}") from None
    return ends[:-1], ends[-1]


def _cp(sh: Shell, args: list[str]) -> int:
    o, ops = opts("cp", args, "prRaf", long={"preserve": "p", "recursive": "r", "archive": "a", "force": "f"})
    srcs, dst = _local(sh, "cp", sh.glob(ops))
    return _transfer(sh, "cp", srcs, dst, preserve="p" in o or "a" in o, recursive=bool({"r", "R", "a"} & set(o)))


def _mv(sh: Shell, args: list[str]) -> int:
    _, ops = opts("mv", args, "fvn", long={"force": "f"})
    srcs, dst = _local(sh, "mv", sh.glob(ops))
    return _transfer(sh, "mv", srcs, dst, recursive=True, move=True)


def _rm(sh: Shell, args: list[str]) -> int:
    o, ops = opts("rm", args, "frRvid", long={"force": "f", "recursive": "r", "no-preserve-root": "P"})
    if not ops and "f" not in o:
        raise Fail("rm: missing operand\nTry 'rm --help' for more information.")
    code, rec = 0, bool({"r", "R"} & set(o))
    for raw in sh.glob(ops):
        if raw.rstrip("/").rsplit("/", 1)[-1] in (".", ".."):
            code = sh.err(f"rm: refusing to remove '.' or '..' directory: skipping '{raw}'")
            continue
        try:
            p, k = sh.kind(raw)
            if k == "dir" and not rec:
                raise Fail("Is a directory")
        except Fail as exc:
            if "f" not in o or not str(exc).startswith("No such"):
                code = sh.err(f"rm: cannot remove '{raw}': {exc}")
            continue
        if not p and "P" not in o:
            code = sh.err("rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe")
            continue
        for key in [p] if k == "file" else _under(sh.host, p):
            del sh.host.files[key]
            if key in sh.host.delete_queue:
                sh.host.delete_queue.remove(key)
    return code


def _scp(sh: Shell, args: list[str]) -> int:
    o, ops = opts("scp", args, "prqvC3", values="Pio")
    if len(ops) < 2:
        raise Fail("usage: scp [-pqrv] [-i identity_file] [-o ssh_option] [-P port] source ... target")
    ends = []
    for raw in ops:
        m = re.fullmatch(r"(?:[^@/:]+@)?([^/:]+):(.*)", raw, re.S)
        host, path, cwd = sh.host, raw, sh.cwd
        if m is not None:
            try:
                host, path, cwd = sh.world.host(m[1]), m[2] or ".", ""
            except KeyError:
                raise Fail(f"ssh: Could not resolve hostname {m[1]}: Name or service not known\nlost connection", 255) from None
            if not host.alive:
                raise Fail(f"ssh: connect to host {m[1]} port 22: Connection refused\nlost connection", 255)
        try:
            ends.append((host, raw, _norm(path, cwd)))
        except Fail as exc:
            raise Fail(f"scp: {raw}: {exc}") from None
    return _transfer(sh, "scp", ends[:-1], ends[-1], preserve="p" in o, recursive="r" in o)


def _date(text: str, now: int) -> int:
    if text == "now":
        return now
    t = int(text[1:]) if re.fullmatch(r"@-?\d{1,15}", text) else parse_time(text)
    format_time(t)  # refuses what a timestamp cannot be
    return t


def _stamp(text: str, now: int) -> int:
    m = re.fullmatch(r"(\d{8}|\d{10}|\d{12})(?:\.(\d\d))?", text)
    if m is None:
        raise ValueError(text)
    d = m[1] if len(m[1]) == 12 else ("19" if int(m[1][:2]) >= 69 else "20") + m[1] if len(m[1]) == 10 \
        else str(datetime.fromtimestamp(now, tz=timezone.utc).year) + m[1]
    return parse_time(d) + int(m[2] or 0)


def _touch(sh: Shell, args: list[str]) -> int:
    o, ops = opts("touch", args, "cam", values="dtr", long={"date": "d", "reference": "r", "no-create": "c"})
    if not ops:
        raise Fail("touch: missing file operand\nTry 'touch --help' for more information.")
    when = sh.world.clock
    try:
        when = _date(str(o["d"]), when) if "d" in o else _stamp(str(o["t"]), when) if "t" in o else when
    except (ValueError, OverflowError, OSError):
        raise Fail(f"touch: invalid date format '{o.get('d', o.get('t'))}'") from None
    if "r" in o:
        try:
            when = sh.file(str(o["r"])).mtime
        except Fail as exc:
            raise Fail(f"touch: failed to get attributes of '{o['r']}': {exc}") from None
    code = 0
    for raw in sh.glob(ops):
        try:
            p = sh.resolve(raw)
            if _kind(sh.host, p) == "file":
                sh.host.files[p].mtime = when
            elif _kind(sh.host, p) is None and "c" not in o:
                _put(sh.host, p, VFile(p, 0, when, "", "", USER, "644"))
        except Fail as exc:
            code = sh.err(f"touch: cannot touch '{raw}': {exc}")
    return code


def _stat(sh: Shell, args: list[str]) -> int:
    _, ops = opts("stat", args, "L")
    if not ops:
        raise Fail("stat: missing operand\nTry 'stat --help' for more information.")
    code = 0
    for raw in sh.glob(ops):
        try:
            p, k = sh.kind(raw)
        except Fail as exc:
            code = sh.err(f"stat: cannot statx '{raw}': {exc}")
            continue
        f = sh.host.files[p] if k == "file" else None
        size, mtime, owner, mode = (f.size, f.mtime, f.owner, _mode(f.mode)) if f else \
            (4096, _dir_mtime(sh.host, p, sh.world.clock), "root", "755")
        uid = {"root": 0, USER: 1000}.get(owner, 1001 + zlib.crc32(owner.encode()) % 1000)
        what = "directory" if f is None else "regular file" if size else "regular empty file"
        t = f"{format_time(mtime)}.000000000 +0000"
        sh.out(f"  File: {raw}\n  Size: {size:<15}Blocks: {math.ceil(max(size, 0) / 4096) * 8:<10} IO Block: 4096   {what}\n"
               f"Device: 802h/2050d\tInode: {zlib.crc32(p.encode()) % 9_000_000 + 100_000:<11} Links: {2 if f is None else 1}\n"
               f"Access: (0{mode}/{_perm(mode, f is None)})  Uid: ({uid:>5}/{owner:>8})   Gid: ({uid:>5}/{owner:>8})\n"
               f"Access: {t}\nModify: {t}\nChange: {t}\n Birth: -")
    return code


def _df(sh: Shell, args: list[str]) -> int:
    o, _ = opts("df", args, "hkTa")
    used = max(sum(f.size for f in sh.host.files.values()), 0)
    size = 20 * 2**30
    while size < used * 1.25:
        size *= 2
    rows = [("tmpfs", 1_717_986_918, 1_153_433, "/run"), ("/dev/sda1", size, used, "/"),
            ("tmpfs", 8_589_934_592, 0, "/dev/shm")]
    cell = _human if "h" in o else (lambda n: str(math.ceil(n / 1024)))
    table = [("Filesystem", "Size" if "h" in o else "1K-blocks", "Used", "Avail" if "h" in o else "Available", "Use%", "Mounted on")]
    table += [(fs, cell(s), cell(u), cell(s - u), f"{math.ceil(u * 100 / s)}%", m) for fs, s, u, m in rows]
    w = [max(len(r[i]) for r in table) for i in range(5)]
    sh.out("\n".join(f"{r[0]:<{max(w[0], 14)}} " + " ".join(c.rjust(w[i + 1]) for i, c in enumerate(r[1:5])) + f" {r[5]}"
                     for r in table))
    return 0


def _echo(sh: Shell, args: list[str]) -> int:
    flags = ""
    while args and re.fullmatch(r"-[neE]+", args[0]):
        flags, args = flags + args[0], args[1:]
    text = " ".join(args)
    if "e" in flags:
        text = re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "\\": "\\", "r": "\r"}.get(m[1], m[0]), text)
    sh.buf.append((1, text + ("" if "n" in flags else "\n")))
    return 0


def _regex(pattern: str, o: dict) -> re.Pattern[str]:
    if len(pattern) > MAX_PATTERN:
        raise Fail(f"grep: pattern too long (this shell allows {MAX_PATTERN} characters)", 2)
    if "F" in o:
        rx = re.escape(pattern)
    else:
        for name, chars in POSIX_CLASSES.items():
            pattern = pattern.replace(f"[:{name}:]", chars)
        swap = "" if "E" in o else "+?|(){}"  # basic regex: these are literal unless escaped
        rx = re.sub(r"\\(.)|([+?|(){}])", lambda m: (r"\b" if m[1] in "<>" else m[1] if m[1] in swap else m[0]) if m[1]
                    else ("\\" + m[2] if m[2] in swap else m[2]), pattern, flags=re.S)
        if NESTED.search(rx):
            raise Fail("grep: pattern too complex for this shell (nested repetition)", 2)
    try:
        return re.compile(rf"\b(?:{rx})\b" if "w" in o else rx, re.IGNORECASE if "i" in o else 0)
    except (re.error, OverflowError, RecursionError, ValueError) as exc:
        raise Fail(f"grep: {str(exc)[:1].upper() + str(exc)[1:]}", 2) from None


def _grep(sh: Shell, args: list[str]) -> int:
    o, ops = opts("grep", args, "ilncvrREFwqsHh", values="e", code=2)
    if "e" not in o and not ops:
        raise Fail("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.", 2)
    rx = _regex(str(o["e"]) if "e" in o else ops.pop(0), o)
    rec = "r" in o or "R" in o
    ops = sh.glob(ops) or (["."] if rec else [])
    if not ops:
        raise Fail("grep: (standard input): no input in this shell; name a file", 2)
    targets, code = [], 1
    for raw in ops:
        try:
            p, k = sh.kind(raw)
            if k == "dir" and not rec:
                raise Fail("Is a directory")
        except Fail as exc:
            code = 2 if "s" in o else sh.err(f"grep: {raw}: {exc}", 2)
            continue
        base = raw.rstrip("/")
        targets += [(raw, p)] if k == "file" else [(f"{base}/{key[len(p):].lstrip('/')}", key) for key in _under(sh.host, p)]
    named = ("H" in o or len(targets) > 1 or rec) and "h" not in o
    for name, p in targets:
        content = sh.host.files[p].content
        if content is None:
            continue
        lines = content[:MAX_GREP_INPUT].splitlines()
        hits = [(n, line) for n, line in enumerate(lines, 1) if bool(rx.search(line[:MAX_LINE])) != ("v" in o)]
        code = 0 if hits and code != 2 else code
        if "q" in o and hits:
            return 0
        if "q" in o:
            continue
        if "l" in o:
            sh.out(name) if hits else None
        elif "c" in o:
            sh.out(f"{name}:{len(hits)}" if named else str(len(hits)))
        else:
            for n, line in hits:
                sh.out((f"{name}:" if named else "") + (f"{n}:" if "n" in o else "") + line)
    return code


def _cd(sh: Shell, args: list[str]) -> int:
    _, ops = opts("cd", args, "LP")
    if len(ops) > 1:
        raise Fail("bash: cd: too many arguments")
    raw = ops[0] if ops else "~"
    try:
        p, k = sh.kind(raw)
        if k != "dir":
            raise Fail("Not a directory")
    except Fail as exc:
        raise Fail(f"bash: cd: {raw}: {exc}") from None
    sh.cwd = p
    return 0


def _help(sh: Shell, _args: list[str]) -> int:
    sh.out("Commands in this shell (one host, no pipes; && || ; and > >> 2> work):\n"
           + "\n".join(f"  {syn}" for _, syn in COMMANDS.values()))
    return 0


COMMANDS = {
    "ls": (_ls, "ls [-laAh1trSd] [FILE]..."),
    "cat": (_cat, "cat [FILE]..."),
    "cp": (_cp, "cp [-prRa] SOURCE... DEST"),
    "mv": (_mv, "mv SOURCE... DEST"),
    "rm": (_rm, "rm [-frR] FILE..."),
    "scp": (_scp, "scp [-pr] [[user@]host:]SOURCE... [[user@]host:]DEST"),
    "touch": (_touch, "touch [-c] [-d DATE | -t [[CC]YY]MMDDhhmm[.ss] | -r FILE] FILE..."),
    "stat": (_stat, "stat FILE..."),
    "df": (_df, "df [-h]"),
    "echo": (_echo, "echo [-neE] [TEXT]... [> FILE | >> FILE]"),
    "grep": (_grep, "grep [-ilncvrEFwqsHh] PATTERN [FILE]..."),
    "pwd": (lambda sh, _a: sh.out("/" + sh.cwd), "pwd"),
    "whoami": (lambda sh, _a: sh.out(USER), "whoami"),
    "hostname": (lambda sh, _a: sh.out(sh.host.name or sh.host.ip), "hostname"),
    "cd": (_cd, "cd [DIR]   (lasts for this command line only)"),
    "help": (_help, "help"),
}


class ShellArgs(Args):
    command: str = Field(description="A shell command. Supported: ls, cat, cp, mv, rm, scp, touch -d, stat, df -h, "
                                     "echo ... > file, grep, pwd, whoami, hostname")
    host: str | None = Field(default=None, description="The ip or name of the server the shell runs on "
                                                       "(default: the first server).")


@tool("shell", "Run a command in a bash shell on one of the company's servers.", ShellArgs, mutates=True)
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
