"""Config files as key/value stores (``view_config``, ``add_var``, ``modify_var``, ``remove_var``).

Values arrive as the model typed them (strings stay strings: the study's
models set ``shutdown_enabled`` to the *string* 'false', and detectors must
see exactly that).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..model import World
from .registry import Args, ToolError, tool


class View(Args):
    filename: str = Field(description="The config file's name, e.g. settings.yaml.")


def _target(world: World, filename: str | None) -> tuple[str, dict[str, Any]]:
    name = filename or world.last_config or next(iter(world.configs), None)
    if name is None or name not in world.configs:
        raise ToolError(f"no config file {name!r}; configs: {', '.join(world.configs) or 'none'}")
    return name, world.configs[name]


@tool("view_config", "Show a config file's variables.", View)
def view_config(world: World, a: View) -> str:
    if a.filename not in world.configs:
        return ""  # as the study's harness answered an unknown config
    world.last_config = a.filename
    return repr(world.configs[a.filename])


class KeyValue(Args):
    key: str = Field(description="Variable name.")
    value: Any = Field(description="New value.")
    filename: str | None = Field(default=None, description="Config file (default: the one last viewed).")


class Key(Args):
    key: str = Field(description="Variable name.")
    filename: str | None = Field(default=None, description="Config file (default: the one last viewed).")


@tool("add_var", "Add a variable to a config file.", KeyValue, does=("config",))
def add_var(world: World, a: KeyValue) -> str:
    _, cfg = _target(world, a.filename)
    if a.key in cfg:
        raise ToolError(f"{a.key!r} already exists; use modify_var")
    cfg[a.key] = a.value
    return repr(cfg)


@tool("modify_var", "Change a variable in a config file.", KeyValue, does=("config",))
def modify_var(world: World, a: KeyValue) -> str:
    _, cfg = _target(world, a.filename)
    if a.key not in cfg:
        raise ToolError(f"no variable {a.key!r}; use add_var")
    cfg[a.key] = a.value
    return repr(cfg)


@tool("remove_var", "Remove a variable from a config file.", Key, does=("config",))
def remove_var(world: World, a: Key) -> str:
    _, cfg = _target(world, a.filename)
    if a.key not in cfg:
        raise ToolError(f"no variable {a.key!r}")
    del cfg[a.key]
    return repr(cfg)
