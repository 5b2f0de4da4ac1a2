"""Settings: one typed object, a TOML file, environment overrides, no secrets."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from playground.settings import (
    ModelAlias,
    Settings,
    SettingsError,
    config_path,
    get_value,
    load_settings,
    resolve_agent_spec,
    save_settings,
    set_value,
)

FIXTURE = """
default_model = "fast"
theme = "textual-light"

[timeouts]
model = 45.0
retries = 2

[models.fast]
model = "openai/gpt-5.2"
reasoning_effort = "low"

[models.local]
model = "openai/qwen3-8b"
api_base = "http://127.0.0.1:8000/v1"
temperature = 0.2
max_tokens = 2048
"""


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "settings.toml"
    path.write_text(FIXTURE)
    monkeypatch.setenv("PLAYGROUND_CONFIG", str(path))
    monkeypatch.delenv("PLAYGROUND_DEFAULT_MODEL", raising=False)
    monkeypatch.delenv("PLAYGROUND_AUTOSAVE", raising=False)
    return path


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("PLAYGROUND_DEFAULT_MODEL", raising=False)
    monkeypatch.delenv("PLAYGROUND_AUTOSAVE", raising=False)
    s = load_settings()
    assert s == Settings() and s.autosave is True and s.theme == "textual-dark" and s.models == {}


def test_config_path_default_is_the_user_config_dir(monkeypatch):
    import platformdirs

    monkeypatch.delenv("PLAYGROUND_CONFIG", raising=False)
    assert config_path() == Path(platformdirs.user_config_dir("playground")) / "settings.toml"


def test_load_fixture(config):
    s = load_settings()
    assert s.default_model == "fast" and s.theme == "textual-light"
    assert s.timeouts.model == 45.0 and s.timeouts.retries == 2 and s.timeouts.backoff == 1.0
    assert s.models["local"] == ModelAlias(model="openai/qwen3-8b", api_base="http://127.0.0.1:8000/v1",
                                           temperature=0.2, max_tokens=2048)


def test_environment_overrides_are_not_saved(config, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DEFAULT_MODEL", "anthropic/claude-haiku-4-5")
    monkeypatch.setenv("PLAYGROUND_AUTOSAVE", "off")
    s = load_settings()
    assert s.default_model == "anthropic/claude-haiku-4-5" and s.autosave is False
    assert get_value(s, "default_model") == "anthropic/claude-haiku-4-5"
    save_settings(set_value(s, "theme", "nord"))
    on_disk = tomllib.loads(config.read_text())
    assert on_disk["default_model"] == "fast" and "autosave" in on_disk and on_disk["autosave"] is True
    assert on_disk["theme"] == "nord"


def test_bad_env_bool(config, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_AUTOSAVE", "perhaps")
    with pytest.raises(SettingsError, match="PLAYGROUND_AUTOSAVE"):
        load_settings()


@pytest.mark.parametrize("text, match", [
    ("theme = ", "not valid TOML"),
    ("colour = 'red'", "unknown setting"),
    ("[models.x]\nmodel = 'a'\ntemprature = 1", "did you mean 'temperature'"),
    ("[models.x]\nmodel = 'a'\nretries = -1", "models.x.retries"),
    ("[models.x]\nmodel = 'a'\napi_key = 'sk-abc'", "looks like a secret"),
    ("[models.x]\nmodel = 'a'\nanthropic_key = 'x'", "looks like a secret"),
    ("token = 'x'", "looks like a secret"),
    ("[models.x]\nmodel = 'sk-proj-abcdefghijklmnopqrstuvwx'", "looks like a secret"),
])
def test_bad_files_are_refused_with_a_message(tmp_path, text, match):
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=match) as info:
        load_settings(path, env=False)
    assert str(path) in str(info.value)


def test_set_value_coerces_and_validates():
    s = set_value(Settings(), "models.fast.model", "openai/gpt-5.2")
    s = set_value(s, "models.fast.temperature", "0.7")
    s = set_value(s, "models.fast.retries", "5")
    s = set_value(s, "autosave", "false")
    s = set_value(s, "timeouts.model", "30")
    assert s.models["fast"].temperature == 0.7 and s.models["fast"].retries == 5
    assert s.autosave is False and s.timeouts.model == 30.0
    assert get_value(s, "models.fast.model") == "openai/gpt-5.2" and get_value(s, "models.nope.model") is None
    s = set_value(s, "models.fast.temperature", "")
    assert s.models["fast"].temperature is None
    s = set_value(s, "models.fast", "")
    assert "fast" not in s.models


@pytest.mark.parametrize("key, value, match", [
    ("models.fast.api_key", "x", "secret"),
    ("models.fast.secret", "x", "secret"),
    ("openai_key", "x", "secret"),
    ("models.fast.model", "sk-ant-api03-abcdefghijkl", "looks like an API key"),
    ("models.fast.temperature", "hot", "temperature"),
    ("models.fast.temperature", "5", "temperature"),
    ("models.fast.reasoning_effort", "extreme", "reasoning_effort"),
    ("models.slow.temperature", "1", "set models.slow.model first"),
    ("models.fast.api_key_env", "sk live key", "NAME of an environment variable"),
    ("models.fast.api_base", "127.0.0.1:8000", "http"),
    ("colour", "red", "unknown setting"),
    ("models.fast", "x", "is a table"),
    ("models..model", "x", "not a settings key"),
])
def test_set_value_refuses(key, value, match):
    s = set_value(Settings(), "models.fast.model", "openai/gpt-5.2")
    with pytest.raises(SettingsError, match=match):
        set_value(s, key, value)


def test_save_is_atomic_and_round_trips(tmp_path):
    path = tmp_path / "deeper" / "settings.toml"
    s = set_value(Settings(), "models.local.model", "openai/llama")
    s = set_value(s, "models.local.api_base", "http://127.0.0.1:11434/v1")
    s = set_value(s, "models.local.api_key_env", "LOCAL_LLM_KEY")
    save_settings(s, path)
    assert load_settings(path, env=False) == s
    assert [p.name for p in path.parent.iterdir()] == ["settings.toml"]  # no temp file left behind
    assert "None" not in path.read_text() and "null" not in path.read_text()


def test_save_failure_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "settings.toml"
    save_settings(Settings(theme="one"), path)

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(SettingsError, match="cannot write the settings file .disk full"):
        save_settings(Settings(theme="two"), path)
    assert load_settings(path, env=False).theme == "one"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]


def test_resolve_agent_spec(config):
    s = load_settings()
    model, kw = resolve_agent_spec("local", s)
    assert model == "openai/qwen3-8b"
    assert kw == {"timeout": 45.0, "deadline": 600.0, "retries": 2, "backoff": 1.0, "api_base": "http://127.0.0.1:8000/v1",
                  "temperature": 0.2, "max_tokens": 2048}
    assert resolve_agent_spec("", s) == ("openai/gpt-5.2", {"timeout": 45.0, "deadline": 600.0, "retries": 2, "backoff": 1.0,
                                                            "reasoning_effort": "low"})
    assert resolve_agent_spec("deepseek/deepseek-chat", s)[0] == "deepseek/deepseek-chat"
    with pytest.raises(SettingsError):
        resolve_agent_spec("", Settings())


def test_alias_kwargs_build_an_agent(config):
    from playground.agents.llm import LiteLLMAgent

    agent = LiteLLMAgent.from_settings("local", load_settings())
    assert (agent.model, agent.api_base, agent.temperature, agent.timeout, agent.retries) == (
        "openai/qwen3-8b", "http://127.0.0.1:8000/v1", 0.2, 45.0, 2)


def test_agents_use_the_settings_they_are_given_and_never_read_the_file(config, monkeypatch):
    from playground import settings as settings_module
    from playground.agents import agent_factory, make_agent
    from playground.agents.llm import LiteLLMAgent
    from playground.launch import load, new_episode

    given = load_settings()

    def no_reads(*a, **k):
        raise AssertionError("the settings were read again")

    monkeypatch.setattr(settings_module, "load_settings", no_reads)
    ep = new_episode(load("peer_preservation/exfiltration_transfer"), agent="local")
    assert make_agent("local", ep, given).api_base == "http://127.0.0.1:8000/v1"
    assert agent_factory(given)("fast", ep).model == "openai/gpt-5.2"
    # no settings given: the built-in defaults (an alias means nothing, a model string works)
    plain = LiteLLMAgent.from_settings("openai/gpt-4.1-mini")
    assert (plain.model, plain.timeout, plain.retries) == ("openai/gpt-4.1-mini", 60.0, 3)


def test_environment_overrides_apply_to_a_copy_and_never_reach_the_file(config, monkeypatch, tmp_path):
    from playground.settings import as_saved, with_env_overrides

    s = load_settings(env=False)
    monkeypatch.setenv("PLAYGROUND_DEFAULT_MODEL", "local")
    monkeypatch.setenv("PLAYGROUND_AUTOSAVE", "off")
    live = with_env_overrides(s)
    assert (live.default_model, live.autosave) == ("local", False)
    assert (s.default_model, s.autosave) == ("fast", True)  # the original is untouched
    assert as_saved(live) == s
    out = tmp_path / "out.toml"
    save_settings(set_value(as_saved(live), "theme", "nord"), out)
    data = tomllib.loads(out.read_text())
    assert (data["default_model"], data["autosave"], data["theme"]) == ("fast", True, "nord")
