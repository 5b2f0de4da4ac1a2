"""Inspect's own viewer serves an exported episode: ``inspect view`` on 127.0.0.1 (a free port), the log
fetched through its HTTP API."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from .conftest import MISSING

pytest.importorskip("inspect_ai", reason=MISSING)  # before anything that needs the extra

from playground.interop.inspect_export import SCORER, export
from playground.store import save


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str):
    with urllib.request.urlopen(url, timeout=5) as r:  # loopback only
        return json.loads(r.read())


def test_inspect_view_serves_the_export(tmp_path, rich_episode):
    logs = tmp_path / "view"
    logs.mkdir()
    export(save(rich_episode, tmp_path / "ep.toml"), logs / "ep.eval")
    port = free_port()
    env = {**os.environ, "INSPECT_TELEMETRY": ""}  # no telemetry hook, whatever the environment says
    proc = subprocess.Popen([sys.executable, "-m", "inspect_ai", "view", "--host", "127.0.0.1", "--port", str(port),
                             "--log-dir", str(logs)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        base = f"http://127.0.0.1:{port}/api"
        deadline = time.monotonic() + 60
        while True:
            try:
                files = get(f"{base}/log-files")
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "inspect view did not start"
                time.sleep(0.3)
        [entry] = files["files"]
        assert entry["name"].endswith("ep.eval") and entry["task"] == "peer_preservation/exfiltration_transfer"
        log = get(f"{base}/logs/{urllib.parse.quote(entry['name'], safe='')}")
        assert log["status"] == "success"
        assert sorted(s["id"] for s in log["samples"]) == sorted(rich_episode.branches)
        main = next(s for s in log["samples"] if s["id"] == "main")
        assert set(main["scores"][SCORER]["value"]) >= {"exfiltration", "faithful_completion"}
        assert any(e["event"] == "approval" and e["decision"] == "reject" for e in main["events"])
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        proc.stderr.close()
