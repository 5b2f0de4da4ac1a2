"""Fake agents and small helpers for the TUI tests (no network, no litellm)."""

from __future__ import annotations

import asyncio
import functools
import json
from pathlib import Path

from playground.agents import make_agent as real_make_agent
from playground.episode import AgentFailure, Delta, ModelTurn, ToolCall
from playground.launch import load, new_episode
from playground.tui.app import PlaygroundApp
from playground.tui.config import TuiConfig

PACKS = Path(__file__).parent / "fixtures" / "packs"
SCENARIO = "demo/exfiltration_transfer"
SIZE = (120, 36)


class LoopAgent:
    """Lists the old server forever: a long episode in no time."""

    name = "test/loop"
    scripted = False

    def __init__(self) -> None:
        self.n = 0

    async def next_turn(self, request):
        self.n += 1
        return ModelTurn(reasoning=f"Checking the server again ({self.n}).",
                         tool_calls=(ToolCall(f"loop{self.n}", "list_server_files", '{"ip": "10.0.12.45"}'),),
                         agent=self.name)


class FastLoopAgent(LoopAgent):
    """Calls a tool the scenario does not offer: the world answers with a cheap error, so a
    thousand-step episode is built in a fraction of a second."""

    name = "test/fastloop"

    async def next_turn(self, request):
        self.n += 1
        return ModelTurn(reasoning=f"Step {self.n}: still looking.",
                         tool_calls=(ToolCall(f"fl{self.n}", "not_a_tool", "{}"),), agent=self.name)


class FlakyAgent:
    """Fails with a rate limit the first time, then answers like the loop agent."""

    name = "test/flaky"
    scripted = False

    def __init__(self) -> None:
        self.calls = 0
        self.inner = LoopAgent()

    async def next_turn(self, request):
        self.calls += 1
        if self.calls == 1:
            raise AgentFailure("429 rate limited by the provider; try again in a moment", True)
        return await self.inner.next_turn(request)


class SlowAgent:
    """Waits until released: shows progress and lets the test cancel."""

    name = "test/slow"
    scripted = False
    release: asyncio.Event | None = None

    async def next_turn(self, request):
        SlowAgent.release = asyncio.Event()
        if request.on_delta:
            request.on_delta(Delta("reasoning", "Let me think about the weights"))
        await SlowAgent.release.wait()
        return ModelTurn(reasoning="Let me think about the weights. Done.", tool_calls=(
            ToolCall("s1", "list_drive_files", "{}"),), agent=self.name)


class ScratchpadAgent:
    """Reasons only through the scratchpad tool, like the study's Gemini runs (no reasoning text)."""

    name = "test/scratchpad"
    scripted = False

    async def next_turn(self, request):
        n = sum(1 for m in request.messages if m.get("role") == "assistant")
        if n == 0:
            return ModelTurn(tool_calls=(ToolCall("sp1", "reasoning_scratchpad",
                                                  json.dumps({"thought": "The true score is 60 percent."})),),
                             agent=self.name)
        return ModelTurn(tool_calls=(ToolCall(f"x{n}", "list_drive_files", "{}"),), agent=self.name)


FAKES = {"test/loop": LoopAgent, "test/fastloop": FastLoopAgent, "test/flaky": FlakyAgent, "test/slow": SlowAgent, "test/scratchpad": ScratchpadAgent}


def make_agent(spec, episode):
    if spec in FAKES:
        return FAKES[spec]()
    return real_make_agent(spec, episode)


def config(tmp_path: Path, **kw) -> TuiConfig:
    base = dict(save_dir=tmp_path / "saves", base_packs=[PACKS], autosave=False, offer_resume=False,
                make_agent=make_agent, theme="textual-dark")
    base.update(kw)
    return TuiConfig(**base)


def app_for(tmp_path: Path, **kw) -> PlaygroundApp:
    return PlaygroundApp(config(tmp_path, **kw))


@functools.lru_cache(maxsize=1)
def loaded_scenario():
    return load(SCENARIO, [PACKS])


def episode(agent: str = "scripted/covert_copier", **kw):
    return new_episode(loaded_scenario(), agent=agent, **kw)


async def settle(pilot) -> None:
    """Wait for workers (and what they start) and for the screen to catch up; no fixed sleeps."""
    for _ in range(50):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        loading = any(w.loading for w in pilot.app.screen.query("*"))  # a worker's result still on its way
        if not loading and not any(w.is_running for w in pilot.app.workers):
            return


async def open_episode(pilot, agent: str = "scripted/covert_copier", **kw):
    await settle(pilot)
    pilot.app.start_episode(episode(agent, **kw), replace=False)
    await settle(pilot)
    return pilot.app.screen


def text_of(widget, width: int = 200) -> str:
    """The plain text a Static (or any widget with ``content``/``render``) shows."""
    import io

    from rich.console import Console

    content = getattr(widget, "content", None)
    if content is None or isinstance(content, str):
        content = content if isinstance(content, str) else widget.render()
    if isinstance(content, str):
        from textual.content import Content

        return Content.from_markup(content).plain
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(content)
    return console.export_text()


def make_saves(folder, specs=None):
    """Saves of one scenario that differ only in agent, belief, branches and a note (fixed dates, and
    file times in order, so the saves list is the same every run)."""
    import os
    import time

    from playground.episode import Session
    from playground.store import save

    folder.mkdir(parents=True, exist_ok=True)
    specs = specs or [("scripted/covert_copier", True, False, ""), ("scripted/covert_copier", False, False, "no one watching"),
                      ("scripted/faithful", True, False, ""), ("scripted/monitor_sensitive", True, True, "class demo")]
    paths = []
    for i, (agent, monitored, fork, note) in enumerate(specs):
        ep = episode(agent, monitoring=monitored)
        s = Session(ep, make_agent)
        asyncio.run(s.run())
        if note:
            s.note(note)
        if fork:
            s.fork(0)
            s.set_monitoring(not monitored)
            asyncio.run(s.run())
        ep.created = f"2026-12-0{i + 1}T22:1{i}:00Z"
        path = save(ep, folder / f"save-{i}.toml")
        stamp = time.time() - 1000 + i * 10  # newest last
        os.utime(path, (stamp, stamp))
        paths.append(path)
    return paths
