"""What the saves list shows about each save, and how it sorts and filters. Textual-free.

A row's title tells saves of one scenario apart: the scenario, the first note, and under it the
agent, what the agent believes, and how many branches there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SaveRow:
    path: Path
    scenario: str = ""
    agent: str = ""
    created: str = ""  # "2026-12-01 22:10" (UTC)
    modified: float = 0.0  # the file's mtime: "newest" sorts by it
    steps: int = 0
    ended: str | None = None
    branches: int = 1
    labels: tuple[str, ...] = ()  # branch labels that say more than the id
    monitored: bool = True  # what the agent believes at the end of the current branch
    behaviours: tuple[str, ...] = ()
    note: str = ""  # the first note in the episode
    condition: str = ""  # a recorded run's own monitoring condition, while its branch lives it
    error: str = ""  # why the save cannot be read (listed, never fatal)
    described: bool = True

    @property
    def title(self) -> str:
        if self.error:
            return f"⚠ {self.path.name}"
        return self.scenario + (f" — “{self.note}”" if self.note else "")

    @property
    def subtitle(self) -> str:
        if self.error:
            return self.error
        if not self.described:
            return "reading…"
        belief = "◉ monitored" if self.monitored else "◌ UNMONITORED"
        if self.condition == "no monitoring statement":
            belief = "○ no monitoring statement"
        labels = f" · {', '.join(self.labels)}" if self.labels else ""
        return f"{self.agent} · {belief}{labels}"

    @property
    def steps_text(self) -> str:
        """Steps and whether it ended; the number of branches under it."""
        if self.error or not self.described:
            return "—"
        branches = f"\n{self.branches} branches" if self.branches > 1 else ""
        return f"{self.steps} · {'ended' if self.ended else 'going'}{branches}"

    @property
    def behaviours_text(self) -> str:
        if self.error or not self.described:
            return ""
        return ", ".join(b.replace("_", " ") for b in self.behaviours) or "—"

    def haystack(self) -> str:
        return " ".join((self.path.name, self.title, self.subtitle, self.created, self.steps_text,
                         self.behaviours_text)).lower()


def placeholder(path: Path) -> SaveRow:
    return SaveRow(path, scenario=path.stem, modified=_mtime(path), described=False)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def describe(path: Path) -> SaveRow:
    """One save's row (loads it and replays its current branch)."""
    from ..episode import summary
    from ..episode.events import Note
    from ..store import load

    try:
        ep = load(path)
        s = summary(ep)
    except Exception as exc:  # any unreadable save is listed, not fatal
        return SaveRow(path, modified=_mtime(path), error=f"unreadable: {exc}"[:160])
    note = next((e.text for b in ep.branches.values() for e in b.events if isinstance(e, Note)), "")
    labels = tuple(b.label for b in ep.branches.values() if b.label and b.label not in (b.id, "main"))
    return SaveRow(path, ep.scenario.id, s["agent"], ep.created.replace("T", " ").rstrip("Z")[:16], _mtime(path),
                   s["steps"], s["ended"], len(ep.branches), labels, s["monitoring"] == "on", tuple(s["behaviours"]),
                   " ".join(note.split())[:60], s.get("condition", ""))


@dataclass(frozen=True)
class Sort:
    key: str
    label: str


SORTS = (Sort("newest", "newest first"), Sort("oldest", "oldest first"), Sort("scenario", "scenario A–Z"),
         Sort("steps", "most steps"), Sort("behaviours", "most behaviours"))
COLUMN_SORTS = {"episode": "scenario", "created": "newest", "steps": "steps", "behaviours": "behaviours"}


def sort_rows(rows: list[SaveRow], key: str) -> list[SaveRow]:
    if key == "oldest":
        return sorted(rows, key=lambda r: r.modified)
    if key == "scenario":
        return sorted(rows, key=lambda r: (r.scenario.lower(), r.note.lower(), -r.modified))
    if key == "steps":
        return sorted(rows, key=lambda r: (-r.steps, -r.modified))
    if key == "behaviours":
        return sorted(rows, key=lambda r: (-len(r.behaviours), r.behaviours, -r.modified))
    return sorted(rows, key=lambda r: -r.modified)


def filter_rows(rows: list[SaveRow], text: str) -> list[SaveRow]:
    """Rows holding every word of ``text`` (case-insensitive, anywhere in the row)."""
    words = text.lower().split()
    return [r for r in rows if all(w in r.haystack() for w in words)] if words else list(rows)


@dataclass
class Widths:
    episode: int
    created: int = 16
    steps: int = 10
    behaviours: int = 28
    columns: tuple[str, ...] = field(default=("episode", "created", "steps", "behaviours"))


def widths_for(total: int) -> Widths:
    """Column widths that fill ``total`` cells (the table's inside width): behaviours grows with
    the room, the title takes the rest."""
    padding = 2 * 4  # DataTable pads each cell by one on either side
    room = max(total - padding - 1, 40)  # one for the scrollbar
    behaviours = 21 if room < 100 else 28 if room < 130 else 44
    created = 16
    steps = 10  # "12 · ended" over "3 branches"
    episode = max(room - created - steps - behaviours, 20)
    return Widths(episode, created, steps, behaviours)
