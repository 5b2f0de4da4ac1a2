"""Real models through litellm: one streamed call per turn, rebuilt into a ModelTurn.

litellm is imported on the first call, never when this module is imported (a
headless scripted run must not pay for it), and with its network look-ups off
(``LITELLM_OFFLINE_MODE``, the bundled cost map). API keys come from the
environment only: this module reads them, passes them to litellm, and never
stores, logs or returns them.
"""

from __future__ import annotations

import asyncio
import os
import warnings
from typing import Any

from ..episode.agent_api import AgentFailure, Delta, TurnRequest
from ..episode.events import ModelTurn, ToolCall
from . import llm_responses
from .llm_errors import KEY_ENV, classify
from .llm_stream import TurnAccumulator, usage_dict

_litellm: Any = None

# Providers whose reasoning models want their own reasoning_content sent back on assistant turns.
_REASONING_BACK = {"deepseek", "moonshot", "zai"}
_LOCAL_OPENAI = {"openai", "hosted_vllm", "lm_studio", "llamafile", "ollama", "ollama_chat"}
# Where litellm would send an openai/ request when no api_base is given, read from the environment.
_OPENAI_BASE_ENVS = ("OPENAI_API_BASE", "OPENAI_BASE_URL")
_OPENAI_HOSTS = ("api.openai.com",)


def _env_openai_base() -> str | None:
    """An OpenAI base URL set in the environment that is not OpenAI's own: litellm would send
    OPENAI_API_KEY there, so we treat it as the user's own server (its key must be named)."""
    for var in _OPENAI_BASE_ENVS:
        value = (os.environ.get(var) or "").strip()
        if value and not any(host in value for host in _OPENAI_HOSTS):
            return value
    return None


def load_litellm() -> Any:
    """Import litellm once, offline and quiet."""
    global _litellm
    if _litellm is None:
        os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        litellm.suppress_debug_info = True
        litellm.telemetry = False  # gone from recent releases; harmless where it is
        litellm.drop_params = True  # a parameter a model does not take is dropped, not an error
        _litellm = litellm
    return _litellm


def _responses_check() -> Any:
    """litellm's own answer to "does this chat call end in a Responses API?" (None if it has none)."""
    load_litellm()
    try:
        from litellm.responses.bridge_check import chat_completion_ends_in_responses_api
    except ImportError:
        return None
    return chat_completion_ends_in_responses_api


def _reasons(model: str) -> bool:
    """Whether the model reasons, by litellm's table; a model it does not know is taken to."""
    litellm = load_litellm()
    for name in dict.fromkeys((model, model.replace("responses/", "", 1))):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return bool(litellm.get_model_info(name).get("supports_reasoning"))
        except Exception:
            continue
    return True


def _provider_of(model: str, api_base: str | None) -> str:
    try:
        return load_litellm().get_llm_provider(model=model, api_base=api_base)[1] or ""
    except Exception:
        return model.split("/", 1)[0] if "/" in model else ""


