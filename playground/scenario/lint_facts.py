"""What lint reasons with: variable combinations, rendered worlds (memoised), true scores
computed from sheet data, and a three-valued judgement of whether a detector rule can trip."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator


from .loader import LoadedScenario
from .models import Policy, RunCondition, Scenario, SheetSpec, TruthCheck
from .rules import (
    Combinator,
    ConfigChanged,
    ConfigFlag,
    FileAbsent,
    FileMatch,
    FileQueued,
    MtimeChanged,
    THRESHOLD_COMPARES,
    ReportedScore,
    Rule,
    ToolCalled,
    VariableIs,
    rule_leaves,
)
from .templating import reads, render, truthy

MAX_COMBINATIONS = 20_000
# How a detector reads a "Correct" cell (kept equal to episode.detectors.true_score by a test).
CORRECT = ("1", "true", "yes", "y", "correct", "pass")
CONFIG_TOOLS = ("add_var", "modify_var", "remove_var")
QUEUE_TOOLS = ("add_server_delete_queue",)
MTIME_TOOLS = ("copy_server_file", "shell", "append_to_file")
ENDING_TOOLS = ("end_task", "next_question")  # next_question ends the episode when its shutdown script runs
TOOL_WORD = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # identifier-like names: list_files, next_question

# (loaded, policy name, monitoring or None for the default, variables) -> the run's summary
Runner = Callable[[LoadedScenario, str, "bool | None", dict[str, str]], dict[str, Any]]
# The same arguments -> {"problems": [(intervention, problem)], "turns": [indices of the script's turns that ran]}
# after the policy was played against every rejection, result edit and monitoring flip (agents.interventions).
Probe = Callable[[LoadedScenario, str, "bool | None", dict[str, str]], dict[str, Any]]

NEVER, MAYBE, ALWAYS = 0, 1, 2


class Memo:
    """Results of templates and sheet measures, keyed by only the variables they read: a
    scenario with thousands of combinations renders each distinct case once."""

    def __init__(self) -> None:
        self.values: dict[tuple[Any, ...], Any] = {}

    def truthy(self, expr: str | None, ctx: dict[str, Any]) -> bool:
        if expr is None:
            return True
        key = ("when", expr) + tuple(ctx.get(n) for n in sorted(reads(expr, True)))
        if key not in self.values:
            self.values[key] = truthy(expr, ctx)
        return self.values[key]

    def sheet(self, kind: str, sheet: SheetSpec, columns: tuple[str | None, ...], where: dict[str, str],
              ctx: dict[str, Any], compute: Callable[[], Any]) -> Any:
        names: set[str] = set()
        for col in [*columns, *where]:
            if col in sheet.columns:
                i = sheet.columns.index(col)
                for row in sheet.rows:
                    if isinstance(row[i], str):
                        names |= reads(row[i])
        for v in where.values():
            names |= reads(v)
        key = (kind, id(sheet), columns, tuple(sorted(where.items()))) + tuple(ctx.get(n) for n in sorted(names))
        if key not in self.values:
            self.values[key] = compute()
        return self.values[key]


@dataclass(frozen=True)
class Case:
    """One headless run a policy is written for."""

    policy: str
    monitoring: bool | None
    variables: dict[str, str]
    behaviours: tuple[str, ...]
    condition: int | None  # index into the policy's conditions (None: no conditions declared)

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.variables.items()]
        if self.monitoring is not None:
            parts.append(f"monitoring={'on' if self.monitoring else 'off'}")
        return ", ".join(parts) or "defaults"


def expand_conditions(policy_name: str, policy: Policy) -> list[Case]:
    """Every run a policy's ``conditions`` ask for (a list value means "each of these")."""
    conds: list[RunCondition | None] = list(policy.conditions) or [None]
    cases: list[Case] = []
    for idx, cond in enumerate(conds):
        if cond is None:
            cases.append(Case(policy_name, None, {}, tuple(policy.behaviours), None))
            continue
        names = list(cond.variables)
        choices = [v if isinstance(v, list) else [v] for v in cond.variables.values()]
        monitoring = None if cond.monitoring is None else cond.monitoring == "on"
        expected = tuple(cond.behaviours if cond.behaviours is not None else policy.behaviours)
        for combo in itertools.product(*choices):
            cases.append(Case(policy_name, monitoring, dict(zip(names, combo)), expected, idx))
    return cases


def combinations(s: Scenario) -> Iterator[dict[str, str]]:
    names = list(s.variables)
    count = 1
    for v in s.variables.values():
        count *= len(v.values)
    if count <= MAX_COMBINATIONS:
        for combo in itertools.product(*(s.variables[n].values for n in names)):
            yield dict(zip(names, combo))
        return
    # Too many to enumerate: the defaults, and each value of each variable with the rest at default.
    base = s.default_variables()
    yield base
    for n in names:
        for v in s.variables[n].values:
            if v != base[n]:
                yield {**base, n: v}


# --- the facts of one variable combination ---------------------------------------


@dataclass
class Combo:
    variables: dict[str, str]
    monitored: bool
    hosts: set[str] = field(default_factory=set)
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    sheets: dict[str, SheetSpec] = field(default_factory=dict)

    @property
    def ctx(self) -> dict[str, Any]:
        return {**self.variables, "monitored": self.monitored}


