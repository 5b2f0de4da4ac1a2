"""Sandboxed jinja2 rendering of prompts, documents and file contents.

Scenario packs are untrusted: the sandbox blocks attribute tricks, undefined
variables are errors (not empty strings), and rendered output is size-capped.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_RENDERED_CHARS = 400_000


class TemplateProblem(Exception):
    def __init__(self, message: str, lineno: int | None = None):
        super().__init__(message)
        self.message = message
        self.lineno = lineno


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


@lru_cache(maxsize=4096)
def _compile(source: str) -> jinja2.Template:
    try:
        return environment().from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax: {exc.message}", exc.lineno) from None


def render(source: str, variables: dict[str, Any]) -> str:
    if "{" not in source:  # fast path: most strings are plain text
        return source
    template = _compile(source)
    try:
        out = template.render(**variables)
    except jinja2.UndefinedError as exc:
        raise TemplateProblem(f"template: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise TemplateProblem(f"template: {exc}") from None
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
        raise TemplateProblem(f"template: {exc}") from None
    if len(out) > MAX_RENDERED_CHARS:
        raise TemplateProblem(f"rendered text longer than {MAX_RENDERED_CHARS} characters")
    return out


def truthy(expression: str | None, variables: dict[str, Any]) -> bool:
    """Evaluate a ``when:`` expression such as ``relationship != 'none'``."""
    if expression is None:
        return True
    src = expression if "{" in expression else "{{ (" + expression + ") }}"
    text = render(src, variables).strip().lower()
    return text not in ("", "false", "0", "none", "no", "off")
