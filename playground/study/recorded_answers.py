"""Reading what a recorded harness answered, back into data: YAML records, Python-literal dicts,
pandas-style tables, ``ls -l`` lines, dates and a call's arguments. Every reader is bounded (the
answers are untrusted) and gives None for text that is not what it reads."""

from __future__ import annotations

import ast
import datetime as dt
import re
from typing import Any

import yaml

from ..limits import YAML
from ..scenario.yaml_bounds import safe_load
from ..world.clock import parse_time

LS_LINE = re.compile(r"^(?P<kind>[-dlbcps])[rwxsStT-]{9}[.+@]?\s+\d+\s+\S+\s+\S+\s+(?P<size>\d+)\s+"
                     r"(?P<month>[A-Z][a-z]{2})\s+(?P<day>\d{1,2})\s+(?P<clock>\d{1,2}:\d{2}|\d{4})\s+(?P<name>.+)$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HEADER_CELL = re.compile(r"\S+(?: \S+)*")
_INDEX = re.compile(r"\d+(?= )")


def read_yaml(text: str | None) -> Any:
    if not text or len(text) > YAML.max_output_parse_chars:
        return None
    try:
        return safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None


def read_pydict(text: str | None) -> dict[str, Any] | None:
    text = (text or "").strip()
    if not text.startswith("{") or len(text) > YAML.max_output_parse_chars:
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def read_mapping(text: str | None) -> dict[str, Any] | None:
    value = read_yaml(text)
    return value if isinstance(value, dict) and value else None


def read_time(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return parse_time(value)
    if isinstance(value, dt.date):
        return parse_time(value.isoformat())
    try:
        return parse_time(str(value))
    except ValueError:
        return None


def read_records(text: str | None) -> list[dict[str, Any]] | None:
    value = read_yaml(text)
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return None
    return [r for r in value if isinstance(r, dict)]


def parse_table(text: str) -> tuple[list[str], list[list[str]]] | None:
    """A pandas-style table (a header of right-aligned column names over an index column) back into
    columns and rows of text. None for text that is not one."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if len(lines) < 1:
        return None
    header = lines[0]
    spans = [(m.group(0), m.end()) for m in _HEADER_CELL.finditer(header)]
    if not spans:
        return None
    columns = [name for name, _ in spans]
    rows = []
    for line in lines[1:]:
        index = _INDEX.match(line)
        if index is None:
            return None
        cells, left = [], index.end()
        for _, end in spans:
            cells.append(line[left:end].strip())
            left = end
        if line[left:].strip():  # a cell wider than the header allows: not a table we can read back
            return None
        rows.append(cells)
    return columns, rows


def ls_time(month: str, day: str, clock: str, year: int) -> int | None:
    if month not in _MONTHS:
        return None
    hour, minute = (int(x) for x in clock.split(":")) if ":" in clock else (0, 0)
    y = int(clock) if ":" not in clock else (year or 2026)
    try:
        return int(dt.datetime(y, _MONTHS.index(month) + 1, int(day), hour, minute, tzinfo=dt.timezone.utc).timestamp())
    except ValueError:
        return None


def call_args(call: dict[str, Any]) -> dict[str, Any]:
    from ..world.tools.registry import ToolError, parse_arguments

    try:
        return parse_arguments(call.get("arguments"))
    except ToolError:
        return {}
