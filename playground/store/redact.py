"""What a save or an export may hold: no key (``playground.redaction`` says which), no None
(TOML has no null), and only text that can be encoded (a lone UTF-16 surrogate
from a model becomes U+FFFD instead of failing the write)."""

from __future__ import annotations

import re
from typing import Any

from ..redaction import REDACTED, secret_values

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def secrets() -> list[str]:
    """Every key value redaction knows of (``playground.redaction``: provider keys, the settings'
    ``api_key_env`` variables, anything named like a secret)."""
    return secret_values()


def encodable(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (the only str UTF-8 cannot encode)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub(REPLACEMENT, text)
    return text


def clean(value: Any, keys: list[str]) -> Any:
    """Drop None, redact every key in ``keys``, make every string encodable."""
    if isinstance(value, dict):
        return {encodable(str(k)): clean(v, keys) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [clean(v, keys) for v in value if v is not None]
    if isinstance(value, str):
        value = encodable(value)
        for s in keys:
            if s in value:
                value = value.replace(s, REDACTED)
        return value
    return value
