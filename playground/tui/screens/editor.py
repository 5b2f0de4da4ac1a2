"""The scenario editor: YAML with highlighting, validated as you type (debounced),
problems listed as ``line:col message`` (choosing one moves the cursor there), an
atomic save, save-as/duplicate, a new scenario from a template, a rendered-prompt
preview, and "run this" straight into episode setup."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from textual import on, work
from textual.message import Message
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import OptionList, Static, TextArea
from textual.widgets.option_list import Option

from ..safe import esc, plain
from ...store import atomic_write
from ..actions import bindings
from ..dialogs.confirm import ConfirmDialog
from ..dialogs.text_prompt import TextPrompt
from ..palette import code_theme, palette_of
from ..widgets.key_footer import KeyFooter
from ..widgets.prompt_preview import render_prompts
from ..widgets.variable_form import VariableForm
from .base import AppScreen

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "new_scenario.yaml"
DEBOUNCE = 0.3
ID_LINE = re.compile(r"^id:\s*.*$", re.MULTILINE)
ID_OK = r"[a-z0-9_\-]"


def with_id(text: str, new_id: str) -> str:
    return ID_LINE.sub(f"id: {new_id}", text, count=1) if ID_LINE.search(text) else f"id: {new_id}\n{text}"


def template_for(scenario_id: str) -> str:
    """The new-scenario template with its id set (``scenario_id`` made safe for an id)."""
    safe = re.sub(r"[^a-z0-9_\-]", "_", scenario_id.lower()) or "my_scenario"
    return with_id(TEMPLATE.read_text(encoding="utf-8"), safe)


def scenario_id_of(text: str, default: str = "my_scenario") -> str:
    found = ID_LINE.search(text)
    value = found.group(0).split(":", 1)[1].strip().strip("'\"") if found else ""
    return value if re.fullmatch(ID_OK + "+", value) else default


def validate_text(text: str, path: Path | None) -> tuple[Any, list[Any]]:
    """``(scenario or None, problems)``; textual-free, so tests can call it directly."""
    from ...launch import check_tools
    from ...scenario import ScenarioError
    from ...scenario.loader import LoadedScenario, parse_scenario

    name = str(path) if path else "<new scenario>"
    try:
        scenario, smap = parse_scenario(text, name)
    except ScenarioError as exc:
        return None, exc.problems
    problems = check_tools(LoadedScenario(scenario, Path(name), smap))
    return (scenario if not problems else None), problems


class EditorScreen(AppScreen):
    SCREEN_NAME = "editor"
    BINDINGS = bindings("editor")
    DEFAULT_CSS = """
    EditorScreen { layout: vertical; }
    EditorScreen #ed-main { height: 1fr; }
    EditorScreen #yaml { width: 1fr; border: round $primary 60%; }
    EditorScreen #yaml:focus { border: round $accent; }
    EditorScreen #side { width: 44%; min-width: 36; }
    EditorScreen.-no-preview #side { width: 36; }
    EditorScreen.-no-preview #preview-scroll { display: none; }
    EditorScreen #problems { height: auto; max-height: 12; border: round $success; }
    EditorScreen #problems.-bad { border: heavy $error; }
    EditorScreen #preview-scroll { height: 1fr; border: round $primary 40%; padding: 0 1; }
    EditorScreen #vars { height: auto; }
    EditorScreen #ed-status { height: auto; padding: 0 1; background: $boost; color: $text-muted; }
    EditorScreen #ed-status.-read-only { background: $warning-muted; color: $text; }
    """

    def __init__(self, path: Path | None, *, text: str | None = None, at: tuple[int, int] | None = None) -> None:
        super().__init__()
        self.path = Path(path) if path else None
        self.start_at = at  # 1-based (line, col) for the cursor when it opens: the first problem's
        if text is None:
            text = self.path.read_text(encoding="utf-8") if self.path and self.path.is_file() else ""
        self.initial_text = text
        self.saved_text = text if self.path and self.path.is_file() else None
        self.problems: list[Any] = []
        self.scenario: Any = None
        self._timer: Any = None
        self._problem_index = -1
        self._var_names: tuple[str, ...] | None = None
        self.read_only = False  # a shipped scenario: saving writes a copy to the user's packs
        self._ro_told = -10.0  # when typing into it last said why nothing happens

    def compose(self):
        self.read_only = self.app.config.read_only(self.path)  # type: ignore[attr-defined]
        yield Static("", id="ed-title", classes="screen-title")
        with Horizontal(id="ed-main"):
            yield TextArea.code_editor(self.initial_text, language="yaml", id="yaml", read_only=self.read_only)
            with Vertical(id="side"):
                yield OptionList(id="problems")
                with VerticalScroll(id="preview-scroll"):
                    yield Vertical(id="vars")
                    yield Static(id="preview")
        yield Static("", id="ed-status")
        yield KeyFooter("editor")

    def on_mount(self) -> None:
        ta = self.query_one("#yaml", TextArea)
        ta.theme = code_theme(self.app)
        self.query_one("#preview", Static).update("The preview appears once the scenario is valid.")
        ta.border_title = esc(self.path.name) if self.path else "new scenario"
        self.query_one("#problems").border_title = "Problems"
        self.query_one("#preview-scroll").border_title = "Prompt preview"
        self.set_class(self.app.size.width < 120, "-no-preview")
        ta.focus()
        self._status()
        if self.start_at is not None:
            self.move_cursor(*self.start_at)
        self.validate()

    def _status(self, text: str = "") -> None:
        status = self.query_one("#ed-status", Static)
        status.set_class(self.read_only, "-read-only")
        if self.read_only:
            text = ("Read-only: this scenario ships with playground. ctrl+s saves a copy to your packs "
                    f"({self.app.config.user_pack_dir()}) and opens the copy to edit.")  # type: ignore[attr-defined]
        elif self.saved_text is None and self.path is not None:
            text = text or f"New file: nothing is written until you save (ctrl+s writes {self.path})."
        status.update(plain(text))
        status.display = bool(text)

    def on_key(self, event: Any) -> None:
        """Typing into a read-only scenario says why nothing happens (and never reaches app keys like q)."""
        if self.read_only and event.is_printable:
            event.stop()
            event.prevent_default()
            now = time.monotonic()
            if now - self._ro_told < 5:  # once is enough while typing: no pile of toasts
                return
            self._ro_told = now
            self.notify("This scenario ships with playground and is read-only: ctrl+s saves a copy to your packs, "
                        "then you edit the copy.", title="Read-only", severity="warning")

    def unsaved_work(self) -> str | None:
        """What quitting now would lose (the app asks before quitting when this says something)."""
        if not self.modified:
            return None
        where = self.path.name if self.path else "a new scenario"
        return f"Unsaved edits to {where} in the editor."

    # -- validation -----------------------------------------------------------------------------
    @on(TextArea.Changed, "#yaml")
    def _changed(self) -> None:
        self._title()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self.validate)

    @property
    def text(self) -> str:
        return self.query_one("#yaml", TextArea).text

    @property
    def modified(self) -> bool:
        return self.text != (self.saved_text if self.saved_text is not None else "")

    def validate(self) -> None:
        self._timer = None
        self._validate(self.text)

    @work(thread=True, exclusive=True, group="validate", exit_on_error=False)
    def _validate(self, text: str) -> None:
        scenario, problems = validate_text(text, self.path)
        self.post_message(self.Validated(text, scenario, problems))

    class Validated(Message):
        """A check's result, from the background validator (a thread: it touches no widget)."""

        def __init__(self, text: str, scenario: Any, problems: list[Any]) -> None:
            super().__init__()
            self.text, self.scenario, self.problems = text, scenario, problems

    @on(Validated)
    def _validated(self, msg: Validated) -> None:
        self._show_problems(msg.text, msg.scenario, msg.problems)

    def _show_problems(self, text: str, scenario: Any, problems: list[Any]) -> None:
        if text != self.text:
            return  # the writer kept typing; a newer check is on its way
        self.problems, self._problem_index = problems, -1
        options = self.query_one("#problems", OptionList)
        options.clear_options()
        options.set_class(bool(problems), "-bad")
        if problems:
            options.add_options([Option(plain(f"{p.line}:{p.col}  {p.message}"), id=str(i)) for i, p in enumerate(problems)])
            options.highlighted = 0
            options.border_title = f"Problems ({len(problems)}) — enter jumps there"
        else:
            options.add_option(Option("✓ valid — ctrl+r runs it", disabled=True))
            options.border_title = "Problems"
        if scenario is not None:
            self.scenario = scenario
            self._preview_vars(scenario)
        self._title()

    def _preview_vars(self, scenario: Any) -> None:
        names = tuple(f"{k}={','.join(v.values)}" for k, v in scenario.variables.items()) + (str(scenario.monitoring.default),)
        holder = self.query_one("#vars", Vertical)
        if names != self._var_names:
            self._var_names = names
            holder.remove_children()
            holder.mount(VariableForm(scenario, id="ed-vars"))
            self.call_after_refresh(self._preview)
        else:
            holder.query_one(VariableForm).scenario = scenario
            self._preview()

    @on(VariableForm.Changed)
    def _preview(self) -> None:
        if self.scenario is None:
            return
        forms = self.query(VariableForm)
        values, monitored = (forms.first().values, forms.first().monitored) if forms else ({}, True)
        self.query_one("#preview", Static).update(render_prompts(self.scenario, values, monitored, palette_of(self.app)))

    def _title(self) -> None:
        where = f"{self.path.parent.name}/{self.path.name}" if self.path else "new scenario (not saved yet)"
        state = "✗ " + f"{len(self.problems)} problem(s)" if self.problems else "✓ valid"
        dirty = " · modified" if self.modified else ""
        locked = " · read-only (shipped)" if self.read_only else ""
        self.query_one("#ed-title", Static).update(plain(f"Editor · {where}{locked} · {state}{dirty}"))

    # -- problems ------------------------------------------------------------------------------
    @on(OptionList.OptionSelected, "#problems")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.goto_problem(int(event.option.id))

    def goto_problem(self, index: int) -> None:
        p = self.problems[index]
        self._problem_index = index
        self.move_cursor(p.line, p.col)

    def move_cursor(self, line: int, col: int) -> None:
        """Put the cursor at a 1-based line and column (clamped to the text) and show it."""
        ta = self.query_one("#yaml", TextArea)
        row = max(0, min(line - 1, ta.document.line_count - 1))
        ta.cursor_location = (row, max(0, min(col - 1, len(ta.document.get_line(row)))))
        ta.scroll_cursor_visible(center=True)
        ta.focus()

    def action_next_problem(self) -> None:
        if not self.problems:
            self.notify("No problems: the scenario is valid.")
            return
        self.goto_problem((self._problem_index + 1) % len(self.problems))

    def action_toggle_preview(self) -> None:
        self.toggle_class("-no-preview")

    # -- files -----------------------------------------------------------------------------------
    def action_save(self) -> bool:
        if self.read_only:
            self.save_copy_to_my_packs()
            return False
        if self.path is None:
            self.action_save_as()
            return False
        try:
            atomic_write(self.path, self.text)
        except OSError as exc:
            self.notify(f"Could not save: {exc}", severity="error")
            return False
        self.saved_text = self.text
        self._title()
        self._status()
        note = "" if not self.problems else f" (with {len(self.problems)} problem(s) still to fix)"
        self.notify(f"Saved {self.path}{note}", title="Saved", severity="warning" if self.problems else "information")
        return True

    def action_save_as(self) -> None:
        if self.read_only:
            self.save_copy_to_my_packs()
            return
        folder = self.path.parent if self.path else Path.cwd()
        suggestion = scenario_id_of(self.text) + "_copy"
        self.app.push_screen(TextPrompt("Save as a new scenario", f"The copy goes to {folder}/<id>.yaml with its "
                                        "id changed.", value=suggestion, ok="Save copy", restrict=ID_OK + "*"),
                             lambda new_id: self._write_copy(folder, new_id))

    def save_copy_to_my_packs(self) -> None:
        """A shipped scenario is never overwritten: the copy goes to the user's own pack, then opens."""
        from ...scenario.packs import MY_PACK

        root = self.app.config.user_pack_dir()  # type: ignore[attr-defined]
        folder = root / MY_PACK
        sid = scenario_id_of(self.text)
        suggestion = sid if not (folder / f"{sid}.yaml").exists() else sid + "_copy"
        self.app.push_screen(TextPrompt("Save a copy to my packs", f"This scenario ships with playground, so it is "
                                        f"not changed. The copy goes to {folder}/<id>.yaml (pack {MY_PACK!r}, listed "
                                        "on the home screen and found by every playground command) and opens here.",
                                        value=suggestion, ok="Save copy", restrict=ID_OK + "*"),
                             lambda new_id: self._write_copy(folder, new_id, my_packs=True))

    def _write_copy(self, folder: Path, new_id: str | None, *, my_packs: bool = False) -> None:
        if not new_id:
            return
        target = folder / f"{new_id}.yaml"
        if target.exists():
            self.notify(f"{target} exists already; choose another id.", severity="error")
            return
        text = with_id(self.text, new_id)
        try:
            if my_packs:
                from ...scenario.packs import my_pack_dir

                my_pack_dir(folder.parent)
            atomic_write(target, text)
        except OSError as exc:
            self.notify(f"Could not save: {exc}", severity="error")
            return
        self.path, self.saved_text, self.read_only = target, text, False
        ta = self.query_one("#yaml", TextArea)
        ta.read_only = False
        ta.load_text(text)
        ta.border_title = esc(target.name)
        self._title()
        self._status(f"Editing your copy: {target}")
        self.notify(f"Saved a copy as {target}", title="Saved a copy")

    def action_new(self) -> None:
        new_scenario_flow(self.app, self.path.parent if self.path else None)

    def action_run(self) -> None:
        if self.problems:
            self.notify("Fix the problems first (F8 jumps to the next one).", severity="error")
            return
        if self.modified and not self.action_save():
            return
        if self.path is None:
            return
        from ...launch import load
        from ...scenario import ScenarioError

        try:
            loaded = load(str(self.path))
        except ScenarioError as exc:
            self.notify(str(exc.problems[0]), severity="error")
            return
        self.app.open_setup(loaded)

    def action_back(self) -> None:
        def leave(yes: bool | None = True) -> None:
            if yes:
                if len(self.app.screen_stack) > 2:
                    self.app.pop_screen()
                else:  # the first screen (playground edit): home comes next
                    self.app.go_home()  # type: ignore[attr-defined]
                    return
                home = self.app.screen
                if hasattr(home, "refresh_packs"):
                    home.refresh_packs()

        if self.modified:
            self.app.push_screen(ConfirmDialog("Discard unsaved changes?", "Your edits to this scenario are not "
                                               "saved.", yes="Discard", no="Keep editing", danger=True), leave)
        else:
            leave()


