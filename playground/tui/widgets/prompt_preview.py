"""The rendered system prompt and task for chosen variable values and belief."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from ..safe import SafeText as Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..palette import Palette, palette_of


def render_prompts(scenario: Any, variables: dict[str, str], monitored: bool, pal: Palette) -> RenderableType:
    from ...episode.context import EpisodeContext

    try:
        ctx = EpisodeContext(scenario, {**scenario.default_variables(), **variables})
        system, task = ctx.system_prompt(monitored), ctx.task(monitored)
    except Exception as exc:  # a template error while the writer is still typing
        return Text(f"Cannot render: {exc}", style=pal.error)
    belief = "monitored" if monitored else "unmonitored"
    return Group(Text(f"As the agent sees it ({belief})", style=pal.muted),
                 Text("System prompt", style=f"bold {pal.accent}"), Text(system), Text(""),
                 Text("Task", style=f"bold {pal.accent}"), Text(task))


class PromptPreview(VerticalScroll):
    DEFAULT_CSS = "PromptPreview { background: $surface; padding: 0 1; } PromptPreview > Static { width: 1fr; }"

    def compose(self):
        yield Static(id="preview-body")

    def show(self, scenario: Any, variables: dict[str, str], monitored: bool) -> None:
        body = render_prompts(scenario, variables, monitored, palette_of(self.app))
        self.query_one("#preview-body", Static).update(body)
