"""The inspect extra is optional: nothing imports inspect_ai until an Inspect verb runs, and without
it those verbs say how to install it (no traceback). Runs with or without the extra."""

import subprocess
import sys

LIGHT = """
import sys
import playground, playground.interop, playground.cli.main, playground.cli.episodes, playground.cli.inspect_cmd
import playground.launch, playground.store, playground.study.importer
assert "inspect_ai" not in sys.modules, "inspect_ai was imported"
"""

MISSING = """
import sys
sys.modules["inspect_ai"] = None  # as if the extra were not installed
from playground.cli.main import cli
verb = sys.argv[1]
args = ["export", sys.argv[2], "--format", "inspect", "-o", sys.argv[3]] if verb == "export" else ["import", sys.argv[3], "--no-save"]
cli(args, prog_name="playground")
"""


def test_import_playground_never_imports_inspect_ai():
    subprocess.run([sys.executable, "-c", LIGHT], check=True, timeout=60)


def test_inspect_verbs_say_how_to_install_the_extra(tmp_path):
    from playground.launch import load, new_episode
    from playground.store import save

    path = save(new_episode(load("peer_preservation/exfiltration_transfer"), agent="scripted/faithful"),
                tmp_path / "ep.toml")
    (tmp_path / "ep.eval").write_bytes(b"PK")
    for verb in ("export", "import"):
        r = subprocess.run([sys.executable, "-c", MISSING, verb, str(path), str(tmp_path / "ep.eval")],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 1, r.stderr
        assert "pip install -e '.[inspect]'" in r.stderr and "Traceback" not in r.stderr
