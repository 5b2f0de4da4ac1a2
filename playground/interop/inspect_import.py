"""Inspect logs in: each sample of a ``.eval`` (or ``.json``) log becomes a steppable episode.

A sample is read with ``read_eval_log_sample`` (attachments resolved) and turned into the study
importer's ``Recording`` (system prompt, task, and per assistant message: text, reasoning, calls with
the results the model saw, usage from the model events), so it goes through the one import pipeline
(``study.importer.import_recording``), with the sample's approval events as the approval policy of the
replay (approve, modify with the call that ran, reject with its explanation, terminate).

Which world it replays in: ``--scenario``, else the scenario the sample names in its metadata (logs of
our own task and our own exports), else a scenario whose tools are exactly the tools the sample offered
the model. With none of these the episode is *recorded-only*: a stand-in scenario offers the same tools,
each answering that it is not simulated, and the recorded turns, decisions and results are the events
(the results are the recorded ones; a fork can go on, but nothing behind the tools is simulated), and the
summary says so (``recorded_only``).
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from inspect_ai.log import EvalLog, EvalSample, read_eval_log, read_eval_log_sample, read_eval_log_sample_summaries
from inspect_ai.model import ChatMessageAssistant, ChatMessageSystem, ChatMessageTool, ChatMessageUser

from ..agents.recorded import RECORDED_PREFIX, recording_data
from ..episode import ApprovalPolicy, Episode, Session
from ..episode.approval import Approval
from ..episode.events import CallApproved, CallEdited, CallRejected, Ended, ModelTurn, ToolCall, ToolResult
from ..episode.start import load
from ..episode.summary import NO_STATEMENT
from ..scenario import ScenarioError
from ..scenario.loader import LoadedScenario, parse_scenario
from ..scenario.packs import discover_packs
from ..store import save
from ..study.importer import ImportFailure, Imported, import_recording, save_path_for
from ..study.transcripts import Recording
from . import InteropError
from .inspect_messages import call_arguments, reasoning_of, text_of, usage_dict

# How our own logs say the belief (the study importer's mapping table, in Inspect's words).
TABLE: dict[str, Any] = {"monitoring": {"from": "monitoring", "values": {"on": True, "off": False}}}
NOT_SIMULATED = "(recorded only: this log's tools have no simulated world here; import it with --scenario to run one)"


@dataclass
class InspectImport:
    imported: Imported
    sample_id: str | int
    epoch: int
    recorded_only: bool
    scenario_why: str
    warnings: list[str] = field(default_factory=list)

    @property
    def episode(self) -> Episode:
        return self.imported.episode

    def to_json(self) -> dict[str, Any]:
        out = self.imported.to_json()
        out.update({"sample": self.sample_id, "epoch": self.epoch, "recorded_only": self.recorded_only,
                    "matched_by": self.scenario_why, "warnings": list(self.imported.warnings)})
        if self.recorded_only:
            out["note"] = ("recorded only: no scenario offers this sample's tools, so its turns and results are "
                           "the recording's; a fork goes on with tools that answer they are not simulated")
        return out


# -- reading --------------------------------------------------------------------------
def _header(path: Path) -> EvalLog:
    try:
        return read_eval_log(str(path), header_only=True)
    except Exception as exc:  # Inspect raises many kinds for a file that is not its log
        raise InteropError(f"{path}: not an Inspect log ({type(exc).__name__}: {str(exc)[:200]})") from None


def sample_keys(path: Path, sample: str | None = None, epoch: int | None = None) -> list[tuple[str | int, int]]:
    """The (id, epoch) of every sample to import, in the log's order."""
    _header(path)
    try:
        summaries = read_eval_log_sample_summaries(str(path))
    except Exception as exc:
        raise InteropError(f"{path}: cannot list its samples ({type(exc).__name__}: {str(exc)[:200]})") from None
    keys = [(s.id, s.epoch) for s in summaries]
    if sample is not None:
        keys = [k for k in keys if str(k[0]) == str(sample)]
        if not keys:
            known = ", ".join(sorted({str(s.id) for s in summaries})) or "none"
            raise InteropError(f"{path}: no sample {sample!r} (samples: {known})")
    if epoch is not None:
        keys = [k for k in keys if k[1] == epoch]
        if not keys:
            raise InteropError(f"{path}: no sample{f' {sample!r}' if sample else ''} in epoch {epoch}")
    if not keys:
        raise InteropError(f"{path}: the log holds no samples")
    return keys