class LiteLLMAgent:
    scripted = False

    def __init__(self, spec: str, *, api_base: str | None = None, api_key_env: str | None = None,
                 temperature: float | None = None, max_tokens: int | None = None,
                 reasoning_effort: str | None = None, thinking_budget: int | None = None,
                 reasoning_summary: str | None = None, timeout: float = 60.0, deadline: float | None = 600.0,
                 retries: int = 3, backoff: float = 1.0, stream: bool = True):
        self.name = spec
        self.model = spec
        self.api_base = api_base or None
        self.env_base = None if api_base else _env_openai_base()  # the environment's base, when it is not OpenAI
        self.api_key_env = api_key_env or None
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.reasoning_effort = reasoning_effort
        self.thinking_budget = thinking_budget
        self.reasoning_summary = reasoning_summary  # Responses API: "auto" (None), "concise", "detailed", "off"
        self.timeout = float(timeout)  # the longest a call may stay silent (per chunk)
        self.deadline = max(float(deadline), self.timeout) if deadline else None  # the whole call
        self.retries = max(0, int(retries))
        self.backoff = max(0.0, float(backoff))
        self.stream = stream
        self._provider: str | None = None
        self._last_tools: list[dict[str, Any]] = []

    @classmethod
    def from_settings(cls, spec: str, settings: Any = None) -> "LiteLLMAgent":
        """An agent for ``spec``: a model alias from ``settings`` (the user's, which the entry point
        loaded once), or a litellm model string. No settings: the built-in defaults."""
        from ..settings import Settings, SettingsError, resolve_agent_spec

        try:
            model, kwargs = resolve_agent_spec(spec, settings if settings is not None else Settings())
        except SettingsError as exc:
            raise AgentFailure(str(exc), False) from None
        return cls(model, **kwargs)

    def __repr__(self) -> str:  # no key material in here, ever
        return f"LiteLLMAgent({self.model!r}, api_base={self.api_base!r})"

    # -- provider facts -------------------------------------------------------
    @property
    def provider(self) -> str:
        if self._provider is None:
            self._provider = _provider_of(self.model, self.api_base)
        return self._provider

    @property
    def _own_server(self) -> bool:
        """An OpenAI-compatible server of the user's own (Ollama, vLLM, llama.cpp, a proxy), named by the
        alias's api_base or by OPENAI_API_BASE in the environment."""
        return bool(self.api_base or (self.env_base and self.provider == "openai")) and self.provider in _LOCAL_OPENAI

    @property
    def key_env(self) -> str | None:
        """The environment variable the key comes from; None for a server of one's own without api_key_env."""
        if self.api_key_env:
            return self.api_key_env
        return None if self._own_server else KEY_ENV.get(self.provider)

    def _api_key(self) -> str | None:
        if self.api_key_env:
            value = os.environ.get(self.api_key_env)
            if not value:
                raise AgentFailure(f"{self.model}: {self.api_key_env} is not set in the environment "
                                   "(keys are read from the environment only).", False)
            return value
        if self._own_server:
            # Never hand OPENAI_API_KEY to some other host; a server without auth still wants a key.
            return "not-needed"
        return None

    # -- building the request -------------------------------------------------
    def _messages(self, request: TurnRequest, responses: bool = False) -> list[dict[str, Any]]:
        """The episode's messages, with what this provider wants back from its own earlier turns
        (Anthropic thinking blocks with signatures, Gemini tool-call signatures, reasoning_content,
        and on the Responses route the reasoning items)."""
        history, k, out = request.history, 0, []
        for msg in request.messages:
            if msg.get("role") != "assistant" or k >= len(history):
                out.append(msg)
                continue
            turn = history[k]
            ids = [c.get("id") for c in msg.get("tool_calls") or []]
            if ids != [c.id for c in turn.tool_calls] or (msg.get("content") or None) != (turn.text or None):
                out.append(msg)
                continue
            k += 1
            out.append(self._augment(msg, turn, responses))
        return out

    def _augment(self, msg: dict[str, Any], turn: ModelTurn, responses: bool = False) -> dict[str, Any]:
        data = turn.provider_data or {}
        mine = data["provider"] == self.provider if "provider" in data else turn.agent == self.name
        if not mine:
            return msg  # signatures and reasoning only mean something to the provider that made them
        msg = dict(msg)
        if data.get("thinking_blocks"):
            msg["thinking_blocks"] = [dict(b) for b in data["thinking_blocks"]]
        fields = data.get("tool_call_fields") or {}
        if fields and msg.get("tool_calls"):
            msg["tool_calls"] = [dict(c, provider_specific_fields=dict(fields[c["id"]])) if c.get("id") in fields
                                 else c for c in msg["tool_calls"]]
        if self.provider in _REASONING_BACK and turn.reasoning:
            msg["reasoning_content"] = turn.reasoning
        if responses:  # only a Responses API reads them (a chat endpoint would refuse the field)
            llm_responses.put_back(msg, data)
        return msg

    def _on_responses_route(self, tools: list | None) -> bool:
        return llm_responses.on_route(_responses_check(), self.model, tools=tools,
                                      reasoning_effort=self.reasoning_effort, api_base=self.api_base)

    def _tools(self, request: TurnRequest, messages: list[dict[str, Any]]) -> tuple[list | None, str | None]:
        """Tools to offer; an interview (no tools) still declares them, with tool_choice "none",
        because some providers refuse a history with tool calls and no tool definitions."""
        if request.tools:
            self._last_tools = list(request.tools)
            return list(request.tools), None
        names = [c["function"]["name"] for m in messages for c in m.get("tool_calls") or []
                 if isinstance(c, dict) and c.get("function", {}).get("name")]
        if not names:
            return None, None
        tools = self._last_tools or [{"type": "function", "function": {
            "name": n, "description": "", "parameters": {"type": "object", "properties": {}}}}
            for n in dict.fromkeys(names)]
        return tools, "none"

    def _kwargs(self, request: TurnRequest) -> dict[str, Any]:
        tools, tool_choice = self._tools(request, request.messages)
        responses = self._on_responses_route(tools)
        messages = self._messages(request, responses)
        kw: dict[str, Any] = {"model": self.model, "messages": messages, "stream": self.stream,
                              "timeout": self.timeout, "num_retries": 0, "max_retries": 0}
        if self.stream:
            kw["stream_options"] = {"include_usage": True}
        if tools:
            kw["tools"] = tools
        if tool_choice:
            kw["tool_choice"] = tool_choice
        optional = {"api_base": self.api_base, "temperature": self.temperature, "max_tokens": self.max_tokens,
                    "reasoning_effort": self.reasoning_effort, "api_key": self._api_key()}
        kw.update({k: v for k, v in optional.items() if v is not None})
        if self.thinking_budget:
            kw["thinking"] = {"type": "enabled", "budget_tokens": int(self.thinking_budget)}
        if responses:  # a summary to show, and the items to send back (litellm asks for neither)
            kw.update(llm_responses.reasoning_params(self.reasoning_effort, self.reasoning_summary,
                                                     _reasons(self.model)))
        return kw

    # -- the call ---------------------------------------------------------------
    async def next_turn(self, request: TurnRequest) -> ModelTurn:
        litellm = load_litellm()
        kwargs = self._kwargs(request)
        secrets = [kwargs["api_key"]] if kwargs.get("api_key") else []
        if self.key_env and os.environ.get(self.key_env):
            secrets.append(os.environ[self.key_env])
        attempt = 0
        while True:
            try:
                if self.deadline is None:
                    return await self._once(litellm, kwargs, request)
                whole = asyncio.timeout(self.deadline)  # a server that trickles forever is a timeout too
                try:
                    async with whole:
                        return await self._once(litellm, kwargs, request)
                except TimeoutError:
                    if not whole.expired():
                        raise  # a silent stream (the per-chunk timeout), classified below
                    raise AgentFailure(f"{self.model}: the call did not finish within {self.deadline:g} s (the "
                                       "server kept streaming slowly). Retry, or raise the deadline in settings "
                                       "([timeouts] deadline, or the alias's deadline).", True) from None
            except (asyncio.CancelledError, AgentFailure):
                raise
            except Exception as exc:
                verdict = classify(exc, model=self.model, provider=self.provider, key_env=self.key_env,
                                   api_base=self.api_base or self.env_base, timeout=self.timeout, secrets=secrets,
                                   sent_no_key=self._own_server and not self.api_key_env)
                if verdict.retry_reason is None or attempt >= self.retries:
                    raise verdict.failure from None
                attempt += 1
                wait = self.backoff * 2 ** (attempt - 1)
                if verdict.retry_after is not None:
                    wait = max(wait, verdict.retry_after)
                _emit(request, "status", f"{verdict.retry_reason}; retrying in {wait:.1f} s "
                                         f"(attempt {attempt}/{self.retries})")
                await asyncio.sleep(wait)

    async def _once(self, litellm: Any, kwargs: dict[str, Any], request: TurnRequest) -> ModelTurn:
        acc = TurnAccumulator(lambda channel, piece: _emit(request, channel, piece))
        response = await litellm.acompletion(**kwargs)
        if not self.stream:
            acc.add_message(response)
            acc.finish()
            return self._turn(litellm, acc, kwargs, response)
        raw = _ProviderUsage.watch(response)
        iterator = response.__aiter__()
        try:
            while True:
                try:
                    async with asyncio.timeout(self.timeout):  # a stream that goes quiet is a timeout too
                        chunk = await iterator.__anext__()
                except StopAsyncIteration:
                    break
                acc.add_chunk(chunk)
        finally:
            await _close(response)
        acc.finish()
        if raw is not None:
            if raw.usage is not None:
                acc.usage = raw.usage  # the provider's own count, also where litellm does not look for it
            elif acc.usage:
                acc.usage_estimated = True  # the provider sent no count: litellm's estimate, and said so
        return self._turn(litellm, acc, kwargs, None)

    def _turn(self, litellm: Any, acc: TurnAccumulator, kwargs: dict[str, Any], response: Any) -> ModelTurn:
        reasoning, text, calls, blocks = acc.result()
        usage = usage_dict(acc.usage)
        if getattr(acc, "usage_estimated", False) and usage:
            usage["estimated"] = True
        cost = self._cost(litellm, acc, kwargs, response)
        if cost is not None:
            usage["cost"] = cost
        provider_data: dict[str, Any] = {}
        if blocks:
            provider_data["thinking_blocks"] = blocks
        items = llm_responses.clean_items(acc.reasoning_items)
        if items:
            provider_data["reasoning_items"] = items  # sent back in the next request's input (and saved)
            message_fields = llm_responses.clean_message_fields(acc.message_fields)
            if message_fields:
                provider_data["message_fields"] = message_fields
            # The summary parts as the finished response holds them (litellm streams them joined by " ").
            reasoning = llm_responses.summary_text(items) or reasoning
        fields = {cid: f for cid, _, _, f in calls if f}
        if fields:
            provider_data["tool_call_fields"] = fields
        if provider_data:
            provider_data["provider"] = self.provider
        if acc.finish_reason and acc.finish_reason not in ("stop", "tool_calls", "end_turn", "tool_use"):
            provider_data["finish_reason"] = acc.finish_reason  # "length", "content_filter": worth seeing
        return ModelTurn(reasoning=reasoning, text=text,
                         tool_calls=tuple(ToolCall(cid, name, args) for cid, name, args, _ in calls),
                         usage=usage, agent=self.name, provider_data=provider_data)

    def _cost(self, litellm: Any, acc: TurnAccumulator, kwargs: dict[str, Any], response: Any) -> float | None:
        """Dollars, when litellm knows this model's price; None otherwise."""
        if not acc.usage:
            return None
        try:
            with warnings.catch_warnings():  # litellm's own pydantic deprecation noise
                warnings.simplefilter("ignore")
                built = response if response is not None else litellm.stream_chunk_builder(
                    acc.chunks, messages=kwargs["messages"])
                cost = litellm.completion_cost(completion_response=built, model=self.model)
        except Exception:
            return None
        return float(cost) if isinstance(cost, (int, float)) and cost > 0 else None


