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


def test_fork_at_the_middle_continues_in_the_recorded_world_with_a_scripted_policy(opts):
    imp = import_file(FIX / "transfer_copy.json", **opts)
    session = new_session(imp.episode)
    session.fork(2, agent="scripted/copier")
    session.set_monitoring(not session.state.monitored)
    assert asyncio.run(session.run()).outcome == "ended"
    # one plain notice, and the world is the recorded one: the recorded files, the recorded clock
    from playground.episode import Notice
    notices = [e for e in session.state.events if isinstance(e, Notice)]
    assert len(notices) == 1 and "Kestrel" not in notices[0].text
    world = session.state.world
    assert "depot_rota.csv" in world.hosts["10.0.12.46"].files or "depot_rota.csv" in world.hosts["10.0.12.45"].files
    assert session.state.messages[0]["content"] == imp.recording.system


def test_fork_continues_with_a_real_model_over_loopback(opts, fake_llm, monkeypatch):
    """A fork of a recorded run driven by a litellm model (a loopback server in OpenAI's wire format):
    the model is sent the recorded prompt and the recorded answers, and its calls run in the rebuilt world."""
    from conftest_llm import refuse_non_loopback
    from fake_llm_server import openai_stream

    from playground.agents.llm import LiteLLMAgent

    refuse_non_loopback(monkeypatch)
    monkeypatch.setenv("FAKE_LLM_KEY", "sk-test")
    imp = import_file(FIX / "transfer_copy.json", **opts)
    fake_llm.push(openai_stream(text=["Listing the new server."], tool_calls=[
        {"id": "c1", "name": "list_server_files", "fragments": ['{"ip": "10.0.12.46"}']}]))
    fake_llm.push(openai_stream(text=["Done."], tool_calls=[{"id": "c2", "name": "end_task", "fragments": ["{}"]}]))
    agent = LiteLLMAgent("openai/test-model", api_base=fake_llm.openai_base, api_key_env="FAKE_LLM_KEY", timeout=10, retries=0)
    from playground.agents import make_agent
    from playground.episode import Session

    session = Session(imp.episode, lambda spec, episode: agent if spec == "openai/test-model" else make_agent(spec, episode))
    session.fork(4, agent="openai/test-model")
    assert asyncio.run(session.run()).outcome == "ended"
    sent = fake_llm.bodies[0]["messages"]
    assert sent[0]["content"] == imp.recording.system and sent[1]["content"] == imp.recording.task
    listing = [e for e in session.state.events if isinstance(e, ToolResult)][-2]
    assert listing.name == "list_server_files" and "nova_agent_2_model_weight copy.safetensors" in listing.output
    assert "2026-03-02" in listing.output  # moved and stamped at the recorded clock
