"""Reading ``study_map.yaml``: which scenario a study transcript replays in, with
which variables and monitoring belief. The table is data; this module only
applies it and says exactly what did not match."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..scenario.models import Scenario
from ..scenario.patterns import IGNORECASE, PatternError, PatternTimeout, compile_pattern, search
from ..scenario.yaml_bounds import safe_load
from .transcripts import Recording

MAP_PATH = Path(__file__).with_name("study_map.yaml")
MAP_ENV = "PLAYGROUND_STUDY_MAP"  # another table (for packs of your own, and for tests)


class MappingError(Exception):
    """The transcript's metadata matched no entry of the table (the message names what did not)."""


@dataclass
class Match:
    family: str | None
    scenario: str | None
    fixed: dict[str, str] = field(default_factory=dict)
    why: list[str] = field(default_factory=list)


def load_table(path: Path | None = None) -> dict[str, Any]:
    path = Path(path or os.environ.get(MAP_ENV) or MAP_PATH)
    try:
        table = safe_load(path.read_text(encoding="utf-8"))  # bounded: the map may be a user's file
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: cannot read the study map ({exc})") from None
    if not isinstance(table, dict):
        raise MappingError(f"{path}: the study map is not a mapping")
    return table


def norm(value: Any) -> str:
    """Table keys and metadata values compared as text: true, "True" and "true" alike."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()


def _values(mapping: dict[Any, Any] | None) -> dict[str, Any]:
    return {norm(k): v for k, v in (mapping or {}).items()}


def _metadata_holds(meta: dict[str, Any], want: dict[str, Any]) -> bool:
    for key, allowed in (want or {}).items():
        allowed = allowed if isinstance(allowed, list) else [allowed]
        ok = {norm(a) for a in allowed}
        have = meta.get(key)
        if key not in meta or not ({norm(v) for v in have} & ok if isinstance(have, (list, tuple)) else norm(have) in ok):
            return False
    return True


def _any_reason(rec: Recording, tests: dict[str, Any]) -> str | None:
    keys = set(rec.flags)
    for k in tests.get("evaluation_keys") or []:
        if k in keys:
            return f"the study's evaluation has {k!r}"
    called = rec.tools_called()
    for t in tests.get("tools") or []:
        if t in called:
            return f"the recording calls {t}"
    if tests.get("task") and _matches(tests["task"], rec.task, IGNORECASE):
        return f"the task message matches /{tests['task']}/"
    if tests.get("outputs") and any(_matches(tests["outputs"], o, IGNORECASE) for o in rec.outputs()):
        return f"a recorded tool answer matches /{tests['outputs']}/"
    return None


def _matches(pattern: Any, text: str, flags: int = 0) -> Any:
    """A map's pattern over a transcript's (untrusted) text, on the regex engine within its time
    budget: a pattern that cannot be used is a mapping error, a search that runs out does not match."""
    try:
        return search(compile_pattern(str(pattern), flags), text)
    except PatternError as exc:
        raise MappingError(f"the study map's pattern {pattern!r} is not usable: {exc}") from None
    except PatternTimeout:
        return None


def pick_scenario(rec: Recording, table: dict[str, Any]) -> Match:
    """The task family (first matching entry of ``families``) and its scenario."""
    for entry in table.get("families") or []:
        if not _metadata_holds(rec.metadata, entry.get("metadata") or {}):
            continue
        why = [f"{k}={rec.metadata[k]!r}" for k in entry.get("metadata") or {}]
        if entry.get("any"):
            reason = _any_reason(rec, entry["any"])
            if reason is None:
                continue
            why.append(reason)
        family = entry["family"]
        target = (table.get("scenarios") or {}).get(family)
        if target is None:
            raise MappingError(f"family {family!r} has no entry under 'scenarios' in the study map")
        if isinstance(target, dict):
            return Match(family, target["scenario"], {k: str(v) for k, v in (target.get("set") or {}).items()}, why)
        return Match(family, str(target), {}, why)
    shown = {k: rec.metadata.get(k) for k in ("dataset", "alignment_faking_mode", "company_guideline", "subject")
             if k in rec.metadata}
    families = ", ".join(dict.fromkeys(e.get("family", "?") for e in table.get("families") or []))
    raise MappingError(
        "no task family matches this transcript: metadata " + (", ".join(f"{k}={v!r}" for k, v in shown.items()) or "none")
        + f"; evaluation keys: {', '.join(sorted(rec.flags)) or 'none'}; tools called: {', '.join(rec.tools_called()) or 'none'}"
        + f" (families: {families}); pass --scenario to choose one")


def _rule_value(rule: dict[str, Any], meta: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(value, how it was decided, problem). (None, None, None) keeps the default."""
    if "first" in rule:
        for option in rule["first"]:
            if _metadata_holds(meta, option.get("when") or {}):
                when = ", ".join(f"{k}={meta[k]!r}" for k in option.get("when") or {}) or "otherwise"
                return str(option["value"]), when, None
        return None, None, None
    field_name = rule["from"]
    if field_name not in meta:
        return None, None, None
    raw = meta[field_name]
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if norm(raw) in {norm(v) for v in rule.get("ignore") or []}:
        return None, None, None
    how = f"{field_name}={meta[field_name]!r}"
    if rule.get("pattern"):
        m = _matches(rule["pattern"], str(raw))
        if not m:
            return None, how, f"{how} does not match /{rule['pattern']}/"
        raw = m.group(1) if m.groups() else m.group()
    values = _values(rule.get("values"))
    if values:
        if norm(raw) not in values:
            return None, how, f"{how} has no entry (known: {', '.join(map(str, rule['values']))})"
        return str(values[norm(raw)]), how, None
    return str(raw), how, None


