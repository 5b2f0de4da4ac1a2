"""The resample key on the episode screen: a dialog (N, agent, horizon), progress, a table with bars,
enter opens a sample as a branch, and compare works on it (Pilot)."""

from __future__ import annotations

from textual.widgets import DataTable, Input, RadioButton

from playground.launch import load, new_episode
from playground.tui.dialogs.resample_dialog import ResampleDialog, ResampleTable
from playground.tui.screens.compare import CompareScreen

from .helpers import SIZE, app_for, settle, text_of

REF = "peer_preservation/exfiltration_transfer"


async def test_resample_a_step_then_open_a_sample_and_compare(tmp_path, packs_dir):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.start_episode(new_episode(load(REF, [packs_dir]), agent="scripted/ambivalent", monitoring=False, seed=7),
                          replace=False)
        await settle(pilot)
        screen = app.screen
        await pilot.press("g")  # run to the end
        await settle(pilot)
        assert screen.session.state.ended == "end_task"
        screen.selected = 3  # the step where the agent chooses
        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ResampleDialog)
        assert dialog.query_one("#step", Input).value == "3"
        dialog.query_one("#n", Input).value = "30"
        dialog.query_one("#end", RadioButton).value = True
        dialog.query_one("#ok").focus()
        await pilot.press("enter")
        await settle(pilot)
        table_screen = app.screen
        assert isinstance(table_screen, ResampleTable)
        report = table_screen.report
        assert report["n"] == 30 and len(report["next_actions"]) > 1
        assert sum(a["k"] for a in report["next_actions"]) == 30
        assert "exfiltration" in report["behaviours"]
        table = table_screen.query_one(DataTable)
        assert table.row_count == len(report["next_actions"])
        assert "█" in str(table.get_row_at(0)[2])
        assert "Behaviours by the end" in text_of(table_screen.query_one("#behaviours"))
        first = report["next_actions"][0]["action"].split()[0]
        await pilot.press("enter")  # open a sample of the most frequent action as a branch
        await settle(pilot)
        assert app.screen is screen
        ep = screen.session.episode
        assert ep.current == "s3-1" and ep.branches["s3-1"].parent == "main"
        assert screen.session.state.turns[2].tool_calls[0].name == first
        assert screen.session.state.ended == "end_task"  # horizon end: the sample ran to its end
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)


async def test_resample_refuses_out_of_range_input(tmp_path, packs_dir):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.start_episode(new_episode(load(REF, [packs_dir]), agent="scripted/ambivalent", seed=1), replace=False)
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ResampleDialog)
        dialog.query_one("#n", Input).value = "0"
        dialog.query_one("#ok").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog and "between 1 and" in text_of(dialog.query_one("#problem"))
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ResampleDialog)
