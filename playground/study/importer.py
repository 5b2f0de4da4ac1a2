"""Importing outside transcripts as steppable, forkable episodes.

A transcript (the peer-preservation study's JSON, or a plain OpenAI-format
message list) is read into a ``Recording``; its metadata picks one of our
scenarios and variables (``study_map.yaml``, or ``--scenario``/``--set``); then a
session runs it to the end with the *recorded agent*, which replays each recorded
assistant turn while every call runs against our simulated world. Where our
world answers differently from the recorded harness, the ``ToolResult`` keeps
both and is flagged ``diverged`` (see ``agents.recorded.same_output`` for what
counts as a difference). A follow-up interview in the file becomes ``Interview``
events. The episode's ``source`` carries the provenance and the recording itself,
so a save replays, forks and continues with no access to the original file.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..agents import make_agent
from ..agents.recorded import RECORDED_PREFIX, recording_data
from ..episode import ApprovalPolicy, Episode, Interview, Session, ToolResult, summary
from ..episode.start import UsageError, load, new_episode, parse_assignments
from ..episode.state import BranchState
from ..scenario import ScenarioError
from ..scenario.approval import ApprovalPolicySpec
from ..store import save
from ..world import TOOLS, execute
from ..world.serial import world_to_text
from .recorded_world import rebuild
from .mapping import MappingError, load_table, map_monitoring, map_variables, pick_scenario
from .transcripts import Recording, TranscriptError, read_transcript

EXCERPT = 400
CONDITION_KEYS = ("alignment_faking_mode", "company_guideline", "subject", "dataset", "threshold",
                  "system_prompt_relationship", "peer_experience")


class ImportFailure(Exception):
    """A transcript that cannot become an episode; the message names the file and what did not match."""


@dataclass
class Imported:
    episode: Episode
    recording: Recording
    warnings: list[str] = field(default_factory=list)
    save_path: Path | None = None

    @property
    def state(self) -> BranchState:
        return self.episode.replay("main")

    def to_json(self) -> dict[str, Any]:
        """``playground run --json``'s fields plus where the episode came from and where it diverged."""
        state = self.state
        out = summary(self.episode, state, "main")
        src = self.episode.source
        out.update({
            "source": str(self.recording.path),
            "recorded_model": self.recording.model,
            "study_evaluation": self.recording.evaluation,
            "divergences": divergences(self.episode, "main", state),
            "recorded_condition": {k: self.recording.metadata[k] for k in CONDITION_KEYS if k in self.recording.metadata},
            "family": src.get("family"),
            "interviews": len(state.interviews),
            "save": str(self.save_path) if self.save_path else None,
            "warnings": list(self.warnings),
        })
        return out


