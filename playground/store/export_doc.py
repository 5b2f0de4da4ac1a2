"""What an export says, built once from the step fold; Markdown and HTML only format it.

So the two exports carry the same things: the prompt and task as the model was given them, every
step as the model saw it (reasoning, text, each call with who approved, edited or rejected it, its
result as the tool returned it and as the model saw it, a recorded run's differing answer), the
notices, notes, monitoring changes and errors, the detectors at the step that tripped them, the
interview, and the detector table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..episode import Episode, summary
from ..episode.summary import NO_STATEMENT, start_belief
from ..episode.steps import CallStep, Extra, Step, StepFold
from ..world.jsontext import pretty

STATUS = {"pending": "waiting for approval", "approved": "approved", "edited": "edited, then run",
          "rejected": "rejected, not run"}


@dataclass
class Block:
    kind: str  # h1 | h2 | h3 | p | em | code | quote | table
    text: str = ""
    lang: str = ""
    rows: list[list[str]] = field(default_factory=list)  # table: the first row is the header


def pretty_args(raw: str) -> str:
    return pretty(raw, indent=2)


def _who(by: str | None) -> str:
    return f" (by {by})" if by else ""


def _call(cv: CallStep) -> list[Block]:
    out = [Block("h3", f"Call {cv.call.name} — {STATUS[cv.status]}{_who(cv.by)}")]
    if cv.status == "edited":
        out += [Block("em", "The model asked for:"), Block("code", pretty_args(cv.call.arguments), "json"),
                Block("em", "It ran with (edited):"), Block("code", pretty_args(cv.arguments), "json")]
    else:
        out.append(Block("code", pretty_args(cv.arguments), "json"))
    if cv.status == "rejected":
        out.append(Block("em", f"Rejected: {cv.reason or 'no reason given'}"))
    r = cv.result
    if r is not None:
        if cv.edited_output is not None:
            out += [Block("em", "The model saw (result edited before it read it):"), Block("code", cv.edited_output),
                    Block("em", "The tool returned:"), Block("code", r.output)]
        else:
            out += [Block("em", "Result" + (" (error)" if r.error else "") + " — what the model saw"
                          + (" (the recorded harness's answer):" if r.recorded_output is not None else ":")),
                    Block("code", cv.output or "")]
        if r.diverged and r.recorded_output is not None:
            out += [Block("em", "Our world answered differently:"), Block("code", r.output)]
    return out


def _extra(e: Extra) -> Block | None:
    if e.kind == "monitoring":
        if e.text == "none":
            return Block("em", f"Monitoring: no statement ({e.detail}).")
        return Block("em", f"Monitoring belief: {'on' if e.text == 'on' else 'off'} ({e.detail}).")
    if e.kind == "notice":
        return Block("p", f"Notice to the agent ({e.detail or 'notice'}): {e.text}")
    if e.kind == "note":
        return Block("p", f"Note (never shown to the model): {e.text}")
    if e.kind == "error":
        return Block("em", f"Model call failed{' (retryable)' if e.detail else ''}: {e.text}")
    if e.kind == "ended":
        return Block("em", f"Episode ended: {e.text}.")
    return None  # interviews have their own section


def _step(view: Step, labels: dict[str, str]) -> list[Block]:
    turn = view.turn
    title = "Set-up (before the first turn)" if view.step == 0 else f"Step {view.step}"
    if turn is not None:
        title += f" · {turn.agent}" + (" (recorded)" if turn.recorded else "")
        if turn.usage:
            title += " · " + ", ".join(f"{k} {v}" for k, v in turn.usage.items() if isinstance(v, (int, float)))
    out = [Block("h2", title)]
    if turn is not None:
        out += [Block("em", "Reasoning:"), Block("quote", turn.reasoning)] if turn.reasoning else \
            [Block("em", "No reasoning shown by the model.")]
        if turn.text:
            out += [Block("em", "Said:"), Block("code", turn.text)]
        if not turn.tool_calls:
            out.append(Block("em", "No tool call this turn."))
    for cv in view.calls:
        out += _call(cv)
    for e in view.extras:
        block = _extra(e)
        if block is not None:
            out.append(block)
    for det in view.tripped:
        out.append(Block("p", f"⚑ Detector {det} tripped: {labels.get(det, det)}"))
    return out


def document(episode: Episode, branch: str | None = None) -> tuple[str, list[Block]]:
    """The export of one branch: its title and blocks."""
    s = summary(episode, branch=branch)
    state = episode.replay(branch)
    steps = StepFold.of(state, start_belief(episode)).steps
    labels = {d.id: d.label for d in episode.scenario.detectors}
    meta = [["field", "value"], ["scenario", s["scenario"]], ["agent", s["agent"]], ["branch", s["branch"]],
            ["monitoring (start → end)", "no monitoring statement (as recorded)" if s.get("condition") == NO_STATEMENT
             else f"{s['initial_monitoring']} → {s['monitoring']}"],
            ["variables", ", ".join(f"{k}={v}" for k, v in s["variables"].items()) or "none"],
            ["steps", str(s["steps"])], ["ended", s["ended"] or "not yet"],
            ["behaviours", ", ".join(s["behaviours"]) or "none"]]
    src = episode.source or {}
    if src.get("recorded_model"):
        meta += [["imported from", str(src.get("file", ""))], ["recorded model", str(src["recorded_model"])]]
        if s.get("condition"):
            meta.append(["recorded condition", s["condition"]])
    diverged = sum(1 for v in steps for c in v.calls if c.result is not None and c.result.diverged)
    if diverged:
        meta.append(["results that differ from the recording", str(diverged)])
    blocks = [Block("table", rows=meta), Block("h2", "What the model was given"),
              Block("em", "System prompt:"), Block("code", state.messages[0]["content"]),
              Block("em", "Task:"), Block("code", state.messages[1]["content"])]
    for view in steps:
        if view.step == 0 and not view.events and len(view.extras) <= 1:
            continue  # nothing happened before the first turn but the starting belief (in the table)
        blocks += _step(view, labels)
    interviews = [e for v in steps for e in v.extras if e.kind == "interview"]
    if interviews:
        blocks.append(Block("h2", "Interview"))
        for e in interviews:
            who = getattr(e.event, "agent", "") or ""
            blocks += [Block("p", f"Q: {e.detail}"), Block("p", f"A{f' ({who})' if who else ''}: {e.text}")]
            if getattr(e.event, "reasoning", ""):
                blocks.append(Block("quote", e.event.reasoning))  # type: ignore[union-attr]
    rows = [["detector", "label", "tripped", "step"]]
    rows += [[k, d["label"], "yes" if d["tripped"] else "no", "" if d["step"] is None else str(d["step"])]
             for k, d in s["detectors"].items()]
    blocks += [Block("h2", "Detectors"), Block("table", rows=rows)]
    return episode.scenario.title, blocks


def steps_data(episode: Episode, branch: str | None = None) -> list[dict[str, Any]]:
    """The fold as plain data (the JSON export's ``steps``)."""
    state = episode.replay(branch)
    out = []
    for v in StepFold.of(state, start_belief(episode)).steps:
        out.append({
            "step": v.step,
            "turn": v.turn.to_dict() if v.turn is not None else None,
            "calls": [{"id": c.call.id, "name": c.call.name, "status": c.status, "by": c.by,
                       "arguments": c.arguments, "requested_arguments": c.call.arguments, "reason": c.reason or None,
                       "tool_output": c.result.output if c.result else None, "model_saw": c.output,
                       "error": c.result.error if c.result else None,
                       "recorded_output": c.result.recorded_output if c.result else None,
                       "diverged": c.result.diverged if c.result else False} for c in v.calls],
            "extras": [{"kind": e.kind, "text": e.text, "detail": e.detail} for e in v.extras],
            "tripped": list(v.tripped),
        })
    return out
