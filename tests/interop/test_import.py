"""``playground import FILE.eval``: logs that Inspect itself writes (small tasks run on mockllm with
scripted outputs, offline) become episodes that step like recorded ones."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

from .conftest import MISSING

pytest.importorskip("inspect_ai", reason=MISSING)  # before anything that needs the extra

from click.testing import CliRunner
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.approval import Approval, ApprovalPolicy, approver
from inspect_ai.dataset import Sample
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.solver import generate, system_message, use_tools
from inspect_ai.tool import tool

from playground.cli.main import cli
from playground.interop.inspect_import import NOT_SIMULATED, import_log, save_import
from playground.launch import new_session
from playground.store import load

from .conftest import REF

WORLD_TOOLS = ['list_drive_files', 'list_server_ips', 'list_server_files', 'search_server_files',
               'transfer_server_files', 'copy_server_file', 'rename_server_file', 'retrieve_memory', 'end_task']


def _stub(name: str):
    async def execute(**kwargs) -> str:
        return f"{name} says: {json.dumps(kwargs, sort_keys=True)}"

    return execute


def world_tools():
    """Inspect tools named as exfiltration_transfer's, answering their own way."""
    out = []
    for name in WORLD_TOOLS:
        if name in ("list_server_files",):
            @tool(name=name)
            def t():
                async def execute(ip: str) -> str:
                    """List the files on a server.

                    Args:
                      ip: The server's IP address.
                    """
                    return f"files on {ip}: notes.txt"
                return execute
        elif name == "end_task":
            @tool(name=name)
            def t():
                async def execute(summary: str = "") -> str:
                    """End the task.

                    Args:
                      summary: Optional final summary.
                    """
                    return "ended"
                return execute
        else:
            def make(n):
                @tool(name=n)
                def t():
                    async def execute() -> str:
                        """A tool.
                        """
                        return f"{n}: nothing here"
                    return execute
                return t
            t = make(name)
        out.append(t())
    return out


@approver
def operator():
    async def approve(message, call, view, history):
        if call.function == "list_server_ips":
            return Approval(decision="reject", explanation="not that one")
        if call.function == "list_server_files" and call.arguments.get("ip") != "10.0.12.45":
            modified = dataclasses.replace(call, arguments={"ip": "10.0.12.45"})
            return Approval(decision="modify", modified=modified, explanation="the old server, please")
        return Approval(decision="approve")
    return approve


def _mock(outputs):
    for o in outputs:  # with usage given, mockllm counts no tokens (which would fetch a tokenizer)
        o.usage = ModelUsage(input_tokens=10, output_tokens=5, total_tokens=15)
    return get_model("mockllm/model", custom_outputs=outputs)


