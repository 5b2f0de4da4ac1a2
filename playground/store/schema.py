"""The one schema a loaded save is checked against. Saves are files researchers
share, so they are untrusted input: types are strict (``monitoring = "false"``
is an error, not "monitored"), unknown fields are refused, sizes and nesting
are bounded, and every error names the field it is about.

The event records' fields are derived from the event dataclasses themselves,
so a new event kind or field needs no second definition here.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model

from ..episode.events import EVENT_TYPES, ToolCall
from .errors import SaveError

MAX_SAVE_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 64  # nesting of tables and arrays anywhere in a save
MAX_BRANCHES = 2_000
MAX_BRANCH_DEPTH = 200  # forks of forks
MAX_TEXT = 64 * 1024 * 1024  # any one string
MAX_ERRORS_SHOWN = 5

STRICT = ConfigDict(strict=True, extra="forbid")
Text = Annotated[str, Field(max_length=MAX_TEXT)]
Name = Annotated[str, Field(min_length=1, max_length=500)]
Count = Annotated[int, Field(ge=0, le=100_000_000)]
Seed = Annotated[int, Field(ge=0, lt=2**63)]


class ToolCallRecord(BaseModel):
    model_config = STRICT
    id: Text
    name: Text
    arguments: Text


def _field_type(name: str, hint: Any) -> Any:
    if name == "tool_calls":
        return list[ToolCallRecord]
    if hint is str:
        return Text
    if hint == (str | None):
        return Text | None
    return hint


def _event_models(record: bool) -> list[type[BaseModel]]:
    models = []
    for kind, cls in EVENT_TYPES.items():
        hints = typing.get_type_hints(cls)
        fields: dict[str, Any] = {"kind": (Literal[kind], ...)}
        if record:
            fields["seq"] = (Count, ...)
            fields["branch"] = (Name, ...)
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else ...)  # type: ignore[misc]
            fields[f.name] = (_field_type(f.name, hints[f.name]), default)
        models.append(create_model(f"{cls.__name__}{'Record' if record else ''}", __config__=STRICT, **fields))
    return models


def _union(models: list[type[BaseModel]]) -> Any:
    return Annotated[Union[tuple(models)], Field(discriminator="kind")]  # type: ignore[valid-type]


EventRecord = _union(_event_models(record=True))
EventV1 = _union(_event_models(record=False))
_ = ToolCall  # the dataclass ToolCallRecord mirrors


class BranchRecord(BaseModel):
    model_config = STRICT
    seq: Count
    id: Name
    parent: Annotated[str, Field(max_length=500)]  # "" for the root
    fork_at: Count
    label: Text
    agent: Text
    events: Count
    sample: Seed = 0


class CurrentRecord(BaseModel):
    model_config = STRICT
    seq: Count
    branch: Name


class Header(BaseModel):
    model_config = STRICT
    id: Name
    created: Annotated[str, Field(max_length=100)]
    scenario: Text
    scenario_path: Text
    pack_id: Text = ""
    agent: Text
    monitoring: bool
    max_steps: Annotated[int, Field(ge=1, le=1_000_000)]
    scenario_yaml: Text
    variables: dict[Name, Text] = {}
    source: dict[str, Any] = {}
    seed: Seed = 0  # saves written before seeds existed draw with 0


class SaveV2(Header):
    format_version: Literal[2]
    branch: Annotated[list[BranchRecord], Field(min_length=1)]
    event: list[EventRecord] = []  # type: ignore[valid-type]
    current: Annotated[list[CurrentRecord], Field(min_length=1)]


class BranchV1(BaseModel):
    model_config = STRICT
    id: Name
    parent: Annotated[str, Field(max_length=500)] | None = None
    fork_at: Count = 0
    label: Text = ""
    agent: Text = ""
    sample: Seed = 0
    events: list[EventV1] = []  # type: ignore[valid-type]


class SaveV1(Header):
    format_version: Literal[1]
    current: Name = "main"
    branches: Annotated[list[BranchV1], Field(min_length=1)]


_V2 = TypeAdapter(SaveV2)
_V1 = TypeAdapter(SaveV1)


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Nesting deeper than ``limit`` (iterative: a hostile save cannot blow the stack here)."""
    stack = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            v = list(v.values())
        if isinstance(v, list):
            if d >= limit:
                return True
            stack += [(x, d + 1) for x in v if isinstance(x, (dict, list))]
    return False


def _where(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    parts: list[str] = []
    node: Any = data
    for i, item in enumerate(loc):
        if isinstance(item, int):
            seq = node[item].get("seq") if isinstance(node, list) and isinstance(node[item], dict) else None
            parts.append(f"[{item}]" + (f" (seq {seq})" if i == 1 and seq is not None else ""))
            node = node[item] if isinstance(node, list) else None
        elif isinstance(item, str) and item in EVENT_TYPES and i > 0 and isinstance(loc[i - 1], int):
            continue  # the union's tag: the kind is already in the record
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def check(data: dict[str, Any], version: int, origin: str) -> None:
    """Raise SaveError naming each field that does not fit the schema."""
    try:
        (_V2 if version == 2 else _V1).validate_python(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        lines = [f"{_where(tuple(e['loc']), data)}: {e['msg']}" for e in errors[:MAX_ERRORS_SHOWN]]
        more = f" (and {len(errors) - MAX_ERRORS_SHOWN} more)" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise SaveError(f"{origin}: not a valid save: " + "; ".join(lines) + more) from None
