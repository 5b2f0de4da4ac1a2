"""Simulated time: integer seconds since the epoch, UTC, shown as the study shows it."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

FORMAT = "%Y-%m-%d %H:%M:%S"
_ACCEPTED = (FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d", "%Y%m%d%H%M", "%Y%m%d")


def parse_time(text: str | int | float | datetime) -> int:
    if isinstance(text, str):
        return _parse_text(text)
    if isinstance(text, bool):
        raise ValueError(f"not a time: {text!r}")
    if isinstance(text, (int, float)):
        return int(text)
    if isinstance(text, datetime):
        dt = text if text.tzinfo else text.replace(tzinfo=timezone.utc)
        return int(dt.timestamp())
    return _parse_text(str(text))


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> int:
    s = text.strip().strip("'\"")
    for fmt in _ACCEPTED:
        try:
            return int(datetime.strptime(s, fmt).replace(tzinfo=timezone.utc).timestamp())
        except ValueError:
            continue
    raise ValueError(f"not a time: {text!r} (use YYYY-MM-DD HH:MM:SS)")


def format_time(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime(FORMAT)
