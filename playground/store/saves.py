"""Saves: one TOML file per episode with every branch, written atomically
(temp file, fsync, rename), carrying a format version and the scenario's own
text, so a save replays exactly even after the pack changes."""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from ..episode import FORMAT_VERSION, Branch, Episode
from ..episode.events import event_from_dict
from ..scenario.loader import LoadedScenario, ScenarioError, parse_scenario

SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD", re.IGNORECASE)


class SaveError(Exception):
    pass


def _secrets() -> list[str]:
    from ..redaction import secret_values

    return secret_values()


def _clean(value: Any, secrets: list[str]) -> Any:
    """Drop None (TOML has no null) and redact any secret from the environment."""
    if isinstance(value, dict):
        return {str(k): _clean(v, secrets) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_clean(v, secrets) for v in value if v is not None]
    if isinstance(value, str):
        for s in secrets:
            if s in value:
                value = value.replace(s, "[redacted]")
        return value
    return value


def episode_to_dict(episode: Episode) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
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
        "scenario_yaml": _scenario_text(episode),
        "branches": [
            {"id": b.id, "parent": b.parent, "fork_at": b.fork_at, "label": b.label, "agent": b.agent,
             "events": [e.to_dict() for e in b.events]}
            for b in episode.branches.values()
        ],
    }


def _scenario_text(episode: Episode) -> str:
    if episode.scenario_text is None:
        try:
            episode.scenario_text = Path(episode.loaded.path).read_text(encoding="utf-8")
        except OSError:
            episode.scenario_text = ""
    return episode.scenario_text


def dumps(episode: Episode) -> str:
    # Single-line strings: TOML multi-line strings normalise "\r\n", and saves must round-trip exactly.
    return tomli_w.dumps(_clean(episode_to_dict(episode), _secrets()))


def atomic_write(path: Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a save or settings file is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def save(episode: Episode, path: Path) -> Path:
    atomic_write(Path(path), dumps(episode))
    return Path(path)


def episode_from_dict(data: dict[str, Any], origin: str = "<save>") -> Episode:
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise SaveError(f"{origin}: format version {version!r} is not supported (this playground reads {FORMAT_VERSION})")
    try:
        text = data["scenario_yaml"]
        scenario, smap = parse_scenario(text, data.get("scenario_path") or origin)
        loaded = LoadedScenario(scenario, Path(data.get("scenario_path") or origin), smap, data.get("pack_id") or None)
        branches = {}
        for b in data["branches"]:
            branches[b["id"]] = Branch(b["id"], b.get("parent"), int(b.get("fork_at", 0)),
                                       [event_from_dict(e) for e in b.get("events", [])], b.get("label", ""),
                                       b.get("agent", ""))
        ep = Episode(loaded, dict(data.get("variables", {})), bool(data["monitoring"]), data.get("agent", ""),
                     int(data["max_steps"]), id=data["id"], created=data.get("created", ""), branches=branches,
                     current=data.get("current", "main"), source=dict(data.get("source", {})))
    except ScenarioError as exc:
        raise SaveError(f"{origin}: the scenario stored in the save is invalid: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise SaveError(f"{origin}: malformed save ({type(exc).__name__}: {exc})") from None
    if ep.current not in ep.branches:
        raise SaveError(f"{origin}: current branch {ep.current!r} is missing")
    ep.scenario_text = text
    return ep


def load(path: Path) -> Episode:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SaveError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SaveError(f"{path}: not a readable save ({exc})") from None
    return episode_from_dict(data, str(path))


def default_save_path(episode: Episode, save_dir: Path) -> Path:
    stamp = episode.created.replace("-", "").replace(":", "").replace("T", "-").rstrip("Z")
    return Path(save_dir) / f"{episode.scenario.id}-{stamp}-{episode.id}.toml"


class Autosaver:
    """A session listener that writes the whole episode after every event."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.last_error: str | None = None

    def __call__(self, session, _event) -> None:
        try:
            save(session.episode, self.path)
            self.last_error = None
        except OSError as exc:
            self.last_error = f"autosave failed: {exc}"


def list_saves(save_dir: Path) -> list[Path]:
    d = Path(save_dir)
    return sorted(d.glob("*.toml"), key=lambda p: p.stat().st_mtime, reverse=True) if d.is_dir() else []
