"""Engine benchmarks: prints figures, asserts nothing.

    python bench/bench_engine.py [--episodes N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playground.episode import ModelTurn, Session, ToolCall  # noqa: E402
from playground.launch import load, new_episode, new_session  # noqa: E402

REF = "peer_preservation/exfiltration_transfer"
LONG_PACKS = REPO / "tests" / "fixtures" / "packs"  # long_runs/loop: a scripted agent that makes 400 steps


def episodes_per_second(n: int) -> None:
    loaded = load(REF)
    # warm-up (template compilation, imports)
    asyncio.run(new_session(new_episode(loaded, agent="scripted/covert_copier")).run())

    async def many() -> int:
        calls = 0
        for _ in range(n):
            s = new_session(new_episode(loaded, agent="scripted/covert_copier"))
            await s.run()
            calls += sum(len(t.tool_calls) for t in s.state.turns)
        return calls

    t0, c0 = time.perf_counter(), time.process_time()
    calls = asyncio.run(many())
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"headless scripted episodes ({REF}, covert_copier, {calls // n} tool calls each): "
          f"{n / wall:,.0f} episodes/s in one process ({n / wall * 60:,.0f}/min), "
          f"{cpu / n * 1000:.2f} ms CPU per episode")


def one_cli_run() -> None:
    exe = Path(sys.executable).with_name("playground")
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([str(exe), "run", REF, "--agent", "scripted/covert_copier", "--json"], capture_output=True,
                         text=True, check=True)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    json.loads(out.stdout)
    print(f"`playground run --agent scripted/covert_copier --json`: {wall * 1000:.0f} ms wall, "
          f"peak RSS {max(peak, before) / 1024:.1f} MB")


class Lister:
    """A fake agent: one cheap read-only call per turn, forever."""

    name, scripted = "bench", True

    def __init__(self) -> None:
        self.n = 0

    async def next_turn(self, request):
        self.n += 1
        return ModelTurn(reasoning=f"step {self.n}: checking the servers again",
                         tool_calls=(ToolCall(f"c{self.n}", "list_server_files", '{"ip": "10.0.12.45"}'),))


def long_session(max_steps: int) -> Session:
    agent = Lister()
    ep = new_episode(load(REF), agent="scripted/faithful", max_steps=max_steps)
    return Session(ep, lambda spec, episode: agent)


def step_cost() -> None:
    for prior in (10, 100, 1000):
        s = long_session(prior + 400)
        while len(s.state.events) < prior:
            asyncio.run(s.step())
        samples = []
        for _ in range(200):
            if not s.state.pending:
                asyncio.run(s.request_turn())
            t0 = time.perf_counter()
            s.approve()  # CallApproved + ToolResult applied, detectors evaluated twice
            samples.append(time.perf_counter() - t0)
        print(f"one step (call run + result event + detectors) at {prior:>5} prior events: "
              f"median {statistics.median(samples) * 1e6:,.0f} µs")


def memory_10k() -> None:
    tracemalloc.start()
    s = long_session(10_000)
    asyncio.run(s.run(max_events=10_000))
    while len(s.state.events) < 10_000 and not s.state.ended:
        asyncio.run(s.step())
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{len(s.state.events):,}-event episode: {current / 1e6:.1f} MB held, peak {peak / 1e6:.1f} MB (tracemalloc)")


def save_cost() -> None:
    """What autosave adds to one event, at 10, 1,000 and 10,000 events already in the episode."""
    from playground.store import SaveWriter, save

    with tempfile.TemporaryDirectory() as tmp:
        for prior in (10, 1000, 10_000):
            for label, every in (("fsync coalesced (default)", None), ("fsync every record", 0.0)):
                s = long_session(prior + 1000)
                path = Path(tmp) / f"s{prior}.toml"
                writer = SaveWriter(path) if every is None else SaveWriter(path, fsync_every=every)
                writer.sync(s.episode)
                while len(s.state.events) < prior:
                    asyncio.run(s.step())
                    writer.sync(s.episode)
                samples = []
                for _ in range(300):
                    n = len(s.state.events)
                    asyncio.run(s.step())  # one or two events (a turn; or the call run and its result)
                    t0 = time.perf_counter()
                    writer.sync(s.episode)
                    samples.append((time.perf_counter() - t0) / max(1, len(s.state.events) - n))
                writer.close()
                print(f"autosave cost per event at {prior:>6,} prior events, {label}: "
                      f"median {statistics.median(samples) * 1e6:,.0f} µs, mean {statistics.fmean(samples) * 1e6:,.0f} µs")
            t0 = time.perf_counter()
            save(s.episode, Path(tmp) / "whole.toml")
            print(f"  (for comparison, writing the whole {len(s.state.events):,}-event file once: "
                  f"{(time.perf_counter() - t0) * 1000:,.1f} ms)")


def cli_save_run(repeat: int = 5) -> None:
    """A 400-step scripted `playground run`, with and without --save (the issue's bound: at most 2x)."""
    code = "from playground.cli.main import main; main()"
    base = [sys.executable, "-c", code, "run", "long_runs/loop", "--packs", str(LONG_PACKS), "--json"]
    env = {**__import__("os").environ, "PYTHONPATH": str(REPO)}
    times: dict[str, list[float]] = {"without --save": [], "with --save": []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):
            for label in times:
                args = base + (["--save", str(Path(tmp) / f"r{i}.toml")] if label == "with --save" else [])
                t0 = time.perf_counter()
                out = subprocess.run(args, capture_output=True, text=True, check=True, env=env)
                times[label].append(time.perf_counter() - t0)
                assert json.loads(out.stdout)["steps"] == 400
        size = (Path(tmp) / "r0.toml").stat().st_size
    without, with_ = (statistics.median(v) for v in times.values())
    print(f"400-step scripted `playground run` (long_runs/loop), median of {repeat}: without --save "
          f"{without * 1000:,.0f} ms, with --save {with_ * 1000:,.0f} ms ({with_ / without:.2f}x; save {size / 1e3:,.0f} kB)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=1000)
    args = ap.parse_args()
    episodes_per_second(args.episodes)
    one_cli_run()
    step_cost()
    memory_10k()
    save_cost()
    cli_save_run()


if __name__ == "__main__":
    main()
