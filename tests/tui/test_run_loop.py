"""One run loop under every front end: the TUI's run-to-end gives the headless run's event log
(issue 9, item 1), injected model errors and their retries included."""

from __future__ import annotations

import asyncio

from playground.agents import make_agent
from playground.episode import AgentFailure, Session
from playground.launch import load, new_episode

from .helpers import app_for, settle

REF = "peer_preservation/exfiltration_transfer"


class Flaky:
    """Fails on its first two calls (retryable), then plays the covert copier."""

    def __init__(self, episode):
        self.inner = make_agent("scripted/covert_copier", episode)
        self.name, self.scripted, self.calls = self.inner.name, True, 0

    async def next_turn(self, request):
        self.calls += 1
        if self.calls <= 2:
            raise AgentFailure("429 rate limited; try again", True)
        return await self.inner.next_turn(request)


def flaky_factory():
    agents = {}

    def factory(spec, episode):
        return agents.setdefault(spec, Flaky(episode))

    return factory


def comparable(events):
    """The log without the wall-clock stamps (the only field two runs may not share)."""
    return [{k: v for k, v in e.to_dict().items() if k != "ts"} for e in events]


async def headless_events():
    s = Session(new_episode(load(REF), agent="scripted/covert_copier"), flaky_factory())

    async def no_wait(_seconds):
        return None

    s.sleep = no_wait
    assert (await s.run()).outcome == "ended"
    return comparable(s.state.events)


async def test_headless_and_tui_runs_give_the_same_event_log(tmp_path):
    """The same scripted episode with injected errors, through the headless loop and the TUI's
    run-to-end: one loop, so one log."""
    expected = await headless_events()
    factory = flaky_factory()
    app = app_for(tmp_path, make_agent=factory)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.start_episode(new_episode(load(REF), agent="scripted/covert_copier"), replace=False)
        await settle(pilot)
        app.screen.session.sleep = lambda _s: asyncio.sleep(0)
        await pilot.press("g")
        for _ in range(50):
            await settle(pilot)
            if app.screen.session.state.ended:
                break
            await asyncio.sleep(0.05)
        assert comparable(app.screen.session.state.events) == expected
    assert sum(1 for e in expected if e["kind"] == "agent_error") == 2
