"""``python -m playground.tui [SCENARIO|SAVE]``: the TUI without the CLI around it."""

from __future__ import annotations

import sys

from .app import run_app

if __name__ == "__main__":
    run_app(target=sys.argv[1] if len(sys.argv) > 1 else None)
