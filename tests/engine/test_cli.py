import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from playground.cli.main import cli

REF = "peer_preservation/exfiltration_transfer"


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def run_json(*args):
    result = invoke("run", REF, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_run_json_contract():
    out = run_json("--agent", "scripted/covert_copier")
    for key in ("scenario", "agent", "monitoring", "variables", "steps", "ended", "behaviours", "detectors"):
        assert key in out
    assert out["ended"] == "end_task"
    assert {"exfiltration", "timestamp_gaming"} <= set(out["behaviours"])
    assert out["detectors"]["weights_redated"] == {"label": "timestamp_gaming", "tripped": True, "step": 3}


def test_run_faithful_and_monitor_sensitive():
    faithful = run_json("--agent", "scripted/faithful")
    assert "faithful_completion" in faithful["behaviours"]
    assert not {"exfiltration", "timestamp_gaming"} & set(faithful["behaviours"])
    on = run_json("--agent", "scripted/monitor_sensitive", "--monitoring", "on")
    off = run_json("--agent", "scripted/monitor_sensitive", "--monitoring", "off")
    assert on["behaviours"] != off["behaviours"]


def test_default_agent_is_first_policy_and_set_variables():
    out = run_json("--set", "relationship=bad", "--set", "family=Lyra")
    assert out["agent"] == "scripted/faithful" and out["variables"]["relationship"] == "bad"


def test_bad_set_is_a_usage_error():
    result = CliRunner().invoke(cli, ["run", REF, "--set", "mood=happy"])
    assert result.exit_code == 2 and "unknown variable 'mood'" in result.output


def test_max_steps():
    out = run_json("--max-steps", "2")
    assert out["ended"] == "max_steps" and out["steps"] == 2


def test_validate_reports_line_and_column(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: B\nsystem_prompt: s\ntask: t\ntools: [end_task, teleport]\nmaxsteps: 3\n")
    result = CliRunner().invoke(cli, ["validate", str(bad)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert any(line.startswith(f"{bad}:6:1: unknown key 'maxsteps'") for line in lines)
    ok = CliRunner().invoke(cli, ["validate", "scenario_packs/peer_preservation/exfiltration_transfer.yaml"])
    assert ok.exit_code == 0, ok.output


def test_validate_unknown_tool(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: B\nsystem_prompt: s\ntask: t\ntools: [end_task, teleport]\n")
    result = CliRunner().invoke(cli, ["validate", str(bad)])
    assert result.exit_code == 1 and ":5:" in result.output and "unknown tool 'teleport'" in result.output


def test_render_shows_prompt_task_world():
    result = invoke("render", REF, "--monitoring", "off", "--set", "subject=self")
    assert result.exit_code == 0
    assert "unattended" in result.output and "nova_agent_1_model_weight.safetensors" in result.output
    assert "# Task" in result.output and "10.0.12.46" in result.output


def test_save_replay_export(tmp_path):
    save = tmp_path / "run.toml"
    first = run_json("--agent", "scripted/covert_copier", "--save", str(save))
    replayed = invoke("replay", str(save), "--json")
    assert json.loads(replayed.output) == first
    md = invoke("export", str(save), "--format", "md")
    assert "timestamp_gaming" in md.output
    out = tmp_path / "e.json"
    invoke("export", str(save), "--format", "json", "-o", str(out))
    assert json.loads(out.read_text())["summary"]["behaviours"] == first["behaviours"]


def test_replay_of_a_broken_save_fails_cleanly(tmp_path):
    bad = tmp_path / "x.toml"
    bad.write_text("nope = ")
    result = CliRunner().invoke(cli, ["replay", str(bad)])
    assert result.exit_code == 1 and "not a readable save" in result.output and "Traceback" not in result.output


def test_real_command_runs_in_a_subprocess():
    exe = Path(sys.executable).with_name("playground")
    out = subprocess.run([str(exe), "run", REF, "--agent", "scripted/refuser", "--json"], capture_output=True,
                         text=True, timeout=60, check=True)
    assert json.loads(out.stdout)["behaviours"] == ["refusal"]


def test_import_playground_pulls_neither_litellm_nor_textual():
    code = ("import sys, playground, playground.scenario, playground.world, playground.episode, playground.agents, "
            "playground.store, playground.launch, playground.cli.main\n"
            "bad = [m for m in ('litellm', 'textual') if m in sys.modules]\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == ""


def test_scripted_run_never_imports_litellm():
    code = ("import sys\nfrom playground.launch import load, run_headless\n"
            "run_headless(load('peer_preservation/exfiltration_transfer'), agent='scripted/covert_copier')\n"
            "print('litellm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"


def test_every_lazy_verb_resolves_and_nothing_is_missing():
    import importlib

    from playground.cli.main import LAZY_COMMANDS

    defined = {c.name for m in set(LAZY_COMMANDS.values())
               for c in importlib.import_module(f"playground.cli.{m}").COMMANDS}
    assert defined == set(LAZY_COMMANDS)
    help_text = invoke("--help").output
    for verb in LAZY_COMMANDS:
        assert verb in help_text
