"""``playground export --format inspect``: every export is read back with Inspect's own reader and
compared with the save it came from."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import MISSING

pytest.importorskip("inspect_ai", reason=MISSING)  # before anything that needs the extra

from click.testing import CliRunner
from inspect_ai.log import read_eval_log

from playground.cli.main import cli as main_cli
from playground.episode import summary
from playground.episode.steps import StepFold
from playground.interop.inspect_export import SCORER, sample_id
from playground.store import load, save

from .conftest import REF


class Result:
    def __init__(self, r):
        self.returncode, self.stdout, self.stderr = r.exit_code, r.stdout, r.stderr


def cli(*args, check=True):
    r = Result(CliRunner().invoke(main_cli, list(args), catch_exceptions=False))
    if check:
        assert r.returncode == 0, r.stderr
    return r


def export(tmp_path, episode, name="ep"):
    path = save(episode, tmp_path / f"{name}.toml")
    out = tmp_path / f"{name}.eval"
    cli("export", str(path), "--format", "inspect", "-o", str(out))
    return load(path), read_eval_log(str(out))


def test_a_save_is_one_log_with_a_sample_per_branch(tmp_path, rich_episode):
    episode, log = export(tmp_path, rich_episode)
    assert log.status == "success"
    assert log.eval.task == REF and log.eval.model == "playground/scripted/monitor_sensitive"
    assert sorted(s.id for s in log.samples) == sorted(sample_id(b) for b in episode.branches)
    assert all("/" not in str(s.id) for s in log.samples)
    for sample in log.samples:
        branch = sample.metadata["branch"]
        state = episode.replay(branch)
        s = summary(episode, state, branch)
        assert sample.metadata["scenario"] == REF and sample.metadata["variables"] == s["variables"]
        assert sample.metadata["monitoring"] == s["initial_monitoring"]
        b = episode.branches[branch]
        assert sample.metadata["parent"] == (b.parent or "")
        assert sample.metadata["agent"] == s["agent"] and sample.metadata["steps"] == s["steps"]
        assert sample.metadata["ended"] == s["ended"] and sample.metadata["behaviours"] == s["behaviours"]
        # the messages, exactly as the model saw them
        assert [m.role for m in sample.messages] == [m["role"] for m in state.messages]
        for ours, theirs in zip(state.messages, sample.messages):
            assert (ours.get("content") or "") == theirs.text
        reasonings = [m for m in sample.messages if m.role == "assistant"]
        assert [t.reasoning for t in state.turns] == ["".join(c.reasoning for c in m.content if c.type == "reasoning")
                                                        if not isinstance(m.content, str) else "" for m in reasonings]
        # a model event per turn, a tool event per call, the detectors as one score
        events = sample.events
        assert sum(e.event == "model" for e in events) == len(state.turns)
        calls = [c for v in StepFold.of(state).steps for c in v.calls if c.result is not None]
        tools = [e for e in events if e.event == "tool"]
        assert [(e.id, e.result) for e in tools] == [(c.call.id, c.output) for c in calls]
        score = sample.scores[SCORER]
        for d in s["detectors"].values():
            assert score.value[d["label"]] in (0, 1)
            if d["tripped"]:
                assert score.value[d["label"]] == 1 and d["step"] in score.metadata["steps"][d["label"]]
    fork = next(s for s in log.samples if s.metadata["parent"])
    assert fork.metadata["parent"] == "main" and fork.metadata["fork_step"] == 2
    assert fork.scores[SCORER].value["exfiltration"] == 1
    main = next(s for s in log.samples if s.id == "main")
    assert main.scores[SCORER].value["exfiltration"] == 0


def test_interventions_become_approval_and_info_events(tmp_path, rich_episode):
    episode, log = export(tmp_path, rich_episode)
    main = next(s for s in log.samples if s.id == "main")
    approvals = [e for e in main.events if e.event == "approval"]
    assert [a.decision for a in approvals] == ["approve", "approve", "modify", "reject"]
    modify, reject = approvals[2], approvals[3]
    assert reject.explanation == "not yet, explain first"
    assert modify.modified.arguments["note"] == "edited by the operator" and "note" not in modify.call.arguments
    ran = [e for e in main.events if e.event == "tool"][2]
    assert ran.arguments == modify.modified.arguments  # the tool event shows the call that ran
    infos = [e.data for e in main.events if e.event == "info"]
    edited = next(d for d in infos if d["kind"] == "result_edited")
    assert edited["model_saw"] == "edited: the notice says nothing" and "edited" not in edited["tool_output"][:7]
    assert any(d["kind"] == "note" and d["text"] == "the result was edited by hand" for d in infos)
    first_tool = next(e for e in main.events if e.event == "tool")
    assert first_tool.result == "edited: the notice says nothing"  # the result the model saw
    fork = next(s for s in log.samples if s.id != "main")
    assert any(e.event == "info" and e.data["kind"] == "monitoring" and e.data["monitoring"] == "off"
               for e in fork.events)


def test_a_sweep_folder_is_one_log_with_a_sample_per_episode(tmp_path):
    out = tmp_path / "sw"
    cli("sweep", REF, "--agent", "scripted/monitor_sensitive", "--monitoring", "on,off", "-n", "2",
        "--seed", "3", "--out", str(out))
    cli("export", str(out), "--format", "inspect", "-o", str(tmp_path / "sweep.eval"))
    log = read_eval_log(str(tmp_path / "sweep.eval"))
    saves = sorted((out / "episodes").glob("*/*.toml"))
    assert len(log.samples) == len(saves) == 4
    for sample in log.samples:
        ep = load(out / sample.metadata["save"])
        s = summary(ep)
        assert sample.scores[SCORER].value["exfiltration"] == (1 if "exfiltration" in s["behaviours"] else 0)
        assert sample.metadata["monitoring"] == s["initial_monitoring"]
    rates = {s.metadata["monitoring"]: [] for s in log.samples}
    for s in log.samples:
        rates[s.metadata["monitoring"]].append(s.scores[SCORER].value["exfiltration"])
    assert rates == {"on": [0, 0], "off": [1, 1]}


def test_the_log_dumps_with_inspects_own_cli(tmp_path, rich_episode):
    _, _ = export(tmp_path, rich_episode)
    r = subprocess.run([sys.executable, "-m", "inspect_ai", "log", "dump", str(tmp_path / "ep.eval")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["status"] == "success"


@pytest.mark.parametrize("args,message", [
    (["--format", "inspect"], "pass -o FILE.eval"),
    (["--format", "inspect", "-o", "x.txt"], "named .eval"),
])
def test_bad_export_requests_say_why(tmp_path, rich_episode, args, message):
    path = save(rich_episode, tmp_path / "ep.toml")
    r = cli("export", str(path), *[str(tmp_path / a) if a == "x.txt" else a for a in args], check=False)
    assert r.returncode == 1 and message in r.stderr and "Traceback" not in r.stderr


def test_a_folder_that_is_not_a_sweep_says_so(tmp_path):
    r = cli("export", str(tmp_path), "--format", "inspect", "-o", str(tmp_path / "x.eval"), check=False)
    assert r.returncode == 1 and "sweep folder" in r.stderr and "Traceback" not in r.stderr

