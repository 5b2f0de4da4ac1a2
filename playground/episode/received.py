"""What the model received: the messages and tool schemas of the request that produced a turn.

Derived from the branch's state: the messages before the turn's assistant message (results the
user edited appear as the model saw them) and the episode's tool schemas. The litellm agent sends
these same messages and tools; a scripted agent is fed them too. Textual-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .state import BranchState


@dataclass(frozen=True)
class Request:
    step: int  # the turn this request produced (the next one when it has not happened yet)
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    happened: bool  # False: the request the model will get next


def request_for(state: BranchState, step: int | None) -> Request:
    """The request behind turn ``step`` (1-based); ``None``, 0 or a step not taken yet: the next
    request, as it stands now."""
    tools = list(state.ctx.tool_schemas)
    if step is not None and 1 <= step <= len(state.turns):
        seen = 0
        for i, message in enumerate(state.messages):
            if message.get("role") == "assistant":
                seen += 1
                if seen == step:
                    return Request(step, list(state.messages[:i]), tools, True)
    return Request(len(state.turns) + 1, list(state.messages), tools, False)
