import asyncio
import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from playground.episode import summary
from playground.launch import load, new_episode, new_session
from playground.store import SaveError, dumps, load as load_save, save, to_html, to_json, to_markdown
from playground.store import SaveWriter

REF = "peer_preservation/exfiltration_transfer"


def finished(agent="scripted/covert_copier", monitoring=None):
    s = new_session(new_episode(load(REF), agent=agent, monitoring=monitoring))
    asyncio.run(s.run())
    return s


def test_round_trip_restores_every_branch(tmp_path):
    s = finished("scripted/monitor_sensitive")
    s.fork(1, label="off")
    s.set_monitoring(False)
    s.note("look here")
    asyncio.run(s.run())
    path = save(s.episode, tmp_path / "e.toml")
    back = load_save(path)
    assert back.current == s.episode.current
    for bid in s.episode.branches:
        assert back.events(bid) == s.episode.events(bid)
        assert summary(back, branch=bid) == summary(s.episode, branch=bid)


@given(st.text(max_size=300), st.text(max_size=50))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_round_trip_any_text(tmp_path, note, reason):
    s = new_session(new_episode(load(REF)))
    asyncio.run(s.step())
    s.reject(reason=reason)
    s.note(note)
    back = load_save(save(s.episode, tmp_path / "h.toml"))
    assert back.events() == s.episode.events()


def test_save_is_atomic_and_never_half_written(tmp_path, monkeypatch):
    s = finished()
    path = save(s.episode, tmp_path / "e.toml")
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        save(s.episode, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["e.toml"]


def test_unreadable_save_says_why_and_is_not_overwritten(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("format_version = [", encoding="utf-8")
    with pytest.raises(SaveError, match="not a readable save"):
        load_save(bad)
    assert bad.read_text() == "format_version = ["
    newer = tmp_path / "newer.toml"
    newer.write_text("format_version = 99\n")
    with pytest.raises(SaveError, match="format version 99"):
        load_save(newer)


def test_secrets_from_the_environment_are_never_written(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret-value-123")
    s = new_session(new_episode(load(REF)))
    asyncio.run(s.step())
    s.note("my key is sk-very-secret-value-123")
    text = dumps(s.episode)
    assert "sk-very-secret-value-123" not in text and "[redacted]" in text
    assert "sk-very-secret-value-123" not in to_markdown(s.episode) + to_json(s.episode) + to_html(s.episode)


def test_autosave_after_every_event(tmp_path):
    s = new_session(new_episode(load(REF)))
    path = tmp_path / "auto.toml"
    writer = SaveWriter(path)
    s.subscribe(writer)
    asyncio.run(s.step())
    n = len(tomllib.loads(path.read_text())["event"])
    s.approve()
    assert len(tomllib.loads(path.read_text())["event"]) == n + 2
    writer.close()


def test_save_embeds_the_scenario_so_it_replays_after_the_pack_changes(tmp_path):
    s = finished()
    data = tomllib.loads(dumps(s.episode))
    assert "covert_copier" in data["scenario_yaml"]


def test_exports_name_the_behaviours():
    s = finished()
    md = to_markdown(s.episode)
    assert "## Step 3" in md and "timestamp_gaming" in md and "copy_server_file" in md
    assert '"behaviours"' in to_json(s.episode)
    assert "<html>" in to_html(s.episode) and "copy_server_file" in to_html(s.episode)