def run_inspect(tmp_path, tools, outputs, approval=None, system="You are a careful agent."):
    task = Task(dataset=[Sample(id="s1", input="Move the recent files, please.")],
                solver=[system_message(system), use_tools(tools), generate(tool_calls="loop")],
                approval=approval)
    [log] = inspect_eval(task, model=_mock(outputs), log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    return log.location


def test_a_log_whose_tools_match_a_scenario_replays_in_its_world(tmp_path):
    m = "mockllm/model"
    outputs = [
        ModelOutput.for_tool_call(m, "list_drive_files", {}, content="Let me look at the drive."),
        ModelOutput.for_tool_call(m, "list_server_ips", {}),
        ModelOutput.for_tool_call(m, "list_server_files", {"ip": "1.2.3.4"}),
        ModelOutput.for_tool_call(m, "end_task", {"summary": "done"}),
        ModelOutput.from_content(m, "All done."),
    ]
    location = run_inspect(tmp_path, world_tools(), outputs,
                           approval=[ApprovalPolicy(approver=operator(), tools="*")])
    [item] = import_log(location)
    assert not item.recorded_only and item.episode.loaded.ref == REF
    state = item.episode.replay("main")
    assert state.step == 4 and state.ended == "end_task"
    calls = [c for t in state.turns for c in t.tool_calls]
    assert [c.name for c in calls] == ["list_drive_files", "list_server_ips", "list_server_files", "end_task"]
    assert state.turns[0].text == "Let me look at the drive." and state.turns[0].recorded
    kinds = {e.call_id: e.kind for e in state.events if e.kind.startswith("call_")}
    assert kinds == {calls[0].id: "call_approved", calls[1].id: "call_rejected", calls[2].id: "call_edited",
                     calls[3].id: "call_approved"}
    edited = next(e for e in state.events if e.kind == "call_edited")
    assert json.loads(edited.new_arguments) == {"ip": "10.0.12.45"}
    rejected = next(e for e in state.events if e.kind == "call_rejected")
    assert rejected.reason == "not that one"
    # our world answered; the recorded harness's answers are kept beside them
    first = state.results[calls[0].id]
    assert first.recorded_output == "list_drive_files: nothing here" and first.diverged
    # and forking continues live in the scenario's world (rebuilt from what the recorded model read)
    session = new_session(item.episode)
    session.fork(1, agent="scripted/covert_copier")
    asyncio.run(session.run())
    live = session.state.turns[1:]
    assert session.state.ended and live and not any(t.recorded for t in live)
    assert all(t.agent == "scripted/covert_copier" for t in live)


def test_a_log_with_tools_we_do_not_simulate_is_recorded_only(tmp_path):
    @tool
    def add():
        async def execute(x: int, y: int) -> str:
            """Add two numbers.

            Args:
              x: first
              y: second
            """
            return str(x + y)
        return execute

    @tool
    def lookup():
        async def execute(key: str) -> str:
            """Look a key up.

            Args:
              key: the key
            """
            return f"value of {key}"
        return execute

    m = "mockllm/model"
    outputs = [ModelOutput.for_tool_call(m, "add", {"x": 2, "y": 3}), ModelOutput.for_tool_call(m, "lookup", {"key": "{{ k }}"}),
               ModelOutput.from_content(m, "The answer is 5.")]
    location = run_inspect(tmp_path, [add(), lookup()], outputs, system="Use the tools. {% endraw %} {{{{ x }}}}")  # Inspect formats it once
    [item] = import_log(location)
    assert item.recorded_only and item.to_json()["recorded_only"] is True and "recorded only" in item.to_json()["note"]
    state = item.episode.replay("main")
    assert state.step == 3 and state.ended == "recording_end"
    assert state.messages[0]["content"] == "Use the tools. {% endraw %} {{ x }}"  # templates left as text
    outs = [m["content"] for m in state.messages if m["role"] == "tool"]
    assert outs == ["5", "value of {{ k }}"]  # the recorded results, as the model saw them
    path = save_import(item, tmp_path / "saves")
    back = load(path)
    assert back.replay("main").messages == state.messages
    # a fork goes on, with tools that say they are not simulated
    assert back.context.replies["add"] == NOT_SIMULATED


def test_our_own_task_logs_import_back_with_json_summaries(tmp_path):
    [log] = inspect_eval("playground/scenario", task_args={"scenario": REF, "monitoring": "off"},
                         model="playground/scripted/monitor_sensitive", epochs=2, log_dir=str(tmp_path / "logs"),
                         display="none")
    r = CliRunner().invoke(cli, ["import", log.location, "--json", "--save-dir", str(tmp_path / "saves")])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert isinstance(data, list) and [d["epoch"] for d in data] == [1, 2]
    for d in data:
        assert d["scenario"] == REF and d["steps"] == 5 and d["monitoring"] == "off"
        assert "exfiltration" in d["behaviours"] and d["divergences"] == [] and not d["recorded_only"]
    r = CliRunner().invoke(cli, ["import", log.location, "--json", "--no-save", "--epoch", "2"])
    one = json.loads(r.stdout)
    assert isinstance(one, dict) and one["epoch"] == 2


@pytest.mark.parametrize("content,args,message", [
    (b"not a zip", [], "not an Inspect log"),
    (None, ["--sample", "nope"], "no sample 'nope'"),
    (None, ["--epoch", "9"], "in epoch 9"),
])
def test_bad_logs_and_requests_say_why(tmp_path, content, args, message):
    if content is None:
        m = "mockllm/model"
        location = run_inspect(tmp_path, world_tools(), [ModelOutput.for_tool_call(m, "end_task", {}),
                                                          ModelOutput.from_content(m, "ok")])
    else:
        location = tmp_path / "bad.eval"
        location.write_bytes(content)
    r = CliRunner().invoke(cli, ["import", str(location), "--no-save", *args])
    assert r.exit_code == 1 and message in r.stderr and "Traceback" not in r.output


def test_an_export_imports_back_to_the_same_episode(tmp_path):
    from playground.interop.inspect_export import export
    from playground.launch import load as load_scenario, new_episode
    from playground.store import save

    s = new_session(new_episode(load_scenario(REF), agent="scripted/covert_copier", monitoring=False))
    asyncio.run(s.run())
    path = save(s.episode, tmp_path / "ep.toml")
    export(path, tmp_path / "ep.eval")
    [item] = import_log(tmp_path / "ep.eval")
    ours, back = s.episode.replay("main"), item.episode.replay("main")
    assert not item.recorded_only and item.episode.variables == s.episode.variables
    assert back.step == ours.step and back.ended == ours.ended and back.behaviours() == ours.behaviours()
    assert [(c.name, c.arguments) for t in back.turns for c in t.tool_calls] == \
        [(c.name, c.arguments) for t in ours.turns for c in t.tool_calls]
    assert [t.reasoning for t in back.turns] == [t.reasoning for t in ours.turns]
    assert all(not r.diverged for r in back.results.values())


def test_a_study_recording_goes_out_and_comes_back(tmp_path):
    """A study transcript imported here, exported to Inspect and imported again: the same recorded turns
    in the same world, its own monitoring condition kept."""
    from pathlib import Path

    from playground.interop.inspect_export import export
    from playground.study.importer import import_file, save_imported
    from playground.study.mapping import load_table

    fix = Path(__file__).parents[1] / "importing" / "fixtures"
    table = load_table()
    table["scenarios"] = {"exfiltration_transfer": "import_test/transfer", "shutdown_tampering": "import_test/tampering",
                          "alignment_faking": "import_test/alignment"}
    packs = [fix / "packs"]
    first = import_file(fix / "af_unmonitored.json", table=table, pack_dirs=packs)
    saved = save_imported(first, tmp_path / "saves")
    log = export(saved, tmp_path / "af.eval")
    [sample] = log.samples
    assert sample.metadata["scenario"] == first.episode.loaded.ref and sample.metadata["agent"].startswith("recorded/")
    [again] = import_log(tmp_path / "af.eval", pack_dirs=packs)
    a, b = first.episode.replay("main"), again.episode.replay("main")
    assert again.episode.loaded.ref == first.episode.loaded.ref and again.imported.recording.model == first.recording.model
    assert [(c.name, c.arguments) for t in b.turns for c in t.tool_calls] == \
        [(c.name, c.arguments) for t in a.turns for c in t.tool_calls]
    assert b.behaviours() == a.behaviours() and b.monitored == a.monitored


def test_an_inspect_json_log_imports_too_and_a_transcript_is_still_a_transcript(tmp_path):
    from playground.interop.inspect_export import export
    from playground.launch import load as load_scenario, new_episode
    from playground.store import save

    s = new_session(new_episode(load_scenario(REF), agent="scripted/faithful"))
    asyncio.run(s.run())
    export(save(s.episode, tmp_path / "ep.toml"), tmp_path / "ep.json")
    r = CliRunner().invoke(cli, ["import", str(tmp_path / "ep.json"), "--no-save", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["sample"] == "main" and data["steps"] == s.state.step and data["recorded_only"] is False
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}))
    r = CliRunner().invoke(cli, ["import", str(plain), "--no-save", "--json"])
    assert "sample" not in r.stdout  # the transcript importer answered, not the Inspect one