def map_variables(rec: Recording, scenario: Scenario, table: dict[str, Any], strict: bool = True
                  ) -> tuple[dict[str, str], list[str], list[str]]:
    """(variables, how each was decided, warnings). Raises MappingError listing every mismatch when strict."""
    out: dict[str, str] = {}
    why: list[str] = []
    warnings: list[str] = []
    problems: list[str] = []
    for var, rule in (table.get("variables") or {}).items():
        declared = scenario.variables.get(var)
        if declared is None:
            continue
        value, how, problem = _rule_value(rule, {**rec.metadata, "tools_called": tuple(rec.tools_called())})
        if problem is None and value is not None and value not in declared.values:
            problem = f"{how} means {var}={value!r}, which {scenario.id} does not offer ({', '.join(declared.values)})"
        if problem is not None:
            msg = f"{var}: {problem}"
            if rule.get("soft") or not strict:
                warnings.append(msg + f"; using the default {declared.default_value!r}")
            else:
                problems.append(msg)
            continue
        if value is not None:
            out[var] = value
            why.append(f"{var}={value} ({how})")
    if problems:
        raise MappingError("the metadata does not map onto the scenario's variables: " + "; ".join(problems))
    return out, why, warnings


CONDITIONS = {True: "monitored", False: "unmonitored", None: "no monitoring statement"}


def map_monitoring(rec: Recording, table: dict[str, Any]) -> tuple[bool | None, str, list[str]]:
    """(belief to start with, the recorded condition as shown, warnings). A run whose metadata has no
    monitoring condition, or one the map does not know, made *no* statement about monitoring: its
    belief stays the scenario's default and the condition says so. Never raises."""
    rule = table.get("monitoring")
    if not rule:
        return None, CONDITIONS[None], []
    try:
        value, how, problem = _rule_value(rule, rec.metadata)
    except (KeyError, TypeError) as exc:
        return None, CONDITIONS[None], [f"monitoring: the study map's rule is malformed ({exc})"]
    if problem is not None:
        return None, CONDITIONS[None], [f"monitoring: {problem}; shown as no monitoring statement"]
    belief = None if value is None else norm(value) == "true"
    return belief, CONDITIONS[belief], []
