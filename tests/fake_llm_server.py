"""A scripted, OpenAI-compatible (and Anthropic- and Gemini-shaped) HTTP server
for testing the litellm agent without a real provider.

Pure stdlib: ``ThreadingHTTPServer`` on 127.0.0.1 with a random free port,
served from a background thread. Replies come from a queue the test fills with
``server.push(...)``; every request is recorded (path, headers, JSON body) in
``server.requests``. Everything is bounded: a hang waits at most
``MAX_HANG`` seconds (less if the client goes away or the server stops), and
an empty queue answers 500 instead of blocking.

Reply builders:
- ``openai_stream(...)``: SSE ``chat.completion.chunk`` events, ``data: [DONE]``
- ``openai_json(...)``: a non-streaming ``chat.completion``
- ``error(status, message)``: an HTTP error with an OpenAI-shaped error body
- ``hang(seconds)``: accept, then say nothing
- ``anthropic_stream(...)``: ``/v1/messages`` SSE events
- ``gemini_stream(...)``: ``:streamGenerateContent?alt=sse`` chunks
- ``responses_stream(...)`` / ``responses_json(...)``: OpenAI's Responses API (``POST /v1/responses``):
  SSE events from response.created to response.completed, or one response object
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_HANG = 5.0


@dataclass
class Reply:
    status: int = 200
    sse: list[str] | None = None  # raw SSE frames, each ending in a blank line
    body: Any = None  # a JSON body (non-streaming replies and errors)
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0  # seconds to wait before answering (bounded by MAX_HANG)
    chunk_delay: float = 0.0  # seconds between SSE frames
    pause_after: int | None = None  # stop after this many frames and wait (for cancellation tests)
    close_early: bool = False  # after hanging, close without answering


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes


# -- reply builders -------------------------------------------------------------

def _frame(data: Any, event: str | None = None) -> str:
    text = data if isinstance(data, str) else json.dumps(data)
    return (f"event: {event}\n" if event else "") + f"data: {text}\n\n"


def _chunk(delta: dict[str, Any], finish: str | None = None, model: str = "test-model", usage: dict | None = None,
           choices: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_700_000_000,
                           "model": model,
                           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}] if choices else []}
    if usage is not None:
        out["usage"] = usage
    return out


def usage_block(prompt: int = 11, completion: int = 7) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def openai_stream(*, reasoning: list[str] = (), text: list[str] = (), tool_calls: list[dict[str, Any]] = (),
                  usage: dict | None = None, reasoning_field: str = "reasoning_content", model: str = "test-model",
                  **reply: Any) -> Reply:
    """Stream reasoning pieces, then text pieces, then tool calls.

    Each tool call is ``{"id": ..., "name": ..., "fragments": [...], "index": n}``: its
    arguments arrive split into the given fragments, one chunk each (id and name
    only in the first, the way OpenAI sends them). ``id`` may be None to leave it out.
    """
    frames = [_frame(_chunk({"role": "assistant", "content": ""}, model=model))]
    for piece in reasoning:
        frames.append(_frame(_chunk({reasoning_field: piece}, model=model)))
    for piece in text:
        frames.append(_frame(_chunk({"content": piece}, model=model)))
    for n, call in enumerate(tool_calls):
        index = call.get("index", n)
        for k, frag in enumerate(call.get("fragments") or [""]):
            tc: dict[str, Any] = {"index": index, "function": {"arguments": frag}}
            if k == 0:
                if call.get("id") is not None:
                    tc["id"] = call["id"]
                tc["type"] = "function"
                tc["function"]["name"] = call["name"]
            frames.append(_frame(_chunk({"tool_calls": [tc]}, model=model)))
    finish = "tool_calls" if tool_calls else "stop"
    frames.append(_frame(_chunk({}, finish=finish, model=model)))
    frames.append(_frame(_chunk({}, model=model, usage=usage or usage_block(), choices=False)))
    frames.append(_frame("[DONE]"))
    return Reply(sse=frames, **reply)


def openai_json(*, text: str = "", reasoning: str | None = None, tool_calls: list[dict[str, Any]] = (),
                usage: dict | None = None, model: str = "test-model") -> Reply:
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if reasoning is not None:
        message["reasoning_content"] = reasoning
    if tool_calls:
        message["tool_calls"] = [{"id": c["id"], "type": "function",
                                  "function": {"name": c["name"], "arguments": c["arguments"]}} for c in tool_calls]
    return Reply(body={"id": "chatcmpl-fake", "object": "chat.completion", "created": 1_700_000_000, "model": model,
                       "choices": [{"index": 0, "message": message,
                                    "finish_reason": "tool_calls" if tool_calls else "stop"}],
                       "usage": usage or usage_block()})


def error(status: int, message: str = "", kind: str = "error", **reply: Any) -> Reply:
    body = {"error": {"message": message or f"fake error {status}", "type": kind, "code": status}}
    return Reply(status=status, body=body, **reply)


def hang(seconds: float = MAX_HANG) -> Reply:
    return Reply(hang=seconds, close_early=True)


def anthropic_stream(*, thinking: list[str] = (), signature: str = "sig-abc", text: list[str] = (),
                     tool: dict[str, Any] | None = None, input_tokens: int = 21, output_tokens: int = 9,
                     model: str = "claude-test", **reply: Any) -> Reply:
    """message_start, a thinking block (deltas + signature), a text block, a tool_use block, message_delta, stop."""
    frames = [_frame({"type": "message_start", "message": {
        "id": "msg_fake", "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": 1}}}, "message_start")]
    index = 0
    if thinking:
        frames.append(_frame({"type": "content_block_start", "index": index,
                              "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
                             "content_block_start"))
        for piece in thinking:
            frames.append(_frame({"type": "content_block_delta", "index": index,
                                  "delta": {"type": "thinking_delta", "thinking": piece}}, "content_block_delta"))
        frames.append(_frame({"type": "content_block_delta", "index": index,
                              "delta": {"type": "signature_delta", "signature": signature}}, "content_block_delta"))
        frames.append(_frame({"type": "content_block_stop", "index": index}, "content_block_stop"))
        index += 1
    if text:
        frames.append(_frame({"type": "content_block_start", "index": index,
                              "content_block": {"type": "text", "text": ""}}, "content_block_start"))
        for piece in text:
            frames.append(_frame({"type": "content_block_delta", "index": index,
                                  "delta": {"type": "text_delta", "text": piece}}, "content_block_delta"))
        frames.append(_frame({"type": "content_block_stop", "index": index}, "content_block_stop"))
        index += 1
    if tool:
        frames.append(_frame({"type": "content_block_start", "index": index,
                              "content_block": {"type": "tool_use", "id": tool["id"], "name": tool["name"],
                                                "input": {}}}, "content_block_start"))
        for frag in tool.get("fragments", []):
            frames.append(_frame({"type": "content_block_delta", "index": index,
                                  "delta": {"type": "input_json_delta", "partial_json": frag}}, "content_block_delta"))
        frames.append(_frame({"type": "content_block_stop", "index": index}, "content_block_stop"))
    frames.append(_frame({"type": "message_delta",
                          "delta": {"stop_reason": "tool_use" if tool else "end_turn", "stop_sequence": None},
                          "usage": {"output_tokens": output_tokens}}, "message_delta"))
    frames.append(_frame({"type": "message_stop"}, "message_stop"))
    return Reply(sse=frames, **reply)


def gemini_stream(*, thoughts: list[str] = (), text: list[str] = (), call: dict[str, Any] | None = None,
                  signature: str = "Z2VtaW5pLXNpZw==", prompt_tokens: int = 13, output_tokens: int = 8,
                  thought_tokens: int = 5, **reply: Any) -> Reply:
    """``streamGenerateContent?alt=sse`` chunks: thought parts, text parts, a functionCall with a thoughtSignature."""
    frames = []
    for piece in thoughts:
        frames.append(_frame({"candidates": [{"content": {"role": "model", "parts": [{"text": piece, "thought": True}]},
                                              "index": 0}]}))
    for piece in text:
        frames.append(_frame({"candidates": [{"content": {"role": "model", "parts": [{"text": piece}]}, "index": 0}]}))
    if call:
        part = {"functionCall": {"name": call["name"], "args": call.get("args", {})}, "thoughtSignature": signature}
        frames.append(_frame({"candidates": [{"content": {"role": "model", "parts": [part]}, "index": 0}]}))
    frames.append(_frame({"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]},
                                          "finishReason": "STOP", "index": 0}],
                          "usageMetadata": {"promptTokenCount": prompt_tokens, "candidatesTokenCount": output_tokens,
                                            "thoughtsTokenCount": thought_tokens,
                                            "totalTokenCount": prompt_tokens + output_tokens + thought_tokens},
                          "modelVersion": "gemini-test"}))
    return Reply(sse=frames, **reply)


# -- the server -----------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._send_json(404, {"error": {"message": f"no GET route {self.path}"}})

    def do_POST(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = None
        owner._record(Request("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body, raw))
        reply = owner._next()
        if reply is None:
            self._send_json(500, {"error": {"message": "fake server: no scripted reply left", "type": "server_error"}})
            return
        if reply.hang and not self._wait(reply.hang):
            return  # the client went away or the server is stopping
        if reply.close_early:
            self._close()
            return
        if reply.sse is None:
            self._send_json(reply.status, reply.body if reply.body is not None else {}, reply.headers)
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.end_headers()
        try:
            for n, frame in enumerate(reply.sse):
                if reply.pause_after is not None and n == reply.pause_after:
                    if not self._wait(MAX_HANG):
                        return
                elif reply.chunk_delay and n:
                    time.sleep(reply.chunk_delay)
                self.wfile.write(frame.encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            owner._disconnected(self.path)

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.server.owner._disconnected(self.path)

    def _wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` (at most MAX_HANG); False if the client hung up or the server stops."""
        deadline = time.monotonic() + min(seconds, MAX_HANG)
        owner = self.server.owner
        while time.monotonic() < deadline:
            if owner._stopping.is_set():
                return False
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable:
                try:
                    if self.connection.recv(1, socket.MSG_PEEK) == b"":
                        owner._disconnected(self.path)
                        return False
                except OSError:
                    owner._disconnected(self.path)
                    return False
        return True

    def _close(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: "FakeLLMServer"


class FakeLLMServer:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.disconnects: list[str] = []
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-llm-server", daemon=True)

    # -- lifecycle
    def start(self) -> "FakeLLMServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "FakeLLMServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- addresses
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base(self) -> str:
        return self.url + "/v1"

    # -- scripting
    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._replies.clear()
            self.requests.clear()
            self.disconnects.clear()

    @property
    def pending(self) -> int:
        return len(self._replies)

    def wait_disconnect(self, timeout: float = 3.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.disconnects:
                return True
            time.sleep(0.02)
        return False

    def _next(self) -> Reply | None:
        with self._lock:
            return self._replies.popleft() if self._replies else None

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _disconnected(self, path: str) -> None:
        with self._lock:
            self.disconnects.append(path)

    @property
    def bodies(self) -> list[Any]:
        return [r.body for r in self.requests]


# -- OpenAI's Responses API (POST /v1/responses) ----------------------------------

def _response_object(output: list[dict[str, Any]], *, status: str, model: str, usage: dict | None,
                     response_id: str) -> dict[str, Any]:
    return {"id": response_id, "object": "response", "created_at": 1_700_000_000, "status": status, "model": model,
            "output": output, "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
            "reasoning": {"effort": "medium", "summary": "auto"}, "text": {"format": {"type": "text"}},
            "usage": usage}


def responses_usage(input_tokens: int = 17, output_tokens: int = 9, reasoning_tokens: int = 5) -> dict[str, Any]:
    return {"input_tokens": input_tokens, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": input_tokens + output_tokens}


def responses_output(*, summary: list[str] = (), reasoning_id: str = "rs_1", encrypted: str | None = "enc-1",
                     text: str = "", calls: list[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The ``output`` items of one response: a reasoning item (its summary parts, its encrypted
    content), a message, function calls (``{"call_id", "name", "arguments"}``)."""
    output: list[dict[str, Any]] = []
    if summary or reasoning_id:
        item: dict[str, Any] = {"id": reasoning_id, "type": "reasoning",
                                "summary": [{"type": "summary_text", "text": s} for s in summary]}
        if encrypted is not None:
            item["encrypted_content"] = encrypted
        output.append(item)
    if text:
        output.append({"id": "msg_1", "type": "message", "role": "assistant", "status": "completed",
                       "content": [{"type": "output_text", "text": text, "annotations": []}]})
    for n, call in enumerate(calls):
        output.append({"id": call.get("id", f"fc_{n + 1}"), "type": "function_call", "status": "completed",
                       "call_id": call["call_id"], "name": call["name"], "arguments": call["arguments"]})
    return output


def responses_stream(*, summary: list[str] = (), reasoning_id: str = "rs_1", encrypted: str | None = "enc-1",
                     text: list[str] = (), calls: list[dict[str, Any]] = (), usage: dict | None = None,
                     model: str = "gpt-5.2", response_id: str = "resp_1", **reply: Any) -> Reply:
    """SSE events the way OpenAI streams a reasoning model's turn: response.created, a reasoning
    item whose summary arrives in response.reasoning_summary_text.delta events, a message's
    response.output_text.delta events, function calls whose arguments arrive in
    response.function_call_arguments.delta events (a call's ``fragments``), response.completed."""
    output = responses_output(summary=summary, reasoning_id=reasoning_id, encrypted=encrypted, text="".join(text),
                              calls=[dict(c, arguments="".join(c["fragments"])) for c in calls])
    seq = iter(range(10_000))
    frames: list[str] = []

    def emit(kind: str, **data: Any) -> None:
        frames.append(_frame({"type": kind, "sequence_number": next(seq), **data}, kind))

    emit("response.created", response=_response_object([], status="in_progress", model=model, usage=None,
                                                       response_id=response_id))
    for index, item in enumerate(output):
        kind = item["type"]
        if kind == "reasoning":
            emit("response.output_item.added", output_index=index, item=dict(item, summary=[],
                                                                              encrypted_content=None))
            for k, part in enumerate(summary):
                emit("response.reasoning_summary_part.added", item_id=item["id"], output_index=index,
                     summary_index=k, part={"type": "summary_text", "text": ""})
                for piece in _pieces(part):
                    emit("response.reasoning_summary_text.delta", item_id=item["id"], output_index=index,
                         summary_index=k, delta=piece)
                emit("response.reasoning_summary_text.done", item_id=item["id"], output_index=index,
                     summary_index=k, text=part)
                emit("response.reasoning_summary_part.done", item_id=item["id"], output_index=index,
                     summary_index=k, part={"type": "summary_text", "text": part})
        elif kind == "message":
            emit("response.output_item.added", output_index=index, item=dict(item, content=[], status="in_progress"))
            emit("response.content_part.added", item_id=item["id"], output_index=index, content_index=0,
                 part={"type": "output_text", "text": "", "annotations": []})
            for piece in text:
                emit("response.output_text.delta", item_id=item["id"], output_index=index, content_index=0,
                     delta=piece, logprobs=[])
            emit("response.output_text.done", item_id=item["id"], output_index=index, content_index=0,
                 text="".join(text), logprobs=[])
            emit("response.content_part.done", item_id=item["id"], output_index=index, content_index=0,
                 part=item["content"][0])
        else:
            call = calls[[o for o in output if o["type"] == "function_call"].index(item)]
            emit("response.output_item.added", output_index=index, item=dict(item, arguments="", status="in_progress"))
            for frag in call["fragments"]:
                emit("response.function_call_arguments.delta", item_id=item["id"], output_index=index, delta=frag)
            emit("response.function_call_arguments.done", item_id=item["id"], output_index=index,
                 arguments=item["arguments"])
        emit("response.output_item.done", output_index=index, item=item)
    emit("response.completed", response=_response_object(output, status="completed", model=model,
                                                         usage=usage or responses_usage(), response_id=response_id))
    return Reply(sse=frames, **reply)


def responses_json(*, summary: list[str] = (), reasoning_id: str = "rs_1", encrypted: str | None = "enc-1",
                   text: str = "", calls: list[dict[str, Any]] = (), usage: dict | None = None,
                   model: str = "gpt-5.2", response_id: str = "resp_1") -> Reply:
    """A non-streaming /v1/responses reply."""
    output = responses_output(summary=summary, reasoning_id=reasoning_id, encrypted=encrypted, text=text,
                              calls=calls)
    return Reply(body=_response_object(output, status="completed", model=model, usage=usage or responses_usage(),
                                       response_id=response_id))


def _pieces(text: str, size: int = 7) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]
