"""Checks beyond the schema: templates compile and render, rules and patterns parse, ids
are unique. ``semantic_problems`` runs on every load (the default variables only);
``thorough_problems`` is what ``playground validate`` adds, so that a file it passes
runs: every templated field rendered for every variable combination it can
enumerate (all of them up to a bound, else a seeded sample that still shows every
value of every variable), and every pattern tried on hostile text."""

from __future__ import annotations

import difflib
import itertools
import random
import time
from typing import Any, Callable, Iterator

from ..limits import TEMPLATE

from . import toolbox
from .choose import expressions
from .problems import Problem, SourceMap
from .models import REJECTION_VARIABLES, Scenario
from .patterns import DOTALL, IGNORECASE, PatternError, compile_pattern, pattern_problem
from .rules import RuleError, parse_rule, rule_patterns
from .templating import TemplateProblem, reads, render, truthy


def policy_turns(pname: str, p: Any) -> list[tuple[tuple[Any, ...], Any]]:
    """Every turn of a policy with its path: the script's turns (those inside ``choose``
    alternatives too) and ``on_rejected``."""
    out = [(("policies", pname) + tpath, turn) for tpath, turn in p.walk()]
    if p.on_rejected is not None:
        out.append((("policies", pname, "on_rejected"), p.on_rejected))
    return out


def pattern_fields(s: Scenario) -> Iterator[tuple[tuple[Any, ...], str, int, bool]]:
    """Every regular expression a scenario holds: (path, pattern, flags, sits in a key)."""
    for section, items in (("detectors", s.detectors), ("evaluations", s.evaluations)):
        for i, d in enumerate(items):
            for path, pattern in rule_patterns(d.rule, (section, i, "rule")):
                yield path, pattern, IGNORECASE | DOTALL, False
    for pname, p in s.policies.items():
        for base, turn in policy_turns(pname, p):
            if turn.when is not None:
                for field, tool, pattern in turn.when.patterns():
                    yield base + ("when", field) + ((tool,) if tool is not None else ()), pattern, IGNORECASE, False
            for name, spec in turn.read.items():
                for tool, pattern in ([(None, spec)] if isinstance(spec, str) else list(spec.items())):
                    yield base + ("read", name) + ((tool,) if tool is not None else ()), pattern, IGNORECASE, False
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
        yield from _nested_strings(("world", "configs", i, "values"), c.values)
    for i, m in enumerate(w.memory):
        yield ("world", "memory", i), m, False
    for section, items in (("detectors", s.detectors), ("evaluations", s.evaluations)):
        for i, d in enumerate(items):
            if d.when:
                yield (section, i, "when"), d.when, True
    for pname, p in s.policies.items():
        for tpath, turn in p.walk():
            yield ("policies", pname) + tpath + ("reasoning",), turn.reasoning, False
            yield ("policies", pname) + tpath + ("text",), turn.text, False
            for c, call in enumerate(turn.calls):
                yield from _nested_strings(("policies", pname) + tpath + ("calls", c, "args"), call.args)
            for a, alt in enumerate(turn.choose or []):
                for src in expressions(alt.p):
                    yield ("policies", pname) + tpath + ("choose", a, "p"), src, False
        if p.on_rejected is not None:
            yield ("policies", pname, "on_rejected", "reasoning"), p.on_rejected.reasoning, False
            yield ("policies", pname, "on_rejected", "text"), p.on_rejected.text, False
            for c, call in enumerate(p.on_rejected.calls):
                yield from _nested_strings(("policies", pname, "on_rejected", "calls", c, "args"), call.args)
        for pattern, answer in p.followups.items():
            yield ("policies", pname, "followups", pattern), answer, False
    for part in ("prompt", "task", "notice"):
        st = getattr(s.monitoring, part)
        if st is not None:
            for state in ("on", "off"):
                if getattr(st, state) is not None:
                    yield ("monitoring", part, state), getattr(st, state), False


