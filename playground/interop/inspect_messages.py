"""Our OpenAI-format messages and model turns as Inspect chat messages, and back.

One place for the mapping, used by the export, the ``playground/scenario`` task and the
``playground`` model provider: a model turn's reasoning is Inspect reasoning content, its text is text
content, its calls keep their ids (the scripted agents read their place in the script from them) and
their arguments as data (``parse_error`` keeps the raw text when the model sent no JSON).
Imported only after ``require_inspect()``.
"""

from __future__ import annotations

import json
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentReasoning,
    ContentText,
    ModelOutput,
    ModelUsage,
)
from inspect_ai.tool import ToolCall as InspectCall
from inspect_ai.tool import ToolCallError, ToolInfo, ToolParams

from ..episode.events import REJECTED, ModelTurn, ToolCall
from ..episode.steps import parse_args

USAGE_IN = {"prompt_tokens": "input_tokens", "input_tokens": "input_tokens", "completion_tokens": "output_tokens",
            "output_tokens": "output_tokens", "total_tokens": "total_tokens", "reasoning_tokens": "reasoning_tokens"}


def inspect_call(call: ToolCall, arguments: str | None = None) -> InspectCall:
    raw = call.arguments if arguments is None else arguments
    args = parse_args(raw)
    if isinstance(args, dict):
        return InspectCall(id=call.id, function=call.name, arguments=args)
    return InspectCall(id=call.id, function=call.name, arguments={},
                       parse_error=f"the arguments are not a JSON object: {raw}")


def call_arguments(call: InspectCall) -> str:
    """An Inspect call's arguments as the JSON text our events keep (the raw text when it did not parse)."""
    if call.parse_error and not call.arguments:
        raw = call.parse_error.split(": ", 1)[-1] if call.parse_error.startswith("the arguments are not") else ""
        return raw or "{}"
    return json.dumps(call.arguments, ensure_ascii=False)


def usage(turn_usage: dict[str, Any]) -> ModelUsage | None:
    fields: dict[str, Any] = {}
    for k, v in (turn_usage or {}).items():
        if k in USAGE_IN and isinstance(v, int) and not isinstance(v, bool):
            fields[USAGE_IN[k]] = v
    cost = turn_usage.get("cost") if turn_usage else None
    if isinstance(cost, (int, float)) and not isinstance(cost, bool):
        fields["total_cost"] = float(cost)
    if not fields:
        return None
    fields.setdefault("total_tokens", fields.get("input_tokens", 0) + fields.get("output_tokens", 0))
    return ModelUsage(**fields)


def usage_dict(u: ModelUsage | None) -> dict[str, Any]:
    """Inspect usage in the shape our turns keep (litellm's names)."""
    if u is None:
        return {}
    out: dict[str, Any] = {"prompt_tokens": u.input_tokens, "completion_tokens": u.output_tokens,
                           "total_tokens": u.total_tokens}
    if u.reasoning_tokens:
        out["reasoning_tokens"] = u.reasoning_tokens
    if u.total_cost is not None:
        out["cost"] = u.total_cost
    return out


def assistant(turn: ModelTurn, model: str | None = None) -> ChatMessageAssistant:
    content: list[Any] = []
    if turn.reasoning:
        content.append(ContentReasoning(reasoning=turn.reasoning))
    if turn.text:
        content.append(ContentText(text=turn.text))
    return ChatMessageAssistant(content=content if content else "", model=model or turn.agent or None,
                                tool_calls=[inspect_call(c) for c in turn.tool_calls] or None)


def tool_error(output: str, error: bool) -> ToolCallError | None:
    if output.startswith(REJECTED):
        return ToolCallError("approval", output)
    return ToolCallError("unknown", output) if error else None


def chat_messages(messages: list[dict[str, Any]], turns: list[ModelTurn],
                  errors: dict[str, bool] | None = None) -> list[ChatMessage]:
    """The messages the model saw (``BranchState.messages``), with each assistant message carrying its
    turn's reasoning (assistant messages and turns are one to one, in order)."""
    out: list[ChatMessage] = []
    k = 0
    for m in messages:
        role, content = m.get("role"), m.get("content") or ""
        if role == "system":
            out.append(ChatMessageSystem(content=content))
        elif role == "user":
            out.append(ChatMessageUser(content=content))
        elif role == "assistant":
            out.append(assistant(turns[k]))
            k += 1
        elif role == "tool":
            cid = m.get("tool_call_id") or ""
            out.append(ChatMessageTool(content=content, tool_call_id=cid, function=m.get("name"),
                                       error=tool_error(content, bool((errors or {}).get(cid)))))
    return out


def model_output(turn: ModelTurn, model: str) -> ModelOutput:
    msg = assistant(turn, model)
    return ModelOutput(model=model, usage=usage(turn.usage),
                       choices=[ChatCompletionChoice(message=msg, stop_reason="tool_calls" if turn.tool_calls else "stop")])


def tool_infos(schemas: list[dict[str, Any]]) -> list[ToolInfo]:
    out = []
    for s in schemas:
        fn = s.get("function", s)
        params = dict(fn.get("parameters") or {"type": "object", "properties": {}})
        params.setdefault("properties", {})
        params.pop("additionalProperties", None)
        out.append(ToolInfo(name=fn["name"], description=fn.get("description") or fn["name"],
                            parameters=ToolParams.model_validate(params)))
    return out


# -- back: Inspect messages as the OpenAI-format messages our agents read --------------
def text_of(message: ChatMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    return "".join(c.text for c in message.content if isinstance(c, ContentText))


def reasoning_of(message: ChatMessage) -> str:
    if isinstance(message.content, str):
        return ""
    parts = []
    for c in message.content:
        if isinstance(c, ContentReasoning):
            parts.append(c.summary if c.redacted and c.summary else ("" if c.redacted else c.reasoning))
    return "\n\n".join(p for p in parts if p)


def openai_messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in messages:
        if isinstance(m, ChatMessageAssistant):
            msg: dict[str, Any] = {"role": "assistant", "content": text_of(m) or None}
            if m.tool_calls:
                msg["tool_calls"] = [{"id": c.id, "type": "function",
                                      "function": {"name": c.function, "arguments": call_arguments(c)}}
                                     for c in m.tool_calls]
            out.append(msg)
        elif isinstance(m, ChatMessageTool):
            content = text_of(m)
            if not content and m.error is not None:
                content = m.error.message
            out.append({"role": "tool", "tool_call_id": m.tool_call_id or "", "name": m.function or "",
                        "content": content})
        else:
            out.append({"role": m.role, "content": text_of(m)})
    return out


def turn_from(message: ChatMessageAssistant, agent: str, turn_usage: dict[str, Any] | None = None) -> ModelTurn:
    calls = tuple(ToolCall(c.id, c.function, call_arguments(c)) for c in message.tool_calls or [])
    return ModelTurn(reasoning=reasoning_of(message), text=text_of(message), tool_calls=calls,
                     usage=dict(turn_usage or {}), agent=agent)
