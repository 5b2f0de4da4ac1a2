"""One handler for background tasks that fail: a readable, recoverable error on any screen
(issue 9, item 6), never a spinner that goes on forever or a traceback."""

from __future__ import annotations

from textual.widgets import Tree

from playground.tui.screens.home import HomeScreen

from .helpers import SIZE, app_for, open_episode
from .helpers import settle as _settle


async def settle(pilot):
    """``settle``, where a worker is expected to fail (its failure is what is tested)."""
    from textual.worker import WorkerFailed

    for _ in range(5):
        try:
            await _settle(pilot)
            return
        except WorkerFailed:
            await pilot.pause()


async def test_failing_pack_discovery_shows_an_error_not_a_spinner(tmp_path, monkeypatch):
    import playground.scenario.packs as packs

    def broken(_dirs):
        raise PermissionError("pack folder not readable")

    monkeypatch.setattr(packs, "discover_packs", broken)
    app = app_for(tmp_path)
    notes = []
    app.notify = lambda message, **kw: notes.append(message)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        tree = app.screen.query_one(Tree)
        assert not tree.loading
        labels = [str(n.label) for n in tree.root.children]
        assert any("Loading the scenario packs failed" in label and "not readable" in label for label in labels)
        assert notes and "PermissionError" in notes[0]
        await pilot.press("o")  # the app is alive and usable
        await settle(pilot)
        assert app.screen.__class__.__name__ == "SavesScreen"


async def test_a_failing_replay_keeps_the_episode_usable(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot)
        await pilot.press("space")
        await settle(pilot)

        def boom(*_args):
            raise RuntimeError("disk vanished")

        screen.session.fork = boom
        screen.history("fork", (0,))
        await settle(pilot)
        assert not screen.busy
        assert "Replaying the event log failed" in (screen.status.error or "")
        await pilot.press("space")  # still steps
        await settle(pilot)
        assert screen.session.state.step >= 1
