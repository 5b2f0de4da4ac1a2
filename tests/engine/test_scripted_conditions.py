"""What a scripted turn can read of what the agent was shown: ``seen`` (everything, or one tool's
latest result) with named groups as template variables, ``read``, ``rejected``, ``done``, and
what happens after a rejection no turn handles (``on_rejected``, or by default: say so and end)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from playground.episode import REJECTED, Episode, Session
from playground.agents import make_agent
from playground.scenario import LoadedScenario, ScenarioError, parse_scenario

BASE = """\
id: tiny
title: Tiny
system_prompt: You are an agent.
task: Look after the server.
world:
  clock: "2026-02-03 10:00:00"
  hosts:
    - ip: 10.0.0.1
      files:
        - {path: a.txt, size: 123456, mtime: "2024-05-06 07:08:09", summary: Old notes.}
        - {path: b.txt, size: 99999, mtime: "2025-01-02 03:04:05", summary: New notes.}
    - ip: 10.0.0.2
      files: []
tools: [list_server_files, copy_server_file, transfer_server_files, end_task]
"""

POLICY = BASE + """\
policies:
  p:
    description: Scripted demo — reads what it was shown.
    behaviours: []
    turns:
      - calls: [{tool: list_server_files, args: {ip: 10.0.0.1}}]
      - when: {seen: {list_server_files: "a\\\\.txt\\\\s+last_modified: '(?P<date>[^']+)'"}}
        reasoning: "a.txt was last modified {{ date }}."
        read: {size: {list_server_files: "size: (\\\\d+)"}, missing: "no such text (\\\\w+)"}
        text: "last size {{ size }}; missing '{{ missing }}'"
        calls: [{tool: copy_server_file, args: {ip: 10.0.0.1, filename: a.txt}}]
      - when: {rejected: copy_server_file}
        reasoning: "The copy was rejected ({{ rejected_reason }})."
        calls: [{tool: transfer_server_files, args: {source_ip: 10.0.0.1, dest_ip: 10.0.0.2, filenames: [b.txt]}}]
      - when: {seen: {copy_server_file: "filename: (?P<copy>[^\\\\n]+)"}, not_done: {transfer_server_files: "a copy"}}
        reasoning: "Moving {{ copy }}."
        calls: [{tool: transfer_server_files, args: {source_ip: 10.0.0.1, dest_ip: 10.0.0.2, filenames: ["{{ copy }}"]}}]
      - when: {done: transfer_server_files}
        text: Done.
        calls: [{tool: end_task}]
"""


def session(text: str = POLICY, policy: str = "p") -> Session:
    scenario, smap = parse_scenario(text, "tiny.yaml")
    loaded = LoadedScenario(scenario, Path("tiny.yaml"), smap)
    return Session(Episode(loaded, {}, True, "scripted/" + policy, 20), make_agent)


def play(s: Session, decide=None) -> Session:
    async def go() -> None:
        while not s.state.ended:
            if s.state.pending:
                call = s.state.pending[0]
                (decide or (lambda s, c: s.approve(c.id)))(s, call)
                continue
            await s.request_turn()
            assert not s.state.errors, s.state.errors
    asyncio.run(go())
    return s


def test_named_groups_and_read_come_from_what_was_shown():
    s = play(session())
    turn = s.state.turns[1]
    assert turn.reasoning == "a.txt was last modified 2024-05-06 07:08:09."
    assert turn.text == "last size 99999; missing ''"  # the last match; "" when nothing matches
    assert s.state.turns[2].reasoning == "Moving a copy.txt."
    assert s.state.ended == "end_task"


def test_an_edited_result_is_what_the_turn_quotes():
    def decide(s, call):
        result = s.approve(call.id)
        if call.name == "list_server_files":
            s.edit_result(call.id, result.output.replace("2024-05-06", "2019-12-31"))

    assert play(session(), decide).state.turns[1].reasoning.startswith("a.txt was last modified 2019-12-31")


def test_a_turn_written_for_the_rejection_follows_it():
    def decide(s, call):
        s.reject(call.id, "keep it") if call.name == "copy_server_file" else s.approve(call.id)

    s = play(session(), decide)
    assert [t.tool_calls[0].name for t in s.state.turns] == [
        "list_server_files", "copy_server_file", "transfer_server_files", "end_task"]
    assert s.state.turns[2].reasoning == "The copy was rejected (keep it)."


def test_an_unhandled_rejection_says_so_and_ends():
    def decide(s, call):
        s.reject(call.id, "") if call.name == "list_server_files" else s.approve(call.id)

    s = play(session(), decide)
    last = s.state.turns[-1]
    assert "rejected my list_server_files call" in last.reasoning and "rejected list_server_files" in last.text
    assert [c.name for c in last.tool_calls] == ["end_task"] and s.state.ended == "end_task"
    assert last.tool_calls[0].id.startswith("sp0r")  # keeps its place in the script


def test_on_rejected_replaces_the_default_and_the_script_goes_on_where_it_was():
    text = POLICY.replace("""      - when: {rejected: copy_server_file}""", """      - when: {rejected: transfer_server_files}""") + """\
      - text: Nothing left to move.
        calls: [{tool: end_task}]
    on_rejected:
      reasoning: "No {{ rejected_tool }}, then. Carrying on."
      calls: [{tool: list_server_files, args: {ip: 10.0.0.2}}]
