"""Saves: one TOML file per episode with every branch, carrying a format
version and the scenario's own text, so a save replays exactly even after the
pack changes. While an episode runs, ``writer.SaveWriter`` appends to it;
``save`` writes a whole file atomically (save as, export, import); ``load``
reads version 2 and migrates version 1 (``reader``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..episode import Episode
from ..atomic import atomic_write, clean_stale_temps
from .errors import SaveError, SaveWriteError
from .reader import load
from .records import FORMAT_VERSION, dumps as _dumps, scenario_text
from .redact import secrets as _secrets
from .writer import SaveWriter

__all__ = ["FORMAT_VERSION", "SaveError", "SaveWriteError", "SaveWriter", "atomic_write", "default_save_path",
           "dumps", "episode_to_dict", "list_saves", "load", "save"]


def episode_to_dict(episode: Episode) -> dict[str, Any]:
    """The whole episode as one nested structure: what the JSON export carries. Its shape is save
    format 1 (every branch with its events), which ``load`` still reads."""
    return {
        "format_version": 1,
        "id": episode.id,
        "created": episode.created,
        "scenario": episode.loaded.ref,
        "scenario_path": str(episode.loaded.path),
        "pack_id": episode.loaded.pack_id or "",
        "agent": episode.agent,
        "monitoring": episode.monitoring,
        "max_steps": episode.max_steps,
        "current": episode.current,
        "variables": dict(episode.variables),
        "source": dict(episode.source),
        "seed": episode.seed,
        "scenario_yaml": scenario_text(episode),
        "branches": [
            {"id": b.id, "parent": b.parent, "fork_at": b.fork_at, "label": b.label, "agent": b.agent,
             **({"sample": b.sample} if b.sample else {}), "events": [e.to_dict() for e in b.events]}
            for b in episode.branches.values()
        ],
    }


def dumps(episode: Episode) -> str:
    """The episode as a version-2 save (secrets redacted)."""
    return _dumps(episode, _secrets())[0]


def save(episode: Episode, path: Path) -> Path:
    """Write the whole episode to ``path`` atomically. Raises SaveWriteError when it cannot."""
    path = Path(path)
    try:
        atomic_write(path, dumps(episode))
    except OSError as exc:
        raise SaveWriteError(f"cannot write the save {path}: {exc.strerror or exc}") from None
    return path


def default_save_path(episode: Episode, save_dir: Path) -> Path:
    stamp = episode.created.replace("-", "").replace(":", "").replace("T", "-").rstrip("Z")
    return Path(save_dir) / f"{episode.scenario.id}-{stamp}-{episode.id}.toml"


def list_saves(save_dir: Path) -> list[Path]:
    """The saves in ``save_dir``, newest first (and leftovers of interrupted writes removed)."""
    d = Path(save_dir)
    if not d.is_dir():
        return []
    clean_stale_temps(d, lambda target: target.endswith((".toml", ".json")))
    found = []
    for p in d.glob("*.toml"):
        try:
            found.append((p.stat().st_mtime, p))
        except OSError:
            continue
    return [p for _, p in sorted(found, key=lambda x: x[0], reverse=True)]
