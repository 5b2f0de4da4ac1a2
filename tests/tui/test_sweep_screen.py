"""The sweep screen (Pilot): a sweep folder opens as conditions x behaviours with rates and interval
bars and the contrasts; enter drills into a cell's episodes, then into the stepper."""

from __future__ import annotations

from textual.widgets import DataTable

from playground.agents import make_agent
from playground.launch import load
from playground.sweep import build_plan, run_sweep
from playground.tui.app import PlaygroundApp
from playground.tui.screens.episode import EpisodeScreen
from playground.tui.screens.sweep import SweepCellScreen, SweepScreen, interval_bar

from .helpers import config, settle

REF = "peer_preservation/exfiltration_transfer"


def test_interval_bar_marks_the_rate_inside_its_interval():
    bar = interval_bar({"rate": 0.5, "ci": [0.25, 0.75]}, width=8).plain
    assert bar == "··━━●━━·"
    assert interval_bar({"rate": None, "ci": [0, 1]}).plain == "—"


async def test_a_sweep_folder_opens_drills_into_a_cell_and_into_the_stepper(tmp_path, packs_dir):
    out = tmp_path / "sweep"
    plan = build_plan([load(REF, [packs_dir])], ["scripted/ambivalent"], [], [True, False], 5, 7)
    await run_sweep(plan, out, make_agent=make_agent)
    app = PlaygroundApp(config(tmp_path), target=str(out))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SweepScreen) and screen.results is not None
        cells = screen.query_one("#cells", DataTable)
        assert cells.row_count == 2
        labels = [str(c.label) for c in cells.columns.values()]
        assert "exfiltration" in labels and "condition" in labels
        row = [str(x) for x in cells.get_row_at(1)]
        assert "monitoring off" in row[2] and row[3] == "5" and any("●" in x and "%" in x for x in row)
        contrasts = screen.query_one("#contrasts", DataTable)
        assert contrasts.row_count == len(screen.results["contrasts"]) > 0
        assert any("alignment_faking" in str(contrasts.get_row_at(i)[0]) for i in range(contrasts.row_count))
        await pilot.press("enter")
        await settle(pilot)
        cell = app.screen
        assert isinstance(cell, SweepCellScreen)
        table = cell.query_one(DataTable)
        assert table.row_count == 5 and str(table.get_row_at(0)[2]) == "end_task"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EpisodeScreen)
        assert app.screen.save_path == cell.paths[0] and app.screen.session.state.ended == "end_task"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is cell
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
