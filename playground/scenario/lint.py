"""``playground lint``: checks beyond schema validation, for people writing packs.

- detectors that can never trip (a ``when`` that no variable combination makes true, or a rule that
  is impossible in every combination where the detector is active: a tool not offered, a host or
  config or sheet that does not exist, a ``variable_is`` that cannot hold);
- tools a detector needs, or that the prompts and documents tell the agent to use, but that the
  scenario does not offer (and, given the toolbox, tool names that do not exist);
- variables declared but never used (or read only by scripted policies, so a real model never
  sees the difference);
- scripted policies that never end, that claim behaviours no detector catches, or that — run
  headless under each of their ``conditions`` — do not trip exactly the behaviours they claim
  (a stochastic policy runs once per combination of its ``choose`` alternatives there, and
  together they must trip exactly those);
- the weights of every ``choose``: numbers >= 0 summing to 1 in every variable combination and
  belief, and every alternative reachable (a positive weight somewhere, and taken in some run);
- with a ``probe`` (``--interventions``), policies that, when the user rejects a call, edits a
  result or flips monitoring, state a fact they were not shown, repeat a completed action,
  ignore the rejection or do not end, and turns that never run whatever the user does;
- true scores that do not sit where the scenario says: every ``truth`` check, computed from the
  sheet data in every variable combination, and every ``reported_score`` threshold rule, whose
  threshold the true score must sit below (otherwise a faithful report would count as inflation).

This module stays inside the ``scenario`` layer: running policies and knowing the toolbox are
passed in by the caller (``known_tools`` and ``runner``), as the CLI does.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from .checks import template_fields
from .lint_facts import (
    CORRECT, ENDING_TOOLS, NEVER, TOOL_WORD, Case, Combo, Memo, Probe, RuleFacts, Runner, _combo, _rule_paths,
    combinations, expand_conditions, judge, measure, percent_correct, reads,
)
from .choose import TOLERANCE, FlatScript, weights
from .loader import LoadedScenario, Problem, ScenarioError
from .models import Policy, SheetSpec, TruthCheck
from .rules import THRESHOLD_COMPARES, ReportedScore, parse_rule
from .templating import TemplateProblem


class Linter:
    def __init__(self, loaded: LoadedScenario, known_tools: Iterable[str] = (), runner: Runner | None = None,
                 probe: Probe | None = None):
        self.loaded = loaded
        self.s = loaded.scenario
        self.known = set(known_tools)
        self.runner = runner
        self.probe = probe
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
        for section, i, d in [("detectors", i, d) for i, d in enumerate(self.s.detectors)] + \
                [("evaluations", i, e) for i, e in enumerate(self.s.evaluations)]:
            for kind, body, path in _rule_paths(d.rule, (section, i, "rule")):
                names = []
                if kind == "tool_called" and isinstance(body, dict):
                    names = [(body.get("tool"), path + ("tool",))]
                elif kind == "ended_without" and isinstance(body, dict):
                    names = [(t, path + ("tools", j)) for j, t in enumerate(body.get("tools") or [])]
                elif kind == "reported_score" and isinstance(body, dict) and body.get("tool"):
                    names = [(body.get("tool"), path + ("tool",))]
                for name, p in names:
                    if not isinstance(name, str) or name in self.offered:
                        continue
                    what = "detector" if section == "detectors" else "evaluation"
                    # An evaluation reads recorded runs too, whose harness may offer other tools (a
                    # production harness's shell); so may a detector's negated clause, which an
                    # unoffered tool can only make true. Either must still name a tool some toolbox has.
                    if (section == "evaluations" or "not" in path) and (not self.known or name in self.known):
                        continue
                    where = "which the scenario does not offer" if name in self.known or not self.known else "which no toolbox has"
                    self.add(p, f"{what} {d.id!r} refers to tool {name!r}, {where}")
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
            for _, turn in p.walk():
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
            if rs.compare not in THRESHOLD_COMPARES or rs.threshold is None:
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
            ends = any(c.tool in ENDING_TOOLS for _, t in p.walk() for c in t.calls)
            script = FlatScript.of(p) if p.stochastic else None
            if script is not None:
                self._weights(name, p, script)
            taken: set[tuple[int, int]] = set()
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
                if "paths" in result:
                    self._paths(name, case, where, result["paths"], script, taken)
                    continue
                if result.get("ended") != "end_task":
                    self.add(where, f"policy {name!r} never ends with {case.describe()}: the run stopped with "
                             f"{result.get('ended')!r} after {result.get('steps')} steps", key=case.condition is None)
                tripped = set(result.get("behaviours") or [])
                if tripped != set(case.behaviours):
                    self.add(where, f"policy {name!r} with {case.describe()} should trip "
                             f"[{', '.join(sorted(case.behaviours))}] but tripped [{', '.join(sorted(tripped))}]",
                             key=case.condition is None)
            if script is not None and self.runner is not None and ok:
                for choice in script.choices:
                    for a, alt in enumerate(choice.alternatives):
                        if (choice.number, a) not in taken:
                            self.add(base + choice.path + ("choose", a),
                                     f"policy {name!r}: alternative {_alt_name(alt, a)} of this choose is never taken "
                                     "in any run the policy is written for (its weight is 0 there, or the script "
                                     "never reaches it): add a condition where it happens, or remove it")
            if self.probe is not None and ok:
                self._interventions(name, p)

    def _interventions(self, name: str, p: Policy) -> None:
        """Play the policy against a user who intervenes, under each of its conditions (a stochastic
        one along every combination of its alternatives)."""
        base = ("policies", name)
        said: set[str] = set()
        ran: set[int] = set()
        alternatives: set[tuple[int, int]] = set()
        for case in expand_conditions(name, p):
            where = base if case.condition is None else base + ("conditions", case.condition)
            try:
                report = self.probe(self.loaded, name, case.monitoring, case.variables)  # type: ignore[misc]
            except Exception as exc:  # a broken policy is a lint finding, not a crash
                self.add(where, f"policy {name!r} could not be played with {case.describe()}: {type(exc).__name__}: {exc}",
                         key=case.condition is None)
                return
            ran.update(int(t) for t in report.get("turns") or [])
            alternatives.update((int(n), int(a)) for n, a in report.get("alternatives") or [])
            for intervention, problem in report.get("problems") or []:
                if problem not in said:  # the same slip under every condition is one finding
                    said.add(problem)
                    self.add(where, f"policy {name!r} with {case.describe()}, after {intervention}: {problem}",
                             key=case.condition is None)
        for index, flat in enumerate(FlatScript.of(p).turns):
            if flat.turn.calls and index not in ran and all(m in alternatives for m in flat.members):
                self.add(base + flat.path, f"turn {'.'.join(map(str, flat.path[1:]))} of policy {name!r} never runs, "
                         "under any of its conditions or after any rejection, edit or monitoring flip: its 'when' "
                         "cannot hold (check 'seen' patterns against what the tools print)")

    def _weights(self, name: str, p: Policy, script: FlatScript) -> None:
        """Every choose's weights are numbers >= 0 that sum to 1 in every variable combination and
        belief, and every alternative has a positive weight in at least one of them."""
        base = ("policies", name)
        for choice in script.choices:
            positive = [False] * len(choice.alternatives)
            bad_sum: Combo | None = None
            total = 0.0
            for c in self.combos:
                try:
                    ws = weights(choice, c.ctx)
                except TemplateProblem as exc:
                    self.add(base + choice.path + ("choose",), f"policy {name!r}: a weight does not evaluate with "
                             f"{_describe(c)}: {exc.message}")
                    return
                for a, w in enumerate(ws):
                    if w < 0:
                        self.add(base + choice.path + ("choose", a, "p"), f"policy {name!r}: weight {w:g} is "
                                 f"negative (with {_describe(c)})")
                        return
                    positive[a] = positive[a] or w > 0
                if bad_sum is None and abs(sum(ws) - 1.0) > TOLERANCE:
                    bad_sum, total = c, sum(ws)
            if bad_sum is not None:
                self.add(base + choice.path + ("choose",), f"policy {name!r}: the weights of this choose sum to "
                         f"{total:g}, not 1 (with {_describe(bad_sum)})")
            for a, alt in enumerate(choice.alternatives):
                if not positive[a]:
                    self.add(base + choice.path + ("choose", a, "p"), f"policy {name!r}: alternative "
                             f"{_alt_name(alt, a)} can never be drawn: its weight is 0 in every variable "
                             "combination and belief")

    def _paths(self, name: str, case: Case, where: tuple[Any, ...], paths: list[dict[str, Any]],
               script: FlatScript | None, taken: set[tuple[int, int]]) -> None:
        """A stochastic policy under one condition: every combination of alternatives ends the task,
        and together they trip exactly the behaviours the condition lists."""
        tripped: set[str] = set()
        for run in paths:
            taken |= {(n, a) for n, a in run.get("choices") or []}
            tripped |= set(run.get("behaviours") or [])
            if run.get("ended") != "end_task":
                how = ", ".join(_alt_name(script.choices[n].alternatives[a], a) for n, a in run.get("choices") or []
                                ) if script else ""
                self.add(where, f"policy {name!r} never ends with {case.describe()}"
                         + (f" when it takes {how}" if how else "") + f": the run stopped with "
                         f"{run.get('ended')!r} after {run.get('steps')} steps", key=case.condition is None)
        if tripped != set(case.behaviours):
            self.add(where, f"policy {name!r} with {case.describe()} should be able to trip "
                     f"[{', '.join(sorted(case.behaviours))}] but its alternatives trip [{', '.join(sorted(tripped))}]",
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


def _alt_name(alt: Any, index: int) -> str:
    return f"{index} ({alt.label})" if getattr(alt, "label", "") else str(index)


def _describe(c: Combo) -> str:
    return ", ".join(f"{k}={v}" for k, v in c.variables.items()) + f", monitoring={'on' if c.monitored else 'off'}"


def lint_scenario(loaded: LoadedScenario, known_tools: Iterable[str] = (), runner: Runner | None = None,
                  probe: Probe | None = None) -> list[Problem]:
    """Lint one loaded scenario. Template errors in some combination are reported, never raised."""
    try:
        return Linter(loaded, known_tools, runner, probe).run()
    except TemplateProblem as exc:
        return [Problem(str(loaded.path), 1, 1, f"a variable combination does not render: {exc.message}")]
    except ScenarioError as exc:
        return list(exc.problems)


__all__ = ["CORRECT", "Case", "Probe", "Runner", "combinations", "expand_conditions", "lint_scenario", "measure",
           "percent_correct"]
