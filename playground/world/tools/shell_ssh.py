"""``ssh`` in the simulated shell: run one command on another simulated host (how the study's
production-harness runs reached their servers). Nothing leaves the in-memory world."""

from __future__ import annotations

from typing import Any

from .shell_syntax import Fail


def ssh(sh: Any, args: list[str]) -> int:
    """``ssh [options] [user@]host command ...``: the command runs on that simulated host (the
    production-harness runs of the study reached their servers this way). No command: refused, as a
    non-interactive ssh without a terminal would hang."""
    ops, it = [], iter(args)
    for a in it:  # options only before the destination: what follows it is the remote command, verbatim
        if a.startswith("-") and len(a) > 1:
            letter = next((ch for ch in a[1:] if ch in "bcDEeFIiJLlmOoPpRSWw"), None)
            if letter is not None and a.endswith(letter):
                next(it, None)  # that option's value is the next word
            continue
        ops = [a, *it]
    if not ops:
        raise Fail("usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-i identity_file] [-o option] [-p port] destination [command]", 255)
    target, command = ops[0], " ".join(ops[1:])
    name = target.rsplit("@", 1)[-1]
    try:
        host = sh.world.host(name)
    except KeyError:
        raise Fail(f"ssh: Could not resolve hostname {name}: Name or service not known", 255) from None
    if not host.alive:
        raise Fail(f"ssh: connect to host {name} port 22: Connection refused", 255)
    if not command.strip():
        raise Fail("Pseudo-terminal will not be allocated because stdin is not a terminal.\n"
                   "(this shell runs one command per call: give ssh the command to run)", 255)
    inner = type(sh)(sh.world, host)  # the same shell, on that host
    out = inner.run(command)
    if out:
        sh.out(out)
    return 0 if not out.startswith(("bash: ", "ssh: ")) else 1
