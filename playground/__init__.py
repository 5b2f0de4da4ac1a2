"""playground: a terminal playground for agentic-misalignment scenarios."""
