"""Load scenario and pack files: ``yaml.safe_load`` semantics, size limits, and
errors that name file, line and column.

The YAML is composed once into a node tree (which carries marks), checked for
alias bombs, constructed with the safe constructor, and validated with
pydantic; every validation error is mapped back to the node it came from.
"""

from __future__ import annotations

import difflib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .models import PackMeta, Scenario
from .problems import Path_, Problem, ScenarioError, SourceMap

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 200_000  # after alias expansion: a "billion laughs" file dies here


class SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with YAML 1.2 booleans: ``on``/``off``/``yes``/``no`` stay strings,
    so ``monitoring: {prompt: {on: ..., off: ...}}`` means what a writer expects."""


SafeLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _ch in "tTfF":
    SafeLoader.yaml_implicit_resolvers.setdefault(_ch, []).insert(
        0, ("tag:yaml.org,2002:bool", __import__("re").compile(r"^(?:true|True|TRUE|false|False|FALSE)$")))


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _guard_and_map(root: yaml.Node, smap: SourceMap, loader: SafeLoader) -> None:
    count = 0
    stack: list[tuple[yaml.Node, Path_, bool]] = [(root, (), True)]
    while stack:
        node, path, record = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ScenarioError(
                [Problem(smap.file, *_mark(node), f"document too large after alias expansion (over {MAX_NODES} nodes)")]
            )
        if record:
            smap.values.setdefault(path, _mark(node))
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                try:
                    key = loader.construct_object(k, deep=True) if isinstance(k, yaml.ScalarNode) else None
                except yaml.YAMLError:
                    key = None
                child = path + (key,)
                if record and key is not None:
                    smap.keys.setdefault(child, _mark(k))
                stack.append((v, child, record and key is not None))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                stack.append((v, path + (i,), record))


def load_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """Parse YAML safely; return the data and a map of where each value sits."""
    smap = SourceMap(file)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(file, 1, 1, f"file larger than {MAX_FILE_BYTES} bytes")])
    loader = SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ScenarioError([Problem(file, 1, 1, "empty document")])
        _guard_and_map(root, smap, loader)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        msg = " ".join(x for x in (exc.context, exc.problem) if x) or str(exc)
        raise ScenarioError([Problem(file, line, col, f"YAML syntax: {msg}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(file, 1, 1, f"YAML: {exc}")]) from None
    except RecursionError:
        raise ScenarioError([Problem(file, 1, 1, "document nested too deeply")]) from None
    finally:
        loader.dispose()
    return data, smap


# --- mapping pydantic errors back to the file ---------------------------------


def _fields_at(model: type[BaseModel], loc: Path_) -> list[str]:
    """The field names valid at ``loc`` (for "did you mean" hints)."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    models = [m for m in _unwrap(current) if isinstance(m, type) and issubclass(m, BaseModel)]
    return sorted({f for m in models for f in m.model_fields})


def _unwrap(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return [x for a in typing.get_args(tp) for x in _unwrap(a)]
    return [tp]


def _step(tp: Any, part: Any) -> Any:
    for cand in _unwrap(tp):
        origin = typing.get_origin(cand)
        if isinstance(cand, type) and issubclass(cand, BaseModel) and part in cand.model_fields:
            return cand.model_fields[part].annotation
        if isinstance(cand, type) and issubclass(cand, BaseModel) and part == cand.__name__:
            return cand
        if origin is list and isinstance(part, int):
            return typing.get_args(cand)[0]
        if origin is dict and not isinstance(part, int):
            return typing.get_args(cand)[1]
    return None


def _clean_loc(loc: Path_, smap: SourceMap) -> Path_:
    """Drop pydantic's union-branch markers ('str', 'ToolSpec') that are not in the data."""
    out: list[Any] = []
    for part in loc:
        if tuple(out) + (part,) in smap.values or tuple(out) + (part,) in smap.keys:
            out.append(part)
        elif isinstance(part, str) and (part[:1].isupper() or part in ("str", "int", "bool", "list", "dict")):
            continue
        else:
            out.append(part)
    return tuple(out)


def validation_problems(exc: ValidationError, smap: SourceMap, model: type[BaseModel]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[Path_, str]] = set()
    for err in exc.errors():
        loc = _clean_loc(tuple(err["loc"]), smap)
        where = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            key = loc[-1] if loc else "?"
            valid = _fields_at(model, loc[:-1])
            hint = difflib.get_close_matches(str(key), valid, n=1)
            msg = f"unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            if valid:
                msg += f"; allowed here: {', '.join(valid)}"
            prob = smap.problem(loc, msg, key=True)
        else:
            text = err["msg"]
            if text.startswith("Value error, "):
                text = text[len("Value error, "):]
            prob = smap.problem(loc, f"{where}: {text}")
        if (loc, prob.message) not in seen:
            seen.add((loc, prob.message))
            problems.append(prob)
    return problems


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    path: Path
    source: SourceMap
    pack_id: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.pack_id}/{self.scenario.id}" if self.pack_id else str(self.path)


def parse_scenario(text: str, file: str) -> tuple[Scenario, SourceMap]:
    data, smap = load_yaml(text, file)
    if not isinstance(data, dict):
        raise ScenarioError([Problem(file, 1, 1, "a scenario file must be a mapping at the top level")])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, smap, Scenario)) from None
    from .checks import semantic_problems  # local: checks imports templating

    problems = semantic_problems(scenario, smap)
    if problems:
        raise ScenarioError(problems)
    return scenario, smap


def read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError([Problem(str(path), 1, 1, f"file larger than {MAX_FILE_BYTES} bytes")])
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(str(path), 1, 1, f"not UTF-8 text: {exc.reason}")]) from None
    except OSError as exc:
        raise ScenarioError([Problem(str(path), 1, 1, f"cannot read: {exc.strerror}")]) from None


def load_scenario(path: Path, pack_id: str | None = None) -> LoadedScenario:
    scenario, smap = parse_scenario(read_text(path), str(path))
    return LoadedScenario(scenario, path, smap, pack_id)


def load_pack_meta(path: Path) -> PackMeta:
    data, smap = load_yaml(read_text(path), str(path))
    if not isinstance(data, dict):
        raise ScenarioError([Problem(str(path), 1, 1, "pack.yaml must be a mapping")])
    try:
        return PackMeta.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, smap, PackMeta)) from None