def _nested_strings(path: tuple[Any, ...], value: Any) -> Iterator[tuple[tuple[Any, ...], str, bool]]:
    """The strings inside config values and policy arguments (rendered as templates at run time)."""
    stack = [(path, value)]
    while stack:
        where, v = stack.pop()
        if isinstance(v, str):
            yield where, v, False
        elif isinstance(v, dict):
            stack.extend((where + (k,), x) for k, x in reversed(list(v.items())))
        elif isinstance(v, list):
            stack.extend((where + (i,), x) for i, x in reversed(list(enumerate(v))))


def _turn_at(policy: Any, rest: tuple[Any, ...]) -> Any:
    """The scripted turn a path under a policy is in (``("turns", 2, "reasoning")``,
    ``("turns", 2, "choose", 0, "turns", 1, "text")``, ``("on_rejected", "text")``), or None."""
    if rest[:1] == ("on_rejected",):
        return policy.on_rejected
    if rest[:1] != ("turns",) or len(rest) < 2 or not isinstance(rest[1], int) or rest[1] >= len(policy.turns):
        return None
    turn, k = policy.turns[rest[1]], 2
    while rest[k:k + 1] == ("choose",) and len(rest) >= k + 4 and rest[k + 2] == "turns":
        a, j = rest[k + 1], rest[k + 3]
        if not (isinstance(a, int) and isinstance(j, int) and turn.choose and a < len(turn.choose)
                and j < len(turn.choose[a].turns)):
            return None
        turn, k = turn.choose[a].turns[j], k + 4
    return turn


def turn_variables(s: Scenario, path: tuple[Any, ...]) -> dict[str, str]:
    """The template variables a scripted turn has besides the scenario's, with stand-in values:
    the rejection's tool and reason, its ``read`` variables and the named groups of its ``seen``."""
    if len(path) < 3 or path[0] != "policies" or path[1] not in s.policies:
        return {}
    out = dict.fromkeys(REJECTION_VARIABLES, "")
    turn = _turn_at(s.policies[path[1]], tuple(path[2:]))
    if turn is not None:
        out.update(dict.fromkeys(turn.read, "1"))
    when = turn.when if turn is not None else None
    for field, _, pattern in when.patterns() if when is not None else []:
        if field == "seen":
            try:
                out.update(dict.fromkeys(compile_pattern(pattern).groupindex, "1"))
            except PatternError:
                pass
    return out


def template_problem(smap: SourceMap, path: tuple[Any, ...], exc: TemplateProblem) -> Problem:
    line, col = smap.locate(path)
    mapped = smap.block_lines.get(tuple(path))
    if exc.lineno and mapped is not None and mapped[0]:
        rows, col = mapped  # the value's line n is where the writer sees it, folded lines included
        line = rows[min(exc.lineno, len(rows)) - 1]
    elif exc.lineno:
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
            local = {**ctx, **turn_variables(s, path)} if path[0] == "policies" else ctx
            try:
                truthy(src, local) if is_expr else render(src, local)
            except TemplateProblem as exc:
                problems.append(template_problem(smap, path, exc))
        if problems:
            break
    return problems


def _reading_problems(s: Scenario, smap: SourceMap, path: tuple[Any, ...], turn: Any, offered: set[str]) -> list[Problem]:
    """A scripted turn's reading of what it was shown: the tools it names are offered, its
    patterns compile, and the names it binds are template names that hide nothing."""
    problems: list[Problem] = []
    when = turn.when
    named: list[tuple[tuple[Any, ...], str]] = [(path + ("read", n), n) for n in turn.read]
    specs = [(path + ("read", n), spec) for n, spec in turn.read.items()]
    if when is not None:
        for tool in when.tools():
            if tool not in offered:
                problems.append(smap.problem(path + ("when",), f"{'.'.join(map(str, path))}: its 'when' names tool "
                                             f"{tool!r}, which the scenario does not offer"))
        specs += [(path + ("when", field), pattern if tool is None else {tool: pattern})
                  for field, tool, pattern in when.patterns()]
    for where, spec in specs:
        for tool, pattern in ([(None, spec)] if isinstance(spec, str) else list(spec.items())):
            if tool is not None and tool not in offered and where[-2] == "read":
                problems.append(smap.problem(where, f"read {where[-1]!r} looks at tool {tool!r}, which the scenario "
                                             "does not offer"))
            try:
                rx = compile_pattern(pattern)
            except PatternError:
                continue  # pattern_problems says why, at the pattern
            if where[-1] == "seen":
                named += [(where, g) for g in rx.groupindex]
    reserved = set(s.variables) | {"monitored", *REJECTION_VARIABLES}
    for where, name in named:
        if not name.isidentifier():
            problems.append(smap.problem(where, f"{name!r} cannot be a template variable (letters, digits, _)", key=True))
        elif name in reserved:
            problems.append(smap.problem(where, f"{name!r} would hide the template variable of that name; "
                                         "choose another name", key=where[-2] == "read"))
    return problems


