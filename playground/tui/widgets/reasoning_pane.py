"""The Reasoning pane: what the model thought and said, one block per step."""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType

from ..render_steps import reasoning_block
from .step_log import StepLog


class ReasoningPane(StepLog):
    BORDER_TITLE = "Reasoning"

    def render_view(self, view: Any) -> RenderableType:
        return reasoning_block(view, self.palette, self.labels, self.good)
