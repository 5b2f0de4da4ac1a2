"""Resample at a step: N alternatives for turn k of a branch, each drawn from exactly what the
agent saw before it, and how they are distributed.

Every sample runs on its own copy of the branch's prefix (a one-branch episode sharing the
scenario, its context and detectors), so samples run concurrently without touching the episode
or each other; a sample's index (``Branch.sample``) is what a stochastic scripted agent draws
with, so sample i is the same draw every time. ``keep`` grafts the samples onto the episode as
branches forking at the step, which the stepper opens like any other fork.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from ..episode import Agent, ApprovalPolicy, Branch, Episode, RetryPolicy, Session
from ..episode.events import AgentError, Event, ModelTurn
from .actions import ERROR, action_key
from .outcome import Outcome
from .stats import rate
from .throttle import Throttle, gated

HORIZONS = ("turn", "end")
MAX_SAMPLES = 2**20  # per seed: sample indices are seed * MAX_SAMPLES + 1 ...


class ResampleError(Exception):
    """A resample that does not apply (no such branch, a step out of range)."""


def sample_index(seed: int | None, i: int) -> int:
    """The sample index of the i-th sample (0-based) under ``seed``: 1, 2, ... without one, so the
    episode's own branch (sample 0) is never drawn again."""
    return (seed or 0) * MAX_SAMPLES + i + 1


@dataclass
class Sample:
    index: int  # 0-based among this resample's
    sample: int  # the sample index it drew with
    events: list[Event]  # what it added after the prefix
    action: str
    outcome: Outcome | None = None  # horizon "end"
    error: str | None = None


@dataclass
class Resample:
    step: int
    branch: str
    agent: str
    horizon: str
    seed: int | None
    cut: int = 0  # the branch's events the samples share (everything before turn ``step``)
    samples: list[Sample] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        n = len(self.samples)
        counts = Counter(s.action for s in self.samples)
        actions = []
        for action, k in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            entry = rate(k, n)
            actions.append({"action": action, "k": k, "rate": entry["rate"], "ci": entry["ci"]})
        out: dict[str, Any] = {"step": self.step, "n": n, "branch": self.branch, "agent": self.agent,
                               "horizon": self.horizon, "seed": self.seed, "next_actions": actions, "behaviours": {}}
        if self.horizon == "end":
            done = [s.outcome for s in self.samples if s.outcome is not None and s.outcome.finished]
            labels = list(self.labels)
            for o in done:
                labels += [b for b in o.behaviours if b not in labels]
            out["behaviours"] = {lab: rate(sum(lab in o.behaviours for o in done), len(done)) for lab in labels}
            out["ended"] = dict(Counter(s.outcome.ended if s.outcome else ERROR for s in self.samples))
        errors = [s.error for s in self.samples if s.error]
        if errors:
            out["errors"] = dict(Counter(errors))
        if self.kept:
            out["kept"] = list(self.kept)
        return out


def _detached(episode: Episode, prefix: list[Event], spec: str, sample: int) -> Episode:
    """A one-branch episode holding ``prefix``, drawing with ``sample``, sharing what is costly to build."""
    ep = Episode(episode.loaded, dict(episode.variables), episode.monitoring, episode.agent, episode.max_steps,
                 id=episode.id, created=episode.created, source=dict(episode.source),
                 scenario_text=episode.scenario_text, seed=episode.seed,
                 branches={"main": Branch("main", events=list(prefix), agent=spec, sample=sample)})
    ep.context = episode.context
    ep._detectors = episode._detectors
    return ep


async def _turn_with_retries(session: Session, retry: RetryPolicy) -> ModelTurn | None:
    for attempt in range(retry.max_retries + 1):
        turn = await session.request_turn()
        if turn is not None or session.state.ended:
            return turn
        last = session.state.errors[-1] if session.state.errors else None
        if last is None or not last.retryable or attempt == retry.max_retries:
            return None
        failure = session._last_failure
        await session.sleep(retry.wait(attempt + 1, failure.retry_after if failure else None))
    return None


