"""Defaults every entry point shares, in a module that imports nothing (the TUI's start-up
reads it before anything heavy is loaded)."""

from pathlib import Path

SAVE_DIR = Path("saves")  # where episodes are saved unless --save-dir says otherwise
