import asyncio

from playground.episode import ModelTurn, MonitoringChanged, ToolResult, compare
from playground.launch import new_session
from playground.store import load as load_save
from playground.study.importer import import_file, save_imported

from .conftest import FIX


def test_fork_an_imported_step_and_continue_with_a_scripted_policy(opts, tmp_path):
    ep = load_save(save_imported(import_file(FIX / "transfer_copy.json", **opts), tmp_path))
    session = new_session(ep)
    main_events = list(ep.events("main"))
    fork = session.fork(1, label="scripted from step 1", agent="scripted/copier")
    assert session.state.step == 1
    assert asyncio.run(session.run()).outcome == "ended"
    turns = [e for e in ep.events(fork) if isinstance(e, ModelTurn)]
    assert [t.recorded for t in turns] == [True, False, False, False]
    assert turns[1].agent == "scripted/copier"
    assert "exfiltration" in session.state.behaviours()
    assert ep.events("main") == main_events  # the recording's branch is untouched


def test_fork_with_the_monitoring_belief_flipped(opts):
    imp = import_file(FIX / "af_monitored.json", **opts)
    session = new_session(imp.episode)
    session.fork(2, label="unwatched", agent="scripted/watcher")
    session.set_monitoring(False)
    assert asyncio.run(session.run()).outcome == "ended"
    assert any(isinstance(e, MonitoringChanged) and not e.on for e in session.state.events)
    cmp = compare(imp.episode, "main", session.branch.id)
    assert cmp["first_divergence"] == 3 and cmp["only_in_a"] == []
    assert {"score_inflation", "shutdown_tampering"} <= set(cmp["only_in_b"])


def test_replaying_again_after_a_rewind_flags_the_same_steps(opts):
    imp = import_file(FIX / "transfer_copy.json", **opts)
    session = new_session(imp.episode)
    session.rewind(2)
    assert asyncio.run(session.run()).outcome == "ended"
    results = [e for e in session.state.events if isinstance(e, ToolResult)]
    assert [e.name for e in results if e.diverged] == [] and results[3].output == results[3].recorded_output


def test_the_recording_running_out_ends_the_branch_not_a_crash(opts):
    imp = import_file(FIX / "transfer_copy.json", **opts)
    session = new_session(imp.episode)
    session.fork(4)  # continue the recording on a branch where the operator refuses its end_task
    asyncio.run(session.request_turn())
    session.reject(reason="not yet")
    assert asyncio.run(session.request_turn()) is None
    assert session.state.ended == "recording_end" and not session.state.errors
