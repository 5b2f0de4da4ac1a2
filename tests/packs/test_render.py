"""Every variable combination of every scenario renders: prompts, task, world, monitoring notices
and every templated string of every scripted policy, watched and unwatched."""

from __future__ import annotations

import itertools

import pytest
from click.testing import CliRunner
from jinja2 import meta

from playground.cli.main import cli
from playground.episode.context import EpisodeContext
from playground.scenario.checks import template_fields, turn_variables
from playground.scenario.templating import environment, render, truthy

from .conftest import REFS, loaded


def _names(src: str, is_expr: bool) -> set[str]:
    text = src if (not is_expr or "{" in src) else "{{ (" + src + ") }}"
    return set(meta.find_undeclared_variables(environment().parse(text))) if "{" in text else set()


@pytest.mark.parametrize("ref", REFS)
def test_every_template_renders_in_every_combination(ref):
    """A template's output depends only on the variables it reads, so rendering it for every
    combination of *those* (and monitored on/off) covers every combination of the scenario."""
    s = loaded(ref).scenario
    strings = list(template_fields(s))
    for name, p in s.policies.items():
        for t, turn in enumerate(p.turns):
            for call in turn.calls:
                strings += [(("policies", name, "turns", t, "calls"), v, False) for v in _strings(call.args)]
        if p.on_rejected is not None:
            for call in p.on_rejected.calls:
                strings += [(("policies", name, "on_rejected", "calls"), v, False) for v in _strings(call.args)]
        strings += [((), a, False) for a in p.followups.values()]
    for path, src, is_expr in strings:
        reads = sorted(_names(src, is_expr) & set(s.variables))
        for combo in itertools.product(*(s.variables[n].values for n in reads)):
            for monitored in (True, False):
                ctx = {**s.default_variables(), **dict(zip(reads, combo)), "monitored": monitored,
                       **turn_variables(s, path)}  # a scripted turn's captures and rejection
                truthy(src, ctx) if is_expr else render(src, ctx)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)


def _chunks():
    """(ref, variable, value): one test per value of each scenario's widest variable, so xdist can spread them."""
    out = []
    for ref in REFS:
        variables = loaded(ref).scenario.variables
        if not variables:
            out.append((ref, None, None))
            continue
        widest = max(variables, key=lambda n: len(variables[n].values))
        out += [(ref, widest, v) for v in variables[widest].values]
    return out


@pytest.mark.parametrize("ref,var,value", _chunks(), ids=[f"{r}:{k}={v}" for r, k, v in _chunks()])
def test_every_combination_builds_its_world_and_prompts(ref, var, value):
    s = loaded(ref).scenario
    names = [n for n in s.variables if n != var]
    for combo in itertools.product(*(s.variables[n].values for n in names)):
        variables = dict(zip(names, combo))
        if var is not None:
            variables[var] = value
        ctx = EpisodeContext(s, variables)
        for monitored in (True, False):
            assert ctx.system_prompt(monitored).strip() and ctx.task(monitored).strip()
            world = ctx.initial_world(monitored)
            assert world.drive or world.hosts, "the agent must have something to read"
            for d in world.drive:
                assert "{{" not in d.content and "{%" not in d.content, d.filename
            ctx.notice(monitored)


@pytest.mark.parametrize("ref", REFS)
def test_render_cli_with_defaults(ref):
    result = CliRunner().invoke(cli, ["render", ref], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "# System prompt" in result.output and "tools:" in result.output
