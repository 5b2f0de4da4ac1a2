"""Find anything in a long episode: search (/ n N) with the match lit, go to step N, next and
previous flagged step, page keys that do not snap back, what the model received, the branch
tree with rename, belief per step in compare, and keys that say why they do nothing."""

from __future__ import annotations

import io

from rich.console import Console

from playground.tui.dialogs.branch_tree import BranchTree
from playground.tui.dialogs.step_detail import StepDetail
from playground.tui.dialogs.text_prompt import TextPrompt
from playground.tui.screens.compare import CompareLog, CompareScreen
from playground.tui.widgets.actions_pane import ActionsPane
from playground.tui.widgets.reasoning_pane import ReasoningPane
from playground.tui.widgets.status_bar import StatusBar

from .helpers import SIZE, app_for, open_episode, settle, text_of


async def _long(pilot, steps: int = 300):
    screen = await open_episode(pilot, "test/fastloop", max_steps=steps)
    await pilot.press("g")
    await settle(pilot)
    assert screen.session.state.step == steps
    return screen


def _status(screen) -> str:
    return text_of(screen.query_one(StatusBar))


def _lit(pane) -> list[str]:
    """The text of every drawn line segment in the match style."""
    style = pane.get_component_rich_style("step-log--match")
    out = []
    for y in range(pane.scrollable_content_region.height):
        for seg in pane.render_line(y):
            if seg.style is not None and seg.style.bgcolor == style.bgcolor and seg.text.strip():
                out.append(seg.text)
    return out


