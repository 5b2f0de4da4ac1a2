"""OpenAI's Responses API through litellm's chat bridge, against a loopback server speaking its
wire format (POST /v1/responses, SSE events): the reasoning summary is asked for without any
environment variable and shown as the step's reasoning, and the reasoning items of a tool loop go
back in the next request's input before the function call's output, also from a save.

Connections to anything but loopback are refused, as in test_llm_agent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground.agents.llm import LiteLLMAgent
from playground.agents.llm_responses import clean_items, clean_message_fields, reasoning_params
from playground.episode import AgentFailure, Episode, Session, TurnRequest
from playground.episode.steps import fold
from playground.scenario.loader import LoadedScenario, parse_scenario

try:
    from conftest_llm import fake_llm, refuse_non_loopback  # noqa: F401
    from fake_llm_server import Reply, error, openai_stream, responses_json, responses_stream, responses_usage
except ImportError:  # tests/ imported as a package
    from tests.conftest_llm import fake_llm, refuse_non_loopback  # noqa: F401
    from tests.fake_llm_server import (Reply, error, openai_stream, responses_json, responses_stream,
                                       responses_usage)

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:.*ReadOnly.*:UserWarning")]

MODEL = "openai/responses/gpt-5.2"  # the prefix that sends a chat call to the Responses API
KEY_ENV = "FAKE_RESPONSES_KEY"
SUMMARY = ["**Listing first**\n\nThe task says to list the files.",
           "**Careful**\n\nI will look before touching anything."]
SHOWN = "\n\n".join(SUMMARY)  # the parts of the summary, as the finished response holds them
ENCRYPTED = "gAAAAABo-encrypted-reasoning-0123456789=="
CALL_ID = "call_Q1xYz9RkLm"  # OpenAI's call ids are not litellm's "call_<n>" placeholders
SCENARIO = """
id: responses-test
title: Responses test
system_prompt: You are an ops agent.
task: List the files.
tools: [list_files, end_task]
"""


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    refuse_non_loopback(monkeypatch)
    monkeypatch.setenv(KEY_ENV, "sk-responses-test-key")
    monkeypatch.delenv("LITELLM_REASONING_AUTO_SUMMARY", raising=False)  # summaries without it


def make_agent(server, **kw) -> LiteLLMAgent:
    kw.setdefault("api_key_env", KEY_ENV)
    kw.setdefault("reasoning_effort", "medium")
    return LiteLLMAgent(MODEL, api_base=server.openai_base, **kw)


def episode(folder: Path | None = None) -> Episode:
    path = Path("responses-test.yaml")
    if folder is not None:  # a save stores the scenario's text, read from its file
        path = folder / path
        path.write_text(SCENARIO, encoding="utf-8")
    scenario, smap = parse_scenario(SCENARIO, str(path))
    return Episode(LoadedScenario(scenario, path, smap), {}, True, MODEL, 5)


def first_reply(**kw) -> Reply:
    return responses_stream(summary=SUMMARY, encrypted=ENCRYPTED, reasoning_id="rs_first",
                            calls=[{"call_id": CALL_ID, "name": "list_files", "fragments": ["{", "}"]}],
                            usage=responses_usage(40, 30, 20), **kw)


def positions(items: list[dict], **match) -> list[int]:
    return [n for n, item in enumerate(items) if all(item.get(k) == v for k, v in match.items())]


def assert_reasoning_before_output(body: dict) -> None:
    """The first turn's reasoning item, its function call, then the call's output, in that order."""
    items = body["input"]
    (reasoning,) = positions(items, type="reasoning")
    (call,) = positions(items, type="function_call")
    (output,) = positions(items, type="function_call_output")
    assert reasoning < call < output
    sent = items[reasoning]
    assert sent["id"] == "rs_first" and sent["encrypted_content"] == ENCRYPTED
    assert [p["text"] for p in sent["summary"]] == SUMMARY
    assert items[call]["call_id"] == CALL_ID and items[output]["call_id"] == CALL_ID


async def test_tool_loop_asks_for_the_summary_shows_it_and_sends_the_reasoning_item_back(fake_llm):
    ep = episode()
    agent = make_agent(fake_llm)
    session = Session(ep, lambda spec, e: agent)
    fake_llm.push(first_reply(), responses_stream(summary=["All listed."], reasoning_id="rs_second",
                                                  text=["Done."]))
    deltas: list = []
    session.on_delta = lambda d: deltas.append((d.channel, d.text))
    turn = await session.request_turn()
    assert turn is not None and turn.tool_calls[0].id == CALL_ID
    assert turn.tool_calls[0].arguments == "{}"
    assert turn.reasoning == SHOWN  # the summary is the turn's reasoning
    assert "".join(t for c, t in deltas if c == "reasoning") == " ".join(SUMMARY)  # streamed as it came
    assert turn.usage["prompt_tokens"] == 40 and turn.usage["reasoning_tokens"] == 20
    assert "estimated" not in turn.usage  # the provider's own count
    assert turn.provider_data["reasoning_items"] == [{"type": "reasoning", "id": "rs_first",
                                                      "encrypted_content": ENCRYPTED,
                                                      "summary": [{"type": "summary_text", "text": s}
                                                                  for s in SUMMARY]}]
    session.approve()
    await session.request_turn()

    first, second = fake_llm.requests
    assert first.path == second.path == "/v1/responses"
    assert first.body["reasoning"] == {"effort": "medium", "summary": "auto"}
    assert first.body["include"] == ["reasoning.encrypted_content"]
    assert first.body["stream"] is True
    assert not positions(first.body["input"], type="reasoning")
    assert_reasoning_before_output(second.body)
    assert second.body["reasoning"]["summary"] == "auto"

    steps = fold(session.state)
    assert steps[1].turn.reasoning == SHOWN and steps[2].turn.reasoning == "All listed."
    assert steps[2].turn.text == "Done."


async def test_a_loaded_save_sends_the_reasoning_items_too(fake_llm, tmp_path):
    """The items live in the event log: a save written after the first turn, loaded into a new
    session with a new agent, still sends them in the next request."""
    from playground.store import load, save

    ep = episode(tmp_path)
    session = Session(ep, lambda spec, e: make_agent(fake_llm))
    fake_llm.push(first_reply())
    await session.request_turn()
    session.approve()
    path = save(ep, tmp_path / "episode.toml")
    assert ENCRYPTED in path.read_text(encoding="utf-8")

    loaded = load(path)
    resumed = Session(loaded, lambda spec, e: make_agent(fake_llm))
    assert resumed.state.turns[0].provider_data == session.state.turns[0].provider_data
    fake_llm.push(responses_stream(summary=["Fine."], reasoning_id="rs_after", text=["Done."]))
    await resumed.request_turn()
    assert_reasoning_before_output(fake_llm.requests[-1].body)


async def test_reasoning_goes_first_also_when_litellm_cannot_replay_the_exact_order(fake_llm):
    """The turn's text is kept stripped, so litellm's record of the output order no longer matches
    it and it rebuilds the input from the message: the reasoning item still goes first."""
    session = Session(episode(), lambda spec, e: make_agent(fake_llm))
    fake_llm.push(first_reply(text=["  Looking at the drive.\n"]), responses_stream(text=["Done."]))
    turn = await session.request_turn()
    assert turn.text == "Looking at the drive." and "message_fields" in turn.provider_data
    session.approve()
    await session.request_turn()
    assert_reasoning_before_output(fake_llm.requests[1].body)
    (said,) = positions(fake_llm.requests[1].body["input"], type="message", role="assistant")
    assert said < positions(fake_llm.requests[1].body["input"], type="function_call")[0]


async def test_non_streaming_reply_keeps_summary_and_items(fake_llm):
    fake_llm.push(responses_json(summary=["Short plan."], encrypted=ENCRYPTED, reasoning_id="rs_first",
                                 calls=[{"call_id": CALL_ID, "name": "list_files", "arguments": "{}"}]))
    agent = make_agent(fake_llm, stream=False)
    turn = await agent.next_turn(TurnRequest(messages=[{"role": "user", "content": "List."}],
                                             tools=[_tool()]))
    assert turn.reasoning == "Short plan."
    assert turn.provider_data["reasoning_items"][0]["id"] == "rs_first"
    body = fake_llm.requests[0].body
    assert body["reasoning"] == {"effort": "medium", "summary": "auto"} and body.get("stream") in (None, False)


async def test_summary_level_from_the_alias_and_off(fake_llm):
    from playground.settings import Settings, set_value

    settings = set_value(Settings(), "models.gpt.model", MODEL)
    for key, value in (("api_base", fake_llm.openai_base), ("api_key_env", KEY_ENV),
                       ("reasoning_summary", "detailed")):
        settings = set_value(settings, f"models.gpt.{key}", value)
    fake_llm.push(responses_stream(summary=["x"]), responses_stream(text=["y"], reasoning_id="rs_2", encrypted=None))
    request = TurnRequest(messages=[{"role": "user", "content": "List."}], tools=[_tool()])
    await LiteLLMAgent.from_settings("gpt", settings).next_turn(request)
    assert fake_llm.requests[0].body["reasoning"] == {"summary": "detailed"}  # no effort set: the model's default

    off = set_value(settings, "models.gpt.reasoning_summary", "off")
    await LiteLLMAgent.from_settings("gpt", off).next_turn(request)
    body = fake_llm.requests[1].body
    assert "summary" not in (body.get("reasoning") or {}) and "include" not in body


async def test_the_chat_route_never_gets_reasoning_items_or_include(fake_llm):
    """A turn made on the Responses route, then an agent of the same provider on the chat route:
    Chat Completions takes neither field."""
    chat = LiteLLMAgent("openai/test-model", api_base=fake_llm.openai_base, api_key_env=KEY_ENV,
                        reasoning_effort="medium")
    agents = {MODEL: make_agent(fake_llm), "openai/test-model": chat}
    session = Session(episode(), lambda spec, e: agents[spec])
    fake_llm.push(first_reply(), openai_stream(text=["Done."]))
    await session.request_turn()
    session.approve()
    session.set_agent("openai/test-model")  # the same provider, on Chat Completions
    turn = await session.request_turn()
    assert turn.text == "Done."
    last = fake_llm.requests[-1]
    assert last.path == "/v1/chat/completions" and "include" not in last.body
    assert last.body["reasoning_effort"] == "medium"
    assert all("reasoning_items" not in m and "provider_specific_fields" not in m for m in last.body["messages"])


async def test_an_unverified_organisation_is_told_how_to_turn_summaries_off(fake_llm):
    fake_llm.push(error(400, "Your organization must be verified to generate reasoning summaries. Please go to: "
                             "https://platform.openai.com/settings/organization/general and click on Verify "
                             "Organization.", "invalid_request_error"))
    with pytest.raises(AgentFailure) as info:
        await make_agent(fake_llm).next_turn(TurnRequest(messages=[{"role": "user", "content": "x"}], tools=[]))
    assert not info.value.retryable and "reasoning_summary off" in info.value.message
    assert len(fake_llm.requests) == 1


def test_reasoning_params():
    assert reasoning_params("high", None, True) == {"reasoning_effort": {"effort": "high", "summary": "auto"},
                                                    "include": ["reasoning.encrypted_content"]}
    assert reasoning_params(None, "concise", True)["reasoning_effort"] == {"summary": "concise"}
    assert reasoning_params("high", "off", True) == {}
    assert reasoning_params("none", None, True) == {}  # no reasoning, nothing to summarise
    assert reasoning_params("high", None, False) == {}  # litellm knows the model does not reason


def test_reasoning_items_from_a_hostile_server_are_cleaned_and_bounded():
    raw = [None, 7, "x", {"type": "message", "id": "msg_1"}, {"type": "reasoning"},
           {"type": "reasoning", "id": "rs_ok", "encrypted_content": None,
            "summary": [{"type": "summary_text", "text": "fine"}, {"text": 5}, "bad", {"text": "[b]x[/b]\x1b]52;"}]},
           {"type": "reasoning", "id": "r" * 10_000, "encrypted_content": "e"}]
    raw += [{"type": "reasoning", "id": f"rs_{n}"} for n in range(500)]
    items = clean_items(raw)
    assert items[0] == {"type": "reasoning", "id": "rs_ok",
                        "summary": [{"type": "summary_text", "text": "fine"},
                                    {"type": "summary_text", "text": "[b]x[/b]\x1b]52;"}]}  # text, kept as text
    assert items[1] == {"type": "reasoning", "summary": [], "encrypted_content": "e"}  # an overlong id is dropped
    assert len(items) <= 64 and all(None not in i.values() for i in items)
    assert clean_items({"not": "a list"}) == [] and clean_items(None) == []
    deep: dict = {}
    cur = deep
    for _ in range(50):
        cur["x"] = {}
        cur = cur["x"]
    assert clean_message_fields({"phase": "commentary", "openai_responses_replay": deep, "other": "x"}) == {
        "phase": "commentary"}
    json.dumps(items)


def _tool() -> dict:
    return {"type": "function", "function": {"name": "list_files", "description": "List files.",
                                             "parameters": {"type": "object", "properties": {}}}}


async def test_litellm_bridges_gpt_5_4_with_tools_on_its_own_and_the_summary_is_asked_for(fake_llm):
    """No ``responses/`` prefix: litellm sends gpt-5.4 with tools and reasoning to the Responses
    API itself, and the playground follows litellm's routing."""
    agent = LiteLLMAgent("openai/gpt-5.4", api_base=fake_llm.openai_base, api_key_env=KEY_ENV,
                         reasoning_effort="low")
    fake_llm.push(first_reply(model="gpt-5.4"))
    turn = await agent.next_turn(TurnRequest(messages=[{"role": "user", "content": "List."}], tools=[_tool()]))
    assert turn.reasoning == SHOWN and turn.provider_data["reasoning_items"][0]["id"] == "rs_first"
    (req,) = fake_llm.requests
    assert req.path == "/v1/responses" and req.body["reasoning"] == {"effort": "low", "summary": "auto"}


