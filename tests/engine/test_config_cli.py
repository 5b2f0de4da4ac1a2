import json
import tomllib

from click.testing import CliRunner

from playground.cli.main import cli


def test_config_set_get_show(tmp_path, monkeypatch):
    cfg = tmp_path / "settings.toml"
    monkeypatch.setenv("PLAYGROUND_CONFIG", str(cfg))
    r = CliRunner()
    assert r.invoke(cli, ["config", "set", "models.fast.model", "openai/gpt-5.2"]).exit_code == 0
    assert r.invoke(cli, ["config", "set", "models.fast.temperature", "1.0"]).exit_code == 0
    assert r.invoke(cli, ["config", "set", "default_model", "fast"]).exit_code == 0
    data = tomllib.loads(cfg.read_text())
    assert data["models"]["fast"]["model"] == "openai/gpt-5.2" and data["default_model"] == "fast"
    assert json.loads(r.invoke(cli, ["config", "get", "models.fast.temperature"]).output) == 1.0
    assert json.loads(r.invoke(cli, ["config", "show"]).output)["default_model"] == "fast"


def test_config_refuses_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_CONFIG", str(tmp_path / "s.toml"))
    out = CliRunner().invoke(cli, ["config", "set", "models.fast.api_key", "sk-abcdefghijklmnopqrstuvwxyz"])
    assert out.exit_code == 1 and "error:" in out.output
    written = tmp_path / "s.toml"
    assert not written.exists() or "sk-abcdefghijklmnopqrstuvwxyz" not in written.read_text()
