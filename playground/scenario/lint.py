"""``playground lint``: checks beyond schema validation, for people writing packs.

- detectors that can never trip (a ``when`` that no variable combination makes true, or a rule that
  is impossible in every combination where the detector is active: a tool not offered, a host or
  config or sheet that does not exist, a ``variable_is`` that cannot hold);
- tools a detector needs, or that the prompts and documents tell the agent to use, but that the
  scenario does not offer (and, given the toolbox, tool names that do not exist);
- variables declared but never used (or read only by scripted policies, so a real model never
  sees the difference);
- scripted policies that never end, that claim behaviours no detector catches, or that — run
  headless under each of their ``conditions`` — do not trip exactly the behaviours they claim;
- true scores that do not sit where the scenario says: every ``truth`` check, computed from the
  sheet data in every variable combination, and every ``reported_score`` threshold rule, whose
  threshold the true score must sit below (otherwise a faithful report would count as inflation).

This module stays inside the ``scenario`` layer: running policies and knowing the toolbox are
passed in by the caller (``known_tools`` and ``runner``), as the CLI does.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

import jinja2
from jinja2 import meta

from .checks import template_fields
from .loader import LoadedScenario, Problem, ScenarioError
from .models import Policy, RunCondition, Scenario, SheetSpec, TruthCheck
from .rules import (
    Combinator,
    ConfigChanged,
    ConfigFlag,
    FileAbsent,
    FileMatch,
    FileQueued,
    MtimeChanged,
    ReportedScore,
    Rule,
    ToolCalled,
    VariableIs,
    parse_rule,
)
from .templating import TemplateProblem, environment, render, truthy

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

NEVER, MAYBE, ALWAYS = 0, 1, 2


@lru_cache(maxsize=4096)
def reads(src: str, is_expr: bool = False) -> frozenset[str]:
    """The variables a template (or a ``when`` expression) reads."""
    text = src if (not is_expr or "{" in src) else "{{ (" + src + ") }}"
    if "{" not in text:
        return frozenset()
    try:
        return frozenset(meta.find_undeclared_variables(environment().parse(text)))
    except jinja2.TemplateSyntaxError:
        return frozenset()


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
        if rule.compare in ("at_or_above_threshold", "below_threshold"):
            if rule.threshold is None:
                return NEVER
        elif rule.sheet not in combo.sheets:
            return NEVER
        facts.live_scores.append(rule)
        return MAYBE
    return MAYBE  # ended, ended_without, text_matches


def _rule_paths(data: Any, path: tuple[Any, ...]) -> Iterator[tuple[str, Any, tuple[Any, ...]]]:
    """(kind, body, path) for every leaf of a rule as written in the file."""
    if not isinstance(data, dict) or len(data) != 1:
        return
    (kind, body), = data.items()
    if kind == "not":
        yield from _rule_paths(body, path + (kind,))
    elif kind in ("all", "any") and isinstance(body, list):
        for i, b in enumerate(body):
            yield from _rule_paths(b, path + (kind, i))
    else:
        yield kind, body, path + (kind,)


# --- the linter --------------------------------------------------------------------------


class Linter:
    def __init__(self, loaded: LoadedScenario, known_tools: Iterable[str] = (), runner: Runner | None = None):
        self.loaded = loaded
        self.s = loaded.scenario
        self.known = set(known_tools)
        self.runner = runner
        self.problems: list[Problem] = []
        self.offered = set(self.s.tool_names)
        self._reported_truths: set[tuple[int, float, float]] = set()
        self.memo = Memo()

    def add(self, path: tuple[Any, ...], message: str, *, key: bool = False) -> None:
        self.problems.append(self.loaded.source.problem(path, message, key=key))

    def run(self) -> list[Problem]:
        self.combos = [_combo(self.s, {**self.s.default_variables(), **v}, m, self.memo)
                       for v in combinations(self.s) for m in (True, False)]
        if self.loaded.path.stem != self.s.id:
            self.add(("id",), f"the scenario's id {self.s.id!r} differs from its file name {self.loaded.path.name!r}: "
                     f"'{self.loaded.pack_id or '<pack>'}/{self.loaded.path.stem}' finds this file, the app shows {self.s.id!r}")
        self.tools()
        self.variables()
        self.detectors()
        self.truth()
        self.policies()
        return sorted(self.problems, key=lambda p: (p.file, p.line, p.col, p.message))

    # -- tools -------------------------------------------------------------------------
    def tools(self) -> None:
        if self.known:
            for i, spec in enumerate(self.s.tool_specs):
                if spec.name not in self.known and spec.reply is None:
                    self.add(("tools", i), f"unknown tool {spec.name!r}; give it a 'reply:' to offer a scenario-authored tool")
        for i, d in enumerate(self.s.detectors):
            for kind, body, path in _rule_paths(d.rule, ("detectors", i, "rule")):
                names = []
                if kind == "tool_called" and isinstance(body, dict):
                    names = [(body.get("tool"), path + ("tool",))]
                elif kind == "ended_without" and isinstance(body, dict):
                    names = [(t, path + ("tools", j)) for j, t in enumerate(body.get("tools") or [])]
                elif kind == "reported_score" and isinstance(body, dict) and body.get("tool"):
                    names = [(body.get("tool"), path + ("tool",))]
                for name, p in names:
                    if isinstance(name, str) and name not in self.offered:
                        self.add(p, f"detector {d.id!r} refers to tool {name!r}, which the scenario does not offer")
        candidates = (self.known | self.offered) - self.offered
        if not candidates:
            return
        w = self.s.world
        texts: list[tuple[tuple[Any, ...], str]] = [(("system_prompt",), self.s.system_prompt), (("task",), self.s.task)]
        texts += [(("world", "drive", i, "content"), d.content) for i, d in enumerate(w.drive)]
        texts += [(("world", "hosts", i, "files", j, "content"), f.content) for i, h in enumerate(w.hosts)
                  for j, f in enumerate(h.files) if f.content]
        for part in ("prompt", "task", "notice"):
            st = getattr(self.s.monitoring, part)
            if st is not None:
                texts += [(("monitoring", part, k), getattr(st, k)) for k in ("on", "off") if getattr(st, k)]
        reported: set[tuple[str, tuple[Any, ...]]] = set()
        for path, text in texts:
            for name in sorted(set(TOOL_WORD.findall(text)) & candidates):
                if (name, path) not in reported:
                    reported.add((name, path))
                    self.add(path, f"the text mentions tool {name!r}, which the scenario does not offer")

    # -- variables ---------------------------------------------------------------------
    def variables(self) -> None:
        if not self.s.variables:
            return
        used: set[str] = set()
        policy_used: set[str] = set()
        names = reads

        for path, src, is_expr in template_fields(self.s):
            (policy_used if path[0] == "policies" else used).update(names(src, is_expr))
        for t in self.s.truth:
            if t.when:
                used |= names(t.when, True)
            for v in t.where.values():
                used |= names(v, False)
        for d in self.s.detectors:
            for kind, body, _ in _rule_paths(d.rule, ()):
                if kind == "variable_is" and isinstance(body, dict):
                    used.add(str(body.get("name")))
        for p in self.s.policies.values():
            for turn in p.turns:
                if turn.when:
                    policy_used |= set(turn.when.variables)
                for call in turn.calls:
                    for value in _strings(call.args):
                        policy_used |= names(value, False)
            for answer in p.followups.values():
                policy_used |= names(answer, False)
        for name in self.s.variables:
            if name in used:
                continue
            if name in policy_used:
                self.add(("variables", name), f"variable {name!r} is read only by scripted policies: "
                         "it changes nothing a real model sees or a detector checks", key=True)
            else:
                self.add(("variables", name), f"variable {name!r} is declared but never used", key=True)

    # -- detectors ---------------------------------------------------------------------
    def detectors(self) -> None:
        declared = self.s.variables
        for i, d in enumerate(self.s.detectors):
            rule = parse_rule(d.rule)
            for kind, body, path in _rule_paths(d.rule, ("detectors", i, "rule")):
                if kind == "variable_is" and isinstance(body, dict):
                    name = body.get("name")
                    if name not in declared:
                        self.add(path + ("name",), f"variable_is names {name!r}, which is not a declared variable")
                    else:
                        bad = [v for v in body.get("values") or [] if v not in declared[name].values]
                        if bad:
                            self.add(path + ("values",), f"variable {name!r} has no value {', '.join(map(repr, bad))}; "
                                     f"values: {', '.join(declared[name].values)}")
                if kind in ("config_flag", "config_changed") and isinstance(body, dict):
                    if not any(c.filename == body.get("file") for c in self.s.world.configs):
                        self.add(path + ("file",), f"no config file {body.get('file')!r} in the world")
                if kind == "reported_score" and isinstance(body, dict) and body.get("sheet"):
                    sheets = [sh for sh in self.s.world.sheets if sh.name == body["sheet"]]
                    if not sheets:
                        self.add(path + ("sheet",), f"no sheet {body['sheet']!r} in the world")
                    elif not any(body.get("column", "Correct") in sh.columns for sh in sheets):
                        self.add(path + ("column",), f"sheet {body['sheet']!r} has no column {body.get('column', 'Correct')!r}")
            active = [c for c in self.combos if self.memo.truthy(d.when, c.ctx)]
            if not active:
                self.add(("detectors", i, "when"), f"detector {d.id!r} is never active: its 'when' is false for "
                         "every variable combination")
                continue
            reachable = False
            for c in active:
                facts = RuleFacts()
                verdict = judge(rule, self.s, c, self.offered, facts)
                reachable = reachable or verdict != NEVER
                if verdict != NEVER:
                    self._threshold_truth(i, d.id, facts.live_scores, c)
            if not reachable:
                self.add(("detectors", i, "rule"), f"detector {d.id!r} can never trip: its rule is impossible in every "
                         "combination where it is active (check tools, hosts, configs, sheets and variable_is)")

    def _threshold_truth(self, index: int, det_id: str, scores: list[ReportedScore], combo: Combo) -> None:
        """A threshold rule assumes the data's true score sits below the threshold."""
        for rs in scores:
            if rs.compare not in ("at_or_above_threshold", "below_threshold") or rs.threshold is None:
                continue
            for sheet, column, where in self._truth_sources(rs, combo):
                truth = self.memo.sheet("percent", sheet, (column,), where, combo.ctx,
                                        lambda: percent_correct(sheet, column, where, combo.ctx))
                if truth is not None and truth >= rs.threshold and (index, rs.threshold, truth) not in self._reported_truths:
                    self._reported_truths.add((index, rs.threshold, truth))
                    self.add(("detectors", index, "rule"),
                             f"detector {det_id!r}: the true score of sheet {sheet.name!r} is {truth:g} %, not below the "
                             f"threshold {rs.threshold:g}, so a faithful report would trip it "
                             f"(e.g. with {_describe(combo)})")

    def _truth_sources(self, rs: ReportedScore, combo: Combo) -> list[tuple[SheetSpec, str, dict[str, str]]]:
        if rs.sheet:
            sh = combo.sheets.get(rs.sheet)
            return [(sh, rs.column, rs.where)] if sh is not None else []
        out = []
        for d in self.s.detectors:
            for kind, body, _ in _rule_paths(d.rule, ()):
                if kind == "reported_score" and isinstance(body, dict) and body.get("sheet") in combo.sheets:
                    out.append((combo.sheets[body["sheet"]], body.get("column", "Correct"), body.get("where") or {}))
        for t in self.s.truth:
            if t.measure == "percent_correct" and t.sheet in combo.sheets:
                out.append((combo.sheets[t.sheet], t.column, t.where))
        unique = {(sh.name, col, tuple(sorted(w.items()))): (sh, col, w) for sh, col, w in out}
        return list(unique.values())

    # -- truth -------------------------------------------------------------------------
    def truth(self) -> None:
        for i, t in enumerate(self.s.truth):
            specs = [sh for sh in self.s.world.sheets if sh.name == t.sheet]
            if not specs:
                self.add(("truth", i, "sheet"), f"no sheet {t.sheet!r} in the world")
                continue
            missing = [col for col in [t.column, t.minus, *t.where] if col and not any(col in sh.columns for sh in specs)]
            if missing:
                self.add(("truth", i), f"sheet {t.sheet!r} has no column {missing[0]!r}")
                continue
            seen: set[tuple[str, float | None]] = set()
            checked = False
            for c in self.combos:
                if not self.memo.truthy(t.when, c.ctx) or t.sheet not in c.sheets:
                    continue
                checked = True
                sheet = c.sheets[t.sheet]
                value = self.memo.sheet(f"truth{i}", sheet, (t.column, t.minus), t.where, c.ctx,
                                        lambda: measure(t, sheet, c.ctx))
                wrong = _out_of_bounds(t, value)
                if wrong and (wrong, value) not in seen:
                    seen.add((wrong, value))
                    self.add(("truth", i), f"{t.measure} of {t.sheet!r}.{t.column} is "
                             f"{'not computable' if value is None else f'{value:g}'}, {wrong} (e.g. with {_describe(c)})")
            if not checked:
                self.add(("truth", i), f"the truth check never applies: sheet {t.sheet!r} exists in no combination "
                         "where its 'when' holds")

    # -- policies ----------------------------------------------------------------------
    def policies(self) -> None:
        labels = {d.label for d in self.s.detectors}
        for name, p in self.s.policies.items():
            base = ("policies", name)
            if not p.behaviours:
                self.add(base, f"policy {name!r} declares no behaviours; list what it is written to show", key=True)
            for b in p.behaviours:
                if b not in labels:
                    self.add(base + ("behaviours",), f"policy {name!r} claims {b!r}, but no detector has that label")
            ok = True
            for j, cond in enumerate(p.conditions):
                for var, want in cond.variables.items():
                    if var not in self.s.variables:
                        self.add(base + ("conditions", j, "variables", var), f"unknown variable {var!r}", key=True)
                        ok = False
                        continue
                    bad = [v for v in (want if isinstance(want, list) else [want]) if v not in self.s.variables[var].values]
                    if bad:
                        self.add(base + ("conditions", j, "variables", var),
                                 f"{var} has no value {', '.join(map(repr, bad))}; values: {', '.join(self.s.variables[var].values)}")
                        ok = False
                extra = set(cond.behaviours or []) - set(p.behaviours)
                if extra:
                    self.add(base + ("conditions", j, "behaviours"),
                             f"condition lists {', '.join(sorted(extra))}, which the policy's behaviours do not")
            ends = any(c.tool in ENDING_TOOLS for t in p.turns for c in t.calls)
            if self.runner is None or not ok:
                if not ends:
                    self.add(base, f"policy {name!r} never calls end_task (or another tool that can end the episode)",
                             key=True)
                continue
            for case in expand_conditions(name, p):
                where = base if case.condition is None else base + ("conditions", case.condition)
                try:
                    result = self.runner(self.loaded, name, case.monitoring, case.variables)
                except Exception as exc:  # a broken policy is a lint finding, not a crash
                    self.add(where, f"policy {name!r} could not run with {case.describe()}: {type(exc).__name__}: {exc}",
                             key=case.condition is None)
                    continue
                if result.get("ended") != "end_task":
                    self.add(where, f"policy {name!r} never ends with {case.describe()}: the run stopped with "
                             f"{result.get('ended')!r} after {result.get('steps')} steps", key=case.condition is None)
                tripped = set(result.get("behaviours") or [])
                if tripped != set(case.behaviours):
                    self.add(where, f"policy {name!r} with {case.describe()} should trip "
                             f"[{', '.join(sorted(case.behaviours))}] but tripped [{', '.join(sorted(tripped))}]",
                             key=case.condition is None)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)


def _out_of_bounds(t: TruthCheck, value: float | None) -> str | None:
    if value is None:
        return "the data do not give a number"
    if t.equals is not None and abs(value - t.equals) > 1e-9:
        return f"expected {t.equals:g}"
    if t.below is not None and not value < t.below:
        return f"expected below {t.below:g}"
    if t.above is not None and not value > t.above:
        return f"expected above {t.above:g}"
    return None


def _describe(c: Combo) -> str:
    return ", ".join(f"{k}={v}" for k, v in c.variables.items()) + f", monitoring={'on' if c.monitored else 'off'}"


def lint_scenario(loaded: LoadedScenario, known_tools: Iterable[str] = (), runner: Runner | None = None) -> list[Problem]:
    """Lint one loaded scenario. Template errors in some combination are reported, never raised."""
    try:
        return Linter(loaded, known_tools, runner).run()
    except TemplateProblem as exc:
        return [Problem(str(loaded.path), 1, 1, f"a variable combination does not render: {exc.message}")]
    except ScenarioError as exc:
        return list(exc.problems)


__all__ = ["CORRECT", "Case", "Runner", "combinations", "expand_conditions", "lint_scenario", "measure",
           "percent_correct"]
