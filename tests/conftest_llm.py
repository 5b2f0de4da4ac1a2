"""The fake LLM server fixture. Import it into ``tests/conftest.py``:

    from conftest_llm import fake_llm  # noqa: F401
"""

from __future__ import annotations

import pytest

try:
    from fake_llm_server import FakeLLMServer
except ImportError:  # tests/ imported as a package
    from tests.fake_llm_server import FakeLLMServer


LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")


def refuse_non_loopback(monkeypatch) -> None:
    """Refuse every connection and name lookup that is not loopback (a real provider would fail loudly)."""
    import socket

    real_connect, real_gai = socket.socket.connect, socket.getaddrinfo

    def connect(self, address, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in LOCAL_HOSTS:
            raise ConnectionRefusedError(f"test blocked a connection to {address!r}")
        return real_connect(self, address, *args)

    def getaddrinfo(host, *args, **kwargs):
        if host not in LOCAL_HOSTS and host is not None:
            raise socket.gaierror(f"test blocked a lookup of {host!r}")
        return real_gai(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def fake_llm():
    """A scripted OpenAI/Anthropic/Gemini-shaped server on 127.0.0.1; stopped after the test."""
    server = FakeLLMServer().start()
    try:
        yield server
    finally:
        server.stop()
