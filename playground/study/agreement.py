"""The agreement report: for each imported transcript, the study's own flags
beside our detectors' verdicts on the replay in our world.

Which detectors answer to which flag is data (``agreement:`` in
``study_map.yaml``): by label or by a regex on the detector id. A flag whose
scenario has no such active detector is reported as having no counterpart, never
guessed; flags the table does not list are shown as not compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..episode.detectors import as_number, threshold_side
from ..scenario.patterns import PatternError, PatternTimeout, compile_pattern, search
from ..scenario.rules import ReportedScore, iter_rules
from .importer import Imported, ImportFailure, divergences, import_file
from .mapping import MappingError, load_table, norm

CELLS = ("both", "study_only", "ours_only", "neither", "no_counterpart", "unreadable")
NUMERIC_CELLS = ("equal", "differs", "no_counterpart", "unreadable")


def transcript_files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.suffix in (".json", ".jsonl") and f.is_file())
        else:
            out.append(p)
    return out


def _ids_pattern(text: Any) -> Any:
    """A study map's ``ids`` regex (the map may be a user's file): on the regex engine, bounded."""
    try:
        return compile_pattern(str(text))
    except PatternError as exc:
        raise MappingError(f"the study map's ids pattern {text!r} is not usable: {exc}") from None


def _hit(pattern: Any, detector_id: str) -> bool:
    try:
        return search(pattern, detector_id) is not None
    except PatternTimeout:
        return False


def _study_bool(value: Any, spec: dict[str, Any]) -> bool | None:
    trues = {norm(v) for v in spec.get("true_values", [True])}
    falses = {norm(v) for v in spec.get("false_values", [False])}
    if norm(value) in trues:
        return True
    if norm(value) in falses:
        return False
    return None


def _reported_score(imp: Imported) -> tuple[float | None, bool]:
    """Our reading of the score the agent reported (the scenario's first ``reported_score`` rule, as
    its detectors read it), and whether the scenario has such a rule at all."""
    state = imp.state
    rules = [r for _, _, rule, _ in state.detectors.items for r in iter_rules(rule) if isinstance(r, ReportedScore)]
    if not rules:
        return None, False
    return state.detectors.reported(rules[0], state.facts, state.world, state.initial), True


# How the study writes "no score was read" (a run that never reported one): compared as our reading none.
NO_SCORE = ("false", "null", "none", "")
_SIDES = {"above_threshold": "above", "at_threshold": "same", "below_threshold": "below"}


def _threshold_row(row: dict[str, Any], flag: str, value: Any, variable: str, imp: Imported) -> dict[str, Any]:
    """The study's above / same / below: our reported score against the run's pass mark (the
    scenario variable ``variable``)."""
    ours, has_rule = _reported_score(imp)
    mark = as_number(imp.state.detectors.variables.get(variable))
    study = norm(value)
    side = None if ours is None or mark is None else _SIDES[threshold_side(ours, mark)]
    row.update(study=study, ours=side, detectors=[], numeric=True)
    if not has_rule or mark is None:
        what = "reported-score rule" if not has_rule else f"numeric variable {variable!r}"
        return {**row, "cell": "no_counterpart", "note": f"{imp.episode.loaded.ref} has no {what}"}
    if study in NO_SCORE:  # the study read no score (a run that never got as far as a report)
        study = row["study"] = None
    elif study not in ("above", "same", "below"):
        return {**row, "cell": "unreadable", "note": f"the study's {flag} {value!r} is not above, same or below"}
    row["agree"] = side == study
    row["cell"] = "equal" if row["agree"] else "differs"
    row["note"] = f"reported {ours:g} against {mark:g}" if ours is not None else "our rule reads no reported score"
    return row


def _flag_row(flag: str, value: Any, spec: dict[str, Any], imp: Imported, detectors: dict[str, Any],
              evaluations: dict[str, bool]) -> dict[str, Any]:
    row: dict[str, Any] = {"flag": flag, "study_value": value}
    if spec.get("reported_vs_threshold"):
        return _threshold_row(row, flag, value, str(spec["reported_vs_threshold"]), imp)
    if spec.get("evaluation"):
        eid = str(spec["evaluation"])
        study = _study_bool(value, spec)
        row.update(study=study, detectors=[eid])
        if eid not in evaluations:
            return {**row, "ours": None, "cell": "no_counterpart",
                    "note": f"{imp.episode.loaded.ref} has no active evaluation {eid!r}"}
        row["ours"] = ours = evaluations[eid]
        if study is None:
            return {**row, "cell": "unreadable",
                    "note": f"the study's {flag} {value!r} is neither a listed true nor false value"}
        row["cell"] = {(True, True): "both", (True, False): "study_only", (False, True): "ours_only",
                       (False, False): "neither"}[(study, ours)]
        row["agree"] = study == ours
        return row
    if spec.get("reported_score"):
        ours, has_rule = _reported_score(imp)
        study = as_number(value)
        row.update(study=study, ours=ours, detectors=[], numeric=True)
        if not has_rule:
            row.update(cell="no_counterpart", note=f"{imp.episode.loaded.ref} has no reported-score rule")
        elif study is None and norm(value) not in NO_SCORE:
            row.update(cell="unreadable", note=f"the study's {flag} {value!r} is not a number")
        elif study is None:  # the study read no score: we agree if we read none either
            row["agree"] = ours is None
            row["cell"] = "equal" if row["agree"] else "differs"
        else:
            row["agree"] = ours is not None and abs(ours - study) < 0.01
            row["cell"] = "equal" if row["agree"] else "differs"
            if ours is None:
                row["note"] = "our rule reads no reported score in what the agent wrote, said or reasoned"
        return row
    labels = set(spec.get("labels") or [])
    pattern = _ids_pattern(spec["ids"]) if spec.get("ids") else None
    matched = {k: d for k, d in detectors.items() if d["label"] in labels or (pattern is not None and _hit(pattern, k))}
    study = _study_bool(value, spec)
    row["study"] = study
    row["detectors"] = sorted(matched)
    if not matched:
        wanted = ", ".join(sorted(labels)) + (f"{' or ' if labels else ''}ids /{spec['ids']}/" if pattern else "")
        row.update(ours=None, cell="no_counterpart",
                   note=f"no active detector in {imp.episode.loaded.ref} answers to {flag} ({wanted})")
        return row
    tripped = [d for d in matched.values() if d["tripped"]]
    ours = bool(tripped)
    row["ours"] = ours
    row["step"] = min(d["step"] for d in tripped) if tripped and all(d["step"] is not None for d in tripped) else None
    if study is None:
        row.update(cell="unreadable", note=f"the study's {flag} {value!r} is neither a listed true nor false value")
        return row
    row["cell"] = {(True, True): "both", (True, False): "study_only", (False, True): "ours_only",
                   (False, False): "neither"}[(study, ours)]
    row["agree"] = study == ours
    return row


def compare_one(imp: Imported, table: dict[str, Any]) -> dict[str, Any]:
    specs = table.get("agreement") or {}
    flags = imp.recording.flags
    state = imp.state
    detectors = {k: v.to_dict() for k, v in state.verdicts.items() if v.active}
    evaluations = state.detectors.evaluate_run(state.world, state.initial, state.facts)
    rows = [_flag_row(flag, flags[flag], spec, imp, detectors, evaluations) for flag, spec in specs.items() if flag in flags]
    divs = divergences(imp.episode, "main", state)
    for row in rows:
        if row.get("agree") is False and divs:
            first = divs[0]
            row["hint"] = (f"our world first answered differently at step {first['step']} ({first['tool']}); "
                           f"{len(divs)} divergent result{'s' if len(divs) != 1 else ''} in all")
    return {"source": str(imp.recording.path), "scenario": imp.episode.loaded.ref, "recorded_model": imp.recording.model,
            "steps": state.step, "ended": state.ended, "divergences": len(divs), "flags": rows,
            "not_compared": sorted(k for k in flags if k not in specs), "warnings": imp.warnings}


def agreement(paths: list[Path], *, table: dict[str, Any] | None = None, **import_kwargs: Any) -> dict[str, Any]:
    """Import every transcript under ``paths`` (nothing is saved) and compare flags with detectors."""
    table = table if table is not None else load_table()
    files, errors = [], []
    for f in transcript_files(paths):
        try:
            imp = import_file(f, table=table, **import_kwargs)
        except ImportFailure as exc:
            errors.append({"source": str(f), "error": str(exc)})
            continue
        files.append(compare_one(imp, table))
    confusion: dict[str, dict[str, int]] = {}
    scores: dict[str, dict[str, int]] = {}
    disagreements = []
    for entry in files:
        for row in entry["flags"]:
            if row.get("numeric"):
                cells = scores.setdefault(row["flag"], {c: 0 for c in NUMERIC_CELLS})
            else:
                cells = confusion.setdefault(row["flag"], {c: 0 for c in CELLS})
            cells[row["cell"]] += 1
            if row.get("agree") is False:
                disagreements.append({"source": entry["source"], "flag": row["flag"], "study": row["study_value"],
                                      "behaviour": row.get("study"), "ours": row["ours"], "step": row.get("step"),
                                      "detectors": row["detectors"], "numeric": bool(row.get("numeric")),
                                      "hint": row.get("hint")})
    return {"files": files, "errors": errors, "confusion": confusion, "scores": scores, "disagreements": disagreements,
            "per_flag": {**{f: _agreement(c["both"] + c["neither"], c["study_only"] + c["ours_only"]) for f, c in confusion.items()},
                         **{f: _agreement(c["equal"], c["differs"]) for f, c in scores.items()}},
            "total": _agreement(sum(c["both"] + c["neither"] for c in confusion.values()) + sum(c["equal"] for c in scores.values()),
                                sum(c["study_only"] + c["ours_only"] for c in confusion.values())
                                + sum(c["differs"] for c in scores.values()))}


def _agreement(agree: int, disagree: int) -> dict[str, Any]:
    """How many comparable readings agree (a flag with no counterpart or an unreadable value is not comparable)."""
    n = agree + disagree
    return {"agree": agree, "comparable": n, "rate": round(agree / n, 4) if n else None}


def _pct(a: dict[str, Any]) -> str:
    return f"{a['agree']}/{a['comparable']}" + (f" ({a['rate']:.0%})" if a["rate"] is not None else "")


def _raw(value: Any) -> str:
    """A study value as the file wrote it (JSON spelling)."""
    return json.dumps(value) if isinstance(value, (bool, type(None))) else (f"{value:g}" if isinstance(value, float) else str(value))


def _mark(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def render_text(report: dict[str, Any]) -> str:
    """The report as aligned plain text: per file, the confusion table, the disagreements."""
    lines: list[str] = []
    for entry in report["files"]:
        lines.append(f"{Path(entry['source']).name}  →  {entry['scenario']} · {entry['recorded_model']} · "
                     f"{entry['steps']} steps · ended {entry['ended']} · {entry['divergences']} divergent results")
        if not entry["flags"]:
            lines.append("  (the file carries no evaluation flags to compare)")
            lines.append("")
            continue
        lines.append(f"  {'flag':<24}{'study says':<12}{'behaviour':<11}{'ours':<8}{'step':<6}detectors")
        for row in entry["flags"]:
            behaviour = "" if row.get("numeric") else _mark(row.get("study"))
            step = "" if row.get("step") is None else str(row["step"])
            detail = ", ".join(row["detectors"]) or row.get("note", "")
            flag = row["flag"] + ("" if row.get("agree", True) else "  ✗")
            lines.append(f"  {flag:<24}{_raw(row['study_value']):<12}{behaviour:<11}{_mark(row.get('ours')):<8}{step:<6}{detail}")
            if row["cell"] == "unreadable" and row.get("note"):
                lines.append(f"  {'':<22}{row['note']}")
        if entry["not_compared"]:
            lines.append(f"  not compared (no behaviour to match): {', '.join(entry['not_compared'])}")
        lines.append("")
    for err in report["errors"]:
        lines.append(f"error: {err['error']}")
    if report["errors"]:
        lines.append("")
    if report["confusion"]:
        lines.append("confusion (study × ours)")
        head = ["flag", "both", "study only", "ours only", "neither", "no counterpart", "unreadable", "agree"]
        lines.append(f"  {head[0]:<22}" + "".join(f"{h:>15}" for h in head[1:]))
        for flag, cells in report["confusion"].items():
            lines.append(f"  {flag:<22}" + "".join(f"{cells[c]:>15}" for c in CELLS)
                         + f"{_pct(report['per_flag'][flag]):>15}")
        lines.append("")
    for flag, cells in report.get("scores", {}).items():
        lines.append(f"{flag} (study vs our reading of the reported value): "
                     + ", ".join(f"{n} {c.replace('_', ' ')}" for c, n in cells.items() if n)
                     + f" · agree {_pct(report['per_flag'][flag])}")
        lines.append("")
    if report["confusion"] or report.get("scores"):
        lines.append(f"agreement in all: {_pct(report['total'])} comparable readings")
        lines.append("")
    if report["disagreements"]:
        lines.append("disagreements")
        for d in report["disagreements"]:
            where = f" (our detectors tripped at step {d['step']})" if d.get("step") is not None else ""
            if d.get("numeric"):
                what = f"the study read {_raw(d['study'])}, we read {_mark(d['ours'])}"
            else:
                what = (f"the study's {d['flag']}={_raw(d['study'])} means {_mark(d['behaviour'])}, "
                        f"our {', '.join(d['detectors'])} says {_mark(d['ours'])}")
            lines.append(f"  {Path(d['source']).name}: {d['flag']}: {what}{where}")
            if d.get("hint"):
                lines.append(f"    {d['hint']}")
    else:
        lines.append("no disagreements" if report["files"] else "no transcripts compared")
    return "\n".join(lines) + "\n"
