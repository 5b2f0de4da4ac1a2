"""Saved episodes: scenario, agent, date, steps, behaviours; open one where it
was left, or delete it (after asking)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on, work
from textual.message import Message
from textual.widgets import DataTable, Static

from ..actions import bindings
from ..ui_state import delete_save
from ..dialogs.confirm import ConfirmDialog
from ..safe import esc, plain
from ..widgets.key_footer import KeyFooter
from .base import AppScreen


def describe(path: Path) -> tuple[str, ...]:
    """One row of the table (loads and replays the save's current branch)."""
    from ...episode import summary
    from ...store import SaveError, load

    try:
        ep = load(path)
        s = summary(ep)
    except (SaveError, OSError, Exception) as exc:  # any unreadable save is listed, not fatal
        return (path.name, "—", "—", "—", "—", f"unreadable: {exc}"[:80])
    date = ep.created.replace("T", " ").rstrip("Z")[:16]
    branches = f" ({len(ep.branches)} branches)" if len(ep.branches) > 1 else ""
    ended = "" if s["ended"] else " (not ended)"
    return (ep.scenario.id, s["agent"], date, f"{s['steps']}{ended}{branches}",
            "on" if s["monitoring"] == "on" else "OFF", ", ".join(b.replace("_", " ") for b in s["behaviours"]) or "—")


class SavesScreen(AppScreen):
    SCREEN_NAME = "saves"
    BINDINGS = bindings("saves")
    DEFAULT_CSS = """
    SavesScreen { layout: vertical; }
    SavesScreen DataTable { height: 1fr; border: round $primary 60%; }
    SavesScreen #saves-help { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[Path] = []

    def compose(self):
        yield Static("Saved episodes", classes="screen-title")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="saves")
        table.add_columns("scenario", "agent", "created (UTC)", "steps", "monitored", "behaviours")
        yield table
        yield Static("", id="saves-help")
        yield KeyFooter("saves")

    def on_mount(self) -> None:
        self.query_one(DataTable).border_title = esc(self.app.config.save_dir)
        self.query_one(DataTable).focus()
        self.reload()

    def reload(self) -> None:
        from ...store import list_saves

        self.paths = list_saves(self.app.config.save_dir)
        self._described: dict[str, tuple[str, ...]] = {}
        table = self.query_one(DataTable)
        table.clear()
        for p in self.paths:
            table.add_row(plain(p.name), "…", "", "", "", "", key=str(p))
        self.query_one("#saves-help", Static).update(plain(
            f"{len(self.paths)} save(s) in {self.app.config.save_dir}" if self.paths
            else f"No saves yet in {self.app.config.save_dir}: every episode you start is saved here automatically."))
        if self.paths:
            self.fill()

    @work(thread=True, exclusive=True, group="saves", exit_on_error=False)
    def fill(self) -> None:
        for p in list(self.paths):
            self.post_message(self.Described(p, describe(p)))
        self.post_message(self.AllDescribed())

    class Described(Message):
        """One save's row, from the background describer (a thread worker: it touches no widget)."""

        def __init__(self, path: Path, row: tuple[str, ...]) -> None:
            super().__init__()
            self.path, self.row = path, row

    class AllDescribed(Message):
        """Every row is described."""

    @on(Described)
    def _described_row(self, msg: Described) -> None:
        self._set_row(msg.path, msg.row)

    @on(AllDescribed)
    def _refit(self) -> None:
        """Add the described rows afresh, so every column is as wide as its content (a cell updated
        before the table's first layout keeps the width of its placeholder)."""
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        rows = [(key.value, table.get_row(key)) for key in list(table.rows)]
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))

    def _set_row(self, path: Path, row: tuple[str, ...]) -> None:
        table = self.query_one(DataTable)
        key = str(path)
        if key not in table.rows:
            return
        self._described[key] = row
        for col, value in zip(table.columns, row):
            table.update_cell(key, col, plain(value))
        if len(self._described) == len(self.paths):  # all in: lay the table out again so columns fit
            cursor = table.cursor_row
            table.clear()
            for p in self.paths:
                table.add_row(*(plain(v) for v in self._described.get(str(p), (p.name,) + ("",) * 5)), key=str(p))
            if cursor is not None and self.paths:
                table.move_cursor(row=min(cursor, len(self.paths) - 1))

    def _current(self) -> Path | None:
        table = self.query_one(DataTable)
        if not self.paths or table.cursor_row is None or table.cursor_row >= len(self.paths):
            return None
        return Path(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value or "")

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
        self.app.pop_screen()
