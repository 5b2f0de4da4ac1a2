"""The user's settings: one typed object, read from a TOML file.

Where: ``$PLAYGROUND_CONFIG`` if set (tests point it at a fixture), else
``settings.toml`` in ``platformdirs.user_config_dir("playground")``. Environment
overrides: ``PLAYGROUND_DEFAULT_MODEL``, ``PLAYGROUND_AUTOSAVE``. Saving is
atomic (temp file, fsync, rename) and never writes an overridden value back.

API keys never live here: a key that looks like a secret (``api_key``,
``*_key``, ``token``, ``secret``, ``password``) is refused on load and on
``set_value``; a model alias names the environment variable to read instead
(``api_key_env``).

    [models.fast]
    model = "openai/gpt-5.2"
    reasoning_effort = "low"

    [models.local]
    model = "openai/qwen3-8b"
    api_base = "http://127.0.0.1:8000/v1"
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

CONFIG_ENV = "PLAYGROUND_CONFIG"
ENV_OVERRIDES = {"default_model": "PLAYGROUND_DEFAULT_MODEL", "autosave": "PLAYGROUND_AUTOSAVE"}

_SECRET_NAME = re.compile(r"^(api_?key|key|token|secret|password|passwd|credentials?)$|"
                          r"[_-](key|token|secret|password|passwd)$|^(secret|token|password)[_-]", re.IGNORECASE)
_SECRET_VALUE = re.compile(r"^(sk-[A-Za-z0-9_-]{16,}|sk-ant-[A-Za-z0-9_-]{8,}|AIza[0-9A-Za-z_-]{20,}|"
                           r"xai-[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{20,})")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ALIAS = re.compile(r"^[A-Za-z0-9_.\-]+$")


class SettingsError(Exception):
    """A settings file or value that cannot be used; the message says which and why."""


def looks_secret(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ModelAlias(_Strict):
    """A name for a model and how to call it (becomes LiteLLMAgent's keyword arguments)."""

    model: str = Field(min_length=1, description="litellm model string, e.g. anthropic/claude-haiku-4-5")
    api_base: str | None = Field(default=None, description="endpoint for local or proxied servers")
    api_key_env: str | None = Field(default=None, description="environment variable holding the key (not the key)")
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None = None
    thinking_budget: int | None = Field(default=None, ge=0, description="Anthropic/Gemini thinking tokens")
    reasoning_summary: Literal["auto", "concise", "detailed", "off"] | None = Field(
        default=None, description="OpenAI Responses API: the reasoning summary to ask for (default auto)")
    timeout: float | None = Field(default=None, gt=0, description="seconds; default from [timeouts]")
    deadline: float | None = Field(default=None, gt=0, description="seconds for a whole call; default from [timeouts]")
    retries: int | None = Field(default=None, ge=0, le=10)

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, v: str | None) -> str | None:
        if v is not None and not _ENV_NAME.match(v):
            raise ValueError("must be the NAME of an environment variable (like OPENAI_API_KEY), not a key")
        return v

    @field_validator("api_base")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://", v):
            raise ValueError("must start with http:// or https://")
        return v


class Timeouts(_Strict):
    model: float = Field(default=60.0, gt=0, description="seconds a model call may stay silent")
    deadline: float = Field(default=600.0, gt=0, description="seconds a whole model call may take, however "
                                                               "steadily it streams")
    retries: int = Field(default=3, ge=0, le=10, description="automatic retries on 429 and 5xx")
    backoff: float = Field(default=1.0, ge=0, description="first retry wait; doubles each time")


class Settings(_Strict):
    models: dict[str, ModelAlias] = Field(default_factory=dict)
    default_model: str = ""
    timeouts: Timeouts = Field(default_factory=Timeouts)
    autosave: bool = True
    theme: str = "textual-dark"

    _overridden: dict[str, Any] = PrivateAttr(default_factory=dict)  # field -> value from the file

    @field_validator("models")
    @classmethod
    def _alias_names(cls, v: dict[str, ModelAlias]) -> dict[str, ModelAlias]:
        for name in v:
            if not _ALIAS.match(name):
                raise ValueError(f"alias {name!r}: use letters, digits, '.', '_' or '-'")
        return v


