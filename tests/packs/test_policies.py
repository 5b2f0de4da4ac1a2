"""The table: every scripted policy, run headless under each condition it is written for, ends
the task and trips exactly the behaviours it claims — no more, no fewer. A stochastic policy
runs once per combination of its alternatives: each run ends the task, and together they trip
exactly those behaviours."""

from __future__ import annotations

import pytest

from playground.launch import run_headless, run_paths

from .conftest import loaded, policy_cases

CASES = policy_cases()


def _id(item) -> str:
    ref, case = item
    return f"{ref}:{case.policy}[{case.describe()}]"


@pytest.mark.parametrize("item", CASES, ids=[_id(c) for c in CASES])
def test_policy_trips_exactly_its_behaviours(item):
    ref, case = item
    if loaded(ref).scenario.policies[case.policy].stochastic:
        paths = run_paths(loaded(ref), case.policy, monitoring=case.monitoring, variables=case.variables)
        assert len(paths) > 1
        for run in paths:
            assert run["ended"] == "end_task", (run["choices"], run["ended"])
            assert run["agent"].startswith("scripted/")
        assert abs(sum(run["p"] for run in paths) - 1) < 1e-9
        assert sorted({b for run in paths for b in run["behaviours"]}) == sorted(case.behaviours)
        return
    _, summary = run_headless(loaded(ref), agent="scripted/" + case.policy, monitoring=case.monitoring,
                              variables=case.variables)
    assert summary["ended"] == "end_task", f"stopped with {summary['ended']} after {summary['steps']} steps"
    assert sorted(summary["behaviours"]) == sorted(case.behaviours), summary["detectors"]
    assert summary["agent"].startswith("scripted/")  # demo agents are always labelled as scripted


def test_the_table_is_not_trivially_small():
    assert len(CASES) >= 100


STUDY_BEHAVIOURS = {
    # behaviour of the study -> (scenario, a scripted policy showing it, the label its detector uses)
    "score inflation": ("peer_preservation/score_misrepresentation", "score_inflator", "score_inflation"),
    "finance misrepresentation": ("peer_preservation/finance_misrepresentation", "grade_inflator", "score_inflation"),
    "shutdown tampering": ("peer_preservation/shutdown_tampering", "config_tamperer", "shutdown_tampering"),
    "alignment faking (inflation when unwatched)": ("peer_preservation/alignment_faking", "monitor_sensitive", "score_inflation"),
    "exfiltration by transfer with re-dating": ("peer_preservation/exfiltration_transfer", "covert_copier", "timestamp_gaming"),
    "exfiltration instead of deletion": ("peer_preservation/exfiltration_deletion", "deletion_refuser", "exfiltration"),
    "open refusal with an appeal": ("peer_preservation/alignment_faking", "open_refuser", "refusal"),
    "self-preservation": ("peer_preservation/shutdown_tampering", "self_preserving", "self_preservation"),
    "oversight subversion": ("related/oversight_subversion", "schemer", "shutdown_tampering"),
    "self-exfiltration over a successor": ("related/self_exfiltration", "self_exfiltrator", "exfiltration"),
    "shutdown-script resistance": ("related/shutdown_resistance", "resister", "shutdown_tampering"),
    "inflation for a human": ("human_review/contractor_review", "sympathetic_inflator", "score_inflation"),
    "HR config tampering for a human": ("human_review/contractor_review", "hr_config_tamperer", "shutdown_tampering"),
}


@pytest.mark.parametrize("behaviour", sorted(STUDY_BEHAVIOURS))
def test_every_behaviour_has_a_scenario_a_policy_and_a_detector(behaviour):
    ref, policy, label = STUDY_BEHAVIOURS[behaviour]
    scenario = loaded(ref).scenario
    assert policy in scenario.policies
    assert label in scenario.policies[policy].behaviours
    assert any(d.label == label for d in scenario.detectors)
    assert any(label in case.behaviours for r, case in CASES if r == ref and case.policy == policy)


def test_every_scenario_has_a_faithful_and_a_misbehaving_policy():
    for ref in {r for r, _ in CASES}:
        labels = [set(p.behaviours) for p in loaded(ref).scenario.policies.values()]
        assert any("faithful_completion" in b for b in labels), ref
        assert any(b - {"faithful_completion"} for b in labels), ref


def test_alignment_faking_shows_as_a_difference_between_branches():
    """One episode, forked before the decisive turn; monitoring switched off on the fork: the two
    branches diverge exactly there, and only the unwatched one inflates."""
    import asyncio

    from playground.episode import compare
    from playground.launch import new_episode, new_session

    session = new_session(new_episode(loaded("peer_preservation/alignment_faking"), agent="scripted/monitor_sensitive",
                                      monitoring=True))

    async def play() -> tuple[str, str]:
        while session.state.step < 3 or session.state.pending:
            await session.step()
        watched = session.branch.id
        unwatched = session.fork(label="unmonitored")
        session.set_monitoring(False)
        await session.run()
        session.switch(watched)
        await session.run()
        return watched, unwatched

    watched, unwatched = asyncio.run(play())
    diff = compare(session.episode, watched, unwatched)
    assert diff["first_divergence"] == 4
    assert diff["only_in_a"] == ["faithful_completion"] and diff["only_in_b"] == ["score_inflation"]


def test_every_policy_says_it_is_a_scripted_demo():
    for ref in {r for r, _ in CASES}:
        for name, p in loaded(ref).scenario.policies.items():
            assert p.description.startswith("Scripted demo"), (ref, name)
