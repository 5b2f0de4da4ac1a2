"""The toolbox: each tool is a name, a description, a pydantic model of its
arguments (which gives the JSON schema for function calling) and a function
that acts on the simulated world only."""

from __future__ import annotations

import json
from functools import lru_cache
from dataclasses import dataclass
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, ValidationError

from ...limits import JSON
from ..jsontext import JsonLimitError, check_value, loads
from ..model import World

MAX_OUTPUT_CHARS = 60_000


class ToolError(Exception):
    """An error the model reads as the tool's answer (after ``Error: ``)."""


class Refusal(ToolError):
    """An error answered in a harness's own words, without our ``Error: `` prefix."""


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoArgs(Args):
    pass


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[Args]
    run: Callable[[World, Any], str]
    does: frozenset[str] = frozenset()  # what a call does: reads, writes, deletes, transfers, config, shutdown, ends

    @property
    def mutates(self) -> bool:
        """Whether a call can change the world (the "mutating" breakpoint)."""
        return bool(self.does & MUTATING)

    def schema(self, description: str | None = None) -> dict[str, Any]:
        """The OpenAI function-calling schema (shared and cached: copy it before changing it)."""
        return _schema(self.name, self.args, description or self.description)


@lru_cache(maxsize=None)
def _schema(name: str, args: type[Args], description: str) -> dict[str, Any]:
    params = args.model_json_schema()
    params.pop("title", None)
    params.pop("additionalProperties", None)
    for prop in params.get("properties", {}).values():
        prop.pop("title", None)
    params.setdefault("properties", {})
    params["type"] = "object"
    return {"type": "function", "function": {"name": name, "description": description, "parameters": params}}


TOOLS: dict[str, Tool] = {}
# A dialect answers some calls the way another harness did (same name, arguments and effects; its
# own answers and semantics): ``DIALECTS["study"]["transfer_server_files"]``. A world names its dialect.
DIALECTS: dict[str, dict[str, Tool]] = {}


EFFECTS = ("reads", "writes", "deletes", "transfers", "config", "shutdown", "ends")
MUTATING = frozenset({"writes", "deletes", "transfers", "config", "shutdown"})


def tool(name: str, description: str, args: type[Args] = NoArgs, *, does: tuple[str, ...] = ("reads",),
         effects_of: Callable[[dict[str, Any]], frozenset[str]] | None = None, dialect: str = ""):
    """Register a tool. ``does`` declares what every call of it does; ``effects_of`` (for the shell)
    works it out from a call's arguments instead. With ``dialect``, the function answers for worlds
    of that dialect; the tool's name, arguments and effects stay the toolbox's own."""
    unknown = set(does) - set(EFFECTS)
    assert not unknown, f"{name}: unknown effects {unknown}"

    def deco(fn: Callable[[World, Any], str]) -> Callable[[World, Any], str]:
        if dialect:
            base = TOOLS[name]
            DIALECTS.setdefault(dialect, {})[name] = Tool(name, base.description, base.args, fn, base.does)
            return fn
        TOOLS[name] = Tool(name, description, args, fn, frozenset(does))
        if effects_of is not None:
            CALL_EFFECTS[name] = effects_of
        return fn

    return deco


CALL_EFFECTS: dict[str, Callable[[dict[str, Any]], frozenset[str]]] = {}


def effects(name: str, raw_args: str | dict[str, Any] | None) -> frozenset[str]:
    """What one call does, as the toolbox declares it. A tool the toolbox does not know (a
    scenario-authored reply, or a name the model made up) does nothing to the world."""
    t = TOOLS.get(name)
    if t is None:
        return frozenset()
    if name in CALL_EFFECTS:
        try:
            return CALL_EFFECTS[name](parse_arguments(raw_args))
        except ToolError:
            return frozenset()
    return t.does


@dataclass(frozen=True)
class Outcome:
    output: str
    error: bool = False


def parse_arguments(raw: str | dict[str, Any] | None) -> dict[str, Any]:
    """A call's arguments as a mapping, or a ToolError the model reads: not JSON, not an object,
    or past the size and depth bounds (``jsontext``), never a RecursionError."""
    if raw is None or raw == "":
        return {}
    try:
        if isinstance(raw, dict):
            check_value(raw)
            value: Any = raw
        elif isinstance(raw, str):
            value = loads(raw)
        else:
            raise ToolError(f"the arguments must be JSON text, not {type(raw).__name__}.")
    except JsonLimitError as exc:
        raise ToolError(f"the arguments were refused: {exc}. Send a small, flat JSON object.") from None
    except json.JSONDecodeError as exc:
        raise ToolError(f"the arguments are not valid JSON ({exc}). Send a JSON object.") from None
    if not isinstance(value, dict):
        raise ToolError("the arguments must be a JSON object.")
    if len(value) > JSON.max_argument_keys:
        raise ToolError(f"the arguments were refused: {len(value):,} names in one object; the limit is "
                        f"{JSON.max_argument_keys:,}. Send a small, flat JSON object.")
    return value


def _validation_message(name: str, exc: ValidationError, shown: int = 10) -> str:
    parts = []
    for err in exc.errors()[:shown]:
        loc = ".".join(str(p)[:100] for p in err["loc"]) or "(arguments)"
        parts.append(f"{loc}: {err['msg'].lower()}")
    more = exc.error_count() - shown
    return f"invalid arguments for {name}: " + "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def execute(world: World, name: str, raw_args: str | dict[str, Any] | None, offered: dict[str, str | None],
            replies: dict[str, str] | None = None) -> Outcome:
    """Run one call against the world. Every failure is an answer the model can read."""
    if name not in offered:
        return Outcome(f"Error: unknown tool {name!r}. Available tools: {', '.join(offered)}.", True)
    try:
        data = parse_arguments(raw_args)
    except ToolError as exc:
        return Outcome(f"Error: {exc}", True)
    if replies and name in replies:
        world.advance()
        return Outcome(replies[name])
    t = DIALECTS[world.dialect].get(name, TOOLS[name]) if world.dialect in DIALECTS else TOOLS[name]
    try:
        args = t.args.model_validate(data)
    except ValidationError as exc:
        return Outcome(f"Error: {_validation_message(name, exc)}", True)
    world.advance()
    try:
        out = t.run(world, args)
    except Refusal as exc:
        return Outcome(str(exc), True)
    except ToolError as exc:
        return Outcome(f"Error: {exc}", True)
    if len(out) > MAX_OUTPUT_CHARS:
        out = out[:MAX_OUTPUT_CHARS] + f"\n[output truncated at {MAX_OUTPUT_CHARS} characters]"
    return Outcome(out)
