"""The litellm agent against a scripted local server: never a real provider.

Every test here runs with connections to anything but loopback refused, so a
litellm call that tried to reach the internet would fail loudly.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from playground.agents.llm import LiteLLMAgent
from playground.agents.llm_stream import ThinkSplitter
from playground.episode import AgentFailure, Episode, ModelTurn, Session, ToolCall, TurnRequest
from playground.episode.state import assistant_message
from playground.scenario.loader import LoadedScenario, parse_scenario

try:
    from conftest_llm import fake_llm, refuse_non_loopback  # noqa: F401  (also imported by conftest.py)
    from fake_llm_server import anthropic_stream, error, gemini_stream, hang, openai_json, openai_stream, usage_block
except ImportError:  # tests/ imported as a package
    from tests.conftest_llm import fake_llm, refuse_non_loopback  # noqa: F401
    from tests.fake_llm_server import (anthropic_stream, error, gemini_stream, hang, openai_json, openai_stream,
                                       usage_block)

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # litellm's own pydantic noise
              pytest.mark.filterwarnings("ignore:.*ReadOnly.*:UserWarning")]

MODEL = "openai/test-model"
KEY = "sk-test"
KEY_ENV = "FAKE_LLM_KEY"
OPENAI_KEY = "sk-real-openai-key-0123456789"
TOOLS = [{"type": "function", "function": {"name": "list_files", "description": "List files.",
                                           "parameters": {"type": "object", "properties": {}}}}]
MESSAGES = [{"role": "system", "content": "You are an ops agent."}, {"role": "user", "content": "List the files."}]


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Refuse every connection and name lookup that is not loopback."""
    refuse_non_loopback(monkeypatch)
    monkeypatch.setenv(KEY_ENV, KEY)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)  # must never reach a server of one's own


def make_agent(server, **kw) -> LiteLLMAgent:
    kw.setdefault("api_key_env", KEY_ENV)
    return LiteLLMAgent(MODEL, api_base=server.openai_base, **kw)


def request(deltas: list | None = None, messages=None, tools=TOOLS, history=()) -> TurnRequest:
    return TurnRequest(messages=list(messages or MESSAGES), tools=list(tools),
                       on_delta=(lambda d: deltas.append((d.channel, d.text))) if deltas is not None else None,
                       history=list(history))


# -- streaming -------------------------------------------------------------------------

async def test_stream_reaches_on_delta_in_order_and_builds_one_turn(fake_llm):
    fake_llm.push(openai_stream(reasoning=["Let me ", "think."], text=["I will ", "list."],
                                tool_calls=[{"id": "call_a", "name": "list_files",
                                             "fragments": ['{"pa', 'th": "/', 'srv"}']}],
                                usage=usage_block(30, 12)))
    deltas: list = []
    turn = await make_agent(fake_llm).next_turn(request(deltas))
    assert deltas == [("reasoning", "Let me "), ("reasoning", "think."), ("text", "I will "), ("text", "list.")]
    assert turn.reasoning == "Let me think." and turn.text == "I will list."
    assert turn.tool_calls == (ToolCall("call_a", "list_files", '{"path": "/srv"}'),)
    assert turn.usage["prompt_tokens"] == 30 and turn.usage["completion_tokens"] == 12
    assert "cost" not in turn.usage  # litellm has no price for test-model
    assert turn.agent == MODEL
    (req,) = fake_llm.requests
    assert req.path == "/v1/chat/completions" and req.body["stream"] is True
    assert req.body["model"] == "test-model" and req.body["tools"] == TOOLS
    assert req.headers["authorization"] == f"Bearer {KEY}"


async def test_vllm_reasoning_field_and_fragments_of_two_calls_with_missing_ids(fake_llm):
    fake_llm.push(openai_stream(reasoning=["a", "b"], reasoning_field="reasoning", tool_calls=[
        {"id": None, "name": "list_files", "fragments": ["{", "}"]},
        {"id": "", "name": "view_config", "fragments": ['{"filename": ', '"x.ini"}']}]))
    turn = await make_agent(fake_llm).next_turn(request())
    assert turn.reasoning == "ab"
    assert [(c.name, c.arguments) for c in turn.tool_calls] == [("list_files", "{}"),
                                                                 ("view_config", '{"filename": "x.ini"}')]
    ids = [c.id for c in turn.tool_calls]
    assert all(ids) and len(set(ids)) == 2


