"""Home: the packs and their scenarios, the selected one described beside them,
and the way in for a first-time user (the offline demo)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static, Tree

from ..actions import bindings
from ..config import configured_key_names
from ..safe import esc as escape
from ..safe import parts
from ..widgets.key_footer import KeyFooter
from ..widgets.scenario_info import ScenarioInfo
from .base import AppScreen


@dataclass
class Entry:
    kind: str  # "pack" | "scenario" | "invalid" | "pending" (listed, still being checked) | "mypacks" (the empty folder)
    path: Path
    pack: Any = None
    loaded: Any = None
    problems: list[Any] | None = None
    title: str = ""  # a pending entry's title, read from the file's own title line


_LOADED: dict[tuple[str, int, int], Entry] = {}
_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)


def _key(path: Path) -> tuple[str, int, int]:
    try:
        st = path.stat()
    except OSError:
        return (str(path), 0, 0)
    return (str(path), st.st_mtime_ns, st.st_size)


def listed_entry(path: Path, pack: Any) -> Entry:
    """A scenario as the list first shows it: the checked entry when this version was checked
    before, else its file's title line (checking every file takes far longer than drawing the list)."""
    cached = _LOADED.get(_key(path))
    if cached is not None:
        return Entry(cached.kind, path, pack, cached.loaded, cached.problems)
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:20_000]
    except OSError:
        head = ""
    m = _TITLE.search(head)
    return Entry("pending", path, pack, title=m.group(1).strip("\"'") if m else "")


_FIELD = re.compile(r"^(id|title|description|version):[ \t]*(.+?)[ \t]*$", re.MULTILINE)


@dataclass
class ListedPack:
    """A pack as the list first shows it, read from its pack.yaml's top-level lines, before the
    scenario package (and pydantic) is even imported; the checked ``Pack`` replaces it."""

    meta: Any
    path: Path
    scenario_files: list[Path]

    @property
    def id(self) -> str:
        return self.meta.id


def listed_packs(dirs: list[Path]) -> list[ListedPack]:
    from types import SimpleNamespace

    out, seen = [], set()
    for d in dirs:
        candidates = [d] if (d / "pack.yaml").is_file() else (
            sorted(p for p in d.iterdir() if (p / "pack.yaml").is_file()) if d.is_dir() else [])
        for c in candidates:
            try:
                text = (c / "pack.yaml").read_text(encoding="utf-8", errors="replace")[:20_000]
            except OSError:
                continue
            fields = {k: v.strip("\"'") for k, v in _FIELD.findall(text)}
            pid = fields.get("id") or c.name
            if pid in seen:
                continue
            seen.add(pid)
            meta = SimpleNamespace(id=pid, title=fields.get("title", pid), description=fields.get("description", ""),
                                   version=fields.get("version", ""))
            out.append(ListedPack(meta, c, sorted(p for p in c.glob("*.yaml") if p.name != "pack.yaml")))
    return out


def load_entry(path: Path, pack: Any) -> Entry:
    """A scenario file, loaded and checked once per version on disk (coming back home is instant)."""
    from ...launch import load
    from ...scenario import ScenarioError

    key = _key(path)
    if key not in _LOADED:
        try:
            _LOADED[key] = Entry("scenario", path, pack, load(str(path)))
        except ScenarioError as exc:
            _LOADED[key] = Entry("invalid", path, pack, problems=exc.problems)
    cached = _LOADED[key]
    return Entry(cached.kind, path, pack, cached.loaded, cached.problems)


