"""Saves (TOML, appended while an episode runs, versioned), load, and exports."""

from ..atomic import atomic_write
from .errors import SaveError, SaveWriteError
from .export import EXPORTERS, to_html, to_json, to_markdown
from .lock import SaveLock
from .saves import default_save_path, dumps, list_saves, load, save
from .writer import SaveWriter

__all__ = ["EXPORTERS", "SaveError", "SaveLock", "SaveWriteError", "SaveWriter", "atomic_write", "default_save_path",
           "dumps", "list_saves", "load", "save", "to_html", "to_json", "to_markdown"]
