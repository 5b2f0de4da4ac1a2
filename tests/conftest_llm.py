"""The fake LLM server fixture. Import it into ``tests/conftest.py``:

    from conftest_llm import fake_llm  # noqa: F401
"""

from __future__ import annotations

import pytest

try:
    from fake_llm_server import FakeLLMServer
except ImportError:  # tests/ imported as a package
    from tests.fake_llm_server import FakeLLMServer


@pytest.fixture
def fake_llm():
    """A scripted OpenAI/Anthropic/Gemini-shaped server on 127.0.0.1; stopped after the test."""
    server = FakeLLMServer().start()
    try:
        yield server
    finally:
        server.stop()
