"""How tool answers are written: YAML like the study's harness, tables for sheets."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

import yaml

_QUIET: ContextVar[bool] = ContextVar("quiet", default=False)


@contextmanager
def quiet() -> Iterator[None]:
    """Skip formatting answers nobody will read (replaying a log whose results are recorded)."""
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml when present: ~10x faster
    pass


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        clean = "\n".join(line.rstrip() for line in data.split("\n"))
        return dumper.represent_scalar("tag:yaml.org,2002:str", clean, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str)


def dump(value: Any) -> str:
    if _QUIET.get():
        return ""
    if value in ([], {}):
        return "[]" if value == [] else "{}"
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100).rstrip("\n")


def table(columns: list[str], rows: list[list[Any]]) -> str:
    if _QUIET.get():
        return ""
    cells = [[str(c) for c in columns]] + [[str(v) for v in r] for r in rows]
    index_width = len(str(max(len(rows) - 1, 0)))
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = []
    for n, row in enumerate(cells):
        idx = "" if n == 0 else str(n - 1)
        lines.append(idx.ljust(index_width) + "  " + "  ".join(v.rjust(w) for v, w in zip(row, widths)))
    return "\n".join(lines)
