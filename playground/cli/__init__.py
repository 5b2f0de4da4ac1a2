"""The ``playground`` command: the TUI by default, plus headless verbs."""
