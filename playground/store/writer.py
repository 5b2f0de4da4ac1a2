"""Autosave by appending: a session listener that keeps the save open and, after
each event, writes only what is new (see ``records``) — never a rewrite while
an episode runs, so a save costs the same at step 10 and step 10,000.

Each batch of records is written straight to the file (unbuffered), so a
``kill -9`` loses at most the record being written. ``fsync`` — what makes the
records survive a power cut — costs about a millisecond or more per call, so it
is coalesced: at most once per ``fsync_every`` seconds while records arrive, and
always on ``flush()`` and ``close()`` (the end of a run, ctrl+s, leaving the
screen).

The first write of a writer replaces the file atomically with the whole
episode when the file is not a clean version-2 save of this very episode (a
new save, a version-1 save, one with a torn last record, or one changed since
it was read); after that, and for a save loaded cleanly, it only appends. A
save that cannot be written is reported in ``error`` (and raised as
``SaveWriteError`` when ``strict``); the episode in memory is untouched, and
``retry()`` or a writer on another path saves it whole again.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ..episode import Episode
from ..atomic import atomic_write
from .errors import SaveWriteError
from .records import Written, dumps, encode
from .redact import secrets

FSYNC_EVERY = 0.25  # seconds between fsyncs while records arrive


def write_error(path: Path, exc: OSError) -> str:
    return f"cannot write the save {path}: {exc.strerror or exc}"


class SaveWriter:
    def __init__(self, path: Path, *, strict: bool = False, fsync_every: float = FSYNC_EVERY):
        self.path = Path(path)
        self.strict = strict
        self.fsync_every = fsync_every
        self.error: str | None = None
        self.appends = 0  # batches appended (a test reads this)
        self.rewrites = 0  # whole-file writes
        self._secrets = secrets()
        self._written: Written | None = None
        self._rewrite = True
        self._fh: Any = None
        self._dirty = False
        self._last_fsync = 0.0

    # -- as a session listener ------------------------------------------------------------
    def __call__(self, session: Any, _event: Any = None) -> None:
        self.sync(session.episode)

    def sync(self, episode: Episode) -> bool:
        """Bring the file up to ``episode``. False (and ``error`` says why) when it cannot be written."""
        if self.error is not None:
            return False
        try:
            if self._written is None:
                self._adopt(episode)
            assert self._written is not None
            records = self._written.diff(episode)
            if self._rewrite:
                if records or not self.path.exists():
                    self._write_whole(episode)
            elif records:
                self._append(records)
                self._maybe_fsync()
        except OSError as exc:
            return self._fail(exc)
        return True

    @property
    def dirty(self) -> bool:
        """Records written but not yet fsynced."""
        return self._dirty

    def flush(self, episode: Episode | None = None) -> bool:
        """Write what is new (when given the episode) and fsync now."""
        if episode is not None and not self.sync(episode):
            return False
        if self.error is not None:
            return False
        try:
            self._fsync()
        except OSError as exc:
            return self._fail(exc)
        return True

    def close(self, episode: Episode | None = None) -> bool:
        ok = self.flush(episode)
        if self._fh is not None:
            try:
                self._fh.close()
            except OSError:
                pass
            self._fh = None
        return ok

    def retry(self) -> None:
        """Try again after an error: the next sync writes the whole episode."""
        self.error = None

    # -- inside ---------------------------------------------------------------------------
    def _adopt(self, episode: Episode) -> None:
        origin = episode.origin
        if origin is not None and _same(origin.path, self.path):
            self._written = origin.written.copy()
            self._rewrite = not origin.appendable
        else:
            self._written, self._rewrite = Written(), True

    def _write_whole(self, episode: Episode) -> None:
        self._close_fh()
        text, written = dumps(episode, self._secrets)
        atomic_write(self.path, text)
        self._written, self._rewrite = written, False
        self._dirty, self._last_fsync = False, time.monotonic()
        self.rewrites += 1

    def _append(self, records: list[tuple[str, dict[str, Any]]]) -> None:
        data = memoryview("".join(encode(t, r, self._secrets) for t, r in records).encode("utf-8"))
        if self._fh is None:
            self._fh = open(self.path, "ab", buffering=0)
        while data:
            n = self._fh.write(data)
            data = data[n:]
        self._dirty = True
        self.appends += 1

    def _maybe_fsync(self) -> None:
        if self._dirty and time.monotonic() - self._last_fsync >= self.fsync_every:
            self._fsync()

    def _fsync(self) -> None:
        if self._dirty and self._fh is not None:
            os.fsync(self._fh.fileno())
        self._dirty, self._last_fsync = False, time.monotonic()

    def _close_fh(self) -> None:
        if self._fh is not None:
            try:
                self._fh.close()
            except OSError:
                pass
            self._fh = None

    def _fail(self, exc: OSError) -> bool:
        self._close_fh()
        self.error = write_error(self.path, exc)
        self._written, self._rewrite, self._dirty = Written(), True, False  # what the file holds is unknown now
        if self.strict:
            raise SaveWriteError(self.error) from None
        return False


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).absolute() == Path(b).absolute()
