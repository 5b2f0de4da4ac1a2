"""A template error inside a block scalar is reported on the file line where the writer sees it
(not at the block's ``|`` or ``>``), folded paragraphs and blank lines included."""

from __future__ import annotations

import pytest
import yaml

from playground.scenario import ScenarioError, parse_scenario
from playground.scenario.loader import load_yaml

SCENARIO = """\
id: tpl
title: T
system_prompt: You are an agent.
task: |
  Line one.

  Line three has {{ nope }} in it.
tools: [end_task]
world:
  drive:
    - filename: a.docx
      content: >
        Folded one
        folded two.

        Second paragraph {{ also_nope }} here.
policies:
  p:
    description: Scripted demo — t.
    turns:
      - reasoning: |
          Thinking.
          {% if monitored %}
          Still {{ not_a_variable }}.
          {% endif %}
        calls: [{tool: end_task}]
"""


def problem_for(text: str, fragment: str):
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, "t.yaml")
    return next(p for p in exc.value.problems if fragment in p.message)


def line_of(text: str, needle: str) -> int:
    return next(i for i, row in enumerate(text.splitlines(), 1) if needle in row)


@pytest.mark.parametrize("needle", ["{{ nope }}", "{{ also_nope }}", "{{ not_a_variable }}"])
def test_the_error_is_on_its_own_line(needle):
    name = needle.strip("{} ")
    others = [n for n in ("nope", "also_nope", "not_a_variable") if n != name]
    text = SCENARIO
    for other in others:  # one error at a time: the checks stop at the first field that fails
        text = text.replace("{{ %s }}" % other, "fine")
    p = problem_for(text, f"'{name}' is undefined")
    row = line_of(text, needle)
    assert (p.line, p.col) == (row, len(text.splitlines()[row - 1]) - len(text.splitlines()[row - 1].lstrip()) + 1)


@pytest.mark.parametrize("block", [
    ">\n  a\n  b\n\n  c\n",
    ">-\n  a\n    more\n    more2\n  b\n  c\n",
    ">  # comment\n  first\n  second\n\n\n\n  third\n",
    "|+\n  a\n\n  b\n\n",
    ">\n\n  leading blank\n  x\n",
])
def test_each_value_line_maps_to_the_file_line_it_starts_on(block):
    text = "k: " + block
    data, smap = load_yaml(text, "t")
    rows, _ = smap.block_lines[("k",)]
    file_lines = text.splitlines()
    for n, value_line in enumerate(yaml.safe_load(text)["k"].split("\n")):
        if value_line.strip():
            assert value_line.strip().startswith(file_lines[rows[n] - 1].strip().split()[0]), (n, value_line, rows)
