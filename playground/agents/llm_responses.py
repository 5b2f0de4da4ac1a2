"""OpenAI's Responses API behind a chat call: asking for reasoning summaries, and keeping the
reasoning items a tool loop must send back.

litellm 1.110.2 bridges ``acompletion`` to ``POST /v1/responses`` for ``openai/responses/<model>``
(and ``azure/responses/...``), for models its table marks as Responses-only (o3-pro, the codex
models, gpt-5.4-pro ...), and for gpt-5.4+ with tools and reasoning on. On that route it does, on
its own: stream the summary text as ``reasoning_content``; hand the turn's reasoning items (id,
summary, encrypted_content) over on the last chunk as ``delta.reasoning_items``, with the order of
the output items in ``delta.provider_specific_fields``; and turn ``reasoning_items`` on an
assistant message back into ``reasoning`` input items before that turn's function calls. It does
not: ask for a summary (only with ``LITELLM_REASONING_AUTO_SUMMARY=true`` in the environment), ask
for the encrypted content, or keep the items anywhere — they would be lost between turns.

So here: the request asks for ``reasoning.summary`` (``auto`` unless the alias says otherwise)
and ``include: ["reasoning.encrypted_content"]`` (the item then stands on its own, also after
OpenAI has forgotten the stored response, and under zero data retention); the items are kept,
cleaned, in the turn's ``provider_data`` (so a save holds them) and put back on the assistant
message of the next request. No litellm import here (only ``agents/llm.py`` imports it).
"""

from __future__ import annotations

from typing import Any, Callable

SUMMARY_LEVELS = ("auto", "concise", "detailed")
SUMMARY_OFF = "off"
ENCRYPTED_REASONING = "reasoning.encrypted_content"
# What provider_data keeps of the message-level fields litellm returns on this route.
MESSAGE_FIELDS = ("phase", "openai_responses_replay")

# Bounds on what a server may make us keep (and write into every save).
MAX_ITEMS = 64
MAX_ID = 512
MAX_ENCRYPTED = 1_000_000
MAX_SUMMARY = 200_000


def on_route(check: Callable[..., bool] | None, model: str, *, tools: Any, reasoning_effort: str | None,
             api_base: str | None) -> bool:
    """Whether litellm will send this chat call to a Responses API. ``check`` is litellm's own
    answer (``chat_completion_ends_in_responses_api``); without it, the ``responses/`` prefix."""
    if check is not None:
        try:
            return bool(check(model, None, tools=tools or None, reasoning_effort=reasoning_effort,
                              api_base=api_base))
        except Exception:
            pass
    return "responses/" in model


def reasoning_params(effort: str | None, summary: str | None, reasoning_model: bool) -> dict[str, Any]:
    """The keyword arguments that ask for a summary and the encrypted items, for ``acompletion``;
    nothing when summaries are off, reasoning is off, or litellm knows the model does not reason."""
    level = summary or "auto"
    if level == SUMMARY_OFF or effort == "none" or not reasoning_model:
        return {}
    reasoning: dict[str, Any] = {"summary": level}
    if effort:
        reasoning = {"effort": effort, **reasoning}
    return {"reasoning_effort": reasoning, "include": [ENCRYPTED_REASONING]}


def _text(value: Any, limit: int) -> str | None:
    return value if isinstance(value, str) and len(value) <= limit else None


def clean_items(raw: Any) -> list[dict[str, Any]]:
    """The reasoning items of a turn as plain, bounded data (no None: saves are TOML). An item
    with neither an id nor encrypted content cannot be sent back and is dropped."""
    out: list[dict[str, Any]] = []
    if not isinstance(raw, (list, tuple)):
        return out
    for item in raw[:MAX_ITEMS]:
        get = item.get if isinstance(item, dict) else (lambda k, _i=item: getattr(_i, k, None))
        if get("type") not in (None, "reasoning"):
            continue
        item_id, encrypted = _text(get("id"), MAX_ID), _text(get("encrypted_content"), MAX_ENCRYPTED)
        if not item_id and not encrypted:
            continue
        summary = []
        for part in get("summary") or []:
            text = part.get("text") if isinstance(part, dict) else getattr(part, "text", None)
            if isinstance(text, str) and len(text) <= MAX_SUMMARY:
                summary.append({"type": "summary_text", "text": text})
        kept: dict[str, Any] = {"type": "reasoning", "summary": summary}
        if item_id:
            kept["id"] = item_id
        if encrypted:
            kept["encrypted_content"] = encrypted
        out.append(kept)
    return out


def summary_text(items: list[dict[str, Any]]) -> str:
    """The summaries of the items, for a turn whose stream sent none as text."""
    return "\n\n".join(p["text"] for item in items for p in item.get("summary", ()) if p.get("text")).strip()


def clean_message_fields(raw: Any) -> dict[str, Any]:
    """The message-level fields litellm uses to replay the output items in their order (plain
    JSON already; anything else is dropped)."""
    if not isinstance(raw, dict):
        return {}
    return {k: raw[k] for k in MESSAGE_FIELDS if isinstance(raw.get(k), (str, dict)) and _plain(raw[k])}


def _plain(value: Any, depth: int = 0) -> bool:
    if depth > 8:
        return False
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v, depth + 1) for v in value)
    return isinstance(value, (str, int, float, bool))


def put_back(msg: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The assistant message with its turn's reasoning items (and their order) on it, the way
    litellm's bridge reads them back into the next request's input."""
    items = data.get("reasoning_items")
    if items:
        msg["reasoning_items"] = [dict(i, summary=[dict(p) for p in i.get("summary", ())]) for i in items]
    fields = data.get("message_fields")
    if fields:
        msg["provider_specific_fields"] = dict(fields)
    return msg
