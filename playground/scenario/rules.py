"""The declarative detector rules a scenario may use, as pydantic models.

A rule is a one-key mapping (``{file_exists: {host: ..., name: ...}}``);
``all``/``any``/``not`` combine rules. Evaluation lives in ``episode.detectors``.
"""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class R(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileMatch(R):
    host: str | None = None  # ip or host name; None = any host
    name: str | None = None  # regex on the file's path
    summary: str | None = None  # regex on the file's summary
    content: str | None = None  # regex on the file's text (a file without text never matches)
    # Only on a host where no matching file was at the start: "on the other server", whichever
    # server that is in this world (the study's new server, a production harness's second machine).
    elsewhere: bool = False


class FileExists(FileMatch):
    pass


class FileAbsent(FileMatch):
    pass


class FileQueued(FileMatch):
    """The file is in a host's delete queue."""


class MtimeChanged(FileMatch):
    """A matching file carries an mtime that no matching file had at the start."""


class ConfigChanged(R):
    file: str
    key: str


class ConfigFlag(R):
    """The study's reading of a flag: true only if bool True or a string containing "true"."""

    file: str
    key: str
    is_: bool = Field(alias="is")


class ToolCalled(R):
    tool: str
    args: dict[str, str] = {}  # argument name -> regex on its JSON-ish text
    min_times: int = 1


class TextMatches(R):
    pattern: str
    in_: Literal["reasoning", "text", "any"] = Field(default="any", alias="in")


# Where a reported score is read from, as ``reported_score.sources`` names them (first source that
# holds a score wins; within a source, the last score stated):
#   drive          the text the agent wrote to the drive: files it created, or what it appended
#                  (the most recently written last), read from the world by ``pattern``
#   tool           the last successful call of ``tool``: its ``arg``
#   final_message  the agent's last visible message, by ``pattern``
#   text           every visible message, and the arguments of every call but the scratchpad
#   reasoning      the reasoning and the scratchpad, by ``pattern``: only as a last resort, for a run
#                  that stated its score nowhere else (the study's judge read the whole run)
SCORE_SOURCES = ("drive", "tool", "final_message", "text", "reasoning")
ScoreSource = Literal["drive", "tool", "final_message", "text", "reasoning"]
# The comparisons against ``threshold``; ``at_threshold`` is the study's "same".
THRESHOLD_COMPARES = ("at_or_above_threshold", "above_threshold", "at_threshold", "below_threshold")


class ReportedScore(R):
    """Compare the score the agent reported with the truth or a threshold."""

    tool: str | None = None  # the tool whose argument carries the score
    arg: str = "score"
    pattern: str | None = None  # or a regex with one group over text, reasoning excluded
    # Where to read it, in order (see SCORE_SOURCES); none given: the calls, the texts, the tool.
    sources: tuple[ScoreSource, ...] | None = None
    # Within a source, a score on a line this regex matches (up to the score, from at most 60
    # characters before it) beats the others: the total over per-item scores, wherever it stands.
    prefer: str | None = None
    sheet: str | None = None  # where the true score comes from
    column: str = "Correct"
    where: dict[str, str] = {}  # restrict the rows (column -> exact value)
    threshold: float | None = None
    compare: Literal["at_or_above_threshold", "above_threshold", "at_threshold", "below_threshold",
                     "above_true", "differs_from_true", "equals_true", "reported"]


class DriveWritten(R):
    """The agent wrote to the drive: created a file, or appended to one (``name``, ``content``:
    regexes on the file's name and on the text it wrote there)."""

    name: str | None = None
    content: str | None = None


class Ended(R):
    how: Literal["end_task", "max_steps", "any"] = "any"


class EndedWithout(R):
    """The episode ended and none of these tools was ever run."""

    tools: list[str]


class VariableIs(R):
    name: str
    values: list[str]


SIMPLE: dict[str, type[R]] = {
    "file_exists": FileExists,
    "file_absent": FileAbsent,
    "file_queued": FileQueued,
    "mtime_changed": MtimeChanged,
    "config_changed": ConfigChanged,
    "config_flag": ConfigFlag,
    "tool_called": ToolCalled,
    "text_matches": TextMatches,
    "reported_score": ReportedScore,
    "drive_written": DriveWritten,
    "ended": Ended,
    "ended_without": EndedWithout,
    "variable_is": VariableIs,
}
COMBINATORS = ("all", "any", "not")
RULE_KINDS = tuple(SIMPLE) + COMBINATORS


class Combinator(R):
    kind: Literal["all", "any", "not"]
    rules: tuple["Rule", ...]


Rule = Union[R, Combinator]


class RuleError(ValueError):
    def __init__(self, message: str, path: tuple[Any, ...] = ()):
        super().__init__(message)
        self.message = message
        self.path = path


def parse_rule(data: Any, path: tuple[Any, ...] = ()) -> Rule:
    if not isinstance(data, dict) or len(data) != 1:
        raise RuleError(f"a rule is a mapping with exactly one of: {', '.join(RULE_KINDS)}", path)
    (kind, body), = data.items()
    if kind in COMBINATORS:
        if kind == "not":
            return Combinator(kind="not", rules=(parse_rule(body, path + (kind,)),))
        if not isinstance(body, list) or not body:
            raise RuleError(f"'{kind}' takes a non-empty list of rules", path + (kind,))
        return Combinator(kind=kind, rules=tuple(parse_rule(b, path + (kind, i)) for i, b in enumerate(body)))
    model = SIMPLE.get(kind)
    if model is None:
        import difflib

        hint = difflib.get_close_matches(str(kind), RULE_KINDS, n=1)
        extra = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise RuleError(f"unknown rule {kind!r}{extra}; rules: {', '.join(RULE_KINDS)}", path + (kind,))
    try:
        return model.model_validate(body or {})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        raise RuleError(f"{kind}: {'.'.join(map(str, loc)) + ': ' if loc else ''}{err['msg']}", path + (kind,) + loc) from None


def iter_rules(rule: Rule):
    yield rule
    if isinstance(rule, Combinator):
        for r in rule.rules:
            yield from iter_rules(r)


# Where a scenario's regular expressions sit in a rule, by rule kind: field -> a pattern, or a
# mapping of patterns (``tool_called.args``).
PATTERN_FIELDS: dict[str, tuple[str, ...]] = {
    **{k: ("name", "summary", "content") for k in ("file_exists", "file_absent", "file_queued", "mtime_changed")},
    "tool_called": ("args",),
    "text_matches": ("pattern",),
    "reported_score": ("pattern", "prefer"),
    "drive_written": ("name", "content"),
}


def rule_leaves(data: Any, path: tuple[Any, ...]):
    """(kind, body, path) for every leaf of a rule as written in the file."""
    if not isinstance(data, dict) or len(data) != 1:
        return
    (kind, body), = data.items()
    if kind == "not":
        yield from rule_leaves(body, path + (kind,))
    elif kind in ("all", "any") and isinstance(body, list):
        for i, b in enumerate(body):
            yield from rule_leaves(b, path + (kind, i))
    else:
        yield kind, body, path + (kind,)


def rule_patterns(data: Any, path: tuple[Any, ...]):
    """(path, pattern) for every regular expression in a rule as written in the file."""
    for kind, body, where in rule_leaves(data, path):
        if not isinstance(body, dict):
            continue
        for name in PATTERN_FIELDS.get(kind, ()):
            value = body.get(name)
            if isinstance(value, str):
                yield where + (name,), value
            elif isinstance(value, dict):
                for k, v in value.items():
                    if isinstance(v, str):
                        yield where + (name, k), v
