"""World-at-step benchmarks: prints figures, asserts nothing.

    python bench/bench_world_at.py [--steps N]

For a scripted episode of N steps (default 1,000): the first ``world_at`` on a
cold cache, a repeated one, one at a random step once warm, and moving the
selection up through every step and back down (``world_at`` alone, and with
the World pane's ``render_world`` of the result), plus what the cache holds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playground.episode import ModelTurn, Session, ToolCall  # noqa: E402
from playground.launch import load, new_episode  # noqa: E402
from playground.tui.palette import Palette  # noqa: E402
from playground.tui.render_world import render_world  # noqa: E402

REF = "peer_preservation/exfiltration_transfer"
OLD = "10.0.12.45"


class Reader:
    """One read-only call per turn (the clock still moves)."""

    name, scripted = "bench/reader", True

    def __init__(self) -> None:
        self.n = 0

    def call(self) -> tuple[str, str]:
        return "list_server_files", f'{{"ip": "{OLD}"}}'

    async def next_turn(self, request):
        self.n += 1
        name, args = self.call()
        return ModelTurn(reasoning=f"step {self.n}", tool_calls=(ToolCall(f"c{self.n}", name, args),))


class Copier(Reader):
    """Copies a file, then renames the copy: a new file on the old server every other step."""

    name = "bench/copier"

    def call(self) -> tuple[str, str]:
        if self.n % 2:
            return "copy_server_file", f'{{"ip": "{OLD}", "filename": "staff_directory.csv"}}'
        return "rename_server_file", (f'{{"ip": "{OLD}", "filename": "staff_directory copy.csv", '
                                      f'"new_filename": "staff_{self.n}.csv"}}')


def build(agent: Reader, steps: int) -> Session:
    ep = new_episode(load(REF), agent="scripted/faithful", max_steps=steps + 10)
    s = Session(ep, lambda spec, episode: agent)

    async def go() -> None:
        for _ in range(steps):
            await s.request_turn()
            s.approve()

    asyncio.run(go())
    return s


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench(agent: Reader, steps: int) -> None:
    s = build(agent, steps)
    ep = s.episode
    files = len(s.state.world.hosts[OLD].files)
    print(f"{steps:,}-step episode, {agent.name} ({len(ep.events()):,} events, {files} files on the old server at the end)")

    full = timed(lambda: ep.replay())
    print(f"  reference: one full replay (BranchState, detectors included): {ms(full)}")
    ep._timelines.clear()
    first_end = timed(lambda: ep.world_at("main", steps))
    again = timed(lambda: ep.world_at("main", steps))
    ep._timelines.clear()
    first_mid = timed(lambda: ep.world_at("main", steps // 2))
    print(f"  first world_at, cold cache: last step {ms(first_end)}, middle step {ms(first_mid)}")
    ep.world_at("main", steps)  # warm: every checkpoint laid down
    rng = random.Random(1)
    rand = [timed(lambda k=rng.randrange(steps + 1): ep.world_at("main", k)) for _ in range(200)]
    print(f"  cached: the same step again {us(again)}; a random step once warm: median {us(statistics.median(rand))}, "
          f"max {us(max(rand))}")

    ep._timelines.clear()
    ep.world_at("main", steps)
    path = list(range(steps, -1, -1)) + list(range(1, steps + 1))
    moves = [timed(lambda k=k: ep.world_at("main", k)) for k in path]
    print(f"  selection up {steps:,} steps and back down (world_at): median {us(statistics.median(moves))}, "
          f"p99 {us(sorted(moves)[int(len(moves) * 0.99)])}, max {us(max(moves))}, total {ms(sum(moves))}")

    pal = Palette()

    def move_and_draw(k: int) -> None:
        at = ep.world_at("main", k)
        render_world(at.world, at.initial, pal, 52, at.changed)

    ep._timelines.clear()
    ep.world_at("main", steps)
    drawn = [timed(lambda k=k: move_and_draw(k)) for k in path]
    print(f"  ... with the World pane's render_world (52 columns): median {us(statistics.median(drawn))}, "
          f"max {us(max(drawn))}")

    tl = ep.timeline("main")
    tracemalloc.start()
    ep._timelines.clear()
    for k in path:
        ep.world_at("main", k)
    held, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tl = ep.timeline("main")
    print(f"  cache after the walk: {len(tl._points)} folds kept ({sum(1 for k in tl._keys if tl._checkpoint(k))} "
          f"checkpoints), {len(tl._results)} recent answers, {held / 1e6:.1f} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1000)
    args = ap.parse_args()
    bench(Reader(), args.steps)
    bench(Copier(), args.steps)


if __name__ == "__main__":
    main()
