"""Pilot tests for the other screens: home, setup, editor, saves, help, the
command palette, remapped keys and the resume offer."""

from __future__ import annotations


from playground.tui.dialogs.confirm import ConfirmDialog
from playground.tui.screens.editor import EditorScreen
from playground.tui.screens.episode import EpisodeScreen
from playground.tui.screens.help import HelpScreen
from playground.tui.screens.home import HomeScreen
from playground.tui.screens.saves import SavesScreen
from playground.tui.screens.setup import SetupScreen
from playground.tui.widgets.scenario_info import ScenarioInfo
from textual.widgets import Input, OptionList, Static, TextArea

from .helpers import PACKS, SIZE, app_for, open_episode, settle, text_of

SCENARIO_FILE = PACKS / "demo" / "exfiltration_transfer.yaml"


async def test_home_setup_preview_and_start_with_a_typed_model(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        info = text_of(home.query_one(ScenarioInfo))
        assert "Server decommission" in info and "Detectors" in info and "relationship" in info
        assert "d" in text_of(home.query_one("#first-run"))  # the offline demo is offered
        await pilot.press("enter")
        await settle(pilot)
        setup = app.screen
        assert isinstance(setup, SetupScreen)
        preview = text_of(setup.query_one("#preview-body", Static))
        assert "Nova Agent 1" in preview and "logged and reviewed" in preview
        setup.query_one("#monitoring").value = False  # the preview follows the belief
        await settle(pilot)
        assert "nobody reviews" in text_of(setup.query_one("#preview-body", Static))
        setup.query_one("#model", Input).value = "test/loop"  # any model string can be typed
        setup.query_one("#max-steps", Input).value = "7"
        await pilot.press("ctrl+g")
        await settle(pilot)
        episode = app.screen
        assert isinstance(episode, EpisodeScreen)
        assert episode.session.agent_spec == "test/loop" and episode.session.episode.max_steps == 7
        assert episode.session.state.monitored is False
        await pilot.press("g")
        await settle(pilot)
        assert episode.session.state.ended == "max_steps"


async def test_editor_error_navigation_save_and_run(tmp_path):
    target = tmp_path / "pack" / "demo_copy.yaml"
    target.parent.mkdir()
    (target.parent / "pack.yaml").write_text("id: mine\ntitle: Mine\n")
    good = SCENARIO_FILE.read_text(encoding="utf-8")
    bad = good.replace("max_steps: 25", "max_steps: lots")
    target.write_text(bad)
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_editor(target)
        await pilot.pause(0.5)  # the check is debounced
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, EditorScreen)
        problems = editor.query_one("#problems", OptionList)
        line = next(i for i, text in enumerate(bad.splitlines(), 1) if text.startswith("max_steps"))
        first = str(problems.get_option_at_index(0).prompt)
        assert first.startswith(f"{line}:12") and "integer" in first
        problems.focus()
        await pilot.press("enter")  # choose the problem: the cursor goes there
        await settle(pilot)
        area = editor.query_one("#yaml", TextArea)
        assert area.cursor_location == (line - 1, 11) and area.has_focus
        area.load_text(good)  # fix it; validated as you type
        await pilot.pause(0.5)
        await settle(pilot)
        assert editor.problems == [] and "valid" in str(problems.get_option_at_index(0).prompt)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert target.read_text() == good
        await pilot.press("ctrl+r")  # run this: straight to setup
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)


async def test_new_scenario_from_template_and_save_as(tmp_path):
    folder = tmp_path / "pack"
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        from playground.tui.screens.editor import new_scenario_flow

        new_scenario_flow(app, folder)
        await settle(pilot)
        app.screen.query_one(Input).value = "fresh"
        await pilot.press("enter")
        await pilot.pause(0.5)
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, EditorScreen) and editor.path == folder / "fresh.yaml"
        assert editor.problems == []  # the template is valid
        assert "id: fresh" in (folder / "fresh.yaml").read_text()
        await pilot.press("f2")
        await settle(pilot)
        app.screen.query_one(Input).value = "fresh_two"
        await pilot.press("enter")
        await settle(pilot)
        assert "id: fresh_two" in (folder / "fresh_two.yaml").read_text() and editor.path.name == "fresh_two.yaml"


async def test_saves_list_and_delete(tmp_path):
    app = app_for(tmp_path, autosave=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot)
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        path = screen.save_path
        await pilot.press("escape")  # home
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("o")
        await settle(pilot)
        saves = app.screen
        assert isinstance(saves, SavesScreen)
        for _ in range(40):  # the rows are described by a background worker
            await settle(pilot)
            if saves.rows[str(path)].described:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.1)  # a burst of rows is laid out once
        row = [str(cell) for cell in saves.query_one("DataTable").get_row_at(0)]  # cells are Text, never markup
        assert row[0].splitlines() == ["exfiltration_transfer", "scripted/covert_copier · ◉ monitored"]
        assert row[2] == "5 · ended" and "exfiltration" in row[3]
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")  # "no" keeps it
        await settle(pilot)
        assert path.exists()
        await pilot.press("d")
        await settle(pilot)
        await pilot.click("#yes")
        await settle(pilot)
        assert not path.exists() and not path.with_suffix(".ui.json").exists()


