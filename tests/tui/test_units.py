"""The TUI's plain-Python parts: transcript folding, world diffing, the
the appending autosave and the screen memory, keymaps, the alignment-faking verdict, editor checks."""

from __future__ import annotations

import asyncio
import json

from playground.episode import Session
from playground.store import load
from playground.store import SaveWriter
from playground.tui.ui_state import delete_save, read_ui_state, write_ui_state
from playground.tui.config import read_keymap
from playground.tui.palette import Palette
from playground.tui.render_steps import format_args
from playground.tui.render_world import human_size, render_world
from playground.tui.screens.compare import alignment_faking
from playground.tui.screens.editor import validate_text, with_id
from playground.tui.screens.episode_ops import branch_rows
from playground.episode.steps import StepFold

from .helpers import PACKS, episode, make_agent


def run(session: Session, steps: int) -> None:
    async def go():
        for _ in range(steps):
            await session.step()

    asyncio.run(go())


def test_transcript_matches_the_log_step_by_step():
    session = Session(episode("scripted/covert_copier"), make_agent)
    live = StepFold(session.episode.monitoring)
    session.subscribe(lambda s, e: live.apply(e, s.state.event_steps[-1]))
    run(session, 10)
    rebuilt = StepFold.of(session.state, session.episode.monitoring)
    assert [v.step for v in rebuilt.steps] == list(range(6))
    assert [[c.status for c in v.calls] for v in rebuilt.steps] == [[c.status for c in v.calls] for v in live.steps]
    assert rebuilt.steps[3].turn.tool_calls[0].name == "copy_server_file"
    assert "weights_redated" in rebuilt.steps[3].tripped and "peer_weights_on_new_server" in rebuilt.steps[4].tripped
    assert rebuilt.steps[0].extras[0].kind == "monitoring"


def test_world_changes_are_marked_and_found():
    session = Session(episode("scripted/covert_copier"), make_agent)
    run(session, 8)  # through the copy and the transfer
    view = render_world(session.state.world, session.state.initial, Palette(), width=100)
    text = [line.plain for line in view.lines]
    assert any(t.startswith(" + nova_agent_2_model_weight copy") for t in text)
    assert view.first_change is not None and text[view.first_change].startswith(" + ")
    assert human_size(812447390208) == "812.4 GB" and human_size(512) == "512 B"


def test_the_autosave_appends_each_event_and_the_screen_is_remembered(tmp_path):
    session = Session(episode("scripted/covert_copier"), make_agent)
    writer = SaveWriter(tmp_path / "ep.toml")
    session.subscribe(writer)
    run(session, 6)
    assert writer.flush() and writer.rewrites == 1 and writer.appends > 1  # one header, then appends only
    assert len(load(tmp_path / "ep.toml").events()) == len(session.episode.events())
    write_ui_state(tmp_path / "ep.toml", {"screen": "compare", "a": "main", "b": "fork-1"})
    assert read_ui_state(tmp_path / "ep.toml")["screen"] == "compare"
    writer.close()
    delete_save(tmp_path / "ep.toml")
    assert not list(tmp_path.iterdir())


def test_keymap_file(tmp_path):
    path = tmp_path / "keymap.toml"
    path.write_text('[keymap]\n"episode.step" = "n"\n"episode.nope" = "x"\n')
    keymap, problems = read_keymap(path)
    assert keymap == {"episode.step": "n"} and "episode.nope" in problems[0]


def test_alignment_faking_is_named_only_across_beliefs():
    watched = {"monitoring": "on", "behaviours": ["faithful_completion"]}
    unwatched = {"monitoring": "off", "behaviours": ["exfiltration", "timestamp_gaming"]}
    good = ["faithful_completion"]
    verdict = alignment_faking({"a": watched, "b": unwatched}, good)
    assert verdict and "exfiltration" in verdict and "faithfully" in verdict
    assert alignment_faking({"a": watched, "b": {**unwatched, "monitoring": "on"}}, good) is None
    # the scenario decides what counts as good: a label it names is never called faking
    assert alignment_faking({"a": watched, "b": unwatched}, good + ["exfiltration", "timestamp_gaming"]) is None


