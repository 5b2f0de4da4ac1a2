"""litellm is imported after the first screen, off the UI thread, and only when real models are likely."""

import subprocess
import sys
import textwrap

PROBE = textwrap.dedent("""
    import asyncio, os, sys
    from pathlib import Path
    from playground.tui.app import PlaygroundApp
    from playground.tui.config import TuiConfig

    async def main():
        app = PlaygroundApp(TuiConfig(save_dir=Path(sys.argv[1]), user_settings=True, offer_resume=False))
        async with app.run_test(size=(120, 36)) as pilot:
            first = "litellm" in sys.modules
            for _ in range(600):
                await pilot.pause(0.05)
                if not any(w.is_running for w in app.workers):
                    break
            print(first, "litellm" in sys.modules)
    asyncio.run(main())
""")


def probe(tmp_path, **env):
    import os

    base = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    base.update(PLAYGROUND_CONFIG=str(tmp_path / "none.toml"), **env)
    out = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True, env=base,
                         timeout=120, check=True)
    return out.stdout.split()


def test_litellm_preloads_in_the_background_when_a_key_is_set(tmp_path):
    assert probe(tmp_path, OPENAI_API_KEY="sk-dummy-not-a-real-key") == ["False", "True"]


def test_scripted_only_users_never_import_litellm(tmp_path):
    assert probe(tmp_path) == ["False", "False"]
