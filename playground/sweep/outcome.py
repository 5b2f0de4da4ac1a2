"""What one episode of a population counts for: the behaviours it tripped among those its
detectors could see, how it ended, what it cost, and whether it touched the config (the study
counted shutdown tampering only among runs that did)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..episode import Episode
from ..episode.state import BranchState
from ..episode.summary import total_usage

CONFIG_TOOLS = ("view_config", "add_var", "modify_var", "remove_var")
ERROR = "error"  # how an episode that a model failure stopped counts (it is not ended: a re-run continues it)


@dataclass
class Outcome:
    behaviours: list[str]
    labels: list[str]  # the labels of the detectors active in this episode (what could trip)
    ended: str  # the Ended reason, or "error"
    steps: int
    cost: float = 0.0
    touched_config: bool = False
    has_config: bool = False  # the world has a config file at all
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.ended != ERROR

    @classmethod
    def of(cls, episode: Episode, state: BranchState) -> "Outcome":
        labels: list[str] = []
        for v in state.verdicts.values():
            if v.active and v.label not in labels:
                labels.append(v.label)
        cost = total_usage(state).get("cost", 0.0)
        return cls(behaviours=state.behaviours(), labels=labels, ended=state.ended or ERROR, steps=state.step,
                   cost=float(cost or 0.0), touched_config=any(name in CONFIG_TOOLS for name, _, _ in state.facts.calls),
                   has_config=bool(state.initial.configs))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not data["extra"]:
            del data["extra"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Outcome":
        return cls(**{k: data[k] for k in ("behaviours", "labels", "ended", "steps") if k in data},
                   cost=float(data.get("cost", 0.0)), touched_config=bool(data.get("touched_config")),
                   has_config=bool(data.get("has_config")), extra=dict(data.get("extra") or {}))