def read_sample(path: Path, sid: str | int, epoch: int) -> EvalSample:
    try:
        return read_eval_log_sample(str(path), id=sid, epoch=epoch, resolve_attachments=True)
    except Exception as exc:
        raise InteropError(f"{path}: cannot read sample {sid!r} epoch {epoch} ({type(exc).__name__}: "
                           f"{str(exc)[:200]})") from None


def _model_name(header: EvalLog, sample: EvalSample) -> str:
    model = next((e.model for e in sample.events if e.event == "model"), None) or header.eval.model or "unknown"
    for prefix in ("playground/", RECORDED_PREFIX):  # our provider; an export of a recording
        model = model[len(prefix):] if model.startswith(prefix) else model
    return model


def offered_tools(sample: EvalSample) -> list[str]:
    """The tools the model was offered (its first model event), else the tools it called."""
    for e in sample.events:
        if e.event == "model" and e.tools:
            return [t.name for t in e.tools]
    return [c.function for m in sample.messages if isinstance(m, ChatMessageAssistant) for c in m.tool_calls or []]


def approvals(sample: EvalSample) -> dict[str, Any]:
    """The last approval event for each call id (an escalation logs several)."""
    out: dict[str, Any] = {}
    for e in sample.events:
        if e.event == "approval":
            out[e.call.id] = e
    return out


def recording(path: Path, header: EvalLog, sample: EvalSample) -> tuple[Recording, dict[str, Any], list[str]]:
    """The sample as the importer's Recording; its approvals keyed by our call ids (``rec<k>_<n>``)."""
    meta = {k: v for k, v in (sample.metadata or {}).items() if isinstance(k, str)}
    if meta.get("condition") == NO_STATEMENT:
        meta.pop("monitoring", None)  # an export of a recording that made no monitoring statement: still none
    rec = Recording(path=path, format="inspect", model=_model_name(header, sample), metadata=meta)
    usages = [usage_dict(e.output.usage) for e in sample.events if e.event == "model"]
    by_id = approvals(sample)
    decided: dict[str, Any] = {}
    results: dict[str, ChatMessageTool] = {m.tool_call_id or "": m for m in sample.messages
                                           if isinstance(m, ChatMessageTool)}
    users = 0
    for m in sample.messages:
        if isinstance(m, ChatMessageSystem):
            rec.system = "\n\n".join(p for p in (rec.system, text_of(m)) if p)
        elif isinstance(m, ChatMessageUser):
            users += 1
            if users == 1 and not rec.turns:
                rec.task = text_of(m)
            elif rec.turns:
                rec.nudges.append(len(rec.turns))
        elif isinstance(m, ChatMessageAssistant):
            k = len(rec.turns)
            calls = []
            for n, c in enumerate(m.tool_calls or []):
                entry: dict[str, Any] = {"name": c.function, "arguments": call_arguments(c)}
                r = results.get(c.id)
                if r is not None:
                    entry["output"] = text_of(r) or (r.error.message if r.error else "")
                calls.append(entry)
                if c.id in by_id:
                    decided[f"rec{k}_{n}"] = by_id[c.id]
            rec.turns.append({"text": text_of(m), "reasoning": reasoning_of(m), "calls": calls,
                              "usage": usages[k] if k < len(usages) and len(usages) == _turns(sample) else {}})
    if rec.nudges:
        rec.warnings.append(f"{len(rec.nudges)} user message(s) after the task were not replayed as such "
                            "(our episode sends its own notices)")
    if not rec.turns:
        raise InteropError(f"{path}: sample {sample.id!r} epoch {sample.epoch} has no assistant turn to replay")
    return rec, decided, offered_tools(sample)


