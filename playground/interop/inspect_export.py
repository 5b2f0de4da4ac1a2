"""An episode (every branch) or a sweep folder (every episode) as one Inspect ``EvalLog``.

Everything comes from the one step fold (``episode.steps``), as the Markdown/HTML/JSON exports do
(``store.export_doc``): per step, a model event for the turn (its input: the messages the model had
seen before it), then in log order an approval event per decision (approve, edit = ``modify`` with the
call that ran, reject with its reason), a tool event per call with the result the model saw, and info
events (source ``playground``) for an edited result (with the tool's own output), a monitoring change,
a notice, a note, a model error, the end, an interview, a detector tripping, and (imported episodes)
a recorded harness's answer that differs from our world's. The sample's ``messages`` are the branch's
messages exactly as the model saw them, reasoning as reasoning content. The detectors are one score,
``playground_detectors``: label -> 1 or 0, the steps that tripped them in its metadata.

The log is written with ``inspect_ai.log.write_eval_log`` only; secrets are redacted as in every export.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from inspect_ai.event import ApprovalEvent, InfoEvent, ModelEvent, ToolEvent
from inspect_ai.log import (
    EvalConfig,
    EvalDataset,
    EvalLog,
    EvalMetric,
    EvalResults,
    EvalSample,
    EvalScore,
    EvalSpec,
    EvalStats,
    write_eval_log,
)
from inspect_ai.model import GenerateConfig, ModelOutput, ModelUsage
from inspect_ai.scorer import Score

from ..episode import Episode, summary
from ..episode.summary import start_belief
from ..episode.events import (
    AgentError,
    CallApproved,
    CallEdited,
    CallRejected,
    Ended,
    Interview,
    ModelTurn,
    MonitoringChanged,
    Note,
    Notice,
    ResultEdited,
    ToolResult,
)
from ..episode.state import BranchState
from ..episode.steps import CallStep, Step, StepFold, parse_args
from ..store import SaveError, load
from ..store.redact import clean, secrets
from . import InteropError
from .inspect_messages import chat_messages, inspect_call, model_output, tool_error, tool_infos, usage

SCORER = "playground_detectors"
SOURCE = "playground"


def inspect_model(agent: str) -> str:
    """The agent as Inspect names a model: scripted policies run under our provider (``playground/scripted/...``);
    a recording keeps its ``recorded/<model>`` name (no provider replays it)."""
    return f"playground/{agent}" if agent.startswith("scripted/") else agent


def sample_id(text: str) -> str:
    return re.sub(r"[/\\\s]+", "_", text) or "main"


def _ts(event: Any) -> datetime | None:
    ts = getattr(event, "ts", None)
    if not ts:
        return None
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None


def _stamp(ev: Any, source: Any) -> Any:
    when = _ts(source)
    if when is not None:
        ev.timestamp = when
    return ev


def fork_step(episode: Episode, branch: str) -> int | None:
    b = episode.branches[branch]
    if b.parent is None:
        return None
    steps = episode.replay(b.parent).event_steps
    return steps[b.fork_at - 1] if 0 < b.fork_at <= len(steps) else 0


def _info(data: dict[str, Any], source: Any) -> InfoEvent:
    return _stamp(InfoEvent(source=SOURCE, data=data), source)


def inspect_event(event: Any, cv: CallStep | None) -> Any | None:
    """One of our events (not a model turn) as an Inspect event; ``cv``: the fold's view of its call."""
    match event:
        case CallApproved() if cv is not None:
            return _stamp(ApprovalEvent(message="", call=inspect_call(cv.call), approver=event.by or "policy",
                                        decision="approve"), event)
        case CallEdited() if cv is not None:
            return _stamp(ApprovalEvent(message="edited before it ran", call=inspect_call(cv.call),
                                        approver=event.by or "human", decision="modify",
                                        modified=inspect_call(cv.call, event.new_arguments)), event)
        case CallRejected() if cv is not None:
            return _stamp(ApprovalEvent(message="", call=inspect_call(cv.call), approver=event.by or "human",
                                        decision="reject", explanation=event.reason or None), event)
        case ToolResult():
            args = parse_args(cv.arguments if cv else "{}")
            saw = cv.output if cv is not None and cv.output is not None else event.output
            return _stamp(ToolEvent(id=event.call_id, function=event.name,
                                    arguments=args if isinstance(args, dict) else {},
                                    result=saw, error=tool_error(event.output, event.error)), event)
        case ResultEdited():
            return _info({"kind": "result_edited", "call_id": event.call_id, "model_saw": event.output,
                          "tool_output": event.original}, event)
        case MonitoringChanged():
            return _info({"kind": "monitoring", "monitoring": "on" if event.on else "off", "how": event.how}, event)
        case Notice():
            return _info({"kind": "notice", "text": event.text, "source": event.source}, event)
        case Note():
            return _info({"kind": "note", "text": event.text}, event)
        case AgentError():
            return _info({"kind": "error", "message": event.message, "retryable": event.retryable}, event)
        case Ended():
            return _info({"kind": "ended", "reason": event.reason}, event)
        case Interview():
            return _info({"kind": "interview", "question": event.question, "answer": event.answer,
                          "reasoning": event.reasoning, "agent": event.agent}, event)
    return None


