"""An episode: a scenario, its settings, and a tree of branches of events.

A branch stores only its own events and shares its parent's first
``fork_at`` events, so forks are cheap and exact.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..scenario.loader import LoadedScenario
from ..world.tools.fmt import quiet
from .context import EpisodeContext, Recorded
from .detectors import DetectorSet
from .events import Event
from .state import BranchState
from .world_at import WorldAt, WorldTimeline

@dataclass
class Branch:
    id: str
    parent: str | None = None
    fork_at: int = 0  # number of the parent's events this branch shares
    events: list[Event] = field(default_factory=list)
    label: str = ""
    agent: str = ""
    sample: int = 0  # the sample index a stochastic agent draws with on this branch (resample gives 1, 2, ...)


@dataclass
class Episode:
    loaded: LoadedScenario
    variables: dict[str, str]
    monitoring: bool
    agent: str
    max_steps: int
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    branches: dict[str, Branch] = field(default_factory=dict)
    current: str = "main"
    source: dict[str, Any] = field(default_factory=dict)  # where an imported episode came from
    scenario_text: str | None = None  # the scenario file's text, stored in saves for exact replay
    origin: Any = field(default=None, repr=False, compare=False)  # the save it was loaded from (the store's)
    seed: int = 0  # what stochastic agents draw with (saved, so a save replays and continues the same)

    def __post_init__(self) -> None:
        if not self.branches:
            self.branches["main"] = Branch("main", agent=self.agent, label="main")
        self.refresh_context()
        self._detectors: dict[bool, DetectorSet] = {}
        self._event_seq: int | None = None
        self._timelines: dict[str, WorldTimeline] = {}

    def refresh_context(self) -> None:
        """(Re)build what the branches share; call after changing ``source`` (an import sets its
        recorded world there). Raises ``ValueError`` for a recorded world that does not read."""
        self.context = EpisodeContext(self.loaded.scenario, dict(self.variables), recorded=Recorded.from_source(self.source))
        self._timelines = {}

    def new_event_id(self) -> str:
        """``e<n>``, unique across the episode's branches (continues after the ids a save holds)."""
        if self._event_seq is None:
            self._event_seq = max((int(e.id[1:]) for b in self.branches.values() for e in b.events
                                   if e.id and e.id[:1] == "e" and e.id[1:].isdigit()), default=0)
        self._event_seq += 1
        return f"e{self._event_seq}"

    @property
    def scenario(self):
        return self.loaded.scenario

    def detectors(self, monitored: bool) -> DetectorSet:
        if monitored not in self._detectors:
            self._detectors[monitored] = DetectorSet(self.scenario, self.variables, monitored)
        return self._detectors[monitored]

    def events(self, branch_id: str | None = None) -> list[Event]:
        b = self.branches[branch_id or self.current]
        if b.parent is None:
            return list(b.events)
        return self.events(b.parent)[: b.fork_at] + b.events

    def replay(self, branch_id: str | None = None, upto: int | None = None) -> BranchState:
        """The state of a branch after its first ``upto`` events (all by default)."""
        state = BranchState(self.context, self.monitoring, self.detectors(self.monitoring))
        with quiet():  # every result is in the log already: don't format it again
            for e in self.events(branch_id)[:upto]:
                state.apply(e)
        return state

    def timeline(self, branch_id: str | None = None) -> WorldTimeline:
        """The cached world-at-step of a branch (a fork starts from its parent's checkpoints)."""
        bid = branch_id or self.current
        timeline = self._timelines.get(bid)
        if timeline is None or bid not in self.branches:
            b = self.branches[bid]
            parent = self._timelines.get(b.parent) if b.parent else None
            timeline = self._timelines[bid] = WorldTimeline(self, bid, parent, b.fork_at)
        return timeline

    def world_at(self, branch_id: str | None = None, step: int | None = None) -> WorldAt:
        """The exact world after ``step`` of a branch (default: its last step) and what that step changed.

        Raises ``StepOutOfRange`` for a step before 0 or after the branch's last step."""
        return self.timeline(branch_id).at(step)

    def new_branch_id(self, base: str = "fork") -> str:
        n = 1
        while f"{base}-{n}" in self.branches:
            n += 1
        return f"{base}-{n}"

    def children(self, branch_id: str) -> list[Branch]:
        return [b for b in self.branches.values() if b.parent == branch_id]
