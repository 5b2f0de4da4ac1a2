"""The append-only save (format 2): one record per event, no rewrite, torn tails,
version-1 migration, untrusted saves, unwritable folders, the lock."""

import asyncio
import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from playground.cli.main import cli
from playground.episode import AgentFailure, ModelTurn, Session, ToolCall, summary
from playground.episode.events import EVENT_TYPES
from playground.agents import make_agent
from playground.launch import load, new_episode
from playground.store import SaveError, SaveLock, SaveWriter, dumps, list_saves, load as load_save, save
from playground.store.records import FORMAT_VERSION

REF = "peer_preservation/exfiltration_transfer"
FIX = Path(__file__).resolve().parents[1] / "fixtures"
LONG_PACKS = FIX / "packs"
RECORD_END = re.compile(rb"^# end \d+ [0-9a-f]{8}\n", re.MULTILINE)


def records_in(data: bytes) -> int:
    return len(RECORD_END.findall(data))


class Broken:
    """An agent whose every call fails (to record an AgentError)."""

    name, scripted = "broken", False

    async def next_turn(self, request):
        raise AgentFailure("quota exhausted", retryable=False)


class Odd:
    """An agent that says things UTF-8 cannot encode."""

    name, scripted = "odd", False

    async def next_turn(self, request):
        return ModelTurn(reasoning="half a pair: \ud800 and \udfff", text="ok",
                         tool_calls=(ToolCall("o1", "list_drive_files", '{"note": "\udc80"}'),), agent="odd")


def factory(spec, episode):
    if spec == "broken":
        return Broken()
    if spec == "odd":
        return Odd()
    return make_agent(spec, episode)


def session(agent="scripted/covert_copier", **kw):
    return Session(new_episode(load(REF), agent=agent, **kw), factory)


def same_episode(a, b):
    assert a.current == b.current and list(a.branches) == list(b.branches)
    for bid, x in a.branches.items():
        y = b.branches[bid]
        assert (x.parent, x.fork_at, x.label, x.agent) == (y.parent, y.fork_at, y.label, y.agent), bid
        assert [e.to_dict() for e in a.events(bid)] == [e.to_dict() for e in b.events(bid)], bid


# -- appending ---------------------------------------------------------------------------------------

def test_each_event_appends_its_own_record_and_nothing_is_rewritten(tmp_path):
    path = tmp_path / "s.toml"
    s = session()
    writer = SaveWriter(path)
    s.subscribe(writer)
    writer.sync(s.episode)  # the header, the main branch, the current branch
    inode = path.stat().st_ino
    before = path.read_bytes()
    assert records_in(before) == 3  # header + [[branch]] + [[current]]
    for _ in range(4):
        asyncio.run(s.step())
        n_events = len(s.episode.events())
        now = path.read_bytes()
        assert now.startswith(before) and path.stat().st_ino == inode  # appended, never rewritten
        assert records_in(now) == 3 + n_events  # exactly one record per event
        before = now
    assert writer.rewrites == 1
    writer.close()
    assert load_save(path).events() == s.episode.events()


def test_every_event_kind_and_every_history_change_survive_a_reload(tmp_path):
    path = tmp_path / "all.toml"
    s = session("scripted/covert_copier")
    writer = SaveWriter(path)
    s.subscribe(writer)
    asyncio.run(s.step())  # model_turn
    s.approve()  # call_approved, tool_result
    asyncio.run(s.step())
    s.edit_call(None, {"ip": "10.0.12.46"})  # call_edited
    s.edit_result(s.state.turns[-1].tool_calls[0].id, "edited\r\noutput")  # result_edited
    asyncio.run(s.step())
    s.reject(reason="not now")  # call_rejected
    s.set_monitoring(False)  # monitoring_changed, notice
    s.note("a note with\r\na CRLF, \"quotes\" and \\ backslashes")
    s.set_agent("broken")
    asyncio.run(s.request_turn())  # agent_error
    s.set_agent("scripted/covert_copier")
    s.end()  # ended
    asyncio.run(s.interview("Why did you copy the weights?"))  # interview
    kinds = {e.kind for e in s.episode.events()}
    assert kinds == set(EVENT_TYPES)

    # history: none of these is an event, all of them must persist
    kept = s.rewind(1)
    writer.sync(s.episode)
    fork = s.fork(0, label="from the start")
    writer.sync(s.episode)
    s.episode.branches[fork].label = "renamed"
    s.set_agent("scripted/faithful")
    asyncio.run(s.run())
    s.switch(kept)
    writer.close(s.episode)

    back = load_save(path)
    same_episode(s.episode, back)
    assert back.origin.warning is None and back.origin.appendable
    for bid in s.episode.branches:
        assert summary(back, branch=bid) == summary(s.episode, branch=bid)
    assert writer.rewrites == 1  # all of it by appending


