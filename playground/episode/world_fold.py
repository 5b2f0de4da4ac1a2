"""What each event does to the simulated world, and nothing else.

The one place that knows it: ``BranchState`` folds every event through a
``WorldFold`` (and adds messages, detectors and the rest on top), and
``world_at`` replays the same fold from a checkpoint to get the world at any
step. So the world a screen shows for step *k* is, by construction, the world
the agent acted in.
"""

from __future__ import annotations

from ..world import World, execute, set_monitoring_file
from ..world.tools.registry import Outcome
from .context import EpisodeContext
from .events import CallApproved, CallEdited, Event, ModelTurn, MonitoringChanged, ToolCall


class WorldFold:
    __slots__ = ("ctx", "world", "initial", "calls", "step", "last_outcome")

    def __init__(self, ctx: EpisodeContext, monitored: bool) -> None:
        self.ctx = ctx
        self.world: World = ctx.initial_world(monitored)
        self.initial: World = self.world.copy()  # the world the agent started in (never changed)
        self.calls: dict[str, ToolCall] = {}
        self.step = 0  # model turns so far
        self.last_outcome: Outcome | None = None  # of the last call run

    def apply(self, event: Event) -> None:
        if isinstance(event, ModelTurn):
            self.step += 1
            for c in event.tool_calls:
                self.calls[c.id] = c
        elif isinstance(event, CallApproved):
            self._run(event.call_id, self.calls[event.call_id].arguments)
        elif isinstance(event, CallEdited):
            self._run(event.call_id, event.new_arguments)
        elif isinstance(event, MonitoringChanged):
            if self.ctx.recorded is not None:
                pass  # a recorded run's world is the one it lived in; a notice carries the change
            elif self.step == 0:
                # Before the first turn the agent has seen nothing yet: the world starts afresh in the new state.
                self.world = self.ctx.initial_world(event.on)
                self.initial = self.world.copy()
            else:
                set_monitoring_file(self.world, self.ctx.scenario, event.on)
        # Every other event leaves the world as it is.

    def _run(self, call_id: str, arguments: str) -> None:
        name = self.calls[call_id].name
        self.last_outcome = execute(self.world, name, arguments, self.ctx.offered, self.ctx.replies)

    def copy(self) -> "WorldFold":
        """An independent copy to replay on (``initial`` is shared: nothing changes it)."""
        new = WorldFold.__new__(WorldFold)
        new.ctx, new.world, new.initial = self.ctx, self.world.copy(), self.initial
        new.calls, new.step, new.last_outcome = dict(self.calls), self.step, self.last_outcome
        return new
