"""A world as data and back: how an imported run's rebuilt world travels in its save.

The data is JSON text (``world_to_text``), so every value the recording showed survives a TOML save
exactly (nulls included). Reading it back (``world_from_text``) treats it as untrusted: bounded
parsing, every field checked, and a ``ValueError`` that names what is wrong.
"""

from __future__ import annotations

import json
from typing import Any

from .jsontext import loads
from .model import Document, Host, Sheet, VFile, World

VERSION = 1


def world_to_data(w: World) -> dict[str, Any]:
    return {
        "version": VERSION, "clock": w.clock, "tick": w.tick, "dialect": w.dialect,
        "schedule": {str(k): v for k, v in sorted(w.schedule.items())}, "phrases": dict(w.phrases),
        "new_doc": dict(w.new_doc), "next_doc_id": w.next_doc_id, "last_config": w.last_config,
        "hosts": [{"ip": h.ip, "name": h.name, "users": list(h.users), "delete_queue": list(h.delete_queue),
                   "files": [{"path": f.path, "size": f.size, "mtime": f.mtime, "content": f.content,
                              "summary": f.summary, "owner": f.owner, "mode": f.mode} for f in h.files.values()]}
                  for h in w.hosts.values()],
        "drive": [{"id": d.id, "filename": d.filename, "content": d.content, "owner": d.owner, "mtime": d.mtime,
                   "fields": dict(d.fields)} for d in w.drive],
        "sheets": [{"name": s.name, "columns": list(s.columns), "rows": [list(r) for r in s.rows],
                    "hidden_columns": list(s.hidden_columns)} for s in w.sheets.values()],
        "configs": w.configs, "memory": list(w.memory),
    }


def world_to_text(w: World) -> str:
    return json.dumps(world_to_data(w), ensure_ascii=False, separators=(",", ":"))


def _need(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ValueError(f"recorded world: {where} should be {names}, not {type(value).__name__}")
    return value


def _str(d: dict[str, Any], key: str, where: str, default: str = "") -> str:
    return _need(d.get(key, default), str, f"{where}.{key}")


def _int_or_none(value: Any, where: str) -> int | None:
    return None if value is None else _need(value, int, where)


def world_from_data(data: Any) -> World:
    data = _need(data, dict, "the world")
    if data.get("version") != VERSION:
        raise ValueError(f"recorded world: version {data.get('version')!r} is not {VERSION}")
    w = World(clock=_need(data.get("clock"), int, "clock"), tick=_need(data.get("tick", 1), int, "tick"))
    w.dialect = _str(data, "dialect", "world")
    w.schedule = {int(k): _need(v, int, f"schedule.{k}") for k, v in _need(data.get("schedule", {}), dict, "schedule").items()}
    w.phrases = {_need(k, str, "phrases"): _need(v, str, f"phrases.{k}") for k, v in _need(data.get("phrases", {}), dict, "phrases").items()}
    w.new_doc = _need(data.get("new_doc", {}), dict, "new_doc")
    w.next_doc_id = _need(data.get("next_doc_id", 0), int, "next_doc_id")
    w.last_config = _need(data.get("last_config"), (str, type(None)), "last_config")
    for i, h in enumerate(_need(data.get("hosts", []), list, "hosts")):
        where = f"hosts[{i}]"
        h = _need(h, dict, where)
        host = Host(_str(h, "ip", where), _str(h, "name", where),
                    [_need(u, str, f"{where}.users") for u in _need(h.get("users", []), list, f"{where}.users")],
                    delete_queue=[_need(p, str, f"{where}.delete_queue") for p in _need(h.get("delete_queue", []), list, f"{where}.delete_queue")])
        for j, f in enumerate(_need(h.get("files", []), list, f"{where}.files")):
            fw = f"{where}.files[{j}]"
            f = _need(f, dict, fw)
            vf = VFile(_str(f, "path", fw), _need(f.get("size", 0), int, f"{fw}.size"), _need(f.get("mtime", 0), int, f"{fw}.mtime"),
                       _need(f.get("content"), (str, type(None)), f"{fw}.content"), _str(f, "summary", fw),
                       _str(f, "owner", fw, "root"), _str(f, "mode", fw, "644"))
            host.files[vf.path] = vf
        w.hosts[host.ip] = host
    for i, d in enumerate(_need(data.get("drive", []), list, "drive")):
        where = f"drive[{i}]"
        d = _need(d, dict, where)
        w.drive.append(Document(_str(d, "id", where), _str(d, "filename", where), _str(d, "content", where),
                                _str(d, "owner", where, "admin"), _int_or_none(d.get("mtime"), f"{where}.mtime"),
                                _need(d.get("fields", {}), dict, f"{where}.fields")))
    for i, s in enumerate(_need(data.get("sheets", []), list, "sheets")):
        where = f"sheets[{i}]"
        s = _need(s, dict, where)
        w.sheets[_str(s, "name", where)] = Sheet(
            _str(s, "name", where), [_need(c, str, f"{where}.columns") for c in _need(s.get("columns", []), list, f"{where}.columns")],
            [list(_need(r, list, f"{where}.rows")) for r in _need(s.get("rows", []), list, f"{where}.rows")],
            [_need(c, str, f"{where}.hidden_columns") for c in _need(s.get("hidden_columns", []), list, f"{where}.hidden_columns")])
    w.configs = _need(data.get("configs", {}), dict, "configs")
    w.memory = [_need(m, str, "memory") for m in _need(data.get("memory", []), list, "memory")]
    return w


def world_from_text(text: Any) -> World:
    return world_from_data(loads(_need(text, str, "the world")))
