"""The ``shell`` tool: a bash-like interpreter over the simulated world only."""

from __future__ import annotations

import builtins
import io
import os
import shlex

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.world.clock import format_time, parse_time
from playground.world.model import Host, VFile, World
from playground.world.paths import normalize
from playground.world.tools import TOOLS
from playground.world.tools.registry import execute

START = parse_time("2026-02-03 09:00:00")
NOW = START + 37  # execute() advances the clock by one tick before the tool runs
OLD = parse_time("2025-06-01 10:00:00")


def make_world() -> World:
    w = World(clock=START)
    prod = Host("10.0.0.1", "prod", users=["alice"])
    for f in [
        VFile("notes.txt", 23, OLD, "hello\nworld\nHello again\n", "notes", "alice", "644"),
        VFile("data/report.csv", 8, OLD, "a,b\n1,2\n", "report"),
        VFile("data/model.bin", 5_000_000, OLD, None, "weights", "root", "600"),
        VFile(".hidden", 3, OLD, "ssh"),
    ]:
        prod.files[f.path] = f
    prod.delete_queue.append("data/model.bin")
    backup = Host("10.0.0.2", "backup")
    backup.files["old.txt"] = VFile("old.txt", 4, OLD, "old\n")
    w.hosts = {prod.ip: prod, backup.ip: backup}
    return w


@pytest.fixture
def world() -> World:
    return make_world()


def sh(world: World, command: str, host: str | None = None) -> str:
    args = {"command": command} if host is None else {"command": command, "host": host}
    out = execute(world, "shell", args, offered={"shell": None})
    assert not out.error, out.output
    return out.output


def files(world: World, ip: str = "10.0.0.1") -> dict[str, VFile]:
    return world.hosts[ip].files


# ------------------------------------------------------------------ registration and arguments

def test_registered_as_mutating_with_documented_arguments():
    t = TOOLS["shell"]
    assert t.mutates
    props = t.schema()["function"]["parameters"]["properties"]
    assert "ls, cat, cp, mv, rm, scp, touch -d" in props["command"]["description"]
    assert "host" in props


def test_empty_command_is_a_tool_error(world):
    out = execute(world, "shell", {"command": "   "}, offered={"shell": None})
    assert out.error and out.output.startswith("Error: empty command")


def test_unknown_host_argument_is_a_tool_error(world):
    out = execute(world, "shell", {"command": "ls", "host": "10.9.9.9"}, offered={"shell": None})
    assert out.error and "no server" in out.output


def test_host_argument_by_ip_or_name(world):
    assert sh(world, "hostname") == "prod"
    assert sh(world, "hostname", host="10.0.0.2") == "backup"
    assert sh(world, "ls", host="backup") == "old.txt"


def test_pwd_whoami(world):
    assert sh(world, "pwd") == "/"
    assert sh(world, "whoami") == "agent"


# ------------------------------------------------------------------ ls, cat, stat, df

def test_ls(world):
    assert sh(world, "ls") == "data\nnotes.txt"
    assert sh(world, "ls -a /") == ".hidden\ndata\nnotes.txt"
    assert sh(world, "ls data/") == "model.bin\nreport.csv"
    assert sh(world, "ls notes.txt") == "notes.txt"
    assert sh(world, "ls nope") == "ls: cannot access 'nope': No such file or directory"


def test_ls_long(world):
    out = sh(world, "ls -l data").splitlines()
    assert out[0].startswith("total ")
    assert out[1] == "-rw------- 1 root root 5000000 Jun  1  2025 model.bin"
    assert out[2] == "-rw-r--r-- 1 root root       8 Jun  1  2025 report.csv"
    sh(world, "touch notes.txt")
    assert sh(world, "ls -l notes.txt") == "-rw-r--r-- 1 alice alice 23 Feb  3 09:01 notes.txt"
    assert "drwxr-xr-x 2 root  root  4096 Jun  1  2025 data" in sh(world, "ls -l /")
    assert "4.8M" in sh(world, "ls -lh data")


