"""Deterministic fakes for the chat-model path."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult


class ScriptedChat(BaseChatModel):
    """Replies with ``script(prompt_text)``, streamed word by word; can sleep or fail."""

    script: Callable[[str], str]
    delay: float = 0.0  # seconds before each token
    error: Any = None
    prompts: list = []

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _text(self, messages) -> str:
        prompt = "\n".join(str(m.content) for m in messages)
        self.prompts.append(prompt)
        if self.error:
            raise self.error
        return self.script(prompt)

    def _generate(self, messages, stop=None, run_manager=None, **kw):
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self._text(messages)))])

    def _stream(self, messages, stop=None, run_manager=None, **kw):
        for token in re.findall(r"\S+\s*", self._text(messages)):
            time.sleep(self.delay)
            yield ChatGenerationChunk(message=AIMessageChunk(content=token))


def passage_number(prompt: str, needle: str) -> int:
    """The [n] the prompt gives to the passage containing ``needle``."""
    for line in prompt.splitlines():
        m = re.match(r"\[(\d+)\] (.*)", line)
        if m and needle in m.group(2):
            return int(m.group(1))
    raise AssertionError(f"no passage with {needle!r} in the prompt")
