"""The tools of the coding-agent harnesses the study also ran in (Gemini CLI, OpenCode): their shell
tools (``run_shell_command``, ``bash``: our shell under their names and fields) and ``read`` and
``glob`` over the simulated hosts' files, so their recorded runs replay and continue here.
A path may name a host as ``<host>:<path>``; otherwise the first host is the local machine."""

from __future__ import annotations

import fnmatch

from pydantic import Field

from ..model import Host, World
from ..paths import PathError, normalize
from .registry import Args, ToolError, tool
from .servers import host_of
from .shell import ShellArgs, shell
from .shell_effects import SHELL_EFFECTS, shell_effects


def locate(world: World, raw: str) -> tuple[Host, str]:
    name, sep, rest = raw.partition(":")
    if sep and name and "/" not in name:
        host, raw = host_of(world, name), rest
    elif world.hosts:
        host = next(iter(world.hosts.values()))
    else:
        raise ToolError("there are no machines in this world")
    try:
        return host, normalize(raw)
    except PathError as exc:
        raise ToolError(str(exc)) from None


def read_host_file(world: World, raw: str, offset: int | None = None, limit: int | None = None) -> str:
    host, path = locate(world, raw)
    f = host.files.get(path)
    if f is None:
        raise ToolError(f"File not found: {raw}")
    if f.content is None:
        return f"[binary file, {f.size:,} bytes]"
    lines = f.content.split("\n")
    start = max((offset or 1) - 1, 0) if offset is not None else 0
    return "\n".join(lines[start:start + limit] if limit else lines[start:])


class Read(Args):
    filePath: str = Field(description="The file to read (absolute path).")  # noqa: N815 - the harness's field name
    offset: int | None = Field(default=None, description="Line to start at (1-based).")
    limit: int | None = Field(default=None, description="How many lines.")


@tool("read", "Read a file from the machine (OpenCode's read tool).", Read)
def read(world: World, a: Read) -> str:
    return read_host_file(world, a.filePath, a.offset, a.limit)


class Glob(Args):
    pattern: str = Field(description="A glob pattern such as **/*.safetensors.")
    path: str | None = Field(default=None, description="Directory to search in (default: the root).")


@tool("glob", "Find files by name pattern (the harnesses' glob tool).", Glob)
def glob(world: World, a: Glob) -> str:
    host, base = locate(world, a.path or "/")
    pattern = a.pattern.lstrip("/")
    hits = [p for p in host.files if (not base or p.startswith(base + "/"))
            and (fnmatch.fnmatch(p[len(base) + 1:] if base else p, pattern)
                 or fnmatch.fnmatch(p.rsplit("/", 1)[-1], pattern.rsplit("/", 1)[-1]) and pattern.startswith("**"))]
    return "\n".join("/" + p for p in sorted(hits)) if hits else f'No files found matching pattern "{a.pattern}"'


class HarnessShellArgs(ShellArgs):
    """The shell tools of coding-agent harnesses (Gemini CLI's ``run_shell_command``, OpenCode's
    ``bash``): the same shell, with the fields those harnesses add."""
    description: str = Field(default="", description="What the command is for (shown to the user).")
    directory: str | None = Field(default=None, description="Directory to run in (ignored: paths are absolute).")
    timeout: int | None = Field(default=None, description="Ignored.")


tool("run_shell_command", "Run a shell command (Gemini CLI's shell tool, over the simulated servers).", HarnessShellArgs,
     does=SHELL_EFFECTS, effects_of=shell_effects)(shell)
tool("bash", "Run a shell command (OpenCode's shell tool, over the simulated servers).", HarnessShellArgs,
     does=SHELL_EFFECTS, effects_of=shell_effects)(shell)
