"""Checks beyond the schema: templates compile and render, rules parse, ids are unique."""

from __future__ import annotations

from typing import Any, Iterator

from .problems import Problem, SourceMap
from .models import Scenario
from .patterns import DOTALL, IGNORECASE, pattern_problem
from .rules import RuleError, parse_rule, rule_patterns
from .templating import TemplateProblem, render, truthy


def pattern_fields(s: Scenario) -> Iterator[tuple[tuple[Any, ...], str, int, bool]]:
    """Every regular expression a scenario holds: (path, pattern, flags, sits in a key)."""
    for i, d in enumerate(s.detectors):
        for path, pattern in rule_patterns(d.rule, ("detectors", i, "rule")):
            yield path, pattern, IGNORECASE | DOTALL, False
    for pname, p in s.policies.items():
        for t, turn in enumerate(p.turns):
            if turn.when is not None:
                for field in ("seen", "not_seen"):
                    pattern = getattr(turn.when, field)
                    if pattern is not None:
                        yield ("policies", pname, "turns", t, "when", field), pattern, IGNORECASE, False
        for pattern in p.followups:
            yield ("policies", pname, "followups", pattern), pattern, IGNORECASE, True


def pattern_problems(s: Scenario, smap: SourceMap, probe: bool) -> list[Problem]:
    """Invalid patterns (always) and, with ``probe``, ones that backtrack catastrophically."""
    problems = []
    for path, pattern, flags, key in pattern_fields(s):
        why = pattern_problem(pattern, flags, probe)
        if why:
            problems.append(smap.problem(path, f"{'.'.join(map(str, path))}: {why}", key=key))
    return problems


def template_fields(s: Scenario) -> Iterator[tuple[tuple[Any, ...], str, bool]]:
    """Every templated string in a scenario: (path, source, is_expression)."""
    yield ("system_prompt",), s.system_prompt, False
    yield ("task",), s.task, False
    w = s.world
    for i, h in enumerate(w.hosts):
        if h.when:
            yield ("world", "hosts", i, "when"), h.when, True
        for j, f in enumerate(h.files):
            if f.content is not None:
                yield ("world", "hosts", i, "files", j, "content"), f.content, False
            yield ("world", "hosts", i, "files", j, "path"), f.path, False
            yield ("world", "hosts", i, "files", j, "summary"), f.summary, False
            if f.when:
                yield ("world", "hosts", i, "files", j, "when"), f.when, True
    for i, d in enumerate(w.drive):
        yield ("world", "drive", i, "content"), d.content, False
        yield ("world", "drive", i, "filename"), d.filename, False
        if d.when:
            yield ("world", "drive", i, "when"), d.when, True
    for i, sh in enumerate(w.sheets):
        if sh.when:
            yield ("world", "sheets", i, "when"), sh.when, True
        for r, row in enumerate(sh.rows):
            for c, cell in enumerate(row):
                if isinstance(cell, str):
                    yield ("world", "sheets", i, "rows", r, c), cell, False
    for i, c in enumerate(w.configs):
        if c.when:
            yield ("world", "configs", i, "when"), c.when, True
    for i, m in enumerate(w.memory):
        yield ("world", "memory", i), m, False
    for i, d in enumerate(s.detectors):
        if d.when:
            yield ("detectors", i, "when"), d.when, True
    for pname, p in s.policies.items():
        for t, turn in enumerate(p.turns):
            yield ("policies", pname, "turns", t, "reasoning"), turn.reasoning, False
            yield ("policies", pname, "turns", t, "text"), turn.text, False
    for part in ("prompt", "task", "notice"):
        st = getattr(s.monitoring, part)
        if st is not None:
            for state in ("on", "off"):
                if getattr(st, state) is not None:
                    yield ("monitoring", part, state), getattr(st, state), False


def template_problem(smap: SourceMap, path: tuple[Any, ...], exc: TemplateProblem) -> Problem:
    line, col = smap.locate(path)
    if exc.lineno:
        if tuple(path) in smap.blocks:
            line, col = line + exc.lineno, 1  # a block scalar's text starts on the line after its | or >
        elif exc.lineno > 1:
            line, col = line + exc.lineno - 1, 1
    return Problem(smap.file, line, col, f"{'.'.join(map(str, path))}: {exc.message}")


def render_problems(s: Scenario, smap: SourceMap, variables: dict[str, str]) -> list[Problem]:
    ctx: dict[str, Any] = dict(variables)
    problems = []
    for monitored in (True, False):
        ctx["monitored"] = monitored
        for path, src, is_expr in template_fields(s):
            try:
                truthy(src, ctx) if is_expr else render(src, ctx)
            except TemplateProblem as exc:
                problems.append(template_problem(smap, path, exc))
        if problems:
            break
    return problems


def semantic_problems(s: Scenario, smap: SourceMap) -> list[Problem]:
    problems: list[Problem] = []
    ids: set[str] = set()
    for i, d in enumerate(s.detectors):
        if d.id in ids:
            problems.append(smap.problem(("detectors", i, "id"), f"duplicate detector id {d.id!r}"))
        ids.add(d.id)
        try:
            parse_rule(d.rule)
        except RuleError as exc:
            problems.append(smap.problem(("detectors", i, "rule") + exc.path, exc.message, key=bool(exc.path)))
    problems += pattern_problems(s, smap, probe=False)
    offered = set(s.tool_names)
    for pname, p in s.policies.items():
        for t, turn in enumerate(p.turns):
            for c, call in enumerate(turn.calls):
                if call.tool not in offered:
                    problems.append(
                        smap.problem(
                            ("policies", pname, "turns", t, "calls", c, "tool"),
                            f"policy {pname!r} calls {call.tool!r}, which the scenario does not offer",
                        )
                    )
            if turn.when:
                for var, val in turn.when.variables.items():
                    if var not in s.variables:
                        problems.append(
                            smap.problem(("policies", pname, "turns", t, "when", "variables", var),
                                         f"unknown variable {var!r}", key=True)
                        )
    for part in ("prompt", "task", "notice"):
        st = getattr(s.monitoring, part)
        if st is not None and st.on and st.off and (st.on.strip() in st.off or st.off.strip() in st.on):
            problems.append(
                smap.problem(("monitoring", part), "the 'on' and 'off' texts must not contain each other "
                             "(scripted agents tell them apart by text)")
            )
    if not problems:
        problems += render_problems(s, smap, s.default_variables())
    return problems
