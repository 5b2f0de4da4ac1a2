"""Untrusted text is shown as text: markup from a model, a pack or a save never becomes a style or a
clickable action, and terminal control sequences never reach the screen (issue 14, items 1 and 6)."""

from __future__ import annotations

import asyncio
import json
import shutil

from rich.text import Text

from playground.episode import ModelTurn, ToolCall
from playground.store import save
from playground.tui.screens.episode import EpisodeScreen
from playground.tui.screens.home import HomeScreen
from playground.tui.screens.saves import SavesScreen
from playground.tui.widgets.status_bar import StatusBar

from .helpers import PACKS, SIZE, app_for, episode, open_episode, settle

CONTROL = {chr(c) for c in range(0x20) if chr(c) not in "\n\t"} | {chr(c) for c in range(0x7F, 0xA0)}


def payloads(victim_dir) -> dict[str, str]:
    return {
        "click": f"[@click=app.screenshot('victim.txt','{victim_dir}')]CLICK[/]",
        "quit": "[@click=app.quit]QUIT[/]",
        "broken": "[/]x[/nope]",
        "style": "[$accent on red]STYLE[/] [b]bold[/b]",
        "title": "\x1b]0;PWNED-TITLE\x07",
        "clip": "\x1b]52;c;cHduZWQ=\x07",
        "clear": "\x1b[2J\x1b[H",
        "link": "\x1b]8;;https://example.invalid\x1b\\link\x1b]8;;\x1b\\",
        "c1": "\x9b31m",
    }


class HostileAgent:
    """A model whose every field is an attack on the screen."""

    name = "test/hostile"
    scripted = False

    def __init__(self, p: dict[str, str]) -> None:
        self.p = p

    async def next_turn(self, request):
        p = self.p
        args = json.dumps({"ip": p["click"] + p["title"], "note": p["broken"] + p["clip"]})
        return ModelTurn(reasoning=" ".join(p.values()), text=p["quit"] + p["style"] + p["clear"],
                         tool_calls=(ToolCall("h1", p["click"], args),), agent=self.name)


def screen_segments(app):
    return [seg for strip in app.screen._compositor.render_strips() for seg in strip]


def assert_inert(app, victim_dir) -> str:
    """No control character on screen, no action or style smuggled in; returns the screen's text."""
    segments = screen_segments(app)
    text = "".join(seg.text for seg in segments)
    assert not (set(text) & CONTROL), sorted({hex(ord(c)) for c in set(text) & CONTROL})
    for seg in segments:
        meta = seg.style.meta if seg.style is not None else {}
        for value in meta.values():
            assert "screenshot" not in str(value) and "app.quit" not in str(value), meta
    assert not list(victim_dir.iterdir())
    return text


async def test_hostile_model_output_is_inert_in_the_episode_screen(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    p = payloads(victim)
    app = app_for(tmp_path, make_agent=lambda spec, ep: HostileAgent(p))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot, agent="test/hostile")
        assert isinstance(screen, EpisodeScreen)
        await pilot.press("space")  # the model's turn: a pending call with the hostile tool name
        await settle(pilot)
        text = assert_inert(app, victim)
        assert "CLICK" in text and "[@click=" in text  # shown, as text
        status = screen.query_one(StatusBar)
        await pilot.click(StatusBar, offset=(status.size.width // 2, 0))
        for x in range(0, status.size.width, 4):
            await pilot.click(StatusBar, offset=(x, 0))
        await settle(pilot)
        assert app.is_running and not list(victim.iterdir())
        await pilot.press("a")  # run it: an unknown tool, answered with an error the model can read
        await settle(pilot)
        assert_inert(app, victim)
        await pilot.press("enter")  # the step in full
        await settle(pilot)
        assert_inert(app, victim)


async def test_hostile_pack_title_and_save_cells_are_inert(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    p = payloads(victim)
    packs = tmp_path / "packs"
    shutil.copytree(PACKS, packs)
    meta = packs / "demo" / "pack.yaml"
    meta.write_text(meta.read_text().replace("title: Demo pack (TUI tests)", "title: " + json.dumps(p["click"] + p["title"])))
    saves = tmp_path / "saves"
    ep = episode()
    ep.agent = ep.branches["main"].agent = p["quit"] + p["clip"]
    ep.branches["main"].label = p["broken"]
    save(ep, saves / "hostile.toml")
    app = app_for(tmp_path, base_packs=[packs])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        text = assert_inert(app, victim)
        assert "[@click=app.screenshot(" in text  # the pack's title, shown as text
        for y in range(2, 12):
            await pilot.click(offset=(10, y))
        await settle(pilot)
        assert app.is_running
        app.push_screen(SavesScreen())
        table = None
        for _ in range(100):  # the rows are described by a background worker
            await settle(pilot)
            table = app.screen.query_one("DataTable")
            if table.row_count and "QUIT" in str(table.get_row_at(0)[0]):
                break
            await asyncio.sleep(0.05)
        assert_inert(app, victim)
        cell = table.get_row_at(0)[0]  # the title: scenario, then agent · belief · branch labels
        agent_line = cell.plain.split("\n")[1]
        assert isinstance(cell, Text) and agent_line.startswith("[@click=app.quit]QUIT[/]") and "[/]x[/nope]" in agent_line
        assert all(span.style in ("bold", "dim", "red") for span in cell.spans)  # our styles only, no markup
        for x in range(0, SIZE[0], 6):
            await pilot.click(offset=(x, 3))
        await settle(pilot)
        assert app.is_running and not list(victim.iterdir())
