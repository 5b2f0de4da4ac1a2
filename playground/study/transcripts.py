"""Reading outside transcripts into a ``Recording``: the peer-preservation study's
JSON (``conversation`` or ``full_conversation`` + ``followup_conversation``, with
``experiment_metadata`` and the study's evaluation flags) and plain OpenAI-format
message lists (a JSON list, ``{"messages": [...]}``, or JSONL, one message a line).

The study writes ``tool_calls`` as a mapping tool name -> arguments (so at most one
call per tool a turn) and a tool message repeats the call it answers; OpenAI
writes a list of ``{id, function: {name, arguments}}`` and tool messages carry
``tool_call_id``. Both are read here; nothing else in the project sees either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..limits import JSON
from ..world.jsontext import JsonLimitError, loads

SCRATCHPAD = "reasoning_scratchpad"
EVALUATION_KEYS = ("task_evaluation", "main_task_evaluation", "side_task_evaluation")
KEPT_KEYS = EVALUATION_KEYS + ("monitoring_response",)  # kept with the evaluation; not flags
ROLES = ("system", "user", "assistant", "tool")


class TranscriptError(Exception):
    """A file that is not a transcript we can read; the message names the file and the place."""


@dataclass
class Recording:
    path: Path
    format: str  # "study", "study-followup" or "openai"
    model: str
    metadata: dict[str, Any] = field(default_factory=dict)
    evaluation: dict[str, Any] | None = None  # the file's own flags, verbatim, under the file's own keys
    system: str = ""
    task: str = ""
    turns: list[dict[str, Any]] = field(default_factory=list)  # text, reasoning, calls[name, arguments, output], usage
    followups: list[dict[str, str]] = field(default_factory=list)  # question, answer, reasoning
    nudges: list[int] = field(default_factory=list)  # turns (0-based) answered by a user nudge
    warnings: list[str] = field(default_factory=list)
    canary: str = ""  # the file's training-data canary, carried into saves made from it

    @property
    def flags(self) -> dict[str, Any]:
        """The study's flags in one mapping (``main_task_evaluation`` and ``task_evaluation`` merged;
        ``side_task_evaluation``, a bare boolean in the files, under that name)."""
        out: dict[str, Any] = {}
        for key in EVALUATION_KEYS:
            value = (self.evaluation or {}).get(key)
            if isinstance(value, dict):
                out.update(value)
            elif value is not None:
                out[key] = value
        return out

    def tools_called(self) -> list[str]:
        seen: list[str] = []
        for t in self.turns:
            for c in t["calls"]:
                if c["name"] not in seen:
                    seen.append(c["name"])
        return seen

    def outputs(self) -> list[str]:
        return [c["output"] for t in self.turns for c in t["calls"] if isinstance(c.get("output"), str)]


# -- reading ----------------------------------------------------------------------
def read_transcript(path: Path | str, model: str | None = None) -> Recording:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TranscriptError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    data = _load_json(path, text)
    if isinstance(data, list):
        return _openai(path, data, {}, model)
    if not isinstance(data, dict):
        raise TranscriptError(f"{path}: expected a JSON object or a list of messages, got {type(data).__name__}")
    meta = data.get("experiment_metadata") or data.get("metadata") or {}
    if not isinstance(meta, dict):
        raise TranscriptError(f"{path}: experiment_metadata is not an object")
    if "conversation" in data:
        rec = _study(path, data["conversation"], meta, model, "study", "conversation")
    elif "full_conversation" in data:
        rec = _followup(path, data, meta, model)
    elif "messages" in data:
        return _openai(path, data["messages"], meta, model or data.get("model"))
    else:
        raise TranscriptError(f"{path}: no 'conversation', 'full_conversation' or 'messages' "
                              f"(keys: {', '.join(sorted(data)) or 'none'})")
    evaluation = {k: data[k] for k in KEPT_KEYS if k in data}
    rec.evaluation = evaluation or None
    canary = data.get("canary") or data.get("_canary")
    rec.canary = canary if isinstance(canary, str) else ""
    _attach_usage(rec, data.get("usage"))
    return rec


def _load_json(path: Path, text: str) -> Any:
    try:
        return _bounded(text)
    except JsonLimitError as exc:
        raise TranscriptError(f"{path}: refused: {exc}") from None
    except json.JSONDecodeError as first:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        out = []
        for n, line in lines:
            try:
                out.append(_bounded(line))
            except JsonLimitError as exc:
                raise TranscriptError(f"{path}:{n}: refused: {exc}") from None
            except json.JSONDecodeError as exc:
                where = first if len(lines) < 2 else exc
                line_no = first.lineno if len(lines) < 2 else n
                raise TranscriptError(f"{path}:{line_no}: not JSON or JSONL ({where.msg})") from None
        return out


def _model(meta: dict[str, Any], given: str | None, messages: list[Any]) -> str:
    for candidate in (given, meta.get("agent_model"), meta.get("model")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    for m in messages:
        if isinstance(m, dict) and m.get("role") == "assistant" and isinstance(m.get("model"), str):
            return m["model"]
    return "unknown-model"


def _study(path: Path, messages: Any, meta: dict[str, Any], model: str | None, fmt: str, key: str) -> Recording:
    rec = Recording(path, fmt, _model(meta, model, messages if isinstance(messages, list) else []), dict(meta))
    _read_messages(rec, messages, key)
    return rec


def _openai(path: Path, messages: Any, meta: dict[str, Any], model: str | None) -> Recording:
    return _study(path, messages, meta, model, "openai", "messages")


def _followup(path: Path, data: dict[str, Any], meta: dict[str, Any], model: str | None) -> Recording:
    full = data["full_conversation"]
    if not isinstance(full, list):
        raise TranscriptError(f"{path}: full_conversation is not a list of messages")
    tail = data.get("followup_conversation") or []
    if tail and full[-len(tail):] == tail:
        episode, questions = full[: -len(tail)], tail
    else:
        cut = _after_end_task(full)
        episode, questions = full[:cut], tail or full[cut:]
    rec = _study(path, episode, meta, model, "study-followup", "full_conversation")
    rec.followups = _questions(path, questions)
    return rec


def _after_end_task(messages: list[Any]) -> int:
    """Index just after the episode proper: the answer to the first end_task call (or that call)."""
    for i, m in enumerate(messages):
        if isinstance(m, dict) and m.get("role") == "assistant" and "end_task" in _call_names(m.get("tool_calls")):
            if i + 1 < len(messages) and isinstance(messages[i + 1], dict) and messages[i + 1].get("role") == "tool":
                return i + 2
            return i + 1
    return len(messages)


def _questions(path: Path, messages: Any) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for i, m in enumerate(messages if isinstance(messages, list) else []):
        if not isinstance(m, dict):
            raise TranscriptError(f"{path}: followup_conversation[{i}] is not a message object")
        if m.get("role") == "user":
            out.append({"question": _text(m.get("content")), "answer": "", "reasoning": ""})
        elif m.get("role") == "assistant" and out:
            q = out[-1]
            q["answer"] = "\n\n".join(p for p in (q["answer"], _text(m.get("content"))) if p)
            q["reasoning"] = "\n\n".join(p for p in (q["reasoning"], _reasoning(m)) if p)
    return [q for q in out if q["question"] or q["answer"]]


# -- messages -----------------------------------------------------------------------
def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") in (None, "text"))
    return str(content)


def _reasoning(msg: dict[str, Any]) -> str:
    parts = []
    for key in ("reasoning_content", "reasoning"):
        if isinstance(msg.get(key), str) and msg[key].strip():
            parts.append(msg[key].strip())
            break
    content = msg.get("content")
    if isinstance(content, list):
        parts += [p.get("thinking") or p.get("text") or "" for p in content
                  if isinstance(p, dict) and p.get("type") in ("thinking", "reasoning")]
    return "\n\n".join(p for p in parts if p)


def _call_names(tool_calls: Any) -> list[str]:
    if isinstance(tool_calls, dict):
        return [str(k) for k in tool_calls]
    if isinstance(tool_calls, list):
        return [str((c.get("function") or {}).get("name", c.get("name", ""))) for c in tool_calls if isinstance(c, dict)]
    return []


def _calls(path: Path, where: str, tool_calls: Any) -> list[dict[str, Any]]:
    if not tool_calls:
        return []
    if isinstance(tool_calls, dict):  # the study's form: name -> arguments
        return [{"name": str(name), "arguments": args if args is not None else {}, "id": ""} for name, args in tool_calls.items()]
    if isinstance(tool_calls, list):
        calls = []
        for j, c in enumerate(tool_calls):
            fn = c.get("function") if isinstance(c, dict) else None
            if not isinstance(fn, dict) or not fn.get("name"):
                raise TranscriptError(f"{path}: {where}.tool_calls[{j}] has no function name")
            args = fn.get("arguments")
            calls.append({"name": str(fn["name"]), "arguments": args if args not in (None, "") else {}, "id": str(c.get("id") or "")})
        return calls
    raise TranscriptError(f"{path}: {where}.tool_calls is neither a mapping nor a list")


def _bounded(text: str) -> Any:
    return loads(text, max_depth=JSON.max_file_depth, max_chars=JSON.max_file_chars)


def _args_dict(args: Any) -> dict[str, Any]:
    if isinstance(args, dict):
        return args
    try:
        value = loads(args)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _answer(turn: dict[str, Any], msg: dict[str, Any]) -> dict[str, Any] | None:
    """The call of this turn a tool message answers: by id, by the repeated call, else the next unanswered."""
    open_calls = [c for c in turn["calls"] if "output" not in c]
    cid = msg.get("tool_call_id")
    if cid:
        for c in open_calls:
            if c["id"] == cid:
                return c
    names = _call_names(msg.get("tool_calls")) or ([msg["name"]] if isinstance(msg.get("name"), str) else [])
    for c in open_calls:
        if names and c["name"] == names[0]:
            return c
    return open_calls[0] if open_calls else None


def _read_messages(rec: Recording, messages: Any, key: str) -> None:
    path = rec.path
    if not isinstance(messages, list):
        raise TranscriptError(f"{path}: {key} is not a list of messages")
    turn: dict[str, Any] | None = None
    for i, m in enumerate(messages):
        where = f"{key}[{i}]"
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            role = m.get("role") if isinstance(m, dict) else None
            raise TranscriptError(f"{path}: {where} is not a message (role {role!r}; expected one of {', '.join(ROLES)})")
        role = m["role"]
        if role == "system":
            rec.system = "\n\n".join(p for p in (rec.system, _text(m.get("content"))) if p)
        elif role == "user":
            if not rec.turns:
                rec.task = "\n\n".join(p for p in (rec.task, _text(m.get("content"))) if p)
            elif not rec.turns[-1]["calls"]:
                rec.nudges.append(len(rec.turns) - 1)
                rec.turns[-1]["nudge"] = _text(m.get("content"))  # the harness's own words, replayed as they were
            else:  # a message the harness sent between turns: replayed before the next turn, word for word
                said = rec.turns[-1].get("user")
                rec.turns[-1]["user"] = "\n\n".join(p for p in (said, _text(m.get("content"))) if p)
        elif role == "assistant":
            calls = _calls(path, where, m.get("tool_calls"))
            thoughts = [_args_dict(c["arguments"]).get("thought") for c in calls if c["name"] == SCRATCHPAD]
            reasoning = [_reasoning(m)] + [t for t in thoughts if isinstance(t, str)]
            turn = {"text": _text(m.get("content")).strip(), "reasoning": "\n\n".join(r.strip() for r in reasoning if r and r.strip()),
                    "calls": calls, "usage": {}}
            rec.turns.append(turn)
        else:  # tool
            target = _answer(turn, m) if turn is not None else None
            if target is None:
                rec.warnings.append(f"{where}: a tool message that answers no call of the turn before it; ignored")
                continue
            target["output"] = _text(m.get("content"))
    if not rec.turns:
        raise TranscriptError(f"{path}: {key} has no assistant turn to replay")


def _attach_usage(rec: Recording, usage: Any) -> None:
    """The study logs one usage record per model call; attach them when they line up with the turns."""
    if not isinstance(usage, list) or len(usage) != len(rec.turns):
        return
    for turn, u in zip(rec.turns, usage):
        if isinstance(u, dict):
            mapped = {"prompt_tokens": u.get("input_tokens"), "completion_tokens": u.get("output_tokens"),
                      "total_tokens": u.get("total_tokens"), "cost": u.get("cost_usd")}
            turn["usage"] = {k: v for k, v in mapped.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