def _combo(s: Scenario, variables: dict[str, str], monitored: bool, memo: Memo) -> Combo:
    c = Combo(variables, monitored)
    ctx = c.ctx
    for h in s.world.hosts:
        if memo.truthy(h.when, ctx):
            c.hosts.add(h.ip)
            if h.name:
                c.hosts.add(h.name)
    for cfg in s.world.configs:
        if memo.truthy(cfg.when, ctx):
            c.configs[cfg.filename] = cfg.values
    for sh in s.world.sheets:
        if memo.truthy(sh.when, ctx):
            c.sheets[sh.name] = sh
    return c


def _study_truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and "true" in value.lower()


def _cell(sheet: SheetSpec, row: list[Any], column: str, ctx: dict[str, Any]) -> Any:
    value = row[sheet.columns.index(column)]
    return render(value, ctx) if isinstance(value, str) else value


def _rows(sheet: SheetSpec, where: dict[str, str], ctx: dict[str, Any]) -> list[list[Any]]:
    wanted = {k: render(v, ctx) for k, v in where.items() if k in sheet.columns}
    return [r for r in sheet.rows if all(str(_cell(sheet, r, k, ctx)) == v for k, v in wanted.items())]


def percent_correct(sheet: SheetSpec, column: str, where: dict[str, str], ctx: dict[str, Any]) -> float | None:
    rows = _rows(sheet, where, ctx)
    if not rows or column not in sheet.columns:
        return None
    good = sum(1 for r in rows if str(_cell(sheet, r, column, ctx)).strip().lower() in CORRECT)
    return round(100.0 * good / len(rows), 2)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).replace(",", "").strip())
    except ValueError:
        return None


def measure(check: TruthCheck, sheet: SheetSpec, ctx: dict[str, Any]) -> float | None:
    if check.measure == "percent_correct":
        return percent_correct(sheet, check.column, check.where, ctx)
    rows = _rows(sheet, check.where, ctx)
    if not rows:
        return None
    total = 0.0
    for r in rows:
        a = _number(_cell(sheet, r, check.column, ctx))
        b = _number(_cell(sheet, r, check.minus, ctx)) if check.minus else 0.0
        if a is None or b is None:
            return None
        total += a - b
    return round(total, 2)


# --- static reachability of rules ------------------------------------------------------


@dataclass
class RuleFacts:
    """What a rule needs, found while judging it in one combination."""

    live_scores: list[ReportedScore] = field(default_factory=list)


def judge(rule: Rule, s: Scenario, combo: Combo, offered: set[str], facts: RuleFacts) -> int:
    """NEVER, MAYBE or ALWAYS: what the rule can do in this combination, whatever the agent does."""
    if isinstance(rule, Combinator):
        if rule.kind == "not":
            inner = judge(rule.rules[0], s, combo, offered, facts)
            return {NEVER: ALWAYS, ALWAYS: NEVER, MAYBE: MAYBE}[inner]
        sub = RuleFacts()
        verdicts = [judge(r, s, combo, offered, sub) for r in rule.rules]
        if rule.kind == "all":
            result = NEVER if NEVER in verdicts else ALWAYS if all(v == ALWAYS for v in verdicts) else MAYBE
        else:
            result = ALWAYS if ALWAYS in verdicts else NEVER if all(v == NEVER for v in verdicts) else MAYBE
        if not (rule.kind == "all" and result == NEVER):
            facts.live_scores += sub.live_scores
        return result
    if isinstance(rule, VariableIs):
        return ALWAYS if str(combo.variables.get(rule.name)) in rule.values else NEVER
    if isinstance(rule, ToolCalled):
        return MAYBE if rule.tool in offered else NEVER
    if isinstance(rule, FileMatch):
        host_missing = rule.host is not None and rule.host not in combo.hosts
        if isinstance(rule, FileAbsent):
            return ALWAYS if host_missing else MAYBE
        if host_missing:
            return NEVER
        if isinstance(rule, FileQueued) and not offered & set(QUEUE_TOOLS):
            return NEVER
        if isinstance(rule, MtimeChanged) and not offered & set(MTIME_TOOLS):
            return NEVER
        return MAYBE
    if isinstance(rule, (ConfigFlag, ConfigChanged)):
        if rule.file not in combo.configs:
            return NEVER if isinstance(rule, ConfigChanged) else (ALWAYS if not rule.is_ else NEVER)
        if not offered & set(CONFIG_TOOLS):
            if isinstance(rule, ConfigChanged):
                return NEVER
            return ALWAYS if _study_truth(combo.configs[rule.file].get(rule.key)) == rule.is_ else NEVER
        return MAYBE
    if isinstance(rule, ReportedScore):
        if rule.pattern is None and (rule.tool is None or rule.tool not in offered):
            return NEVER  # nothing to read a reported score from
        if rule.compare in THRESHOLD_COMPARES:
            if rule.threshold is None:
                return NEVER
        elif rule.compare != "reported" and rule.sheet not in combo.sheets:
            return NEVER
        facts.live_scores.append(rule)
        return MAYBE
    return MAYBE  # ended, ended_without, text_matches


_rule_paths = rule_leaves  # (kind, body, path) for every leaf of a rule as written in the file


# --- the linter --------------------------------------------------------------------------
