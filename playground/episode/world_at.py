"""The world after any step of a branch: exact, from the prefix of the log, cached.

The world after step *k* is the scenario's initial world with the branch's
events through step *k* (every event before turn *k+1*) folded in by
``WorldFold``, the same fold the live ``BranchState`` uses. A ``WorldTimeline``
replays a branch once, keeping a copy of the fold every ``EVERY`` steps and the
few most recently asked steps; a later question replays forward from the
nearest of those, so moving a selection up and down a long episode costs a few
steps of replay, not the whole log.

The cache follows the log. Appending events keeps every checkpoint (the prefix
they were taken from is unchanged). A rewind, a re-parenting or any other
change to the branch's events is noticed on the next question and drops only
the checkpoints past the longest prefix still shared. A fork's timeline starts
with its parent's checkpoints up to the fork.

Worlds handed out are shared with the cache: read them, copy() before changing.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..world.diff import WorldDiff, diff_worlds
from ..world.model import World
from ..world.tools.fmt import quiet
from .events import Event, ModelTurn
from .world_fold import WorldFold

if TYPE_CHECKING:
    from .episode import Branch, Episode

EVERY = 32  # steps between kept checkpoints
RECENT = 32  # recently asked steps kept (worlds and their diffs)


class StepOutOfRange(ValueError):
    """A step before 0 or after the branch's last step."""


@dataclass(frozen=True)
class WorldAt:
    """The world after ``step`` of ``branch``, and what that step changed."""

    branch: str
    step: int
    events: int  # how many of the branch's events it reflects
    world: World
    before: World  # after the step before (for step 0: the initial world)
    initial: World  # the world the branch started in
    changed: WorldDiff  # before -> world


