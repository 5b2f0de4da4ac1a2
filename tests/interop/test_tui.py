"""``playground tui FILE.eval``: an Inspect log opens in the stepper (each sample imported first)."""

from __future__ import annotations

import pytest

from .conftest import MISSING

pytest.importorskip("inspect_ai", reason=MISSING)  # before anything that needs the extra

from inspect_ai import eval_async

from playground.tui.app import PlaygroundApp
from playground.tui.screens.episode import EpisodeScreen

from tui.helpers import config, settle  # tests/ is on sys.path, as for conftest_llm
from .conftest import REF


async def test_an_inspect_log_opens_as_imported_episodes(tmp_path):
    [log] = await eval_async("playground/scenario", task_args={"scenario": REF, "monitoring": "off"},
                         model="playground/scripted/monitor_sensitive", epochs=2, log_dir=str(tmp_path / "logs"))
    app = PlaygroundApp(config(tmp_path), target=log.location)
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(200):
            await settle(pilot)
            if isinstance(app.screen, EpisodeScreen) or not any(w.is_running for w in app.workers):
                break
            await pilot.pause(0.05)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EpisodeScreen)
        assert screen.session.agent_spec == "recorded/scripted/monitor_sensitive" and screen.session.state.step == 5
        assert len(list((tmp_path / "saves").glob("*.toml"))) == 2
