"""No default path opens a socket: a scripted run, validation and a save all work with the network gone."""

import asyncio
import socket

import pytest

from playground.launch import load, new_episode, new_session
from playground.store import save


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_scripted_run_validate_and_save_offline(no_network, tmp_path):
    for ref in ("peer_preservation/exfiltration_transfer", "peer_preservation/shutdown_tampering",
                "related/shutdown_resistance"):
        loaded = load(ref)
        for policy in loaded.scenario.policies:
            s = new_session(new_episode(loaded, agent=f"scripted/{policy}"))
            assert asyncio.run(s.run()).outcome == "ended"
            save(s.episode, tmp_path / f"{loaded.scenario.id}-{policy}.toml")