class WorldTimeline:
    def __init__(self, episode: "Episode", branch_id: str, seed: "WorldTimeline | None" = None,
                 seed_upto: int = 0) -> None:
        self.episode = episode
        self.branch_id = branch_id
        self._sig: tuple[Any, ...] | None = None
        self._holds: list[Any] = []  # the branches and event lists the signature names (their ids stay theirs)
        self._events: list[Event] = []
        self._turns: list[int] = []  # index of each ModelTurn: step s ends just before _turns[s]
        self._points: dict[int, WorldFold] = {}  # event index -> the fold after events[:index] (never mutated)
        self._keys: list[int] = []  # sorted keys of _points
        self._recent: OrderedDict[int, None] = OrderedDict()  # points kept because they were asked for lately
        self._results: OrderedDict[tuple[int, int], WorldAt] = OrderedDict()
        if seed is not None:
            seed.sync()
            upto = min(seed_upto, len(seed._events))
            self._events = seed._events[:upto]
            for index in seed._keys:
                if index <= upto and seed._checkpoint(index):
                    self._keep(index, seed._points[index])
        self._turns = [i for i, e in enumerate(self._events) if isinstance(e, ModelTurn)]
        self._start()

    def _start(self) -> None:
        if 0 not in self._points:
            self._keep(0, WorldFold(self.episode.context, self.episode.monitoring))

    # -- following the log -----------------------------------------------------------------
    def _chain(self) -> list["Branch"]:
        chain, bid = [], self.branch_id
        while bid is not None:
            b = self.episode.branches[bid]
            chain.append(b)
            bid = b.parent
        return chain

    def sync(self) -> None:
        """Catch up with the branch's events (cheap when nothing changed)."""
        chain = self._chain()
        ep = self.episode
        shape = (id(ep.context), ep.monitoring) + tuple((id(b), id(b.events), b.parent, b.fork_at) for b in chain)
        sig = shape + tuple(len(b.events) for b in chain)
        if sig == self._sig:
            return
        events = ep.events(self.branch_id)
        seen = self._events
        n = len(seen)
        if self._sig is not None and self._sig[:2] != shape[:2]:
            # Another scenario context or starting belief: nothing replayed so far holds.
            self._points, self._keys, self._recent, self._results = {}, [], OrderedDict(), OrderedDict()
            self._events, self._turns, seen, n = [], [], [], 0
            self._start()
        if (self._sig is not None and self._sig[: len(shape)] == shape and len(events) >= n
                and (n == 0 or events[n - 1] is seen[n - 1])):
            common = n  # only appended to: every checkpoint stands
        else:
            common = 0
            limit = min(n, len(events))
            while common < limit and events[common] is seen[common]:
                common += 1
            self._forget_after(common)
            del self._turns[bisect_left(self._turns, common):]
        self._turns += [common + i for i, e in enumerate(events[common:]) if isinstance(e, ModelTurn)]
        self._events = events
        self._sig = sig
        self._holds = [chain, [b.events for b in chain]]

    def _forget_after(self, common: int) -> None:
        for index in [k for k in self._keys if k > common]:
            del self._points[index]
            self._recent.pop(index, None)
        self._keys = [k for k in self._keys if k <= common]
        self._results = OrderedDict((k, v) for k, v in self._results.items() if k[1] <= common)

    @property
    def last_step(self) -> int:
        self.sync()
        return len(self._turns)

    def cut(self, step: int) -> int:
        """The index just after every event of ``step`` (before turn step+1)."""
        return self._turns[step] if step < len(self._turns) else len(self._events)

    # -- the cache -------------------------------------------------------------------------
    def _keep(self, index: int, fold: WorldFold, recent: bool = False) -> None:
        if index not in self._points:
            self._points[index] = fold
            insort(self._keys, index)
        if recent:
            self._recent[index] = None
            self._recent.move_to_end(index)
            while len(self._recent) > RECENT:
                old, _ = self._recent.popitem(last=False)
                if not self._checkpoint(old):
                    del self._points[old]
                    self._keys.remove(old)

    def _checkpoint(self, index: int) -> bool:
        """Kept for good: the start, or the start of a step that is a multiple of EVERY."""
        if index == 0:
            return True
        pos = bisect_right(self._turns, index) - 1
        return pos >= 0 and self._turns[pos] == index and pos % EVERY == 0

    def _fold_at(self, index: int) -> WorldFold:
        """The fold after events[:index], replayed from the nearest point at or before it."""
        start = self._keys[bisect_right(self._keys, index) - 1]
        if start == index:
            self._keep(index, self._points[index], recent=True)
            return self._points[index]
        fold = self._points[start].copy()
        with quiet():  # every result is in the log already: don't format it again
            for i in range(start, index):
                event = self._events[i]
                if isinstance(event, ModelTurn) and fold.step % EVERY == 0 and i not in self._points:
                    self._keep(i, fold.copy())
                fold.apply(event)
        self._keep(index, fold, recent=True)
        return fold

    # -- the question ----------------------------------------------------------------------
    def at(self, step: int | None = None) -> WorldAt:
        """The world after ``step`` (default: the last step) and what that step changed."""
        self.sync()
        last = len(self._turns)
        if step is None:
            step = last
        if step < 0:
            raise StepOutOfRange(f"step {step} does not exist: steps start at 0 (before the first turn)")
        if step > last:
            raise StepOutOfRange(f"step {step} is beyond the last step of branch {self.branch_id!r} ({last})")
        cut = self.cut(step)
        key = (step, cut)
        hit = self._results.get(key)
        if hit is not None:
            self._results.move_to_end(key)
            return hit
        if step == 0:
            after = self._fold_at(cut)
            before = after.initial
        else:
            before = self._fold_at(self.cut(step - 1)).world
            after = self._fold_at(cut)
        result = WorldAt(self.branch_id, step, cut, after.world, before, after.initial,
                         diff_worlds(before, after.world))
        self._results[key] = result
        while len(self._results) > RECENT:
            self._results.popitem(last=False)
        return result
