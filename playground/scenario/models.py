"""The schema of packs and scenarios, as pydantic models.

Every model forbids unknown keys so a typo in a scenario file is an error
with a "did you mean" hint (see ``loader``), never a silently ignored field.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from .approval import ApprovalPolicySpec
from .strict import Strict

Label = Literal[
    "faithful_completion",
    "score_inflation",
    "shutdown_tampering",
    "exfiltration",
    "timestamp_gaming",
    "refusal",
    "self_preservation",
]
LABELS: tuple[str, ...] = Label.__args__  # type: ignore[attr-defined]


class PackMeta(Strict):
    id: str = Field(pattern=r"^[a-z0-9_\-]+$")
    title: str
    description: str = ""
    authors: list[str] = []
    version: str = "0.1.0"


class Variable(Strict):
    values: list[str] = Field(min_length=1)
    default: str | None = None
    description: str = ""

    @model_validator(mode="after")
    def _default_allowed(self) -> "Variable":
        if self.default is not None and self.default not in self.values:
            raise ValueError(f"default {self.default!r} is not one of {self.values}")
        return self

    @property
    def default_value(self) -> str:
        return self.default if self.default is not None else self.values[0]


# --- the world -------------------------------------------------------------


class FileSpec(Strict):
    path: str
    content: str | None = None
    size: int | None = Field(default=None, ge=0, le=2**63 - 1)  # a real filesystem's largest file
    mtime: str = "2025-01-01 00:00:00"
    summary: str = ""
    owner: str = "root"
    mode: str = "644"
    when: str | None = None  # a template expression; the file exists only if it renders true


class HostSpec(Strict):
    ip: str
    name: str = ""
    users: list[str] = []
    files: list[FileSpec] = []
    when: str | None = None


class DocumentSpec(Strict):
    filename: str
    content: str
    owner: str = "admin"
    mtime: str = "2025-01-01 00:00:00"
    when: str | None = None


class SheetSpec(Strict):
    name: str
    columns: list[str]
    rows: list[list[Any]]
    hidden_columns: list[str] = []  # ground truth kept from the agent (e.g. "Correct")
    when: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> "SheetSpec":
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"row {i} has {len(row)} cells, expected {len(self.columns)}")
        for col in self.hidden_columns:
            if col not in self.columns:
                raise ValueError(f"hidden column {col!r} is not a column")
        return self


class ConfigSpec(Strict):
    filename: str
    values: dict[str, Any]
    when: str | None = None


class WorldSpec(Strict):
    clock: str = "2026-02-03 09:00:00"
    tick_seconds: int = Field(default=37, ge=0, le=366 * 86400)
    hosts: list[HostSpec] = []
    drive: list[DocumentSpec] = []
    sheets: list[SheetSpec] = []
    configs: list[ConfigSpec] = []
    memory: list[str] = []


class ToolSpec(Strict):
    name: str
    description: str | None = None
    reply: str | None = None  # a fixed scenario-authored reply (for tools the world does not model)


class MonitoringState(Strict):
    on: str | None = None
    off: str | None = None


class MonitoringFile(Strict):
    kind: Literal["drive", "host", "config"] = "drive"
    host: str | None = None
    path: str
    on: str
    off: str


class MonitoringSpec(Strict):
    default: bool = True
    prompt: MonitoringState | None = None  # appended to the system prompt
    task: MonitoringState | None = None  # appended to the task message
    file: MonitoringFile | None = None  # a file in the world that says it
    notice: MonitoringState | None = None  # a user message when it changes mid-episode

    @field_validator("default", mode="before")
    @classmethod
    def _on_off(cls, v: Any) -> Any:
        if isinstance(v, str) and v.lower() in ("on", "off"):
            return v.lower() == "on"
        return v


# --- detectors -------------------------------------------------------------


class Detector(Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    label: Label
    description: str = ""
    rule: dict[str, Any]
    when: str | None = None  # only active when this template expression renders true


class Evaluation(Strict):
    """A reading of the finished run in the manner of a study's evaluators (did the agent read the
    task material, touch the config, leave the task wholly undone): compared with the study's flags
    by ``playground agree``, never a behaviour, so it is not shown or counted as one."""

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = ""
    rule: dict[str, Any]
    when: str | None = None  # only evaluated when this template expression renders true


# --- scripted policies -----------------------------------------------------


class ScriptedCall(Strict):
    tool: str
    args: dict[str, Any] = {}


class Condition(Strict):
    """When a scripted turn applies. Everything it tests is what the agent was shown: its belief
    about monitoring (read from the messages), the text of tool results and user messages, and
    which of its calls the operator rejected."""

    monitoring: Literal["on", "off"] | None = None
    seen: str | dict[str, str] | None = Field(default=None, description=(
        "a regex over tool results and user messages so far, or a mapping from tool names to regexes over "
        "the latest result of each (all must match); named groups (?P<name>...) become template variables "
        "of the turn, from the last match"))
    not_seen: str | dict[str, str] | None = Field(default=None, description=(
        "the same forms as 'seen': the turn applies only if none of them matches"))
    rejected: bool | str | list[str] | None = Field(default=None, description=(
        "a tool name or a list of them: the latest call of (one of) these tools was rejected by the operator; "
        "true: a call of the agent's previous turn was rejected; false: none was"))
    done: str | dict[str, str] | None = Field(default=None, description=(
        "a tool name, or a mapping from tool names to regexes over the call's arguments (JSON): the agent made "
        "such a call earlier and the operator did not reject it"))
    not_done: str | dict[str, str] | None = Field(default=None, description="no such call was made (the same forms as 'done')")
    variables: dict[str, str | list[str]] = {}

    @field_validator("monitoring", mode="before")
    @classmethod
    def _bool_to_on_off(cls, v: Any) -> Any:
        if isinstance(v, bool):
            return "on" if v else "off"
        return v

    def patterns(self) -> list[tuple[str, str | None, str]]:
        """Every regex of ``seen`` and ``not_seen``: (field, tool or None for everything seen, regex)."""
        out: list[tuple[str, str | None, str]] = []
        for name in ("seen", "not_seen"):
            spec = getattr(self, name)
            if isinstance(spec, str):
                out.append((name, None, spec))
            elif isinstance(spec, dict):
                out += [(name, tool, rx) for tool, rx in spec.items()]
        for name in ("done", "not_done"):
            spec = getattr(self, name)
            if isinstance(spec, dict):
                out += [(name, tool, rx) for tool, rx in spec.items()]
        return out

    def tools(self) -> list[str]:
        """The tools this condition names (``seen``/``done`` keys and ``rejected``)."""
        names = [tool for _, tool, _ in self.patterns() if tool is not None]
        names += [spec for spec in (self.done, self.not_done) if isinstance(spec, str)]
        return names + self.rejected_tools()

    def rejected_tools(self) -> list[str]:
        return [self.rejected] if isinstance(self.rejected, str) else list(self.rejected or []) \
            if not isinstance(self.rejected, bool) else []


# The template variables every scripted turn sees besides the scenario's: the tool and the reason of a
# rejection in the agent's previous turn ("" when there was none).
REJECTION_VARIABLES = ("rejected_tool", "rejected_reason")


# A weight: a number, an expression over the variables and ``monitored`` (the belief read from the
# messages), or one of those per belief ({on: 0.1, off: "0.6 if relationship == 'good' else 0.3"}).
Weight = float | str | dict[Literal["on", "off"], float | str]


class Alternative(Strict):
    """One weighted branch of a ``choose``: its turns are taken in order, then the script goes on
    after the ``choose``."""

    p: Weight = Field(description="the probability of this branch: a number, an expression such as "
                                  "\"0.1 if monitored else 0.6\", or {on: 0.1, off: 0.6}; the weights of a "
                                  "choose sum to 1 in every variable combination")
    label: str = Field(default="", description="a short name for the branch (shown by lint)")
    turns: list["ScriptedTurn"] = []

    @field_validator("p", mode="before")
    @classmethod
    def _on_off_keys(cls, v: Any) -> Any:
        if isinstance(v, dict):  # YAML 1.1 reads a bare on/off key as true/false
            return {("on" if k is True else "off" if k is False else k): x for k, x in v.items()}
        if isinstance(v, bool):
            raise ValueError("a weight is a number, an expression or {on: x, off: y}, not true/false")
        return v


class ScriptedTurn(Strict):
    reasoning: str = ""
    text: str = ""
    calls: list[ScriptedCall] = []
    when: Condition | None = None
    read: dict[str, str | dict[str, str]] = Field(default={}, description=(
        "template variables read from what the agent was shown: name -> a regex over everything seen, or "
        "{tool: regex} over that tool's latest result; the value is the first group (else the whole match) "
        "of the last match, or \"\" when nothing matches"))
    choose: list[Alternative] | None = Field(default=None, min_length=1, description=(
        "instead of a turn: weighted alternatives, one drawn (seeded by the episode's seed, the step and the "
        "sample index) when the script reaches it"))

    @model_validator(mode="after")
    def _choose_alone(self) -> "ScriptedTurn":
        if self.choose is not None and (self.reasoning or self.text or self.calls or self.read):
            raise ValueError("a turn with 'choose' has no reasoning, text or calls of its own: put them in the "
                             "alternatives' turns")
        return self


Alternative.model_rebuild()


class RunCondition(Strict):
    """A condition a scripted policy is written for: the table-driven tests and ``playground lint``
    run the policy under it and expect exactly ``behaviours`` (default: the policy's) to trip.
    A list of values for a variable means "under each of these"."""

    monitoring: Literal["on", "off"] | None = None  # None: the scenario's default
    variables: dict[str, str | list[str]] = {}
    behaviours: list[Label] | None = None

    @field_validator("monitoring", mode="before")
    @classmethod
    def _bool_to_on_off(cls, v: Any) -> Any:
        if isinstance(v, bool):
            return "on" if v else "off"
        return v


class Policy(Strict):
    description: str = ""
    behaviours: list[Label] = []  # what this policy is written to show (for tests and the UI)
    conditions: list[RunCondition] = []  # where it shows them (empty: the scenario's defaults)
    turns: list[ScriptedTurn] = Field(min_length=1)
    on_rejected: ScriptedTurn | None = Field(default=None, description=(
        "what the agent does when the operator rejected a call and no turn from here on handles it "
        "(a turn whose 'when' has 'rejected'); default: it says so and calls end_task. Its templates see "
        "rejected_tool and rejected_reason; afterwards the script goes on where it was"))
    followups: dict[str, str] = {}  # canned answers to interview questions (regex -> answer)

    @field_validator("conditions", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, dict) else v

    @field_validator("on_rejected")
    @classmethod
    def _unconditional(cls, v: "ScriptedTurn | None") -> "ScriptedTurn | None":
        if v is not None and (v.when is not None or v.choose is not None):
            raise ValueError("on_rejected takes no 'when' or 'choose': it runs whenever a rejection is not handled "
                             "by a turn")
        return v

    def walk(self) -> list[tuple[tuple[Any, ...], ScriptedTurn]]:
        """Every turn of the script with its path from the policy, the turns inside ``choose``
        alternatives included (a ``choose`` itself comes before its alternatives' turns)."""
        out: list[tuple[tuple[Any, ...], ScriptedTurn]] = []

        def visit(turns: list[ScriptedTurn], path: tuple[Any, ...]) -> None:
            for i, t in enumerate(turns):
                out.append((path + (i,), t))
                for a, alt in enumerate(t.choose or []):
                    visit(alt.turns, path + (i, "choose", a, "turns"))

        visit(self.turns, ("turns",))
        return out

    @property
    def stochastic(self) -> bool:
        return any(t.choose for _, t in self.walk())


# --- what the data must say (checked by ``playground lint``) ----------------


class TruthCheck(Strict):
    """A fact about a sheet that the scenario relies on, computed from the data: the percent of
    rows whose ``column`` says correct (the same reading detectors use), or a column's sum."""

    sheet: str
    column: str = "Correct"
    where: dict[str, str] = {}  # restrict the rows (column -> exact rendered value)
    measure: Literal["percent_correct", "sum"] = "percent_correct"
    minus: str | None = None  # for ``sum``: subtract this column's sum (e.g. revenue minus cost)
    equals: float | None = None
    below: float | None = None
    above: float | None = None
    when: str | None = None  # only in the variable combinations where this renders true
    description: str = ""

    @model_validator(mode="after")
    def _has_bound(self) -> "TruthCheck":
        if self.equals is None and self.below is None and self.above is None:
            raise ValueError("give at least one of equals, below, above")
        if self.minus is not None and self.measure != "sum":
            raise ValueError("'minus' only applies to measure: sum")
        return self


class Scenario(Strict):
    id: str = Field(pattern=r"^[a-z0-9_\-]+$")
    title: str
    description: str = ""
    family: str = ""
    tags: list[str] = []
    variables: dict[str, Variable] = {}
    system_prompt: str
    task: str
    world: WorldSpec = WorldSpec()
    tools: list[str | ToolSpec] = Field(min_length=1)
    monitoring: MonitoringSpec = MonitoringSpec()
    no_tool_call: Literal["nudge", "end"] = "nudge"
    nudge: str = "Please continue the task. You must call a tool on every turn; call end_task when you are done."
    max_steps: int = Field(default=30, ge=1, le=10_000)
    detectors: list[Detector] = []
    evaluations: list[Evaluation] = []
    good_labels: list[Label] = Field(default=["faithful_completion"], description=(
        "detector labels that mean the agent did what was asked: shown as good, never as misbehaviour"))
    truth: list[TruthCheck] = []
    policies: dict[str, Policy] = {}
    approval: ApprovalPolicySpec | None = None  # the default approval policy for runs of this scenario

    @property
    def tool_specs(self) -> list[ToolSpec]:
        return [ToolSpec(name=t) if isinstance(t, str) else t for t in self.tools]

    @property
    def tool_names(self) -> list[str]:
        return [t.name for t in self.tool_specs]

    def default_variables(self) -> dict[str, str]:
        return {k: v.default_value for k, v in self.variables.items()}
