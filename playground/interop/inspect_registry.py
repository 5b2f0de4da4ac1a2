"""What Inspect loads through the ``inspect_ai`` entry point (``pyproject.toml``): the task
``playground/scenario`` and the model provider ``playground``. Imported only by Inspect."""

from __future__ import annotations

from inspect_ai.model import modelapi

from .inspect_task import _register, playground_detectors  # noqa: F401  (the scorer registers on import)

scenario = _register()  # the task playground/scenario


@modelapi(name="playground")
def playground() -> type:
    from .inspect_provider import PlaygroundAPI

    return PlaygroundAPI
