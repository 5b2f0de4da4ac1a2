"""YAML within bounds: ``yaml.safe_load`` semantics for untrusted text (scenario and
pack files, monitoring files, YAML inside recorded tool output).

PyYAML composes an alias to the node it names, even one still being composed, so
``a: &a [*a, *a]`` is a node that contains itself: anything that walks it walks
forever (validate hung, the TUI grew to 5.6 GB). The composer here refuses an
alias to an open anchor, refuses nesting past :data:`YAML.max_depth` (the composer
recurses per level), and the constructor refuses integers too long to convert
and turns a scalar it cannot build (``2025-13-45``) into an error at its mark
instead of a ValueError from ``datetime``. :func:`expanded_size` counts nodes as
aliases expand them, without expanding them, so a billion-laughs file is refused
in time linear in its text.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, CollectionStartEvent
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from ..limits import YAML


class _PyParser(Reader, Scanner, Parser):
    def __init__(self, stream: str):
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


try:  # libyaml scans and parses ~10x faster; composing (where the bounds are) stays in Python
    from yaml.cyaml import CParser as _Parser

    READER_POSITION_IN_BYTES = True  # libyaml counts a reader error's position in UTF-8 bytes
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = _PyParser  # type: ignore[misc,assignment]
    READER_POSITION_IN_BYTES = False


class YamlLimitError(yaml.MarkedYAMLError):
    """A document past a bound (depth, size, a recursive alias, an integer too long)."""


class _Bounds(Composer, SafeConstructor, Resolver):
    """The bounded composer and constructor, over whichever parser the loader class adds."""

    max_depth = YAML.max_depth

    def _start(self) -> None:
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._open: Counter[str] = Counter()
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            if self._open[event.anchor]:
                raise YamlLimitError(None, None, f"recursive alias *{event.anchor}: it refers to a node that "
                                     "contains it (the document would be infinite)", event.start_mark)
            return super().compose_node(parent, index)
        if not isinstance(event, CollectionStartEvent):
            return super().compose_node(parent, index)
        if self._depth >= self.max_depth:
            raise YamlLimitError(None, None, f"nested more than {self.max_depth} levels deep", event.start_mark)
        anchor = event.anchor
        self._depth += 1
        if anchor is not None:
            self._open[anchor] += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open[anchor] -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError) as exc:
            raise ConstructorError(None, None, f"cannot read this value: {exc}", node.start_mark) from None

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = sum(ch.isalnum() for ch in str(node.value))
        if digits > YAML.max_int_digits:
            raise YamlLimitError(None, None, f"an integer with {digits:,} digits; the limit is {YAML.max_int_digits}",
                                 node.start_mark)
        return super().construct_yaml_int(node)


_Bounds.add_constructor("tag:yaml.org,2002:int", _Bounds.construct_yaml_int)

_YAML12 = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _ch in "tTfF":
    _YAML12.setdefault(_ch, []).insert(0, ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")))


class SafeLoader(_Bounds, _Parser):
    """``yaml.SafeLoader`` with YAML 1.2 booleans (``on``/``off``/``yes``/``no`` stay strings, so
    ``monitoring: {prompt: {on: ..., off: ...}}`` means what a writer expects) and the bounds above.
    Events come from libyaml when PyYAML has it; the composer is PyYAML's Python one, bounded here."""

    yaml_implicit_resolvers = _YAML12

    def __init__(self, stream: str):
        _Parser.__init__(self, stream)
        self._start()


class PySafeLoader(_Bounds, _PyParser):
    """:class:`SafeLoader` on PyYAML's Python scanner, for what libyaml refuses and PyYAML reads
    (a ``"\\ud800"`` escape: a lone surrogate, which the app then shows replaced)."""

    yaml_implicit_resolvers = _YAML12

    def __init__(self, stream: str):
        _PyParser.__init__(self, stream)
        self._start()


class Yaml11Loader(SafeLoader):
    """The same bounds with ``yaml.safe_load``'s YAML 1.1 scalars (``on``/``yes`` are booleans), for
    text that was written for ``yaml.safe_load``: monitoring config files, recorded tool output, the study map."""

    yaml_implicit_resolvers = dict(yaml.SafeLoader.yaml_implicit_resolvers)


class PyYaml11Loader(PySafeLoader):
    yaml_implicit_resolvers = dict(yaml.SafeLoader.yaml_implicit_resolvers)


_PYTHON_TWIN: dict[type, type] = {SafeLoader: PySafeLoader, Yaml11Loader: PyYaml11Loader}


def python_twin(loader_class: type, exc: BaseException) -> type | None:
    """The pure-Python loader to retry with when libyaml refused what PyYAML reads (an escape such
    as ``\\ud800``), else None: the error stands."""
    twin = _PYTHON_TWIN.get(loader_class)
    if twin is None or twin is loader_class or not isinstance(exc, yaml.scanner.ScannerError):
        return None
    return twin if "escape" in str(getattr(exc, "problem", "") or "") else None


def expanded_size(root: yaml.Node, limit: int = YAML.max_nodes) -> tuple[int, yaml.Node | None]:
    """How many nodes the document has with every alias expanded, counted once per distinct node
    (aliases share nodes), and the first node whose expansion passes ``limit`` (or None)."""
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in size:
            continue
        children = ([c for kv in node.value for c in kv] if isinstance(node, yaml.MappingNode)
                    else node.value if isinstance(node, yaml.SequenceNode) else [])
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in size)
            continue
        total = 1 + sum(size[id(c)] for c in children)
        size[id(node)] = total
        if total > limit:
            return total, node
    return size[id(root)], None


def safe_load(text: str, max_bytes: int = YAML.max_bytes, loader_class: type[SafeLoader] = Yaml11Loader) -> Any:
    """``yaml.safe_load`` (YAML 1.1 scalars unless told otherwise) within the bounds; every refusal
    is a ``yaml.YAMLError``."""
    if len(text) > max_bytes:
        raise YamlLimitError(None, None, f"longer than {max_bytes:,} characters", None)
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        total, where = expanded_size(root)
        if where is not None:
            raise YamlLimitError(None, None, f"too large after alias expansion (over {YAML.max_nodes:,} nodes)",
                                 where.start_mark)
        return loader.construct_document(root)
    except yaml.scanner.ScannerError as exc:
        twin = python_twin(loader_class, exc)
        if twin is None:
            raise
        return safe_load(text, max_bytes, twin)
    except RecursionError:
        raise YamlLimitError(None, None, "nested too deeply", None) from None
    finally:
        loader.dispose()


__all__ = ["PySafeLoader", "SafeLoader", "Yaml11Loader", "YamlLimitError", "expanded_size", "python_twin", "safe_load"]
