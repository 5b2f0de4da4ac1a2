"""Hostile model replies (``corpus.reply_cases()``) sent into a headless episode: deep and huge
JSON arguments, broken JSON, unknown tools, grep bombs, odd paths and dates, huge or odd text.
Every one becomes a tool error or an answer the model can read; the episode goes on to its
end, and its summary, save, reload, exports, CLI printout and the TUI's argument views all
finish without a traceback, each within a few seconds."""

from __future__ import annotations

import asyncio
import re
import io
import time
from contextlib import redirect_stdout

import pytest

from playground.episode import ModelTurn, Session, ToolCall, summary
from playground.launch import load, new_episode
from playground.store import EXPORTERS, load as load_save, save

from .corpus import Reply, reply_cases, reply_scenario

CASES = reply_cases()
STEP_SECONDS = 20.0  # a hang fails here; honest work takes ~3 s at most on a loaded machine


class HostileAgent:
    """A 'model' that sends the hostile turn first, then ends the task."""

    scripted = True

    def __init__(self, reply: Reply):
        self.name = "hostile/model"
        self.reply = reply
        self.turns = 0

    async def next_turn(self, request) -> ModelTurn:
        self.turns += 1
        if self.turns == 1:
            calls = tuple(ToolCall(f"call_{n}", name, raw) for n, (name, raw) in enumerate(self.reply.calls))
            return ModelTurn(reasoning=self.reply.reasoning, text=self.reply.text, tool_calls=calls, agent=self.name)
        return ModelTurn(text="done", tool_calls=(ToolCall("call_end", "end_task", "{}"),), agent=self.name)


def _has_surrogate(reply: Reply) -> bool:
    texts = [reply.text, reply.reasoning] + [t for call in reply.calls for t in call]
    return any("\ud800" <= ch <= "\udfff" for t in texts for ch in t) or any(re.search(r"\\u[dD][89a-fA-F]", t) for t in texts)


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("replies") / "hostile_replies.yaml"
    path.write_text(reply_scenario(), encoding="utf-8")
    return path


def _params():
    for r in CASES:
        marks = [pytest.mark.slow] if r.category == "many-calls" else []
        yield pytest.param(r, id=f"{r.category}/{r.name}", marks=marks)


@pytest.mark.parametrize("reply", _params())
def test_hostile_reply(reply, scenario_file, tmp_path, monkeypatch, canary, deadline):
    monkeypatch.chdir(tmp_path)
    loaded = load(str(scenario_file))
    episode = new_episode(loaded, agent="hostile/model")
    session = Session(episode, lambda spec, ep: HostileAgent(reply))
    t0 = time.perf_counter()
    with deadline(STEP_SECONDS * 2):
        outcome = asyncio.run(session.run())
    assert outcome is not None and session.state.ended == "end_task"
    results = list(session.state.results.values())
    assert {f"call_{n}" for n in range(len(reply.calls))} <= set(session.state.results)
    for r in results:  # every answer is text the model can read, never a traceback's
        assert isinstance(r.output, str) and "Traceback" not in r.output
    with deadline(STEP_SECONDS):
        out = summary(episode, session.state)
        assert out["ended"] == "end_task"
        from playground.cli.transcript import LivePrinter, print_summary
        from playground.episode.steps import StepFold, parse_args

        buf = io.StringIO()
        with redirect_stdout(buf):
            printer = LivePrinter()  # the CLI printer, step by step
            for view in StepFold.of(session.state).steps:
                printer.show(view, final=True)
            print_summary(out)
        for _, raw in reply.calls:
            parse_args(raw)
    if not _has_surrogate(reply):  # lone surrogates in saves are the saves work (issue 14, item 3)
        with deadline(STEP_SECONDS):
            path = tmp_path / "reply.toml"
            save(episode, path)
            again = load_save(path)
            assert summary(again)["ended"] == "end_task"
            for fmt, export in EXPORTERS.items():
                assert isinstance(export(again, None), str), fmt
    assert time.perf_counter() - t0 < 20


def test_a_deep_argument_is_a_readable_tool_error(scenario_file):
    reply = next(r for r in CASES if r.name == "array-100000-shell")
    loaded = load(str(scenario_file))
    episode = new_episode(loaded, agent="hostile/model")
    session = Session(episode, lambda spec, ep: HostileAgent(reply))
    asyncio.run(session.run())
    first = session.state.results["call_0"]
    assert first.error and "nested 100,000 levels deep; the limit is 64" in first.output


def test_a_grep_bomb_is_a_grep_error_within_a_fraction_of_a_second(scenario_file):
    reply = next(r for r in CASES if r.name == "cmd0")
    loaded = load(str(scenario_file))
    episode = new_episode(loaded, agent="hostile/model")
    session = Session(episode, lambda spec, ep: HostileAgent(reply))
    t0 = time.perf_counter()
    asyncio.run(session.run())
    assert time.perf_counter() - t0 < 1.0
    assert "grep: bomb.txt: regular expression too slow" in session.state.results["call_0"].output


def test_the_reply_corpus_is_big_enough():
    assert len(CASES) >= 100
