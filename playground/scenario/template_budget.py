"""A Jinja environment that renders untrusted templates within a budget.

The sandbox stops escapes (attribute tricks, unsafe calls); it does not stop work.
Nested ``range`` loops, ``'x' * 10**9``, ``center(10**9)``, ``lipsum(10**6)``,
``10 ** (10 ** 9)`` (folded by Jinja's compiler before anything runs), doubling a
string in a loop, and recursive macros all hung or exhausted memory. Here every
place a template can make work is metered against one :class:`Budget` per render
(limits in :data:`playground.limits.TEMPLATE`):

- loops: each ``{% for %}`` iterates through :meth:`BoundedEnvironment.bounded_loop`,
  which counts iterations and charges the static text of the loop body each time;
- calls (macros, methods, globals, recursive loops): counted, and nested at most
  ``max_call_depth`` deep;
- operators: ``*``, ``**``, ``+`` and ``%`` are intercepted (so the compiler cannot fold
  them either) and refused *before* they build a string, list or integer past the
  bounds; ``~`` goes through :meth:`BoundedEnvironment.bounded_concat`;
- filters and ``str`` methods: numeric arguments at most ``max_width``, and results
  within the bounds; ``join``, ``replace``, ``indent`` and ``wordwrap`` are sized first;
- output: every ``{{ }}`` is charged (``finalize``), every string built counts
  towards ``max_work_chars``, and the wall clock is checked at every charge.

A budget that runs out raises :class:`BudgetExceeded`, which templating turns into
a scenario problem at the templated field's line.
"""

from __future__ import annotations

import functools
import re
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

import jinja2
from jinja2 import nodes
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter
from jinja2.visitor import NodeTransformer

from ..limits import TEMPLATE, TemplateLimits


class BudgetExceeded(Exception):
    """A template asked for more work than its budget allows."""