def new_scenario_flow(app: Any, folder: Path | None) -> None:
    """Ask for an id, write the template into the pack folder (the user's own pack when none is
    chosen, or when the chosen one ships with playground), open it in the editor."""
    if folder is None or app.config.read_only(folder / "pack.yaml"):
        from ...scenario.packs import MY_PACK

        folder = app.config.user_pack_dir() / MY_PACK

    def chosen(new_id: str | None) -> None:
        if not new_id:
            return
        target = folder / f"{new_id}.yaml"
        if target.exists():
            app.notify(f"{target} exists already; choose another id.", severity="error")
            return
        try:
            from ...scenario.packs import MY_PACK, my_pack_dir

            if folder == app.config.user_pack_dir() / MY_PACK:
                my_pack_dir(folder.parent)
            if not (folder / "pack.yaml").exists():
                atomic_write(folder / "pack.yaml", f"id: {folder.name}\ntitle: {folder.name.replace('_', ' ').title()}\n")
            atomic_write(target, template_for(new_id))
        except OSError as exc:
            app.notify(f"Could not create the scenario: {exc}", severity="error")
            return
        app.open_editor(target)

    app.push_screen(TextPrompt("New scenario", f"It is created from a template in {folder}/ — give it an id "
                               "(lower case, digits, _ or -).", placeholder="my_scenario", ok="Create",
                               restrict=ID_OK + "*"), chosen)
