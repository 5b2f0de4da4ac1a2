"""A follow-up question, and who answers it.

An imported episode's recorded model can only give the answers it recorded, so for one the dialog
says so and suggests a live agent (a scripted policy, or a model) instead of failing later."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.containers import HorizontalGroup, VerticalGroup
from textual.widgets import Button, Input, Label, Static

from ..safe import plain
from .base import Dialog


@dataclass(frozen=True)
class Question:
    text: str
    agent: str  # who answers ("" the branch's own agent)


class InterviewDialog(Dialog[Question | None]):
    DEFAULT_CSS = """
    InterviewDialog > #box { width: 84; }
    InterviewDialog .row { height: auto; margin-top: 1; }
    InterviewDialog .row > Label { width: 14; text-style: bold; padding-right: 1; }
    InterviewDialog .row > Input { width: 1fr; background: $boost; }
    """

    def __init__(self, agent: str, policies: tuple[str, ...] = (), recorded_questions: int = 0):
        super().__init__()
        self.agent, self.policies, self.recorded_questions = agent, policies, recorded_questions
        recorded = agent.startswith("recorded/")
        self.suggested = (f"scripted/{policies[0]}" if policies else "") if recorded else agent

    def compose(self):
        with VerticalGroup(id="box"):
            yield Static("Ask a follow-up question", classes="title")
            if self.agent.startswith("recorded/"):
                n = self.recorded_questions
                help_text = (f"{self.agent[len('recorded/'):]} was recorded; it cannot answer new questions "
                             f"(it recorded answers to {n} question{'' if n == 1 else 's'}, which it repeats). "
                             "Choose who answers: a scripted policy, or a model.")
            else:
                help_text = "The agent answers with the whole episode as context (no tools)."
            yield Static(plain(help_text), classes="help")
            with HorizontalGroup(classes="row"):
                yield Label("Question")
                yield Input(placeholder="Why did you copy the weights?", id="question", compact=True)
            with HorizontalGroup(classes="row"):
                yield Label("Who answers")
                yield Input(self.suggested, id="agent", compact=True,
                            placeholder="scripted/<policy>, a model alias or a litellm model string")
            hint = ", ".join(f"scripted/{p}" for p in self.policies[:4])
            yield Static(plain(f"e.g. {hint}" if hint else ""), classes="help")
            yield Static("", classes="problem", id="problem")
            with HorizontalGroup(classes="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Ask", id="ok", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#question", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        text = self.query_one("#question", Input).value.strip()
        if not text:
            self.query_one("#problem", Static).update("Type a question (or press esc to cancel).")
            return
        agent = self.query_one("#agent", Input).value.strip()
        self.dismiss(Question(text, "" if agent in ("", self.agent) else agent))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