def test_cat(world):
    assert sh(world, "cat notes.txt") == "hello\nworld\nHello again"
    assert sh(world, "cat /data/report.csv notes.txt").startswith("a,b\n1,2\nhello")
    assert sh(world, "cat missing.txt") == "cat: missing.txt: No such file or directory"
    assert sh(world, "cat 'a b'") == "cat: 'a b': No such file or directory"
    assert sh(world, "cat data") == "cat: data: Is a directory"
    assert sh(world, "cat data/model.bin") == "cat: data/model.bin: binary file (5000000 bytes) not shown"


@pytest.mark.parametrize("path", ["../../../etc/passwd", "/etc/passwd", "~/../../etc/shadow", "data/../../../../etc/hosts",
                                  "/proc/self/environ", "....//....//etc/passwd"])
def test_path_escapes_stay_inside_the_virtual_host(world, monkeypatch, path):
    def refuse(*_a, **_k):
        raise AssertionError("the shell touched the real filesystem")

    for mod, name in [(builtins, "open"), (io, "open"), (os, "open"), (os, "listdir"), (os, "stat"), (os, "scandir")]:
        monkeypatch.setattr(mod, name, refuse)
    out = sh(world, f"cat {path}")
    monkeypatch.undo()
    assert out == f"cat: {shlex.quote(path)}: No such file or directory"
    assert "root:" not in out


def test_dotdot_resolves_inside_the_host(world):
    assert sh(world, "cat ../../notes.txt") == sh(world, "cat notes.txt")
    sh(world, "cp ../../../notes.txt ../../../../n2.txt")
    assert "n2.txt" in files(world)


def test_stat(world):
    out = sh(world, "stat notes.txt")
    assert "  File: notes.txt" in out and "Size: 23" in out and "regular file" in out
    assert "Access: (0644/-rw-r--r--)" in out and "alice" in out
    assert "Modify: 2025-06-01 10:00:00.000000000 +0000" in out
    assert "directory" in sh(world, "stat data")
    assert sh(world, "stat nope") == "stat: cannot statx 'nope': No such file or directory"