# -- where and how ---------------------------------------------------------------

def config_path() -> Path:
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("playground")) / "settings.toml"


def _find_secrets(data: Any, path: str = "") -> list[str]:
    found = []
    if isinstance(data, dict):
        for k, v in data.items():
            where = f"{path}.{k}" if path else str(k)
            if looks_secret(str(k)):
                found.append(where)
            found += _find_secrets(v, where)
    elif isinstance(data, str) and _SECRET_VALUE.match(data):
        found.append(path)
    return found


def _refuse_secrets(data: Any, source: str) -> None:
    bad = _find_secrets(data)
    if bad:
        raise SettingsError(f"{source}: {', '.join(bad)} looks like a secret. API keys are read from the "
                            "environment only; name the variable with api_key_env instead.")


def _problems(exc: ValidationError, source: str) -> SettingsError:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(settings)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown setting" + _suggest(loc)
        lines.append(f"{source}: {loc}: {msg}" if source else f"{loc}: {msg}")
    return SettingsError("\n".join(lines))


def _suggest(loc: str) -> str:
    parts = loc.split(".")
    if parts[0] == "models" and len(parts) >= 3:
        names = list(ModelAlias.model_fields)
    elif parts[0] == "timeouts" and len(parts) >= 2:
        names = list(Timeouts.model_fields)
    else:
        names = list(Settings.model_fields)
    close = difflib.get_close_matches(parts[-1], names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(names)})"


def _env_bool(name: str, value: str) -> bool:
    v = value.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={value!r}: expected true or false")


def load_settings(path: Path | str | None = None, *, env: bool = True) -> Settings:
    """Read the settings file (defaults if there is none), then apply environment overrides."""
    p = Path(path) if path is not None else config_path()
    data: dict[str, Any] = {}
    if p.is_file():
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{p}: not valid TOML ({exc})") from None
        except OSError as exc:
            raise SettingsError(f"{p}: cannot read ({exc.strerror})") from None
    _refuse_secrets(data, str(p))
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise _problems(exc, str(p)) from None
    _note_key_envs(settings)
    return with_env_overrides(settings) if env else settings


def _note_key_envs(settings: Settings) -> None:
    from .redaction import note_key_envs

    note_key_envs(alias.api_key_env for alias in settings.models.values())  # their values are keys: redact them


def with_env_overrides(settings: Settings) -> Settings:
    """A copy of ``settings`` with the ``PLAYGROUND_*`` environment overrides applied; the values
    they replace are kept, so ``settings_dict`` (what the file holds) never writes an override back.
    The variables its aliases name as keys are noted for redaction (as on load)."""
    _note_key_envs(settings)
    out = settings.model_copy(deep=True)
    out._overridden = dict(settings._overridden)
    for field, var in ENV_OVERRIDES.items():
        raw = os.environ.get(var)
        if raw is None or raw == "":
            continue
        original = getattr(out, field)
        setattr(out, field, _env_bool(var, raw) if field == "autosave" else raw.strip())
        out._overridden.setdefault(field, original)
    return out


def settings_dict(settings: Settings) -> dict[str, Any]:
    """What the file holds: no None values (TOML has no null), no environment overrides."""
    data = settings.model_dump(exclude_none=True)
    for field, original in settings._overridden.items():
        data[field] = original
    return data


def as_saved(settings: Settings) -> Settings:
    """The settings as the file holds them (environment overrides taken back out), for editing."""
    return Settings.model_validate(settings_dict(settings))


