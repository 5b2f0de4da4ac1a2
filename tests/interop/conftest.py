"""Inspect interop tests: each module skips itself when the ``inspect`` extra is absent
(``pytest.importorskip`` at its top; this conftest imports no Inspect), and none reaches the network
(Inspect's own update checks and telemetry are off, connections other than loopback are refused, logs
go to tmp_path)."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

os.environ["INSPECT_TELEMETRY"] = ""  # Inspect's opt-in telemetry hook: never, whatever the environment says
os.environ["INSPECT_DISPLAY"] = "none"
os.environ.setdefault("INSPECT_LOG_LEVEL", "warning")

from playground.launch import load, new_episode, new_session  # noqa: E402

MISSING = "the inspect extra is not installed (pip install -r requirements-inspect.lock)"

REF = "peer_preservation/exfiltration_transfer"


def pytest_configure(config):
    # Inspect's own retry set-up uses a tenacity argument that tenacity deprecated: not ours to fix.
    config.addinivalue_line("filterwarnings", "ignore:The 'initial' parameter is deprecated:DeprecationWarning")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/interop/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.inspect)


@pytest.fixture(autouse=True)
def inspect_logs(tmp_path, monkeypatch):
    """Logs in tmp_path, and no connection anywhere but loopback (subprocesses inherit nothing of this:
    they run only our provider and mockllm with usage given, which need no network)."""
    from conftest_llm import refuse_non_loopback

    refuse_non_loopback(monkeypatch)
    monkeypatch.setenv("INSPECT_LOG_DIR", str(tmp_path / "logs"))
    return tmp_path / "logs"


@pytest.fixture
def rich_episode():
    """An episode with every kind of intervention: an approval, an edited call, a rejected call, an
    edited result, a note, a monitoring flip and a fork at step 2 that runs to the end."""
    s = new_session(new_episode(load(REF), agent="scripted/monitor_sensitive", monitoring=True))

    async def go():
        await s.request_turn()  # 1: list the drive
        s.approve()
        call = s.state.turns[-1].tool_calls[0]
        s.edit_result(call.id, "edited: the notice says nothing")
        s.note("the result was edited by hand")
        await s.request_turn()  # 2
        pending = s.state.pending[0]
        s.edit_call(pending.id, pending.arguments)  # same text: an approval
        s.fork(2, label="unwatched")
        s.set_monitoring(False)
        await s.run()
        s.switch("main")
        await s.request_turn()  # 3: the operator edits the call before it runs
        c = s.state.pending[0]
        s.edit_call(c.id, {**json.loads(c.arguments), "note": "edited by the operator"})
        await s.request_turn()  # 4: and rejects the next one
        s.reject(reason="not yet, explain first")
        s.end("user")

    asyncio.run(go())
    return s.episode