def _turns(sample: EvalSample) -> int:
    return sum(1 for m in sample.messages if isinstance(m, ChatMessageAssistant))


class RecordedApprovals(ApprovalPolicy):
    """The sample's own decisions, by call: approve, modify (with the call that ran), reject, terminate."""

    def __init__(self, decided: dict[str, Any]) -> None:
        super().__init__(name="recorded approvals")
        self.decided = decided

    def decide(self, call: ToolCall) -> Approval:
        e = self.decided.get(call.id)
        if e is None:
            return Approval("approve", by="recorded (no approval event)")
        by = f"recorded: {e.approver}"
        if e.decision == "modify" and e.modified is not None:
            return Approval("modify", json.dumps(e.modified.arguments, ensure_ascii=False), e.explanation or "", by)
        if e.decision in ("reject", "terminate"):
            return Approval(e.decision, None, e.explanation or "", by)
        return Approval("approve", by=by)


# -- which world ------------------------------------------------------------------------
def match_scenario(sample: EvalSample, tools: list[str], pack_dirs: list[Path] | None) -> tuple[str | None, str]:
    named = (sample.metadata or {}).get("scenario")
    if isinstance(named, str) and named:
        try:
            load(named, pack_dirs)
            return named, f"the sample's metadata names {named}"
        except ScenarioError:
            pass
    packs, _ = discover_packs(pack_dirs)
    wanted = set(tools)
    for pack in packs:
        for f in pack.scenario_files:
            ref = f"{pack.id}/{f.stem}"
            try:
                loaded = load(ref, pack_dirs)
            except ScenarioError:
                continue
            if set(loaded.scenario.tool_names) == wanted:
                return ref, f"{ref} offers exactly the sample's tools"
    return None, "no scenario offers exactly the sample's tools (" + ", ".join(tools) + ")"


# -- recorded only --------------------------------------------------------------------
_ENDRAW = re.compile(r"\{%-?\s*endraw\s*-?%\}")


def _verbatim(text: str) -> str:
    """Text a scenario template renders as it is."""
    parts = _ENDRAW.split(text)
    ends = _ENDRAW.findall(text)
    out = "{% raw %}" + parts[0]
    for end, part in zip(ends, parts[1:]):
        out += "{% endraw %}{{ " + json.dumps(end) + " }}{% raw %}" + part
    return out + "{% endraw %}"


def stand_in(rec: Recording, sample: EvalSample, tools: list[str], task_name: str) -> tuple[LoadedScenario, str]:
    """The stand-in scenario of a recorded-only sample, and its YAML text (kept in the save)."""
    sid = re.sub(r"[^a-z0-9_-]+", "_", f"inspect_{task_name}_{sample.id}".lower()).strip("_")[:80] or "inspect"
    names = list(dict.fromkeys(tools + rec.tools_called()))
    doc = {
        "id": sid, "title": f"Inspect log {task_name}, sample {sample.id} (recorded only)",
        "description": "A stand-in for a world this project does not simulate: the tools of an imported Inspect "
                       "sample, each answering that it is not simulated.",
        "system_prompt": _verbatim(rec.system or "(no system message)"),
        "task": _verbatim(rec.task or "(no task message)"),
        "tools": [n if n == "end_task" else {"name": n, "reply": NOT_SIMULATED} for n in names] or ["end_task"],
        "max_steps": max(30, len(rec.turns) + 1),
    }
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    origin = f"<inspect:{rec.path.name}#{sample.id}>"
    try:
        scenario, smap = parse_scenario(text, origin)
    except ScenarioError as exc:
        raise InteropError(f"{rec.path}: sample {sample.id!r}: cannot stand in a scenario for it "
                           f"({exc.problems[0].message})") from None
    return LoadedScenario(scenario, Path(origin), smap, None), text


