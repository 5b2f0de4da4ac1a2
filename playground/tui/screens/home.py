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
    kind: str  # "pack" | "scenario" | "invalid" | "pending" (listed, still being checked)
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
    """

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
        yield Static("", id="first-run")
        yield KeyFooter("home")

    @staticmethod
    def first_run_text(keys: list[str]) -> str:
        if keys:
            return (f"Model keys found: {escape(', '.join(keys))}. [b]enter[/] sets up an episode with any model; "
                    "[b]d[/] runs the offline scripted demo.")
        return ("[b]New here?[/] Press [b]d[/]: a scripted demo agent runs this scenario offline (no API key, no network).\n"
                "Real model: export its key (e.g. OPENAI_API_KEY), press [b]enter[/], type e.g. openai/gpt-4.1-mini.")

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
        first_run = self.query_one("#first-run", Static)
        first_run.update(self.first_run_text(keys))
        first_run.set_class(bool(keys), "-keys")
        tree = self.query_one(Tree)
        at = tree.cursor_node.data.path if tree.cursor_node is not None and tree.cursor_node.data else None
        tree.clear()
        first = None
        keep = None
        for pack, entries in found:
            node = tree.root.add(parts((pack.meta.title, "bold"), "  ", (pack.id, "dim")),
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
        for p in problems:
            tree.root.add_leaf(parts((f"⚠ {p}", "red")))
        tree.loading = False
        first = keep or first  # the second pass keeps the cursor where the user moved it
        if first is not None:
            self.call_after_refresh(self._select, first)
            self._show(first.data)
        if self._pending():
            return  # the checked entries are on their way: a key typed now waits for them
        waiting, self._waiting = self._waiting, None
        if waiting is not None:  # a key pressed while the packs were loading: do it now
            self.call_after_refresh(self.run_action, waiting)

    def _select(self, node: Any) -> None:
        tree = self.query_one(Tree)
        tree.last_line  # noqa: B018 - builds the tree's lines, so the node knows its line
        tree.move_cursor(node)

    # -- the side panel --------------------------------------------------------------------------
    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        self._show(event.node.data)

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

    def action_demo(self) -> None:
        if self._still_loading("demo"):
            return
        entry = self.selected()
        node = self.query_one(Tree).cursor_node
        if entry is not None and entry.kind == "pack" and node is not None:  # the pack's first scenario
            entry = next((c.data for c in node.children if c.data is not None and c.data.kind == "scenario"), entry)
        if entry is None or entry.kind != "scenario":
            self.notify("Choose a scenario first (↑↓).")
            return
        policy = demo_policy(entry.loaded.scenario)
        if policy is None:
            self.notify("This scenario ships no scripted agent; set it up with a real model (enter).")
            return
        from ...launch import new_episode

        episode = new_episode(entry.loaded, agent=f"scripted/{policy}")
        self.app.start_episode(episode, replace=False)

    def action_edit(self) -> None:
        entry = self.selected()
        if entry is None or entry.kind == "pack":
            self.notify("Choose a scenario to edit.")
            return
        self.app.open_editor(entry.path)

    def action_new(self) -> None:
        entry = self.selected()
        folder = entry.path.parent if entry is not None and entry.kind != "pack" else (
            entry.path if entry is not None else None)
        from .editor import new_scenario_flow

        new_scenario_flow(self.app, folder)

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

    def action_quit(self) -> None:
        self.app.exit()

    def refresh_packs(self) -> None:
        self.query_one(Tree).loading = True
        self.load_packs()
