"""Which saved episode to offer to resume: the newest one that has not ended. Textual-free."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LOOK_AT = 5  # newest saves to open; an older unfinished one is in the saves list (o)


@dataclass(frozen=True)
class ResumeOffer:
    path: Path
    title: str
    agent: str
    step: int
    branch: str


def find_unfinished(save_dir: Path, look_at: int = LOOK_AT) -> ResumeOffer | None:
    from ..episode.events import Ended
    from ..episode.steps import count_steps
    from ..store import SaveError, list_saves, load

    for path in list_saves(save_dir)[:look_at]:
        try:
            episode = load(path)
        except (SaveError, OSError, ValueError):
            continue
        events = episode.events()
        if not events or any(isinstance(e, Ended) for e in events):
            continue  # nothing happened yet, or it ended: nothing to resume
        branch = episode.branches[episode.current]
        return ResumeOffer(path, episode.scenario.title, branch.agent or episode.agent, count_steps(events),
                           episode.current)
    return None
