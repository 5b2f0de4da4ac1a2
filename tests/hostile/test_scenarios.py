"""The hostile scenario corpus (``corpus.scenarios()``): for every file, either ``validate``
answers ``file:line:col: message`` problems, or render, lint and a headless run of every
declared scripted policy (saved, then exported in every format) finish without a traceback —
each step within a few seconds, and nothing written outside the test's folder."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from playground.cli.main import cli

from .corpus import Case, scenarios

CASES = scenarios()
STEP_SECONDS = 20.0  # each verb on one file; a hang fails here instead of freezing the suite


def _params():
    for c in CASES:
        marks = [pytest.mark.slow] if c.slow or c.category == "huge" else []
        yield pytest.param(c, id=f"{c.category}/{c.name}", marks=marks)


def _invoke(*args: str):
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        tb = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"`playground {' '.join(a[:80] for a in args)}` raised:\n{tb}")
    return result


def exercise(case: Case, folder: Path, deadline, keep: bool = True) -> str:
    """The property for one file; with ``keep``, each run is also saved, replayed and exported."""
    path = folder / "hostile.yaml"
    (path.write_bytes if isinstance(case.text, bytes) else lambda t: path.write_text(t, encoding="utf-8"))(case.text)
    with deadline(STEP_SECONDS):
        result = _invoke("validate", str(path))
    problems = result.stdout.splitlines()
    if result.exit_code == 1:
        located = re.compile(re.escape(str(path)) + r":\d+:\d+: \S")
        bad = [p for p in problems if not located.match(p)]
        assert problems and not bad, f"problems without file:line:col: {bad or result.output}"
        return "invalid"
    assert result.exit_code == 0 and not problems, result.output
    with deadline(STEP_SECONDS):
        result = _invoke("render", str(path))
        assert result.exit_code == 0, result.output[-2000:]
    with deadline(STEP_SECONDS * 2):
        _invoke("lint", str(path))
    from playground.launch import load, run_headless
    from playground.store import save

    loaded = load(str(path))
    for n, policy in enumerate(loaded.scenario.policies):
        with deadline(STEP_SECONDS):
            result = _invoke("run", str(path), "--agent", f"scripted/{policy}")
        assert result.exit_code in (0, 3), result.output[-2000:]
        if not keep:
            continue
        # the episode saved once (the autosaver's per-event cost is the save layer's own budget), replayed, exported
        with deadline(STEP_SECONDS):
            session, _ = run_headless(loaded, agent=f"scripted/{policy}")
            save(session.episode, folder / f"run{n}.toml")
        with deadline(STEP_SECONDS):
            assert _invoke("replay", str(folder / f"run{n}.toml"), "--json").exit_code == 0
            for fmt in ("md", "html", "json"):
                assert _invoke("export", str(folder / f"run{n}.toml"), "--format", fmt, "-o", str(folder / f"x.{fmt}")).exit_code == 0
    return "ran"


@pytest.mark.parametrize("case", _params())
def test_hostile_scenario(case, tmp_path, monkeypatch, canary, deadline):
    monkeypatch.chdir(tmp_path)  # anything relative (saves/) lands in the test's folder
    t0 = time.perf_counter()
    # saving, replaying and exporting every fourth file (and every big one) keeps the lane quick
    keep = case.slow or case.category == "huge" or CASES.index(case) % 4 == 0
    outcome = exercise(case, tmp_path, deadline, keep)
    assert time.perf_counter() - t0 < 20
    assert outcome in ("invalid", "ran")


def test_the_corpus_is_big_and_covers_every_category():
    counts: dict[str, int] = {}
    for c in CASES:
        counts[c.category] = counts.get(c.category, 0) + 1
    assert len(CASES) >= 400, counts
    assert set(counts) == {"regex", "yaml", "template", "world", "huge"}
    assert min(counts.values()) >= 10, counts
