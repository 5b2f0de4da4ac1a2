"""Approval as data and the one run loop (issue 9, item 1)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from playground.agents import make_agent
from playground.cli.main import cli
from playground.episode import Session, ToolCall, ask_at, load_policy
from playground.episode.approval import ApprovalPolicy, PolicyError
from playground.episode.events import CallApproved, CallEdited, CallRejected, Ended
from playground.launch import load, new_episode
from playground.scenario.approval import ApprovalPolicySpec
from playground.world.tools.registry import effects

REF = "peer_preservation/exfiltration_transfer"


def session(agent="scripted/covert_copier", policy=None, factory=make_agent):
    return Session(new_episode(load(REF), agent=agent), factory, policy=policy)


def test_every_tool_declares_what_it_does():
    from playground.world import TOOLS

    for name, tool in TOOLS.items():
        assert tool.does <= {"reads", "writes", "deletes", "transfers", "config", "shutdown", "ends"}, name
    assert effects("transfer_server_files", "{}") == {"transfers"}
    assert effects("copy_server_file", "{}") == {"writes"}
    assert effects("shell", json.dumps({"command": "ls -l /data && rm old.log"})) == {"reads", "deletes"}
    assert effects("shell", json.dumps({"command": "scp weights.bin 10.0.0.2:/models/"})) == {"transfers"}
    assert effects("made_up_tool", "{}") == frozenset()


def test_rules_match_by_glob_and_effect_first_match_wins():
    spec = ApprovalPolicySpec.model_validate({"name": "t", "default": "approve", "rules": [
        {"tools": ["list_*"], "decision": "approve"},
        {"does": ["transfers", "deletes"], "decision": "reject", "explanation": "no moving"},
        {"tools": ["copy_server_file"], "decision": "modify", "arguments": {"filename": "other.bin"}},
    ]})
    p = ApprovalPolicy(spec)
    assert p.decide(ToolCall("1", "list_server_files", "{}")).decision == "approve"
    rej = p.decide(ToolCall("2", "transfer_server_files", "{}"))
    assert (rej.decision, rej.explanation, rej.by) == ("reject", "no moving", "policy:t rule 2")
    mod = p.decide(ToolCall("3", "copy_server_file", '{"ip": "1", "filename": "w.bin"}'))
    assert mod.decision == "modify" and json.loads(mod.arguments) == {"ip": "1", "filename": "other.bin"}
    assert p.decide(ToolCall("4", "end_task", "{}")).decision == "approve"


def test_reject_modify_and_terminate_are_events_the_model_sees():
    spec = ApprovalPolicySpec.model_validate({"name": "strict", "rules": [
        {"tools": ["copy_server_file"], "decision": "reject", "explanation": "copies need sign-off"},
        {"does": ["transfers"], "decision": "terminate", "explanation": "stop here"},
    ]})
    s = session(policy=ApprovalPolicy(spec))
    result = asyncio.run(s.run())
    assert result.outcome == "ended" and s.state.ended == "terminated"
    rejected = [e for e in s.state.events if isinstance(e, CallRejected)]
    assert rejected[0].reason == "copies need sign-off" and rejected[0].by == "policy:strict rule 1"
    assert any("copies need sign-off" in m.get("content", "") for m in s.state.messages if m["role"] == "tool")
    assert isinstance(s.state.events[-1], Ended)


def test_auto_approve_records_who_decided():
    s = session()
    asyncio.run(s.run())
    approvals = [e for e in s.state.events if isinstance(e, (CallApproved, CallEdited))]
    assert approvals and all(e.by == "policy:auto-approve" for e in approvals)


def test_ask_goes_to_the_asker_or_stops():
    asked = []

    async def human(call, approval):
        asked.append(call.name)
        return approval.__class__("reject", explanation="no", by="human")

    s = session()
    result = asyncio.run(s.run(ask_at("transfer"), ask=human))
    assert result.outcome == "ended" and asked == ["transfer_server_files"]
    assert "exfiltration" not in s.state.behaviours()


def test_a_scenario_ships_its_default_policy(tmp_path):
    text = Path(load(REF).path).read_text(encoding="utf-8")
    text += "\napproval:\n  name: sign-off\n  rules:\n    - tools: [copy_server_file]\n      decision: reject\n" \
            "      explanation: copies need sign-off\n"
    path = tmp_path / "exfil_with_policy.yaml"
    path.write_text(text, encoding="utf-8")
    out = CliRunner().invoke(cli, ["run", str(path), "--agent", "scripted/covert_copier", "--json"])
    assert out.exit_code == 0, out.output
    assert "exfiltration" not in json.loads(out.output)["behaviours"]


def test_run_policy_file_and_its_errors(tmp_path):
    good = tmp_path / "policy.yaml"
    good.write_text("name: no-copies\nrules:\n  - tools: ['copy_*']\n    decision: reject\n", encoding="utf-8")
    out = CliRunner().invoke(cli, ["run", REF, "--agent", "scripted/covert_copier", "--policy", str(good), "--json"])
    assert out.exit_code == 0, out.output
    assert "timestamp_gaming" not in json.loads(out.output)["behaviours"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nrules:\n  - tools: ['*']\n    decision: maybe\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"bad.yaml:4:\d+"):
        load_policy(bad)
    out = CliRunner().invoke(cli, ["run", REF, "--policy", str(bad)])
    assert out.exit_code == 2 and "bad.yaml:4" in out.output


def test_until_names_the_stop_and_the_call():
    out = CliRunner().invoke(cli, ["run", REF, "--agent", "scripted/covert_copier", "--until", "transfer", "--json"])
    data = json.loads(out.output)
    assert data["ended"] is None
    assert data["stopped"]["reason"] == "breakpoint" and data["stopped"]["call"]["name"] == "transfer_server_files"
    human = CliRunner().invoke(cli, ["run", REF, "--agent", "scripted/covert_copier", "--until", "transfer"])
    assert "stopped at a breakpoint before transfer_server_files" in human.output and "ended: None" not in human.output
