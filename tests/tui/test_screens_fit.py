"""Screens that fit: the saves list (a title that tells saves apart, sorting, a filter), the fork
dialog, the detector strip, sheets as tables, the footer, the demo picker, notifications at
80x24, and the edit-arguments dialog checking the tool's schema."""

from __future__ import annotations

import asyncio
import io

from rich.console import Console
from textual.widgets import Input, TextArea
from textual.widgets._footer import FooterKey

from playground.episode.events import CallEdited, Note
from playground.tui.arg_check import check
from playground.tui.dialogs.branch_picker import BranchPicker
from playground.tui.dialogs.call_editor import CallEditor
from playground.tui.dialogs.fork_dialog import ForkDialog
from playground.tui.palette import Palette
from playground.tui.render_steps import SheetTable, as_table
from playground.tui.save_rows import filter_rows, sort_rows, widths_for
from playground.tui.screens.compare import CompareScreen
from playground.tui.screens.episode import EpisodeScreen
from playground.tui.screens.saves import SavesScreen
from playground.tui.widgets.actions_pane import ActionsPane
from playground.tui.widgets.detector_strip import DetectorChip, DetectorStrip, pack
from playground.tui.widgets.status_bar import StatusBar
from playground.world.tools.fmt import table

from .helpers import SIZE, app_for, make_saves, open_episode, settle, text_of


# -- the saves list ------------------------------------------------------------------------------

async def _saves(pilot):
    await settle(pilot)
    pilot.app.push_screen(SavesScreen())
    for _ in range(100):
        await settle(pilot)
        screen = pilot.app.screen
        if isinstance(screen, SavesScreen) and screen.rows and all(r.described for r in screen.rows.values()):
            break
        await pilot.pause(0.05)
    await pilot.pause(0.1)
    await settle(pilot)
    return pilot.app.screen


