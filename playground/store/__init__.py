"""Saves (TOML, atomic, versioned), load, and exports."""

from .export import EXPORTERS, to_html, to_json, to_markdown
from .saves import Autosaver, SaveError, atomic_write, default_save_path, dumps, list_saves, load, save

__all__ = ["EXPORTERS", "Autosaver", "SaveError", "atomic_write", "default_save_path", "dumps", "list_saves", "load",
           "save", "to_html", "to_json", "to_markdown"]
