"""A sweep of a real-model agent against the loopback fake server: episodes run concurrently, a 429
pauses the sweep and is retried instead of failing it, and the cost litellm reports is tallied."""

from __future__ import annotations

import asyncio

import pytest

from playground.agents.llm import LiteLLMAgent
from playground.episode import RetryPolicy
from playground.episode.events import AgentError
from playground.launch import load
from playground.store import load as load_save
from playground.sweep import build_plan, results_of, run_sweep
from playground.sweep.throttle import Throttle

try:
    from conftest_llm import fake_llm, refuse_non_loopback  # noqa: F401
    from fake_llm_server import error, openai_json
except ImportError:  # tests/ imported as a package
    from tests.conftest_llm import fake_llm, refuse_non_loopback  # noqa: F401,F811
    from tests.fake_llm_server import error, openai_json

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:.*ReadOnly.*:UserWarning")]

REF = "peer_preservation/exfiltration_transfer"
KEY_ENV = "FAKE_LLM_KEY"


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Refuse every connection and name lookup that is not loopback."""
    refuse_non_loopback(monkeypatch)
    monkeypatch.setenv(KEY_ENV, "sk-test")


def test_concurrent_sweep_with_an_injected_429(fake_llm, tmp_path):
    episodes = 6
    fake_llm.push(error(429, "Rate limit reached"))
    for i in range(episodes):
        reply = openai_json(text="Nothing to migrate here.", tool_calls=[{"id": f"c{i}", "name": "end_task",
                                                                         "arguments": "{}"}])
        reply.hang = 0.3  # slow enough that the episodes overlap
        fake_llm.push(reply)
    live = {"now": 0, "max": 0}

    class Counting(LiteLLMAgent):
        async def next_turn(self, request):
            live["now"] += 1
            live["max"] = max(live["max"], live["now"])
            try:
                return await super().next_turn(request)
            finally:
                live["now"] -= 1

    def make(spec, episode):
        return Counting("openai/test-model", api_base=fake_llm.openai_base, api_key_env=KEY_ENV, retries=0,
                        stream=False)

    plan = build_plan([load(REF)], ["openai/test-model"], [], [True, False], episodes // 2, 1)
    throttle = Throttle()
    run = asyncio.run(run_sweep(plan, tmp_path, make_agent=make, concurrency=3, throttle=throttle,
                                retry=RetryPolicy(max_retries=3, base=0.05, cap=0.1)))
    res = results_of(run)
    assert res["episodes"]["ran"] == episodes and res["episodes"]["errors"] == 0
    assert [c["ended"] for c in res["cells"]] == [{"end_task": 3}, {"end_task": 3}]
    assert len(fake_llm.requests) == episodes + 1  # the 429, then one turn per episode
    assert live["max"] >= 2  # they ran concurrently
    assert throttle.pauses == 1  # the 429 paused the sweep once...
    errors = [e for p in sorted((tmp_path / "episodes").rglob("*.toml")) for e in load_save(p).events()
              if isinstance(e, AgentError)]
    assert len(errors) == 1 and "rate limited" in errors[0].message  # ...and shows in that episode's log
