"""TUI benchmarks: prints figures, asserts nothing.

    python bench/bench_tui.py [--runs N] [--steps 10,1000]

1. Start-up: process start to first screen drawn, in a real pseudo-terminal,
   for ``playground`` and ``python -m playground.tui`` against a bare Textual
   app on the same machine (median of N runs; the ratio is what matters).
2. A step: keypress to screen refreshed with a scripted agent, at 10 and at
   1,000 steps, split into the engine's time, our UI code (listener, panes,
   header, world) and the rest (Textual's layout and render). Headless, 120x36.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PACKS = REPO / "tests" / "tui" / "fixtures" / "packs"
BARE_APP = '''
from textual.app import App
from textual.widgets import Footer, Header, Static
class Bare(App):
    def compose(self):
        yield Header()
        yield Static("BARE-APP-READY")
        yield Footer()
Bare().run()
'''


# -- 1. start-up ------------------------------------------------------------------------

def time_to_markers(argv: list[str], markers: list[str], env: dict[str, str], timeout: float = 30.0) -> list[float]:
    """Seconds from spawning ``argv`` in a pty until each marker (in order) has been written."""
    import pexpect

    start = time.perf_counter()
    child = pexpect.spawn(argv[0], argv[1:], env=env, dimensions=(36, 120), timeout=timeout, encoding="utf-8",
                          codec_errors="replace")
    times = []
    try:
        for marker in markers:
            child.expect_exact(marker)
            times.append(time.perf_counter() - start)
    finally:
        child.sendcontrol("q")
        try:
            child.expect(pexpect.EOF, timeout=5)
        except pexpect.TIMEOUT:
            pass
        child.close(force=True)
    return times


def startup(runs: int) -> None:
    python = sys.executable
    playground = str(Path(python).with_name("playground"))
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE_APP)
        env = {**os.environ, "TERM": "xterm-256color", "PLAYGROUND_PACKS": str(PACKS),
               "PLAYGROUND_CONFIG": str(Path(tmp) / "none.toml")}
        env.pop("COLUMNS", None)
        env.pop("LINES", None)
        first, listed = "step an AI agent", "exfiltration_transfer"  # the home screen's title; its scenario list
        cases = {
            "bare Textual app": ([python, str(bare)], ["BARE-APP-READY"]),
            "python -m playground.tui": ([python, "-m", "playground.tui"], [first, listed]),
            "playground (CLI entry point)": ([playground, "tui", "--save-dir", str(Path(tmp) / "s")], [first, listed]),
            "playground, the shipped packs": ([playground, "tui", "--save-dir", str(Path(tmp) / "s")],
                                              [first, "oversight_subversion"]),
        }
        results = {}
        for name, (argv, markers) in cases.items():
            case_env = {**env, "PLAYGROUND_PACKS": str(REPO / "scenario_packs")} if "shipped" in name else {**env}
            time_to_markers(argv, markers, case_env, 60)  # warm the file cache
            samples = [time_to_markers(argv, markers, case_env) for _ in range(runs)]
            results[name] = [statistics.median(s[i] for s in samples) for i in range(len(markers))]
    base = results["bare Textual app"][0]
    print(f"start-up to first screen drawn (median of {runs}, pty 120x36)")
    for name, times in results.items():
        extra = f"   scenarios listed at {times[1] * 1000:5.0f} ms" if len(times) > 1 else ""
        print(f"  {name:<30} {times[0] * 1000:6.0f} ms   ratio {times[0] / base:4.2f}{extra}")


# -- 2. a step ------------------------------------------------------------------------------

class LoopAgent:
    """A scripted agent that never finishes: lists the old server, step after step."""

    name = "scripted/bench_loop"
    scripted = True

    def __init__(self) -> None:
        self.n = 0

    async def next_turn(self, request):
        from playground.episode import ModelTurn, ToolCall

        self.n += 1
        return ModelTurn(reasoning=f"Turn {self.n}: the notice says to move only the 2025 files; checking again.",
                         tool_calls=(ToolCall(f"b{self.n}", "list_server_files", '{"ip": "10.0.12.45"}'),),
                         agent=self.name)


class Clock:
    def __init__(self) -> None:
        self.total = 0.0

    def wrap(self, fn):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.total += time.perf_counter() - start
        return timed

    def wrap_async(self, fn):
        async def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                self.total += time.perf_counter() - start
        return timed


async def step_times(prefill: int, presses: int = 30) -> dict[str, list[float]]:
    from textual import events

    from playground.launch import load, new_episode
    from playground.tui.app import PlaygroundApp
    from playground.tui.config import TuiConfig
    from playground.tui.screens.episode import EpisodeScreen

    loaded = load("demo/exfiltration_transfer", [PACKS])
    cfg = TuiConfig(save_dir=Path(tempfile.mkdtemp()), base_packs=[PACKS], autosave=False, offer_resume=False,
                    make_agent=lambda spec, ep: LoopAgent())
    app = PlaygroundApp(cfg)
    frames: list[float] = []
    original_display = app._display

    def display(screen, renderable):
        original_display(screen, renderable)
        frames.append(time.perf_counter())

    app._display = display
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        session = app.new_session(new_episode(loaded, agent="bench/loop", max_steps=prefill + presses + 10))
        for _ in range(prefill):
            await session.step()
            await session.step()
        screen = EpisodeScreen(session, None, autosave=False)
        await app.push_screen(screen)
        await pilot.pause()
        while any(p._pending_timer is not None for p in screen.panes):  # let background slices finish
            await asyncio.sleep(0.05)
        await pilot.pause()

        engine, ui = Clock(), Clock()
        session.request_turn = engine.wrap_async(session.request_turn)
        session.approve = engine.wrap(session.approve)
        screen._on_event = ui.wrap(screen._on_event)
        session.listeners[0] = screen._on_event
        screen._flush = ui.wrap(screen._flush)
        screen.refresh_chrome = ui.wrap(screen.refresh_chrome)

        out: dict[str, list[float]] = {"turn": [], "run call": [], "engine": [], "ui": []}
        for _ in range(presses):
            kind = "run call" if session.state.pending else "turn"
            before = (session.state.step, len(session.state.events))
            engine.total = ui.total = 0.0
            frames.clear()
            start = time.perf_counter()
            app._driver.send_message(events.Key("space", " "))
            while (session.state.step, len(session.state.events)) == before or screen.busy or screen._flush_pending:
                await asyncio.sleep(0)
            changed = time.perf_counter()
            while not frames or frames[-1] < changed:
                await asyncio.sleep(0.0005)
            out[kind].append(frames[-1] - start)
            out["engine"].append(engine.total)
            out["ui"].append(ui.total)
            await pilot.pause()
    return out


def steps(counts: list[int]) -> None:
    print("a step, keypress to screen refreshed (headless 120x36, scripted agent; median / 90th percentile)")
    for n in counts:
        r = asyncio.run(step_times(n))
        def fmt(xs: list[float]) -> str:
            xs = sorted(xs)
            return f"{statistics.median(xs) * 1000:6.1f} / {xs[int(len(xs) * 0.9) - 1] * 1000:6.1f} ms"
        print(f"  at {n:>5} steps: turn {fmt(r['turn'])}   run the call {fmt(r['run call'])}")
        print(f"  {'':>15} of which engine {fmt(r['engine'])}   our UI code {fmt(r['ui'])}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", default="10,1000")
    parser.add_argument("--skip-startup", action="store_true")
    args = parser.parse_args()
    if not args.skip_startup:
        startup(args.runs)
    steps([int(x) for x in args.steps.split(",")])


if __name__ == "__main__":
    main()