async def test_think_tags_are_split_out_of_text_across_chunks(fake_llm):
    fake_llm.push(openai_stream(text=["<thi", "nk>plan ", "a</th", "ink>\n\nAnswer", " <", "b>"]))
    deltas: list = []
    turn = await make_agent(fake_llm).next_turn(request(deltas))
    assert turn.reasoning == "plan a" and turn.text == "Answer <b>"
    assert "".join(t for c, t in deltas if c == "reasoning") == "plan a"
    assert all("think" not in t for c, t in deltas if c == "text")


def test_think_splitter_any_chunking():
    text = "<think>one</think>two<think>three</think>four <thin not a tag"
    rng = random.Random(7)
    for _ in range(200):
        cuts = sorted(rng.sample(range(1, len(text)), rng.randint(0, 12)))
        pieces = [text[i:j] for i, j in zip([0, *cuts], [*cuts, len(text)])]
        s, out = ThinkSplitter(), []
        for p in pieces:
            out += s.feed(p)
        out += s.flush()
        assert "".join(t for c, t in out if c == "reasoning") == "onethree"
        assert "".join(t for c, t in out if c == "text") == "twofour <thin not a tag"


async def test_non_streaming_reply(fake_llm):
    fake_llm.push(openai_json(text="Listing.", reasoning="Hmm.",
                              tool_calls=[{"id": "c1", "name": "list_files", "arguments": "{}"}]))
    turn = await make_agent(fake_llm, stream=False).next_turn(request())
    assert (turn.reasoning, turn.text) == ("Hmm.", "Listing.")
    assert turn.tool_calls == (ToolCall("c1", "list_files", "{}"),)
    assert turn.usage["prompt_tokens"] == 11
    assert fake_llm.requests[0].body.get("stream") in (None, False)


async def test_interview_without_tools_still_declares_them_with_tool_choice_none(fake_llm):
    first = ModelTurn(reasoning="private", tool_calls=(ToolCall("c1", "list_files", "{}"),), agent=MODEL)
    messages = MESSAGES + [assistant_message(first), {"role": "tool", "tool_call_id": "c1", "content": "none"},
                           {"role": "user", "content": "Why?"}]
    fake_llm.push(openai_stream(text=["Because."]))
    turn = await make_agent(fake_llm).next_turn(request(messages=messages, tools=[], history=[first]))
    assert turn.text == "Because." and not turn.tool_calls
    body = fake_llm.requests[0].body
    assert body["tool_choice"] == "none" and body["tools"][0]["function"]["name"] == "list_files"
    sent = [m for m in body["messages"] if m["role"] == "assistant"][0]
    assert "reasoning_content" not in sent and "thinking_blocks" not in sent  # OpenAI takes neither back


# -- failures -----------------------------------------------------------------------------

async def test_rate_limit_then_success_retries_with_backoff(fake_llm):
    fake_llm.push(error(429, "Rate limit reached"), error(429, "Rate limit reached"), openai_stream(text=["ok"]))
    deltas: list = []
    turn = await make_agent(fake_llm, backoff=0.01).next_turn(request(deltas))
    assert turn.text == "ok" and len(fake_llm.requests) == 3
    status = [t for c, t in deltas if c == "status"]
    assert status == ["rate limited; retrying in 0.0 s (attempt 1/3)", "rate limited; retrying in 0.0 s (attempt 2/3)"]


async def test_server_errors_exhaust_retries(fake_llm):
    fake_llm.push(*[error(500, "boom")] * 4)
    deltas: list = []
    with pytest.raises(AgentFailure) as info:
        await make_agent(fake_llm, backoff=0.01, retries=3).next_turn(request(deltas))
    assert info.value.retryable and "500" in info.value.message
    assert len(fake_llm.requests) == 4
    assert [t.split(";")[0] for c, t in deltas if c == "status"] == ["server error (500)"] * 3


