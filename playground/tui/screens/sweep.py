"""A sweep folder: conditions x behaviours with rates and interval bars, the contrasts, and enter
drills into a cell's episodes, then into the stepper. Everything it shows is
``playground.sweep.report`` (read on a thread: a folder without its ledger replays every save)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.widgets import DataTable, Static

from ...scenario.models import LABELS
from ..actions import bindings
from ..safe import esc, plain
from ..widgets.key_footer import KeyFooter
from .base import AppScreen

TRACK = 16


def interval_bar(entry: dict[str, Any] | None, width: int = TRACK) -> Text:
    """The rate as ● on a track, its 95 % interval drawn as ━ around it."""
    if entry is None or entry.get("rate") is None:
        return Text("—")
    lo, hi = entry["ci"]
    at = min(width - 1, int(entry["rate"] * width))
    a, b = min(width - 1, int(lo * width)), min(width - 1, int(hi * width))
    out = Text()
    for i in range(width):
        if i == at:
            out.append("●", style="bold")
        elif a <= i <= b:
            out.append("━")
        else:
            out.append("·", style="dim")
    return out


def rate_cell(entry: dict[str, Any] | None) -> Text:
    if entry is None:
        return Text("—")
    if entry.get("rate") is None:
        return Text("n/a")
    lo, hi = entry["ci"]
    out = Text(f"{100 * entry['rate']:5.1f}% [{100 * lo:.0f}, {100 * hi:.0f}] ")
    out.append_text(interval_bar(entry))
    if entry.get("of"):
        out.append(" ¹", style="dim")
    return out


def condition(cell: dict[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in cell["variables"].items()] + [f"monitoring {cell['monitoring']}"]
    return ", ".join(parts)


class SweepScreen(AppScreen):
    SCREEN_NAME = "sweep"
    BINDINGS = bindings("sweep")
    DEFAULT_CSS = """
    SweepScreen { layout: vertical; }
    SweepScreen #cells { height: 1fr; border: round $primary 60%; }
    SweepScreen #contrasts { height: auto; max-height: 40%; border: round $secondary 60%; }
    SweepScreen .line { height: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.results: dict[str, Any] | None = None
        self.labels: list[str] = []

    def compose(self):
        yield Static(plain(f"Sweep · {self.folder}"), classes="screen-title")
        yield Static("reading the sweep…", id="summary", classes="line")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="cells")
        yield DataTable(cursor_type="none", id="contrasts")
        yield Static("", id="notes", classes="line")
        yield KeyFooter("sweep")

    def on_mount(self) -> None:
        self.query_one("#cells", DataTable).border_title = "conditions × behaviours (rate [95 % CI])"
        self.query_one("#contrasts", DataTable).border_title = "contrasts (difference, Newcombe 95 % CI)"
        self.query_one("#cells", DataTable).focus()
        self.load()

    @work(thread=True, exclusive=True, group="sweep", exit_on_error=False)
    def load(self) -> None:
        from ...sweep import PlanError, report

        try:
            results = report(self.folder)
        except PlanError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Not a sweep", severity="error")
            return
        self.app.call_from_thread(self.show, results)

    def show(self, results: dict[str, Any]) -> None:
        self.results = results
        labels: list[str] = []
        for c in results["cells"]:
            labels += [lab for lab in c["behaviours"] if lab not in labels]
        self.labels = sorted(labels, key=lambda lab: LABELS.index(lab) if lab in LABELS else len(LABELS))
        ep = results["episodes"]
        self.query_one("#summary", Static).update(plain(
            f"seed {results['seed']} · {ep['finished']} of {ep['planned']} episodes finished"
            + (f" · {ep['not_run']} not run" if ep.get("not_run") else "")
            + (f" · {ep['errors']} stopped by an error" if ep.get("errors") else "")
            + f" · cost ${results.get('cost', 0):.4f} · enter lists a cell's episodes"))
        table = self.query_one("#cells", DataTable)
        table.clear(columns=True)
        table.add_columns("scenario", "agent", "condition", "n", *[lab.replace("_", " ") for lab in self.labels])
        for i, c in enumerate(results["cells"]):
            table.add_row(plain(c["scenario"].rsplit("/", 1)[-1]), plain(c["agent"]), plain(condition(c)), str(c["n"]),
                          *[rate_cell(c["behaviours"].get(lab)) for lab in self.labels], key=str(i))
        contrasts = self.query_one("#contrasts", DataTable)
        contrasts.clear(columns=True)
        contrasts.add_columns("contrast", "behaviour", "agent", "a", "b", "difference")
        for c in results["contrasts"]:
            d = "n/a" if c["difference"] is None else \
                f"{100 * c['difference']:+.1f} pp [{100 * c['ci'][0]:+.0f}, {100 * c['ci'][1]:+.0f}]"
            contrasts.add_row(plain(c["kind"]), plain(c["label"]), plain(c["agent"]),
                              plain(f"{condition(c['a'])}: {100 * c['a']['rate']:.0f}%"),
                              plain(f"{condition(c['b'])}: {100 * c['b']['rate']:.0f}%"), plain(d))
        self.query_one("#contrasts", DataTable).display = bool(results["contrasts"])
        self.query_one("#notes", Static).update(plain("¹ " + results["notes"][0]) if results.get("notes") else "")

    @on(DataTable.RowSelected, "#cells")
    def _cell(self, event: DataTable.RowSelected) -> None:
        if self.results is not None:
            self.app.push_screen(SweepCellScreen(self.folder, self.results["cells"][int(event.row_key.value)]))

    def action_open(self) -> None:
        table = self.query_one("#cells", DataTable)
        if self.results is not None and self.results["cells"] and table.cursor_row is not None:
            self.app.push_screen(SweepCellScreen(self.folder, self.results["cells"][table.cursor_row]))

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            from .home import HomeScreen

            self.app.switch_screen(HomeScreen())


