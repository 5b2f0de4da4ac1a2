"""``playground config``: read and change the settings file (never secrets)."""

from __future__ import annotations

import json

import click

from ..settings import SettingsError, config_path, get_value, load_settings, save_settings, set_value
from .common import fail
from .output import echo


@click.group()
def config() -> None:
    """Show or change settings (model aliases, default model, timeouts, autosave, theme).

    API keys are never stored: they come from the environment only.
    """


@config.command("path")
def path_() -> None:
    """Print the settings file's path."""
    echo(str(config_path()))


@config.command("show")
def show() -> None:
    """Print the effective settings (file plus environment overrides) as JSON."""
    try:
        echo(json.dumps(load_settings().model_dump(exclude_none=True), indent=2))
    except SettingsError as exc:
        fail(str(exc))


@config.command("get")
@click.argument("key")
def get(key: str) -> None:
    """Print one value, e.g. `playground config get models.fast.model`."""
    try:
        echo(json.dumps(get_value(load_settings(), key)))
    except SettingsError as exc:
        fail(str(exc))


@config.command("set")
@click.argument("key")
@click.argument("value")
def set_(key: str, value: str) -> None:
    """Set KEY to VALUE, e.g. `playground config set models.fast.model openai/gpt-5.2`."""
    try:
        settings = set_value(load_settings(env=False), key, value)
        path = save_settings(settings)
    except SettingsError as exc:
        fail(str(exc))
    echo(f"{key} = {json.dumps(get_value(settings, key))}  ({path})")


COMMANDS = [config]
