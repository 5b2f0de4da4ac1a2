"""The one atomic writer: a temp file beside the target, fsync, rename, fsync the folder.

Temp files are named ``.<target name>.<random>.tmp``: nothing lists them as
saves, and a temp file left by a killed process is removed the next time its
folder is written or listed (``clean_stale_temps``). Imports nothing of the
playground.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path
from typing import Callable

TEMP_SUFFIX = ".tmp"
STALE_AFTER = 60.0  # seconds; an atomic write takes milliseconds, so an older temp file is a leftover
_SURROGATE = re.compile("[\ud800-\udfff]")
_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.[A-Za-z0-9_]{8}\.tmp$")  # what mkstemp makes below


def fsync_dir(folder: Path) -> None:
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def atomic_write(path: Path, text: str | bytes) -> None:
    """Replace ``path`` with ``text`` so that a reader sees the old file or the new one, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(path.parent, lambda target: target == path.name)
    data = _encode(text) if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a save or settings file is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(path.parent)


def _encode(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (from a model, say) becomes U+FFFD rather than failing the write
        return _SURROGATE.sub("\ufffd", text).encode("utf-8")


def clean_stale_temps(folder: Path, targets: Callable[[str], bool] | None = None, older_than: float = STALE_AFTER) -> int:
    """Remove temp files an interrupted atomic write left in ``folder`` (only those whose target name
    ``targets`` accepts, when given). Returns how many."""
    removed = 0
    cutoff = time.time() - older_than
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        if m is None or (targets is not None and not targets(m.group("target"))):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            pass
    return removed
