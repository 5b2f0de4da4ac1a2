"""The names of the tools the simulated world can run, as far as the scenario layer knows them.

The scenario layer imports nothing of ours, so the world package registers its toolbox here when
it is imported (every front end imports it before loading a scenario). With the names known,
loading a scenario reports a tool it offers that does not exist at that tool's own line, with a
"did you mean" — and not as its consequences (the policies that call the real name, which the
scenario then does not seem to offer). Without them (the scenario layer used on its own), the
callers' own toolbox check (``check_tools``) still reports the unknown tool.
"""

from __future__ import annotations

from typing import Iterable

_known: frozenset[str] = frozenset()


def register(names: Iterable[str]) -> None:
    global _known
    _known = _known | frozenset(names)


def known() -> frozenset[str]:
    return _known