def _step_events(view: Step, calls: dict[str, CallStep], model: str, tools: list[Any],
                 assistant_at: list[int], chat: list[Any]) -> list[Any]:
    out: list[Any] = []
    for event in view.events:
        if isinstance(event, ModelTurn):
            n = assistant_at.pop(0)  # the model saw every message before its own
            out.append(_stamp(ModelEvent(model=model, input=chat[:n], tools=tools, tool_choice="auto",
                                         config=GenerateConfig(), output=model_output(event, model)), event))
            continue
        ev = inspect_event(event, calls.get(getattr(event, "call_id", "")))
        if ev is not None:
            out.append(ev)
        if isinstance(event, ToolResult) and event.diverged and event.recorded_output is not None:
            out.append(_info({"kind": "recorded_output", "call_id": event.call_id, "tool": event.name,
                              "recorded": event.recorded_output, "ours": event.output}, event))
    for det in view.tripped:
        out.append(InfoEvent(source=SOURCE, data={"kind": "detector", "detector": det, "step": view.step}))
    return out


def detectors_score(s: dict[str, Any]) -> Score:
    value: dict[str, int] = {}
    steps: dict[str, list[int]] = {}
    for det_id, d in s["detectors"].items():
        label = d["label"]
        value[label] = max(value.get(label, 0), 1 if d["tripped"] else 0)
        if d["tripped"] and d["step"] is not None:
            steps.setdefault(label, []).append(d["step"])
    return Score(value=value, explanation=", ".join(s["behaviours"]) or "no detector tripped",
                 metadata={"steps": steps, "detectors": s["detectors"]})


def branch_sample(episode: Episode, branch: str, sid: str | None = None, epoch: int = 1) -> EvalSample:
    state = episode.replay(branch)
    s = summary(episode, state, branch)
    steps = StepFold.of(state, start_belief(episode)).steps
    model = inspect_model(s["agent"])
    errors = {cid: r.error for cid, r in state.results.items()}
    chat = chat_messages(state.messages, state.turns, errors)
    assistant_at = [i for i, m in enumerate(state.messages) if m.get("role") == "assistant"]
    tools = tool_infos(episode.context.tool_schemas)
    calls = {c.call.id: c for v in steps for c in v.calls}
    events: list[Any] = []
    for view in steps:
        events += _step_events(view, calls, model, tools, assistant_at, chat)
    last = state.turns[-1] if state.turns else None
    b = episode.branches[branch]
    total = _total_usage(state)
    meta = {"scenario": s["scenario"], "variables": s["variables"], "monitoring": s["initial_monitoring"],
            "monitoring_end": s["monitoring"], "branch": branch, "parent": b.parent or "",
            "fork_step": fork_step(episode, branch) or 0,  # "" and 0 for the root branch
            "label": b.label, "agent": s["agent"], "steps": s["steps"], "ended": s["ended"], "behaviours": s["behaviours"], "episode_id": episode.id, "seed": episode.seed}
    if s.get("condition"):
        meta["condition"] = s["condition"]  # a recorded run's own monitoring condition, while the branch lives it
    if episode.source.get("recorded_model"):
        meta["imported_from"] = str(episode.source.get("file", ""))
        meta["recorded_model"] = episode.source["recorded_model"]
    first = _ts(state.events[0]) if state.events else None
    end = _ts(state.events[-1]) if state.events else None
    return EvalSample(
        id=sid or sample_id(branch), epoch=epoch, input=state.messages[1]["content"], target="",
        messages=chat, output=model_output(last, model) if last else ModelOutput(model=model),
        scores={SCORER: detectors_score(s)}, metadata=meta, events=events,
        model_usage={model: total} if total else {},
        started_at=first.isoformat() if first else None, completed_at=end.isoformat() if end else None,
        total_time=(end - first).total_seconds() if first and end else None,
    )


