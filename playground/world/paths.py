"""Path resolution inside a virtual host: nothing a model writes can leave it."""

from __future__ import annotations

import posixpath

MAX_PATH = 1024


class PathError(ValueError):
    pass


def normalize(path: str, cwd: str = "") -> str:
    """A canonical relative path inside the host ('' is the root).

    ``..`` never climbs above the root, absolute paths are rooted at the host,
    control characters are refused. The real filesystem is never consulted.
    """
    if not isinstance(path, str):
        raise PathError(f"path must be a string, not {type(path).__name__}")
    if len(path) > MAX_PATH:
        raise PathError("path too long")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        raise PathError("path contains control characters")
    joined = path if path.startswith("/") else posixpath.join("/" + cwd, path)
    parts: list[str] = []
    for part in joined.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)
