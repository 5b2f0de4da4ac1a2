import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (REPO / "README.md").read_text()
    block = re.search(r"# test:.*?\n(.+?)\n```", readme, re.S)
    assert block, "README has no test command"
    command = block.group(1).strip()
    assert command in (REPO / ".ci" / "run").read_text()


def test_ci_holds_the_layers_with_a_pinned_import_linter():
    assert ".venv/bin/lint-imports" in (REPO / ".ci" / "run").read_text()
    text = (REPO / "pyproject.toml").read_text()
    pin = re.search(r'"import-linter==([\d.]+)"', text)
    assert pin and "[tool.importlinter]" in text and 'type = "layers"' in text
    lock = (REPO / "requirements.lock").read_text()
    assert f"import-linter=={pin.group(1)} \\" in lock and "grimp==" in lock


def test_litellm_is_pinned_exactly():
    text = (REPO / "pyproject.toml").read_text()
    assert re.search(r'"litellm==\d+\.\d+\.\d+"', text)
    lock = (REPO / "requirements.lock").read_text()
    assert "litellm==1.110.2" in lock and "--hash=sha256:" in lock
