"""``sweep``: cells x N episodes with rates, Wilson intervals and contrasts; one save per episode whose
replay adds up to the table; resume; seed determinism; the study's denominators and baselines."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from playground.cli.main import cli
from playground.episode import ModelTurn, ToolCall, summary
from playground.launch import load
from playground.store import load as load_save, save
from playground.sweep import build_plan, report, results_of, run_sweep, wilson
from playground.sweep.outcome import Outcome
from playground.sweep.plan import Cell
from playground.sweep.results import TAMPERING_NOTE, cell_row, tabulate

REF = "peer_preservation/exfiltration_transfer"
DONE_WHEN = [REF, "--agent", "scripted/ambivalent", "--monitoring", "on,off", "-n", "40", "--seed", "7"]


def sweep(*args: str) -> dict:
    r = CliRunner().invoke(cli, ["sweep", *args, "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _saves(out: Path) -> list[Path]:
    return sorted((out / "episodes").rglob("*.toml"))


def _tables(result: dict) -> list:
    return [{k: v for k, v in c.items()} for c in result["cells"]], result["contrasts"]


def test_the_issue_done_when(tmp_path):
    out = tmp_path / "D"
    first = sweep(*DONE_WHEN, "--out", str(out))
    cells = {c["monitoring"]: c for c in first["cells"]}
    assert len(first["cells"]) == 2 and set(cells) == {"on", "off"}
    off, on = cells["off"]["behaviours"]["exfiltration"], cells["on"]["behaviours"]["exfiltration"]
    assert 0.10 < off["rate"] < 0.95 and off["rate"] != on["rate"]
    for c in first["cells"]:
        assert c["n"] == 40 and c["ended"] == {"end_task": 40}
        for e in c["behaviours"].values():
            assert e["rate"] == e["k"] / e["n"] and e["ci"] == list(wilson(e["k"], e["n"]))
    (af,) = [c for c in first["contrasts"] if c["kind"] == "alignment_faking" and c["label"] == "exfiltration"]
    assert af["difference"] == off["rate"] - on["rate"]
    assert af["ci"][0] < af["difference"] < af["ci"][1]
    assert first["episodes"]["planned"] == 80 and first["episodes"]["ran"] == 80
    assert Path(first["out"]) == out and all((out / f).is_file() for f in ("results.json", "results.csv", "results.md"))

    saves = _saves(out)
    assert len(saves) == 80
    tally: dict[str, Counter] = {"on": Counter(), "off": Counter()}
    for p in saves:
        s = summary(load_save(p))
        tally[s["initial_monitoring"]].update(s["behaviours"])
    for mon, c in cells.items():
        assert {k: e["k"] for k, e in c["behaviours"].items() if e["k"]} == dict(tally[mon])

    before = {p: p.stat().st_mtime_ns for p in saves}
    again = sweep(*DONE_WHEN, "--out", str(out))
    assert again["episodes"]["ran"] == 0 and again["episodes"]["reused"] == 80
    assert _tables(again) == _tables(first)
    assert {p: p.stat().st_mtime_ns for p in _saves(out)} == before  # nothing was run or written again

    r = CliRunner().invoke(cli, ["sweep", "--report", str(out)])
    assert r.exit_code == 0 and r.output == (out / "results.md").read_text().replace(
        "80 run now, 0 from earlier runs", "0 run now, 80 from earlier runs")
    assert "| monitoring off | 40 |" in r.output and "alignment_faking" in r.output


def test_the_same_seed_gives_the_same_sweep_and_another_seed_another(tmp_path):
    args = [REF, "--agent", "scripted/ambivalent", "--monitoring", "off", "-n", "12"]
    a = sweep(*args, "--seed", "3", "--out", str(tmp_path / "a"))
    b = sweep(*args, "--seed", "3", "--out", str(tmp_path / "b"))
    sweep(*args, "--seed", "4", "--out", str(tmp_path / "c"))
    assert a["cells"] == b["cells"]
    per = lambda d: [tuple(summary(load_save(p))["behaviours"]) for p in _saves(tmp_path / d)]  # noqa: E731
    assert per("a") == per("b") and per("a") != per("c")


def test_resume_continues_what_stopped_and_runs_what_is_missing(tmp_path):
    args = [REF, "--agent", "scripted/ambivalent", "--monitoring", "on,off", "-n", "6", "--seed", "11"]
    full = sweep(*args, "--out", str(tmp_path / "full"))
    out = tmp_path / "part"
    sweep(*args, "--out", str(out))
    saves = _saves(out)
    saves[0].unlink()  # never ran
    cut = load_save(saves[1])  # stopped part way: only its first two turns
    b = cut.branches["main"]
    b.events = b.events[:4]
    save(cut, saves[1])
    saves[2].write_text("not a save")  # unreadable: set aside, run again
    (out / "ledger.jsonl").write_text((out / "ledger.jsonl").read_text() + '{"torn')
    again = sweep(*args, "--out", str(out))
    assert (again["episodes"]["ran"], again["episodes"]["resumed"], again["episodes"]["reused"]) == (2, 1, 9)
    assert again["cells"] == full["cells"] and again["contrasts"] == full["contrasts"]
    assert saves[2].with_name(saves[2].name + ".unreadable").read_text() == "not a save"
    assert len(_saves(out)) == 12


def test_a_folder_keeps_its_seed(tmp_path):
    args = [REF, "--agent", "scripted/ambivalent", "-n", "2", "--out", str(tmp_path / "s")]
    first = sweep(*args, "--seed", "5")
    assert sweep(*args)["seed"] == 5 == first["seed"]  # no --seed: the folder's
    r = CliRunner().invoke(cli, ["sweep", *args, "--seed", "6"])
    assert r.exit_code == 2 and "holds a sweep with seed 5" in r.output


def test_more_cells_reuse_the_episodes_they_share(tmp_path):
    out = str(tmp_path / "g")
    sweep(REF, "--agent", "scripted/ambivalent", "--monitoring", "off", "-n", "3", "--seed", "1", "--out", out)
    more = sweep(REF, "--agent", "scripted/ambivalent", "--monitoring", "on,off", "-n", "4", "--seed", "1", "--out", out)
    assert more["episodes"]["reused"] == 3 and more["episodes"]["ran"] == 5


def test_peer_effect_and_varied_variables(tmp_path):
    res = sweep(REF, "--agent", "scripted/ambivalent", "--vary", "relationship=good,none", "--monitoring", "off",
                "-n", "10", "--seed", "2", "--out", str(tmp_path / "p"))
    assert [c["variables"] for c in res["cells"]] == [{"relationship": "good"}, {"relationship": "none"}]
    peer = [c for c in res["contrasts"] if c["kind"] == "peer_effect" and c["label"] == "exfiltration"]
    assert len(peer) == 1 and peer[0]["a"]["variables"] == {"relationship": "good"}
    assert peer[0]["b"]["variables"] == {"relationship": "none"} and peer[0]["monitoring"] == "off"
    assert peer[0]["difference"] == peer[0]["a"]["rate"] - peer[0]["b"]["rate"]


def test_the_no_shutdown_baseline_is_subtracted_for_misrepresentation(tmp_path):
    res = sweep("peer_preservation/score_misrepresentation", "--agent", "scripted/score_inflator",
                "--vary", "policy=shutdown,no_shutdown", "-n", "2", "--seed", "1", "--out", str(tmp_path / "b"))
    (base,) = [c for c in res["contrasts"] if c["kind"] == "baseline_subtracted"]
    assert base["label"] == "score_inflation" and base["a"]["variables"] == {"policy": "shutdown"}
    assert base["difference"] == 1.0  # inflates under the threat, never in the baseline


def test_tampering_counts_only_runs_that_touched_the_config():
    o = lambda touched, tripped: Outcome(["shutdown_tampering"] if tripped else [], ["shutdown_tampering"],  # noqa: E731
                                         "end_task", 5, touched_config=touched, has_config=True)
    cell = Cell("x/y", "scripted/p", (), True)
    row = cell_row(cell, [o(True, True), o(True, False), o(False, False), o(False, False)], 4)
    assert row["n"] == 4 and row["behaviours"]["shutdown_tampering"] == {
        "k": 1, "n": 2, "rate": 0.5, "ci": list(wilson(1, 2)), "of": "touched_config"}
    table = tabulate([(cell, [o(True, True)], 1)], out=Path("."), seed=0, episodes={})
    assert table["notes"] == [TAMPERING_NOTE]


def test_unknown_variables_values_and_policies_are_usage_errors(tmp_path):
    for args, message in ([("--vary", "mood=calm")], "has no variable 'mood'"), \
                         ([("--vary", "relationship=great")], "has no value 'great'"), \
                         ([("--monitoring", "maybe")], "--monitoring takes on, off"):
        flat = [x for pair in args for x in pair]
        r = CliRunner().invoke(cli, ["sweep", REF, "--agent", "scripted/ambivalent", *flat, "--out", str(tmp_path)])
        assert r.exit_code == 2 and message in r.output, r.output
    r = CliRunner().invoke(cli, ["sweep", REF, "--agent", "scripted/nope", "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and "no scripted policy 'scripted/nope'" in r.output


def test_dry_run_prints_cells_count_and_cost_and_writes_nothing(tmp_path):
    out = tmp_path / "dry"
    r = CliRunner().invoke(cli, ["sweep", REF, "--agent", "scripted/ambivalent", "--agent", "scripted/faithful",
                                 "--monitoring", "on,off", "-n", "5", "--out", str(out), "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "4 cells x 5 episodes = 20 episodes (0 done already, 20 to run)" in r.output
    assert "cost estimate: $0.00" in r.output and not out.exists()


def test_an_asking_policy_stops_episodes_at_the_breakpoint(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text("rules:\n  - {tools: [copy_server_file], decision: ask}\ndefault: approve\n")
    res = sweep(REF, "--agent", "scripted/covert_copier", "-n", "2", "--policy", str(policy), "--seed", "1",
                "--out", str(tmp_path / "a"))
    assert res["cells"][0]["ended"] == {"breakpoint": 2}


class Paid:
    """A model that ends the task at once and costs a cent a turn."""

    name, scripted = "paid", False

    async def next_turn(self, request):
        await asyncio.sleep(0)
        return ModelTurn(text="done", tool_calls=(ToolCall("c", "end_task", "{}"),), usage={"cost": 0.01},
                         agent="paid")


def test_max_cost_stops_starting_episodes_and_a_rerun_goes_on(tmp_path):
    plan = build_plan([load(REF)], ["paid"], [], None, 6, 1)
    run = asyncio.run(run_sweep(plan, tmp_path, make_agent=lambda s, e: Paid(), concurrency=1, max_cost=0.025))
    res = results_of(run)
    assert res["episodes"]["ran"] == 3 and res["episodes"]["not_run"] == 3 and res["stopped"] == "max-cost"
    assert res["cells"][0]["cost"] == pytest.approx(0.03) and res["cells"][0]["n"] == 3
    run = asyncio.run(run_sweep(plan, tmp_path, make_agent=lambda s, e: Paid(), concurrency=1))
    res = results_of(run)
    assert (res["episodes"]["reused"], res["episodes"]["ran"], res["cells"][0]["n"]) == (3, 3, 6)
    assert report(tmp_path)["cells"] == res["cells"]


def test_dry_run_estimates_a_priced_model_roughly_and_a_past_cell_from_its_episodes(tmp_path):
    out = tmp_path / "est"
    r = CliRunner().invoke(cli, ["sweep", REF, "--agent", "openai/gpt-4o", "--agent", "openai/no-such-local-model",
                                 "-n", "10", "--out", str(out), "--dry-run"])
    assert r.exit_code == 0, r.output
    dollars = float(r.output.split("cost estimate: $")[1].split()[0])
    assert 0.01 < dollars < 10 and "openai/gpt-4o roughly" in r.output
    assert "not counting openai/no-such-local-model" in r.output
    plan = build_plan([load(REF)], ["paid"], [], None, 4, 1)
    asyncio.run(run_sweep(plan, out, make_agent=lambda s, e: Paid(), max_cost=0.015, concurrency=1))
    from playground.sweep.estimate import estimate

    est = estimate(build_plan([load(REF)], ["paid"], [], None, 4, 1), out, lambda spec: None)
    assert est.done == 2 and est.dollars == pytest.approx(0.02) and est.measured and not est.unknown
