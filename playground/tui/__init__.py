"""The Textual app: screens, widgets and dialogs over the engine.

Nothing outside this package imports Textual (``tests/tui/test_import_hygiene.py``
proves it). Screens re-render from the engine's ``Session``/``BranchState``; they
never keep their own copy of the episode.
"""
