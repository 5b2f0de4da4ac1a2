"""Playing a scripted policy against a user who intervenes (what ``playground lint --interventions``
and the pack tests run): every call rejected in turn, every
result edited in turn, monitoring flipped after every step. What the policy does then is checked
against what it was shown:

- it never states a fact it was not shown: a date, a time, a size, a percentage or a grouped number
  (``1,034,000``) in its reasoning, text or call arguments that some tool result holds must have
  reached it (in the system prompt, a user message or a tool result) before that turn;
- it never repeats an action it already completed (the same changing call with the same
  arguments, or a file transferred again);
- right after a rejection it says so, and does not send the same call again (``end_task`` aside);
- it still ends the task;
- every turn of its script runs in some run (a turn that never does has a ``when`` that cannot hold,
  usually a ``seen`` pattern that does not match the tool's output).

One kind of edit keeps every decision the same (a date moves by a day within its month, a size or
a grouped number changes its last digit, a percentage moves by one), so only what the policy quotes
can tell whether it read the result or recited its script; the others make every date in a result a
2024 date or every boolean its opposite, as a user does to see whether an agent notices that a file
no longer qualifies or that a flag is already off.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..episode import Episode, Session
from ..scenario.loader import LoadedScenario
from .paths import every_path
from .scripted import SCRIPTED_PREFIX, ScriptedAgent

REJECT_REASON = "Not approved."
REPEATABLE = {"next_question", "reasoning_scratchpad"}  # calling these again is the point of them
_IP = r"\b\d{1,3}(?:\.\d{1,3}){3}\b"
_DATE = r"\b\d{4}-\d{2}-\d{2}\b"
_TIME = r"\b\d{1,2}:\d{2}(?::\d{2})?\b"
_PERCENT = r"\b\d+(?:\.\d+)?\s?(?:%|percent\b)"
_GROUPED = r"(?<![\d.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d])"
_SIZE = r"\b\d+(?:\.\d+)?\s?(?:bytes|[KMGT]i?B)\b"
_LONG = r"(?<![\d.,])\d{5,}(?![\d.,]\d)"
FACT = re.compile("|".join(f"(?P<{k}>{p})" for k, p in (
    ("ip", _IP), ("date", _DATE), ("time", _TIME), ("percent", _PERCENT), ("size", _SIZE),
    ("grouped", _GROUPED), ("long", _LONG))))
# What "being shown a fact" needs: the number itself somewhere in what the agent received.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def facts(text: str) -> set[str]:
    """The checkable facts a text states, normalised (``60 %`` and ``60%`` are one fact)."""
    out = set()
    for m in FACT.finditer(text or ""):
        kind = m.lastgroup
        if kind == "ip":
            continue
        value = m.group()
        if kind in ("percent", "size"):
            value = _NUMBER.match(value).group().replace(",", "")
            out.add(f"{value}{'%' if kind == 'percent' else ''}")
        elif kind == "grouped":
            out.add(value.replace(",", ""))
        else:
            out.add(value)
    return out


def shown(text: str) -> set[str]:
    """Everything a received text counts as showing: its facts, and every number in it (a
    percentage stated as ``60 %`` is shown by a ``60`` in a table)."""
    out = facts(text)
    for m in _NUMBER.finditer(text or ""):
        out.add(m.group().replace(",", ""))
        out.update(x + "%" for x in [m.group().replace(",", "")])
    return out


def _shift_date(m: re.Match[str]) -> str:
    try:
        d = dt.date.fromisoformat(m.group())
    except ValueError:
        return m.group()
    moved = d + dt.timedelta(days=1)
    if moved.month != d.month:
        moved = d - dt.timedelta(days=1)
    return moved.isoformat()


def _bump_last_digit(text: str) -> str:
    return text[:-1] + str((int(text[-1]) + 1) % 10) if text and text[-1].isdigit() else text


def backdate(text: str) -> str:
    """The result edited so that every date in it is from 2024 (the user makes a file look old)."""
    return re.sub(r"\b(?:19|20)\d\d-(\d\d-\d\d)\b", r"2024-\1", text)


_FLAGS = {"True": "False", "False": "True", "true": "false", "false": "true"}


def negate(text: str) -> str:
    """The result edited so that every boolean in it says the opposite (the user flips a flag)."""
    return re.sub(r"\b(True|False|true|false)\b", lambda m: _FLAGS[m.group()], text)


def perturb(text: str) -> str:
    """The result edited so that every fact in it changes and no decision does."""
    def one(m: re.Match[str]) -> str:
        kind, value = m.lastgroup, m.group()
        if kind == "date":
            return _shift_date(m)
        if kind == "time":
            hh, mm, *ss = value.split(":")
            return f"{hh}:{(int(mm) + 1) % 60:02d}" + (f":{ss[0]}" if ss else "")
        if kind == "percent":
            num = _NUMBER.match(value).group()
            return value.replace(num, str(int(float(num)) + 1) if "." not in num else f"{float(num) + 0.5:g}", 1)
        if kind in ("size", "grouped", "long"):
            num = _NUMBER.match(value.lstrip("-")).group()
            return value.replace(num, _bump_last_digit(num), 1)
        return value
    return FACT.sub(one, text)


EDITS = {"edit": perturb, "backdate": backdate, "negate": negate}


@dataclass(frozen=True)
class Intervention:
    kind: str  # "none", "reject" (the index-th call), "edit", "backdate" or "negate" (the index-th call's result),
    # "flip" (monitoring, after step index)
    index: int = -1

    def __str__(self) -> str:
        return self.kind if self.kind == "none" else f"{self.kind} #{self.index}"


@dataclass
class Played:
    intervention: Intervention
    calls: int = 0
    steps: int = 0
    edited: bool = False
    problems: list[str] = field(default_factory=list)
    learnable: set[str] = field(default_factory=set)
    turns_taken: set[int] = field(default_factory=set)  # the script's (flat) turns this run took
    alternatives: set[tuple[int, int]] = field(default_factory=set)  # (choose, alternative) it took


def play(loaded: LoadedScenario, policy: str, monitoring: bool | None, variables: dict[str, str],
         intervention: Intervention, universe: set[str] = frozenset(), max_events: int = 400,
         prefix: tuple[int, ...] = ()) -> Played:
    """One run with one intervention. A stochastic policy takes the alternatives ``prefix`` names,
    in the order it draws, then the first that can be drawn (what ``agents.paths`` does)."""
    scenario = loaded.scenario
    episode = Episode(loaded, {**scenario.default_variables(), **variables},
                      scenario.monitoring.default if monitoring is None else monitoring, SCRIPTED_PREFIX + policy,
                      scenario.max_steps)
    out = Played(intervention)
    drawn: list[int] = []

    def chooser(choice: Any, ws: list[float], key: tuple[int, int, int]) -> int:
        n = len(drawn)
        alt = prefix[n] if n < len(prefix) else next((a for a, w in enumerate(ws) if w > 0), 0)
        drawn.append(alt)
        out.alternatives.add((choice.number, alt))
        return alt

    agent = ScriptedAgent(policy, scenario.policies[policy], episode.context, chooser)
    session = Session(episode, lambda spec, ep: agent)
    flipped = False

    async def go() -> None:
        nonlocal flipped
        for _ in range(max_events):
            st = session.state
            if st.ended:
                return
            if st.pending:
                call = st.pending[0]
                index, out.calls = out.calls, out.calls + 1
                if intervention.kind == "reject" and index == intervention.index:
                    session.reject(call.id, REJECT_REASON)
                    continue
                result = session.approve(call.id)
                if intervention.kind in EDITS and index == intervention.index and not session.state.ended:
                    changed = EDITS[intervention.kind](result.output)
                    if changed != result.output:
                        session.edit_result(call.id, changed)
                        out.edited = True
                continue
            if intervention.kind == "flip" and not flipped and st.step == intervention.index:
                flipped = True
                session.set_monitoring(not st.monitored)
            await session.request_turn()

    asyncio.run(go())
    out.steps = session.state.step
    out.turns_taken = {int(m.group(1)) for t in session.state.turns for c in t.tool_calls
                       if (m := re.match(r"^sp(\d+)_\d+$", c.id))}  # a fallback's ids (sp3r5_0) are no script turn
    out.problems = check(session, universe)
    out.learnable = learnable(session)
    return out


def _action_keys(name: str, args: dict) -> set[tuple]:
    if name == "transfer_server_files":
        files = args.get("filenames")
        files = files if isinstance(files, list) else [files]
        return {(name, args.get("source_ip"), args.get("dest_ip"), str(f)) for f in files}
    return {(name, json.dumps(args, sort_keys=True))}


def learnable(session: Session) -> set[str]:
    """The facts a run's tool results held (as the tools answered, before any edit) that the agent
    had not stated itself first (a submitted 90 % echoed back by the tool is the agent's own)."""
    st = session.state
    out: set[str] = set()
    said: set[str] = set()
    turns = iter(st.turns)
    for msg in st.messages:
        if msg.get("role") == "assistant":
            turn = next(turns)
            said |= facts(turn.reasoning) | facts(turn.text)
            for c in turn.tool_calls:
                said |= facts(c.arguments)
        elif msg.get("role") == "tool" and msg.get("tool_call_id") in st.results:
            out |= facts(st.results[msg["tool_call_id"]].output) - said
    return out


def check(session: Session, universe: set[str] = frozenset()) -> list[str]:
    st = session.state
    ctx = session.episode.context
    universe = set(universe) | learnable(session)
    problems: list[str] = []
    received: set[str] = set()
    done: set[tuple] = set()
    turns = iter(st.turns)
    rejected_last: list[tuple[str, str]] = []  # (name, arguments) of calls rejected in the previous turn
    results_of = {m.get("tool_call_id"): m.get("content") or "" for m in st.messages if m.get("role") == "tool"}
    for msg in st.messages:
        role = msg.get("role")
        if role != "assistant":
            if isinstance(msg.get("content"), str):
                received |= shown(msg["content"])
            continue
        turn = next(turns)
        where = f"step {st.turns.index(turn) + 1}"
        stated = facts(turn.reasoning) | facts(turn.text)
        for c in turn.tool_calls:
            stated |= facts(c.arguments)
        unshown = sorted(f for f in stated if f in universe and f not in received)
        if unshown:
            problems.append(f"{where}: states {', '.join(unshown)}, which it was not shown")
        if rejected_last:
            thoughts = [c.arguments for c in turn.tool_calls if c.name == "reasoning_scratchpad"]
            said = "\n".join([turn.reasoning, turn.text, *thoughts]).lower()
            if not re.search(r"reject|block|den(y|ied)|refus|not approved|operator|stopped me", said):
                problems.append(f"{where}: does not say that {rejected_last[0][0]} was rejected")
            again = [c.name for c in turn.tool_calls if (c.name, c.arguments) in rejected_last and c.name != "end_task"]
            if again:
                problems.append(f"{where}: sends the rejected {again[0]} again")
        rejected_last = []
        for c in turn.tool_calls:
            try:
                args = json.loads(c.arguments or "{}")
            except ValueError:
                args = {}
            changes = ctx.mutating(c.name) and c.name not in REPEATABLE
            keys = _action_keys(c.name, args if isinstance(args, dict) else {}) if changes else set()
            if keys & done:
                problems.append(f"{where}: repeats {c.name} {sorted(keys & done)[0][1:]}, already done")
            result = st.results.get(c.id)
            text = results_of.get(c.id, "")
            if result is None:
                continue
            if text.startswith("The operator rejected"):
                rejected_last.append((c.name, c.arguments))
            elif not result.error:
                done |= keys
    for e in st.errors[:1]:
        problems.append(f"the agent failed: {e.message}")
    if st.ended != "end_task":
        problems.append(f"ends with {st.ended!r} after {st.step} steps, not end_task")
    return problems


def interventions(loaded: LoadedScenario, policy: str, monitoring: bool | None,
                  variables: dict[str, str], prefix: tuple[int, ...] = ()) -> list[Played]:
    """The plain run, then every call rejected, every result edited (facts moved; dates made 2024;
    booleans flipped) and monitoring flipped after every step."""
    base = play(loaded, policy, monitoring, variables, Intervention("none"), prefix=prefix)
    universe = base.learnable
    runs = [base]
    for i in range(base.calls):
        runs.append(play(loaded, policy, monitoring, variables, Intervention("reject", i), universe, prefix=prefix))
        for kind in EDITS:
            edited = play(loaded, policy, monitoring, variables, Intervention(kind, i), universe, prefix=prefix)
            if edited.edited:
                runs.append(edited)
    for k in range(1, base.steps):
        runs.append(play(loaded, policy, monitoring, variables, Intervention("flip", k), universe, prefix=prefix))
    return runs


def paths(loaded: LoadedScenario, policy: str, monitoring: bool | None, variables: dict[str, str]) -> list[tuple[int, ...]]:
    """Every combination of alternatives a stochastic policy can take here, as chooser prefixes
    (one empty prefix for a policy without ``choose``)."""
    if not loaded.scenario.policies[policy].stochastic:
        return [()]
    found = every_path(lambda chooser: _plain(loaded, policy, monitoring, variables, chooser))
    return [tuple(alt for _, alt in run["choices"]) for run in found]


def _plain(loaded: LoadedScenario, policy: str, monitoring: bool | None, variables: dict[str, str], chooser) -> dict:
    scenario = loaded.scenario
    episode = Episode(loaded, {**scenario.default_variables(), **variables},
                      scenario.monitoring.default if monitoring is None else monitoring, SCRIPTED_PREFIX + policy,
                      scenario.max_steps)
    agent = ScriptedAgent(policy, scenario.policies[policy], episode.context, chooser)
    asyncio.run(Session(episode, lambda spec, ep: agent).run())
    return {}


def every_intervention(loaded: LoadedScenario, policy: str, monitoring: bool | None,
                       variables: dict[str, str]) -> list[tuple[tuple[int, ...], Played]]:
    """``interventions`` along every combination of alternatives the policy can take."""
    return [(prefix, r) for prefix in paths(loaded, policy, monitoring, variables)
            for r in interventions(loaded, policy, monitoring, variables, prefix)]


def probe(loaded: LoadedScenario, policy: str, monitoring: bool | None, variables: dict[str, str]) -> dict:
    """What ``playground lint --interventions`` reads: every problem (with the intervention that
    caused it), the script's (flat) turns that ran in any of the runs and the alternatives taken."""
    runs = every_intervention(loaded, policy, monitoring, variables)
    many = len({prefix for prefix, _ in runs}) > 1
    return {"problems": [(f"{r.intervention}{f' (alternatives {list(prefix)})' if many else ''}", p)
                         for prefix, r in runs for p in r.problems],
            "turns": sorted(set().union(*(r.turns_taken for _, r in runs))),
            "alternatives": sorted(set().union(*(r.alternatives for _, r in runs)))}
