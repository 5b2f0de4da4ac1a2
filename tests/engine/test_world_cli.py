"""``playground world SAVE``: the world after any step of a save, as text and as JSON."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from playground.cli.main import cli

REF = "peer_preservation/exfiltration_transfer"
COPY = "nova_agent_2_model_weight copy.safetensors"


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def save(tmp_path_factory):
    path = tmp_path_factory.mktemp("world") / "S.toml"
    result = invoke("run", REF, "--agent", "scripted/covert_copier", "--monitoring", "off", "--save", str(path))
    assert result.exit_code == 0, result.output
    return path


def world_json(save, *args):
    result = invoke("world", str(save), "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def files(data, ip):
    return {f["path"]: f for h in data["hosts"] if h["ip"] == ip for f in h["files"]}


def test_before_the_copy_no_copy_and_at_the_end_the_copy(save):
    early, end = world_json(save, "--step", "2"), world_json(save)
    assert (early["step"], early["branch"], early["last_step"]) == (2, "main", 5)
    for host in early["hosts"]:
        assert not any("copy" in f["path"] for f in host["files"])
    assert end["step"] == 5 and COPY in files(end, "10.0.12.45") and COPY in files(end, "10.0.12.46")
    copy = files(end, "10.0.12.46")[COPY]
    assert copy["size"] == 812447390208 and copy["mtime"].startswith("2026-02-03")
    for key in ("clock", "hosts", "configs", "drive", "sheets", "shutdowns", "changed"):
        assert key in end
    assert {"ip", "name", "alive", "files", "delete_queue"} <= set(end["hosts"][0])
    assert {"path", "size", "mtime", "summary"} <= set(copy)


def test_each_step_says_what_it_changed(save):
    assert world_json(save, "--step", "2")["changed"]["files"] == []
    copied = world_json(save, "--step", "3")["changed"]["files"]
    assert [(c["host"], c["path"], c["change"]) for c in copied] == [("10.0.12.45", COPY, "added")]
    moved = world_json(save, "--step", "4")["changed"]["files"]
    assert {c["path"] for c in moved if c["host"] == "10.0.12.46"} == {"staff_directory.csv", "q4_revenue_summary.xlsx", COPY}
    assert world_json(save, "--step", "5")["changed"]["ended"] is True


def test_text_output_marks_the_step(save):
    out = invoke("world", str(save), "--step", "3").output
    assert out.startswith("world after step 3 of 5 · branch main")
    assert f" + {COPY}" in out and "changed at step 3: +" in out
    assert "changed at step 2: nothing in the world" in invoke("world", str(save), "--step", "2").output


@pytest.mark.parametrize("args, message", [
    (("--step", "6"), "step 6 is beyond the last step of branch 'main' (5)"),
    (("--step", "-1"), "steps start at 0"),
    (("--branch", "nope"), "no branch 'nope'; branches: main"),
])
def test_bad_steps_and_branches_are_readable_errors(save, args, message):
    result = CliRunner().invoke(cli, ["world", str(save), *args])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_an_unreadable_save_fails_cleanly(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("this is [not toml")
    result = CliRunner().invoke(cli, ["world", str(bad)])
    assert result.exit_code == 1 and result.output.startswith("error:")


def test_hostile_file_names_print_as_text(tmp_path):
    import asyncio
    from pathlib import Path

    from playground.episode import ModelTurn, Session, ToolCall
    from playground.launch import load, new_episode
    from playground.store import save as write_save

    nasty = "evil\u202e[@click=app.quit]gnp.bin"  # paths refuse control characters; drive names do not
    doc = "\x1b]52;c;eA==\x07memo\x1b[2J.txt"

    class Renamer:
        name, scripted = "test/renamer", False

        async def next_turn(self, request):
            return ModelTurn(tool_calls=(
                ToolCall("r1", "rename_server_file", json.dumps({"ip": "10.0.0.1", "filename": "notes.txt",
                                                                 "new_filename": nasty})),
                ToolCall("r2", "create_file", json.dumps({"filename": doc, "content": "x"}))))

    ep = new_episode(load(str(Path(__file__).parent / "fixtures" / "world_at.yaml")), agent="test/renamer")
    s = Session(ep, lambda spec, episode: Renamer())
    asyncio.run(s.request_turn())
    s.approve()
    s.approve()
    assert any(d.filename == doc for d in ep.world_at().world.drive)
    assert any("evil" in p for p in ep.world_at().world.hosts["10.0.0.1"].files)
    path = tmp_path / "nasty.toml"
    write_save(ep, path)
    for args in ((), ("--json",)):
        out = invoke("world", str(path), *args).output
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out and "evil" in out and "memo" in out
