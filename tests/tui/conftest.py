"""TUI tests: a frozen fixture pack, a temp save dir, fake agents injected through the config."""

from __future__ import annotations

import pytest

from .helpers import PACKS


@pytest.fixture
def tui_packs():
    return PACKS


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: runs the installed command in a pseudo-terminal (part of the normal run)")