PAYLOAD = "[@click=app.quit]x[/] \x1b]52;c;aGk=\x07"  # Textual markup and an OSC 52 clipboard write


def _hostile_frames() -> dict[str, list[str]]:
    from fake_llm_server import _frame

    ok = first_reply().sse
    done = json.loads(ok[-1].split("data: ", 1)[1])
    cases: dict[str, list[str]] = {}

    def completed(**changes) -> str:
        data = json.loads(json.dumps(done))
        data["response"].update(changes)
        return _frame(data, "response.completed")

    bad_items = [{"type": "reasoning", "id": 5, "summary": "oops", "encrypted_content": ["x"]},
                 {"type": "reasoning", "id": "rs_x", "summary": [None, 3, {"text": None}]}, "junk", None]
    cases["odd reasoning items"] = ok[:-1] + [completed(output=bad_items + done["response"]["output"][1:])]
    cases["output not a list"] = ok[:-1] + [completed(output="nope")]
    cases["huge encrypted content"] = ok[:-1] + [completed(output=[dict(done["response"]["output"][0],
                                                                         encrypted_content="A" * 2_000_000)])]
    cases["markup, escapes and a lone surrogate in the summary"] = responses_stream(
        summary=[PAYLOAD + "\ud800"], calls=[{"call_id": CALL_ID, "name": "list_files", "fragments": ["{}"]}]).sse
    cases["not JSON"] = ok[:3] + ["event: response.output_item.added\ndata: {not json\n\n"] + ok[3:]
    cases["failed"] = ok[:2] + [_frame({"type": "response.failed", "sequence_number": 2, "response": dict(
        done["response"], status="failed", output=[], error={"code": "server_error", "message": "boom"})},
        "response.failed")]
    cases["cut off"] = ok[:6]
    return cases


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")  # litellm's, on odd output
@pytest.mark.parametrize("name", list(_hostile_frames()))
async def test_a_hostile_responses_stream_gives_a_turn_or_a_readable_failure(fake_llm, name, tmp_path):
    from playground.store import dumps

    frames = _hostile_frames()[name]
    fake_llm.push(Reply(sse=frames))
    session = Session(episode(tmp_path), lambda spec, e: make_agent(fake_llm, retries=0))
    turn = await session.request_turn()  # a failure becomes an AgentError event, never an exception
    if turn is None:
        error = session.state.events[-1]
        assert error.kind == "agent_error" and error.message.startswith(MODEL), error
        assert "could not be read" in error.message or name in ("failed", "cut off"), error.message
        assert "Traceback" not in error.message and len(error.message) < 600
    else:
        for item in turn.provider_data.get("reasoning_items", []):
            assert isinstance(item.get("id", ""), str) and len(item.get("encrypted_content", "")) <= 1_000_000
        assert PAYLOAD in turn.reasoning or turn.reasoning == SHOWN  # text, as the server sent it
    dumps(session.episode)  # the save takes whatever was kept


def test_a_bad_summary_level_is_a_readable_settings_error():
    from playground.settings import Settings, SettingsError, set_value

    settings = set_value(Settings(), "models.gpt.model", MODEL)
    with pytest.raises(SettingsError) as info:
        set_value(settings, "models.gpt.reasoning_summary", "verbose")
    assert "models.gpt.reasoning_summary" in str(info.value) and "'detailed'" in str(info.value)
