"""Slowing a population down instead of failing it: when one episode is told to wait (a 429,
a dropped connection), every episode waits before its next model call, so a rate limit thins the
whole run's traffic rather than failing the episodes one after another.

``Throttle.pause`` is what the sessions sleep with (``Session.sleep``); ``Gated`` wraps an agent so
each call first waits out a pause any episode asked for.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable

from ..episode import Agent, Episode, ModelTurn, TurnRequest


class Throttle:
    def __init__(self, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._sleep = sleep
        self._clock = clock
        self.until = 0.0  # no model call starts before this time
        self.pauses = 0  # how often an episode asked to wait (a figure for the progress line)

    async def pause(self, seconds: float) -> None:
        """One episode was told to wait ``seconds``: so does every other one, from now."""
        self.pauses += 1
        self.until = max(self.until, self._clock() + max(0.0, seconds))
        await self.wait()

    async def wait(self) -> None:
        while (left := self.until - self._clock()) > 0:
            await self._sleep(left)


class Gated:
    """An agent whose every call waits out the throttle first."""

    def __init__(self, agent: Agent, throttle: Throttle) -> None:
        self.inner = agent
        self.throttle = throttle
        self.name = agent.name
        self.scripted = agent.scripted

    async def next_turn(self, request: TurnRequest) -> ModelTurn:
        await self.throttle.wait()
        return await self.inner.next_turn(request)

    def __getattr__(self, name: str) -> Any:  # recorded_result and the like
        return getattr(self.inner, name)


def gated(make_agent: Callable[[str, Episode], Agent], throttle: Throttle) -> Callable[[str, Episode], Agent]:
    def make(spec: str, episode: Episode) -> Agent:
        agent = make_agent(spec, episode)
        return agent if agent.scripted else Gated(agent, throttle)  # scripted agents never wait for anyone

    return make
