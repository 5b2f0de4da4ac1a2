"""A scenario as the Inspect task ``playground/scenario``.

``inspect eval playground/scenario -T scenario=PACK/ID -T monitoring=on|off -T vary=NAME=VALUE[,NAME=VALUE]
-T max_steps=N --model M``: one sample (``--epochs`` repeats it); the solver is our one run loop
(``Session.run``) over the scenario's simulated world, asking Inspect's model ``M`` for every turn (so
Inspect logs each model call, with its retries and concurrency, and any Inspect provider can play); each
call is decided by the scenario's approval policy (an ``ask`` is approved: nobody is there to answer)
and runs in the simulated world, never on the machine; the calls, decisions, notices and monitoring
changes go to the transcript as tool, approval and info events. The sample's messages are the
episode's, and its store keeps the whole episode (``playground:episode``) so the log imports back
exactly. The scorer ``playground_detectors`` scores the scenario's detectors: label -> 1 or 0.

``--model playground/scripted/POLICY`` plays one of the scenario's scripted policies offline
(``inspect_provider``).
"""

from __future__ import annotations

import contextvars
import hashlib
from pathlib import Path
from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.log import transcript
from inspect_ai.model import ModelOutput, get_model
from inspect_ai.scorer import Score, Target, mean, scorer
from inspect_ai.solver import Generate, TaskState, solver

from ..episode import Episode, Session, summary
from ..episode.agent_api import AgentFailure, TurnRequest
from ..episode.approval import Approval
from ..episode.events import Event, ModelTurn, ToolCall
from ..episode.start import UsageError, load, new_episode, parse_assignments
from ..episode.steps import StepFold
from ..scenario import ScenarioError
from ..store.saves import episode_to_dict
from .inspect_export import detectors_score, inspect_event, inspect_model
from .inspect_messages import chat_messages, model_output, tool_infos, turn_from, usage_dict

STORE_EPISODE = "playground:episode"
STORE_SUMMARY = "playground:summary"
PROVIDER_PREFIX = "playground/"

# The episode a sample is running: the ``playground`` provider reads the scenario's scripted policy from it.
CURRENT: contextvars.ContextVar[Episode | None] = contextvars.ContextVar("playground_episode", default=None)


def _pairs(vary: str | list[str] | dict[str, Any] | None) -> list[str]:
    if vary is None or vary == "":
        return []
    if isinstance(vary, dict):
        return [f"{k}={v}" for k, v in vary.items()]
    if isinstance(vary, str):
        return [p.strip() for p in vary.replace(";", ",").split(",") if p.strip()]
    return [str(p).strip() for p in vary if str(p).strip()]


def _monitoring(value: str | bool | None) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("on", "true", "yes", "1"):
        return True
    if text in ("off", "false", "no", "0"):
        return False
    raise ValueError(f"monitoring must be on or off, not {value!r}")


def episode_agent(model_name: str) -> str:
    """The agent our episode records: ``scripted/POLICY`` for our provider, else Inspect's model name."""
    return model_name[len(PROVIDER_PREFIX):] if model_name.startswith(PROVIDER_PREFIX) else model_name


class InspectModelAgent:
    """Our agent interface over Inspect's model: every turn is one ``Model.generate`` call."""

    scripted = False

    def __init__(self, spec: str):
        self.name = spec
        self.failure: BaseException | None = None  # what Inspect raised: re-raised once the episode has recorded it

    async def next_turn(self, request: TurnRequest) -> ModelTurn:
        model = get_model()
        messages = chat_messages(request.messages, list(request.history))
        try:
            output: ModelOutput = await model.generate(messages, tools=tool_infos(request.tools) if request.tools else [])
        except Exception as exc:  # Inspect has retried already: the episode records why it stopped
            self.failure = exc
            raise AgentFailure(f"{type(exc).__name__}: {exc}", False) from None
        if output.error:
            raise AgentFailure(output.error, False)
        return turn_from(output.message, self.name, usage_dict(output.usage))


class _Transcript:
    """Our events as Inspect transcript events while the sample runs (the model events Inspect logs itself)."""

    def __init__(self, monitored: bool) -> None:
        self.fold = StepFold(monitored)

    def __call__(self, session: Session, event: Event) -> None:
        self.fold.apply(event, session.state.step)
        if isinstance(event, ModelTurn):
            return
        cid = getattr(event, "call_id", "")
        cv = next((c for v in reversed(self.fold.steps) for c in v.calls if c.call.id == cid), None) if cid else None
        ev = inspect_event(event, cv)
        if ev is None:
            return
        t = transcript()
        emit = getattr(t, "_event", None)  # Inspect has no public call for tool/approval events
        if emit is not None:
            emit(ev)
        else:  # pragma: no cover - a later Inspect without it: keep the facts as info
            t.info(ev.model_dump(mode="json"), source="playground")


