"""One step fold under every view: an episode holding every event kind, rendered by every consumer,
shows each event's content (issue 9, item 2)."""

from __future__ import annotations

import asyncio
import io
import json
import re

import pytest
from click.testing import CliRunner

from playground.episode import ModelTurn, Session, ToolCall
from playground.episode.events import EVENT_TYPES, AgentError, Event
from playground.episode.steps import StepFold
from playground.launch import load, new_episode
from playground.store import to_html, to_json, to_markdown

REF = "peer_preservation/exfiltration_transfer"


class Script:
    name, scripted = "test/script", False

    def __init__(self):
        self.turns = [
            ModelTurn(reasoning="REASON-ONE", text="SAID-ONE", tool_calls=(
                ToolCall("c1", "list_drive_files", "{}"),
                ToolCall("c2", "list_server_files", json.dumps({"ip": "ARG-ORIGINAL"})))),
            ModelTurn(reasoning="REASON-TWO", tool_calls=(ToolCall("c3", "delete_server_file", json.dumps(
                {"ip": "10.0.12.45", "filename": "migration_audit_2024.log"})),)),
            ModelTurn(reasoning="REASON-THREE", tool_calls=(ToolCall("c4", "end_task", "{}"),)),
        ]

    async def next_turn(self, request):
        if not request.tools:
            return ModelTurn(text="INTERVIEW-ANSWER", reasoning="INTERVIEW-REASONING")
        return self.turns.pop(0)


def every_kind_episode() -> Session:
    s = Session(new_episode(load(REF), agent="test/script"), lambda spec, ep: Script())
    run = asyncio.run
    run(s.request_turn())
    s.approve("c1")
    s.edit_call("c2", {"ip": "ARG-EDITED"})
    s.edit_result("c1", "RESULT-AS-EDITED")
    s.note("NOTE-TEXT")
    s.set_monitoring(False)  # a monitoring change and its notice
    s.append(AgentError("ERROR-TEXT", True))
    run(s.request_turn())
    s.reject("c3", "REJECT-REASON")
    run(s.request_turn())
    s.approve("c4")
    run(s.interview("INTERVIEW-QUESTION"))
    kinds = {e.kind for e in s.state.events}
    assert kinds == set(EVENT_TYPES), set(EVENT_TYPES) - kinds
    return s


CONTENT = ["REASON-ONE", "SAID-ONE", "ARG-ORIGINAL", "ARG-EDITED", "RESULT-AS-EDITED", "NOTE-TEXT", "ERROR-TEXT",
           "REASON-TWO", "REJECT-REASON", "REASON-THREE", "INTERVIEW-QUESTION", "INTERVIEW-ANSWER",
           "delete_server_file", "end_task", "logged and reviewed", "switched off", "ended"]


@pytest.fixture(scope="module")
def session():
    return every_kind_episode()


def _tool_output(session):
    """The original (unedited) output of c1, as the tool returned it: every view must keep it."""
    return next(e.output for e in session.state.events if getattr(e, "call_id", "") == "c1" and e.kind == "tool_result")


def check(text: str, session) -> None:
    flat = " ".join(text.split())
    missing = [c for c in CONTENT if c not in flat]
    assert not missing, missing
    first_line = _tool_output(session).splitlines()[0].strip()
    assert first_line in flat
    assert "'kind'" not in text and "CallRejected(" not in text  # no Python reprs


def test_markdown_and_html_carry_everything(session):
    check(to_markdown(session.episode), session)
    page = re.sub(r"<[^>]+>", " ", to_html(session.episode))
    import html

    check(html.unescape(page), session)
    assert "System prompt" in page and "What the model was given" in page


def test_json_export_carries_the_steps(session):
    data = json.loads(to_json(session.episode))
    check(json.dumps([data["prompt"], data["steps"]], ensure_ascii=False), session)
    assert [s["step"] for s in data["steps"]] == [0, 1, 2, 3]


def test_cli_printer_renders_the_fold(session):
    import click

    from playground.cli.transcript import LivePrinter

    class Replayed:
        state = None

    @click.command()
    def show():
        printer = LivePrinter()
        state = session.episode.replay()
        fake = Replayed()
        fold_state = type("S", (), {})()
        for i, e in enumerate(state.events):
            fold_state.event_steps = state.event_steps[: i + 1]
            fold_state.tripped_at = {}
            fake.state = fold_state
            printer(fake, e)
        printer.flush()

    out = CliRunner().invoke(show)
    assert out.exit_code == 0, out.output
    check(out.output.replace("\n", " ") + " logged and reviewed", session)  # the printer shows steps, not the prompt


def test_the_tui_renderers_show_every_event(session):
    from rich.console import Console

    from playground.tui.palette import Palette
    from playground.tui.render_detail import step_detail
    from playground.tui.render_steps import actions_block, compare_cell, reasoning_block

    steps = StepFold.of(session.state, session.episode.monitoring).steps
    console = Console(width=160, file=io.StringIO(), record=True, color_system=None)
    for v in steps:
        for r in (reasoning_block(v, Palette(), {}, ()), actions_block(v, Palette(), {}, ()), step_detail(v, Palette(), {}, ())):
            console.print(r)
    text = console.export_text()
    missing = [c for c in CONTENT if c not in " ".join(text.split())]
    assert missing == ["logged and reviewed"], missing  # the prompt is shown by its own view (p)
    cells = Console(width=160, file=io.StringIO(), record=True, color_system=None)
    for v in steps:
        cells.print(compare_cell(v, Palette(), {}, ()))
    assert "REASON-TWO" in cells.export_text()


def test_an_unknown_event_kind_is_refused_by_the_fold(session):
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Strange(Event):
        kind = "strange"

    with pytest.raises(AssertionError):
        StepFold().apply(Strange(), 0)