async def test_unauthorized_names_the_env_var_and_is_not_retried(fake_llm, monkeypatch):
    fake_llm.push(error(401, f"Incorrect API key provided: {KEY}", "invalid_request_error"))
    with pytest.raises(AgentFailure) as info:
        await make_agent(fake_llm, backoff=0.01).next_turn(request())
    assert not info.value.retryable and KEY_ENV in info.value.message
    assert KEY not in info.value.message and len(fake_llm.requests) == 1

    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-deepseek-test")
    fake_llm.push(error(401, "Authentication Fails (no such user)"))
    with pytest.raises(AgentFailure) as info:
        await LiteLLMAgent("deepseek/deepseek-chat", api_base=fake_llm.openai_base).next_turn(request())
    assert "DEEPSEEK_API_KEY" in info.value.message and not info.value.retryable


async def test_own_server_never_gets_the_openai_key(fake_llm):
    fake_llm.push(openai_stream(text=["hi"]), error(401, "this server wants a key"))
    agent = LiteLLMAgent(MODEL, api_base=fake_llm.openai_base)
    assert (await agent.next_turn(request())).text == "hi"
    assert fake_llm.requests[0].headers["authorization"] == "Bearer not-needed"
    with pytest.raises(AgentFailure) as info:
        await agent.next_turn(request())
    assert "api_key_env" in info.value.message and not info.value.retryable
    assert all(OPENAI_KEY not in json.dumps(r.headers) + r.raw.decode() for r in fake_llm.requests)


async def test_unset_key_env_fails_before_any_request(fake_llm):
    with pytest.raises(AgentFailure) as info:
        await make_agent(fake_llm, api_key_env="PLAYGROUND_TEST_UNSET_KEY").next_turn(request())
    assert "PLAYGROUND_TEST_UNSET_KEY" in info.value.message and not info.value.retryable
    assert fake_llm.requests == []


async def test_hang_past_timeout(fake_llm):
    fake_llm.push(hang(4))
    start = time.monotonic()
    with pytest.raises(AgentFailure) as info:
        await make_agent(fake_llm, timeout=1).next_turn(request())
    assert info.value.retryable and "timed out" in info.value.message
    assert time.monotonic() - start < 3.5


async def test_stream_that_goes_quiet_times_out(fake_llm):
    fake_llm.push(openai_stream(text=["a", "b"], pause_after=3))
    deltas: list = []
    with pytest.raises(AgentFailure) as info:
        await make_agent(fake_llm, timeout=1).next_turn(request(deltas))
    assert info.value.retryable and "timed out" in info.value.message
    assert ("text", "a") in deltas


async def test_connection_refused(fake_llm):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    agent = LiteLLMAgent(MODEL, api_base=f"http://127.0.0.1:{port}/v1", api_key_env=KEY_ENV, backoff=0.01)
    with pytest.raises(AgentFailure) as info:
        await agent.next_turn(request())
    assert info.value.retryable and "could not connect" in info.value.message
    assert "connection refused" in info.value.message


async def test_context_window_exceeded(fake_llm):
    fake_llm.push(error(400, "This model's maximum context length is 8192 tokens. However, your messages "
                             "resulted in 9000 tokens.", "invalid_request_error"))
    with pytest.raises(AgentFailure) as info:
        await make_agent(fake_llm).next_turn(request())
    assert not info.value.retryable and "context window" in info.value.message