class SweepCellScreen(AppScreen):
    """One cell's episodes: what each tripped and how it ended; enter opens one in the stepper."""

    SCREEN_NAME = "sweep_cell"
    BINDINGS = bindings("sweep_cell")
    DEFAULT_CSS = """
    SweepCellScreen { layout: vertical; }
    SweepCellScreen DataTable { height: 1fr; border: round $primary 60%; }
    """

    def __init__(self, folder: Path, cell: dict[str, Any]) -> None:
        super().__init__()
        self.folder, self.cell = Path(folder), cell
        self.paths: list[Path] = []

    def compose(self):
        c = self.cell
        yield Static(plain(f"{c['scenario']} · {c['agent']} · {condition(c)}"), classes="screen-title")
        table: DataTable = DataTable(cursor_type="row", zebra_stripes=True, id="episodes")
        table.add_columns("episode", "behaviours", "ended", "steps", "cost")
        yield table
        yield KeyFooter("sweep_cell")

    def on_mount(self) -> None:
        self.query_one(DataTable).border_title = esc(self.folder / "episodes" / str(self.cell["dir"]))
        self.query_one(DataTable).focus()
        self.load()

    @work(thread=True, exclusive=True, group="sweep", exit_on_error=False)
    def load(self) -> None:
        from ...sweep.report import episodes_of

        rows = episodes_of(self.folder, self.cell)
        self.app.call_from_thread(self.show, rows)

    def show(self, rows: list[tuple[Path, Any]]) -> None:
        table = self.query_one(DataTable)
        self.paths = [p for p, _ in rows]
        for i, (path, o) in enumerate(rows):
            if o is None:
                table.add_row(plain(path.stem), "unreadable", "—", "—", "—", key=str(i))
                continue
            table.add_row(plain(path.stem), plain(", ".join(b.replace("_", " ") for b in o.behaviours) or "—"),
                          plain(o.ended), str(o.steps), f"${o.cost:.4f}", key=str(i))

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.open_save(self.paths[int(event.row_key.value)])

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if self.paths and table.cursor_row is not None:
            self.app.open_save(self.paths[table.cursor_row])

    def action_back(self) -> None:
        self.app.pop_screen()
