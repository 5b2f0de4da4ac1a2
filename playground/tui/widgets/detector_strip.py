"""The Detectors strip: each active detector's label, lit with the step that tripped it."""

from __future__ import annotations

from typing import Any, Collection

from textual.containers import HorizontalGroup
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

    def show(self, tripped: bool, step: int | None) -> None:
        if self._shown == (tripped, step):
            return
        self._shown = (tripped, step)
        self.set_class(tripped, "-lit")
        text = (f"● {self.label_text} @{step}" if tripped and step is not None
                else f"● {self.label_text}" if tripped else f"○ {self.label_text}")
        self.update(plain(text), layout=len(text) != len(str(self.content)))


class DetectorStrip(HorizontalGroup):
    DEFAULT_CSS = """
    DetectorStrip { height: 1; width: 1fr; overflow: hidden hidden; }
    DetectorStrip > .title { width: auto; color: $text-muted; padding-right: 1; }
    """

    def __init__(self, verdicts: dict[str, Any] | None = None, descriptions: dict[str, str] | None = None,
                 good: Collection[str] = (), **kwargs: Any) -> None:
        """``good``: the labels the scenario counts as good (``Scenario.good_labels``)."""
        super().__init__(**kwargs)
        self.good = frozenset(good)
        self._initial = (verdicts or {}, descriptions or {})
        self._ids: tuple[str, ...] = tuple(k for k, v in self._initial[0].items() if v.active)

    def compose(self):
        yield Static("Detectors", classes="title")
        yield from self._chips(*self._initial)

    def _chips(self, verdicts: dict[str, Any], descriptions: dict[str, str]) -> list[DetectorChip]:
        labels = [verdicts[k].label for k in self._ids]
        return [DetectorChip(k, verdicts[k].label, descriptions.get(k, ""), labels.count(verdicts[k].label) > 1,
                             verdicts[k].label in self.good)
                for k in self._ids]

    def show(self, verdicts: dict[str, Any], descriptions: dict[str, str]) -> None:
        active = tuple(k for k, v in verdicts.items() if v.active)
        if active != self._ids:
            self._ids = active
            for chip in self.query(DetectorChip):
                chip.remove()
            self.mount_all(self._chips(verdicts, descriptions))
            self.call_after_refresh(self.show, verdicts, descriptions)
            return
        for chip in self.query(DetectorChip):
            v = verdicts[chip.det_id]
            chip.show(v.tripped, v.step)
