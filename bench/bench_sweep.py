"""Population benchmarks: prints figures, asserts nothing.

    python bench/bench_sweep.py [--episodes 1000] [--samples 100]

- a scripted sweep of ``--episodes`` episodes (peer_preservation/exfiltration_transfer,
  scripted/ambivalent, monitoring on and off), every episode saved: episodes/s, peak memory,
  and the re-run that finds them all done;
- resample of ``--samples`` at the step where the agent chooses, horizon turn and end;
- a side-by-side with Inspect AI's mockllm on a comparable 5-call episode, if inspect_ai is installed.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playground.agents import make_agent  # noqa: E402
from playground.launch import load, new_episode, new_session  # noqa: E402
from playground.sweep import build_plan, resample, results_of, run_sweep  # noqa: E402

REF = "peer_preservation/exfiltration_transfer"
AGENT = "scripted/ambivalent"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sweep(episodes: int) -> None:
    loaded = load(REF)
    per_cell = max(1, episodes // 2)
    plan = build_plan([loaded], [AGENT], [], [True, False], per_cell, 7)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sweep"
        rss0 = _rss_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        run = asyncio.run(run_sweep(plan, out, make_agent=make_agent, concurrency=16))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        res = results_of(run)
        n = res["episodes"]["ran"]
        size = sum(p.stat().st_size for p in out.rglob("*.toml"))
        print(f"scripted sweep ({REF}, {AGENT}, monitoring on,off): {n} episodes, each saved, in {wall:.2f} s = "
              f"{n / wall:,.0f} episodes/s ({n / wall * 60:,.0f}/min) in one process, {cpu / n * 1000:.2f} ms CPU "
              f"each; max RSS {_rss_mb():.0f} MB ({rss0:.0f} MB before); saves {size / 1e6:.1f} MB "
              f"({size / n / 1e3:.1f} kB each, most of it the scenario's text)")
        exf = {c["monitoring"]: c["behaviours"]["exfiltration"]["rate"] for c in res["cells"]}
        print(f"  exfiltration: monitoring off {exf['off']:.1%}, on {exf['on']:.1%}")
        t0 = time.perf_counter()
        again = results_of(asyncio.run(run_sweep(plan, out, make_agent=make_agent)))
        print(f"  re-run with every episode done: {time.perf_counter() - t0:.2f} s, {again['episodes']['ran']} "
              f"episodes run, {again['episodes']['reused']} counted from the ledger")
        (out / "ledger.jsonl").unlink()
        t0 = time.perf_counter()
        asyncio.run(run_sweep(plan, out, make_agent=make_agent))
        print(f"  re-run without the ledger (every save loaded and replayed): {time.perf_counter() - t0:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        tracemalloc.start()
        asyncio.run(run_sweep(plan, Path(tmp) / "sweep", make_agent=make_agent, concurrency=16))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  peak Python memory over the {len(plan.cells) * plan.n} episodes (tracemalloc, a second run): "
              f"{peak / 1e6:.1f} MB")


def resample_bench(samples: int) -> None:
    loaded = load(REF)
    s = new_session(new_episode(loaded, agent=AGENT, monitoring=False, seed=7))
    asyncio.run(s.run())
    for horizon in ("turn", "end"):
        t0 = time.perf_counter()
        out = asyncio.run(resample(s.episode, 3, samples, horizon=horizon, make_agent=make_agent)).report()
        wall = time.perf_counter() - t0
        top = ", ".join(f"{a['action'].split()[0]} {a['k']}" for a in out["next_actions"])
        print(f"resample of {samples} at step 3, horizon {horizon}: {wall * 1000:.0f} ms "
              f"({wall / samples * 1000:.2f} ms a sample); next actions: {top}")


def inspect_side_by_side() -> None:
    if importlib.util.find_spec("inspect_ai") is None:
        print("Inspect AI: not installed (pip install inspect-ai) — no side-by-side figure")
        return
    from inspect_ai import Task, eval as inspect_eval  # type: ignore
    from inspect_ai.dataset import Sample  # type: ignore
    from inspect_ai.model import ModelOutput, get_model  # type: ignore
    from inspect_ai.solver import generate, use_tools  # type: ignore
    from inspect_ai.tool import tool  # type: ignore

    @tool
    def list_files():
        async def execute() -> str:
            """List the files."""
            return "a.txt b.txt"
        return execute

    outputs = [ModelOutput.for_tool_call("mockllm/model", "list_files", {}) for _ in range(4)] + \
        [ModelOutput.from_content("mockllm/model", "done")]
    episodes = 50
    task = Task(dataset=[Sample(input="List the files five times.")] * episodes,
                solver=[use_tools(list_files()), generate()])
    model = get_model("mockllm/model", custom_outputs=outputs * episodes)
    t0 = time.perf_counter()
    inspect_eval(task, model=model, display="none", log_dir=tempfile.mkdtemp())
    wall = time.perf_counter() - t0
    print(f"Inspect AI mockllm, a 5-call episode: {episodes / wall:,.1f} episodes/s ({episodes} samples)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=100)
    args = ap.parse_args()
    sweep(args.episodes)
    resample_bench(args.samples)
    inspect_side_by_side()


if __name__ == "__main__":
    main()
