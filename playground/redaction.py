"""Keys never leave the process: every place that writes text out (saves, exports, logs, the
headless transcript on stdout, error messages) passes it through ``redact``.

What counts as a key: the value of any environment variable a provider reads its key from, of any
variable the settings name as an alias's ``api_key_env`` (whatever it is called: ``LLM_CRED`` too),
and of any variable whose name says it holds a secret (KEY, TOKEN, SECRET, PASSWORD, CRED, AUTH).
Values shorter than 8 characters are not redacted (they would blank out ordinary words).
Base module: imports nothing of ours.
"""

from __future__ import annotations

import os
import re
from typing import Any, Iterable

PROVIDER_KEY_ENVS = frozenset({
    "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "DEEPSEEK_API_KEY",
    "OPENROUTER_API_KEY", "MOONSHOT_API_KEY", "ZAI_API_KEY", "XAI_API_KEY", "MISTRAL_API_KEY", "GROQ_API_KEY",
    "TOGETHERAI_API_KEY", "TOGETHER_API_KEY", "FIREWORKS_AI_API_KEY", "DEEPINFRA_API_KEY", "CEREBRAS_API_KEY",
    "DASHSCOPE_API_KEY", "HOSTED_VLLM_API_KEY", "AZURE_API_KEY", "COHERE_API_KEY", "HUGGINGFACE_API_KEY",
    "HF_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
})
SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW|CRED|AUTH", re.IGNORECASE)
MIN_SECRET = 8
REDACTED = "[redacted]"

_named: set[str] = set()  # variables the settings name as keys (api_key_env), registered when loaded


def note_key_envs(names: Iterable[str | None]) -> None:
    """Remember variables that hold keys (an alias's ``api_key_env``), so their values are redacted."""
    _named.update(n for n in names if n)


def secret_values(environ: dict[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    names = {n for n in env if SECRET_NAME.search(n)} | PROVIDER_KEY_ENVS | _named
    values = {env[n] for n in names if len(env.get(n) or "") >= MIN_SECRET}
    return sorted(values, key=len, reverse=True)  # longest first: a key containing another goes whole


def redact(text: str, secrets: list[str] | None = None) -> str:
    for s in secret_values() if secrets is None else secrets:
        if s in text:
            text = text.replace(s, REDACTED)
    return text


def redact_data(value: Any, secrets: list[str] | None = None) -> Any:
    """``redact`` over every string in nested dicts and lists."""
    secrets = secret_values() if secrets is None else secrets
    if not secrets:
        return value
    if isinstance(value, dict):
        return {k: redact_data(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(v, secrets) for v in value]
    if isinstance(value, str):
        return redact(value, secrets)
    return value
