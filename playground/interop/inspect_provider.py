"""The Inspect model provider ``playground``: ``--model playground/scripted/POLICY`` plays one of the
running scenario's scripted policies, offline and deterministic, inside ``inspect eval``.

A scripted policy is written for its scenario, so it plays only inside the ``playground/scenario`` task
(which tells it the episode through ``inspect_task.CURRENT``); it is fed the messages Inspect sends,
turned back into the OpenAI-format messages our agents read, and its turn goes back as Inspect's
model output (reasoning as reasoning content, labelled as the scripted policy it is).
"""

from __future__ import annotations

from typing import Any

from inspect_ai.model import ChatMessage, GenerateConfig, ModelAPI, ModelOutput
from inspect_ai.tool import ToolChoice, ToolInfo

from ..agents.scripted import SCRIPTED_PREFIX, ScriptedAgent
from ..episode.agent_api import TurnRequest
from .inspect_messages import model_output, openai_messages
from .inspect_task import CURRENT


class PlaygroundAPI(ModelAPI):
    def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None,
                 config: GenerateConfig = GenerateConfig(), **model_args: Any) -> None:
        super().__init__(model_name, base_url, api_key, [], config)
        if not model_name.startswith(SCRIPTED_PREFIX):
            raise ValueError(f"playground/{model_name}: the playground provider plays scripted policies only "
                             "(--model playground/scripted/POLICY)")
        self.policy = model_name[len(SCRIPTED_PREFIX):]

    def max_connections(self) -> int:
        return 64  # nothing leaves the process

    async def generate(self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice,
                       config: GenerateConfig) -> ModelOutput:
        episode = CURRENT.get()
        if episode is None:
            raise ValueError(f"playground/{self.model_name} plays a scenario's scripted policy, so it runs only "
                             "inside the playground/scenario task (inspect eval playground/scenario -T scenario=...)")
        policy = episode.scenario.policies.get(self.policy)
        if policy is None:
            known = ", ".join(SCRIPTED_PREFIX + p for p in episode.scenario.policies) or "none"
            raise ValueError(f"scenario {episode.loaded.ref} has no scripted policy {self.policy!r} (has: {known})")
        messages = openai_messages(input)
        schemas = [{"type": "function", "function": {"name": t.name, "description": t.description,
                                                     "parameters": t.parameters.model_dump(exclude_none=True)}}
                   for t in tools]
        agent = ScriptedAgent(self.policy, policy, episode.context)
        step = sum(1 for m in messages if m["role"] == "assistant") + 1
        turn = await agent.next_turn(TurnRequest(messages=messages, tools=schemas, seed=episode.seed, step=step,
                                                 sample=episode.branches[episode.current].sample))
        return model_output(turn, f"playground/{self.model_name}")