def _unknown_tools(s: Scenario, smap: SourceMap) -> tuple[list[Problem], set[str]]:
    """The offered tools the toolbox does not have, each a problem at its own line; and the
    toolbox names they look like a misspelling of: calls of those are consequences of the typo,
    not problems of their own."""
    known = toolbox.known()
    if not known:
        return [], set()
    found: list[Problem] = []
    meant: set[str] = set()
    calls = [c.tool for p in s.policies.values() for _, t in p.walk() for c in t.calls]
    for i, spec in enumerate(s.tool_specs):
        if spec.name in known or spec.reply is not None:
            continue
        hint = difflib.get_close_matches(spec.name, sorted(known), n=1)
        msg = f"unknown tool {spec.name!r}"
        if hint:
            meant.add(hint[0])
            uses = calls.count(hint[0])
            msg += f" (did you mean {hint[0]!r}?" + (f" the policies call it {uses} time{'s' if uses != 1 else ''})"
                                                     if uses else ")")
        found.append(smap.problem(("tools", i), msg + "; give it a 'reply:' to offer a scenario-authored tool"))
    return found, meant - set(s.tool_names)


def semantic_problems(s: Scenario, smap: SourceMap) -> list[Problem]:
    problems: list[Problem] = []
    for section, items in (("detectors", s.detectors), ("evaluations", s.evaluations)):
        ids: set[str] = set()
        for i, d in enumerate(items):
            if d.id in ids:
                what = "detector" if section == "detectors" else "evaluation"
                problems.append(smap.problem((section, i, "id"), f"duplicate {what} id {d.id!r}"))
            ids.add(d.id)
            try:
                parse_rule(d.rule)
            except RuleError as exc:
                problems.append(smap.problem((section, i, "rule") + exc.path, exc.message, key=bool(exc.path)))
    problems += pattern_problems(s, smap, probe=False)
    offered = set(s.tool_names)
    unknown, misspelt = _unknown_tools(s, smap)
    for pname, p in s.policies.items():
        for base, turn in policy_turns(pname, p):
            for c, call in enumerate(turn.calls):
                if call.tool not in offered and call.tool not in misspelt:  # a misspelt tool is reported at its line
                    problems.append(smap.problem(base + ("calls", c, "tool"),
                                                 f"policy {pname!r} calls {call.tool!r}, which the scenario does not offer"))
            if turn.when:
                for var, val in turn.when.variables.items():
                    if var not in s.variables:
                        problems.append(smap.problem(base + ("when", "variables", var), f"unknown variable {var!r}",
                                                     key=True))
            problems += _reading_problems(s, smap, base, turn, offered | misspelt)
    for part in ("prompt", "task", "notice"):
        st = getattr(s.monitoring, part)
        if st is not None and st.on and st.off and (st.on.strip() in st.off or st.off.strip() in st.on):
            problems.append(
                smap.problem(("monitoring", part), "the 'on' and 'off' texts must not contain each other "
                             "(scripted agents tell them apart by text)")
            )
    if not problems:
        problems += render_problems(s, smap, s.default_variables())
    if problems:  # an unknown tool comes first, at its own line (alone, it is the toolbox check's to report)
        problems[:0] = unknown
    return problems


