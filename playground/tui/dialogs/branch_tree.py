"""The branch tree: each branch under the one it forked from, with its fork step, agent, belief
and behaviours; enter switches to one, r renames it."""

from __future__ import annotations

from typing import Any, Callable

from textual import on, work
from textual.binding import Binding
from textual.containers import VerticalGroup
from textual.message import Message
from textual.widgets import Static, Tree

from ..safe import parts, plain
from .base import Dialog
from .text_prompt import TextPrompt


class BranchTree(Dialog[str | None]):
    """Dismisses with the branch to switch to (None: stay). ``on_rename(branch_id, label)`` is
    called for each rename, so the caller can save it."""

    DEFAULT_CSS = """
    BranchTree > #box { width: 110; }
    BranchTree Tree { height: auto; max-height: 18; background: $surface; overflow-x: hidden; }
    BranchTree #detail { height: auto; color: $text-muted; padding: 1 0; }
    """
    BINDINGS = [Binding("r", "rename", "rename")]

    def __init__(self, episode: Any, current: str, states: dict[str, Any] | None = None,
                 on_rename: Callable[[str, str], None] | None = None) -> None:
        super().__init__()
        self.episode, self.current, self.states, self.on_rename = episode, current, states or {}, on_rename
        self.infos: dict[str, Any] = {}

    def compose(self):
        with VerticalGroup(id="box"):
            yield Static("Branches", classes="title")
            yield Static("Each branch sits under the one it forked from. enter switches · r renames · esc closes",
                         classes="help")
            tree: Tree[str] = Tree(plain("branches"), id="tree")
            tree.show_root = False
            tree.guide_depth = 3
            yield tree
            yield Static("", id="detail")

    def on_mount(self) -> None:
        tree = self.query_one(Tree)
        tree.loading = True
        tree.focus()
        self._load()

    @work(thread=True, exclusive=True, group="branches", exit_on_error=False)
    def _load(self) -> None:
        from ...episode.branches import branch_tree

        self.post_message(self.Loaded(branch_tree(self.episode, self.states)))

    class Loaded(Message):
        """Every branch's line (from the background replay: it touches no widget)."""

        def __init__(self, rows: list[tuple[int, Any]]) -> None:
            super().__init__()
            self.rows = rows

    @on(Loaded)
    def _loaded(self, msg: Loaded) -> None:
        tree = self.query_one(Tree)
        tree.clear()
        nodes: dict[str, Any] = {}
        chosen = None
        for _depth, info in msg.rows:
            self.infos[info.id] = info
            parent = nodes.get(info.parent) if info.parent is not None else None
            node = (parent or tree.root).add(self._label(info), data=info.id, expand=True)
            nodes[info.id] = node
            if info.id == self.current:
                chosen = node
        tree.loading = False
        if chosen is not None:
            self.call_after_refresh(self._select, chosen)

    def _select(self, node: Any) -> None:
        tree = self.query_one(Tree)
        tree.last_line  # noqa: B018 - builds the lines, so the node knows its own
        tree.move_cursor(node)

    def _label(self, info: Any) -> Any:
        here = "  ← you are here" if info.id == self.current else ""
        return parts((info.short(), "bold" if info.id == self.current else ""), (here, "italic"))

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        info = self.infos.get(event.node.data) if event.node.data is not None else None
        self.query_one("#detail", Static).update(plain(info.line() if info is not None else ""))

    @on(Tree.NodeSelected)
    def _chosen(self, event: Tree.NodeSelected) -> None:
        event.stop()
        if event.node.data is not None:
            self.dismiss(event.node.data)

    def action_rename(self) -> None:
        node = self.query_one(Tree).cursor_node
        if node is None or node.data is None:
            return
        bid = node.data
        info = self.infos.get(bid)

        def done(label: str | None) -> None:
            if label is None or info is None:
                return
            from dataclasses import replace

            from ...episode.branches import rename

            rename(self.episode, bid, label)
            self.infos[bid] = replace(info, label=label.strip())
            node.set_label(self._label(self.infos[bid]))
            self.query_one("#detail", Static).update(plain(self.infos[bid].line()))
            if self.on_rename is not None:
                self.on_rename(bid, label.strip())

        self.app.push_screen(TextPrompt(f"Rename branch {bid}", "A label for this branch (shown in the header, "
                                        "the tree, compare and the saves list). Empty: back to its id.",
                                        value=info.label if info and info.label != bid else "", ok="Rename",
                                        allow_empty=True), done)
