"""Problems in scenario files and where they sit: ``Problem`` (file, line, column, message),
``ScenarioError`` (one or more problems) and ``SourceMap`` (where each value of a YAML
document sits). The loader fills source maps; the loader, the checks and the linter report
problems through them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int  # 1-based
    col: int  # 1-based
    message: str

    def __str__(self) -> str:  # one line, whatever the message holds
        return f"{self.file}:{self.line}:{self.col}: {' '.join(self.message.splitlines())}"


class ScenarioError(Exception):
    """One or more problems in scenario files."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of a YAML document sits."""

    file: str
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    blocks: set[Path_] = field(default_factory=set)  # values written as block scalars (| or >)
    # For each block scalar: the file line (1-based) where each line of its value starts, and the
    # column its text starts at, so a problem on line n of the value is shown on its own line.
    block_lines: dict[Path_, tuple[tuple[int, ...], int]] = field(default_factory=dict)

    def locate(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        table = self.keys if key else self.values
        p = tuple(path)
        while p:
            if p in table:
                return table[p]
            if not key and p in self.keys:
                return self.keys[p]
            p = p[:-1]
        return self.values.get((), (1, 1))

    def problem(self, path: Path_, message: str, *, key: bool = False) -> Problem:
        line, col = self.locate(path, key=key)
        return Problem(self.file, line, col, message)
