"""The playground app: theme, keymap, the command palette, and moving between
screens. Everything else lives in the screens; this file stays small."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from ..visible_text import visible
from .actions import actions_for, bindings
from .config import TuiConfig, configured_key_names


IMPORTABLE = (".json", ".jsonl", ".eval")  # what the TUI imports: study transcripts, OpenAI messages, Inspect logs


class PlaygroundApp(App):
    TITLE = "playground"
    BINDINGS = bindings("app")
    CSS = """
    .screen-title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    """

    def __init__(self, config: TuiConfig | None = None, target: str | None = None, agent: str | None = None,
                 *, edit: str | None = None) -> None:
        super().__init__()
        self.config = config or TuiConfig()
        self.target = target
        self.agent = agent  # preselected in setup (``playground tui SCENARIO --agent ...``)
        self.edit_target = edit  # ``playground edit SCENARIO``: straight into the editor

    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Every notification is plain text, whatever the caller asked (``Widget.notify`` passes
        ``markup=True``): messages carry branch ids, paths, errors and tool names from untrusted files."""
        if self.small_terminal() and getattr(self.screen, "show_message", None) is not None:
            if self.screen.show_message(visible(message), visible(title), severity):  # type: ignore[attr-defined]
                return  # a toast would cover the content at this size
        super().notify(visible(message), title=visible(title), severity=severity, timeout=timeout, markup=False)

    def small_terminal(self) -> bool:
        """Below 100x30, notifications go to the status line instead of covering the content."""
        return self.size.width < 100 or self.size.height < 30

    def worker_failed(self, screen: Any, worker: Any) -> None:
        from .worker_failures import report

        report(self, screen, worker)

    def on_worker_state_changed(self, event: Any) -> None:  # the app's own workers (settings, preload)
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR:
            self.worker_failed(None, event.worker)

    # -- start ------------------------------------------------------------------------------
    def on_mount(self) -> None:
        from .screens.home import HomeScreen

        self.push_screen(HomeScreen())
        if self.config.user_settings:  # after the first frame: reading settings imports pydantic
            self.call_after_refresh(self.run_worker, self._load_settings, thread=True, group="settings",
                                    exit_on_error=False)
        else:
            self._settings_ready()

    def _load_settings(self) -> None:
        self.config.load_user_settings()
        self.call_from_thread(self._settings_ready)

    def apply_user_settings(self, saved: Any) -> None:
        """Apply the settings the settings dialog just wrote (with the environment's overrides)."""
        from ..settings import with_env_overrides

        self.config.problems.clear()
        self.config.use_settings(with_env_overrides(saved))
        self._apply_look()

    def _apply_look(self) -> None:
        if self.config.theme != self.theme:
            try:
                self.theme = self.config.theme
            except Exception:  # an unknown theme name in settings
                self.notify(f"Unknown theme {self.config.theme!r}; using the default.", severity="warning")
        for problem in self.config.problems:
            self.notify(problem, title="Settings", severity="warning", timeout=10)

    def _settings_ready(self) -> None:
        """Theme, keymap and problems from the settings; then the target or the resume offer."""
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        self._apply_look()
        if self.config.user_settings and (self.config.default_model or self.config.model_aliases
                                          or configured_key_names()):
            # Real models are likely: pay litellm's multi-second import now, off the UI thread,
            # instead of on the first model call. Scripted-only users never pay it.
            self.call_after_refresh(self.run_worker, _preload_litellm, thread=True, group="preload",
                                    exit_on_error=False)
        if self.edit_target:
            self.call_after_refresh(self.open_edit_target, self.edit_target)
        elif self.target:
            self.call_after_refresh(self.open_target, self.target)
        elif self.config.offer_resume:
            self.call_after_refresh(self.offer_resume)

    def open_target(self, target: str) -> None:
        path = Path(target)
        if path.suffix == ".toml" and path.is_file():
            self.open_save(path)
            return
        if path.is_dir() and (path / "sweep.json").is_file():
            self.open_sweep(path)
            return
        if path.suffix in IMPORTABLE and path.is_file():  # a transcript or an Inspect log: import, then open
            self.import_transcript(path)
            return
        from ..launch import load
        from ..scenario import ScenarioError

        try:
            loaded = load(target, self.config.pack_dirs())
        except ScenarioError as exc:
            self.notify("\n".join(str(p) for p in exc.problems[:5]), title=f"Cannot open {target}", severity="error",
                        timeout=15)
            return
        self.open_setup(loaded, agent=self.agent)

    def import_transcript(self, path: Path) -> None:
        """Import a transcript (or every sample of an Inspect log) into the save folder on a thread, then
        open it (the first sample of a log)."""
        how = "each sample becomes an episode" if path.suffix == ".eval" else "rebuilding the world it lived in and replaying it"
        self.notify(f"Importing {path.name}: {how}…", title="Import")
        read = self._inspect_log if path.suffix == ".eval" else self._transcript
        self.run_worker(partial(self._import, path, read), thread=True, group="import", exit_on_error=False)

    def _import(self, path: Path, read: Any) -> None:
        """On a thread: ``read`` imports and saves, giving (the save to open, what to tell the user);
        any refusal or a save that cannot be written is said back on the UI thread."""
        from ..interop import InspectMissing, InteropError
        from ..study.importer import ImportFailure

        try:
            saved, notes = read(path)
        except (ImportFailure, InspectMissing, InteropError) as exc:
            self.call_from_thread(self.notify, str(exc), title=f"Cannot import {path.name}", severity="error",
                                  timeout=15)
            return
        except OSError as exc:
            self.call_from_thread(self.notify, f"{path.name} was imported but cannot be saved: {exc}",
                                  title="Import", severity="error", timeout=15)
            return
        self.call_from_thread(self._imported, saved, notes)

    def _transcript(self, path: Path) -> tuple[Path, str]:
        from ..study.importer import import_file, save_imported

        imported = import_file(path, pack_dirs=self.config.pack_dirs())
        return save_imported(imported, self.config.save_dir), "; ".join(imported.warnings[:3])

    def _inspect_log(self, path: Path) -> tuple[Path, str]:
        """Every sample of an Inspect log, saved; the first opens (``docs/inspect.md``)."""
        from ..interop import require_inspect

        require_inspect()
        from ..interop.inspect_import import import_log, save_import

        items = import_log(path, pack_dirs=self.config.pack_dirs())
        saved = [save_import(item, self.config.save_dir) for item in items]
        notes = [f"{len(saved)} samples saved; the others open from the saves list"] if len(saved) > 1 else []
        if items[0].recorded_only:
            notes.append("recorded only: no scenario offers its tools")
        return saved[0], "; ".join(notes + items[0].imported.warnings[:2])

    def _imported(self, saved: Path, warnings: str) -> None:
        self.open_save(saved)
        self.notify(f"Imported into {saved}" + (f" — {warnings}" if warnings else ""), title="Imported",
                    severity="warning" if warnings else "information", timeout=10 if warnings else None)

    def offer_resume(self) -> None:
        """Look for an unfinished episode off the UI thread; the home screen offers it as a banner
        with a key (never a dialog that grabs the keys the user is already typing)."""
        from .screens.home import HomeScreen

        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                screen.look_for_resume()
                return

    def open_edit_target(self, target: str) -> None:
        """``playground edit``: a scenario file, ``pack/id``, or a new path (which starts from the template)."""
        from ..scenario.packs import find_scenario_file

        path = find_scenario_file(target, self.config.pack_dirs())
        if path is not None:
            self.open_editor(path)
            return
        new = Path(target)
        if new.suffix in (".yaml", ".yml") and not new.exists():
            from .screens.editor import template_for

            self.open_editor(new, text=template_for(new.stem))
            return
        self.notify(f"No scenario {target!r}: give a pack/id, a scenario file, or a new .yaml path to start one "
                    "from the template.", title="Cannot edit", severity="error", timeout=15)

    def on_key(self, event: Any) -> None:
        """Keys reach the app's bindings in the order typed. A screen that is handing the keyboard
        to a field it just opened (the episode's find bar) takes the keys that arrive before the
        field has focus, so a burst like "/notice" never fires n, o, t... as episode keys."""
        typeahead = getattr(self.screen, "bar_typeahead", None)
        if typeahead is not None:
            typeahead(event)  # prevents the default (the bindings) when it took the key

    # -- quitting: ask first when something would be lost --------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quit_key":  # plain q: not inside a dialog (ctrl+q still works there)
            from textual.screen import ModalScreen

            return not isinstance(self.screen, ModalScreen)
        return True

    async def action_quit(self) -> None:
        self.request_quit()

    def action_quit_key(self) -> None:
        self.request_quit()

    def unsaved_work(self) -> list[str]:
        """What quitting now would lose: each screen in the stack says (``unsaved_work``)."""
        lost = []
        for screen in self.screen_stack:
            what = getattr(screen, "unsaved_work", None)
            text = what() if callable(what) else None
            if text:
                lost.append(text)
        return lost

    def request_quit(self) -> None:
        from .dialogs.confirm import QuitDialog

        if isinstance(self.screen, QuitDialog):  # ctrl+q twice: yes, really
            self.exit()
            return
        lost = self.unsaved_work()
        if not lost:
            self.exit()
            return
        self.push_screen(QuitDialog(lost), lambda yes: self.exit() if yes else None)

    # -- the command palette and help ---------------------------------------------------------------
    def key_for(self, binding_id: str, default: str) -> str:
        keys = self._keymap.get(binding_id, default)
        first = keys.split(",")[0].strip()
        return self.get_key_display(Binding(first, ""))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        name = getattr(screen, "SCREEN_NAME", None)
        if name is None:
            return
        for a in actions_for(name):
            if screen.check_action(a.name, ()) is not True:
                continue
            yield SystemCommand(f"{a.label.capitalize()}  ({self.key_for(a.id, a.key)})", a.help,
                                partial(screen.run_action, a.name))
        if name == "episode" and screen.check_action("run_to_breakpoint", ()) is True:
            from ..episode.approval import BREAKPOINT_DESCRIPTIONS

            for kind, text in BREAKPOINT_DESCRIPTIONS.items():
                yield SystemCommand(f"Run to next breakpoint: {kind}", f"Stop before {text}",
                                    partial(screen.run_action, f"run_to_breakpoint('{kind}')"))

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(getattr(self.screen, "SCREEN_NAME", "home")))

    # -- moving between screens ---------------------------------------------------------------------
    def open_setup(self, loaded: Any, *, replace: bool = False, agent: str | None = None) -> None:
        from .screens.setup import SetupScreen

        screen = SetupScreen(loaded, agent=agent)
        self.switch_screen(screen) if replace else self.push_screen(screen)

    def new_session(self, episode: Any, policy: Any = None) -> Any:
        from ..episode import Session

        return Session(episode, self.config.agent_factory(), policy=policy)

    def start_episode(self, episode: Any, *, replace: bool = True, policy: Any = None) -> None:
        """``policy``: the approval policy for run-to-end (default: the scenario's, else approve every call)."""
        from ..store import default_save_path
        from .screens.episode import EpisodeScreen

        session = self.new_session(episode, policy)
        path = default_save_path(episode, self.config.save_dir)
        screen = EpisodeScreen(session, path, autosave=self.config.autosave)
        self.switch_screen(screen) if replace else self.push_screen(screen)

    def open_save(self, path: Path, *, replace: bool = False) -> None:
        from ..store import SaveError, load
        from .ui_state import read_ui_state
        from .screens.episode import EpisodeScreen

        try:
            episode = load(path)
        except SaveError as exc:
            self.notify(str(exc), title="Cannot open the save", severity="error", timeout=15)
            return
        if episode.origin is not None and episode.origin.warning:
            self.notify(episode.origin.warning, title="The save was cut short", severity="warning", timeout=15)
        ui = read_ui_state(path)
        session = self.new_session(episode)
        selected = ui.get("selected") if isinstance(ui.get("selected"), int) else None
        screen = EpisodeScreen(session, path, autosave=self.config.autosave, selected=selected)
        self.switch_screen(screen) if replace else self.push_screen(screen)
        a, b = ui.get("a"), ui.get("b")
        if ui.get("screen") == "compare" and a in episode.branches and b in episode.branches and a != b:
            self.call_after_refresh(self.open_compare, screen, a, b)

    def open_sweep(self, folder: Path) -> None:
        from .screens.sweep import SweepScreen

        self.push_screen(SweepScreen(folder))

    def open_compare(self, origin: Any, a: str, b: str) -> None:
        from .screens.compare import CompareScreen

        origin.remember_screen("compare", a=a, b=b)
        if self.small_terminal():
            self.clear_notifications()  # nothing left over on top of the comparison
        self.push_screen(CompareScreen(origin.session, a, b, origin))

    def open_editor(self, path: Path | None, *, text: str | None = None, at: tuple[int, int] | None = None) -> None:
        """``at``: the 1-based line and column to put the cursor on (a problem's position)."""
        from .screens.editor import EditorScreen

        self.push_screen(EditorScreen(path, text=text, at=at))

    def leave_episode(self, screen: Any) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()
        else:
            self.go_home()

    def go_home(self) -> None:
        """Replace the only screen (an episode or editor opened from the command line) with home."""
        from .screens.home import HomeScreen

        self.switch_screen(HomeScreen())


def run_app(target: str | None = None, packs: list[Path] | None = None, save_dir: Path | None = None,
            agent: str | None = None, edit: str | None = None) -> None:
    config = TuiConfig.from_user(save_dir=save_dir, packs=packs)
    PlaygroundApp(config, target, agent, edit=edit).run()


def _preload_litellm() -> None:
    from ..agents.llm import load_litellm

    load_litellm()
