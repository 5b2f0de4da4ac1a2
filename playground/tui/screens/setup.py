"""Episode setup: the agent (a scripted demo policy, a model alias from the
settings, or any litellm model string), variable values, the starting
monitoring belief and max steps, with the rendered prompts previewed."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from ..actions import bindings
from ..safe import esc as escape
from ..safe import plain
from ..widgets.key_footer import KeyFooter
from ..widgets.prompt_preview import PromptPreview
from ..widgets.variable_form import VariableForm
from .base import AppScreen

SCRIPTED = "scripted/"


class SetupScreen(AppScreen):
    SCREEN_NAME = "setup"
    BINDINGS = bindings("setup")
    DEFAULT_CSS = """
    SetupScreen { layout: vertical; }
    SetupScreen #setup-main { height: 1fr; }
    SetupScreen #left { width: 48%; min-width: 40; }
    SetupScreen #form { height: 1fr; border: round $primary 60%; padding: 0 1; background: $surface; }
    SetupScreen #form > Label { margin-top: 1; text-style: bold; }
    SetupScreen #form Input, SetupScreen #form Select { margin-bottom: 0; }
    SetupScreen #model { margin-top: 1; }
    SetupScreen #form .help { color: $text-muted; }
    SetupScreen #agent-help { color: $text-muted; height: auto; }
    SetupScreen #agent-help.-real { color: $warning; }
    SetupScreen #start { width: 1fr; }
    SetupScreen PromptPreview { width: 1fr; border: round $primary 40%; }
    """

    AUTO_FOCUS = "#agent"

    def __init__(self, loaded: Any, agent: str | None = None) -> None:
        super().__init__()
        self.loaded = loaded
        self.preselect = agent
        s = loaded.scenario
        self.policies = list(s.policies)
        self.aliases: dict[str, str] = {}

    def compose(self):
        s = self.loaded.scenario
        yield Static(f"Set up: {escape(s.title)}", classes="screen-title")
        with Horizontal(id="setup-main"):
            with Vertical(id="left"):
                with VerticalScroll(id="form"):
                    yield Label("Agent")
                    options = self._agent_options()
                    listed = self.preselect in [v for _label, v in options]
                    yield Select(options, value=self.preselect if listed else self._default_agent(),
                                 allow_blank=False, id="agent", compact=True)
                    yield Input(self.preselect if self.preselect and not listed else "", id="model", compact=True,
                                placeholder="…or type a litellm model, e.g. openai/gpt-4.1-mini")
                    yield Static("", id="agent-help")
                    yield VariableForm(s, id="variables")
                    yield Label("Max steps")
                    yield Input(str(s.max_steps), type="integer", id="max-steps", compact=True)
                    yield Label("Approval policy for run-to-end (g)")
                    yield Input("", id="policy", compact=True,
                                placeholder=("the scenario's own" if s.approval else "approve every call")
                                + " — or a policy YAML file")
                yield Button("Start episode  (ctrl+g)", id="start", variant="primary")
            yield PromptPreview(id="preview")
        yield KeyFooter("setup")

    def _agent_options(self) -> list[tuple[str, str]]:
        opts: list[tuple[Any, str]] = [(plain(f"scripted/{name}"), SCRIPTED + name) for name in self.policies]
        self.aliases = dict(self.app.config.model_aliases)
        opts += [(plain(f"{alias} → {model}"), alias) for alias, model in self.aliases.items()]
        default_model = self.app.config.default_model
        if default_model and default_model not in self.aliases:
            opts.append((plain(f"{default_model} (default model from settings)"), default_model))
        return opts or [(plain("type a model below"), "")]

    def _default_agent(self) -> str:
        return SCRIPTED + self.policies[0] if self.policies else self._agent_options()[0][1]

    def on_mount(self) -> None:
        self.query_one("#form").border_title = "Episode"
        self.query_one(PromptPreview).border_title = "Prompt preview"
        self._agent_changed()
        self._preview()
        self.call_after_refresh(self.query_one("#form", VerticalScroll).scroll_home, animate=False)

    # -- reacting -----------------------------------------------------------------------------
    def agent_spec(self) -> str:
        typed = self.query_one("#model", Input).value.strip()
        if typed:
            return typed
        value = self.query_one("#agent", Select).value
        return value if isinstance(value, str) else ""

    @on(Select.Changed, "#agent")
    @on(Input.Changed, "#model")
    def _agent_changed(self) -> None:
        spec = self.agent_spec()
        help_ = self.query_one("#agent-help", Static)
        scripted = spec.startswith(SCRIPTED)
        help_.set_class(not scripted, "-real")
        if scripted:
            p = self.loaded.scenario.policies.get(spec[len(SCRIPTED):])
            shows = ", ".join(b.replace("_", " ") for b in p.behaviours) if p and p.behaviours else ""
            desc = f"{escape(p.description)}\n" if p and p.description else ""
            help_.update(desc + "[dim]Offline scripted demo: replays written turns (labelled, never model output)."
                         + (f" Written to show: {escape(shows)}.[/]" if shows else "[/]"))
        elif spec:
            model = self.aliases.get(spec, spec)
            help_.update(f"A real model via litellm: {escape(model)}. It needs the provider's API key in the "
                         "environment; the first call loads litellm (a few seconds).")
        else:
            help_.update("Choose a scripted agent or type a model.")

    @on(VariableForm.Changed)
    def _preview(self) -> None:
        form = self.query_one(VariableForm)
        self.query_one(PromptPreview).show(self.loaded.scenario, form.values, form.monitored)

    @on(Input.Submitted)
    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        from ...launch import UsageError, new_episode

        spec = self.agent_spec()
        if not spec:
            self.notify("Choose an agent, or type a model string.", severity="warning")
            return
        raw = self.query_one("#max-steps", Input).value.strip()
        try:
            max_steps = int(raw) if raw else None
            if max_steps is not None and not 1 <= max_steps <= 10_000:
                raise ValueError
        except ValueError:
            self.notify("Max steps must be a whole number from 1 to 10,000.", severity="error")
            return
        policy = None
        policy_file = self.query_one("#policy", Input).value.strip()
        if policy_file:
            from ...episode.approval import PolicyError, load_policy

            try:
                policy = load_policy(policy_file)
            except PolicyError as exc:
                self.notify(str(exc), title="Approval policy", severity="error", timeout=12)
                return
        form = self.query_one(VariableForm)
        try:
            episode = new_episode(self.loaded, variables=form.values, monitoring=form.monitored, agent=spec,
                                  max_steps=max_steps)
        except UsageError as exc:
            self.notify(str(exc), severity="error")
            return
        self.app.start_episode(episode, replace=True, policy=policy)

    def action_back(self) -> None:
        self.app.pop_screen()