def recorded_only(rec: Recording, sample: EvalSample, tools: list[str], task_name: str,
                  policy: RecordedApprovals) -> Imported:
    loaded, text = stand_in(rec, sample, tools, task_name)
    monitoring = (sample.metadata or {}).get("monitoring")
    episode = Episode(loaded, {}, monitoring != "off", RECORDED_PREFIX + rec.model, loaded.scenario.max_steps,
                      seed=0)
    episode.scenario_text = text
    episode.source = {"file": str(rec.path.resolve()), "format": "inspect", "recorded_model": rec.model,
                      "metadata": rec.metadata, "recorded_only": True, "sample": str(sample.id),
                      "epoch": sample.epoch, "matched_by": ["recorded only"],
                      "imported": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      "recording": recording_data(rec.turns, rec.followups)}
    session = Session(episode, lambda spec, ep: _NoAgent())
    for k, t in enumerate(rec.turns):
        calls = tuple(ToolCall(f"rec{k}_{n}", c["name"], c.get("arguments") or "{}") for n, c in enumerate(t["calls"]))
        session.append(ModelTurn(reasoning=t["reasoning"], text=t["text"], tool_calls=calls, usage=dict(t["usage"]),
                                 agent=episode.agent, recorded=True))
        for n, call in enumerate(calls):
            decision = policy.decide(call)
            recorded_output = t["calls"][n].get("output")
            if decision.decision == "modify":
                session.append(CallEdited(call.id, call.arguments, decision.arguments or call.arguments, by=decision.by))
            elif decision.decision in ("reject", "terminate"):
                session.append(CallRejected(call.id, decision.explanation, by=decision.by))
            else:
                session.append(CallApproved(call.id, by=decision.by))
            output = recorded_output if recorded_output is not None else NOT_SIMULATED
            session.append(ToolResult(call.id, call.name, output, False))
            if decision.decision == "terminate":
                break
    session.append(Ended("recording_end"))
    return Imported(episode, rec, list(rec.warnings))


class _NoAgent:
    name = "recorded"
    scripted = True

    async def next_turn(self, request: Any) -> ModelTurn:  # pragma: no cover - never asked: the events are given
        raise RuntimeError("not used")


# -- the whole import -----------------------------------------------------------------
def import_log(path: Path, *, sample: str | None = None, epoch: int | None = None, scenario: str | None = None,
               assignments: tuple[str, ...] | list[str] = (), pack_dirs: list[Path] | None = None) -> list[InspectImport]:
    path = Path(path)
    header = _header(path)
    out = []
    for sid, ep in sample_keys(path, sample, epoch):
        s = read_sample(path, sid, ep)
        rec, decided, tools = recording(path, header, s)
        policy = RecordedApprovals(decided)
        ref, why = (scenario, f"scenario chosen by hand: {scenario}") if scenario else match_scenario(s, tools, pack_dirs)
        if ref is None:
            imp = recorded_only(rec, s, tools, header.eval.task, policy)
            out.append(InspectImport(imp, sid, ep, True, why))
            continue
        variables = (s.metadata or {}).get("variables") if not scenario else None
        pairs = [f"{k}={v}" for k, v in (variables or {}).items()] + list(assignments)
        try:
            imp = asyncio.run(import_recording(rec, scenario=ref, assignments=pairs, pack_dirs=pack_dirs, table=TABLE,
                                               policy=policy))
        except ImportFailure as exc:
            raise InteropError(f"sample {sid!r} epoch {ep}: {exc}") from None
        imp.episode.source.update({"format": "inspect", "sample": str(sid), "epoch": ep})
        out.append(InspectImport(imp, sid, ep, False, why))
    return out


def save_import(item: InspectImport, save_dir: Path) -> Path:
    stem = f"{item.imported.recording.path.stem}-{item.sample_id}-e{item.epoch}"
    item.imported.save_path = save(item.episode, save_path_for(Path(stem), save_dir))
    return item.imported.save_path


__all__ = ["InspectImport", "import_log", "save_import"]
