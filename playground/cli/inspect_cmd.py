"""The Inspect AI side of the headless verbs (``export --format inspect``, ``import FILE.eval``): thin
wrappers over ``playground.interop`` that turn every failure into a one-line error."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..interop import InspectMissing, InteropError, require_inspect
from .common import fail, print_json
from .output import echo


def _require() -> None:
    try:
        require_inspect()
    except InspectMissing as exc:
        fail(str(exc))


def export_inspect(source: Path, output: Path | None, branch: str | None) -> None:
    if output is None:
        fail("--format inspect writes a log file: pass -o FILE.eval")
    if branch:
        fail("--format inspect exports every branch (one sample each); drop --branch")
    _require()
    from ..interop.inspect_export import export

    try:
        log = export(source, output)
    except InteropError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    echo(f"wrote {output} ({len(log.samples or [])} sample(s))", err=True)