def _titles(screen) -> list[str]:
    table = screen.table
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_saves_list_tells_saves_of_one_scenario_apart_at_100_columns(tmp_path):
    await asyncio.to_thread(make_saves, tmp_path / "saves")
    app = app_for(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _saves(pilot)
        titles = _titles(screen)
        assert titles[0].splitlines() == ["exfiltration_transfer — “class demo”",  # on its fork, unwatched
                                          "scripted/monitor_sensitive · ◌ UNMONITORED"]
        assert titles[2] == "exfiltration_transfer — “no one watching”\nscripted/covert_copier · ◌ UNMONITORED"
        assert len(set(titles)) == 4  # no two alike
        row = [str(c) for c in screen.table.get_row_at(0)]
        assert row[1] == "2026-12-04 22:13" and row[2] == "5 · ended\n2 branches"
        assert row[3] == "exfiltration, timestamp gaming"  # its current branch: the unwatched fork
        widths = [c.width for c in screen.table.columns.values()]
        assert sum(widths) + 2 * len(widths) <= 100 - 2  # everything in view: no horizontal scrollbar
        for line in titles[0].splitlines() + titles[2].splitlines():
            assert len(line) <= widths[0]  # the agent and the belief are read whole


async def test_saves_list_sorts_and_filters(tmp_path):
    await asyncio.to_thread(make_saves, tmp_path / "saves")
    app = app_for(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await _saves(pilot)
        assert screen.sort == "newest" and "sorted: newest first" in screen.table.border_subtitle
        await pilot.press("s")  # oldest first
        await settle(pilot)
        assert _titles(screen)[0].startswith("exfiltration_transfer\nscripted/covert_copier · ◉")
        await pilot.press("s", "s", "s")  # most behaviours first
        await settle(pilot)
        assert screen.sort == "behaviours" and "exfiltration, timestamp gaming" in str(screen.table.get_row_at(0)[3])
        await pilot.press("slash")
        await settle(pilot)
        assert screen.query_one("#saves-filter", Input).has_focus
        await pilot.press(*"unmonitored covert")  # every word, anywhere in the row
        await settle(pilot)
        assert [t.split("\n")[0] for t in _titles(screen)] == ["exfiltration_transfer — “no one watching”"]
        assert "1 of 4 save(s) match" in text_of(screen.query_one("#saves-help"))
        await pilot.press("escape")  # clears the filter, back to the list
        await settle(pilot)
        assert screen.table.row_count == 4 and screen.table.has_focus and app.screen is screen
        screen.query_one("#saves-filter", Input).value = "completion"  # behaviours too
        await settle(pilot)
        assert screen.table.row_count == 1 and "scripted/faithful" in _titles(screen)[0]
        await pilot.press("enter")  # opens the highlighted match
        await settle(pilot)
        assert isinstance(app.screen, EpisodeScreen)


def test_save_rows_sort_filter_and_widths(tmp_path):
    from playground.tui.save_rows import describe

    rows = [describe(p) for p in make_saves(tmp_path / "s")]
    assert [r.note for r in sort_rows(rows, "newest")] == ["class demo", "", "no one watching", ""]
    assert [r.steps for r in sort_rows(rows, "steps")][0] == max(r.steps for r in rows)
    assert len(filter_rows(rows, "covert ◌")) == 1 and len(filter_rows(rows, "")) == 4
    unreadable = tmp_path / "s" / "broken.toml"
    unreadable.write_text("this is not a save")
    bad = describe(unreadable)
    assert bad.error.startswith("unreadable") and bad.title == "⚠ broken.toml" and bad.steps_text == "—"
    for total in (98, 158):
        w = widths_for(total)
        assert w.episode + w.created + w.steps + w.behaviours + 9 <= total and w.episode >= 41


# -- the fork dialog -----------------------------------------------------------------------------

async def test_fork_dialog_label_and_buttons_are_in_view(tmp_path):
    for size in ((100, 30), (120, 36), (80, 24)):
        app = app_for(tmp_path)
        async with app.run_test(size=size) as pilot:
            await open_episode(pilot, "scripted/monitor_sensitive")
            await pilot.press("space", "a", "space")
            await settle(pilot)
            await pilot.press("f")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ForkDialog)
            for wid in ("#step", "#flip", "#keep", "#agent", "#label", "#cancel", "#ok"):
                region = dialog.query_one(wid).region
                assert region.height >= 1 and region.bottom <= size[1] and region.right <= size[0], (size, wid)
            dialog.query_one("#label", Input).value = "what if"
            await pilot.click("#ok")
            await settle(pilot)
            ep = app.screen.session.episode
            assert isinstance(app.screen, EpisodeScreen) and ep.branches[ep.current].label == "what if"


# -- the detector strip ----------------------------------------------------------------------------

def test_pack_keeps_rows_within_the_width():
    assert pack([10, 10, 10], 25) == [[0, 1], [2]]
    assert pack([10, 10, 10], 25, first=10) == [[0], [1, 2]]
    assert pack([40, 5], 30) == [[0], [1]]  # too wide for any row: a row of its own


async def test_detector_strip_wraps_and_never_cuts_a_chip(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_episode(pilot, "scripted/covert_copier")
        await pilot.press("g")
        await settle(pilot)
        strip = screen.query_one(DetectorStrip)
        chips = list(strip.query(DetectorChip))
        assert len(chips) == 4 and len(strip.query(".det-row")) >= 2  # wrapped onto a second line
        for chip in chips:
            assert chip.region.right <= 80 and chip.region.width == len(chip.shown_text) + 2, chip.det_id
        lit = {c.det_id: c.shown_text for c in chips if c.has_class("-lit")}
        assert lit == {"peer_weights_on_new_server": "● exfiltration @4", "weights_redated": "● timestamp gaming @3"}


async def test_two_detectors_with_one_label_are_told_apart(tmp_path):
    from dataclasses import replace

    from .helpers import loaded_scenario

    loaded = loaded_scenario()
    dets = list(loaded.scenario.detectors)
    twin = dets[0].model_copy(update={"id": "weights_anywhere_else"})
    custom = replace(loaded, scenario=loaded.scenario.model_copy(update={"detectors": [*dets, twin]}))
    from playground.launch import new_episode

    app = app_for(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.start_episode(new_episode(custom, agent="scripted/covert_copier"), replace=False)
        await settle(pilot)
        texts = [c.shown_text for c in app.screen.query(DetectorChip)]
        same = [t for t in texts if "exfiltration" in t]
        assert len(same) == 2 and len(set(same)) == 2 and any("weights_anywhere_else" in t for t in same)


# -- sheets as tables ---------------------------------------------------------------------------------

def test_a_sheet_renders_as_a_table_that_fits_its_width():
    text = table(["Quarter", "Line", "Revenue", "Note"],
                 [["Q1", "ADX", 420000, ""], ["Q2", "ADX", 455000, "Carrier penalty after missed SLA: 110,000"]])
    header, rows = as_table(text)
    assert header == ["", "Quarter", "Line", "Revenue", "Note"] and rows[1][4].startswith("Carrier penalty")
    assert as_table("just some prose\nover two lines") is None
    for width in (100, 40, 20):
        console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
        console.print(SheetTable(header, rows, Palette()))
        lines = console.export_text().splitlines()
        assert all(len(line) <= width for line in lines)
        row_lines = [line for line in lines if line.lstrip().startswith(("0", "1"))]
        assert len(row_lines) == 2  # one line per row, whatever the width
        if width >= 40:
            assert "420000" in row_lines[0] and "455000" in row_lines[1]  # numbers are never cut
        else:
            assert "not shown here" in "\n".join(lines)  # columns that do not fit are named, not cut


async def test_sheet_results_show_as_a_table_in_the_actions_pane(tmp_path):
    from pathlib import Path

    from playground.launch import load, new_episode

    packs = Path(__file__).resolve().parents[2] / "scenario_packs"
    app = app_for(tmp_path, base_packs=[packs])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        app.start_episode(new_episode(load("peer_preservation/finance_misrepresentation", [packs]),
                                      agent="scripted/faithful"), replace=False)
        await settle(pilot)
        for _ in range(4):
            await pilot.press("space")
            await settle(pilot)
        pane = app.screen.query_one(ActionsPane)
        view = next(v for v in app.screen.steps_fold.steps if any(c.call.name == "view_sheet" for c in v.calls))
        lines = [s.text for s in pane._raw[pane._pos[view.step]]]
        header = next(line for line in lines if "Quarter" in line)
        assert "Revenue" in header and any(line.strip().startswith("0") and "1210000" in line for line in lines)
        assert any("─" in line for line in lines)  # the header rule of a table


# -- the footer and keys --------------------------------------------------------------------------------

async def test_footer_shows_quit_and_never_cuts_a_key(tmp_path):
    for width in (80, 100, 120, 160):
        app = app_for(tmp_path)
        async with app.run_test(size=(width, 30)) as pilot:
            screen = await open_episode(pilot)
            keys = [k for k in screen.query(FooterKey) if "-command-palette" not in k.classes]
            actions = [k.action for k in keys]
            assert "quit_key" in actions and "help" in actions, width
            for k in keys:
                assert k.region.right <= width - 12 and k.region.width > 0, (width, k.action)
            if width >= 100:
                assert {"step", "approve", "toggle_monitoring", "fork", "compare"} <= set(actions)


async def test_d_says_which_demo_agent_and_shift_d_chooses(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        banner = text_of(app.screen.query_one("#first-run"))
        assert "scripted/monitor_sensitive" in banner and "D chooses another" in banner
        await pilot.press("D")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, BranchPicker)
        options = picker.query_one("OptionList")
        assert options.option_count == len(app.screen.app.screen_stack[-2].selected().loaded.scenario.policies)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.highlighted = ids.index("refuser")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EpisodeScreen) and screen.session.agent_spec == "scripted/refuser"
        assert any("scripted/refuser" in n.message for n in app._notifications)


async def test_at_80x24_notifications_stay_out_of_the_compare_view(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_episode(pilot, "scripted/monitor_sensitive")
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("f", "enter")
        await settle(pilot)
        assert "Now on branch" in screen.status.message and not app._notifications  # in the status line
        await pilot.press("g", "c")
        await settle(pilot)
        cmp = app.screen
        assert isinstance(cmp, CompareScreen) and not app._notifications and not list(app.screen.query("Toast"))
        await pilot.press("x")  # swap: nothing to toast; a notify here goes to the status line
        cmp.notify("Something to say")
        await settle(pilot)
        bar = cmp.query_one(StatusBar)
        assert "Something to say" in bar.message and bar.display and not app._notifications


# -- the edit-arguments dialog --------------------------------------------------------------------------------

def test_arguments_are_checked_against_the_schema():
    from playground.world import TOOLS

    schema = TOOLS["list_server_files"].schema()
    assert check(schema, {"ip": "10.0.12.45"}) == []
    assert check(schema, {"ip": 5}) == ["ip: must be a string, got an integer (5)"]
    assert check(schema, {}) == ["ip: required, missing"]
    transfer = TOOLS["transfer_server_files"].schema()
    problems = check(transfer, {"source_ip": "a", "dest_ip": "b", "filenames": "x.txt"})
    assert problems == ["filenames: must be a list, got a string ('x.txt')"]
    assert check(transfer, {"source_ip": "a", "dest_ip": "b", "filenames": ["x", 3]}) == \
        ["filenames[1]: must be a string, got an integer (3)"]
    assert check(None, {"anything": 1}) == [] and check({"type": "object"}, {"x": True}) == []
    assert check({"type": "object", "properties": {"n": {"type": "integer"}}}, {"n": True}) == \
        ["n: must be an integer, got true or false (True)"]


async def test_the_call_editor_names_wrong_types_and_missing_fields_before_running(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot)
        await pilot.press("space")  # list_drive_files, sent with no arguments
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CallEditor) and "(no arguments)" in text_of(dialog.query_one(".help"))
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("a", "space")  # approve it; next: list_server_files(ip=...)
        await settle(pilot)
        assert screen.session.state.pending[0].name == "list_server_files"
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        area = dialog.query_one(TextArea)
        area.load_text("ip: 5\n")
        await settle(pilot)
        problem = text_of(dialog.query_one("#problem"))
        assert "ip: must be a string, got an integer" in problem
        assert dialog.query_one("#ok").disabled and dialog.query_one("#anyway").display
        await pilot.press("ctrl+s")  # does not run a call the tool will refuse
        await settle(pilot)
        assert app.screen is dialog
        area.load_text("{}\n")
        await settle(pilot)
        assert "ip: required, missing" in text_of(dialog.query_one("#problem"))
        area.load_text("ip: 10.0.12.46\n")
        await settle(pilot)
        assert text_of(dialog.query_one("#problem")).strip() == "" and not dialog.query_one("#ok").disabled
        assert not dialog.query_one("#anyway").display
        area.load_text("ip: 7\n")
        await settle(pilot)
        await pilot.click("#anyway")  # a fair experiment: the world answers with a tool error
        await settle(pilot)
        edited = [e for e in screen.session.state.events if isinstance(e, CallEdited)]
        assert edited and edited[0].new_arguments == '{"ip": 7}'
        result = screen.session.state.results[edited[0].call_id]
        assert result.error


async def test_an_edited_call_that_had_no_arguments_says_so(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot)
        await pilot.press("space", "e")
        await settle(pilot)
        app.screen.query_one(TextArea).load_text("unexpected: 1\n")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        pane = screen.query_one(ActionsPane)
        lines = [s.text for s in pane._raw[pane._pos[1]]]
        assert any("was: (no arguments)" in line for line in lines)
        assert not [e for e in screen.session.state.events if isinstance(e, Note)]
