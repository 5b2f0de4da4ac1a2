"""The ``playground`` entry point."""

from __future__ import annotations

from pathlib import Path

import click

import importlib

# Each module lists its verbs in COMMANDS; keep them free of Textual and litellm imports.
COMMAND_MODULES = (
    "episodes",
    "authoring",
    "importing",
    "settings_cmd",
)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="playground")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """A terminal playground for agentic-misalignment scenarios.

    With no command, opens the TUI.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(tui)


@cli.command()
@click.argument("target", required=False)
@click.option("--packs", multiple=True, type=click.Path(path_type=Path), help="Extra folder of packs.")
@click.option("--save-dir", type=click.Path(path_type=Path), default=Path("saves"), show_default=True)
@click.option("--agent", default=None, help="Preselect the agent in setup: scripted/<policy>, a model alias or a "
                                            "litellm model string.")
def tui(target: str | None, packs: tuple[Path, ...], save_dir: Path, agent: str | None) -> None:
    """Open the TUI, optionally on a scenario (pack/id or file) or a save."""
    from ..tui.app import run_app  # Textual only when the TUI is asked for

    run_app(target=target, packs=list(packs), save_dir=save_dir, agent=agent)


for _name in COMMAND_MODULES:
    for command in importlib.import_module(f"{__package__}.{_name}").COMMANDS:
        cli.add_command(command)


def main() -> None:
    cli(prog_name="playground")
