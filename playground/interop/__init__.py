"""Inspect AI interop (the optional ``inspect`` extra): episodes out as ``.eval`` logs, Inspect logs in
as steppable episodes, and a scenario as the Inspect task ``playground/scenario`` with the model
provider ``playground`` for scripted policies.

Nothing here imports ``inspect_ai`` at import time: ``import playground`` (and this package) stays
light, and every entry point calls ``require_inspect()`` first, which says how to install the extra
when it is missing.
"""

from __future__ import annotations

INSTALL_HINT = ("Inspect AI is not installed; it comes with the optional extra: "
                "pip install -e '.[inspect]' (or, hash-locked: pip install -r requirements-inspect.lock)")


class InspectMissing(Exception):
    """inspect_ai is not importable; the message says how to install it."""


class InteropError(Exception):
    """A log or save that cannot cross over; the message names the file and what is wrong."""


def require_inspect() -> None:
    try:
        import inspect_ai  # noqa: F401
    except ImportError:
        raise InspectMissing(INSTALL_HINT) from None