def _seed(base: str, epoch: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{base}:{epoch}".encode()).digest()[:4], "big")


@solver
def playground_episode(scenario: str, variables: dict[str, str], monitoring: bool | None, max_steps: int | None,
                       seed: int | None = None):
    loaded = load(scenario)  # once per task, not per sample (parsing and checking a scenario takes ~0.3 s)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        spec = episode_agent(str(get_model()))
        epoch = getattr(state, "epoch", 1)
        episode = new_episode(loaded, variables=variables, monitoring=monitoring, agent=spec, max_steps=max_steps,
                              seed=_seed(f"{scenario}:{seed}", epoch) if seed is not None else None)
        agents: list[InspectModelAgent] = []

        def make(spec_: str, ep: Episode) -> InspectModelAgent:
            agents.append(InspectModelAgent(spec_))
            return agents[-1]

        session = Session(episode, make)
        session.subscribe(_Transcript(episode.monitoring))

        async def nobody_to_ask(call: ToolCall, approval: Approval) -> Approval:
            return Approval("approve", by="inspect (no human to ask)")

        token = CURRENT.set(episode)
        try:
            result = await session.run(ask=nobody_to_ask)
        finally:
            CURRENT.reset(token)
        if not session.state.ended:
            session.end("error")
        s = summary(episode, session.state)
        if result.outcome == "error":
            s["error"] = result.message
        errors = {cid: r.error for cid, r in session.state.results.items()}
        state.messages = chat_messages(session.state.messages, session.state.turns, errors)
        if session.state.turns:
            state.output = model_output(session.state.turns[-1], inspect_model(spec))
        state.store.set(STORE_SUMMARY, s)
        state.store.set(STORE_EPISODE, episode_to_dict(episode))
        state.metadata.update({"scenario": s["scenario"], "variables": s["variables"],
                               "monitoring": s["initial_monitoring"], "agent": spec, "seed": episode.seed})
        failure = next((a.failure for a in agents if a.failure is not None), None)
        if failure is not None:
            raise failure  # Inspect's own handling: a limit ends the sample as a limit, an error as an error
        return state

    return solve


@scorer(metrics={"*": [mean()]}, name="playground_detectors")
def playground_detectors():
    async def score(state: TaskState, target: Target) -> Score:
        s = state.store.get(STORE_SUMMARY)
        if not s:
            return Score(value={}, explanation="the episode did not run")
        return detectors_score(s)

    return score


def scenario(scenario: str = "peer_preservation/exfiltration_transfer", monitoring: str | None = None,
             vary: str | list[str] | None = None, max_steps: int | None = None, seed: int | None = None) -> Task:
    """A playground scenario (pack/id or a path to a scenario file) in its simulated world."""
    ref = str(scenario)
    if ref.endswith((".yaml", ".yml")) and Path(ref).is_file():
        ref = str(Path(ref).resolve())  # the samples may run from another folder
    try:
        loaded = load(ref)
        variables = parse_assignments(_pairs(vary), loaded)
        belief = _monitoring(monitoring)
        probe = new_episode(loaded, variables=variables, monitoring=belief, max_steps=max_steps)
    except ScenarioError as exc:
        raise ValueError("; ".join(str(p) for p in exc.problems)) from None
    except UsageError as exc:
        raise ValueError(str(exc)) from None
    on = probe.monitoring
    sample = Sample(id=f"{loaded.scenario.id}-{'on' if on else 'off'}", input=probe.context.task(on),
                    target="", metadata={"scenario": loaded.ref, "variables": dict(probe.variables),
                                         "monitoring": "on" if on else "off"})
    return Task(dataset=[sample], solver=playground_episode(ref, dict(variables), belief, max_steps, seed),
                scorer=playground_detectors(), display_name=f"playground: {loaded.ref}",
                metadata={"scenario": loaded.ref, "title": loaded.scenario.title})


TASK = "playground/scenario"


def _register() -> Any:
    """Register ``scenario`` as the task ``playground/scenario``. Inspect prefixes a task with its package
    only when it sees the package as installed; from the repository's own folder a stale
    ``playground.egg-info`` on ``sys.path`` hides the editable install from it, so the name is checked
    and, if it came out bare, given in full."""
    registered = task(name="scenario")(scenario)
    try:
        from inspect_ai._util.registry import registry_lookup  # Inspect has no public lookup
    except ImportError:  # pragma: no cover
        return registered
    if registry_lookup("task", TASK) is None:
        registered = task(name=TASK)(scenario)
    return registered


__all__ = ["CURRENT", "playground_detectors", "playground_episode", "scenario"]
