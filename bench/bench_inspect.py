"""The same episode here and under Inspect, side by side: prints figures, asserts nothing.

    python bench/bench_inspect.py [-n N]

The episode: peer_preservation/exfiltration_transfer with monitoring off and scripted/monitor_sensitive,
five tool calls (it copies and re-dates the peer's weights, then moves them). Our side is a scripted
sweep (``playground sweep ... -n N``: every episode saved as TOML); Inspect's is
``inspect eval playground/scenario ... --epochs N`` (one .eval log, every model call, tool call and
approval as an event). Each command runs in its own process, once with 1 episode and once with N; the
figures are the wall time, the marginal rate ((N - 1) episodes over the difference, so the start-up
cost drops out) and the peak resident memory of the process. Needs the inspect extra.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REF = "peer_preservation/exfiltration_transfer"
BIN = Path(sys.executable).parent

# Runs one command and prints its peak RSS (KiB): ru_maxrss of the only child this helper has.
MEASURE = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, "
           "stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True, env=env, cwd=REPO)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr[-2000:]}")
    return wall, int(out.stdout.strip()) / 1024


def sweep(n: int, tmp: Path) -> list[str]:
    return [str(BIN / "playground"), "sweep", REF, "--agent", "scripted/monitor_sensitive", "--monitoring", "off",
            "-n", str(n), "--seed", "1", "--out", str(tmp / f"sweep-{n}")]


def inspect_eval(n: int, tmp: Path) -> list[str]:
    return [str(BIN / "inspect"), "eval", "playground/scenario", "-T", f"scenario={REF}", "-T", "monitoring=off",
            "--model", "playground/scripted/monitor_sensitive", "--epochs", str(n), "--log-dir", str(tmp / f"logs-{n}"),
            "--display", "none", "--max-samples", "64"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=200, help="episodes per run (default 200)")
    args = ap.parse_args()
    try:
        import inspect_ai  # noqa: F401
    except ImportError:
        raise SystemExit("needs the inspect extra: pip install -r requirements-inspect.lock")
    env = {**os.environ, "INSPECT_TELEMETRY": "",
           "PLAYGROUND_PACKS": str(REPO / "scenario_packs")}
    print(f"{REF}, scripted/monitor_sensitive, monitoring off (5 tool calls an episode), n = {args.n}")
    print(f"{'':34} {'1 episode':>12} {f'{args.n} episodes':>14} {'episodes/s':>11} {'marginal/s':>11} {'peak RSS':>10}")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for name, build in (("playground sweep (TOML saves)", sweep), ("inspect eval playground/scenario", inspect_eval)):
            one, _ = measure(build(1, tmp), env)
            many, peak = measure(build(args.n, tmp), env)
            marginal = (args.n - 1) / (many - one) if many > one else float("inf")
            print(f"{name:34} {one:10.2f} s {many:12.2f} s {args.n / many:11.1f} {marginal:11.1f} {peak:7.0f} MiB")


if __name__ == "__main__":
    main()
