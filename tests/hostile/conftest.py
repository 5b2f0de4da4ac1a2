"""The hostile corpus runs inside a canary: nothing it does may write outside the test's own
folder. A sentinel folder (created before the corpus runs) and the repository's files
(tracked and untracked, as git sees them) must be exactly as they were afterwards."""

from __future__ import annotations

import hashlib
import signal
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _repo_state() -> dict[str, str]:
    out = subprocess.run(["git", "ls-files", "-m", "-o", "--exclude-standard", "-z"], cwd=REPO, capture_output=True,
                         check=True).stdout.decode("utf-8", "surrogateescape")
    state = {}
    for name in filter(None, out.split("\0")):
        p = REPO / name
        state[name] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "(gone)"
    return state


def _listing(root: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(root)), p.stat().st_size) for p in root.rglob("*"))


@pytest.fixture(scope="module")
def canary(tmp_path_factory):
    sentinel = tmp_path_factory.mktemp("sentinel")
    (sentinel / "keep.txt").write_text("untouched\n")
    before, listing = _repo_state(), _listing(sentinel)
    yield sentinel
    assert _listing(sentinel) == listing, "the hostile corpus wrote into the sentinel folder"
    assert _repo_state() == before, "the hostile corpus changed files in the repository"
    assert not Path("/tmp/pwned").exists()


class Hang(Exception):
    pass


@pytest.fixture
def deadline():
    """``with deadline(seconds):`` fails the test (instead of hanging the suite) past ``seconds``."""
    from contextlib import contextmanager

    @contextmanager
    def limit(seconds: float):
        def on_alarm(signum, frame):
            raise Hang(f"still running after {seconds} s")

        old = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)

    return limit