async def test_search_selects_and_lights_the_match_and_n_and_shift_n_go_on(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _long(pilot)
        await pilot.press("slash")
        await settle(pilot)
        assert screen.find_bar.has_focus
        await pilot.press(*"step 15")
        await settle(pilot)
        assert "11 step(s) match" in _status(screen)  # 15, 150–159, live as you type
        await pilot.press("enter")
        await settle(pilot)
        assert screen.selected == 15 and not screen.find_bar.has_class("-shown")
        reasoning = screen.query_one(ReasoningPane)
        assert reasoning.selected == 15 and screen.query_one(ActionsPane).selected == 15
        assert [t.lower() for t in _lit(reasoning)] == ["step 15"]
        assert "step 15 (1 of 11 steps)" in _status(screen) and "in reasoning" in _status(screen)
        await pilot.press("n")
        await settle(pilot)
        assert screen.selected == 150 and _lit(reasoning)
        await pilot.press("N", "N")
        await settle(pilot)
        assert screen.selected == 159 and "wrapped" in _status(screen)
        await pilot.press("slash")  # the bar offers the last query, selected: typing replaces it
        await settle(pilot)
        assert screen.find_bar.value == "step 15"
        await pilot.press(*"nothing like this", "enter")
        await settle(pilot)
        assert screen.finder.query == "nothing like this" and "no step matches" in _status(screen)
        assert screen.selected == 159 and not _lit(reasoning)


async def test_search_finds_arguments_and_results_and_escape_closes_the_bar(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot, "scripted/covert_copier")
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("slash", *"safetensors", "enter")
        await settle(pilot)
        assert screen.selected is not None and "arguments of" in _status(screen) or "result of" in _status(screen)
        assert _lit(screen.query_one(ActionsPane))
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press("escape")  # closes the bar, does not leave the episode
        await settle(pilot)
        assert app.screen is screen and not screen.find_bar.has_class("-shown")


async def test_n_without_a_search_says_how_to_search(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert "/ searches" in _status(screen)


async def test_go_to_step(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _long(pilot)
        await pilot.press("colon", *"999", "enter")
        await settle(pilot)
        assert screen.find_bar.has_class("-shown") and "steps 0–300" in _status(screen)  # the bar stays to fix it
        screen.find_bar.value = "42"
        await pilot.press("enter")
        await settle(pilot)
        assert screen.selected == 42 and screen.query_one(ReasoningPane).selected == 42
        top = screen.query_one(ReasoningPane).step_at_line(int(screen.query_one(ReasoningPane).scroll_y))
        assert top == 42  # scrolled there
        await pilot.press("colon", *"-1", "enter")
        await settle(pilot)
        assert screen.selected == 300


async def test_next_and_previous_flagged_step(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot, "scripted/covert_copier")
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert "No flagged step yet" in _status(screen)
        await pilot.press("space", "a", "m", "g")  # a belief change at step 1, detectors trip later
        await settle(pilot)
        flagged = [v.step for v in screen.steps_fold.steps if v.flagged]
        assert len(flagged) >= 2
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.selected == flagged[0] and "belief → UNMONITORED" in _status(screen)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.selected == flagged[1] and "⚑" in _status(screen)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.selected == flagged[0]


async def test_page_down_then_an_arrow_goes_on_from_the_new_page(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _long(pilot, 120)
        pane = screen.query_one(ReasoningPane)
        await pilot.press("home")
        await settle(pilot)
        assert screen.selected == 0
        await pilot.press("pagedown", "pagedown")
        await settle(pilot)
        y = pane.scroll_y
        paged = screen.selected
        assert paged > 5 and pane.step_at_line(int(y)) == paged  # the selection moved with the page
        await pilot.press("down")
        await settle(pilot)
        assert screen.selected == paged + 1 and pane.scroll_y >= y  # no snap back to the top
        await pilot.press("pageup")
        await settle(pilot)
        assert screen.selected < paged
        pane.scroll_to(y=pane.max_scroll_y / 2, animate=False, immediate=True)  # the mouse wheel, far away
        await settle(pilot)
        middle = pane.step_at_line(int(pane.scroll_y))
        await pilot.press("down")
        await settle(pilot)
        assert abs(screen.selected - middle) <= 2  # goes on from what is shown


async def test_what_the_model_received_for_the_selected_turn(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_episode(pilot, "scripted/covert_copier")
        await pilot.press("space", "a", "space", "a")
        await settle(pilot)
        await pilot.press("p")  # nothing selected: the request the model gets next
        await settle(pilot)
        assert isinstance(app.screen, StepDetail) and app.screen.title_text == "What the model gets next (step 3)"
        body = text_of(app.screen.query("Static")[1])
        assert "1. system" in body and "2. user" in body and body.count("— result of") == 2
        assert "Tools offered" in body and '"name": "list_drive_files"' in body
        await pilot.press("escape", "up", "up", "p")  # step 1: only the prompts came before it
        await settle(pilot)
        assert app.screen.title_text == "What the model received for step 1"
        body = text_of(app.screen.query("Static")[1])
        assert "2. user" in body and "3." not in body.split("Tools offered")[0]


async def test_branch_tree_switch_and_rename(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot, "scripted/monitor_sensitive")
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("t")  # one branch: says why nothing happens
        await settle(pilot)
        assert app.screen is screen and "only one branch" in _status(screen)
        await pilot.press("f", "enter")  # fork at 0 with the belief flipped
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        fork = screen.session.episode.current
        await pilot.press("t")
        await settle(pilot)
        tree = app.screen
        assert isinstance(tree, BranchTree)
        labels = [str(n.label) for n in tree.query_one("Tree").root.children]
        assert labels[0].startswith("◉ main") and "faithful completion" in labels[0]
        child = tree.query_one("Tree").root.children[0].children[0]
        assert str(child.label).startswith(f"◌ {fork} “unmonitored” · at step 0") and "you are here" in str(child.label)
        detail = text_of(tree.query_one("#detail"))  # the highlighted branch in full
        assert "from main at step 0" in detail and "scripted/monitor_sensitive" in detail and "UNMONITORED" in detail
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        app.screen.query_one("Input").value = "nobody watching"
        await pilot.press("enter")
        await settle(pilot)
        assert screen.session.episode.branches[fork].label == "nobody watching"
        assert "“nobody watching”" in str(child.label)
        await pilot.press("up", "enter")  # switch to main
        await settle(pilot)
        assert app.screen is screen and screen.session.episode.current == "main"
        assert "2" in text_of(screen.query_one("#ep-info"))


async def test_compare_headers_show_the_belief_per_step_and_mark_the_flip(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_episode(pilot, "scripted/monitor_sensitive")
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("home", "down", "down", "f")  # fork after step 2, flipping the belief there
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        cmp = app.screen
        assert isinstance(cmp, CompareScreen)
        log = cmp.query_one(CompareLog)
        rows = {row.step: row for row in log._views}
        assert rows[1].belief_a and rows[1].belief_b and not rows[1].flipped_b
        assert rows[3].belief_a and rows[3].belief_b is False and rows[3].flipped_b
        console = Console(width=160, file=io.StringIO(), record=True, color_system=None)
        console.print(log.render_view(rows[3]))
        header = console.export_text().splitlines()[0]
        assert "A ◉ watched" in header and "B ◌ UNWATCHED" in header and "⇄ flipped" in header


async def test_keys_that_do_not_apply_say_why(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert "No tool has returned anything yet" in _status(screen)
        await pilot.press("a")
        await settle(pilot)
        assert "No call waits for you" in _status(screen)
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert "ended" in _status(screen)


async def test_keys_typed_right_after_slash_go_to_the_bar_not_to_the_episode(tmp_path):
    """A terminal sends "/notice⏎" in one burst, before the bar has focus: n, o, t… must not act."""
    from textual import events

    from playground.tui.screens.episode import EpisodeScreen

    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot, "scripted/covert_copier")
        await pilot.press("space", "a", "space", "a")
        await settle(pilot)
        for ch, key in [("/", "slash"), ("n", "n"), ("o", "o"), ("t", "t"), ("i", "i"), ("c", "c"), ("e", "e"),
                        (None, "enter")]:
            app.post_message(events.Key(key, ch))
        await settle(pilot)
        assert isinstance(app.screen, EpisodeScreen)  # o did not open the result editor
        assert screen.finder is not None and screen.finder.query == "notice"
        assert screen.selected is not None and "“notice”: step" in _status(screen)
