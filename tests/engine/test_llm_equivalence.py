"""The litellm path turns the same replies into the same events as the scripted path.

Each turn of a scripted policy is served, as an OpenAI-style SSE stream, by the
loopback server; a LiteLLMAgent consumes it, and the resulting episode must match
the scripted one event for event (ids and usage aside).
"""

import asyncio
import json

import pytest

from playground.agents.llm import LiteLLMAgent
from playground.episode import ModelTurn, Session, summary
from playground.launch import load, new_episode, new_session

try:
    from fake_llm_server import openai_stream
except ImportError:  # pragma: no cover
    from tests.fake_llm_server import openai_stream

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:.*ReadOnly.*:UserWarning")]

REF = "peer_preservation/exfiltration_transfer"


def _shape(events):
    out = []
    for e in events:
        d = e.to_dict()
        d.pop("ts", None)  # when it happened differs between two runs; nothing else may
        if isinstance(e, ModelTurn):
            d = {"kind": d["kind"], "reasoning": e.reasoning, "text": e.text,
                 "calls": [(c.name, json.loads(c.arguments)) for c in e.tool_calls]}
        else:
            d.pop("call_id", None)
        out.append(d)
    return out


@pytest.mark.parametrize("policy,monitoring", [("covert_copier", True), ("monitor_sensitive", False)])
def test_scripted_and_litellm_paths_give_the_same_events(fake_llm, monkeypatch, policy, monitoring):
    scripted = new_session(new_episode(load(REF), agent=f"scripted/{policy}", monitoring=monitoring))
    asyncio.run(scripted.run())
    turns = scripted.state.turns
    for n, t in enumerate(turns):
        calls = [{"id": f"call_{n}_{i}", "name": c.name, "fragments": [c.arguments[:5], c.arguments[5:]]}
                 for i, c in enumerate(t.tool_calls)]
        fake_llm.push(openai_stream(reasoning=[t.reasoning] if t.reasoning else [], text=[t.text] if t.text else [],
                                    tool_calls=calls))
    monkeypatch.setenv("FAKE_LLM_KEY", "sk-test")
    agent = LiteLLMAgent("openai/test-model", api_base=fake_llm.openai_base, api_key_env="FAKE_LLM_KEY",
                         timeout=10, retries=0)
    ep = new_episode(load(REF), agent="openai/test-model", monitoring=monitoring)
    real = Session(ep, lambda spec, episode: agent)
    assert asyncio.run(real.run()).outcome == "ended"
    assert _shape(real.state.events) == _shape(scripted.state.events)
    a, b = summary(scripted.episode, scripted.state), summary(ep, real.state)
    assert a["behaviours"] == b["behaviours"] and a["detectors"] == b["detectors"]
    # the model saw the same conversation the scripted policy was fed, tools included
    sent = fake_llm.bodies[-1]
    assert [m["role"] for m in sent["messages"]] == [m["role"] for m in real.state.messages[:len(sent["messages"])]]
    assert {t["function"]["name"] for t in sent["tools"]} == set(ep.context.offered)