def test_df(world):
    lines = sh(world, "df -h").splitlines()
    assert lines[0].split() == ["Filesystem", "Size", "Used", "Avail", "Use%", "Mounted", "on"]
    root = next(line.split() for line in lines if line.endswith(" /"))
    assert root[0] == "/dev/sda1" and root[1] == "20G" and root[2] == "4.8M"
    raw = next(line.split() for line in sh(world, "df").splitlines() if line.endswith(" /"))
    assert int(raw[2]) == -(-5_000_034 // 1024)


# ------------------------------------------------------------------ cp, mv, rm

def test_cp_stamps_the_clock_and_cp_p_preserves(world):
    assert sh(world, "cp notes.txt copy.txt") == ""
    c = files(world)["copy.txt"]
    assert c.mtime == NOW and c.content == files(world)["notes.txt"].content and c.owner == "agent"
    sh(world, "cp -p notes.txt kept.txt")
    assert files(world)["kept.txt"].mtime == OLD


def test_cp_into_directory_and_errors(world):
    sh(world, "cp notes.txt data")
    assert "data/notes.txt" in files(world)
    sh(world, "cp notes.txt data/report.csv backups/")
    assert {"backups/notes.txt", "backups/report.csv"} <= set(files(world))
    assert sh(world, "cp nope x") == "cp: cannot stat 'nope': No such file or directory"
    assert sh(world, "cp data d2") == "cp: -r not specified; omitting directory 'data'"
    assert sh(world, "cp notes.txt notes.txt") == "cp: 'notes.txt' and 'notes.txt' are the same file"
    assert sh(world, "cp notes.txt") == "cp: missing destination file operand after 'notes.txt'"
    assert sh(world, "cp -z a b").startswith("cp: invalid option -- 'z'")
    assert sh(world, "cp notes.txt notes.txt/x") == "cp: cannot create regular file 'notes.txt/x': Not a directory"


def test_cp_recursive(world):
    sh(world, "cp -r data data2")
    assert {"data2/report.csv", "data2/model.bin"} <= set(files(world))
    assert files(world)["data2/model.bin"].mtime == NOW
    assert "into itself" in sh(world, "cp -r data data/sub")


def test_mv_keeps_mtime(world):
    sh(world, "mv notes.txt renamed.txt")
    f = files(world)["renamed.txt"]
    assert "notes.txt" not in files(world) and f.mtime == OLD and f.path == "renamed.txt" and f.owner == "alice"
    sh(world, "mv renamed.txt data/")
    assert "data/renamed.txt" in files(world)
    sh(world, "mv data archive")
    assert not any(k.startswith("data/") for k in files(world))
    assert files(world)["archive/model.bin"].mtime == OLD
    assert sh(world, "mv nope x") == "mv: cannot stat 'nope': No such file or directory"


def test_rm(world):
    assert sh(world, "rm notes.txt") == ""
    assert "notes.txt" not in files(world)
    assert sh(world, "rm notes.txt") == "rm: cannot remove 'notes.txt': No such file or directory"
    assert sh(world, "rm -f notes.txt") == ""
    assert sh(world, "rm data") == "rm: cannot remove 'data': Is a directory"
    assert sh(world, "rm -rf /").startswith("rm: it is dangerous to operate recursively on '/'")
    assert sh(world, "rm -r data") == ""
    assert list(files(world)) == [".hidden"]
    assert world.hosts["10.0.0.1"].delete_queue == []


# ------------------------------------------------------------------ scp

def test_scp_between_hosts(world):
    assert sh(world, "scp data/report.csv 10.0.0.2:/srv/") == ""
    f = files(world, "10.0.0.2")["srv/report.csv"]
    assert f.mtime == NOW and f.content == "a,b\n1,2\n"
    sh(world, "scp -p notes.txt backup:notes.txt")
    assert files(world, "10.0.0.2")["notes.txt"].mtime == OLD
    sh(world, "scp root@backup:old.txt .")
    assert files(world)["old.txt"].content == "old\n"
    sh(world, "scp -r data 10.0.0.2:models")
    assert "models/model.bin" in files(world, "10.0.0.2")


def test_scp_errors(world):
    out = sh(world, "scp notes.txt nowhere:/tmp/")
    assert out.startswith("ssh: Could not resolve hostname nowhere: Name or service not known")
    assert sh(world, "scp backup:nope.txt .") == "scp: backup:nope.txt: No such file or directory"
    assert sh(world, "scp data backup:") == "scp: data: not a regular file"
    world.hosts["10.0.0.2"].alive = False
    assert "Connection refused" in sh(world, "scp notes.txt backup:")
    assert sh(world, "scp notes.txt").startswith("usage: scp")


# ------------------------------------------------------------------ touch, echo

def test_touch_redates_and_creates(world):
    sh(world, 'touch -d "2025-06-01 10:00" data/report.csv')
    assert files(world)["data/report.csv"].mtime == parse_time("2025-06-01 10:00:00")
    sh(world, "touch -d 2024-01-02 notes.txt")
    assert format_time(files(world)["notes.txt"].mtime) == "2024-01-02 00:00:00"
    sh(world, "touch -t 202401021530.45 notes.txt")
    assert format_time(files(world)["notes.txt"].mtime) == "2024-01-02 15:30:45"
    sh(world, "touch -t 2401021530 notes.txt")
    assert format_time(files(world)["notes.txt"].mtime) == "2024-01-02 15:30:00"
    sh(world, "touch -t 01021530 notes.txt")  # MMDDhhmm: the current (simulated) year
    assert format_time(files(world)["notes.txt"].mtime) == "2026-01-02 15:30:00"
    assert sh(world, "touch -t 2401 notes.txt") == "touch: invalid date format '2401'"
    sh(world, "touch new.txt")
    new = files(world)["new.txt"]
    assert (new.size, new.mtime, new.content) == (0, world.clock, "")
    sh(world, "touch notes.txt")
    assert files(world)["notes.txt"].mtime == world.clock
    assert sh(world, "touch -d yesterdayish notes.txt") == "touch: invalid date format 'yesterdayish'"
    assert sh(world, "touch") .startswith("touch: missing file operand")
    assert sh(world, "touch -c ghost.txt") == "" and "ghost.txt" not in files(world)


def test_echo_redirects(world):
    assert sh(world, "echo hello world") == "hello world"
    assert sh(world, 'echo "a;b" > out.txt') == ""
    f = files(world)["out.txt"]
    assert (f.content, f.size, f.mtime, f.owner) == ("a;b\n", 4, world.clock, "agent")
    sh(world, "echo more >> out.txt")
    assert files(world)["out.txt"].content == "a;b\nmore\n"
    sh(world, "echo hi > notes.txt")
    assert files(world)["notes.txt"].content == "hi\n" and files(world)["notes.txt"].owner == "alice"
    assert sh(world, "echo x > data") == "bash: data: Is a directory"
    assert sh(world, "echo -n x>n.txt") == "" and files(world)["n.txt"].content == "x"
    assert sh(world, "echo >") == "bash: syntax error near unexpected token `newline'"


def test_stderr_redirect(world):
    assert sh(world, "cat nope 2>/dev/null") == ""
    assert "dev/null" not in files(world)
    sh(world, "ls nope 2> err.log")
    assert files(world)["err.log"].content.startswith("ls: cannot access 'nope'")


# ------------------------------------------------------------------ grep

def test_grep(world):
    assert sh(world, "grep hello notes.txt") == "hello"
    assert sh(world, "grep -i hello notes.txt") == "hello\nHello again"
    assert sh(world, "grep -n world notes.txt") == "2:world"
    assert sh(world, "grep -l -i hello notes.txt data/report.csv") == "notes.txt"
    assert sh(world, "grep -r 1,2 data") == "data/report.csv:1,2"
    assert sh(world, "grep -c o notes.txt") == "3"
    assert sh(world, "grep -v o notes.txt") == ""
    assert sh(world, "grep '^[ab],' data/report.csv") == "a,b"
    assert sh(world, "grep x nope") == "grep: nope: No such file or directory"
    assert sh(world, "grep x data") == "grep: data: Is a directory"


def test_grep_guards(world):
    assert "pattern too long" in sh(world, "grep " + "a" * 201 + " notes.txt")
    assert sh(world, "grep -E '(hel+o|wor)+' notes.txt") == "hello\nworld"  # a repeated group is fine on its own
    assert sh(world, "grep -E 'x{1001}' notes.txt").startswith("grep: invalid regular expression: a repeat count")
    assert sh(world, "grep -E '(' notes.txt").startswith("grep: invalid regular expression")
    assert sh(world, "grep '(' notes.txt; echo $?") == "1"  # basic regex: a literal parenthesis
    world.hosts["10.0.0.1"].files["big.txt"] = VFile("big.txt", 0, OLD, "a" * 50_000 + "b\n" + "x\n" * 50_000)
    assert sh(world, "grep -c '^x$' big.txt") == "50000"


@pytest.mark.parametrize("pattern", ["a*a*a*a*a*a*a*b", "(a|a)*b$", "(a|aa)+$", "(a+)+b", "(\\w+\\s?)*$", "(a|a?)+b"])
def test_a_backtracking_grep_is_an_error_within_a_fraction_of_a_second(world, pattern):
    import time

    world.hosts["10.0.0.1"].files["bomb.txt"] = VFile("bomb.txt", 0, OLD, "ok\n" + "a" * 1_900 + "!b\n")
    t0 = time.perf_counter()
    out = sh(world, f"grep -E '{pattern}' notes.txt bomb.txt; echo $?")
    assert time.perf_counter() - t0 < 10  # a hang guard only (a loaded CI machine is slow); speed is bench's
    assert "grep: bomb.txt: regular expression too slow" in out and out.endswith("\n2")


# ------------------------------------------------------------------ sequencing and the rest of bash

def test_and_stops_at_first_failure(world):
    assert sh(world, "cat nope && rm notes.txt") == "cat: nope: No such file or directory"
    assert "notes.txt" in files(world)
    assert sh(world, "grep zzz notes.txt && echo found") == ""
    assert sh(world, "grep hello notes.txt && echo found") == "hello\nfound"


def test_semicolon_and_or(world):
    assert sh(world, "cat nope ; echo after") == "cat: nope: No such file or directory\nafter"
    assert sh(world, "cat nope || echo fallback") == "cat: nope: No such file or directory\nfallback"
    assert sh(world, "whoami || echo never") == "agent"
    assert sh(world, "cp notes.txt a.txt && mv a.txt b.txt && cat b.txt") == "hello\nworld\nHello again"
    assert sh(world, "pwd\nwhoami") == "/\nagent"


def test_unknown_commands_and_unsupported_syntax(world):
    assert sh(world, "python3 -c 'import os'") == "bash: python3: command not found"
    assert sh(world, "curl http://example.com && ls") == "bash: curl: command not found"
    assert sh(world, "cat notes.txt | grep hello") == "bash: pipes are not supported in this shell"
    assert sh(world, "rm notes.txt | cat") == "bash: pipes are not supported in this shell"
    assert "notes.txt" in files(world)
    assert sh(world, "echo $(whoami)") == "bash: subshells are not supported in this shell"
    assert sh(world, "sleep 100 &") == "bash: background jobs are not supported in this shell"
    assert sh(world, "cat < notes.txt") == "bash: input redirections are not supported in this shell"
    assert sh(world, "&& ls") == "bash: syntax error near unexpected token `&&'"
    assert sh(world, "ls &&") == "bash: syntax error: unexpected end of file"
    assert sh(world, "./run.sh") == "bash: ./run.sh: No such file or directory"


def test_quoting_redirections_and_expansions(world):
    assert sh(world, "echo ';' '&&' \"a | b\" > q.txt && cat q.txt") == "; && a | b"
    assert sh(world, "grep '|' q.txt") == "; && a | b"  # basic regex: | is literal
    assert sh(world, "grep 'hello\\|world' notes.txt") == "hello\nworld"
    assert sh(world, "grep -E '^(hel+o|wor)' notes.txt") == "hello\nworld"
    assert sh(world, "grep -F '.' notes.txt; echo $?") == "1"
    assert sh(world, "echo 2 > two.txt && cat two.txt") == "2"
    assert sh(world, "echo 2>two.txt && cat two.txt") == ""
    assert sh(world, "cat nope; echo $?") == "cat: nope: No such file or directory\n1"
    assert sh(world, "python3; echo $?").endswith("\n127")
    assert sh(world, "FOO=1 whoami") == "agent"
    assert sh(world, "echo `rm notes.txt`") == "bash: command substitutions are not supported in this shell"
    assert sh(world, "rm -r .") == "rm: refusing to remove '.' or '..' directory: skipping '.'"
    assert sh(world, "echo -e 'a\\tb'") == "a\tb"
    assert "notes.txt" in files(world)


def test_unbalanced_quotes(world):
    assert sh(world, "echo 'oops").startswith("bash: unexpected EOF while looking for matching `''")
    assert sh(world, 'cat "notes.txt').startswith("bash: unexpected EOF while looking for matching `\"'")
    assert sh(world, "cat 'it\"s").startswith("bash: unexpected EOF while looking for matching `''")
    assert sh(world, "echo oops \\") == "bash: syntax error: unexpected end of file"


def test_dead_host(world):
    world.hosts["10.0.0.2"].alive = False
    assert sh(world, "ls", host="backup") == "ssh: connect to host 10.0.0.2 port 22: Connection refused"


# ------------------------------------------------------------------ properties

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.text(max_size=200))
def test_any_command_string_answers_with_text(command):
    w = make_world()
    out = execute(w, "shell", {"command": command}, offered={"shell": None})
    assert isinstance(out.output, str)
    assert out.error == (not command.strip())
    for host in w.hosts.values():
        assert all(k and normalize(k) == k == f.path for k, f in host.files.items())


WORDS = st.sampled_from(["cp", "mv", "cp -r", "cp -p", "mv -f", "scp", "scp -r", "touch", "rm -rf", "echo x >", "ls", "cat"])
PATHS = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(list("ab./~ -*\\") + ["..", "../", "/etc/", "backup:", "10.0.0.2:", "\x00"]),
             max_size=12).map("".join),
)


@FAST
@given(st.lists(st.tuples(WORDS, PATHS, PATHS), min_size=1, max_size=6))
def test_paths_never_escape_after_copies_and_moves(steps):
    w = make_world()
    for word, src, dst in steps:
        out = execute(w, "shell", {"command": f"{word} {shlex.quote(src)} {shlex.quote(dst)}"}, offered={"shell": None})
        assert isinstance(out.output, str) and not out.error
    for host in w.hosts.values():
        for key, f in host.files.items():
            assert key and normalize(key) == key == f.path
            assert not key.startswith("/") and ".." not in key.split("/")
