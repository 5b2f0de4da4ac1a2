"""Mapping what litellm raises onto ``AgentFailure`` messages a researcher can act on.

Classified by class names along the exception's MRO and cause chain plus its
``status_code``, so this module never imports litellm. ``classify`` answers the
failure to show and, for rate limits and server errors, the reason to retry
automatically first.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from ..episode.agent_api import AgentFailure

# The environment variable each provider reads its key from (litellm's names).
KEY_ENV: dict[str, str] = {
    "openai": "OPENAI_API_KEY",
    "text-completion-openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "moonshot": "MOONSHOT_API_KEY",
    "zai": "ZAI_API_KEY",
    "xai": "XAI_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "together_ai": "TOGETHERAI_API_KEY",
    "fireworks_ai": "FIREWORKS_AI_API_KEY",
    "deepinfra": "DEEPINFRA_API_KEY",
    "cerebras": "CEREBRAS_API_KEY",
    "dashscope": "DASHSCOPE_API_KEY",
    "hosted_vllm": "HOSTED_VLLM_API_KEY",
    "azure": "AZURE_API_KEY",
}

_MISSING_KEY = re.compile(r"missing credentials|missing .{0,40}api[ _]?key|api_key client option must be set|"
                          r"no (api )?key is set|set the `?\w*_API_KEY", re.IGNORECASE)
_CONTEXT = re.compile(r"context (length|window)|maximum context|prompt is too long|too many tokens|"
                      r"input is too long|exceeds the (maximum|context)", re.IGNORECASE)
_QUOTA = re.compile(r"insufficient_quota|exceeded your current quota|billing|credit balance", re.IGNORECASE)
# OpenAI refuses a reasoning summary to an organisation it has not verified (400, param reasoning.summary).
_SUMMARY = re.compile(r"reasoning[._ ]summar|verified to generate reasoning", re.IGNORECASE)
_REFUSED = re.compile(r"connection refused|connect call failed|cannot connect to host|name or service not known|"
                      r"nodename nor servname|failed to resolve|getaddrinfo failed", re.IGNORECASE)


@dataclass(frozen=True)
class Classified:
    failure: AgentFailure
    retry_reason: str | None = None  # set when an automatic retry with backoff is worth it
    retry_after: float | None = None  # seconds the provider asked us to wait


def _chain(exc: BaseException) -> list[BaseException]:
    out, seen = [], set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen and len(out) < 12:
        seen.add(id(cur))
        out.append(cur)
        nxt = getattr(cur, "original_exception", None)
        cur = nxt if isinstance(nxt, BaseException) else (cur.__cause__ or cur.__context__)
    return out


def _names(chain: list[BaseException]) -> set[str]:
    return {cls.__name__ for e in chain for cls in type(e).__mro__}


def _status(chain: list[BaseException]) -> int | None:
    for e in chain:
        code = getattr(e, "status_code", None)
        if isinstance(code, int) and code not in (408,):
            return code
    return None


# A wait the provider put in the body rather than a Retry-After header: Gemini's
# RetryInfo {"retryDelay": "2.4s"} and its message "Please retry in 2.4s" (also "in 850ms").
_BODY_DELAY = re.compile(r'"?retryDelay"?\s*:\s*"(\d+(?:\.\d+)?)s"|retry in (\d+(?:\.\d+)?)\s*(ms|s)\b',
                         re.IGNORECASE)


def _body_delay(text: str) -> float | None:
    m = _BODY_DELAY.search(text)
    if not m:
        return None
    if m.group(1):
        return float(m.group(1))
    value = float(m.group(2))
    return value / 1000 if m.group(3).lower() == "ms" else value


def _retry_after(chain: list[BaseException], text: str = "") -> float | None:
    for e in chain:
        headers = getattr(getattr(e, "response", None), "headers", None)
        value = headers.get("retry-after") if headers is not None else None
        if value:
            try:
                return max(0.0, min(float(value), 60.0))
            except ValueError:
                return None
    delay = _body_delay(text)
    return None if delay is None else max(0.0, min(delay, 60.0))


def scrub(text: str, secrets: list[str]) -> str:
    """Remove secret values (and anything shaped like a key) from a message."""
    for s in secrets:
        if s and len(s) >= 4:
            text = text.replace(s, "***")
    text = re.sub(r"\b(sk|sk-ant|sk-or|AIza)[-_A-Za-z0-9]{12,}", "***", text)
    return text


def provider_detail(exc: BaseException, secrets: list[str], limit: int = 240) -> str:
    """The provider's own words, without litellm's prefixes, one line, bounded."""
    text = str(exc)
    text = re.sub(r"""\bb(['"])(.*?)\1""", lambda m: m.group(2).encode("latin-1", "replace").decode("utf-8", "replace")
                  .replace("\\n", " "), text)  # a body quoted as b'...': its words, not a bytes repr
    text = re.sub(r"^(litellm\.\w+:\s*)+", "", text)
    text = re.sub(r"^(\w+Error:\s*)+", "", text)
    text = re.sub(r"\b\w+Exception - ", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = scrub(text, secrets)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def classify(exc: BaseException, *, model: str, provider: str, key_env: str | None, api_base: str | None,
             timeout: float, secrets: list[str] = (), sent_no_key: bool = False) -> Classified:
    chain = _chain(exc)
    names = _names(chain)
    status = _status(chain)
    detail = provider_detail(exc, list(secrets))
    text = " ".join(str(e) for e in chain)
    where = api_base or provider or "the provider"
    if key_env:
        env_hint = f"Set {key_env} in the environment"
    elif api_base:
        env_hint = (f"If {api_base} wants a key, put it in an environment variable and name that variable "
                    "with api_key_env in the model's settings")
    else:
        env_hint = "Set the provider's API key in the environment"

    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)) or names & {"Timeout", "APITimeoutError", "ReadTimeout",
                                                                         "ConnectTimeout", "TimeoutException"}:
        return Classified(AgentFailure(f"{model}: no answer within {timeout:g} s (timed out). Retry, or raise the "
                                       "model's timeout in settings.", True))
    if "ContextWindowExceededError" in names or (status == 400 and _CONTEXT.search(text)):
        return Classified(AgentFailure(f"{model}: the conversation no longer fits the model's context window "
                                       f"({detail}). Rewind or fork to a shorter history, or use a model with a "
                                       "longer context.", False))
    if (status == 401 or "AuthenticationError" in names) and sent_no_key:
        return Classified(AgentFailure(
            f"{model}: {where} wants a key (401: {detail}). For a server of your own playground sends no key "
            "(only the placeholder 'not-needed'), never your provider's key: put the server's key in an "
            "environment variable and name it in the model alias, e.g. "
            "`playground config set models.<alias>.api_key_env MY_SERVER_KEY`.", False))
    if status == 401 or "AuthenticationError" in names or _MISSING_KEY.search(text):
        return Classified(AgentFailure(f"{model}: the provider did not accept the API key (401: {detail}). "
                                       f"{env_hint} (keys are read from the environment only).", False))
    if status == 403 or "PermissionDeniedError" in names:
        return Classified(AgentFailure(f"{model}: access denied (403: {detail}). Check that the key in "
                                       f"{key_env or 'the environment'} may use this model.", False))
    if names & {"APIConnectionError", "ConnectError", "ClientConnectorError", "ConnectionRefusedError"} and (
            _REFUSED.search(text) or "ConnectionRefusedError" in names):
        return Classified(AgentFailure(f"{model}: could not connect to {where} (connection refused or host not "
                                       "found). Is the server running and the api_base right?", True))
    if status == 429 or "RateLimitError" in names:
        wait = _retry_after(chain, text)
        # Gemini's per-minute limit says "exceeded your current quota" too, but tells when to retry:
        # a quota that a wait fixes is a rate limit, not an exhausted budget.
        if _QUOTA.search(text) and wait is None:
            return Classified(AgentFailure(f"{model}: quota or credit exhausted (429: {detail}).", False))
        return Classified(AgentFailure(f"{model}: rate limited (429: {detail}). Wait a moment and retry.", True,
                                       wait), "rate limited", wait)
    if "Error parsing chunk" in text:  # litellm wraps a stream event it cannot read as a connection error (status 500)
        return Classified(AgentFailure(f"{model}: {where} sent a streamed reply that could not be read "
                                       f"({detail}).", True))
    if (status is not None and status >= 500) or names & {"InternalServerError", "ServiceUnavailableError",
                                                          "BadGatewayError"}:
        if names & {"APIConnectionError", "ConnectError", "ServerDisconnectedError", "RemoteProtocolError"}:
            return Classified(AgentFailure(f"{model}: the connection to {where} failed ({detail}).", True))
        code = status or 500
        wait = _retry_after(chain, text)
        return Classified(AgentFailure(f"{model}: the provider had a server error ({code}: {detail}). Retry later.",
                                       True, wait), f"server error ({code})", wait)
    if status == 404 or "NotFoundError" in names:
        return Classified(AgentFailure(f"{model}: model or endpoint not found (404: {detail}). Check the model "
                                       "string and api_base.", False))
    if status in (400, 422) and _SUMMARY.search(text):
        return Classified(AgentFailure(f"{model}: the provider refused the reasoning summary ({status}: {detail}). "
                                       "Summaries may need a verified organisation; to run without them set "
                                       "`playground config set models.<alias>.reasoning_summary off`.", False))
    if status in (400, 422) or names & {"BadRequestError", "UnsupportedParamsError", "UnprocessableEntityError"}:
        return Classified(AgentFailure(f"{model}: the provider rejected the request ({status or 400}: {detail}).",
                                       False))
    if names & {"APIConnectionError", "ConnectError", "ReadError", "RemoteProtocolError", "ServerDisconnectedError",
                "ClientConnectorError", "ClientPayloadError"}:
        return Classified(AgentFailure(f"{model}: the connection to {where} failed ({detail}).", True))
    return Classified(AgentFailure(f"{model}: {type(exc).__name__}: {detail}", True))
