"""JSON Schemas for scenario and pack files, generated from the pydantic models.

``playground schema > scenario.schema.json`` writes the scenario schema; point an editor's YAML
support at it (for example a first line ``# yaml-language-server: $schema=../scenario.schema.json``)
to get completion and checking as you type. The pydantic models stay the truth: ``Detector.rule``
is a free mapping there (``rules.parse_rule`` reads it), so its schema is filled in here from
``rules.SIMPLE``, and the few fields that accept YAML's ``on``/``off`` get that spelled out.
"""

from __future__ import annotations

import copy
from typing import Any

from .models import PackMeta, Scenario
from .rules import SIMPLE

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _rule_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """(the Rule definition, extra $defs the rule bodies need)."""
    branches: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}
    for kind, model in SIMPLE.items():
        body = model.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
        extra.update(body.pop("$defs", {}))
        body.pop("title", None)
        for prop in body.get("properties", {}).values():
            prop.pop("title", None)
        body["additionalProperties"] = False
        if not body.get("required"):
            body = {"anyOf": [body, {"type": "null"}]}  # `ended:` with no body is allowed
        doc = (model.__doc__ or "").strip()
        if doc and not doc.startswith(model.__name__ + "("):
            body["description"] = doc
        branches.append({"type": "object", "properties": {kind: body}, "required": [kind], "additionalProperties": False})
    ref = {"$ref": "#/$defs/Rule"}
    for kind in ("all", "any"):
        branches.append({"type": "object", "properties": {kind: {"type": "array", "items": ref, "minItems": 1}},
                         "required": [kind], "additionalProperties": False})
    branches.append({"type": "object", "properties": {"not": ref}, "required": ["not"], "additionalProperties": False})
    rule = {"description": "A detector rule: a mapping with exactly one rule kind; all/any/not combine rules.",
            "oneOf": branches}
    return rule, extra


def _on_off(prop: dict[str, Any]) -> dict[str, Any]:
    """Allow the YAML strings on/off wherever a boolean monitoring state is read."""
    return {"anyOf": [{"type": "boolean"}, {"enum": ["on", "off"]}], **{k: v for k, v in prop.items() if k in ("default", "description")}}


def scenario_schema() -> dict[str, Any]:
    schema = copy.deepcopy(Scenario.model_json_schema(by_alias=True))
    defs = schema.setdefault("$defs", {})
    rule, extra = _rule_schemas()
    for name, d in extra.items():
        defs.setdefault(name, d)
    defs["Rule"] = rule
    defs["Detector"]["properties"]["rule"] = {"$ref": "#/$defs/Rule"}
    mon = defs["MonitoringSpec"]["properties"]
    mon["default"] = _on_off(mon["default"])
    conds = defs["Policy"]["properties"]["conditions"]
    conds["anyOf"] = [{"type": "array", "items": {"$ref": "#/$defs/RunCondition"}}, {"$ref": "#/$defs/RunCondition"}]
    conds.pop("type", None)
    conds.pop("items", None)
    for name in ("Condition", "RunCondition"):
        prop = defs[name]["properties"]["monitoring"]
        prop["anyOf"] = [{"enum": ["on", "off"]}, {"type": "boolean"}, {"type": "null"}]
        prop.pop("enum", None)
    schema["$schema"] = DRAFT
    schema["title"] = "playground scenario"
    schema["description"] = ("A scenario file of a playground pack (scenario_packs/<pack>/<id>.yaml). "
                             "Strings may be jinja2 templates over the scenario's variables and `monitored`.")
    return schema


def pack_schema() -> dict[str, Any]:
    schema = copy.deepcopy(PackMeta.model_json_schema(by_alias=True))
    schema["$schema"] = DRAFT
    schema["title"] = "playground pack"
    schema["description"] = "pack.yaml: the metadata of a folder of scenarios."
    return schema