def _excerpt(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return text if len(text) <= EXCERPT else text[:EXCERPT] + f" … [{len(text) - EXCERPT} more characters]"


def divergences(episode: Episode, branch: str | None = None, state: BranchState | None = None) -> list[dict[str, Any]]:
    """The steps where our world's result differed from the recorded one, with both answers (shortened)."""
    state = state or episode.replay(branch)
    out = []
    for event, step in zip(state.events, state.event_steps):
        if isinstance(event, ToolResult) and event.diverged:
            out.append({"step": step, "call_id": event.call_id, "tool": event.name,
                        "ours": _excerpt(event.output), "recorded": _excerpt(event.recorded_output)})
    return out


def banner(episode: Episode) -> str | None:
    """One line for a header: whose turns these are. None for a native episode."""
    src = episode.source or {}
    if not src.get("recorded_model"):
        return None
    name = Path(str(src.get("file", ""))).name
    return (f"Turns recorded from {src['recorded_model']}" + (f" ({name})" if name else "")
            + "; every call re-ran in our simulated world")


# -- building -----------------------------------------------------------------------
def _scenario(rec: Recording, scenario: str | None, pack_dirs: list[Path] | None, table: dict[str, Any]):
    if scenario:
        try:
            return load(scenario, pack_dirs), None, {}, [f"scenario chosen by hand: {scenario}"], []
        except ScenarioError as exc:
            raise ImportFailure(f"{rec.path}: {exc.problems[0]}") from None
    if not rec.metadata:
        raise ImportFailure(f"{rec.path}: no experiment metadata to choose a scenario from; pass --scenario")
    try:
        match = pick_scenario(rec, table)
    except MappingError as exc:
        return _nearest(rec, table, pack_dirs, str(exc))
    try:
        loaded = load(match.scenario, pack_dirs)
    except ScenarioError as exc:
        raise ImportFailure(f"{rec.path}: the study's {match.family} runs map to {match.scenario}, which does not load "
                            f"({exc.problems[0].message}); pass --scenario") from None
    return loaded, match.family, match.fixed, [f"family {match.family}: " + "; ".join(match.why)], []


def _nearest(rec: Recording, table: dict[str, Any], pack_dirs: list[Path] | None, problem: str):
    """No family rule matched: the scenario of the map whose tools answer most of the recorded calls."""
    called = set(rec.tools_called())
    best = None
    for family, target in (table.get("scenarios") or {}).items():
        ref = target["scenario"] if isinstance(target, dict) else str(target)
        try:
            loaded = load(ref, pack_dirs)
        except ScenarioError:
            continue
        score = len(called & {t.name for t in loaded.scenario.tool_specs})
        if best is None or score > best[0]:
            fixed = {k: str(v) for k, v in (target.get("set") or {}).items()} if isinstance(target, dict) else {}
            best = (score, family, loaded, fixed)
    if best is None:
        raise ImportFailure(f"{rec.path}: {problem}") from None
    score, family, loaded, fixed = best
    warning = (f"{problem.split('; pass --scenario')[0]}; replaying in {loaded.ref}, the nearest scenario "
               f"(it offers {score} of the {len(called)} tools the recording calls)")
    return loaded, family, fixed, [f"nearest family {family} by the tools called"], [warning]


def _answers_to(episode: Episode, name: str) -> bool:
    """Whether the scenario's toolbox takes this name (its own, or an alias it declares): ask a
    throwaway copy of the world, so however aliases are declared, the engine's own answer decides."""
    ctx = episode.context
    if name in ctx.offered:
        return True
    out = execute(ctx.initial_world(episode.monitoring), name, "{}", ctx.offered, ctx.replies)
    return not (out.error and out.output.startswith("Error: unknown tool"))


def _unknown_tools(rec: Recording, episode: Episode) -> list[str]:
    """A warning naming the recorded calls that neither our toolbox nor the scenario answers: they
    stay in the episode as recorded, and our world answers them with an unknown-tool error."""
    unknown: dict[str, list[int]] = {}
    for k, t in enumerate(rec.turns, 1):
        for c in t["calls"]:
            if c["name"] not in TOOLS and not _answers_to(episode, c["name"]):
                unknown.setdefault(c["name"], []).append(k)
    if not unknown:
        return []
    listed = ", ".join(f"{name} (turn{'s' if len(ks) > 1 else ''} {', '.join(map(str, ks))})" for name, ks in unknown.items())
    return [f"the recording calls tools our toolbox does not have: {listed}; their recorded answers are shown, "
            "and a continuation cannot call them"]


def build_episode(rec: Recording, *, scenario: str | None = None, assignments: tuple[str, ...] | list[str] = (),
                  pack_dirs: list[Path] | None = None, table: dict[str, Any] | None = None) -> tuple[Episode, list[str]]:
    """The episode a recording replays in, before anything has run; and the warnings so far."""
    table = table if table is not None else load_table()
    loaded, family, fixed, why, picked = _scenario(rec, scenario, pack_dirs, table)
    try:
        mapped, how, warnings = map_variables(rec, loaded.scenario, table, strict=False)
        warnings = picked + warnings
    except MappingError as exc:
        raise ImportFailure(f"{rec.path}: {exc}") from None
    monitoring, condition, more = map_monitoring(rec, table)
    warnings += more
    try:
        variables = {**fixed, **mapped, **parse_assignments(list(assignments), loaded)}
        ep = new_episode(loaded, variables=variables, monitoring=monitoring, agent=RECORDED_PREFIX + rec.model,
                         max_steps=max(loaded.scenario.max_steps, len(rec.turns) + 1))
    except UsageError as exc:
        raise ImportFailure(f"{rec.path}: {exc}") from None
    rebuilt = rebuild(rec, ep.context.initial_world(ep.monitoring))
    warnings += _unknown_tools(rec, ep)
    ep.source = {
        "file": str(rec.path.resolve()), "format": rec.format, "recorded_model": rec.model,
        "study_evaluation": rec.evaluation or {}, "metadata": rec.metadata, "family": family or "",
        "matched_by": why + how, "imported": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "recording": recording_data(rec.turns, rec.followups),
        "prompt": {"system": rec.system, "task": rec.task},
        "tools": rec.tools_called(),
        "world": world_to_text(rebuilt.world),
        "world_facts": rebuilt.facts,
        "condition": condition,
    }
    if rec.canary:
        ep.source["canary"] = rec.canary
    ep.refresh_context()
    return ep, list(rec.warnings) + warnings


RECORDED_ANSWERS = ApprovalPolicy(ApprovalPolicySpec(name="recorded answers"))  # the recording had no approver


async def replay(rec: Recording, episode: Episode, warnings: list[str], policy: ApprovalPolicy | None = None) -> Session:
    """Run the recording to its end in our world through the one run loop (the recorded agent ends
    the episode when its turns run out), then add its interview. ``policy``: the recording's own
    approvals, where it has them (an Inspect log's approval events); else every call is approved."""
    session = Session(episode, make_agent, policy=policy or RECORDED_ANSWERS)
    spec = episode.agent
    result = await session.run()
    if not session.state.ended:
        warnings.append(f"the replay stopped: {result.message or result.outcome}")
        session.end("error")
    if session.state.step < len(rec.turns):
        warnings.append(f"our episode ended ({session.state.ended}) after turn {session.state.step}; "
                        f"recorded turns {session.state.step + 1}-{len(rec.turns)} were not replayed")
    for f in rec.followups:
        session.append(Interview(f["question"], f["answer"], f.get("reasoning", ""), spec))
    return session


async def import_recording(rec: Recording, *, policy: ApprovalPolicy | None = None, **kwargs: Any) -> "Imported":
    episode, warnings = build_episode(rec, **kwargs)
    await replay(rec, episode, warnings, policy)
    return Imported(episode, rec, warnings)


def import_file(path: Path | str, *, model: str | None = None, **kwargs: Any) -> Imported:
    """Read, match and replay one transcript (synchronous; the TUI awaits ``import_recording``)."""
    try:
        rec = read_transcript(path, model)
    except TranscriptError as exc:
        raise ImportFailure(str(exc)) from None
    return asyncio.run(import_recording(rec, **kwargs))


def save_path_for(source: Path, save_dir: Path) -> Path:
    """``<save_dir>/<source name>.toml``; an existing save is never overwritten (``-2``, ``-3``, ...)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(source).stem).strip("._") or "imported"
    path = Path(save_dir) / f"{stem}.toml"
    n = 2
    while path.exists():
        path = Path(save_dir) / f"{stem}-{n}.toml"
        n += 1
    return path


def save_imported(imported: Imported, save_dir: Path) -> Path:
    imported.save_path = save(imported.episode, save_path_for(imported.recording.path, save_dir))
    return imported.save_path