def save_settings(settings: Settings, path: Path | str | None = None) -> Path:
    """Write atomically: a temp file beside the target, fsync, rename."""
    import tomli_w

    p = Path(path) if path is not None else config_path()
    data = settings_dict(settings)
    _refuse_secrets(data, str(p))
    text = "# playground settings. API keys are read from the environment, never from this file.\n"
    text += tomli_w.dumps(data)
    from .atomic import atomic_write  # the one atomic writer (temp file, fsync, rename)

    try:
        atomic_write(p, text)
    except OSError as exc:  # a read-only or full disk: say so, in words
        raise SettingsError(f"{p}: cannot write the settings file ({exc.strerror or exc})") from None
    return p


# -- reading and changing one value ------------------------------------------------

def _split(key: str) -> list[str]:
    parts = key.strip().split(".")
    if not key.strip() or any(not p for p in parts):
        raise SettingsError(f"{key!r}: not a settings key (like models.fast.model or timeouts.model)")
    if any(looks_secret(p) for p in parts):
        raise SettingsError(f"{key}: looks like a secret. API keys are read from the environment only; "
                            "set models.<alias>.api_key_env to the variable's name instead.")
    return parts


def get_value(settings: Settings, key: str) -> Any:
    """The value in effect (environment overrides included), or None when unset."""
    node: Any = settings.model_dump(exclude_none=True)
    for part in _split(key):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def set_value(settings: Settings, key: str, value: Any) -> Settings:
    """A copy of ``settings`` with ``key`` (dotted) set to ``value``, validated.

    ``value`` may be a string from the command line: pydantic turns "3" into 3 and
    "true" into True where the field wants it. "" (or None) unsets an optional value;
    ``models.<alias>`` with value "" removes the alias.
    """
    parts = _split(key)
    if isinstance(value, str) and _SECRET_VALUE.match(value.strip()):
        raise SettingsError(f"{key}: that value looks like an API key; keys are read from the environment only.")
    data = settings_dict(settings)
    unset = value is None or (isinstance(value, str) and value.strip() == "")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict):
            raise SettingsError(f"{key}: {'.'.join(parts[:i])} is not a table")
        if part not in node:
            if i == 1 and parts[0] == "models" and not unset:
                node[part] = {}
            elif unset:
                return settings
            else:
                raise SettingsError(f"{key}: unknown setting{_suggest('.'.join(parts[: i + 1]))}")
        node = node[part]
    if not isinstance(node, dict):
        raise SettingsError(f"{key}: {'.'.join(parts[:-1])} is not a table")
    last = parts[-1]
    if unset:
        node.pop(last, None)
    else:
        if isinstance(node.get(last), dict):
            raise SettingsError(f"{key} is a table; set one of its keys (like {key}.model)")
        node[last] = value.strip() if isinstance(value, str) else value
    if parts[0] == "models" and len(parts) == 3 and "model" not in data["models"].get(parts[1], {"model": 1}):
        raise SettingsError(f"{key}: alias {parts[1]!r} has no model yet; set models.{parts[1]}.model first")
    try:
        new = Settings.model_validate(data)
    except ValidationError as exc:
        raise _problems(exc, "") from None
    return new


# -- agents ------------------------------------------------------------------------

def resolve_agent_spec(spec: str, settings: Settings) -> tuple[str, dict[str, Any]]:
    """``(litellm model string, LiteLLMAgent keyword arguments)`` for an alias or a model string.

    An empty spec means the settings' default model (itself an alias or a model string).
    """
    spec = (spec or "").strip() or settings.default_model.strip()
    if not spec:
        raise SettingsError("no model given and no default_model in settings")
    t = settings.timeouts
    kwargs: dict[str, Any] = {"timeout": t.model, "deadline": t.deadline, "retries": t.retries, "backoff": t.backoff}
    alias = settings.models.get(spec)
    if alias is None:
        return spec, kwargs
    for name, value in alias.model_dump(exclude_none=True).items():
        if name != "model":
            kwargs[name] = value
    return alias.model, kwargs