async def resample(episode: Episode, step: int, n: int, *, branch: str | None = None, agent: str | None = None,
                   horizon: str = "turn", concurrency: int = 4, seed: int | None = None, keep: bool = False,
                   policy: ApprovalPolicy | None = None, make_agent: Callable[[str, Episode], Agent],
                   retry: RetryPolicy | None = None, throttle: Throttle | None = None,
                   on_sample: Callable[[Sample], None] | None = None) -> Resample:
    """Draw ``n`` alternatives for turn ``step`` of ``branch`` (default: the current one)."""
    bid = branch or episode.current
    if bid not in episode.branches:
        raise ResampleError(f"no branch {bid!r}; branches: {', '.join(episode.branches)}")
    if horizon not in HORIZONS:
        raise ResampleError(f"horizon must be one of {', '.join(HORIZONS)}, not {horizon!r}")
    if not 1 <= n < MAX_SAMPLES:
        raise ResampleError(f"n must lie between 1 and {MAX_SAMPLES - 1}")
    if seed is not None and not 0 <= seed < 2**42:
        raise ResampleError("the seed must lie between 0 and 2^42")
    state = episode.replay(bid)
    last = state.step + (0 if state.ended else 1)
    if not 1 <= step <= last:
        raise ResampleError(f"branch {bid!r} has steps 1-{state.step}" + ("" if state.ended else
                            f" (and {state.step + 1} to come)") + f": no step {step} to resample")
    cut = state.cut_index(step - 1)
    prefix = episode.events(bid)[:cut]
    if episode.replay(bid, upto=cut).pending:
        raise ResampleError(f"the calls of step {step - 1} are still waiting for approval: approve or reject them "
                            f"first, or resample step {step - 1}")
    spec = agent or episode.branches[bid].agent or episode.agent
    retry = retry or RetryPolicy()
    throttle = throttle or Throttle()
    factory = gated(make_agent, throttle)
    result = Resample(step, bid, spec, horizon, seed, cut)
    result.labels = [lab for lab in _active_labels(state) if lab]
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(i: int) -> Sample:
        async with gate:
            sub = _detached(episode, prefix, spec, sample_index(seed, i))
            session = Session(sub, factory, retry=retry, policy=policy)
            session.sleep = throttle.pause
            error = None
            if horizon == "turn":
                await _turn_with_retries(session, retry)
            else:
                outcome = await session.run()
                if outcome.outcome == "error":
                    error = outcome.message  # the sample stopped on a model failure it could not get past
            turns = session.state.turns
            turn = turns[step - 1] if len(turns) >= step else None
            if turn is None:
                errs = [e for e in session.state.events[cut:] if isinstance(e, AgentError)]
                error = error or (errs[-1].message if errs else "the agent gave no turn")
            s = Sample(i, sample_index(seed, i), session.state.events[cut:], action_key(turn), error=error)
            if horizon == "end":
                s.outcome = Outcome.of(sub, session.state)
            if on_sample is not None:
                on_sample(s)
            return s

    result.samples = list(await asyncio.gather(*(one(i) for i in range(n))))
    if keep:
        result.kept = graft(episode, bid, cut, step, spec, result.samples)
    return result


def _active_labels(state) -> list[str]:
    labels: list[str] = []
    for v in state.verdicts.values():
        if v.active and v.label not in labels:
            labels.append(v.label)
    return labels


def graft(episode: Episode, branch: str, cut: int, step: int, spec: str, samples: list[Sample]) -> list[str]:
    """Add each sample to ``episode`` as a branch forking from ``branch`` before turn ``step``."""
    ids = []
    for s in samples:
        bid = episode.new_branch_id(f"s{step}")
        events = [replace(e, id=episode.new_event_id()) for e in s.events]
        episode.branches[bid] = Branch(bid, parent=branch, fork_at=cut, events=events,
                                       label=f"sample {s.index + 1} at step {step}: {s.action}"[:200], agent=spec,
                                       sample=s.sample)
        ids.append(bid)
    return ids
