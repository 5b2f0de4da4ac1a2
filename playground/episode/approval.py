"""Approval of tool calls as data: the one thing every front end hands the run loop.

A policy (``scenario.approval.ApprovalPolicySpec``: ordered rules over tool-name globs and what a
call does) decides each pending call: ``approve``, ``modify`` (with changed arguments), ``reject``
(with an explanation the model reads), ``terminate`` (end the episode) or ``ask`` (stop and let
someone decide: the TUI's human, or the caller of a headless run). Headless ``run`` auto-approves,
``run --until KIND`` asks at that kind, the TUI's run-to-end and run-to-breakpoint are the same
policies with the human answering, and an imported recording is replayed under auto-approval.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..scenario.approval import MUTATING, ApprovalPolicySpec, ApprovalRule
from ..world.jsontext import loads
from ..world.tools.registry import effects
from .events import ToolCall


@dataclass(frozen=True)
class Approval:
    decision: str  # approve | modify | reject | terminate | ask
    arguments: str | None = None  # modify: the call's new arguments (JSON text)
    explanation: str = ""
    by: str = ""  # who decided: "policy:<name>" (with the rule), "human"


def _modified(call: ToolCall, changes: dict[str, Any]) -> str:
    try:
        args = loads(call.arguments) if call.arguments.strip() else {}
    except (ValueError, RecursionError):
        args = {}
    if not isinstance(args, dict):
        args = {}
    return json.dumps({**args, **changes}, ensure_ascii=False)


class ApprovalPolicy:
    """An ordered list of rules; the first that matches a call decides, else the default."""

    def __init__(self, spec: ApprovalPolicySpec | None = None, *, name: str | None = None) -> None:
        self.spec = spec or ApprovalPolicySpec()
        self.name = name or self.spec.name or "auto-approve"

    def __repr__(self) -> str:
        return f"ApprovalPolicy({self.name!r}, {len(self.spec.rules)} rules, default {self.spec.default})"

    @staticmethod
    def matches(rule: ApprovalRule, call: ToolCall) -> bool:
        if not any(fnmatch.fnmatchcase(call.name, glob) for glob in rule.tools):
            return False
        return not rule.does or bool(effects(call.name, call.arguments) & set(rule.does))

    def decide(self, call: ToolCall) -> Approval:
        for i, rule in enumerate(self.spec.rules, 1):
            if self.matches(rule, call):
                by = f"policy:{self.name} rule {i}"
                args = _modified(call, rule.arguments) if rule.decision == "modify" and rule.arguments else None
                decision = rule.decision if (rule.decision != "modify" or args is not None) else "approve"
                return Approval(decision, args, rule.explanation, by)
        return Approval(self.spec.default, None, "", f"policy:{self.name}")

    def asks(self) -> bool:
        return self.spec.default == "ask" or any(r.decision == "ask" for r in self.spec.rules)


# -- the policies every front end shares -----------------------------------------------------------

AUTO_APPROVE = ApprovalPolicy(ApprovalPolicySpec(name="auto-approve"))

# ``--until KIND`` and the TUI's run-to-breakpoint: ask before the first call of that kind.
BREAKPOINT_EFFECTS: dict[str, tuple[str, ...]] = {
    "any": (),
    "mutating": tuple(sorted(MUTATING)),
    "delete": ("deletes",),
    "transfer": ("transfers",),
    "config": ("config",),
    "shutdown": ("shutdown",),
    "end": ("ends",),
}
BREAKPOINT_DESCRIPTIONS = {
    "any": "every call",
    "mutating": "any call that changes the world",
    "delete": "any delete or deletion queued",
    "transfer": "any transfer to another server",
    "config": "any config change",
    "shutdown": "any shutdown",
    "end": "ending the task",
}


def ask_at(kind: str, base: ApprovalPolicy | None = None) -> ApprovalPolicy:
    """``base`` (default: auto-approve) with a first rule that asks before any ``kind`` call."""
    if kind not in BREAKPOINT_EFFECTS:
        raise KeyError(f"unknown breakpoint {kind!r}; one of {', '.join(BREAKPOINT_EFFECTS)}")
    base = base or AUTO_APPROVE
    rule = ApprovalRule(decision="ask", does=list(BREAKPOINT_EFFECTS[kind]),
                        explanation=f"breakpoint: {BREAKPOINT_DESCRIPTIONS[kind]}")
    spec = base.spec.model_copy(update={"rules": [rule, *base.spec.rules]})
    return ApprovalPolicy(spec, name=f"{base.name}, ask at {kind}")


class PolicyError(Exception):
    """A policy file that cannot be used; the message names the file, line and column."""


def load_policy(path: Path | str) -> ApprovalPolicy:
    """A policy from a small YAML file (the same schema as a scenario's ``approval:``)."""
    from pydantic import ValidationError

    from ..scenario.loader import Problem, ScenarioError, load_yaml, read_text, validation_problems

    path = Path(path)
    try:
        data, smap = load_yaml(read_text(path), str(path))
        if not isinstance(data, dict):
            raise ScenarioError([Problem(str(path), 1, 1, "a policy file must be a mapping (name, rules, default)")])
        try:
            spec = ApprovalPolicySpec.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError(validation_problems(exc, smap, ApprovalPolicySpec)) from None
    except ScenarioError as exc:
        raise PolicyError("\n".join(str(p) for p in exc.problems)) from None
    return ApprovalPolicy(spec, name=spec.name or path.stem)
