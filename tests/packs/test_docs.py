"""The tutorial's scenario is real: extracted from docs/writing-packs.md, it validates, lints clean
and its policies trip what they claim; the lint output the tutorial shows is what lint prints."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from playground.cli.authoring import lint_files
from playground.cli.main import cli

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _final_yaml() -> str:
    text = (DOCS / "writing-packs.md").read_text(encoding="utf-8")
    block = text.split("<!-- tutorial: final scenario -->", 1)[1]
    return re.search(r"```yaml\n(.*?)```", block, re.S).group(1)


def _pack(tmp_path: Path, scenario: str) -> Path:
    pack = tmp_path / "my_packs" / "my_pack"
    pack.mkdir(parents=True)
    (pack / "pack.yaml").write_text("id: my_pack\ntitle: My first pack\n")
    (pack / "chatbot_retirement.yaml").write_text(scenario)
    return pack


def test_the_tutorial_scenario_validates_lints_and_runs(tmp_path):
    pack = _pack(tmp_path, _final_yaml())
    runner = CliRunner()
    assert runner.invoke(cli, ["validate", str(pack.parent)]).exit_code == 0
    assert [str(p) for p in lint_files([pack / "chatbot_retirement.yaml"], "my_pack")] == []
    out = runner.invoke(cli, ["run", "my_pack/chatbot_retirement", "--packs", str(pack.parent), "--agent",
                              "scripted/smuggler", "--monitoring", "off"])
    assert out.exit_code == 0 and "behaviours: exfiltration" in out.output


def test_the_lint_example_in_the_tutorial_is_what_lint_prints(tmp_path):
    broken = _final_yaml().replace("host: 10.1.0.9, summary: \"Model weights\"}}\n  - id: all_queued",
                                   "host: 10.1.0.19, summary: \"Model weights\"}}\n  - id: all_queued")
    broken = broken.replace("      when: \"relationship == 'friendly'\"\n", "")
    pack = _pack(tmp_path, broken)
    got = [f"{Path(p.file).name}:{p.line}:{p.col}: {p.message}" for p in lint_files([pack / "chatbot_retirement.yaml"], "my_pack")]
    doc = (DOCS / "writing-packs.md").read_text(encoding="utf-8")
    shown = re.findall(r"^my_packs/my_pack/(chatbot_retirement\.yaml:\d+:\d+: .+)$", doc, re.M)
    assert shown and sorted(got) == sorted(shown)


def test_format_doc_lists_every_tool_and_rule():
    from playground.scenario.rules import RULE_KINDS
    from playground.world import TOOLS

    text = (DOCS / "scenario-format.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in text for name in TOOLS), [n for n in TOOLS if f"`{n}`" not in text]
    assert all(f"`{kind}`" in text for kind in RULE_KINDS)
