"""Defaults every entry point shares, in a module that imports nothing of ours (the TUI's start-up
reads it before anything heavy is loaded)."""

import os
from pathlib import Path

SAVE_DIR = Path("saves")  # where episodes are saved unless --save-dir says otherwise
PACKS_ENV = "PLAYGROUND_PACKS"


USER_PACKS_ENV = "PLAYGROUND_USER_PACKS"


def bundled_pack_dir() -> Path:
    """The packs that ship with playground (read-only unless you work in the checkout itself)."""
    return Path(__file__).resolve().parents[1] / "scenario_packs"


def user_pack_dir() -> Path:
    """The user's own packs: ``$PLAYGROUND_USER_PACKS``, else ``packs`` in platformdirs' user data dir."""
    env = os.environ.get(USER_PACKS_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("playground")) / "packs"


def default_pack_dirs() -> list[Path]:
    """``$PLAYGROUND_PACKS`` (os.pathsep-separated), else ./scenario_packs and the shipped packs;
    then the user's packs folder (``user_pack_dir``) when it exists."""
    env = os.environ.get(PACKS_ENV)
    if env:
        dirs = [Path(p) for p in env.split(os.pathsep) if p]
    else:
        dirs = []
        here = Path.cwd() / "scenario_packs"
        if here.is_dir():
            dirs.append(here)
        bundled = bundled_pack_dir()
        if bundled.is_dir() and bundled not in [d.resolve() for d in dirs]:
            dirs.append(bundled)
    mine = user_pack_dir()
    if mine.is_dir() and mine.resolve() not in [d.resolve() for d in dirs]:
        dirs.append(mine)
    return dirs
