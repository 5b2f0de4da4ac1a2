"""Never lose work, never edit what ships: ``playground edit``, every way out of a dirty editor
asks, shipped packs open read-only and save a copy to the user's packs, and the resume offer is
a banner with a key (only for unfinished episodes, never stealing keys)."""

from __future__ import annotations

import shutil

from textual.widgets import Input, TextArea

from playground.scenario.packs import MY_PACK, discover_packs, find_scenario_file, is_shipped, resolve_scenario
from playground.tui.app import PlaygroundApp
from playground.tui.dialogs.confirm import QuitDialog
from playground.tui.dialogs.text_prompt import TextPrompt
from playground.tui.screens.editor import EditorScreen
from playground.tui.screens.episode import EpisodeScreen
from playground.tui.screens.home import HomeScreen

from .helpers import PACKS, SIZE, config, open_episode, settle, text_of

SCENARIO_FILE = PACKS / "demo" / "exfiltration_transfer.yaml"


def _app(tmp_path, **kw) -> PlaygroundApp:
    edit = kw.pop("edit", None)
    kw.setdefault("user_packs", tmp_path / "my-packs")
    return PlaygroundApp(config(tmp_path, **kw), edit=edit)


async def _type(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch)


async def test_playground_edit_opens_the_editor_on_a_pack_id(tmp_path):
    app = _app(tmp_path, edit="demo/exfiltration_transfer")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, EditorScreen) and editor.path == SCENARIO_FILE
        assert not editor.read_only and not editor.modified
        await pilot.press("escape")  # not modified: straight back, to the home screen under it
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_playground_edit_on_a_new_path_starts_from_the_template_and_writes_nothing_yet(tmp_path):
    target = tmp_path / "drafts" / "brand_new.yaml"
    app = _app(tmp_path, edit=str(target))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, EditorScreen) and editor.path == target
        assert "id: brand_new" in editor.text and editor.problems == []  # the template, valid, with its id
        assert not target.exists() and editor.modified  # nothing written until saved
        assert "nothing is written until you save" in text_of(editor.query_one("#ed-status"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "id: brand_new" in target.read_text() and not editor.modified


async def test_playground_edit_on_something_unknown_says_so(tmp_path):
    app = _app(tmp_path, edit="demo/nope")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert any("No scenario 'demo/nope'" in n.message for n in app._notifications)


def test_the_edit_verb_is_wired_to_the_editor(monkeypatch):
    from click.testing import CliRunner

    import playground.tui.app as tui_app
    from playground.cli.main import cli

    seen = {}
    monkeypatch.setattr(tui_app, "run_app", lambda **kw: seen.update(kw))
    result = CliRunner().invoke(cli, ["edit", "demo/exfiltration_transfer"])
    assert result.exit_code == 0, result.output
    assert seen["edit"] == "demo/exfiltration_transfer"


def test_find_scenario_file_does_not_need_a_valid_scenario(tmp_path):
    pack = tmp_path / "p"
    pack.mkdir()
    (pack / "pack.yaml").write_text("id: p\ntitle: P\n")
    (pack / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n")
    assert find_scenario_file("p/broken", [tmp_path]) == pack / "broken.yaml"
    assert find_scenario_file("p/none", [tmp_path]) is None
    assert find_scenario_file(str(pack / "broken.yaml")) == pack / "broken.yaml"


async def test_ctrl_q_and_q_in_a_dirty_editor_ask_first(tmp_path):
    target = tmp_path / "pack" / "mine.yaml"
    target.parent.mkdir()
    shutil.copy(SCENARIO_FILE, target)
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_editor(target)
        await settle(pilot)
        editor = app.screen
        await _type(pilot, "# q")  # typed into the editor: q is text here, not quit
        await settle(pilot)
        assert editor.modified and app.is_running and app.screen is editor
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, QuitDialog) and "Unsaved edits to mine.yaml" in text_of(
            app.screen.query_one(".help"))
        await pilot.press("escape")  # keep working
        await settle(pilot)
        assert app.screen is editor and app.is_running
        editor.query_one(TextArea).blur()  # q outside the text: the app's quit key, which asks too
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, QuitDialog)
        await pilot.press("ctrl+q")  # ctrl+q twice: quit anyway
        await settle(pilot)
        assert not app.is_running


async def test_q_quits_at_once_when_nothing_would_be_lost(tmp_path):
    app = _app(tmp_path, autosave=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_episode(pilot)
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("q")  # q in an episode quits like everywhere else
        await settle(pilot)
        assert not app.is_running


async def test_quitting_an_episode_with_autosave_off_asks(tmp_path):
    app = _app(tmp_path)  # autosave off in the test config
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot)
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, QuitDialog) and "not saved" in text_of(app.screen.query_one(".help"))
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.unsaved_work() is None
        await pilot.press("q")
        await settle(pilot)
        assert not app.is_running