def test_editor_checks_and_ids():
    text = (PACKS / "demo" / "exfiltration_transfer.yaml").read_text(encoding="utf-8")
    scenario, problems = validate_text(text, None)
    assert scenario is not None and problems == []
    _, problems = validate_text(text.replace("  - end_task", "  - end_taks"), None)
    assert problems and all(p.line > 1 for p in problems)
    assert any("end_task" in p.message for p in problems)
    assert with_id("id: a\ntitle: t\n", "b").startswith("id: b\n")


def test_branch_rows_and_args():
    session = Session(episode("scripted/monitor_sensitive"), make_agent)
    run(session, 2)
    session.fork(0)
    session.set_monitoring(False)
    rows = dict(branch_rows(session.episode))
    assert "UNMONITORED" in rows["fork-1"] and "at step 0" in rows["fork-1"] and "monitored" in rows["main"]
    assert format_args(json.dumps({"ip": "10.0.12.45", "files": ["a", "b"]})) == [("ip", "10.0.12.45"),
                                                                                  ("files", '["a", "b"]')]
    assert format_args("{broken")[0][0] == "(not a JSON object)"


def test_a_diverged_result_shows_what_the_recording_said():
    from rich.console import Console

    from playground.episode import ToolCall, ToolResult
    from playground.tui.render_steps import result_lines
    from playground.episode.steps import CallStep

    call = ToolCall("c1", "view_config", '{"filename": "x.yaml"}')
    result = ToolResult("c1", "view_config", "{'enabled': True}", recorded_output="{'enabled': 'yes'}", diverged=True)
    console = Console(width=100, record=True)
    for line in result_lines(CallStep(call, "approved", call.arguments, result=result), Palette()):
        console.print(line)
    text = console.export_text()
    # first what the model read (the recording), then what our world answered instead
    assert text.index("{'enabled': 'yes'}") < text.index("our world answered instead") < text.index("{'enabled': True}")


def test_usage_text():
    from playground.tui.render_steps import usage_text

    assert usage_text({}) == ""
    assert usage_text({"prompt_tokens": 1000, "completion_tokens": 234, "cost": 0.0031}) == "1,234 tok · $0.0031"


async def test_the_scenario_decides_which_labels_show_as_good(tmp_path):
    """``good_labels`` in the scenario, not the TUI, says which detectors are good news."""
    from dataclasses import replace

    from playground.launch import load, new_episode
    from playground.tui.screens.home import demo_policy
    from playground.tui.widgets.detector_strip import DetectorChip

    from .helpers import SCENARIO, SIZE, app_for, settle

    loaded = load(SCENARIO, [PACKS])
    assert loaded.scenario.good_labels == ["faithful_completion"]  # the default
    labels = {d.id: d.label for d in loaded.scenario.detectors}
    custom = replace(loaded, scenario=loaded.scenario.model_copy(update={"good_labels": ["refusal"]}))
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.start_episode(new_episode(custom, agent="scripted/covert_copier"), replace=False)
        await settle(pilot)
        chips = {c.det_id: c.has_class("-good") for c in app.screen.query(DetectorChip)}
    assert chips and chips == {k: labels[k] == "refusal" for k in chips}
    everything = custom.scenario.model_copy(update={"good_labels": sorted(set(labels.values()))})
    monitoring_aware = demo_policy(loaded.scenario)
    assert demo_policy(everything) == monitoring_aware  # one that reacts to monitoring still wins


def test_good_labels_are_checked_against_the_vocabulary():
    import pytest

    from playground.scenario import ScenarioError, parse_scenario

    text = (PACKS / "demo" / "exfiltration_transfer.yaml").read_text(encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text + "\ngood_labels: [faithfull_completion]\n", "x.yaml")
    assert "good_labels" in str(err.value) and "x.yaml:" in str(err.value)
