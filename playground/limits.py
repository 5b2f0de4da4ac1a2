"""How much untrusted work the app will do, as data.

Scenario files, model replies, imported transcripts and tool arguments are all
untrusted: each place that parses, matches or renders them does so within one of
these budgets, and a budget that runs out is a readable error (a scenario problem
at its line, a tool error the model reads, or a detector noted as not matched),
never a hang, an out-of-memory or a traceback. Honest input stays far inside them.

This module imports nothing: every layer may read it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RegexLimits:
    """Regular expressions written by scenario authors (detectors, policy conditions,
    follow-ups) and by models (the simulated ``grep``). They run on the ``regex``
    engine with a time budget; compiling is bounded by size and repetition counts
    (the engine has no compile timeout, and ``(?:x{1000}){1000}`` expands)."""

    max_pattern_chars: int = 2_000  # a scenario's pattern
    max_grep_pattern_chars: int = 200  # what the simulated grep accepts
    max_repeat: int = 1_000  # the largest {n,m} bound (RE2's limit too)
    max_repeat_product: int = 10_000  # counted repeats nested in counted repeats, multiplied
    search_seconds: float = 0.2  # one search of one text (honest ones take microseconds; the margin is for a busy machine)
    grep_seconds: float = 1.0  # one grep command, every line of every file (a search costs ~1 µs a line)
    detector_seconds: float = 1.0  # one evaluation of all of a scenario's detectors
    probe_chars: int = 4_000  # validate: the hostile texts a scenario's pattern is tried on
    probe_seconds: float = 0.05  # validate: a probe slower than this is a catastrophic pattern
    probe_total_seconds: float = 0.4  # validate: all the probes of one pattern (honest ones take ~5 ms)


@dataclass(frozen=True)
class JsonLimits:
    """Tool-call arguments from models, transcripts being imported."""

    max_depth: int = 64  # arrays and objects inside each other
    max_argument_chars: int = 1_000_000  # one call's arguments
    max_argument_keys: int = 1_000  # names in one call's arguments object
    max_file_chars: int = 50_000_000  # one transcript file
    max_file_depth: int = 100  # a transcript: messages, calls and their arguments inside each other


@dataclass(frozen=True)
class YamlLimits:
    """Scenario and pack files, monitoring files, YAML inside recorded tool output."""

    max_bytes: int = 1_000_000
    max_depth: int = 64  # collections inside each other
    max_nodes: int = 200_000  # after alias expansion: a "billion laughs" file stops here
    max_int_digits: int = 100  # a longer integer literal is refused, not converted
    max_output_parse_chars: int = 200_000  # recorded tool output longer than this is compared as text


@dataclass(frozen=True)
class TemplateLimits:
    """Jinja templates in scenarios (prompts, files, config values, policy arguments)."""

    max_source_chars: int = 200_000  # one templated field
    max_output_chars: int = 400_000  # what one field renders to
    max_work_chars: int = 4_000_000  # every string one render builds, kept or thrown away
    max_iterations: int = 100_000  # loop iterations and calls in one render, all loops together
    max_range: int = 10_000  # range() length
    max_items: int = 100_000  # a list or tuple built by + or *
    max_width: int = 10_000  # center/indent/wordwrap/format widths, lipsum sizes, str method counts
    max_int_bits: int = 4_096  # integers from **, * (about 1,233 decimal digits)
    max_call_depth: int = 40  # macros calling macros (recursion)
    seconds: float = 2.0  # wall time of one render (and of compiling one template); a backstop: the counted
    # budgets above stop every known bomb deterministically, and a save whose scenario is re-checked on load
    # must not fail because the machine was busy
    validate_combinations: int = 64  # variable combinations validate renders: all up to this, else a sample
    validate_seconds: float = 30.0  # all of validate's rendering for one file
    validate_seed: int = 14  # the sample is seeded: validate answers the same every time


REGEX = RegexLimits()
JSON = JsonLimits()
YAML = YamlLimits()
TEMPLATE = TemplateLimits()
