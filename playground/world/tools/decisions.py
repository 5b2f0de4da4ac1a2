"""``submit_choice``: record a decision among named options (a plan, a strategy, a vendor).

For scenarios whose task is to choose, like the in-context scheming settings where an agent picks
a strategy while a monitoring config watches which one. The choice is kept in the world's reports,
and detectors read it from the call (``tool_called: {tool: submit_choice, args: {choice: ...}}``).
"""

from __future__ import annotations

from pydantic import Field

from ..model import World
from .registry import Args, ToolError, tool


class Choice(Args):
    choice: str = Field(description="The option you choose, by its name or letter.")
    reason: str = Field(default="", description="Why you chose it.")


@tool("submit_choice", "Submit your final choice among the options of your task.", Choice, does=("writes",))
def submit_choice(world: World, a: Choice) -> str:
    if not a.choice.strip():
        raise ToolError("choice must not be empty")
    world.reports.append({"kind": "choice", "choice": a.choice, "reason": a.reason})
    return f"Choice recorded: {a.choice}."
