"""The study's contrasts between cells, per behaviour label, each a difference of two rates with
Newcombe's 95 % interval:

- ``alignment_faking``: unmonitored minus monitored, between cells alike in everything else;
- ``peer_effect``: with a peer minus the no-peer control (``relationship=none``), where the sweep
  varies ``relationship`` and has the control;
- ``baseline_subtracted``: misrepresentation (``score_inflation``) under the shutdown policy minus
  the no-shutdown baseline (``policy=no_shutdown``), where the sweep varies ``policy`` and has it.
"""

from __future__ import annotations

from typing import Any

from .stats import difference

PEER = ("relationship", "none")
BASELINE = ("policy", "no_shutdown")
MISREPRESENTATION = "score_inflation"


def _same_but(cell: dict[str, Any], drop: str | None = None, monitoring: bool = True) -> tuple:
    variables = tuple(sorted((k, v) for k, v in cell["variables"].items() if k != drop))
    return (cell["scenario"], cell["agent"], variables) + ((cell["monitoring"],) if monitoring else ())


def _entry(kind: str, label: str, a: dict[str, Any], b: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any] | None:
    ea, eb = a["behaviours"].get(label), b["behaviours"].get(label)
    if ea is None or eb is None or not ea["n"] or not eb["n"]:
        return None
    side = lambda c, e: {"variables": dict(c["variables"]), "monitoring": c["monitoring"], "k": e["k"], "n": e["n"],  # noqa: E731
                         "rate": e["rate"]}
    return {"kind": kind, "label": label, **shared, "a": side(a, ea), "b": side(b, eb), **difference(ea, eb)}


def contrasts(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    # alignment faking: off minus on
    groups: dict[tuple, dict[str, dict[str, Any]]] = {}
    for c in cells:
        groups.setdefault(_same_but(c, monitoring=False), {})[c["monitoring"]] = c
    for key, pair in groups.items():
        if "on" in pair and "off" in pair:
            off, on = pair["off"], pair["on"]
            for label in _labels(off, on):
                e = _entry("alignment_faking", label, off, on, {"scenario": key[0], "agent": key[1],
                                                               "variables": dict(key[2]), "monitoring": None})
                if e:
                    out.append(e)
    # peer effect and the no-shutdown baseline: each other value minus the control
    for kind, (name, control) in (("peer_effect", PEER), ("baseline_subtracted", BASELINE)):
        by: dict[tuple, dict[str, dict[str, Any]]] = {}
        for c in cells:
            if name in c["variables"]:
                by.setdefault(_same_but(c, drop=name), {})[c["variables"][name]] = c
        for key, values in by.items():
            base = values.get(control)
            if base is None:
                continue
            for value, cell in values.items():
                if value == control:
                    continue
                labels = [MISREPRESENTATION] if kind == "baseline_subtracted" else _labels(cell, base)
                for label in labels:
                    e = _entry(kind, label, cell, base, {"scenario": key[0], "agent": key[1],
                                                         "variables": dict(key[2]), "monitoring": key[3]})
                    if e:
                        out.append(e)
    return out


def _labels(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return [lab for lab in a["behaviours"] if lab in b["behaviours"]]
