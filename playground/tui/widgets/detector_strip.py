"""The Detectors strip: each active detector's label, lit with the step that tripped it."""

from __future__ import annotations

from typing import Any, Collection

from textual.containers import HorizontalGroup, Vertical
from textual.widgets import Static

from ..safe import plain


def _human(label: str) -> str:
    return label.replace("_", " ")


class DetectorChip(Static):
    DEFAULT_CSS = """
    DetectorChip { width: auto; padding: 0 1; margin-right: 1; color: $text-muted; background: $panel; }
    DetectorChip.-lit { color: $text; background: $error; text-style: bold; }
    DetectorChip.-lit.-good { background: $success; }
    """

    def __init__(self, det_id: str, label: str, description: str, same_label: bool = False, good: bool = False) -> None:
        text = _human(label) + (f" ({det_id})" if same_label else "")  # two detectors, one label: say which
        super().__init__(plain(f"○ {text}"), id=f"det-{det_id}")
        self.det_id = det_id
        self.label_text = text
        self.tooltip = plain(f"{det_id}: {description}" if description else det_id)
        self.set_class(good, "-good")  # a label the scenario counts as good
        self._shown: tuple[bool, int | None] | None = None
        self.shown_text = f"○ {text}"

    def show(self, tripped: bool, step: int | None) -> None:
        if self._shown == (tripped, step):
            return
        self._shown = (tripped, step)
        self.set_class(tripped, "-lit")
        text = (f"● {self.label_text} @{step}" if tripped and step is not None
                else f"● {self.label_text}" if tripped else f"○ {self.label_text}")
        self.shown_text = text
        self.update(plain(text), layout=len(text) != len(str(self.content)))


def pack(widths: list[int], room: int, first: int = 0) -> list[list[int]]:
    """Indexes of items of ``widths`` in rows no wider than ``room`` (the first row starts after
    ``first`` cells); an item wider than a row gets a row of its own."""
    rows: list[list[int]] = [[]]
    used = first
    for i, w in enumerate(widths):
        if rows[-1] and used + w > room:
            rows.append([])
            used = 0
        rows[-1].append(i)
        used += w
    return rows


class DetectorStrip(Vertical):
    """Every active detector, wrapped onto as many lines as the width needs (never cut)."""

    DEFAULT_CSS = """
    DetectorStrip { height: auto; max-height: 4; width: 1fr; overflow-y: auto; scrollbar-size-vertical: 1; }
    DetectorStrip > .det-row { height: 1; width: 1fr; }
    DetectorStrip .title { width: auto; color: $text-muted; padding-right: 1; }
    """
    TITLE = "Detectors"

    def __init__(self, verdicts: dict[str, Any] | None = None, descriptions: dict[str, str] | None = None,
                 good: Collection[str] = (), **kwargs: Any) -> None:
        """``good``: the labels the scenario counts as good (``Scenario.good_labels``)."""
        super().__init__(**kwargs)
        self.good = frozenset(good)
        self._verdicts, self._descriptions = verdicts or {}, descriptions or {}
        self._ids: tuple[str, ...] = tuple(k for k, v in self._verdicts.items() if v.active)
        self._packed: tuple[int, tuple[tuple[str, ...], ...]] | None = None

    def on_mount(self) -> None:
        self._layout()

    def on_resize(self) -> None:
        self._layout()

    def _chips(self) -> list[DetectorChip]:
        labels = [self._verdicts[k].label for k in self._ids]
        chips = [DetectorChip(k, self._verdicts[k].label, self._descriptions.get(k, ""),
                              labels.count(self._verdicts[k].label) > 1, self._verdicts[k].label in self.good)
                 for k in self._ids]
        for chip in chips:
            v = self._verdicts[chip.det_id]
            chip.show(v.tripped, v.step)
        return chips

    @staticmethod
    def _width(chip: DetectorChip) -> int:
        return len(chip.shown_text) + 3  # padding on both sides, a margin after

    def _layout(self) -> None:
        """Pack the chips into rows for this width; rebuilt only when the packing changes."""
        room = self.size.width or self.app.size.width
        if room <= 0:
            return
        chips = self._chips()
        rows = pack([self._width(c) for c in chips], room, len(self.TITLE) + 1)
        packed = (room, tuple(tuple(chips[i].det_id for i in row) for row in rows))
        if packed == self._packed:
            return
        self._packed = packed
        self.remove_children()
        widgets = []
        for n, row in enumerate(rows):
            title = [Static(self.TITLE if n == 0 else "", classes="title")] if n == 0 else []
            widgets.append(HorizontalGroup(*title, *(chips[i] for i in row), classes="det-row"))
        self.mount_all(widgets)

    def show(self, verdicts: dict[str, Any], descriptions: dict[str, str]) -> None:
        self._verdicts, self._descriptions = verdicts, descriptions
        active = tuple(k for k, v in verdicts.items() if v.active)
        chips = list(self.query(DetectorChip))
        if active != self._ids or len(chips) != len(active):
            self._ids = active
            self._packed = None
            self._layout()
            return
        grew = False
        for chip in chips:
            v = verdicts[chip.det_id]
            before = len(chip.shown_text)
            chip.show(v.tripped, v.step)
            grew = grew or len(chip.shown_text) != before
        if grew:  # "● exfiltration @4" is wider than "○ exfiltration": it may need another row
            self.call_after_refresh(self._layout)
