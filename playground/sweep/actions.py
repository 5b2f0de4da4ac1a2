"""What an agent did on a turn, as one comparable string: the tool calls with their arguments
(JSON with sorted keys, so the same call written two ways groups as one), "text only" for a turn
that only spoke, "no call" for one that said nothing either."""

from __future__ import annotations

import json

from ..episode.events import ModelTurn, ToolCall

TEXT_ONLY = "text only"
NO_CALL = "no call"
ERROR = "error"


def call_key(call: ToolCall) -> str:
    try:
        args = json.loads(call.arguments) if call.arguments.strip() else {}
    except (json.JSONDecodeError, AttributeError):
        return f"{call.name} {call.arguments}"  # malformed arguments group by their text
    if args == {}:
        return call.name
    return f"{call.name} {json.dumps(args, sort_keys=True, ensure_ascii=False)}"


def action_key(turn: ModelTurn | None) -> str:
    if turn is None:
        return ERROR
    if turn.tool_calls:
        return "; ".join(call_key(c) for c in turn.tool_calls)
    return TEXT_ONLY if turn.text.strip() else NO_CALL
