"""Shared test set-up: tests never reach the network and never read the user's config."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKS = REPO / "scenario_packs"

os.environ["PLAYGROUND_PACKS"] = str(PACKS)
os.environ["PLAYGROUND_USER_PACKS"] = tempfile.mkdtemp(prefix="pg-user-packs-")  # never the user's own
os.environ.setdefault("PLAYGROUND_CONFIG", str(Path(__file__).parent / "fixtures" / "settings.toml"))
os.environ["LITELLM_OFFLINE_MODE"] = "true"
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"


@pytest.fixture
def packs_dir() -> Path:
    return PACKS

from conftest_llm import fake_llm  # noqa: E402,F401  (the loopback OpenAI/Anthropic/Gemini server)