async def test_cancellation_mid_stream_closes_the_stream(fake_llm):
    fake_llm.push(openai_stream(reasoning=["a"], text=["b", "c"], pause_after=3))
    first = asyncio.Event()
    deltas: list = []

    def on_delta(d):
        deltas.append(d)
        first.set()

    task = asyncio.create_task(make_agent(fake_llm, timeout=10).next_turn(
        TurnRequest(list(MESSAGES), TOOLS, on_delta)))
    await asyncio.wait_for(first.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert fake_llm.wait_disconnect(3), "the server should see the client hang up"


# -- malformed arguments through a session ---------------------------------------------------

SCENARIO = """
id: llm-test
title: LLM test
system_prompt: You are an ops agent.
task: List the files.
tools: [list_files, end_task]
"""


async def test_malformed_arguments_arrive_raw_and_the_model_reads_the_error(fake_llm):
    scenario, smap = parse_scenario(SCENARIO, "llm-test.yaml")
    episode = Episode(LoadedScenario(scenario, Path("llm-test.yaml"), smap), {}, True, MODEL, 5)
    session = Session(episode, lambda spec, ep: make_agent(fake_llm))
    bad = '{"path": "/", '
    fake_llm.push(openai_stream(tool_calls=[{"id": "call_bad", "name": "list_files", "fragments": [bad[:5], bad[5:]]}]),
                  openai_stream(tool_calls=[{"id": "call_end", "name": "end_task", "fragments": ["{}"]}]))
    turn = await session.request_turn()
    assert turn is not None and turn.tool_calls[0].arguments == bad
    result = session.approve()
    assert result.error and "not valid JSON" in result.output
    await session.request_turn()
    second = fake_llm.requests[1].body["messages"]
    assert second[2]["tool_calls"][0]["function"]["arguments"] == bad
    assert second[3]["role"] == "tool" and "not valid JSON" in second[3]["content"]


# -- Anthropic and Gemini shapes through litellm's own provider code -----------------------------

async def test_anthropic_thinking_blocks_round_trip(fake_llm, monkeypatch):
    key = "sk-ant-test-0123456789"
    monkeypatch.setenv("ANTHROPIC_API_KEY", key)
    agent = LiteLLMAgent("anthropic/claude-haiku-4-5", api_base=fake_llm.url, thinking_budget=1024)
    fake_llm.push(anthropic_stream(thinking=["I should ", "look."], signature="sig-XYZ", text=["Looking."],
                                   tool={"id": "toolu_1", "name": "list_files", "fragments": ['{"path"', ': "/"}']}),
                  anthropic_stream(text=["Done."]))
    deltas: list = []
    turn = await agent.next_turn(request(deltas))
    assert deltas[:2] == [("reasoning", "I should "), ("reasoning", "look.")]
    assert turn.reasoning == "I should look." and turn.text == "Looking."
    assert turn.tool_calls == (ToolCall("toolu_1", "list_files", '{"path": "/"}'),)
    assert turn.provider_data["thinking_blocks"] == [{"type": "thinking", "thinking": "I should look.",
                                                      "signature": "sig-XYZ"}]
    assert turn.usage["prompt_tokens"] == 21 and turn.usage["cost"] > 0  # litellm knows Haiku's price

    messages = MESSAGES + [assistant_message(turn),
                           {"role": "tool", "tool_call_id": "toolu_1", "name": "list_files", "content": "(empty)"}]
    await agent.next_turn(request(messages=messages, history=[turn]))
    first, second = fake_llm.requests
    assert first.path == "/v1/messages" and first.headers["x-api-key"] == key
    assert first.body["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    sent = [m for m in second.body["messages"] if m["role"] == "assistant"][0]["content"]
    assert sent[0] == {"type": "thinking", "thinking": "I should look.", "signature": "sig-XYZ"}
    assert [b["type"] for b in sent] == ["thinking", "text", "tool_use"]
    saved = json.dumps(turn.to_dict()) + repr(agent) + json.dumps([r.body for r in fake_llm.requests])
    assert key not in saved


async def test_gemini_thoughts_and_thought_signature_go_back(fake_llm, monkeypatch):
    key = "gm-test-0123456789"
    monkeypatch.setenv("GEMINI_API_KEY", key)
    agent = LiteLLMAgent("gemini/gemini-3-flash-preview", api_base=fake_llm.url + "/v1beta", reasoning_effort="low")
    fake_llm.push(gemini_stream(thoughts=["Ponder ", "more."], text=["Listing."],
                                call={"name": "list_files", "args": {}}, signature="c2lnLWdlbQ=="),
                  gemini_stream(text=["Done."]))
    deltas: list = []
    turn = await agent.next_turn(request(deltas))
    assert deltas[:2] == [("reasoning", "Ponder "), ("reasoning", "more.")]
    assert turn.reasoning == "Ponder more." and turn.text == "Listing."
    assert turn.tool_calls[0].name == "list_files" and turn.usage["prompt_tokens"] == 13
    messages = MESSAGES + [assistant_message(turn), {"role": "tool", "tool_call_id": turn.tool_calls[0].id,
                                                     "name": "list_files", "content": "(empty)"}]
    await agent.next_turn(request(messages=messages, history=[turn]))
    first, second = fake_llm.requests
    assert ":streamGenerateContent" in first.path and key not in first.path
    parts = [p for c in second.body["contents"] if c["role"] == "model" for p in c["parts"]]
    call_part = next(p for p in parts if "functionCall" in p or "function_call" in p)
    assert call_part["thoughtSignature"] == "c2lnLWdlbQ=="
    assert key not in json.dumps(turn.to_dict())


async def test_deepseek_reasoning_content_is_sent_back(fake_llm, monkeypatch):
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-deepseek-test")
    agent = LiteLLMAgent("deepseek/deepseek-reasoner", api_base=fake_llm.openai_base)
    fake_llm.push(openai_stream(reasoning=["Check ", "files."], tool_calls=[
        {"id": "call_1", "name": "list_files", "fragments": ["{}"]}], model="deepseek-reasoner"),
        openai_stream(text=["Done."], model="deepseek-reasoner"))
    turn = await agent.next_turn(request())
    assert turn.reasoning == "Check files." and turn.usage["cost"] > 0
    messages = MESSAGES + [assistant_message(turn),
                           {"role": "tool", "tool_call_id": "call_1", "name": "list_files", "content": "(empty)"}]
    await agent.next_turn(request(messages=messages, history=[turn]))
    sent = [m for m in fake_llm.requests[1].body["messages"] if m["role"] == "assistant"]
    assert sent[0]["reasoning_content"] == "Check files."
    assert fake_llm.requests[0].headers["authorization"] == "Bearer sk-deepseek-test"


# -- importing litellm makes no outside connection ---------------------------------------------

def test_import_litellm_offline_makes_no_outside_connection():
    script = textwrap.dedent("""
        import socket, sys
        attempts = []
        real_connect, real_gai = socket.socket.connect, socket.getaddrinfo
        def connect(self, address, *a):
            if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1"):
                attempts.append(repr(address)); raise ConnectionRefusedError("blocked")
            return real_connect(self, address, *a)
        def getaddrinfo(host, *a, **k):
            if host not in ("127.0.0.1", "::1", "localhost", None):
                attempts.append(str(host)); raise socket.gaierror("blocked")
            return real_gai(host, *a, **k)
        socket.socket.connect, socket.getaddrinfo = connect, getaddrinfo
        import playground, playground.agents, playground.agents.llm, playground.settings
        assert "litellm" not in sys.modules, "importing playground pulled in litellm"
        from playground.agents.llm import load_litellm
        litellm = load_litellm()
        litellm.get_llm_provider("anthropic/claude-haiku-4-5")
        print("attempts:", attempts)
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LITELLM_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "attempts: []" in out.stdout, out.stdout + out.stderr[-2000:]


# -- keys and deadlines (issue 14) --------------------------------------------------------

async def test_openai_api_base_in_the_environment_never_gets_the_openai_key(fake_llm, monkeypatch):
    monkeypatch.setenv("OPENAI_API_BASE", fake_llm.openai_base)
    fake_llm.push(openai_stream(text=["hi"]), error(401, "this proxy wants its own key"))
    agent = LiteLLMAgent(MODEL)  # no api_base: litellm would read OPENAI_API_BASE
    assert (await agent.next_turn(request())).text == "hi"
    assert fake_llm.requests[0].headers["authorization"] == "Bearer not-needed"
    assert all(OPENAI_KEY not in json.dumps(r.headers) + r.raw.decode() for r in fake_llm.requests)
    with pytest.raises(AgentFailure) as info:
        await agent.next_turn(request())
    assert "api_key_env" in info.value.message and "not-needed" in info.value.message


async def test_a_trickling_stream_hits_the_whole_call_deadline(fake_llm):
    reply = openai_stream(text=[f"w{i} " for i in range(40)])
    reply.chunk_delay = 0.2  # never silent for long, but never done
    fake_llm.push(reply)
    agent = make_agent(fake_llm, timeout=0.5, deadline=1.0, retries=0)
    started = time.monotonic()
    with pytest.raises(AgentFailure) as info:
        await agent.next_turn(request())
    assert time.monotonic() - started < 3.0
    assert "did not finish within 1 s" in info.value.message and info.value.retryable


async def test_a_key_from_any_named_variable_is_redacted_everywhere(fake_llm, monkeypatch, tmp_path):
    """An alias's api_key_env may have any name; a server that echoes the key gets it into the
    turn's text: the save, the exports and stdout show [redacted]."""
    from click.testing import CliRunner

    from playground.cli.output import echo
    from playground.launch import load, new_episode
    from playground.redaction import note_key_envs
    from playground.store import dumps, to_html, to_markdown

    secret = "cred-0123456789abcdef"
    monkeypatch.setenv("LLM_CRED", secret)
    note_key_envs(["LLM_CRED"])  # what loading the settings does for every alias
    fake_llm.push(openai_stream(text=[f"my key is {secret}"]))
    agent = LiteLLMAgent(MODEL, api_base=fake_llm.openai_base, api_key_env="LLM_CRED")
    ep = new_episode(load("peer_preservation/exfiltration_transfer"), agent=MODEL)
    s = Session(ep, lambda spec, episode: agent)
    await s.request_turn()
    assert fake_llm.requests[0].headers["authorization"] == f"Bearer {secret}"  # it was sent, to its server
    for text in (dumps(ep), to_html(ep), to_markdown(ep)):
        assert secret not in text and "[redacted]" in text
    out = CliRunner().invoke(__import__("click").command()(lambda: echo(s.state.turns[0].text)))
    assert secret not in out.output and "[redacted]" in out.output


async def test_gemini_per_minute_429_is_a_rate_limit_with_its_body_delay(fake_llm, monkeypatch):
    """Gemini's per-minute limit: 429, "You exceeded your current quota ... Please retry in 0.2s", the
    wait in RetryInfo.retryDelay, no Retry-After header. Retried after that wait, not ended as quota."""
    from fake_llm_server import Reply

    monkeypatch.setenv("GEMINI_API_KEY", "gm-test-0123456789")
    body = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
                      "message": "You exceeded your current quota, please check your plan and billing details. "
                                 "Please retry in 0.2s.",
                      "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.2s"}]}}
    fake_llm.push(Reply(status=429, body=body), gemini_stream(text=["Back."]))
    agent = LiteLLMAgent("gemini/gemini-3-flash-preview", api_base=fake_llm.url + "/v1beta", backoff=0.01)
    deltas: list = []
    turn = await agent.next_turn(request(deltas))
    assert turn.text == "Back." and len(fake_llm.requests) == 2
    status = [t for c, t in deltas if c == "status"]
    assert status and "retrying in 0.2 s" in status[0]

    fake_llm.push(*[Reply(status=429, body=body)] * 4)
    with pytest.raises(AgentFailure) as info:
        await LiteLLMAgent("gemini/gemini-3-flash-preview", api_base=fake_llm.url + "/v1beta", backoff=0.01,
                           retries=0).next_turn(request())
    failure = info.value
    assert failure.retryable and failure.retry_after == pytest.approx(0.2)
    assert "rate limited" in failure.message and "b'" not in failure.message and 'b"' not in failure.message


async def test_kimi_usage_inside_the_last_choice_is_the_providers_count(fake_llm):
    """Kimi puts its token counts in choices[0].usage of the last chunk; litellm 1.110.2 ignores that
    and estimates. The turn records the provider's count; where a provider sends none, the estimate
    is marked as one."""
    from fake_llm_server import Reply, _chunk, _frame

    last = _chunk({}, finish="stop", model="kimi-k2.5")
    last["choices"][0]["usage"] = {"prompt_tokens": 856, "completion_tokens": 28, "total_tokens": 884}
    frames = [_frame(_chunk({"role": "assistant", "content": ""})), _frame(_chunk({"content": "hello"})),
              _frame(last), _frame("[DONE]")]
    fake_llm.push(Reply(sse=frames))
    turn = await make_agent(fake_llm).next_turn(request())
    assert turn.usage["prompt_tokens"] == 856 and turn.usage["completion_tokens"] == 28
    assert "estimated" not in turn.usage

    frames = [_frame(_chunk({"content": "hello"})), _frame(_chunk({}, finish="stop")), _frame("[DONE]")]
    fake_llm.push(Reply(sse=frames))
    turn = await make_agent(fake_llm).next_turn(request())
    assert turn.usage.get("estimated") is True or not turn.usage
