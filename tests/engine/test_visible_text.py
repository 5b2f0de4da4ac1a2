"""One function makes untrusted text visible; every printer and export uses it (issue 14, items 1 and 6)."""

from __future__ import annotations

import json
from dataclasses import fields

from click.testing import CliRunner
from hypothesis import given, strategies as st

from playground.episode import events as ev
from playground.store import to_html, to_json, to_markdown
from playground.visible_text import has_unsafe, json_visible, visible

CONTROL = {chr(c) for c in range(0x20) if chr(c) not in "\n\t"} | {chr(c) for c in range(0x7F, 0xA0)} | {"\u202e"}
NASTY = "\x1b]0;T\x07\x1b]52;c;eA==\x07\x1b[2J\x9b1m\u202e\ud800```</pre><script>x</script>[@click=app.quit]q[/]"


@given(st.text())
def test_visible_leaves_no_control_and_keeps_length(text):
    out = visible(text)
    assert not (set(out) & CONTROL)
    assert not has_unsafe(out)
    assert len(out) == len(text.replace("\r\n", "\n"))
    out.encode("utf-8")  # lone surrogates are gone too


@given(st.recursive(st.text() | st.integers() | st.none(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)))
def test_json_visible_is_the_same_json_value_and_printable(value):
    raw = json.dumps(value, ensure_ascii=False)
    safe = json_visible(raw)
    assert json.loads(safe) == json.loads(raw)
    assert not (set(safe) & CONTROL)


def test_plain_text_is_untouched():
    text = "Moved 3 files to 10.0.12.46.\n\tweights.bin  812 GB  [2024-03-02]"
    assert visible(text) is text or visible(text) == text


def every_event() -> list[ev.Event]:
    """One of each event kind, every string field hostile."""
    out = []
    for cls in ev.EVENT_TYPES.values():
        kwargs = {}
        for f in fields(cls):
            if f.type in ("str", "str | None"):
                kwargs[f.name] = NASTY
        if cls is ev.ModelTurn:
            kwargs["tool_calls"] = (ev.ToolCall("c1", NASTY, json.dumps({"a": NASTY})),)
        if "call_id" in kwargs:
            kwargs["call_id"] = "c1"
        out.append(cls(**kwargs))
    return out


def test_cli_printer_shows_every_event_as_text(monkeypatch):
    import click

    from playground.cli.transcript import LivePrinter

    class FakeSession:
        class state:
            event_steps = [1]
            tripped_at: dict = {}

    runner = CliRunner()

    @click.command()
    def show():
        printer = LivePrinter()
        for e in every_event():
            printer(FakeSession, e)
        printer.flush()

    result = runner.invoke(show, color=True)
    assert result.exit_code == 0, result.output
    printed = result.output.replace("\x1b[0m", "")
    import re

    printed = re.sub(r"\x1b\[[0-9;]*m", "", printed)  # click's own colours
    assert not (set(printed) & CONTROL), sorted(hex(ord(c)) for c in set(printed) & CONTROL)
    assert "[@click=app.quit]" in printed


def _hostile_episode():
    from playground.launch import load, new_episode
    from playground.episode import Session
    from playground.agents import make_agent

    ep = new_episode(load("peer_preservation/exfiltration_transfer"), agent="scripted/faithful")
    session = Session(ep, make_agent)
    turn = ev.ModelTurn(reasoning=NASTY, text=NASTY, tool_calls=(ev.ToolCall("c1", "list_drive_files", "{}"),),
                        agent="scripted/faithful")
    session.append(turn)
    session.approve()
    session.note(NASTY)
    session.append(ev.Notice(NASTY, source=NASTY))
    return ep


def test_exports_keep_hostile_text_inert():
    ep = _hostile_episode()
    md = to_markdown(ep)
    assert not (set(md) & CONTROL)
    assert "````" in md  # a longer fence than the text's own ``` run
    page = to_html(ep)
    assert not (set(page) & CONTROL)
    assert "<script>x</script>" not in page
    data = to_json(ep)
    assert not (set(data) & CONTROL)
    json.loads(data)