class Budget:
    def __init__(self, limits: TemplateLimits = TEMPLATE):
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.steps = 0
        self.work = 0
        self.depth = 0

    def tick(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > self.limits.max_iterations:
            raise BudgetExceeded(f"more than {self.limits.max_iterations:,} loop iterations and calls in one render")
        if time.monotonic() > self.deadline:
            raise BudgetExceeded(f"rendering took longer than {self.limits.seconds:g} s")

    def charge(self, chars: int) -> None:
        self.work += chars
        if self.work > self.limits.max_work_chars:
            raise BudgetExceeded(f"the template built more than {self.limits.max_work_chars:,} characters of text")
        if time.monotonic() > self.deadline:
            raise BudgetExceeded(f"rendering took longer than {self.limits.seconds:g} s")


_CURRENT: ContextVar[Budget | None] = ContextVar("template_budget", default=None)


@contextmanager
def metered(limits: TemplateLimits = TEMPLATE) -> Iterator[Budget]:
    """Run the block (a compile or a render) against a fresh budget."""
    budget = Budget(limits)
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def start_budget(limits: TemplateLimits = TEMPLATE) -> Any:
    """:func:`metered` without the context manager's cost, for the render hot path."""
    return _CURRENT.set(Budget(limits))


def end_budget(token: Any) -> None:
    _CURRENT.reset(token)


def current() -> Budget:
    b = _CURRENT.get()
    return b if b is not None else Budget()  # outside metered(): each operation is bounded on its own


# -- sizes ------------------------------------------------------------------------------
def _limits() -> TemplateLimits:
    return current().limits


def check_size(value: Any, what: str = "a value") -> Any:
    """Refuse a value past the bounds; charge a string's length as work."""
    lim = _limits()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value.bit_length() > lim.max_int_bits:
            raise BudgetExceeded(f"{what} is an integer of {value.bit_length():,} bits; the limit is {lim.max_int_bits:,}")
    elif isinstance(value, (str, bytes)):
        if len(value) > lim.max_output_chars:
            raise BudgetExceeded(f"{what} is {len(value):,} characters long; the limit is {lim.max_output_chars:,}")
        current().charge(len(value))
    elif isinstance(value, (list, tuple, dict, set, frozenset)):
        if len(value) > lim.max_items:
            raise BudgetExceeded(f"{what} has {len(value):,} items; the limit is {lim.max_items:,}")
    return value


def _width(n: Any, what: str) -> None:
    lim = _limits()
    if isinstance(n, int) and not isinstance(n, bool) and abs(n) > lim.max_width:
        raise BudgetExceeded(f"{what}: {n:,} is over the limit of {lim.max_width:,}")


def _predict(n: int, kind: str, what: str) -> None:
    lim = _limits()
    limit = lim.max_output_chars if kind == "text" else lim.max_items
    if n > limit:
        unit = "characters" if kind == "text" else "items"
        raise BudgetExceeded(f"{what} would make {n:,} {unit}; the limit is {limit:,}")


def _seq_kind(v: Any) -> str | None:
    if isinstance(v, (str, bytes)):
        return "text"
    if isinstance(v, (list, tuple)):
        return "items"
    return None


_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")
_DIGITS = re.compile(r"\d+")


def _check_percent(fmt: str, args: Any) -> None:
    """``'%1000000000d' % x`` and ``'%*d' % (10**9, x)`` are refused before formatting."""
    star = False
    for m in _PERCENT.finditer(fmt):
        for g in (m.group(1), m.group(2)):
            if g == "*":
                star = True
            elif g:
                _width(int(g), "a % format width")
    if star:
        for a in args if isinstance(args, tuple) else (args,):
            _width(a, "a % format width")


def _check_join(sep: Any, items: Any) -> list[Any]:
    items = list(items)
    check_size(items, "join's list")
    total = len(sep) * max(len(items) - 1, 0) if isinstance(sep, str) else 0
    for x in items:
        total += len(x) if isinstance(x, str) else 20
    _predict(total, "text", "join")
    return items


class _Formatter(SandboxedFormatter):
    """``str.format`` with every width and precision (including nested ``{:{}}``) bounded."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        for d in _DIGITS.findall(format_spec):
            _width(int(d) if len(d) < 20 else 10**20, "a format width")
        return check_size(super().format_field(value, format_spec), "a formatted field")


# -- filters and globals ------------------------------------------------------------------
def _bounded_filter(name: str, fn: Any) -> Any:
    """A filter with its numeric arguments bounded and its result sized; the amplifying ones
    (join, replace, indent, wordwrap, format) sized before they run."""
    pass_arg = getattr(fn, "jinja_pass_arg", None)
    skip = 1 if pass_arg is not None else 0  # the context/environment argument

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        current().tick()
        value, params = (args[skip] if len(args) > skip else None), list(args[skip + 1:]) + list(kwargs.values())
        if name not in ("default", "d"):
            for p in params:
                _width(p, f"the {name} filter's argument")
        if name == "join" and value is not None:
            sep = params[0] if params and isinstance(params[0], str) else ""
            value = _check_join(sep, value)
            args = args[:skip] + (value,) + args[skip + 1:]
        elif name == "replace" and isinstance(value, str) and len(params) >= 2:
            old, new = str(params[0]), str(params[1])
            hits = value.count(old) if old else len(value) + 1
            _predict(len(value) + hits * max(len(new) - len(old), 0), "text", "replace")
        elif name == "indent" and isinstance(value, str):
            width = params[0] if params else 4
            w = len(width) if isinstance(width, str) else int(width) if isinstance(width, int) else 4
            _predict(len(value) + (value.count("\n") + 1) * abs(w), "text", "indent")
        elif name == "wordwrap" and isinstance(value, str):
            width = params[0] if params and isinstance(params[0], int) else 79
            wrap = kwargs.get("wrapstring") or (params[2] if len(params) > 2 and isinstance(params[2], str) else "\n")
            _predict(len(value) + (len(value) // max(int(width), 1) + 1) * len(wrap), "text", "wordwrap")
        elif name == "format" and isinstance(value, str):
            _check_percent(value, tuple(args[skip + 1:]) or tuple(kwargs.values()))
        return check_size(fn(*args, **kwargs), f"the {name} filter's result")

    return wrapper


def bounded_range(*args: int) -> range:
    current().tick()
    rng = range(*args)
    try:
        n = len(rng)
    except OverflowError:
        n = 2**63
    if n > _limits().max_range:
        raise BudgetExceeded(f"range() of {n:,} items; the limit is {_limits().max_range:,}")
    return rng


def _bounded_lipsum(fn: Any) -> Any:
    @functools.wraps(fn)
    def lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> Any:  # noqa: A002 - jinja's names
        for v, what in ((n, "lipsum's n"), (min, "lipsum's min"), (max, "lipsum's max")):
            if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 1_000:
                raise BudgetExceeded(f"{what}: {v:,} is over the limit of 1,000")
        _predict(abs(n) * abs(max) * 12, "text", "lipsum")
        return check_size(fn(n, html, min, max), "lipsum's text")

    return lipsum


# -- the environment ---------------------------------------------------------------------
class _Meter(NodeTransformer):
    """Route every loop through ``bounded_loop`` and every ``~`` through ``bounded_concat``."""

    def __init__(self, env: jinja2.Environment):
        self.env = env

    def _call(self, name: str, args: list[nodes.Expr], like: nodes.Node) -> nodes.Call:
        call = nodes.Call(nodes.EnvironmentAttribute(name), args, [], None, None)
        call.set_lineno(like.lineno)
        call.set_environment(self.env)
        return call

    def visit_For(self, node: nodes.For) -> nodes.For:
        self.generic_visit(node)
        static = sum(len(t.data) for b in node.body for t in b.find_all(nodes.TemplateData))
        static += sum(len(t.data) for t in node.body if isinstance(t, nodes.TemplateData))
        node.iter = self._call("bounded_loop", [node.iter, nodes.Const(static)], node)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Call:
        self.generic_visit(node)
        return self._call("bounded_concat", list(node.nodes), node)


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **kwargs: Any):
        super().__init__(finalize=self._finalize, **kwargs)
        self.filters = {name: _bounded_filter(name, fn) for name, fn in self.filters.items()}
        self.globals["range"] = bounded_range
        self.globals["lipsum"] = _bounded_lipsum(self.globals["lipsum"])

    # every {{ }} is charged as it is written
    @staticmethod
    def _finalize(value: Any) -> str:
        text = str(value)
        current().charge(len(text))
        return text

    def bounded_loop(self, iterable: Any, static: int = 0) -> Iterator[Any]:
        budget = current()
        for item in iterable:
            budget.tick()
            if static:
                budget.charge(static)
            yield item

    def bounded_concat(self, *parts: Any) -> str:
        texts = [str(p) for p in parts]
        _predict(sum(len(t) for t in texts), "text", "'~'")
        return check_size("".join(texts), "a '~' result")

    def _generate(self, source: nodes.Template, name: Any, filename: Any, defer_init: bool = False) -> str:
        return super()._generate(_Meter(self).visit(source), name, filename, defer_init)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        current().tick()
        lk, rk = _seq_kind(left), _seq_kind(right)
        lim = _limits()
        ints = isinstance(left, int) and isinstance(right, int)
        if operator == "**" and ints and right > 0 and abs(left) > 1:
            if right * (abs(left).bit_length() - 1) > lim.max_int_bits:
                raise BudgetExceeded(f"{left} ** {right} is an integer of more than {lim.max_int_bits:,} bits")
        elif operator == "**" and isinstance(right, int) and abs(right) > lim.max_int_bits:
            raise BudgetExceeded(f"an exponent of {right:,} is over the limit of {lim.max_int_bits:,}")
        elif operator == "*":
            if lk and isinstance(right, int):
                _predict(len(left) * max(right, 0), lk, "'*'")
            elif rk and isinstance(left, int):
                _predict(len(right) * max(left, 0), rk, "'*'")
            elif ints and left.bit_length() + right.bit_length() > lim.max_int_bits:
                raise BudgetExceeded(f"a product of more than {lim.max_int_bits:,} bits")
        elif operator == "+" and lk and lk == rk:
            _predict(len(left) + len(right), lk, "'+'")
        elif operator == "%" and isinstance(left, str):
            _check_percent(left, right)
        return check_size(super().call_binop(context, operator, left, right), f"the result of '{operator}'")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - jinja's signature
        budget = current()
        budget.tick()
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, (str, bytes, list, tuple, dict)):
            name = getattr(__obj, "__name__", "method")
            for a in list(args) + list(kwargs.values()):
                _width(a, f"{type(owner).__name__}.{name}()")
            if name == "join" and isinstance(owner, str) and args:
                args = (_check_join(owner, args[0]),) + args[1:]
            elif name == "replace" and isinstance(owner, str) and len(args) >= 2:
                old, new = str(args[0]), str(args[1])
                hits = owner.count(old) if old else len(owner) + 1
                _predict(len(owner) + hits * max(len(new) - len(old), 0), "text", "str.replace()")
        if isinstance(__obj, LoopContext) and args:  # a recursive loop's next level
            args = (__self.bounded_loop(args[0]),) + args[1:]
        if budget.depth >= budget.limits.max_call_depth:
            raise BudgetExceeded(f"calls nested more than {budget.limits.max_call_depth} deep (a macro that calls itself?)")
        budget.depth += 1
        try:
            result = super().call(__context, __obj, *args, **kwargs)
        finally:
            budget.depth -= 1
        return check_size(result, "a call's result")

    def wrap_str_format(self, value: Any) -> Any:
        """``str.format`` and ``format_map`` through :class:`_Formatter` (bounded widths)."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        f_self = value.__self__
        is_map = value.__name__ == "format_map"
        vformat = _Formatter(self).vformat

        @functools.wraps(value)
        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            current().tick()
            return check_size(type(f_self)(vformat(f_self, args, kwargs)), "str.format()'s result")

        return wrapper

