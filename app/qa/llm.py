"""Answers from a chat model (OpenAI-compatible server or a local GGUF via llama.cpp).

The model sees numbered evidence sentences and must cite them as [n]. Its markers are
parsed; those pointing at no passage are dropped and reported. When the model fails,
times out, or cites nothing (other than a refusal), ``LLMFailure`` makes the pipeline
fall back to the extractive answer with a visible notice.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from app.prompts import render
from app.qa import language
from app.qa.citations import parse_markers
from index.errors import ConfigError

MAX_TOKENS = 256


class LLMFailure(Exception):
    """The model's answer cannot be used; the message says why (shown in the notice)."""


def messages_for(question: str, lang: str, evidence: list) -> list[BaseMessage]:
    passages = "\n".join(f"[{i}] {s.text}" for i, s in enumerate(evidence, start=1))
    name = language.NAMES[lang]
    refusal = render("refusal", lang)
    return [
        SystemMessage(render("llm_system", language_name=name, refusal=refusal)),
        HumanMessage(render("llm_user", passages=passages, question=question, language_name=name)),
    ]


def generate(chat_model, question: str, lang: str, evidence: list, sources: dict, timeout: float):
    """Generator: yields ("token", text) while streaming; returns (text, citations, dropped, refused)."""
    if not evidence:
        raise LLMFailure("no passages to answer from")
    deadline = time.monotonic() + timeout
    pieces: list[str] = []
    try:
        for chunk in chat_model.stream(messages_for(question, lang, evidence)):
            token = chunk.content if isinstance(chunk.content, str) else ""
            if token:
                pieces.append(token)
                yield "token", token
            if time.monotonic() > deadline:
                raise LLMFailure(f"no complete answer within {timeout:g} s")
    except LLMFailure:
        raise
    except Exception as exc:  # network errors, server errors, timeouts from the client
        if not pieces and "no generation chunks" in str(exc).lower():  # LangChain's word for an empty stream
            raise LLMFailure("the model returned nothing") from exc
        raise LLMFailure(f"{type(exc).__name__}: {str(exc)[:120]}") from exc
    raw = "".join(pieces).strip()
    refusal = render("refusal", lang)
    if not raw:
        raise LLMFailure("the model returned nothing")
    if _is_refusal(raw, refusal):
        return refusal, [], [], True
    text, citations, dropped = parse_markers(raw, evidence, sources)
    if not citations:
        raise LLMFailure("the model's answer cites no passage")
    return text, citations, dropped, False


def _is_refusal(text: str, refusal: str) -> bool:
    first = refusal.split(".")[0].strip().lower()
    return text.lower().startswith(first)


def make_chat_model(settings) -> BaseChatModel | None:
    """The configured chat model, or None for the offline extractive answerer."""
    if settings.llm_base_url:
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout,
            max_retries=0,
            temperature=0,
            streaming=True,
            # plain max_tokens: llama.cpp's server ignores the newer max_completion_tokens
            extra_body={"max_tokens": MAX_TOKENS},
        )
    if settings.llm_gguf:
        return LlamaCppChat.from_path(settings.llm_gguf)
    return None


class LlamaCppChat(BaseChatModel):
    """A local GGUF model through llama-cpp-python, as a LangChain chat model."""

    llm: Any = None
    max_tokens: int = MAX_TOKENS

    @classmethod
    def from_path(cls, path: str, n_ctx: int = 4096) -> LlamaCppChat:
        from pathlib import Path

        if not Path(path).is_file():
            raise ConfigError(f"GGUF file {path} not found: check BERITA_LLM_GGUF or --llm-gguf")
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ConfigError("llama-cpp-python is not installed: pip install 'llama-cpp-python[server]'") from None
        return cls(llm=Llama(model_path=str(path), n_ctx=n_ctx, verbose=False))

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def _convert(self, messages: list[BaseMessage]) -> list[dict]:
        roles = {"system": "system", "human": "user", "ai": "assistant"}
        return [{"role": roles.get(m.type, "user"), "content": str(m.content)} for m in messages]

    def _generate(self, messages, stop=None, run_manager: CallbackManagerForLLMRun | None = None, **kw):
        out = self.llm.create_chat_completion(self._convert(messages), max_tokens=self.max_tokens, temperature=0)
        text = out["choices"][0]["message"]["content"] or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages, stop=None, run_manager: CallbackManagerForLLMRun | None = None, **kw) -> Iterator:
        for part in self.llm.create_chat_completion(
            self._convert(messages), max_tokens=self.max_tokens, temperature=0, stream=True
        ):
            token = part["choices"][0]["delta"].get("content") or ""
            if token:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
                if run_manager:
                    run_manager.on_llm_new_token(token, chunk=chunk)
                yield chunk
