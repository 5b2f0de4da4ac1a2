"""Approval policies as data: an ordered list of rules over tool calls, in the manner of Inspect AI's
approvers. A rule matches a call by the tool's name (shell-style globs) and by what the call does
(the effects every tool declares); the first matching rule decides. A scenario may ship one
(``approval:``) and users pass one as a small YAML file (``playground run ... --policy FILE``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .strict import Strict

Decision = Literal["approve", "modify", "reject", "terminate", "ask"]
DECISIONS: tuple[str, ...] = Decision.__args__  # type: ignore[attr-defined]

Effect = Literal["reads", "writes", "deletes", "transfers", "config", "shutdown", "ends"]
EFFECTS: tuple[str, ...] = Effect.__args__  # type: ignore[attr-defined]
MUTATING: frozenset[str] = frozenset({"writes", "deletes", "transfers", "config", "shutdown"})


class ApprovalRule(Strict):
    tools: list[str] = Field(default_factory=lambda: ["*"], min_length=1)  # tool-name globs; any of them
    does: list[Effect] = []  # the call does any of these (empty: whatever it does)
    decision: Decision
    explanation: str = ""  # told to the model on reject; shown to the human on ask
    arguments: dict[str, Any] | None = None  # modify: these keys replace the call's own


class ApprovalPolicySpec(Strict):
    name: str = ""
    description: str = ""
    rules: list[ApprovalRule] = []
    default: Decision = "approve"
