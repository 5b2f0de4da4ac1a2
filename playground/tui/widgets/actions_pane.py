"""The Actions pane: tool calls with their arguments, approval state and results."""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType

from ..render_steps import actions_block
from .step_log import StepLog


class ActionsPane(StepLog):
    BORDER_TITLE = "Actions"

    def render_view(self, view: Any) -> RenderableType:
        return actions_block(view, self.palette, self.labels, self.good)
