"""Check a call's arguments against its tool's JSON schema before it runs: wrong types, missing
required fields, values outside an enum or a range. Textual-free.

A subset of JSON Schema, enough for the schemas pydantic writes for the toolbox (``type``,
``properties``, ``required``, ``enum``, ``const``, ``items``, ``anyOf``/``oneOf``/``allOf``, local
``$ref`` into ``$defs``, lengths and bounds). What it does not know it lets through: the world's
own validation still answers a wrong call with a tool error, as real harnesses do.
"""

from __future__ import annotations

from typing import Any

TYPES = {
    "string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list, "object": dict,
    "null": type(None),
}
NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list",
         dict: "a mapping", type(None): "null"}


def parameters_of(schema: dict[str, Any] | None) -> dict[str, Any]:
    """The parameters schema of an OpenAI-style function schema (or the schema itself)."""
    if not schema:
        return {}
    return schema.get("function", {}).get("parameters", schema) if "function" in schema else schema


def check(schema: dict[str, Any] | None, data: Any) -> list[str]:
    """Problems with ``data`` under ``schema`` ("path: what is wrong"), empty when it fits."""
    params = parameters_of(schema)
    if not params:
        return []
    return _check(params, data, "", params.get("$defs", {}))


def _is(value: Any, type_name: str) -> bool:
    kind = TYPES.get(type_name)
    if kind is None:
        return True
    if isinstance(value, bool) and type_name in ("integer", "number"):
        return False  # JSON's true is not a number
    if type_name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, kind)


def _what(value: Any) -> str:
    return NAMES.get(type(value), type(value).__name__)


def _check(schema: dict[str, Any], value: Any, path: str, defs: dict[str, Any], depth: int = 0) -> list[str]:
    if depth > 20 or not isinstance(schema, dict):
        return []
    where = path or "(arguments)"
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = defs.get(ref.rsplit("/", 1)[-1])
        return _check(target, value, path, defs, depth + 1) if isinstance(target, dict) else []
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            results = [_check(o, value, path, defs, depth + 1) for o in options]
            if any(not r for r in results):
                return []
            kinds = [o.get("type") for o in options if isinstance(o, dict) and o.get("type")]
            if kinds:
                return [f"{where}: must be {' or '.join(NAMES.get(TYPES.get(k, object), k) for k in kinds)}, "
                        f"got {_what(value)}"]
            return min(results, key=len)
    out: list[str] = []
    for sub in schema.get("allOf", []) or []:
        out += _check(sub, value, path, defs, depth + 1)
    if "const" in schema and value != schema["const"]:
        return out + [f"{where}: must be {schema['const']!r}"]
    enum = schema.get("enum")
    if isinstance(enum, list) and value not in enum:
        return out + [f"{where}: must be one of {', '.join(repr(e) for e in enum)}, got {value!r}"]
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
    if kinds and not any(_is(value, k) for k in kinds):
        wanted = " or ".join(NAMES.get(TYPES.get(k, object), k) for k in kinds)
        return out + [f"{where}: must be {wanted}, got {_what(value)} ({_short(value)})"]
    if isinstance(value, dict):
        props = schema.get("properties", {}) or {}
        for name in schema.get("required", []) or []:
            if name not in value:
                out.append(f"{path + '.' if path else ''}{name}: required, missing")
        for name, sub in props.items():
            if name in value:
                out += _check(sub, value[name], f"{path}.{name}" if path else name, defs, depth + 1)
    if isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, dict):
            for i, item in enumerate(value[:1000]):
                out += _check(items, item, f"{where}[{i}]", defs, depth + 1)
        if isinstance(schema.get("minItems"), int) and len(value) < schema["minItems"]:
            out.append(f"{where}: needs at least {schema['minItems']} item(s)")
        if isinstance(schema.get("maxItems"), int) and len(value) > schema["maxItems"]:
            out.append(f"{where}: takes at most {schema['maxItems']} item(s)")
    if isinstance(value, str):
        if isinstance(schema.get("minLength"), int) and len(value) < schema["minLength"]:
            out.append(f"{where}: needs at least {schema['minLength']} character(s)")
        if isinstance(schema.get("maxLength"), int) and len(value) > schema["maxLength"]:
            out.append(f"{where}: takes at most {schema['maxLength']} character(s)")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        for key, ok, text in (("minimum", lambda b: value >= b, "at least"), ("maximum", lambda b: value <= b, "at most"),
                              ("exclusiveMinimum", lambda b: value > b, "more than"),
                              ("exclusiveMaximum", lambda b: value < b, "less than")):
            bound = schema.get(key)
            if isinstance(bound, (int, float)) and not ok(bound):
                out.append(f"{where}: must be {text} {bound}")
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"
