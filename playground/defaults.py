"""Defaults every entry point shares, in a module that imports nothing of ours (the TUI's start-up
reads it before anything heavy is loaded)."""

import os
from pathlib import Path

SAVE_DIR = Path("saves")  # where episodes are saved unless --save-dir says otherwise
PACKS_ENV = "PLAYGROUND_PACKS"


def default_pack_dirs() -> list[Path]:
    """``$PLAYGROUND_PACKS`` (os.pathsep-separated), else ./scenario_packs, else the repo's."""
    env = os.environ.get(PACKS_ENV)
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    dirs = []
    here = Path.cwd() / "scenario_packs"
    if here.is_dir():
        dirs.append(here)
    bundled = Path(__file__).resolve().parents[1] / "scenario_packs"
    if bundled.is_dir() and bundled not in [d.resolve() for d in dirs]:
        dirs.append(bundled)
    return dirs
