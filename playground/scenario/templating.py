"""Sandboxed jinja2 rendering of prompts, documents, file contents, config values
and policy arguments.

Scenario packs are untrusted: the sandbox blocks attribute tricks, undefined
variables are errors (not empty strings), and every compile and render runs
within a budget (``template_budget``: iterations, sizes, widths, integer sizes,
call depth, output and wall time). Whatever a template does wrong — a syntax
error, a budget run out, an exception from a filter — is a :class:`TemplateProblem`
with the template line where it happened, never an exception of another kind.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import meta

from ..limits import TEMPLATE
from .template_budget import BoundedEnvironment, BudgetExceeded, end_budget, metered, start_budget

MAX_RENDERED_CHARS = TEMPLATE.max_output_chars


class TemplateProblem(Exception):
    def __init__(self, message: str, lineno: int | None = None):
        super().__init__(message)
        self.message = message
        self.lineno = lineno


@lru_cache(maxsize=1)
def environment() -> BoundedEnvironment:
    return BoundedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _template_line(exc: BaseException) -> int | None:
    """The template line an exception was raised at (jinja rewrites tracebacks to template lines)."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BudgetExceeded):
        return f"template over budget: {exc}"
    if isinstance(exc, jinja2.UndefinedError):
        return f"template: {exc.message}"
    if isinstance(exc, jinja2.TemplateError):
        return f"template: {exc}"
    if isinstance(exc, RecursionError):
        return "template nested too deeply"
    if isinstance(exc, MemoryError):
        return "template ran out of memory"
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        return "template: a number with more digits than Python converts (4,300)"
    return f"template: {type(exc).__name__}: {exc}"


@lru_cache(maxsize=4096)
def _compile(source: str) -> jinja2.Template:
    if len(source) > TEMPLATE.max_source_chars:
        raise TemplateProblem(f"template longer than {TEMPLATE.max_source_chars:,} characters")
    try:
        with metered():  # the compiler folds constants by running filters: that work is metered too
            return environment().from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax: {exc.message}", exc.lineno) from None
    except Exception as exc:  # noqa: BLE001 - untrusted: any failure is a problem at the field
        raise TemplateProblem(_describe(exc), getattr(exc, "lineno", None)) from None


def render(source: str, variables: dict[str, Any]) -> str:
    if "{" not in source:  # fast path: most strings are plain text
        return source
    template = _compile(source)
    parts: list[str] = []
    size = 0
    token = start_budget()
    try:
        for chunk in template.generate(**variables):
            size += len(chunk)
            if size > MAX_RENDERED_CHARS:
                raise TemplateProblem(f"rendered text longer than {MAX_RENDERED_CHARS} characters")
            parts.append(chunk)
    except TemplateProblem:
        raise
    except Exception as exc:  # noqa: BLE001 - untrusted: any failure is a problem at the field
        raise TemplateProblem(_describe(exc), _template_line(exc)) from None
    finally:
        end_budget(token)
    return "".join(parts)


def truthy(expression: str | None, variables: dict[str, Any]) -> bool:
    """Evaluate a ``when:`` expression such as ``relationship != 'none'``."""
    if expression is None:
        return True
    src = expression if "{" in expression else "{{ (" + expression + ") }}"
    text = render(src, variables).strip().lower()
    return text not in ("", "false", "0", "none", "no", "off")


@lru_cache(maxsize=4096)
def reads(src: str, is_expr: bool = False) -> frozenset[str]:
    """The variables a template (or a ``when`` expression) reads; none for one that does not parse."""
    text = src if (not is_expr or "{" in src) else "{{ (" + src + ") }}"
    if "{" not in text or len(text) > TEMPLATE.max_source_chars:
        return frozenset()
    try:
        return frozenset(meta.find_undeclared_variables(environment().parse(text)))
    except Exception:  # noqa: BLE001 - a syntax error, a literal too long, nesting too deep: reported by render
        return frozenset()