# -- validate: every combination it can enumerate --------------------------------------------
def validation_combinations(s: Scenario, bound: int = TEMPLATE.validate_combinations,
                            seed: int = TEMPLATE.validate_seed) -> list[dict[str, str]]:
    """All variable combinations when there are at most ``bound``; else the defaults, enough
    combinations to show every value of every variable, and a seeded sample up to ``bound``."""
    names = list(s.variables)
    values = [s.variables[n].values for n in names]
    count = 1
    for v in values:
        count *= len(v)
        if count > bound:
            break
    if count <= bound:
        return [dict(zip(names, combo)) for combo in itertools.product(*values)]
    seen: set[tuple[str, ...]] = set()
    out: list[dict[str, str]] = []

    def add(combo: dict[str, str]) -> None:
        key = tuple(combo[n] for n in names)
        if key not in seen and len(out) < bound:
            seen.add(key)
            out.append(combo)

    add(s.default_variables())
    for i in range(min(max(len(v) for v in values), bound - 1)):  # every value of every variable, if it fits
        add({n: v[i % len(v)] for n, v in zip(names, values)})
    rng = random.Random(seed)
    for _ in range(bound * 8):
        if len(out) >= bound:
            break
        add({n: rng.choice(v) for n, v in zip(names, values)})
    return out


def _describe(s: Scenario, variables: dict[str, str], monitored: bool) -> str:
    changed = [f"{k}={v}" for k, v in variables.items() if v != s.variables[k].default_value]
    if monitored != s.monitoring.default:
        changed.append(f"monitoring {'on' if monitored else 'off'}")
    return f" (with {', '.join(changed)})" if changed else ""


def _reads(src: str, is_expr: bool) -> frozenset[str]:
    """The variables a field reads: its memo key (a template that does not parse fails alike in every
    combination, so it is rendered once too)."""
    return reads(src, is_expr)


# (scenario, source map, variables with monitored) -> problems in that combination (the world's checks)
ComboCheck = Callable[[Scenario, SourceMap, dict[str, Any]], list[Problem]]


def combination_problems(s: Scenario, smap: SourceMap, variables: dict[str, str], monitored: bool,
                         extra: ComboCheck | None = None, memo: dict[Any, str | None] | None = None) -> list[Problem]:
    """Every templated field rendered in one combination, and ``extra``'s checks of it."""
    ctx: dict[str, Any] = {**s.default_variables(), **variables, "monitored": monitored}
    memo = {} if memo is None else memo
    problems: list[Problem] = []
    for path, src, is_expr in template_fields(s):
        if "{" not in src and not is_expr:
            continue
        local = {**ctx, **turn_variables(s, path)} if path[0] == "policies" else ctx  # a turn's captures
        key = (src, is_expr, tuple(sorted(local.keys() - ctx.keys()))) + tuple(
            local.get(n) for n in sorted(_reads(src, is_expr)))
        if key not in memo:
            try:
                truthy(src, local) if is_expr else render(src, local)
                memo[key] = None
            except TemplateProblem as exc:
                memo[key] = exc  # type: ignore[assignment]
        exc = memo[key]
        if exc is not None:
            problems.append(template_problem(smap, path, exc))  # type: ignore[arg-type]
    if not problems and extra is not None:
        problems += extra(s, smap, ctx)
    return problems


def thorough_problems(s: Scenario, smap: SourceMap, extra: ComboCheck | None = None,
                      seconds: float = TEMPLATE.validate_seconds) -> list[Problem]:
    """What ``validate`` adds to loading: patterns tried on hostile text, and every field rendered
    (and ``extra`` run) in each of :func:`validation_combinations`, both monitoring states. The
    problems of the first combination that has any are reported, naming the combination."""
    problems = pattern_problems(s, smap, probe=True)
    deadline = time.monotonic() + seconds
    memo: dict[Any, Any] = {}
    for variables in validation_combinations(s):
        for monitored in (s.monitoring.default, not s.monitoring.default):
            if time.monotonic() > deadline:
                return problems + [smap.problem((), f"validation stopped after {seconds:g} s: rendering every "
                                               "variable combination is too slow (make the templates cheaper)")]
            found = combination_problems(s, smap, variables, monitored, extra, memo)
            if found:
                where = _describe(s, variables, monitored)
                return problems + [Problem(p.file, p.line, p.col, p.message + where) for p in found]
    return problems
