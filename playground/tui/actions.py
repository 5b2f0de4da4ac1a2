"""Every action a user can take, in one table.

Each row becomes a ``Binding`` with an ``id`` (so keys can be remapped from
``keymap.toml``), a footer entry (``tier`` says from which terminal width it is
shown: 1 always, 2 from 130 columns, 3 from 160, 0 never), a command-palette
entry and a line in the help screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Action:
    screen: str  # "app", "home", "setup", "episode", "compare", "editor", "saves", "sweep", "sweep_cell"
    name: str  # the action method is ``action_<name>`` on the screen
    key: str
    label: str  # short, for the footer
    help: str  # one sentence, for the palette and the help screen
    tier: int = 1
    priority: bool = False

    @property
    def id(self) -> str:
        return f"{self.screen}.{self.name}"


TIER_WIDTHS = {1: 0, 2: 130, 3: 160}

ACTIONS: tuple[Action, ...] = (
    # -- everywhere -------------------------------------------------------------------
    Action("app", "help", "question_mark,f1", "help", "Key reference and what you are looking at"),
    Action("app", "quit", "ctrl+q", "quit", "Quit from anywhere, even while typing (asks first if unsaved work "
           "would be lost)", tier=0, priority=True),
    Action("app", "quit_key", "q", "quit", "Quit (asks first if unsaved edits or an unsaved episode would be lost)"),
    # -- home -------------------------------------------------------------------------
    Action("home", "start", "enter", "set up", "Set up an episode of the selected scenario", priority=True),
    Action("home", "demo", "d", "demo", "Start the offline demo now: a scripted agent with default settings"),
    Action("home", "choose_demo", "D", "choose demo", "Choose which scripted demo agent runs the selected scenario",
           tier=2),
    Action("home", "resume", "r", "resume", "Resume the unfinished episode offered above the keys"),
    Action("home", "dismiss", "escape", "dismiss", "Hide the offer to resume", tier=0),
    Action("home", "edit", "e", "edit", "Edit the selected scenario's YAML"),
    Action("home", "new", "n", "new", "New scenario from a template", tier=2),
    Action("home", "saves", "o", "saves", "Open a saved episode"),
    Action("home", "import_transcript", "i", "import", "Import a transcript (the study's JSON, OpenAI-format "
           "messages or an Inspect log) and open it as an episode", tier=2),
    Action("home", "settings", "s", "settings", "Default model, model aliases, autosave and theme", tier=2),
    # -- setup ------------------------------------------------------------------------
    Action("setup", "start", "ctrl+g", "start", "Start the episode with these settings", priority=True),
    Action("setup", "back", "escape", "back", "Back to the scenarios"),
    # -- episode ----------------------------------------------------------------------
    Action("episode", "step", "space", "step", "Get the next model turn, or run the pending call"),
    Action("episode", "approve", "a", "approve", "Approve the pending call and run it"),
    Action("episode", "edit_call", "e", "edit", "Edit the pending call's arguments, then run it"),
    Action("episode", "reject", "x", "reject", "Reject the pending call with a reason (the model sees it)"),
    Action("episode", "edit_result", "o", "result", "Edit the latest tool result before the model sees it"),
    Action("episode", "toggle_monitoring", "m", "monitor", "Flip whether the agent believes it is monitored"),
    Action("episode", "run_to_end", "g", "run to end", "Approve everything until the episode ends", tier=2),
    Action("episode", "run_to_breakpoint", "b", "to breakpoint",
           "Run until the next delete, transfer, copy, config change or shutdown", tier=2),
    Action("episode", "rewind", "w", "rewind", "Rewind to the selected step (later steps are kept as a branch)", tier=3),
    Action("episode", "fork", "f", "fork", "Fork a new branch at the selected step"),
    Action("episode", "switch_branch", "t", "branches", "The branch tree: switch to a branch, or rename one (r)",
           tier=3),
    Action("episode", "compare", "c", "compare", "Compare two branches side by side"),
    Action("episode", "resample", "s", "resample",
           "Draw the selected step again N times: what the agent does next, and how often", tier=3),
    Action("episode", "search", "slash", "find", "Search reasoning, text, arguments and results (n / N: next / "
           "previous match)"),
    Action("episode", "next_match", "n", "next match", "Go to the next step that matches the search", tier=0),
    Action("episode", "previous_match", "N", "previous match", "Go to the previous step that matches the search",
           tier=0),
    Action("episode", "goto_step", "colon", "go to step", "Go to step N (a number, -1 for the last, or end)", tier=3),
    Action("episode", "next_flagged", "right_square_bracket", "next flag",
           "Next flagged step: a detector tripped, an edit, a rejection, a belief change, a divergence", tier=3),
    Action("episode", "previous_flagged", "left_square_bracket", "previous flag", "Previous flagged step", tier=0),
    Action("episode", "note", "ctrl+n", "note", "Add a note at this step (never shown to the model)", tier=3),
    Action("episode", "save", "ctrl+s", "save", "Save the episode now (it is also saved after every event)", tier=3),
    Action("episode", "export", "ctrl+e", "export", "Export this branch as Markdown, HTML or JSON", tier=0),
    Action("episode", "details", "enter", "details", "Show the selected step in full", tier=0),
    Action("episode", "prompt", "p", "received", "What the model received for the selected turn: the exact messages "
           "and tool schemas of that request (no step selected: the next request)", tier=0),
    Action("episode", "interview", "i", "interview", "Ask the agent a follow-up question", tier=0),
    Action("episode", "retry", "r", "retry", "Retry the failed model call", tier=0),
    Action("episode", "back", "escape", "back", "Cancel a running call, dismiss an error, or go back", tier=0),
    # -- compare ----------------------------------------------------------------------
    Action("compare", "swap", "x", "swap", "Swap the two sides"),
    Action("compare", "pick", "b", "branches", "Choose which two branches to compare"),
    Action("compare", "divergence", "d", "divergence", "Jump to the first step where the branches differ"),
    Action("compare", "back", "escape", "back", "Back to the episode"),
    # -- editor -----------------------------------------------------------------------
    Action("editor", "save", "ctrl+s", "save", "Save the scenario (atomic)", priority=True),
    Action("editor", "save_as", "f2", "save as", "Save a copy under a new scenario id (duplicate)", priority=True),
    Action("editor", "run", "ctrl+r", "run this", "Save and go straight to episode setup", priority=True),
    Action("editor", "next_problem", "f8", "next error", "Move the cursor to the next problem", priority=True),
    Action("editor", "toggle_preview", "ctrl+t", "preview", "Show or hide the rendered prompt preview",
           tier=2, priority=True),
    Action("editor", "new", "ctrl+n", "new", "New scenario from a template", tier=3, priority=True),
    Action("editor", "back", "escape", "back", "Back (asks first if there are unsaved changes)", priority=True),
    # -- saves ------------------------------------------------------------------------
    Action("saves", "open", "enter", "open", "Open the selected save where it was left", priority=True),
    Action("saves", "delete", "d,delete", "delete", "Delete the selected save (asks first)"),
    Action("saves", "sort", "s", "sort", "Sort by another column: newest, oldest, scenario, steps, behaviours"),
    Action("saves", "filter", "slash", "filter", "Filter the list by any words: scenario, agent, belief, behaviour, "
           "note"),
    Action("saves", "back", "escape", "back", "Back to the scenarios"),
    # -- a sweep folder ----------------------------------------------------------------
    Action("sweep", "open", "enter", "episodes", "List the selected condition's episodes", priority=True),
    Action("sweep", "back", "escape", "back", "Back"),
    Action("sweep_cell", "open", "enter", "open", "Open the selected episode in the stepper", priority=True),
    Action("sweep_cell", "back", "escape", "back", "Back to the sweep's table"),
)

BY_ID: dict[str, Action] = {a.id: a for a in ACTIONS}


def actions_for(screen: str) -> list[Action]:
    return [a for a in ACTIONS if a.screen == screen]


def bindings(screen: str) -> list[Binding]:
    return [Binding(a.key, a.name, a.label, show=a.tier > 0, id=a.id, tooltip=a.help, priority=a.priority)
            for a in actions_for(screen)]


def tier_of(screen: str, action_name: str) -> int | None:
    for a in ACTIONS:
        if a.screen in (screen, "app") and a.name == action_name:
            return a.tier
    return None


def visible_at(tier: int | None, width: int) -> bool:
    if tier is None:
        return True
    return tier > 0 and width >= TIER_WIDTHS.get(tier, 0)