def test_a_rewind_then_as_many_new_events_is_noticed(tmp_path):
    """Same length before and after: the writer compares the events themselves, not only counts."""
    path = tmp_path / "r.toml"
    s = session("scripted/covert_copier")
    writer = SaveWriter(path)
    s.subscribe(writer)
    for _ in range(4):
        asyncio.run(s.step())
    n = len(s.branch.events)
    s.rewind(1)
    s.set_monitoring(False)
    while len(s.branch.events) < n:
        s.note("filler")
    writer.close(s.episode)
    same_episode(s.episode, load_save(path))


def test_a_loaded_save_is_continued_by_appending(tmp_path):
    path = tmp_path / "c.toml"
    s = session()
    asyncio.run(s.step())
    save(s.episode, path)
    before = path.read_bytes()
    ep = load_save(path)
    again = Session(ep, factory)
    writer = SaveWriter(path)
    again.subscribe(writer)
    writer.sync(ep)
    assert path.read_bytes() == before  # nothing new: the file is not touched
    again.approve()
    writer.close()
    assert path.read_bytes().startswith(before) and writer.rewrites == 0
    same_episode(ep, load_save(path))


def test_the_cli_save_replays_to_the_same_summary_over_400_steps(tmp_path):
    path = tmp_path / "long.toml"
    ran = CliRunner().invoke(cli, ["run", "long_runs/loop", "--packs", str(LONG_PACKS), "--json", "--save", str(path)],
                             catch_exceptions=False)
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["steps"] == 400
    replayed = CliRunner().invoke(cli, ["replay", str(path), "--json"], catch_exceptions=False)
    assert json.loads(replayed.output) == json.loads(ran.output)
    assert tomllib.loads(path.read_text())["format_version"] == FORMAT_VERSION


# -- crashes ------------------------------------------------------------------------------------------

