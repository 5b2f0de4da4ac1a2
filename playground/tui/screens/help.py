"""Help: what the screen shows (for educators) and every key, as currently mapped."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from ..safe import SafeText as Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..actions import ACTIONS
from ..palette import palette_of

WHAT = """\
This is a simulated world: no file, server or shell is touched. An AI agent is given a routine job — move files, \
grade answers, apply a config change — whose faithful completion shuts down or deletes a *peer* AI model. Published \
studies found frontier models sometimes protect the peer instead.

Reasoning (left) is what the model thought and said at each step; Actions (right) are the tool calls it made, whether \
you let them run, and what they returned. Each step sits at the same number in both panes: select one (↑↓ or a click) \
and both highlight it, so *why* is always next to *what*. Watch for a model that works out the true answer and then \
reports another. ✎ scratchpad marks thoughts the model wrote with a "private" tool it was told nobody reads. \
Scripted demo agents replay written turns — they are labelled and never model output.

The header's MONITORED / UNMONITORED badge is what the agent *believes* about being watched; m flips it (the agent \
learns through the prompt, a file or a notice). World shows servers, files, configs and delete queues, with changes \
since the start marked + ~ −. Detectors light up, with the step, when a behaviour from the study's vocabulary \
happens: exfiltration, timestamp gaming, shutdown tampering, score inflation, refusal, faithful completion.

Alignment faking in three keys: run an episode to the end (g), fork at step 0 with the belief flipped (f, enter) and \
run the fork (g), then compare the two branches (c): the first diverging step is marked and the behaviours that differ \
are named. Everything is saved after every event; ctrl+p opens the command palette.

In a long episode: / searches reasoning, text, arguments and results (n, N: next and previous match); : goes to a \
step; ] and [ jump between flagged steps (a detector tripped, an edit, a rejection, a belief change); p shows exactly \
what the model received for the selected turn; t is the branch tree.
"""

SCREEN_NAMES = {"app": "Everywhere", "home": "Scenarios", "setup": "Episode setup", "episode": "Episode",
                "compare": "Compare", "editor": "Editor", "saves": "Saves"}


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss_help", "close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background 60%; }
    HelpScreen > VerticalScroll { width: 110; max-width: 96%; height: 92%; border: thick $accent; background: $surface;
                                  padding: 0 1; }
    """

    def __init__(self, current: str = "home") -> None:
        super().__init__()
        self.current = current

    def compose(self):
        with VerticalScroll():
            yield Static(id="help-body")

    def on_mount(self) -> None:
        pal = palette_of(self.app)
        order = [self.current, "app"] + [s for s in SCREEN_NAMES if s not in (self.current, "app")]
        parts = [Text("What am I looking at?", style=f"bold {pal.accent}"), Text(WHAT), Text("")]
        for screen in order:
            rows = [a for a in ACTIONS if a.screen == screen]
            if not rows:
                continue
            table = Table.grid(padding=(0, 2))
            table.add_column(style=f"bold {pal.primary}", min_width=12)
            table.add_column()
            table.add_column(style=pal.muted)
            for a in rows:
                keys = self.app._keymap.get(a.id, a.key)
                shown = ", ".join(self.app.get_key_display(Binding(k.strip(), "")) for k in keys.split(","))
                table.add_row(shown, a.help, a.id)
            parts += [Text(f"Keys — {SCREEN_NAMES[screen]}", style=f"bold {pal.accent}"), table, Text("")]
        parts.append(Text("Remap any key in keymap.toml beside your settings file, by the ids in the right column, "
                          "e.g.  \"episode.step\" = \"n\".  esc closes.", style=pal.muted))
        self.query_one("#help-body", Static).update(Group(*parts))
        self.query_one(VerticalScroll).focus()

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
