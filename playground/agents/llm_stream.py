"""Turning a stream of litellm chunks into one turn: reasoning, text, tool
calls, thinking blocks, usage. No litellm import here: chunks are read by
attribute (pydantic objects) or key (dicts), whichever they are.

Reasoning arrives in several shapes and all of them end up in ``reasoning``:
``delta.reasoning_content`` (DeepSeek, Kimi, GLM, Gemini thoughts, Anthropic via
litellm), ``delta.reasoning`` (vLLM / OpenRouter), Anthropic ``thinking_blocks``
(kept with their signatures so they can be sent back), and ``<think>...</think>``
inline in the text (split out here, also when a tag is cut across chunks). On
OpenAI's Responses route litellm streams the reasoning summary as
``reasoning_content`` and puts the turn's reasoning items on the last chunk
(``delta.reasoning_items``); they are kept here for ``llm_responses``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from ..world.jsontext import dumps

OPEN_TAG, CLOSE_TAG = "<think>", "</think>"


def get(obj: Any, name: str, default: Any = None) -> Any:
    """``obj.name`` or ``obj[name]``, for pydantic objects and plain dicts alike."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def as_dict(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return dict(obj)
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        try:
            return dict(dump())
        except Exception:
            pass
    return {k: v for k, v in vars(obj).items() if not k.startswith("_")} if hasattr(obj, "__dict__") else {}


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of ``text`` that could be the start of ``tag``."""
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:n]):
            return n
    return 0


class ThinkSplitter:
    """Splits ``<think>...</think>`` out of streamed text, across chunk boundaries."""

    def __init__(self) -> None:
        self.inside = False
        self.seen_tag = False
        self._buf = ""

    def feed(self, text: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        s, self._buf = self._buf + text, ""
        while s:
            tag = CLOSE_TAG if self.inside else OPEN_TAG
            i = s.find(tag)
            if i >= 0:
                if i:
                    out.append(("reasoning" if self.inside else "text", s[:i]))
                s = s[i + len(tag):]
                self.inside = not self.inside
                self.seen_tag = True
                continue
            keep = _partial_suffix(s, tag)
            if len(s) > keep:
                out.append(("reasoning" if self.inside else "text", s[: len(s) - keep]))
            self._buf = s[len(s) - keep:]
            break
        return out

    def flush(self) -> list[tuple[str, str]]:
        s, self._buf = self._buf, ""
        return [("reasoning" if self.inside else "text", s)] if s else []


def split_orphan_close(reasoning: str, text: str) -> tuple[str, str]:
    """Some chat templates open ``<think>`` in the prompt, so only ``</think>`` arrives:
    everything before it was reasoning."""
    if CLOSE_TAG in text and OPEN_TAG not in text:
        before, _, after = text.partition(CLOSE_TAG)
        return (reasoning + before), after
    return reasoning, text


@dataclass
class _Call:
    id: str = ""
    name: str = ""
    args: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)  # provider_specific_fields (Gemini thought signatures)


@dataclass
class _Block:
    type: str = "thinking"
    thinking: list[str] = field(default_factory=list)
    signature: str = ""
    data: str = ""  # redacted_thinking


class TurnAccumulator:
    """Feed it chunks (``add_chunk``) or a whole response (``add_message``); read the turn back."""

    def __init__(self, emit: Callable[[str, str], None] | None = None) -> None:
        self._emit = emit
        self.reasoning: list[str] = []
        self.text: list[str] = []
        self.calls: list[_Call] = []
        self._slot: dict[Any, int] = {}  # provider index -> position in calls
        self._last: Any = None
        self.blocks: dict[int, _Block] = {}
        self.usage: Any = None
        self.finish_reason: str | None = None
        self.splitter = ThinkSplitter()
        self.chunks: list[Any] = []
        self.reasoning_items: list[Any] = []  # Responses API reasoning items (litellm's last chunk)
        self.message_fields: dict[str, Any] = {}  # the message-level provider_specific_fields

    # -- feeding
    def _out(self, channel: str, piece: str) -> None:
        if not piece:
            return
        (self.reasoning if channel == "reasoning" else self.text).append(piece)
        if self._emit is not None:
            self._emit(channel, piece)

    def add_chunk(self, chunk: Any) -> None:
        self.chunks.append(chunk)
        usage = get(chunk, "usage")
        if usage:
            self.usage = usage
        for choice in get(chunk, "choices") or []:
            if get(choice, "finish_reason"):
                self.finish_reason = get(choice, "finish_reason")
            delta = get(choice, "delta")
            if delta is not None:
                self._add_delta(delta)

    def add_message(self, response: Any) -> None:
        """A non-streaming response: the same fields, all at once."""
        usage = get(response, "usage")
        if usage:
            self.usage = usage
        for choice in (get(response, "choices") or [])[:1]:
            self.finish_reason = get(choice, "finish_reason")
            message = get(choice, "message")
            if message is None:
                continue
            tool_calls = [dict(as_dict(tc), index=n) for n, tc in enumerate(get(message, "tool_calls") or [])]
            self._add_delta({"reasoning_content": get(message, "reasoning_content") or get(message, "reasoning"),
                             "thinking_blocks": [dict(as_dict(b), index=n)
                                                 for n, b in enumerate(get(message, "thinking_blocks") or [])],
                             "content": get(message, "content"), "tool_calls": tool_calls,
                             "reasoning_items": get(message, "reasoning_items"),
                             "provider_specific_fields": get(message, "provider_specific_fields")})

    def _add_delta(self, delta: Any) -> None:
        reasoning = get(delta, "reasoning_content")
        if not reasoning:
            reasoning = get(delta, "reasoning")
        if isinstance(reasoning, str) and reasoning:
            self._out("reasoning", reasoning)
        for block in get(delta, "thinking_blocks") or []:
            self._add_block(block, had_reasoning=bool(reasoning))
        content = get(delta, "content")
        if isinstance(content, str) and content:
            for channel, piece in self.splitter.feed(content):
                self._out(channel, piece)
        for tc in get(delta, "tool_calls") or []:
            self._add_tool_call(tc)
        items = get(delta, "reasoning_items")
        if isinstance(items, (list, tuple)) and items:
            self.reasoning_items = [as_dict(i) for i in items]  # the whole list, on the last chunk
        fields = get(delta, "provider_specific_fields")
        if isinstance(fields, dict) and fields:
            self.message_fields.update(fields)

    def _add_block(self, block: Any, had_reasoning: bool) -> None:
        b = as_dict(block)
        index = b.get("index")
        if not isinstance(index, int):
            index = max(self.blocks) if self.blocks else 0
        kind = b.get("type") or "thinking"
        cur = self.blocks.get(index)
        if cur is None or cur.type != kind:
            cur = self.blocks[index] = _Block(type=kind)
        piece = b.get("thinking") or ""
        if piece:
            cur.thinking.append(piece)
            if not had_reasoning:  # litellm normally mirrors it into reasoning_content; if not, do it here
                self._out("reasoning", piece)
        if b.get("signature"):
            cur.signature = b["signature"]
        if b.get("data"):
            cur.data += b["data"]

    def _add_tool_call(self, tc: Any) -> None:
        index = get(tc, "index")
        cid = get(tc, "id") or ""
        fn = get(tc, "function")
        name = get(fn, "name") or ""
        args = get(fn, "arguments")
        key: Any = index
        if not isinstance(index, int):  # no index: a new call if it has an id, else more of the last one
            key = ("auto", len(self.calls)) if cid or not self.calls else self._last
        pos = self._slot.get(key)
        if pos is not None and cid and self.calls[pos].id and self.calls[pos].id != cid:
            pos = None  # same index, a different call: some providers number every call 0
        if pos is None:
            pos = self._slot[key] = len(self.calls)
            self.calls.append(_Call())
        self._last = key
        call = self.calls[pos]
        if cid and not call.id:
            call.id = cid
        if name and not call.name:
            call.name = name
        if isinstance(args, str):
            call.args.append(args)
        elif isinstance(args, dict):
            call.args.append(dumps(args))
        fields = get(tc, "provider_specific_fields") or get(fn, "provider_specific_fields")
        if isinstance(fields, dict) and fields:
            call.fields.update(fields)

    def finish(self) -> None:
        for channel, piece in self.splitter.flush():
            self._out(channel, piece)

    # -- reading
    def result(self) -> tuple[str, str, list[tuple[str, str, str, dict[str, Any]]], list[dict[str, Any]]]:
        """(reasoning, text, [(id, name, arguments, provider fields)], thinking blocks worth sending back)."""
        reasoning, text = split_orphan_close("".join(self.reasoning), "".join(self.text))
        calls = []
        for c in self.calls:
            if not c.name and not c.args:
                continue
            calls.append((c.id or f"call_{uuid.uuid4().hex[:16]}", c.name, "".join(c.args), dict(c.fields)))
        blocks: list[dict[str, Any]] = []
        for _, b in sorted(self.blocks.items()):
            if b.type == "redacted_thinking" and b.data:
                blocks.append({"type": "redacted_thinking", "data": b.data})
            elif b.signature:
                blocks.append({"type": "thinking", "thinking": "".join(b.thinking), "signature": b.signature})
        if not reasoning.strip() and blocks:
            reasoning = "\n\n".join(b.get("thinking", "") for b in blocks if b.get("thinking"))
        return reasoning.strip(), text.strip(), calls, blocks


def usage_dict(usage: Any) -> dict[str, Any]:
    """prompt/completion tokens (and reasoning/cached tokens when the provider says)."""
    if not usage:
        return {}
    out: dict[str, Any] = {}
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        value = get(usage, key)
        if isinstance(value, int):
            out[key] = value
    details = get(usage, "completion_tokens_details")
    reasoning_tokens = get(details, "reasoning_tokens")
    if isinstance(reasoning_tokens, int) and reasoning_tokens:
        out["reasoning_tokens"] = reasoning_tokens
    cached = get(get(usage, "prompt_tokens_details"), "cached_tokens")
    if isinstance(cached, int) and cached:
        out["cached_tokens"] = cached
    return out
