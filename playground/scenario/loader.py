"""Load scenario and pack files: ``yaml.safe_load`` semantics, size limits, and
errors that name file, line and column.

The YAML is composed once into a node tree (which carries marks) within the
bounds of ``yaml_bounds`` (no recursive aliases, bounded depth and integers),
checked for alias bombs and duplicate keys, constructed with the safe
constructor, and validated with pydantic; every validation error is mapped back
to the node it came from.
"""

from __future__ import annotations

import difflib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..limits import YAML
from .models import PackMeta, Scenario
from .problems import Path_, Problem, ScenarioError, SourceMap
from .yaml_bounds import READER_POSITION_IN_BYTES, SafeLoader, YamlLimitError, expanded_size, python_twin

MAX_FILE_BYTES = YAML.max_bytes
MAX_NODES = YAML.max_nodes  # after alias expansion: a "billion laughs" file dies here




def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def block_value_lines(node: yaml.ScalarNode, lines: list[str]) -> tuple[tuple[int, ...], int]:
    """Where each line of a block scalar's value sits in the file: (the 1-based file line of each
    value line, the 1-based column its text starts at). A literal block (``|``) keeps its lines; a
    folded one (``>``) joins a paragraph's lines into one and turns each further blank line into an
    empty line of its own, except where lines are more indented (those keep their breaks)."""
    first = node.start_mark.line + 1  # 0-based index of the line after the indicator
    body = lines[first:max(first, node.end_mark.line + 1)]
    indent = next((len(x) - len(x.lstrip(" ")) for x in body if x.strip()), 0)
    if node.style != ">":
        return tuple(first + 1 + i for i in range(len(body))), indent + 1
    out: list[int] = []
    previous: str | None = None  # "text", "blank", "more" (more indented)
    for i, line in enumerate(body):
        kind = "blank" if not line.strip() else "more" if len(line) - len(line.lstrip(" ")) > indent else "text"
        if kind == "blank":
            if previous == "blank" or previous is None or previous == "more":
                out.append(first + 1 + i)  # an empty line of the value
        elif kind == "text" and previous == "text":
            pass  # folded into the line before
        else:
            out.append(first + 1 + i)
        previous = kind if kind != "blank" or previous != "more" else "blank"
    return tuple(out), indent + 1


def _guard_and_map(root: yaml.Node, smap: SourceMap, loader: SafeLoader, lines: list[str] | None = None) -> None:
    """Refuse a document too large once aliases expand, and one with a key twice in a mapping
    (YAML forbids it; PyYAML keeps the last silently); record where each value sits."""
    total, where = expanded_size(root, MAX_NODES)
    if where is not None:
        raise ScenarioError([Problem(smap.file, *_mark(where), f"document too large after alias expansion "
                                     f"(over {MAX_NODES} nodes)")])
    duplicates: list[Problem] = []
    checked: set[int] = set()
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
            if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
                smap.blocks.add(path)
                if lines is not None:
                    smap.block_lines.setdefault(path, block_value_lines(node, lines))
        if isinstance(node, yaml.MappingNode):
            first = id(node) not in checked
            checked.add(id(node))
            seen: dict[Any, yaml.Node] = {}
            for k, v in node.value:
                try:
                    key = loader.construct_object(k, deep=True) if isinstance(k, yaml.ScalarNode) else None
                except yaml.YAMLError:
                    key = None
                if first and key is not None and k.tag != "tag:yaml.org,2002:merge":
                    if key in seen:
                        line, col = _mark(seen[key])
                        duplicates.append(Problem(smap.file, *_mark(k), f"duplicate key {key!r} (first at line {line}, "
                                                  f"column {col}); a mapping holds each key once"))
                    else:
                        seen[key] = k
                child = path + (key,)
                if record and key is not None:
                    smap.keys.setdefault(child, _mark(k))
                stack.append((v, child, record and key is not None))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                stack.append((v, path + (i,), record))
    if duplicates:
        raise ScenarioError(sorted(duplicates, key=lambda p: (p.line, p.col)))


def _reader_problem(exc: yaml.reader.ReaderError, text: str, file: str) -> Problem:
    pos = max(exc.position, 0)
    before = text.encode("utf-8", "surrogatepass")[:pos].decode("utf-8", "ignore") if READER_POSITION_IN_BYTES else text[:pos]
    line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
    char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
    return Problem(file, line, col, f"YAML: character {char:#06x} is not allowed in YAML text "
                   "(write it as an escape inside a double-quoted string)")


def load_yaml(text: str, file: str, loader_class: type[SafeLoader] = SafeLoader) -> tuple[Any, SourceMap]:
    """Parse YAML safely; return the data and a map of where each value sits."""
    smap = SourceMap(file)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(file, 1, 1, f"file larger than {MAX_FILE_BYTES} bytes")])
    try:
        loader = loader_class(text)  # the reader may refuse control characters here, or while parsing
    except yaml.reader.ReaderError as exc:
        raise ScenarioError([_reader_problem(exc, text, file)]) from None
    try:
        root = loader.get_single_node()
        if root is None:
            raise ScenarioError([Problem(file, 1, 1, "empty document")])
        _guard_and_map(root, smap, loader, text.splitlines())
        data = loader.construct_document(root)
    except yaml.reader.ReaderError as exc:
        raise ScenarioError([_reader_problem(exc, text, file)]) from None
    except yaml.MarkedYAMLError as exc:
        twin = python_twin(loader_class, exc)
        if twin is not None:  # libyaml refused an escape PyYAML reads: read it the way it always was
            return load_yaml(text, file, twin)
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        msg = " ".join(x for x in (exc.context, exc.problem) if x) or str(exc)
        kind = "YAML" if isinstance(exc, YamlLimitError) else "YAML syntax"
        raise ScenarioError([Problem(file, line, col, f"{kind}: {msg}")]) from None
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
