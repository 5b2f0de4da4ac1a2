"""The simulated world: hosts, virtual filesystems, clock, and the agent's toolbox."""

from .build import build_world, set_monitoring_file
from .model import Document, Host, Sheet, VFile, World
from .tools import TOOLS, Outcome, Tool, execute
from ..scenario import toolbox as _toolbox

_toolbox.register(TOOLS)  # so that loading a scenario names an unknown tool at its own line

__all__ = ["TOOLS", "Document", "Host", "Outcome", "Sheet", "Tool", "VFile", "World", "build_world", "execute",
           "set_monitoring_file"]