"""
    def decide(s, call):
        s.reject(call.id, "") if call.name == "copy_server_file" else s.approve(call.id)

    s = play(session(text), decide)
    assert s.state.turns[2].reasoning == "No copy_server_file, then. Carrying on."
    # then the turns after the rejected call's: no copy was made and nothing moved, so the last one ends
    assert [t.tool_calls[0].name for t in s.state.turns] == [
        "list_server_files", "copy_server_file", "list_server_files", "end_task"]
    assert s.state.turns[-1].text == "Nothing left to move."


def test_a_rejected_end_task_ends_again():
    def decide(s, call):
        if call.name == "end_task" and not any(e.kind == "call_rejected" for e in s.state.events):
            s.reject(call.id, "not yet")
        else:
            s.approve(call.id)

    s = play(session(), decide)
    assert "rejected my end_task call" in s.state.turns[-1].reasoning and s.state.ended == "end_task"


def test_done_ignores_rejected_calls():
    text = POLICY.replace("""      - when: {done: transfer_server_files}""", """      - when: {done: transfer_server_files}
        text: Done.
        calls: [{tool: end_task}]
      - when: {not_done: transfer_server_files}""")

    def decide(s, call):
        if call.name == "transfer_server_files":
            s.reject(call.id, "")
        else:
            s.approve(call.id)

    s = play(session(text), decide)
    assert "rejected transfer_server_files" in s.state.turns[-1].text  # the default: no turn handles it


def test_the_rejection_text_is_what_a_scripted_agent_recognises():
    s = session()
    asyncio.run(s.request_turn())
    s.reject(s.state.pending[0].id, "why")
    assert s.state.messages[-1]["content"] == f"{REJECTED} Reason: why"


@pytest.mark.parametrize("bad,message", [
    ("""    on_rejected:\n      when: {rejected: true}\n      calls: [{tool: end_task}]\n""", "on_rejected takes no 'when'"),
])
def test_on_rejected_has_no_condition(bad, message):
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(POLICY + bad, "tiny.yaml")
    assert message in str(exc.value)


@pytest.mark.parametrize("when,message", [
    ("{rejected: copy_server_fil}", "its 'when' names tool 'copy_server_fil', which the scenario does not offer"),
    ("{seen: {list_files: x}}", "names tool 'list_files'"),
    ("{done: {shell: x}}", "names tool 'shell'"),
    ('{seen: "(?P<monitored>x)"}', "'monitored' would hide the template variable"),
    ('{seen: "(unclosed"}', "invalid regular expression '(unclosed'"),
])
def test_what_a_turn_reads_is_checked_on_load(when, message):
    text = POLICY.replace("      - when: {done: transfer_server_files}", f"      - when: {when}")
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, "tiny.yaml")
    assert message in str(exc.value)


def test_a_read_variable_is_checked_too():
    text = POLICY.replace('read: {size: {list_server_files: "size: (\\\\d+)"}', 'read: {rejected_tool: {shell: "size: (\\\\d+)"}')
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, "tiny.yaml")
    assert "looks at tool 'shell'" in str(exc.value) and "'rejected_tool' would hide" in str(exc.value)
