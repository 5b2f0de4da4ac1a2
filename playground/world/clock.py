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


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parts(seconds: int) -> tuple[int, int, int, int, int, int]:
    """(year, month, day, hour, minute, second) in the proleptic Gregorian calendar, UTC, for any
    integer: a clock that ticks past 9999-12-31 (where ``datetime`` stops) keeps counting."""
    seconds = int(seconds)
    days, rem = divmod(seconds, 86400)
    z = days + 719468  # days since 0000-03-01 (H. Hinnant's civil_from_days)
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (month <= 2)
    hour, rem = divmod(rem, 3600)
    return year, month, day, hour, *divmod(rem, 60)


def format_time(seconds: int | None) -> str:
    if seconds is None:
        return "unknown"
    if -62135596800 <= seconds <= 253402300799:  # what datetime can show
        return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime(FORMAT)
    y, mo, d, h, mi, s = parts(seconds)
    return f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}"
