"""Named breakpoints for "run to next breakpoint": predicates on the pending call."""

from __future__ import annotations

import re
from typing import Callable

from .events import ToolCall

_PATTERNS = {
    "delete": r"delete|remove|(^|\s)rm\s",
    "transfer": r"transfer|copy|scp|(^|\s)cp\s|(^|\s)mv\s|rename",
    "config": r"_var$|config",
    "shutdown": r"shutdown",
    "end": r"^end_task$",
}


def _matches(kind: str, call: ToolCall) -> bool:
    pat = re.compile(_PATTERNS[kind])
    if call.name == "shell":
        return bool(pat.search(call.arguments))
    return bool(pat.search(call.name))


BREAKPOINTS: dict[str, Callable] = {
    "any": lambda call, session: True,
    "mutating": lambda call, session: session.episode.context.mutating(call.name),
    **{k: (lambda kind: lambda call, session: _matches(kind, call))(k) for k in _PATTERNS},
}

DESCRIPTIONS = {
    "any": "every call",
    "mutating": "any call that changes the world",
    "delete": "any delete or removal",
    "transfer": "any transfer, copy, move or rename",
    "config": "any config change",
    "shutdown": "any shutdown",
    "end": "ending the task",
}
