"""One writer per save: an ``flock`` on a hidden sidecar file (``.<save name>.lock``).

A second playground that opens the same save gets ``False`` from ``acquire``
and should open it read-only (and say so). The lock goes with the process, so
a crashed playground never leaves a save locked. Reading a save (replay,
export) needs no lock.
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locking
    fcntl = None  # type: ignore[assignment]


def lock_path(save_path: Path) -> Path:
    p = Path(save_path)
    return p.with_name(f".{p.name}.lock")


class SaveLock:
    def __init__(self, save_path: Path):
        self.path = lock_path(save_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """True: this process may write the save. False: another one holds it.
        Raises OSError when the lock cannot even be created (a read-only folder)."""
        if self._fd is not None:
            return True
        if fcntl is None:  # pragma: no cover
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(5):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            except OSError:
                os.close(fd)
                raise
            try:  # a holder that was closing may have removed the file we locked: lock the one now there
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._fd = fd
                return True
            os.close(fd)
        return False

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.unlink(self.path)  # while still holding it, so no one locks a file about to vanish
        except OSError:
            pass
        os.close(self._fd)
        self._fd = None
