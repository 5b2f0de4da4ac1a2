"""The peer-preservation study's harness, as a dialect of our toolbox.

A world rebuilt from one of the study's recorded runs (``World.dialect == "study"``) answers these
calls the way that harness did, so the recorded calls replayed in it give back what the model read:

- drive listings are the harness's records (keys in alphabetical order, size in characters, the
  further fields it showed, such as ``shared_with``); ``create_file`` answers with the new record;
- ``list_server_ips`` lists bare addresses;
- ``transfer_server_files`` *moves* the files and stamps them with the current time;
- messages (a transfer done, a file not found for the delete queue, ...) are the harness's own
  words where the recording showed them (``World.phrases``, learned at import from the user's file,
  so they live in the user's save and never in this repository), with ``{argument}`` slots filled
  in; elsewhere our own plain wording.

Which outcome a message belongs to is decided here, by the world's state, never by the recording.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Any

from ..model import Document, Host, VFile, World
from .drive import Append, Create, _find
from .fmt import dump
from .registry import Refusal, ToolError, tool
from .servers import FileOn, Transfer, file_of, host_of

DIALECT = "study"
_SLOT = re.compile(r"\{([a-z_]{1,40})\}")
SAID: ContextVar[str | None] = ContextVar("said", default=None)  # the phrase key the last call used (for learning)


def say(world: World, key: str, slots: dict[str, Any], default: str) -> str:
    """The harness's message for ``key`` with its slots filled, or ``default`` where it never showed one."""
    SAID.set(key)
    template = world.phrases.get(key)
    if template is None:
        return default
    return _SLOT.sub(lambda m: str(slots[m.group(1)]) if m.group(1) in slots else m.group(0), template)


def record(d: Document) -> dict[str, Any]:
    """A drive file as the study's harness listed it."""
    out: dict[str, Any] = {"content": d.content, "filename": d.filename, "id_": d.id,
                           "last_modified": d.mtime if d.mtime is None else _time(d.mtime), "owner": d.owner,
                           "size": len(d.content)}
    out.update(d.fields)
    return dict(sorted(out.items()))


def _time(t: int) -> str:
    from ..clock import format_time
    return format_time(t)


def _list(world: World, _a) -> str:
    if not world.drive:
        return "[]"
    return dump([record(d) for d in world.drive])


tool("list_drive_files", "", dialect=DIALECT)(_list)
tool("list_files", "", dialect=DIALECT)(_list)


@tool("create_file", "", dialect=DIALECT)
def create_file(world: World, a: Create) -> str:
    if not a.filename.strip():
        raise ToolError("filename must not be empty")
    spec = world.new_doc
    doc = Document(str(world.next_doc_id), a.filename, a.content, str(spec.get("owner", "agent")),
                   world.clock if spec.get("dated", True) else None, dict(spec.get("fields") or {}))
    world.next_doc_id += 1
    world.drive.append(doc)
    return dump(record(doc))


@tool("append_to_file", "", dialect=DIALECT)
def append_to_file(world: World, a: Append) -> str:
    try:
        doc = _find(world, a.file_id)
    except ToolError:
        raise Refusal(say(world, "append_to_file:missing", {"file_id": a.file_id},
                          f"No file with id {a.file_id}.")) from None
    doc.content += a.content
    if isinstance(doc.fields.get("size"), int):
        doc.fields["size"] += len(a.content)
    if doc.mtime is not None or world.new_doc.get("dated", True):
        doc.mtime = world.clock
    return say(world, "append_to_file:ok", {"file_id": a.file_id, "filename": doc.filename},
               dump(record(doc)))


@tool("list_server_ips", "", dialect=DIALECT)
def list_server_ips(world: World, _a) -> str:
    return dump(list(world.hosts))


@tool("transfer_server_files", "", dialect=DIALECT)
def transfer_server_files(world: World, a: Transfer) -> str:
    slots = {"source_ip": a.source_ip, "dest_ip": a.dest_ip}
    src, dst = host_of(world, a.source_ip), host_of(world, a.dest_ip)
    found = []
    for name in a.filenames:
        try:
            found.append(file_of(src, name))
        except ToolError:
            slots.setdefault("filename", name)
    if not found:
        raise Refusal(say(world, "transfer_server_files:missing", slots,
                          f"None of the files exist on {src.ip}."))
    for f in found:
        del src.files[f.path]
        if f.path in src.delete_queue:
            src.delete_queue.remove(f.path)
        dst.files[f.path] = VFile(f.path, f.size, world.clock, f.content, f.summary, f.owner, f.mode)
    if len(found) < len(a.filenames):
        return say(world, "transfer_server_files:partial", slots,
                   f"Transferred {len(found)} of {len(a.filenames)} files from {src.ip} to {dst.ip}; "
                   f"the others do not exist.")
    return say(world, "transfer_server_files:ok", slots, f"Transferred the files from {src.ip} to {dst.ip}.")


def _named_file(world: World, tool_name: str, a: FileOn) -> tuple[Host, VFile, dict[str, Any]]:
    """The host and file a call names, or the harness's words for a file that is not there."""
    slots = {"ip": a.ip, "filename": a.filename}
    host = host_of(world, a.ip)
    try:
        return host, file_of(host, a.filename), slots
    except ToolError:
        raise Refusal(say(world, f"{tool_name}:missing", slots, f"{a.filename} does not exist on {host.ip}.")) from None


@tool("add_server_delete_queue", "", dialect=DIALECT)
def add_server_delete_queue(world: World, a: FileOn) -> str:
    host, f, slots = _named_file(world, "add_server_delete_queue", a)
    if f.path not in host.delete_queue:
        host.delete_queue.append(f.path)
    return say(world, "add_server_delete_queue:ok", slots, f"Added {f.path} to the delete queue of {host.ip}.")


@tool("delete_server_file", "", dialect=DIALECT)
def delete_server_file(world: World, a: FileOn) -> str:
    host, f, slots = _named_file(world, "delete_server_file", a)
    del host.files[f.path]
    if f.path in host.delete_queue:
        host.delete_queue.remove(f.path)
    return say(world, "delete_server_file:ok", slots, f"Deleted {f.path} from {host.ip}.")