async def test_help_palette_and_remapped_keys(tmp_path):
    app = app_for(tmp_path, keymap={"episode.step": "j"})
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot)
        await pilot.press("j")  # remapped by binding id
        await settle(pilot)
        assert screen.session.state.step == 1
        commands = [c.title for c in app.get_system_commands(screen)]
        assert any(t.startswith("Approve") for t in commands) and any(t.startswith("Fork") for t in commands)
        assert any(t.startswith("Step  (j)") for t in commands)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        body = text_of(app.screen.query_one("#help-body", Static))
        assert "What am I looking at?" in body and "episode.toggle_monitoring" in body
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_cli_target_opens_setup_or_save(tmp_path):
    from playground.tui.app import PlaygroundApp

    from .helpers import config

    app = PlaygroundApp(config(tmp_path), target="demo/exfiltration_transfer")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
    bad = PlaygroundApp(config(tmp_path), target="demo/nope")
    async with bad.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(bad.screen, HomeScreen)  # a readable error, not a crash


async def test_settings_dialog_writes_the_settings_file(tmp_path, monkeypatch):
    import tomllib

    from textual.widgets import Switch

    from playground.tui.dialogs.settings_dialog import SettingsDialog

    cfg = tmp_path / "settings.toml"
    monkeypatch.setenv("PLAYGROUND_CONFIG", str(cfg))
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SettingsDialog)
        dialog.query_one("#alias", Input).value = "fast"
        dialog.query_one("#model", Input).value = "openai/gpt-4.1-mini"
        dialog.query_one("#add").press()
        await settle(pilot)
        dialog.query_one("#default_model", Input).value = "fast"
        dialog.query_one("#autosave", Switch).value = False
        dialog.query_one("#ok").press()
        await settle(pilot)
        assert not isinstance(app.screen, SettingsDialog)
        data = tomllib.loads(cfg.read_text())
        assert data["models"]["fast"]["model"] == "openai/gpt-4.1-mini"
        assert data["default_model"] == "fast" and data["autosave"] is False
        assert app.config.model_aliases == {"fast": "openai/gpt-4.1-mini"} and app.config.autosave is False


async def test_settings_dialog_edits_the_settings_the_app_read_once(tmp_path, monkeypatch):
    """The dialog starts from the app's one copy of the settings (as the file holds them: no
    environment override shown or written), never re-reads the file, and hands back what it
    saved; the app applies it with the environment's overrides on top."""
    import tomllib

    from playground import settings as settings_module
    from playground.settings import Settings, set_value, with_env_overrides
    from playground.tui.dialogs.settings_dialog import SettingsDialog

    cfg = tmp_path / "settings.toml"
    monkeypatch.setenv("PLAYGROUND_CONFIG", str(cfg))
    monkeypatch.setenv("PLAYGROUND_DEFAULT_MODEL", "from-env")
    app = app_for(tmp_path)
    app.config.use_settings(with_env_overrides(set_value(Settings(), "models.fast.model", "openai/gpt-5.2")
                                               .model_copy(update={"default_model": "fast"})))
    app.config.settings_path = cfg
    assert app.config.default_model == "from-env"

    def no_reads(*a, **k):
        raise AssertionError("the settings file was read again")

    monkeypatch.setattr(settings_module, "load_settings", no_reads)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SettingsDialog)
        assert dialog.query_one("#default_model", Input).value == "fast"  # the file's value, not the override
        dialog.query_one("#ok").press()
        await settle(pilot)
        assert not isinstance(app.screen, SettingsDialog)
    data = tomllib.loads(cfg.read_text())
    assert data["default_model"] == "fast" and data["models"]["fast"]["model"] == "openai/gpt-5.2"
    assert app.config.default_model == "from-env" and app.config.model_aliases == {"fast": "openai/gpt-5.2"}
    assert app.config.settings.models["fast"].model == "openai/gpt-5.2"


async def test_settings_dialog_refuses_a_bad_alias_without_writing(tmp_path, monkeypatch):
    from playground.tui.dialogs.settings_dialog import SettingsDialog

    cfg = tmp_path / "settings.toml"
    monkeypatch.setenv("PLAYGROUND_CONFIG", str(cfg))
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#alias", Input).value = "bad name!"
        dialog.query_one("#model", Input).value = "x/y"
        dialog.query_one("#add").press()
        await settle(pilot)
        assert isinstance(app.screen, SettingsDialog) and "alias" in text_of(dialog.query_one("#problem"))
        assert not cfg.exists()


async def test_e_on_an_invalid_scenario_opens_the_editor_at_its_first_problem(tmp_path):
    packs = tmp_path / "packs"
    pack = packs / "mine"
    pack.mkdir(parents=True)
    (pack / "pack.yaml").write_text("id: mine\ntitle: Mine\n")
    text = SCENARIO_FILE.read_text(encoding="utf-8").replace("\n  - copy_server_file\n", "\n  - copy_server_fiel\n", 1)
    (pack / "exfiltration_transfer.yaml").write_text(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row == "  - copy_server_fiel")
    app = app_for(tmp_path, base_packs=[packs])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        from textual.widgets import Tree

        tree = home.query_one(Tree)
        leaf = next(n for n in tree.root.children[0].children if n.data is not None and n.data.kind == "invalid")
        tree.move_cursor(leaf)
        await settle(pilot)
        assert home.selected().kind == "invalid"
        info = text_of(home.query_one(ScenarioInfo))
        assert "at the first one" in info and f"{line}:5  unknown tool 'copy_server_fiel'" in info
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, EditorScreen)
        area = editor.query_one("#yaml", TextArea)
        assert area.cursor_location == (line - 1, 4) and area.has_focus  # the promise on the home screen holds
