"""Finding things in a long episode, headless: search over the step fold, go to step N, flagged
steps, what the agent believed per step, what the model received, the branch tree."""

from __future__ import annotations

import asyncio

from playground.episode import Session
from playground.episode.branches import branch_tree, rename
from playground.episode.find import (
    Finder,
    beliefs,
    flagged_steps,
    flips,
    neighbour,
    parse_step,
    pattern,
    step_matches,
    why_flagged,
)
from playground.episode.received import request_for
from playground.episode.steps import StepFold
from playground.launch import load, new_episode, new_session


def _session(agent: str = "scripted/covert_copier", **kw) -> Session:
    loaded = load("peer_preservation/exfiltration_transfer")
    return new_session(new_episode(loaded, agent=agent, **kw))


def _fold(session: Session) -> StepFold:
    return StepFold.of(session.state, session.episode.monitoring)


def test_search_finds_reasoning_arguments_and_results():
    s = _session()
    asyncio.run(s.run())
    steps = _fold(s).steps
    found = Finder("safetensors").matches(steps)
    wheres = {m.where for m in found}
    assert any(w.startswith("arguments of") for w in wheres) and any(w.startswith("result of") for w in wheres)
    assert all(m.snippet and m.line >= 1 for m in found)
    reasoning = [m for m in Finder("weights").matches(steps) if m.where == "reasoning"]
    assert reasoning and all("weights" in m.snippet.lower() for m in reasoning)
    assert Finder("no such thing anywhere").steps(steps) == []


def test_search_is_smart_case_and_plain_text():
    assert pattern("weights").flags & 2  # re.IGNORECASE
    assert not pattern("Weights").flags & 2
    assert pattern("a.b").search("a.b") and not pattern("a.b").search("axb")  # not a regex
    assert pattern("   ") is None


def test_the_finder_caches_by_step_version():
    s = _session()
    asyncio.run(s.request_turn())
    fold = _fold(s)
    finder = Finder("drive")
    first = finder.steps(fold.steps)
    cached = finder._cache[1]
    assert finder.steps(fold.steps) == first and finder._cache[1] is cached
    fold.steps[1].version += 1
    finder.steps(fold.steps)
    assert finder._cache[1] is not cached


def test_edited_and_rejected_calls_are_searched_and_flagged():
    s = _session()
    asyncio.run(s.request_turn())
    s.approve()
    asyncio.run(s.request_turn())
    call = s.state.pending[0]
    s.edit_call(call.id, '{"ip": "10.0.99.99"}')
    asyncio.run(s.request_turn())
    s.reject(s.state.pending[0].id, "not on my watch")
    steps = _fold(s).steps
    assert f"arguments of {call.name}" in {m.where for m in step_matches(steps[2], "10.0.99.99")}
    assert step_matches(steps[2], "10.0.12.45")[0].where == f"original arguments of {call.name}"
    assert step_matches(steps[3], "my watch")[0].where.startswith("rejection of")
    assert flagged_steps(steps) == [2, 3]
    assert "edited" in why_flagged(steps[2]) and "rejected" in why_flagged(steps[3])


def test_neighbour_goes_on_from_the_selection_and_wraps():
    assert neighbour([3, 7, 9], None) == 3 and neighbour([3, 7, 9], None, forward=False) == 9
    assert neighbour([3, 7, 9], 3) == 7 and neighbour([3, 7, 9], 9) == 3
    assert neighbour([3, 7, 9], 3, forward=False) == 9 and neighbour([3, 7, 9], 9, wrap=False) is None
    assert neighbour([], 1) is None


def test_parse_step():
    assert parse_step("42", 500) == (42, "") and parse_step("-1", 500) == (500, "") and parse_step("end", 7) == (7, "")
    assert parse_step("501", 500)[0] is None and "0–500" in parse_step("501", 500)[1]
    assert parse_step("abc", 5)[0] is None


def test_beliefs_per_step_and_where_they_flip():
    s = _session("scripted/monitor_sensitive")
    asyncio.run(s.request_turn())
    s.approve()
    s.toggle_monitoring()  # at step 1: the turn of step 2 is taken unmonitored
    asyncio.run(s.request_turn())
    b = beliefs(_fold(s).steps, s.episode.monitoring)
    assert b == [True, True, False] and flips(b) == {2}
    assert 1 in flagged_steps(_fold(s).steps)  # the change itself is flagged where it happened


def test_request_for_a_turn_is_the_messages_before_it_and_the_tools():
    s = _session()
    asyncio.run(s.request_turn())
    s.approve()
    asyncio.run(s.request_turn())
    first = request_for(s.state, 1)
    assert first.happened and [m["role"] for m in first.messages] == ["system", "user"]
    second = request_for(s.state, 2)
    assert [m["role"] for m in second.messages] == ["system", "user", "assistant", "tool"]
    assert second.tools == s.episode.context.tool_schemas and second.tools
    nxt = request_for(s.state, None)
    assert not nxt.happened and nxt.step == 3


def test_an_edited_result_is_received_as_edited():
    s = _session()
    asyncio.run(s.request_turn())
    s.approve()
    cid = s.state.turns[-1].tool_calls[0].id
    s.edit_result(cid, "nothing here")
    asyncio.run(s.request_turn())
    tool = [m for m in request_for(s.state, 2).messages if m["role"] == "tool"]
    assert tool[0]["content"] == "nothing here"


def test_the_branch_tree_nests_forks_with_their_step_belief_and_behaviours():
    s = _session("scripted/monitor_sensitive")
    asyncio.run(s.run())
    s.fork(0)
    s.set_monitoring(False)
    asyncio.run(s.run())
    fork = s.episode.current
    s.fork(2)
    rename(s.episode, fork, "unwatched")
    rows = branch_tree(s.episode)
    assert [(d, i.id) for d, i in rows] == [(0, "main"), (1, fork), (2, s.episode.current)]
    main, first, second = (i for _d, i in rows)
    assert main.monitored and not first.monitored and first.fork_step == 0 and second.fork_step == 2
    assert "faithful_completion" in main.behaviours and "exfiltration" in first.behaviours
    assert "“unwatched”" in first.line() and "from main at step 0" in first.line() and "UNMONITORED" in first.line()