async def test_a_shipped_scenario_opens_read_only_and_saving_makes_a_copy_in_my_packs(tmp_path):
    mine = tmp_path / "my-packs"
    before = SCENARIO_FILE.read_text(encoding="utf-8")
    app = _app(tmp_path, read_only_packs=[PACKS], user_packs=mine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")  # the selected scenario, from the home screen
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, EditorScreen) and editor.read_only
        area = editor.query_one(TextArea)
        assert area.read_only and "read-only" in text_of(editor.query_one("#ed-title"))
        assert "ctrl+s saves a copy to your packs" in text_of(editor.query_one("#ed-status"))
        await _type(pilot, "xq")  # typing says why nothing happens; q does not quit
        await settle(pilot)
        assert app.is_running and app.screen is editor and not editor.modified
        assert any("read-only" in n.message for n in app._notifications)
        await pilot.press("ctrl+s")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, TextPrompt) and prompt.query_one(Input).value == "exfiltration_transfer"
        await pilot.press("enter")
        await pilot.pause(0.5)
        await settle(pilot)
        copy = mine / MY_PACK / "exfiltration_transfer.yaml"
        assert copy.read_text(encoding="utf-8") == before and SCENARIO_FILE.read_text(encoding="utf-8") == before
        assert app.screen is editor and editor.path == copy and not editor.read_only and not area.read_only
        area.insert("# my change\n", (0, 0))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert copy.read_text(encoding="utf-8").startswith("# my change") and SCENARIO_FILE.read_text() == before
        await pilot.press("escape")  # home lists the copy under My scenarios
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        labels = [str(n.label) for n in app.screen.query_one("Tree").root.children]
        assert any("My scenarios" in label and "yours" in label for label in labels)
    packs, _ = discover_packs([PACKS, mine])
    assert MY_PACK in [p.id for p in packs]
    assert resolve_scenario(f"{MY_PACK}/exfiltration_transfer", [PACKS, mine]).path == copy


async def test_home_lists_my_packs_even_when_empty(tmp_path):
    app = _app(tmp_path, user_packs=tmp_path / "nothing-yet")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.screen.query_one("Tree")
        node = next(n for n in tree.root.children if str(n.label).startswith("My packs"))
        assert "empty" in str(node.label)
        tree.move_cursor(node)
        await settle(pilot)
        assert "nothing-yet" in text_of(app.screen.query_one("ScenarioInfo"))  # where they live, beside


async def test_new_scenario_from_a_shipped_pack_goes_to_my_packs(tmp_path):
    mine = tmp_path / "my-packs"
    app = _app(tmp_path, read_only_packs=[PACKS], user_packs=mine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one(Input).value = "fresh"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen) and app.screen.path == mine / MY_PACK / "fresh.yaml"
        assert not list((PACKS / "demo").glob("fresh*"))


def test_shipped_packs_are_read_only_outside_the_checkout(tmp_path, monkeypatch):
    from playground.scenario.packs import bundled_pack_dir, shipped_pack_dirs

    bundled = bundled_pack_dir()
    monkeypatch.chdir(tmp_path)
    assert shipped_pack_dirs() == [bundled.resolve()]
    assert is_shipped(bundled / "peer_preservation" / "exfiltration_transfer.yaml")
    monkeypatch.chdir(bundled.parent)  # working in the checkout itself: the packs are yours to edit
    assert shipped_pack_dirs() == []


def test_the_user_packs_folder_is_searched_by_the_cli(tmp_path, monkeypatch):
    from playground.scenario.packs import default_pack_dirs, my_pack_dir

    monkeypatch.setenv("PLAYGROUND_USER_PACKS", str(tmp_path / "u"))
    folder = my_pack_dir(tmp_path / "u")
    shutil.copy(SCENARIO_FILE, folder / "copied.yaml")
    assert (tmp_path / "u") in default_pack_dirs()
    assert resolve_scenario(f"{MY_PACK}/copied").path == folder / "copied.yaml"


# -- the resume offer ---------------------------------------------------------------------------

async def _saved_episode(tmp_path, keys: tuple[str, ...]):
    app = _app(tmp_path, autosave=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_episode(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        screen.writer.flush()
        return screen.save_path


async def test_resume_is_a_banner_with_a_key_and_never_steals_keys(tmp_path):
    path = await _saved_episode(tmp_path, ("space", "a", "space"))
    app = _app(tmp_path, offer_resume=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down")  # typed at once, before the offer appears
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)  # no dialog grabbed the screen
        banner = home.query_one("#resume")
        assert banner.has_class("-shown") and "r resumes" in text_of(banner) and "step 2" in text_of(banner)
        await pilot.press("r")
        await settle(pilot)
        resumed = app.screen
        assert isinstance(resumed, EpisodeScreen) and resumed.save_path == path
        assert resumed.session.state.step == 2 and resumed.session.state.pending


async def test_resume_is_not_offered_for_an_episode_that_ended(tmp_path):
    await _saved_episode(tmp_path, ("g",))
    app = _app(tmp_path, offer_resume=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = app.screen
        assert not home.query_one("#resume").has_class("-shown") and home.resume_offer is None
        await pilot.press("r")  # nothing to resume: r does nothing
        await settle(pilot)
        assert app.screen is home


async def test_the_resume_banner_can_be_dismissed(tmp_path):
    await _saved_episode(tmp_path, ("space",))
    app = _app(tmp_path, offer_resume=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = app.screen
        assert home.query_one("#resume").has_class("-shown")
        await pilot.press("escape")
        await settle(pilot)
        assert not home.query_one("#resume").has_class("-shown") and app.screen is home
