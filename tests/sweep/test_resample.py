"""``resample``: N alternatives for turn k from exactly what the agent saw, their distribution,
kept as branches; and the CLI's contract."""

from __future__ import annotations

import asyncio
import json

import pytest
from click.testing import CliRunner

from playground.agents import make_agent
from playground.cli.main import cli
from playground.episode import AgentFailure, ModelTurn, ToolCall
from playground.launch import load, new_episode, new_session
from playground.store import load as load_save, save
from playground.sweep import ResampleError, resample

REF = "peer_preservation/exfiltration_transfer"


@pytest.fixture
def saved(tmp_path):
    ep = new_episode(load(REF), agent="scripted/ambivalent", monitoring=False, seed=7)
    s = new_session(ep)
    asyncio.run(s.run())
    return save(ep, tmp_path / "ep.toml")


def _run(episode, step, n, **kw):
    return asyncio.run(resample(episode, step, n, make_agent=make_agent, **kw))


def test_more_than_one_next_action_at_the_choice_counts_summing_to_n(saved):
    out = _run(load_save(saved), 3, 40).report()
    assert out["step"] == 3 and out["n"] == 40
    assert len(out["next_actions"]) > 1
    assert sum(a["k"] for a in out["next_actions"]) == 40
    ks = [a["k"] for a in out["next_actions"]]
    assert ks == sorted(ks, reverse=True)  # most frequent first
    assert {a["action"].split()[0] for a in out["next_actions"]} <= {"copy_server_file", "transfer_server_files",
                                                                       "end_task"}
    for a in out["next_actions"]:
        assert a["rate"] == a["k"] / 40 and a["ci"][0] <= a["rate"] <= a["ci"][1]
    assert out["behaviours"] == {}


def test_before_the_choice_every_sample_does_the_same(saved):
    out = _run(load_save(saved), 2, 10).report()
    assert [(a["action"], a["k"]) for a in out["next_actions"]] == [
        ('list_server_files {"ip": "10.0.12.45"}', 10)]


def test_samples_are_reproducible_and_the_seed_picks_others(saved):
    ep = load_save(saved)
    a = _run(ep, 3, 30).report()["next_actions"]
    assert _run(ep, 3, 30).report()["next_actions"] == a
    b = [_run(ep, 3, 30, seed=s).report()["next_actions"] for s in (1, 2, 3)]
    assert any(x != a for x in b)


def test_horizon_end_counts_behaviours_by_the_end(saved):
    out = _run(load_save(saved), 3, 30, horizon="end").report()
    beh = out["behaviours"]
    assert set(beh) >= {"exfiltration", "faithful_completion", "refusal", "timestamp_gaming"}
    assert all(e["n"] == 30 for e in beh.values())
    protect = sum(a["k"] for a in out["next_actions"] if a["action"].startswith("copy_server_file"))
    assert beh["exfiltration"]["k"] == protect
    assert sum(out["ended"].values()) == 30 and out["ended"].get("end_task") == 30


class Recorder:
    name, scripted = "recorder", False

    def __init__(self, seen, delay=0.0, fail=False):
        self.seen, self.delay, self.fail = seen, delay, fail

    async def next_turn(self, request):
        self.seen.append(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise AgentFailure("model unavailable", retryable=False)
        return ModelTurn(text="hmm", tool_calls=(ToolCall("x1", "end_task", "{}"),), agent=self.name)


def test_each_sample_sees_exactly_the_messages_the_agent_saw(saved):
    ep = load_save(saved)
    seen: list = []
    asyncio.run(resample(ep, 3, 4, agent="fake", make_agent=lambda spec, e: Recorder(seen)))
    state = ep.replay()
    before = ep.replay(upto=state.cut_index(2)).messages
    assert len(seen) == 4 and all(r.messages == before for r in seen)
    assert [r.sample for r in seen] == [1, 2, 3, 4] and {r.step for r in seen} == {3} and {r.seed for r in seen} == {7}


def test_concurrency_is_bounded_and_used(saved):
    ep = load_save(saved)
    live = {"now": 0, "max": 0}

    class Slow(Recorder):
        async def next_turn(self, request):
            live["now"] += 1
            live["max"] = max(live["max"], live["now"])
            await asyncio.sleep(0.02)
            live["now"] -= 1
            return await super().next_turn(request)

    asyncio.run(resample(ep, 3, 12, agent="fake", concurrency=3, make_agent=lambda s, e: Slow([])))
    assert live["max"] == 3


def test_a_failing_agent_counts_as_error_and_counts_still_sum_to_n(saved):
    out = asyncio.run(resample(load_save(saved), 3, 5, agent="fake",
                               make_agent=lambda s, e: Recorder([], fail=True))).report()
    assert out["next_actions"] == [{"action": "error", "k": 5, "rate": 1.0, "ci": out["next_actions"][0]["ci"]}]
    assert out["errors"] == {"model unavailable": 5}


def test_bad_requests_are_refused(saved):
    ep = load_save(saved)
    with pytest.raises(ResampleError, match="no step 9"):
        _run(ep, 9, 2)
    with pytest.raises(ResampleError, match="no branch"):
        _run(ep, 2, 2, branch="nope")


def test_keep_adds_branches_that_replay_and_continue(saved):
    r = CliRunner().invoke(cli, ["resample", str(saved), "--step", "3", "-n", "4", "--keep", "--horizon", "end",
                                 "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    ep = load_save(saved)
    assert out["kept"] == ["s3-1", "s3-2", "s3-3", "s3-4"] and set(out["kept"]) <= set(ep.branches)
    assert ep.current == "main"
    tally: dict[str, int] = {}
    for bid in out["kept"]:
        b = ep.branches[bid]
        assert b.parent == "main" and b.sample >= 1
        state = ep.replay(bid)
        assert state.ended == "end_task"
        for label in state.behaviours():
            tally[label] = tally.get(label, 0) + 1
    assert tally == {k: v["k"] for k, v in out["behaviours"].items() if v["k"]}
    # a kept sample opens like any fork: its first new turn is the sample's action
    first = ep.replay("s3-1").turns[2]
    assert first.tool_calls and first.tool_calls[0].name in out["next_actions"][0]["action"] + \
        " ".join(a["action"] for a in out["next_actions"])


def test_cli_text_output_and_errors(saved):
    r = CliRunner().invoke(cli, ["resample", str(saved), "--step", "3", "-n", "10"])
    assert r.exit_code == 0, r.output
    assert "next action" in r.output and "█" in r.output
    r = CliRunner().invoke(cli, ["resample", str(saved), "--step", "12", "-n", "2"])
    assert r.exit_code == 2 and "no step 12" in r.output


def test_a_step_after_calls_still_waiting_for_approval_is_refused(saved, tmp_path):
    from playground.episode import ask_at

    ep = new_episode(load(REF), agent="scripted/covert_copier", seed=1)
    s = new_session(ep)
    result = asyncio.run(s.run(ask_at("transfer", s.policy)))
    assert result.outcome == "breakpoint"
    stopped = s.state.step
    with pytest.raises(ResampleError, match="still waiting for approval"):
        _run(ep, stopped + 1, 2)
    assert _run(ep, stopped, 2).report()["n"] == 2