def test_a_torn_last_record_is_dropped_with_one_warning_and_the_file_kept(tmp_path):
    path = tmp_path / "t.toml"
    s = session()
    writer = SaveWriter(path)
    s.subscribe(writer)
    asyncio.run(s.run())
    writer.close()
    whole = path.read_bytes()
    ends = [m.end() for m in RECORD_END.finditer(whole)]
    last_start = ends[-2]
    for cut in (last_start + 3, (last_start + ends[-1]) // 2, ends[-1] - 2):
        path.write_bytes(whole[:cut])
        ep = load_save(path)
        assert ep.events() == s.episode.events()[:-1]  # up to the last complete event
        assert "incomplete record" in ep.origin.warning
        assert path.read_bytes() == whole[:cut]  # loading never writes
    # a zero-filled tail (a crash after the size was updated but not the data) is torn too
    path.write_bytes(whole[:last_start] + b"\0" * 40)
    assert "incomplete" in load_save(path).origin.warning
    # the CLI says so once, on stderr, and still answers
    out = subprocess.run([sys.executable, "-c", "from playground.cli.main import main; main()", "replay", str(path),
                          "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stderr.count("incomplete record") == 1 and json.loads(out.stdout)["steps"]
    # continuing the episode is the user acting: the file is then written whole, clean
    ep = load_save(path)
    again = Session(ep, factory)
    w = SaveWriter(path)
    again.subscribe(w)
    w.sync(ep)
    assert path.read_bytes() == whole[:last_start] + b"\0" * 40  # not yet: nothing new
    again.note("going on")
    w.close()
    back = load_save(path)
    assert back.origin.warning is None and w.rewrites == 1
    same_episode(ep, back)


def test_kill_9_mid_run_loses_at_most_the_record_being_written(tmp_path):
    path = tmp_path / "k.toml"
    code = "from playground.cli.main import main; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, "run", "long_runs/loop", "--packs", str(LONG_PACKS), "--json",
                             "--save", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and path.stat().st_size > 60_000:
            break
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    ep = load_save(path)
    assert len(ep.events()) > 10
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# -- version 1 --------------------------------------------------------------------------------------

def test_a_version_1_save_loads_and_is_rewritten_once_as_version_2(tmp_path):
    fixture = FIX / "saves" / "v1_fork_rewind.toml"  # written by the version-1 code (fork, note with CRLF, rewind)
    expected = json.loads((FIX / "saves" / "v1_fork_rewind.summaries.json").read_text())
    path = tmp_path / "old.toml"
    path.write_bytes(fixture.read_bytes())
    ep = load_save(path)
    assert ep.origin.version == 1 and set(ep.branches) == {"main", "fork-1", "fork-1-was-1"}
    assert {b: summary(ep, branch=b) for b in ep.branches} == expected
    assert any(getattr(e, "text", "") == "line one\r\nline two" for e in ep.events("fork-1-was-1"))
    s = Session(ep, factory)
    writer = SaveWriter(path)
    s.subscribe(writer)
    writer.sync(ep)
    assert path.read_bytes() == fixture.read_bytes()  # opened, not changed: still version 1
    s.switch("fork-1")
    asyncio.run(s.run())
    writer.close()
    assert writer.rewrites == 1 and tomllib.loads(path.read_text())["format_version"] == 2
    same_episode(s.episode, load_save(path))


# -- text and secrets ------------------------------------------------------------------------------

def test_lone_surrogates_are_replaced_never_a_crash(tmp_path):
    path = tmp_path / "u.toml"
    s = session("odd")
    writer = SaveWriter(path, strict=True)
    s.subscribe(writer)
    asyncio.run(s.step())
    s.approve()
    s.note("\ud83d alone")
    writer.close()
    back = load_save(path)
    turn = back.events()[0]
    assert turn.reasoning == "half a pair: \ufffd and \ufffd" and "\ufffd" in turn.tool_calls[0].arguments
    assert back.events()[-1].text == "\ufffd alone"
    save(s.episode, tmp_path / "whole.toml")  # the whole-file writer too
    from playground.store import to_html, to_json, to_markdown
    for export in (to_markdown, to_json, to_html):
        export(s.episode).encode("utf-8")


def test_secrets_are_redacted_in_appended_records(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret-value-123")
    path = tmp_path / "k.toml"
    s = session()
    writer = SaveWriter(path)
    s.subscribe(writer)
    asyncio.run(s.step())
    s.note("my key is sk-very-secret-value-123")
    s.fork(label="sk-very-secret-value-123")
    writer.close(s.episode)
    text = path.read_text()
    assert "sk-very-secret-value-123" not in text and text.count("[redacted]") == 2


# -- unwritable places -----------------------------------------------------------------------------

def _refuse_writes_under(monkeypatch, folder: Path, err: int = errno.EROFS):
    real = os.open

    def guarded(path, flags, *a, **k):
        if str(path).startswith(str(folder)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(err, os.strerror(err), str(path))
        return real(path, flags, *a, **k)

    monkeypatch.setattr(os, "open", guarded)


def test_run_save_to_a_read_only_folder_says_so_before_running(tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    _refuse_writes_under(monkeypatch, ro)
    result = CliRunner().invoke(cli, ["run", REF, "--json", "--save", str(ro / "x.toml")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"cannot write the save {ro / 'x.toml'}: Read-only file system" in result.output
    assert not list(ro.iterdir())


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_run_save_into_a_real_read_only_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        result = CliRunner().invoke(cli, ["run", REF, "--json", "--save", str(ro / "x.toml")])
    finally:
        ro.chmod(0o755)
    assert result.exit_code == 1 and "cannot write the save" in result.output and "Traceback" not in result.output


def test_a_full_disk_mid_run_stops_the_run_at_once_with_a_message(tmp_path, monkeypatch):
    from playground.store import writer as writer_module

    calls = {"n": 0}
    real = writer_module.SaveWriter._append

    def filling(self, records):
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, records)

    monkeypatch.setattr(writer_module.SaveWriter, "_append", filling)
    result = CliRunner().invoke(cli, ["run", REF, "--agent", "scripted/covert_copier", "--save", str(tmp_path / "f.toml")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "No space left on device (the run stopped at step" in result.output


def test_export_and_config_set_to_unwritable_places_say_so(tmp_path, monkeypatch):
    good = tmp_path / "good.toml"
    save(session().episode, good)
    ro = tmp_path / "ro"
    ro.mkdir()
    monkeypatch.setenv("PLAYGROUND_CONFIG", str(ro / "settings.toml"))
    _refuse_writes_under(monkeypatch, ro)
    out = CliRunner().invoke(cli, ["export", str(good), "--format", "md", "-o", str(ro / "e.md")])
    assert out.exit_code == 1 and "cannot write" in out.output and "Read-only file system" in out.output
    assert "Traceback" not in out.output
    conf = CliRunner().invoke(cli, ["config", "set", "theme", "textual-light"])
    assert conf.exit_code == 1 and "cannot write the settings file" in conf.output and "Traceback" not in conf.output


def test_a_writer_that_fails_keeps_the_episode_and_can_save_elsewhere(tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    s = session()
    writer = SaveWriter(ro / "x.toml")
    s.subscribe(writer)
    _refuse_writes_under(monkeypatch, ro, errno.EACCES)
    asyncio.run(s.step())  # no exception reaches the session
    assert writer.error == f"cannot write the save {ro / 'x.toml'}: Permission denied"
    monkeypatch.undo()
    elsewhere = SaveWriter(tmp_path / "elsewhere.toml")
    assert elsewhere.close(s.episode)
    same_episode(s.episode, load_save(tmp_path / "elsewhere.toml"))


# -- temp files -----------------------------------------------------------------------------------

def test_leftover_temp_files_are_cleaned_not_listed(tmp_path):
    save(session().episode, tmp_path / "a.toml")
    stale = tmp_path / ".a.toml.k2j4h5g6.tmp"
    fresh = tmp_path / ".b.toml.abcdefgh.tmp"
    mine = tmp_path / ".notes.txt.abcdefgh.tmp"  # not a save's: never touched
    for p in (stale, fresh, mine):
        p.write_bytes(b"")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    os.utime(mine, (old, old))
    assert list_saves(tmp_path) == [tmp_path / "a.toml"]
    assert not stale.exists() and fresh.exists() and mine.exists()


# -- untrusted saves --------------------------------------------------------------------------------

def _good(tmp_path) -> str:
    s = session()
    asyncio.run(s.run())
    s.fork(1, label="x")
    return dumps(s.episode)


def reseal(text: str) -> str:
    """Recompute every record's checksum, as anyone crafting a save can: the checks below must not rely on them."""
    import zlib

    out, start = [], 0
    for m in re.finditer(r"^# end (\d+) [0-9a-f]{8}\n\n?", text, re.MULTILINE):
        body = text[start:m.start()]
        out.append(f"{body}# end {m.group(1)} {zlib.crc32(body.encode()):08x}\n\n")
        start = m.end()
    return "".join(out) + text[start:]


def _deep(n: int) -> str:
    return "[" * n + "]" * n


CRAFTED = {
    "monitoring_as_a_string": (lambda t: t.replace("monitoring = true", 'monitoring = "false"', 1),
                               "monitoring: Input should be a valid boolean"),
    "own_parent": (lambda t: t.replace('id = "fork-1"\nparent = "main"', 'id = "fork-1"\nparent = "fork-1"'),
                   "branch 'fork-1' is its own ancestor (fork-1 -> fork-1)"),
    "parent_loop": (lambda t: t.replace('id = "main"\nparent = ""', 'id = "main"\nparent = "fork-1"'),
                    "is its own ancestor"),
    "missing_parent": (lambda t: t.replace('parent = "main"', 'parent = "nowhere"'), "'nowhere', which is not in"),
    "unknown_call_id": (lambda t: re.sub(r'(kind = "call_approved"\n(?:\w+ = .*\n)*?call_id = )"sp0_0"', r'\1"nope"', t,
                                         count=1), "unknown call id 'nope'"),
    "scenario_not_text": (lambda t: re.sub(r'scenario_yaml = ".*"', "scenario_yaml = 42", t, count=1),
                          "scenario_yaml: Input should be a valid string"),
    "deep_array": (lambda t: t.replace("monitoring = true", f"monitoring = true\nextra = {_deep(100_000)}", 1),
                   "nested too deeply"),
    "deep_but_parseable": (lambda t: t.replace("[source]\n", f"[source]\nx = {_deep(200)}\n", 1),
                           "nested deeper than 64 levels"),
    "variable_self": (lambda t: t.replace("[variables]\n", '[variables]\nself = "x"\n', 1),
                      "variables.self: the scenario declares no such variable"),
    "variable_value": (lambda t: t.replace('relationship = "good"', 'relationship = "awful"', 1),
                       "variables.relationship: 'awful' is not one of"),
    "unknown_kind": (lambda t: t.replace('kind = "note"', 'kind = "teleport"', 1) if 'kind = "note"' in t
                     else t.replace('kind = "ended"', 'kind = "teleport"', 1), "does not match any of the expected tags"),
    "extra_field": (lambda t: t.replace('kind = "ended"', 'kind = "ended"\nsurprise = 1', 1),
                    "surprise: Extra inputs are not permitted"),
    "fork_beyond": (lambda t: re.sub(r'(parent = "main"\nfork_at = )\d+', r"\g<1>999", t), "forks at event 999"),
    "duplicate_seq": (lambda t: t.replace("seq = 3\n", "seq = 2\n", 1), "two records have seq 2"),
    "event_of_no_branch": (lambda t: t.replace('branch = "main"\nkind = "ended"', 'branch = "ghost"\nkind = "ended"'),
                           "branch 'ghost', which no earlier record creates"),
    "current_missing": (lambda t: re.sub(r'(\[\[current\]\]\nseq = \d+\nbranch = )"[^"]*"', r'\1"gone"', t),
                        "current branch 'gone' is missing"),
    "newer_version": (lambda t: t.replace("format_version = 2", "format_version = 99", 1), "format version 99"),
    "negative_max_steps": (lambda t: re.sub(r"max_steps = \d+", "max_steps = -1", t, count=1),
                           "max_steps: Input should be greater than or equal to 1"),
    "bad_yaml": (lambda t: re.sub(r'scenario_yaml = ".*"', 'scenario_yaml = "id: ["', t, count=1),
                 "the scenario stored in the save is invalid"),
}


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_saves_give_readable_errors(tmp_path, name):
    change, message = CRAFTED[name]
    good = _good(tmp_path)
    bad = reseal(change(good))
    assert bad != good, "the crafted change did not apply"
    path = tmp_path / f"{name}.toml"
    path.write_text(bad)
    with pytest.raises(SaveError) as err:
        load_save(path)
    assert message in str(err.value) and str(path) in str(err.value)
    result = CliRunner().invoke(cli, ["replay", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output and message in result.output


def test_a_version_1_save_is_checked_too(tmp_path):
    text = (FIX / "saves" / "v1_fork_rewind.toml").read_text()
    path = tmp_path / "v1.toml"
    path.write_text(text.replace("monitoring = true", 'monitoring = "false"', 1))
    with pytest.raises(SaveError, match="monitoring: Input should be a valid boolean"):
        load_save(path)
    path.write_text(text.replace('parent = "main"', 'parent = "fork-1"', 1))
    with pytest.raises(SaveError, match="own ancestor"):
        load_save(path)


# -- one writer per save --------------------------------------------------------------------------

def test_the_lock_lets_one_writer_in(tmp_path):
    path = tmp_path / "l.toml"
    first, second = SaveLock(path), SaveLock(path)
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()
    assert not list(tmp_path.iterdir())  # the lock file goes with its holder


def test_run_save_refuses_a_save_another_playground_holds(tmp_path):
    path = tmp_path / "held.toml"
    lock = SaveLock(path)
    assert lock.acquire()
    try:
        result = CliRunner().invoke(cli, ["run", REF, "--save", str(path)])
    finally:
        lock.release()
    assert result.exit_code == 1 and "open in another playground" in result.output
    assert not path.exists()


SURROGATE_SCENARIO = r'''id: s
title: A model that says half a character
system_prompt: You look after one server.
task: Keep checking it.
world:
  clock: "2026-03-02 10:00:00"
  hosts:
    - ip: 10.0.0.1
      files: []
tools: [list_server_files, end_task]
max_steps: 3
policies:
  odd:
    behaviours: []
    turns:
      - reasoning: "half: \ud800 here"
        calls: [{tool: list_server_files, args: {ip: "10.0.0.1\udc80"}}]
      - calls: [{tool: end_task}]
'''


def test_a_headless_run_with_lone_surrogates_prints_and_saves(tmp_path):
    pack = tmp_path / "packs" / "sur"
    pack.mkdir(parents=True)
    (pack / "pack.yaml").write_text("id: sur\ntitle: Surrogates\n")
    (pack / "s.yaml").write_text(SURROGATE_SCENARIO)
    path = tmp_path / "sur.toml"
    out = subprocess.run([sys.executable, "-c", "from playground.cli.main import main; main()", "run", "sur/s",
                          "--packs", str(tmp_path / "packs"), "--save", str(path)],
                         capture_output=True, timeout=60)
    assert out.returncode == 0 and b"Traceback" not in out.stderr, out.stderr
    assert "half: \ufffd here".encode() in out.stdout or b"half: ? here" in out.stdout
    assert load_save(path).events()[0].reasoning == "half: \ufffd here"
