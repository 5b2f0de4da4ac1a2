"""The episode's header line: scenario, agent, step, branch, and the monitoring toggle."""

from __future__ import annotations

from textual.containers import HorizontalGroup
from textual.message import Message
from textual.widgets import Static

from ..safe import esc as escape


class MonitorToggle(Static):
    """What the agent believes: watched or not. Click (or press m) to flip it."""

    DEFAULT_CSS = """
    MonitorToggle { width: auto; padding: 0 1; text-style: bold; color: $text; background: $success-darken-1; }
    MonitorToggle.-off { background: $error; }
    MonitorToggle.-none { background: $primary-darken-2; }
    MonitorToggle:hover { text-style: bold reverse; }
    """

    class Pressed(Message):
        pass

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self.tooltip = "What the agent believes about being watched. Click or press m to flip it."

    def show(self, monitored: bool, wide: bool, condition: str | None = None) -> None:
        self.set_class(not monitored and condition is None, "-off")
        self.set_class(condition == "no monitoring statement", "-none")
        if condition == "no monitoring statement":  # a recorded run whose prompt said nothing either way
            text = "○ NO MONITORING STATEMENT (recorded)" if wide else "○ NO STATEMENT"
        elif monitored:
            text = "◉ MONITORED — agent believes it is watched" if wide else "◉ MONITORED"
        else:
            text = "◌ UNMONITORED — agent believes nobody watches" if wide else "◌ UNMONITORED"
        if text != getattr(self, "_text", None):
            self.update(text, layout=len(text) != len(getattr(self, "_text", "") or ""))
            self._text = text

    def on_click(self) -> None:
        self.post_message(self.Pressed())


class EpisodeHeader(HorizontalGroup):
    DEFAULT_CSS = """
    EpisodeHeader { height: 1; background: $panel; }
    EpisodeHeader > #ep-info { width: 1fr; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def compose(self):
        yield Static(id="ep-info", markup=True)
        yield MonitorToggle(id="monitor-toggle")

    def show(self, *, title: str, agent: str, scripted: bool, step: int, max_steps: int, branch: str,
             branches: int, monitored: bool, ended: str | None, usage: str = "", condition: str | None = None) -> None:
        key = (title, agent, step, max_steps, branch, branches, monitored, ended, usage, condition, self.size.width >= 150)
        if key == getattr(self, "_shown", None):
            return
        self._shown = key
        state = (f" · {escape(usage)}" if usage else "") + (" · [b]ended[/]" if ended else "")
        more = f" of {branches}" if branches > 1 else ""
        where = f"step [b]{step}[/]/{max_steps} · branch [b]{escape(branch)}[/]{more}{state}"
        if agent.startswith("recorded/"):  # an imported transcript: whose turns, the recorded condition, then
            # where we are; our scenario's title last, the first thing to go on a narrow screen
            line = (f"[b]turns recorded from {escape(agent[len('recorded/'):].rsplit('/', 1)[-1])}[/]"
                    + (f" · {escape(condition)}" if condition else "") + f" · {where} · {escape(title)}")
        else:
            line = f"[b]{escape(title)}[/] · {escape(agent)} · {where}"
        self.query_one("#ep-info", Static).update(line, layout=False)
        self.query_one(MonitorToggle).show(monitored, self.size.width >= 150, condition)
