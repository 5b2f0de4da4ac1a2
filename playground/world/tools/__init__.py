"""The built-in toolbox. Importing this package registers every tool."""

from . import config, decisions, drive, harness_files, sandbox, servers, shell, study_dialect  # noqa: F401  (registration)
from .registry import TOOLS, Outcome, Tool, ToolError, execute

__all__ = ["TOOLS", "Outcome", "Tool", "ToolError", "execute"]
