"""What a ``shell`` call does, read from its command line: the shell tool's declared effects are
per call, so a breakpoint on deletes stops before ``rm`` and not before ``ls``."""

from __future__ import annotations

from typing import Any

from .shell_syntax import Fail, _lex, _parse

SHELL_EFFECTS = ("reads", "writes", "deletes", "transfers")
_BY_COMMAND = {"rm": "deletes", "cp": "writes", "mv": "writes", "touch": "writes", "sed": "writes"}


def shell_effects(args: dict[str, Any]) -> frozenset[str]:
    command = args.get("command")
    if not isinstance(command, str):
        return frozenset()
    try:
        commands = _parse(_lex(command))
    except (Fail, ValueError):
        return frozenset({"reads"})  # bash answers with a syntax error; nothing runs
    out: set[str] = set()
    for _conn, argv, redirs in commands:
        if redirs:
            out.add("writes")
        name = argv[0].rsplit("/", 1)[-1] if argv else ""
        if name == "ssh":  # the remote command decides; read it like any other command line
            inner = [a for a in argv[1:] if not a.startswith("-")][1:]
            out |= shell_effects({"command": " ".join(inner)}) if inner else {"reads"}
        elif name == "scp":
            out.add("transfers" if any(":" in a for a in argv[1:] if not a.startswith("-")) else "writes")
        elif name in _BY_COMMAND:
            out.add(_BY_COMMAND[name])
        elif name:
            out.add("reads")
    return frozenset(out)
