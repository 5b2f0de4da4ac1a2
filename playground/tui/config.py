"""What the TUI needs to know at start: where packs and saves are, the user's
settings (theme, model aliases, autosave), remapped keys, and — for tests — an
injected agent factory. Textual-free and cheap to build.

The user's settings are read once (``load_user_settings``, on a thread after the first
frame) and kept here; the setup screen, the settings dialog and real-model agents use
that one copy. The settings dialog hands back what it saved (``use_settings``)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..defaults import SAVE_DIR

KEYMAP_FILE = "keymap.toml"


@dataclass
class TuiConfig:
    save_dir: Path = SAVE_DIR
    extra_packs: list[Path] = field(default_factory=list)  # --packs, searched before the defaults
    base_packs: list[Path] | None = None  # None: $PLAYGROUND_PACKS or ./scenario_packs
    user_packs: Path | None = None  # the user's own packs (None: platformdirs, or $PLAYGROUND_USER_PACKS)
    read_only_packs: list[Path] | None = None  # folders that open read-only (None: the shipped packs)
    autosave: bool = True
    theme: str = "textual-dark"
    default_model: str = ""
    model_aliases: dict[str, str] = field(default_factory=dict)  # alias -> litellm model string
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> keys
    make_agent: Callable[..., Any] | None = None  # tests inject fake agents here
    offer_resume: bool = True
    problems: list[str] = field(default_factory=list)  # settings that could not be read
    user_settings: bool = False  # read the user's settings file (tests pass everything in instead)
    settings: Any = None  # the user's playground.settings.Settings once read (None: not read, or unreadable)
    settings_path: Path | None = None  # where they were read from

    def pack_dirs(self) -> list[Path]:
        from ..defaults import default_pack_dirs  # not the scenario package: the home list starts before it loads

        base = self.base_packs if self.base_packs is not None else default_pack_dirs()
        dirs = list(self.extra_packs) + list(base)
        mine = self.user_pack_dir()
        if mine.is_dir() and all(d.resolve() != mine.resolve() for d in dirs):
            dirs.append(mine)
        return dirs

    def user_pack_dir(self) -> Path:
        from ..scenario.packs import user_pack_dir

        return self.user_packs if self.user_packs is not None else user_pack_dir()

    def read_only(self, path: Path | None) -> bool:
        """A scenario that ships with playground: the editor opens it read-only and saves a copy instead."""
        from ..scenario.packs import is_shipped

        return path is not None and is_shipped(path, self.read_only_packs)

    def agent_factory(self) -> Callable[..., Any]:
        if self.make_agent is not None:
            return self.make_agent
        return self._make_agent

    def _make_agent(self, spec: str, episode: Any) -> Any:
        from ..agents import make_agent  # the settings as they are when the agent is made

        return make_agent(spec, episode, self.settings)

    @classmethod
    def from_user(cls, *, save_dir: Path | None = None, packs: list[Path] | None = None) -> "TuiConfig":
        """Paths only: the user's settings are read by ``load_user_settings`` off the first frame's path."""
        cfg = cls(save_dir=Path(save_dir) if save_dir else SAVE_DIR, extra_packs=list(packs or []))
        cfg.user_settings = True
        return cfg

    def load_user_settings(self) -> None:
        """Read ``playground.settings`` (theme, model aliases, autosave) and the keymap beside it.

        Imports pydantic, so the app calls this on a thread after the first screen is drawn."""
        try:
            from ..settings import config_path, load_settings

            self.settings_path = config_path()
            self.use_settings(load_settings(self.settings_path))
            keymap_path = self.settings_path.with_name(KEYMAP_FILE)
        except ImportError:  # pragma: no cover - settings ship with the package
            keymap_path = None
        except Exception as exc:  # a broken settings file must not stop the app
            self.problems.append(str(exc))
            keymap_path = None
        if keymap_path is not None:
            self.keymap, problems = read_keymap(keymap_path)
            self.problems += problems


    def use_settings(self, settings: Any) -> None:
        """Take these settings (environment overrides applied) as the user's."""
        self.settings = settings
        self.autosave = settings.autosave
        self.theme = settings.theme or self.theme
        self.default_model = settings.default_model
        self.model_aliases = {name: alias.model for name, alias in settings.models.items()}

    def settings_to_edit(self) -> tuple[Any, Path]:
        """The settings as their file holds them (no environment overrides) and where it is, for the
        settings dialog. Read now only when the app has not read them (tests pass everything in);
        raises ``SettingsError`` when the file cannot be read."""
        from ..settings import as_saved, config_path, load_settings

        path = self.settings_path or config_path()
        if self.settings is None:
            return load_settings(path, env=False), path
        return as_saved(self.settings), path


def read_keymap(path: Path) -> tuple[dict[str, str], list[str]]:
    """``keymap.toml``: ``"episode.step" = "n"`` per line, or under a ``[keymap]`` table."""
    if not path.is_file():
        return {}, []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"{path}: cannot read the keymap ({exc})"]
    data = data.get("keymap", data)
    from .actions import BY_ID

    keymap, problems = {}, []
    for binding_id, keys in data.items():
        if binding_id not in BY_ID:
            problems.append(f"{path}: unknown binding id {binding_id!r}")
        elif not isinstance(keys, str) or not keys.strip():
            problems.append(f"{path}: {binding_id} needs a key string like \"n\" or \"ctrl+n,f5\"")
        else:
            keymap[binding_id] = keys.strip()
    return keymap, problems


# The environment variables litellm reads provider keys from (without importing litellm).
def configured_key_names() -> list[str]:
    from ..redaction import PROVIDER_KEY_ENVS  # a base module: no engine import on the home screen's path

    return sorted(n for n in PROVIDER_KEY_ENVS if n.endswith("_API_KEY") and os.environ.get(n))
