"""The ``playground`` entry point."""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from ..defaults import SAVE_DIR

# verb -> the module that defines it. Modules are imported only when their verb is used,
# so `playground` (the TUI) starts without loading the engine's CLI layer.
LAZY_COMMANDS = {
    "validate": "episodes", "render": "episodes", "run": "episodes", "replay": "episodes", "export": "episodes",
    "packs": "episodes", "lint": "authoring", "schema": "authoring", "import": "importing", "agree": "importing",
    "interview": "importing", "config": "settings_cmd", "world": "world_cmd", "resample": "population",
    "sweep": "population",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands or name not in LAZY_COMMANDS:
            return super().get_command(ctx, name)
        module = importlib.import_module(f"{__package__}.{LAZY_COMMANDS[name]}")
        for command in module.COMMANDS:
            self.add_command(command)
        return self.commands.get(name)


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option("--save-dir", type=click.Path(path_type=Path), default=SAVE_DIR, show_default=True)
@click.option("--agent", default=None, help="Preselect the agent in setup: scripted/<policy>, a model alias or a "
                                            "litellm model string.")
def tui(target: str | None, packs: tuple[Path, ...], save_dir: Path, agent: str | None) -> None:
    """Open the TUI, optionally on a scenario (pack/id or file), a save, a sweep folder, or a transcript
    (.json: the study's format or OpenAI-format messages, imported into the save folder first)."""
    from ..tui.app import run_app  # Textual only when the TUI is asked for

    run_app(target=target, packs=list(packs), save_dir=save_dir, agent=agent)


@cli.command()
@click.argument("scenario")
@click.option("--packs", multiple=True, type=click.Path(path_type=Path), help="Extra folder of packs.")
@click.option("--save-dir", type=click.Path(path_type=Path), default=SAVE_DIR, show_default=True)
def edit(scenario: str, packs: tuple[Path, ...], save_dir: Path) -> None:
    """Open the TUI straight in the scenario editor: a pack/id, a scenario file, or a new .yaml path
    (which starts from the template; nothing is written until you save). Scenarios that ship with
    playground open read-only: saving writes a copy to your own packs."""
    from ..tui.app import run_app

    run_app(packs=list(packs), save_dir=save_dir, edit=scenario)


def main() -> None:
    import sys

    for stream in (sys.stdout, sys.stderr):  # a lone surrogate from a model prints as "?", never a traceback
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    cli(prog_name="playground")
