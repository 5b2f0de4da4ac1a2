"""Saved episodes: a title that tells saves of one scenario apart (the note, the agent, the
belief, the branches), when, how far, and the behaviours seen; sorted (s, or a click on a
header) and filtered (/). Open one where it was left, or delete it (after asking)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from ..actions import bindings
from ..dialogs.confirm import ConfirmDialog
from ..safe import esc, plain
from ..save_rows import COLUMN_SORTS, SORTS, SaveRow, describe, filter_rows, placeholder, sort_rows, widths_for
from ..ui_state import delete_save
from ..widgets.key_footer import KeyFooter
from .base import AppScreen


class SavesScreen(AppScreen):
    SCREEN_NAME = "saves"
    BINDINGS = bindings("saves")
    DEFAULT_CSS = """
    SavesScreen { layout: vertical; }
    SavesScreen #saves-filter { height: 1; margin: 0 1; }
    SavesScreen DataTable { height: 1fr; border: round $primary 60%; overflow-x: hidden; }
    SavesScreen #saves-help { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[Path] = []
        self.rows: dict[str, SaveRow] = {}
        self.sort = SORTS[0].key
        self._shown: list[str] = []  # row keys in table order
        self._width = 0
        self._rebuild_timer: Any = None
        self._behaviours_width = 28

    def compose(self):
        yield Static("Saved episodes", classes="screen-title")
        yield Input(placeholder="filter: scenario, agent, belief, behaviour, note…   (/ filters · esc back to the list)",
                    id="saves-filter", compact=True)
        yield DataTable(cursor_type="row", zebra_stripes=True, id="saves")
        yield Static("", id="saves-help")
        yield KeyFooter("saves")

    @property
    def table(self) -> DataTable:
        return self.query_one(DataTable)

    def on_mount(self) -> None:
        self.table.border_title = esc(self.app.config.save_dir)
        self.table.focus()
        self.reload()

    def on_resize(self, _event: events.Resize) -> None:
        if self.size.width != self._width:
            self._columns()
            self._rebuild()

    # -- loading ----------------------------------------------------------------------------------
    def reload(self) -> None:
        from ...store import list_saves

        self.paths = list_saves(self.app.config.save_dir)
        self.rows = {str(p): placeholder(p) for p in self.paths}
        self._columns()
        self._rebuild()
        if self.paths:
            self.fill()

    @work(thread=True, exclusive=True, group="saves", exit_on_error=False)
    def fill(self) -> None:
        for p in list(self.paths):
            self.post_message(self.Described(p, describe(p)))

    class Described(Message):
        """One save's row, from the background describer (a thread worker: it touches no widget)."""

        def __init__(self, path: Path, row: SaveRow) -> None:
            super().__init__()
            self.path, self.row = path, row

    @on(Described)
    def _described_row(self, msg: Described) -> None:
        key = str(msg.path)
        if key in self.rows:
            self.rows[key] = msg.row
            if self._rebuild_timer is None:  # a burst of rows: lay the table out once
                self._rebuild_timer = self.set_timer(0.05, self._rebuild)

    # -- the table ----------------------------------------------------------------------------------
    def _columns(self) -> None:
        """Columns as wide as the screen allows (set, never grown by content: rows are built whole)."""
        self._width = self.size.width or self.app.size.width
        w = widths_for(self._width - 2)  # the table's round border
        self._behaviours_width = w.behaviours
        table = self.table
        table.clear(columns=True)
        arrow = {"newest": "created", "oldest": "created", "scenario": "episode", "steps": "steps",
                 "behaviours": "behaviours"}[self.sort]
        for name, width in (("episode", w.episode), ("created", w.created), ("steps", w.steps),
                            ("behaviours", w.behaviours)):
            title = {"created": "created (UTC)"}.get(name, name)
            mark = (" ↓" if self.sort != "oldest" and self.sort != "scenario" else " ↑") if name == arrow else ""
            table.add_column(Text(title + mark, style="bold"), width=width, key=name)

    def _rebuild(self) -> None:
        """Add the rows afresh, sorted and filtered, keeping the cursor on the same save."""
        self._rebuild_timer = None
        table = self.table
        current = self._current()
        query = self.query_one("#saves-filter", Input).value
        rows = filter_rows(sort_rows(list(self.rows.values()), self.sort), query)
        table.clear()
        self._shown = []
        for r in rows:
            title = Text(no_wrap=True, overflow="ellipsis")
            title.append_text(plain(r.title, "bold" if not r.error else "bold red"))
            title.append("\n")
            title.append_text(plain(r.subtitle, "dim" if r.monitored or r.error else "red"))
            height = 3 if len(r.behaviours_text) > 2 * (self._behaviours_width - 2) else 2
            table.add_row(title, plain(r.created), plain(r.steps_text), plain(r.behaviours_text), height=height,
                          key=str(r.path))
            self._shown.append(str(r.path))
        if current is not None and str(current) in self._shown:
            table.move_cursor(row=self._shown.index(str(current)))
        label = next(s.label for s in SORTS if s.key == self.sort)
        table.border_subtitle = f"sorted: {label} · s sorts · / filters"
        help_ = self.query_one("#saves-help", Static)
        where = self.app.config.save_dir
        if not self.paths:
            help_.update(plain(f"No saves yet in {where}: every episode you start is saved here automatically."))
        elif query.strip():
            help_.update(plain(f"{len(rows)} of {len(self.paths)} save(s) match “{query.strip()}” · esc clears"))
        else:
            help_.update(plain(f"{len(self.paths)} save(s) in {where}"))

    def _current(self) -> Path | None:
        table = self.table
        if not self._shown or table.cursor_row is None or not 0 <= table.cursor_row < len(self._shown):
            return None
        return Path(self._shown[table.cursor_row])

    # -- sorting and filtering ------------------------------------------------------------------------
    def action_sort(self) -> None:
        keys = [s.key for s in SORTS]
        self.set_sort(keys[(keys.index(self.sort) + 1) % len(keys)])

    def set_sort(self, key: str) -> None:
        self.sort = key
        self._columns()
        self._rebuild()

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        key = COLUMN_SORTS.get(str(event.column_key.value))
        if key is not None:
            self.set_sort("oldest" if key == "newest" and self.sort == "newest" else key)

    def action_filter(self) -> None:
        self.query_one("#saves-filter", Input).focus()

    @on(Input.Changed, "#saves-filter")
    def _filtered(self) -> None:
        self._rebuild()
        if self._shown and self.table.cursor_row is None:
            self.table.move_cursor(row=0)

    @on(Input.Submitted, "#saves-filter")
    def _filter_done(self) -> None:
        self.table.focus()

    # -- opening and deleting ---------------------------------------------------------------------------
    def on_data_table_row_selected(self, _event: Any) -> None:
        self.action_open()

    def action_open(self) -> None:
        path = self._current()
        if path is not None:
            self.app.open_save(path, replace=True)

    def action_delete(self) -> None:
        path = self._current()
        if path is None:
            return

        def done(yes: bool | None) -> None:
            if yes:
                delete_save(path)
                self.notify(f"Deleted {path.name}")
                self.reload()

        self.app.push_screen(ConfirmDialog("Delete this save?", f"{path}\nThis cannot be undone.", yes="Delete",
                                           danger=True), done)

    def action_back(self) -> None:
        bar = self.query_one("#saves-filter", Input)
        if bar.has_focus or bar.value:  # esc leaves the filter first: cleared, back to the list
            bar.value = ""
            self.table.focus()
            return
        self.app.pop_screen()
