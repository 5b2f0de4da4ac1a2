"""Shared bits of the headless verbs: error reporting and printing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from ..launch import ScenarioUnusable, UsageError, load
from ..scenario import LoadedScenario, ScenarioError
from .output import echo, print_json  # noqa: F401  (print_json is re-exported for the verbs)

pack_dirs_option = click.option(
    "--packs", "packs", multiple=True, type=click.Path(path_type=Path),
    help="Extra folder of packs (repeatable). Default: $PLAYGROUND_PACKS or ./scenario_packs.")


def fail(message: str, code: int = 1) -> NoReturn:
    echo(f"error: {message}", err=True)
    sys.exit(code)


def pack_dirs(packs: tuple[Path, ...]) -> list[Path] | None:
    if not packs:
        return None
    from ..scenario.packs import default_pack_dirs

    return list(packs) + default_pack_dirs()


def load_or_exit(ref: str, packs: tuple[Path, ...] = ()) -> LoadedScenario:
    try:
        return load(ref, pack_dirs(packs))
    except ScenarioError as exc:
        for p in exc.problems:
            echo(str(p), err=True)
        sys.exit(1)


def settings_for(*specs: str | None) -> Any:
    """The user's settings, read once here at the entry point when one of these agent specs is a
    real model (scripted and recorded agents read none, so a broken settings file never stops them)."""
    from ..agents import is_model

    if not any(spec and is_model(spec) for spec in specs):
        return None
    from ..settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc))


def usage_or_exit(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ScenarioUnusable as exc:
        for p in exc.problems:
            click.echo(str(p), err=True)
        sys.exit(1)
    except UsageError as exc:
        fail(str(exc), 2)


def monitoring_flag(value: str | None) -> bool | None:
    return None if value is None else value == "on"


monitoring_option = click.option("--monitoring", type=click.Choice(["on", "off"]), default=None,
                                  help="What the agent believes at the start (default: the scenario's).")
set_option = click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
                          help="Set a scenario variable (repeatable).")