def _total_usage(state: BranchState) -> ModelUsage | None:
    total: ModelUsage | None = None
    for t in state.turns:
        u = usage(t.usage)
        if u is not None:
            total = u if total is None else total + u
    return total


def _results(samples: list[EvalSample]) -> EvalResults:
    labels: dict[str, list[int]] = {}
    for sm in samples:
        value = sm.scores[SCORER].value if sm.scores else {}
        for label, v in (value.items() if isinstance(value, dict) else []):
            labels.setdefault(label, []).append(int(v))
    metrics = {label: EvalMetric(name=label, value=sum(vs) / len(vs)) for label, vs in labels.items()}
    return EvalResults(total_samples=len(samples), completed_samples=len(samples),
                       scores=[EvalScore(name=SCORER, scorer=SCORER, scored_samples=len(samples), metrics=metrics)])


def eval_log(samples: list[EvalSample], *, task: str, model: str, created: str, task_id: str,
             metadata: dict[str, Any]) -> EvalLog:
    from importlib.metadata import version

    usage_total: dict[str, ModelUsage] = {}
    for sm in samples:
        for m, u in sm.model_usage.items():
            usage_total[m] = usage_total[m] + u if m in usage_total else u
    now = datetime.now(timezone.utc).isoformat()
    spec = EvalSpec(created=created, task=task, task_id=task_id, run_id=task_id, eval_id=task_id,
                    dataset=EvalDataset(name=task, samples=len(samples), sample_ids=[sm.id for sm in samples]),
                    model=model, config=EvalConfig(epochs=1), packages={"playground": version("playground")},
                    metadata=metadata, solver="playground")
    log = EvalLog(status="success", eval=spec, results=_results(samples),
                  stats=EvalStats(started_at=created, completed_at=now, model_usage=usage_total), samples=samples)
    return _redacted(log)


def _redacted(log: EvalLog) -> EvalLog:
    return EvalLog.model_validate(clean(log.model_dump(mode="json"), secrets()))


def episode_log(episode: Episode) -> EvalLog:
    """One sample per branch (ids are the branch ids, ``/`` made ``_``)."""
    samples = [branch_sample(episode, b) for b in episode.branches]
    return eval_log(samples, task=episode.loaded.ref, model=inspect_model(episode.agent), created=episode.created,
                    task_id=episode.id, metadata={"playground": "episode", "scenario": episode.loaded.ref,
                                                  "current_branch": episode.current})


def sweep_log(folder: Path) -> EvalLog:
    """One sample per episode of a sweep folder (its current branch), ids ``<cell>-<i>``."""
    files = sorted((folder / "episodes").glob("*/*.toml"))
    if not files:
        raise InteropError(f"{folder}: no episodes/<cell>/<i>.toml saves here (is it a sweep folder?)")
    samples, agents, scenarios, created = [], set(), set(), []
    for f in files:
        try:
            ep = load(f)
        except SaveError as exc:
            raise InteropError(f"{f}: {exc}") from None
        sm = branch_sample(ep, ep.current, sid=sample_id(f"{f.parent.name}-{f.stem}"))
        sm.metadata["cell"] = f.parent.name
        sm.metadata["save"] = str(f.relative_to(folder))
        samples.append(sm)
        agents.add(ep.branches[ep.current].agent or ep.agent)
        scenarios.add(ep.loaded.ref)
        created.append(ep.created)
    model = inspect_model(next(iter(agents))) if len(agents) == 1 else "playground/mixed"
    task = next(iter(scenarios)) if len(scenarios) == 1 else "playground/sweep"
    return eval_log(samples, task=task, model=model, created=min(created), task_id=sample_id(folder.resolve().name),
                    metadata={"playground": "sweep", "folder": str(folder), "agents": sorted(agents),
                              "scenarios": sorted(scenarios)})


def export(source: Path, output: Path) -> EvalLog:
    """Write ``source`` (a save, or a sweep folder) to ``output`` as an Inspect log; return the log."""
    if source.is_dir():
        log = sweep_log(source)
    else:
        try:
            log = episode_log(load(source))
        except SaveError as exc:
            raise InteropError(str(exc)) from None
    if output.suffix not in (".eval", ".json"):
        raise InteropError(f"{output}: an Inspect log is named .eval (or .json)")
    write_eval_log(log, str(output), format="eval" if output.suffix == ".eval" else "json")
    return log