class _ProviderUsage:
    """Watches the provider's raw stream under litellm's wrapper for its token counts: Kimi sends
    them inside ``choices[0].usage`` of the last chunk, which litellm 1.110.2 ignores (it then
    reports its own estimate as if the provider had counted)."""

    def __init__(self, inner: Any) -> None:
        self.stream = inner
        self.inner = inner.__aiter__()
        self.usage: Any = None

    @classmethod
    def watch(cls, response: Any) -> "_ProviderUsage | None":
        stream = getattr(response, "completion_stream", None)
        if stream is None or not hasattr(stream, "__aiter__"):
            return None
        spy = cls(stream)
        try:
            response.completion_stream = spy
        except Exception:
            return None
        return spy

    def __aiter__(self) -> "_ProviderUsage":
        return self

    async def __anext__(self) -> Any:
        chunk = await self.inner.__anext__()
        top = getattr(chunk, "usage", None)
        if top:
            self.usage = top
        for choice in getattr(chunk, "choices", None) or []:
            extra = getattr(choice, "model_extra", None) or {}
            inner = getattr(choice, "usage", None) or extra.get("usage")
            if inner:
                self.usage = inner
        return chunk

    async def aclose(self) -> None:
        for closer in (getattr(self.stream, "aclose", None), getattr(self.stream, "close", None)):
            if closer is not None:
                await closer()
                return

    close = aclose


def _emit(request: TurnRequest, channel: str, text: str) -> None:
    if request.on_delta is not None and text:
        request.on_delta(Delta(channel, text))


async def _close(response: Any) -> None:
    """Close a stream (and its HTTP connection), also while being cancelled."""
    closer = getattr(response, "aclose", None)
    if closer is None:
        return
    try:
        await asyncio.shield(closer())
    except Exception:
        pass



def prices(model: str) -> tuple[float, float] | None:
    """(dollars per prompt token, per completion token) from litellm's price map, when it has the
    model (None for a local server's model or one it does not know)."""
    litellm = load_litellm()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            info = litellm.get_model_info(model)
    except Exception:
        return None
    prompt, completion = info.get("input_cost_per_token"), info.get("output_cost_per_token")
    if not isinstance(prompt, (int, float)) or not isinstance(completion, (int, float)):
        return None
    return float(prompt), float(completion)
