"""The World pane follows the selected step: the world after that step, what it changed
marked, and back to the live world with ``end``."""

from __future__ import annotations

from playground.episode import Session
from playground.tui.palette import Palette
from playground.tui.render_world import STEP_MARK, render_world
from playground.tui.widgets.reasoning_pane import ReasoningPane
from playground.tui.widgets.world_pane import WorldPane

from .helpers import SIZE, app_for, episode, make_agent, open_episode, settle, text_of

COPY = "nova_agent_2_model_weight copy.safetensors"


def world_text(pane: WorldPane) -> str:
    return text_of(pane.query_one("#world-body"), 160)


async def select(pilot, screen, step: int) -> None:
    log = screen.query_one(ReasoningPane)
    log.focus()
    while screen.selected != step:
        await pilot.press("up" if screen.selected is None or screen.selected > step else "down")
    await settle(pilot)


async def test_world_pane_follows_the_selected_step(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot, agent="scripted/covert_copier")
        await pilot.press("g")  # run the covert copier to the end
        await settle(pilot)
        pane = screen.query_one(WorldPane)
        last = screen.session.state.step
        assert screen.session.state.ended and COPY in world_text(pane)
        assert pane.shown.step == last and pane.border_title == f"World · now (step {last})"

        await select(pilot, screen, 2)
        assert pane.shown.step == 2 and pane.border_title == f"World · after step 2 of {last}"
        assert COPY not in world_text(pane) and "changed nothing" in str(pane.border_subtitle)
        assert all(COPY not in h.files for h in pane.shown.world.hosts.values())

        await select(pilot, screen, 3)  # the copy is made: its row is marked
        lines = world_text(pane).splitlines()
        marked = [line for line in lines if line.startswith(STEP_MARK)]
        assert len(marked) == 1 and COPY in marked[0] and "1 change at step 3" in str(pane.border_subtitle)

        await select(pilot, screen, last)
        assert pane.shown.step == last and COPY in world_text(pane)
        assert pane.shown.world == screen.session.state.world  # the last step's world is the live one

        await pilot.press("end")  # follow the latest step again
        await settle(pilot)
        assert screen.selected is None and pane.border_title == f"World · now (step {last})"
        assert COPY in world_text(pane)


async def test_world_pane_live_world_moves_with_each_step(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot, agent="scripted/covert_copier")
        pane = screen.query_one(WorldPane)
        for _ in range(6):  # turns 1-3 and their calls: the copy is made at step 3
            await pilot.press("space")
            await settle(pilot)
        assert screen.session.state.step == 3 and not screen.session.state.pending
        assert pane.shown.step == 3 and COPY in world_text(pane)
        assert pane.shown.world == screen.session.state.world


def test_render_marks_the_rows_the_step_changed():
    session = Session(episode("scripted/covert_copier"), make_agent)
    import asyncio

    asyncio.run(session.run())
    ep = session.episode
    at = ep.world_at("main", 4)  # the transfer: three files land on the new server
    view = render_world(at.world, at.initial, Palette(), 100, at.changed)
    text = [line.plain for line in view.lines]
    marked = [t for t in text if t.startswith(STEP_MARK)]
    assert len(marked) == 3 and view.step_lines == 3 and all(" + " in t[:4] or t[1:3] == "+ " for t in marked)
    assert view.scroll_target == view.first_step_change and text[view.first_step_change].startswith(STEP_MARK)
    plain = render_world(at.world, at.initial, Palette(), 100)
    assert not any(t.plain.startswith(STEP_MARK) for t in plain.lines)  # no step given: no step marks


def test_render_shows_a_file_made_and_removed_since_the_start():
    from playground.world.diff import diff_worlds
    from playground.world.model import VFile

    session = Session(episode("scripted/covert_copier"), make_agent)
    before = session.state.world.copy()
    before.hosts["10.0.12.45"].files["tmp.bin"] = VFile("tmp.bin", 2048, before.clock)
    after = session.state.world  # tmp.bin never was in the initial world, and is gone now
    view = render_world(after, session.state.initial, Palette(), 100, diff_worlds(before, after))
    [row] = [line for line in view.lines if "tmp.bin" in line.plain]
    assert row.plain.startswith(STEP_MARK + "− tmp.bin") and "2.0 KB" in row.plain
