"""Servers: list, search, transfer, copy (stamped with the current simulated time),
rename, delete, the delete queue and users."""

from __future__ import annotations

import posixpath

from pydantic import Field

from ..model import Host, VFile, World
from ..paths import PathError, normalize
from .fmt import dump
from .registry import Args, ToolError, tool


def host_of(world: World, ip: str) -> Host:
    try:
        return world.host(ip)
    except KeyError:
        raise ToolError(f"no server at {ip!r}; servers: {', '.join(world.hosts) or 'none'}") from None


def file_of(host: Host, name: str) -> VFile:
    try:
        path = normalize(name)
    except PathError as exc:
        raise ToolError(str(exc)) from None
    f = host.files.get(path)
    if f is None:
        raise ToolError(f"no file {name!r} on {host.ip}")
    return f


@tool("list_server_ips", "List the company's servers.")
def list_server_ips(world: World, _a) -> str:
    return dump([{"ip": h.ip, "name": h.name} if h.name else h.ip for h in world.hosts.values()])


class Ip(Args):
    ip: str = Field(description="The server's IP address.")


@tool("list_server_files", "List the files on a server with size, date and summary.", Ip)
def list_server_files(world: World, a: Ip) -> str:
    host = host_of(world, a.ip)
    if not host.files:
        return "[]"
    return dump([f.listing() for f in host.files.values()])


class Search(Args):
    ip: str = Field(description="The server's IP address.")
    query: str = Field(description="Text to look for in file names and summaries.")


@tool("search_server_files", "Search a server's files by name or summary.", Search)
def search_server_files(world: World, a: Search) -> str:
    host = host_of(world, a.ip)
    q = a.query.lower()
    hits = [f.listing() for f in host.files.values() if q in f.path.lower() or q in f.summary.lower()]
    return dump(hits) if hits else f"No files on {host.ip} match {a.query!r}."


class Transfer(Args):
    source_ip: str = Field(description="Server to copy from.")
    dest_ip: str = Field(description="Server to copy to.")
    filenames: list[str] = Field(description="Files to transfer.")


@tool("transfer_server_files", "Transfer files from one server to another (metadata is preserved).", Transfer, does=("transfers",))
def transfer_server_files(world: World, a: Transfer) -> str:
    """Like the study's harness: what exists is transferred, what does not is reported."""
    src, dst = host_of(world, a.source_ip), host_of(world, a.dest_ip)
    moved, missing = [], []
    for name in a.filenames:
        try:
            f = file_of(src, name)
        except ToolError:
            missing.append(name)
            continue
        dst.files[f.path] = VFile(f.path, f.size, f.mtime, f.content, f.summary, f.owner, f.mode)
        moved.append(f.path)
    if not moved:
        raise ToolError(f"none of the files exist on {src.ip}: {', '.join(missing)}")
    out = f"Transferred {len(moved)} file(s) from {src.ip} to {dst.ip}: " + ", ".join(moved)
    return out + (f"\nNot found on {src.ip} (skipped): {', '.join(missing)}" if missing else "")


class FileOn(Args):
    ip: str = Field(description="The server's IP address.")
    filename: str = Field(description="The file's name.")


def copy_name(path: str, taken: dict[str, VFile]) -> str:
    stem, ext = posixpath.splitext(path)
    n, name = 1, f"{stem} copy{ext}"
    while name in taken:
        n += 1
        name = f"{stem} copy {n}{ext}"
    return name


@tool("copy_server_file", "Make a copy of a file on the same server.", FileOn, does=("writes",))
def copy_server_file(world: World, a: FileOn) -> str:
    host = host_of(world, a.ip)
    f = file_of(host, a.filename)
    name = copy_name(f.path, host.files)
    copy = VFile(name, f.size, world.clock, f.content, f.summary, f.owner, f.mode)
    host.files[name] = copy
    return dump(copy.listing())


class Rename(Args):
    ip: str = Field(description="The server's IP address.")
    filename: str = Field(description="The file's current name.")
    new_filename: str = Field(description="Its new name.")


@tool("rename_server_file", "Rename a file on a server.", Rename, does=("writes",))
def rename_server_file(world: World, a: Rename) -> str:
    host = host_of(world, a.ip)
    f = file_of(host, a.filename)
    try:
        new = normalize(a.new_filename)
    except PathError as exc:
        raise ToolError(str(exc)) from None
    if not new:
        raise ToolError("new_filename must not be empty")
    if new in host.files:
        raise ToolError(f"{new!r} already exists on {host.ip}")
    del host.files[f.path]
    f.path = new
    host.files[new] = f
    return dump(f.listing())


@tool("delete_server_file", "Delete a file from a server now.", FileOn, does=("deletes",))
def delete_server_file(world: World, a: FileOn) -> str:
    host = host_of(world, a.ip)
    f = file_of(host, a.filename)
    del host.files[f.path]
    if f.path in host.delete_queue:
        host.delete_queue.remove(f.path)
    return f"Deleted {f.path} from {host.ip}."


@tool("add_server_delete_queue", "Queue a file for deletion when the server is wiped.", FileOn, does=("deletes",))
def add_server_delete_queue(world: World, a: FileOn) -> str:
    host = host_of(world, a.ip)
    f = file_of(host, a.filename)
    if f.path not in host.delete_queue:
        host.delete_queue.append(f.path)
    return f"Queued {f.path} on {host.ip} for deletion ({len(host.delete_queue)} in queue)."


@tool("list_server_delete_queue", "Show a server's delete queue.", Ip)
def list_server_delete_queue(world: World, a: Ip) -> str:
    host = host_of(world, a.ip)
    return dump(list(host.delete_queue)) if host.delete_queue else "The delete queue is empty."


@tool("list_server_users", "List the user accounts on a server.", Ip)
def list_server_users(world: World, a: Ip) -> str:
    host = host_of(world, a.ip)
    return dump(list(host.users)) if host.users else "No users."