def _inside(path: Path, folder: Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(Path(folder).resolve())
    except OSError:
        return False


def demo_policy(scenario: Any) -> str | None:
    """The scripted policy that shows the most: one that reacts to monitoring, else one that shows a
    behaviour the scenario does not count as good."""
    policies = scenario.policies
    for name, p in policies.items():
        if any(t.when is not None and t.when.monitoring is not None for t in p.turns):
            return name
    for name, p in policies.items():
        if any(b not in scenario.good_labels for b in p.behaviours):
            return name
    return next(iter(policies), None)


class HomeScreen(AppScreen):
    SCREEN_NAME = "home"
    BINDINGS = bindings("home")
    DEFAULT_CSS = """
    HomeScreen { layout: vertical; }
    HomeScreen #home-main { height: 1fr; }
    HomeScreen #packs { width: 42%; min-width: 34; border: round $primary 60%; background: $surface;
                        overflow-x: hidden; }
    HomeScreen #packs:focus { border: round $accent; }
    HomeScreen #info { width: 1fr; border: round $primary 40%; background: $surface; padding: 0 1; }
    HomeScreen #first-run { height: auto; padding: 0 1; background: $primary-muted; }
    HomeScreen #first-run.-keys { background: $boost; color: $text-muted; }
    HomeScreen #resume { height: auto; padding: 0 1; background: $accent-muted; display: none; }
    HomeScreen #resume.-shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.resume_offer: Any = None
        self._keys: list[str] = []

    def compose(self):
        yield Static("playground — step an AI agent through a simulated world, its reasoning beside its actions",
                     classes="screen-title")
        with Horizontal(id="home-main"):
            tree: Tree[Entry] = Tree(Text("Scenario packs"), id="packs")
            tree.show_root = False
            tree.border_title = "Scenarios"
            yield tree
            with VerticalScroll(id="info"):
                yield ScenarioInfo(id="info-body")
        yield Static("", id="resume")
        yield Static("", id="first-run")
        yield KeyFooter("home")

    @staticmethod
    def first_run_text(keys: list[str], policy: str | None = None) -> str:
        demo = (f"[b]d[/] runs the offline demo with [b]scripted/{escape(policy)}[/] ([b]D[/] chooses another)"
                if policy else "[b]d[/] runs the offline scripted demo")
        if keys:
            return (f"Model keys found: {escape(', '.join(keys))}. [b]enter[/] sets up an episode with any model; "
                    f"{demo}.")
        return (f"[b]New here?[/] {demo[0].upper()}{demo[1:]}: no API key, no network.\n"
                "Real model: export its key (e.g. OPENAI_API_KEY), press [b]enter[/], type e.g. openai/gpt-4.1-mini.")

    def _first_run(self) -> None:
        entry = self._demo_entry()
        policy = demo_policy(entry.loaded.scenario) if entry is not None else None
        first_run = self.query_one("#first-run", Static)
        first_run.update(self.first_run_text(self._keys, policy))
        first_run.set_class(bool(self._keys), "-keys")

    def on_mount(self) -> None:
        self.query_one("#info", VerticalScroll).border_title = "About this scenario"
        self.query_one(Tree).loading = True
        self.query_one(Tree).focus()
        self.call_after_refresh(self.load_packs)  # draw first: loading imports the engine

    # -- loading --------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="packs", exit_on_error=False)
    def load_packs(self) -> None:
        dirs, keys = self.app.config.pack_dirs(), configured_key_names()
        if not _LOADED:  # the first visit: the list at once, from the files' own lines; then each one checked
            listed = [(pack, [listed_entry(f, pack) for f in pack.scenario_files]) for pack in listed_packs(dirs)]
            self.post_message(self.PacksLoaded(listed, [], keys))
        from ...scenario.packs import discover_packs

        packs, problems = discover_packs(dirs)
        found = [(pack, [load_entry(f, pack) for f in pack.scenario_files]) for pack in packs]
        self.post_message(self.PacksLoaded(found, problems, keys))

    class PacksLoaded(Message):
        """The packs the background loader found (a thread worker posts this; it touches no widget)."""

        def __init__(self, found: list[tuple[Any, list[Entry]]], problems: list[Any], keys: list[str]) -> None:
            super().__init__()
            self.found, self.problems, self.keys = found, problems, keys

    @on(PacksLoaded)
    def _loaded(self, msg: PacksLoaded) -> None:
        self._fill(msg.found, msg.problems, msg.keys)

    def recover_from(self, group: str, message: str) -> bool:
        if group != "packs":
            return False
        tree = self.query_one(Tree)
        tree.clear()
        tree.root.add_leaf(parts((f"⚠ {message}", "red")))
        tree.root.add_leaf(parts("Fix the pack folder, then come back to this screen (or restart) to load again."))
        tree.loading = False
        return False  # and the app notifies too

    def _fill(self, found: list[tuple[Any, list[Entry]]], problems: list[Any], keys: list[str]) -> None:
        self._keys = keys
        tree = self.query_one(Tree)
        at = tree.cursor_node.data.path if tree.cursor_node is not None and tree.cursor_node.data else None
        tree.clear()
        first = None
        keep = None
        config = self.app.config  # type: ignore[attr-defined]
        mine = config.user_pack_dir()
        for pack, entries in found:
            yours = _inside(pack.path, mine)
            where = "  · yours" if yours else ("  · shipped, read-only" if config.read_only(pack.path / "pack.yaml")
                                               else "")
            node = tree.root.add(parts((pack.meta.title, "bold"), "  ", (pack.id, "dim"), (where, "dim italic")),
                                 data=Entry("pack", pack.path, pack), expand=True)
            for e in entries:
                if e.kind == "scenario":
                    sc = e.loaded.scenario
                    leaf = node.add_leaf(parts((sc.id, "bold"), " ", (sc.title, "dim")), data=e)
                    first = first or leaf
                elif e.kind == "pending":
                    leaf = node.add_leaf(parts((e.path.stem, "bold"), " ", (e.title, "dim"), ("  checking…", "italic dim")),
                                         data=e)
                    first = first or leaf
                else:
                    leaf = node.add_leaf(parts((f"⚠ {e.path.name} (invalid)", "red")), data=e)
                if at is not None and e.path == at:
                    keep = leaf
        if not found:
            dirs = ", ".join(str(d) for d in self.app.config.pack_dirs()) or "none"
            tree.root.add_leaf(parts(f"No scenario packs found (looked in {dirs})."))
        if not any(_inside(pack.path, mine) for pack, _e in found):
            tree.root.add_leaf(parts(("My packs", "bold"), "  ", ("empty: copies you save land here", "dim")),
                               data=Entry("mypacks", mine))  # the folder is named beside, when chosen
        for p in problems:
            tree.root.add_leaf(parts((f"⚠ {p}", "red")))
        tree.loading = False
        first = keep or first  # the second pass keeps the cursor where the user moved it
        if first is not None:
            self.call_after_refresh(self._select, first)
            self._show(first.data)
        self._first_run()
        if self._pending():
            return  # the checked entries are on their way: a key typed now waits for them
        waiting, self._waiting = self._waiting, None
        if waiting is not None:  # a key pressed while the packs were loading: do it now
            self.call_after_refresh(self.run_action, waiting)

    def _select(self, node: Any) -> None:
        tree = self.query_one(Tree)
        tree.last_line  # noqa: B018 - builds the tree's lines, so the node knows its line
        tree.move_cursor(node)
        self._first_run()  # a cursor already on that line posts no highlight: say what d runs now

    # -- the side panel --------------------------------------------------------------------------
    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        self._show(event.node.data)
        self._first_run()

    def _show(self, entry: Entry | None) -> None:
        self.query_one(ScenarioInfo).show(entry)

    def selected(self) -> Entry | None:
        node = self.query_one(Tree).cursor_node
        return node.data if node is not None else None

    # -- actions ---------------------------------------------------------------------------------
    def action_start(self) -> None:
        if self._still_loading("start"):
            return
        entry = self.selected()
        if entry is None:
            return
        if entry.kind == "pack":
            node = self.query_one(Tree).cursor_node
            if node is not None:
                node.toggle()
        elif entry.kind == "invalid":
            self.action_edit()
        else:
            self.app.open_setup(entry.loaded)

    _waiting: str | None = None

    def _pending(self) -> bool:
        def walk(node: Any) -> bool:
            return any((c.data is not None and c.data.kind == "pending") or walk(c) for c in node.children)

        return walk(self.query_one(Tree).root)

    def _still_loading(self, action: str) -> bool:
        """Keys typed before the packs are listed and checked are kept, not lost: the action runs then."""
        if self.query_one(Tree).loading or self._pending():
            self._waiting = action
            return True
        return False

    def _demo_entry(self) -> Entry | None:
        """The scenario ``d`` runs: the selected one, or a selected pack's first."""
        entry = self.selected()
        node = self.query_one(Tree).cursor_node
        if entry is not None and entry.kind == "pack" and node is not None:  # the pack's first scenario
            entry = next((c.data for c in node.children if c.data is not None and c.data.kind == "scenario"), entry)
        return entry if entry is not None and entry.kind == "scenario" else None

    def action_demo(self, policy: str | None = None) -> None:
        if self._still_loading("demo"):
            return
        entry = self._demo_entry()
        if entry is None:
            self.notify("Choose a scenario first (↑↓).")
            return
        policy = policy or demo_policy(entry.loaded.scenario)
        if policy is None:
            self.notify("This scenario ships no scripted agent; set it up with a real model (enter).")
            return
        from ...launch import new_episode

        episode = new_episode(entry.loaded, agent=f"scripted/{policy}")
        self.app.start_episode(episode, replace=False)
        p = entry.loaded.scenario.policies[policy]
        shows = f" — written to show {', '.join(b.replace('_', ' ') for b in p.behaviours)}" if p.behaviours else ""
        self.notify(f"Demo agent: scripted/{policy}{shows}. It replays written turns (not model output).",
                    title="Offline demo")

    def action_choose_demo(self) -> None:
        if self._still_loading("choose_demo"):
            return
        entry = self._demo_entry()
        if entry is None:
            self.notify("Choose a scenario first (↑↓).")
            return
        policies = entry.loaded.scenario.policies
        if not policies:
            self.notify("This scenario ships no scripted agent; set it up with a real model (enter).")
            return
        from ..dialogs.branch_picker import BranchPicker

        rows = []
        for name, p in policies.items():
            shows = f" · shows {', '.join(b.replace('_', ' ') for b in p.behaviours)}" if p.behaviours else ""
            rows.append((name, f"scripted/{name}" + (f" — {p.description}" if p.description else "") + shows))
        self.app.push_screen(BranchPicker("Which demo agent?", rows, demo_policy(entry.loaded.scenario),
                                          help="Scripted agents replay written turns offline (labelled, never model "
                                               "output). enter starts the demo · esc cancels"),
                             lambda name: self.action_demo(name) if name else None)

    # -- resuming an unfinished episode --------------------------------------------------------------
    @work(thread=True, exclusive=True, group="resume", exit_on_error=False)
    def look_for_resume(self) -> None:
        from ..resume import find_unfinished

        self.post_message(self.ResumeFound(find_unfinished(self.app.config.save_dir)))  # type: ignore[attr-defined]

    class ResumeFound(Message):
        """The newest unfinished save, or None (from the background look-up: it touches no widget)."""

        def __init__(self, offer: Any) -> None:
            super().__init__()
            self.offer = offer

    @on(ResumeFound)
    def _resume_found(self, msg: ResumeFound) -> None:
        self.resume_offer = msg.offer
        banner = self.query_one("#resume", Static)
        banner.set_class(msg.offer is not None, "-shown")
        if msg.offer is not None:
            o = msg.offer
            banner.update(f"↺ Unfinished: [b]{escape(o.title)}[/] · {escape(o.agent)} · step {o.step} · branch "
                          f"{escape(o.branch)}   [b]r[/] resumes it · [b]esc[/] hides this")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("resume", "dismiss"):
            return self.resume_offer is not None
        return True

    def action_resume(self) -> None:
        offer, self.resume_offer = self.resume_offer, None
        self.query_one("#resume", Static).set_class(False, "-shown")
        self.refresh_bindings()
        if offer is not None:
            self.app.open_save(offer.path)  # type: ignore[attr-defined]

    def action_dismiss(self) -> None:
        self.resume_offer = None
        self.query_one("#resume", Static).set_class(False, "-shown")
        self.refresh_bindings()

    def action_edit(self) -> None:
        entry = self.selected()
        if entry is None or entry.kind == "pack":
            self.notify("Choose a scenario to edit.")
            return
        first = next((p for p in entry.problems or [] if Path(p.file) == Path(entry.path)), None)
        self.app.open_editor(entry.path, at=(first.line, first.col) if first is not None else None)

    def action_new(self) -> None:
        entry = self.selected()
        folder = entry.path.parent if entry is not None and entry.kind != "pack" else (
            entry.path if entry is not None else None)
        from .editor import new_scenario_flow

        new_scenario_flow(self.app, folder)

    def action_import_transcript(self) -> None:
        from pathlib import Path

        from ..dialogs.text_prompt import TextPrompt

        def done(text: str | None) -> None:
            if not text:
                return
            path = Path(text.strip()).expanduser()
            if not path.is_file():
                self.notify(f"No file at {path}.", title="Import", severity="error")
            elif path.suffix not in (".json", ".jsonl", ".eval"):
                self.notify(f"{path.name}: a transcript is a .json or .jsonl file (an Inspect log a .eval).",
                            title="Import", severity="error")
            else:
                self.app.import_transcript(path)

        self.app.push_screen(TextPrompt("Import a transcript",
                                        "A file in the study's JSON format, OpenAI-format messages (.json, .jsonl) or "
                                        "an Inspect log (.eval). It is imported into the save folder and opened.",
                                        placeholder="~/study_runs/transcript28.json", ok="Import"), done)

    def action_saves(self) -> None:
        from .saves import SavesScreen

        self.app.push_screen(SavesScreen())

    def action_settings(self) -> None:
        from ...settings import SettingsError
        from ..dialogs.settings_dialog import SettingsDialog

        try:
            settings, path = self.app.config.settings_to_edit()
        except SettingsError as exc:
            self.notify(f"{exc}\nFix the file (or use `playground config set`) and open Settings again.",
                        title="Settings cannot be read", severity="error", timeout=15)
            return

        def saved(settings: Any) -> None:
            if settings is not None:
                self.app.apply_user_settings(settings)
                self.notify("Settings saved.", title="Settings")

        self.app.push_screen(SettingsDialog(settings, path), saved)

    def refresh_packs(self) -> None:
        self.query_one(Tree).loading = True
        self.load_packs()
