"""The branch tree of an episode: each branch's parent, fork step, agent, belief and behaviours.
Textual-free (the TUI's branch tree and the compare picker show these)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .episode import Episode
from .state import BranchState
from .steps import count_steps
from .summary import summary


@dataclass(frozen=True)
class BranchInfo:
    id: str
    label: str
    parent: str | None
    fork_step: int | None  # the parent's step it forked after (None: the root)
    agent: str
    monitored: bool  # what the agent believes at the branch's end
    steps: int
    ended: str | None
    behaviours: list[str] = field(default_factory=list)

    def short(self) -> str:
        """For a tree row: “label”, belief, where it forked, the behaviours."""
        label = f" “{self.label}”" if self.label and self.label != self.id else ""
        belief = "◉" if self.monitored else "◌"
        origin = f" · at step {self.fork_step}" if self.parent is not None else ""
        shows = ", ".join(b.replace("_", " ") for b in self.behaviours) or "nothing flagged"
        return f"{belief} {self.id}{label}{origin} · {self.steps} steps · {shows}"

    def line(self) -> str:
        """One line: “label”, where it forked, agent, belief, steps, the end and the behaviours."""
        label = f" “{self.label}”" if self.label and self.label != self.id else ""
        origin = f" · from {self.parent} at step {self.fork_step}" if self.parent is not None else ""
        end = f" · ended: {self.ended.replace('_', ' ')}" if self.ended else ""
        shows = ", ".join(b.replace("_", " ") for b in self.behaviours) or "no behaviour flagged"
        belief = "◉ monitored" if self.monitored else "◌ UNMONITORED"
        return f"{self.id}{label}{origin} · {self.agent} · {belief} · {self.steps} steps{end} · {shows}"


def branch_info(episode: Episode, branch_id: str, state: BranchState | None = None) -> BranchInfo:
    b = episode.branches[branch_id]
    s = summary(episode, state or episode.replay(branch_id), branch_id)
    fork_step = count_steps(episode.events(b.parent)[: b.fork_at]) if b.parent is not None else None
    return BranchInfo(b.id, b.label, b.parent, fork_step, s["agent"], s["monitoring"] == "on", s["steps"], s["ended"],
                      list(s["behaviours"]))


def branch_tree(episode: Episode, states: dict[str, BranchState] | None = None) -> list[tuple[int, BranchInfo]]:
    """Every branch as ``(depth, info)``, each parent before its children (forks in creation order)."""
    states = states or {}
    out: list[tuple[int, BranchInfo]] = []

    def walk(bid: str, depth: int) -> None:
        out.append((depth, branch_info(episode, bid, states.get(bid))))
        for child in episode.children(bid):
            walk(child.id, depth + 1)

    roots = [b.id for b in episode.branches.values() if b.parent is None or b.parent not in episode.branches]
    for root in roots:
        walk(root, 0)
    return out


def rename(episode: Episode, branch_id: str, label: str) -> Any:
    """Give a branch a label (empty: back to its id)."""
    episode.branches[branch_id].label = label.strip()
    return episode.branches[branch_id]
