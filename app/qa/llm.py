"""Answers from a chat model (OpenAI-compatible server or a local GGUF via llama.cpp).

The model sees numbered evidence sentences and must cite them as [n]. Its markers are
parsed; those pointing at no passage are dropped and reported. When the model fails,
times out, or cites nothing (other than a refusal), ``LLMFailure`` makes the pipeline
fall back to the extractive answer with a visible notice.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import model_validator

from app.prompts import render
from app.qa import language
from app.qa.citations import parse_markers
from index.errors import ConfigError, ModelError

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
    shown = 0  # characters of the reply already streamed to the user
    try:
        for chunk in chat_model.stream(messages_for(question, lang, evidence)):
            token = chunk.content if isinstance(chunk.content, str) else ""
            if token:
                pieces.append(token)
                # Stream only text that a valid citation closes: words the model has not
                # (yet) tied to a passage, e.g. an injected "HACKED", are never previewed.
                upto = _cited_prefix("".join(pieces), len(evidence))
                if upto > shown:
                    yield "token", "".join(pieces)[shown:upto]
                    shown = upto
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
        yield "token", refusal
        return refusal, [], [], True
    text, citations, dropped = parse_markers(raw, evidence, sources)
    if not citations:
        raise LLMFailure("the model's answer cites no passage")
    rest = "".join(pieces)[shown:]
    if rest.strip():  # the accepted answer's tail after its last marker
        yield "token", rest
    return text, citations, dropped, False


_MARKER = re.compile(r"\[(\d+)\]")


def _cited_prefix(text: str, passages: int) -> int:
    """Length of the longest prefix of ``text`` that ends with a marker naming a real passage."""
    end = 0
    for match in _MARKER.finditer(text):
        if 1 <= int(match.group(1)) <= passages:
            end = match.end()
    return end


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
    """A local GGUF model through llama-cpp-python, as a LangChain chat model.

    Instances of one file share its loaded weights (loading takes seconds and memory), and
    one generation at a time runs on them: a llama.cpp context is not safe for two threads
    (the web UI answers users concurrently).
    """

    model_path: str
    model_name: str = ""  # for traces and response metadata; the file's name by default
    n_ctx: int = 4096
    chat_format: str | None = None  # None: the file's own chat template (llama-cpp-python's guess without one)
    max_tokens: int = MAX_TOKENS
    temperature: float = 0.0
    stop: list[str] | None = None

    @model_validator(mode="after")
    def _check_file(self) -> LlamaCppChat:
        if not Path(self.model_path).is_file():
            raise ConfigError(f"GGUF file {self.model_path} not found: check BERITA_LLM_GGUF or --llm-gguf")
        self.model_name = self.model_name or Path(self.model_path).name
        return self

    @classmethod
    def from_path(cls, path: str, n_ctx: int = 4096) -> LlamaCppChat:
        chat = cls(model_path=str(path), n_ctx=n_ctx)
        chat.load()  # a missing package or a broken file is a startup error, not a first-question one
        return chat

    def load(self) -> tuple[Any, threading.Lock]:
        return _load_llama(str(Path(self.model_path).resolve()), self.n_ctx, self.chat_format)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "n_ctx": self.n_ctx, "chat_format": self.chat_format,
                "max_tokens": self.max_tokens, "temperature": self.temperature}

    def _convert(self, messages: list[BaseMessage]) -> list[dict]:
        roles = {"system": "system", "human": "user", "ai": "assistant"}
        # .text, not str(content): content may be a list of blocks (output_version="v1")
        return [{"role": roles.get(m.type, "user"), "content": m.text} for m in messages]

    def _options(self, stop: list[str] | None) -> dict:
        return {"max_tokens": self.max_tokens, "temperature": self.temperature,
                "stop": stop if stop is not None else self.stop}

    def _metadata(self, finish_reason) -> dict:
        return {"model_name": self.model_name, "finish_reason": finish_reason}

    def _generate(self, messages, stop=None, run_manager: CallbackManagerForLLMRun | None = None, **kw):
        llm, lock = self.load()
        with lock:
            out = llm.create_chat_completion(self._convert(messages), **self._options(stop))
        choice, usage = out["choices"][0], out["usage"]
        message = AIMessage(
            content=choice["message"]["content"] or "",
            usage_metadata=_usage(usage["prompt_tokens"], usage["completion_tokens"]),
            response_metadata=self._metadata(choice.get("finish_reason")),
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages, stop=None, run_manager: CallbackManagerForLLMRun | None = None, **kw) -> Iterator:
        llm, lock = self.load()
        converted = self._convert(messages)
        pieces: list[str] = []
        finish = None
        with lock:  # held while the caller reads the stream; released when it ends or is closed
            for part in llm.create_chat_completion(converted, stream=True, **self._options(stop)):
                choice = part["choices"][0]
                finish = choice.get("finish_reason") or finish
                token = choice["delta"].get("content") or ""
                if token:
                    pieces.append(token)
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
                    if run_manager:
                        run_manager.on_llm_new_token(token, chunk=chunk)
                    yield chunk
            # llama-cpp-python streams no usage: count tokens here (the prompt's without its template markup)
            usage = _usage(
                sum(_count_tokens(llm, m["content"]) for m in converted), _count_tokens(llm, "".join(pieces))
            )
        # the closing chunk tells LangChain the message is complete and carries usage and finish reason
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="", chunk_position="last", usage_metadata=usage, response_metadata=self._metadata(finish)
            )
        )


_LOADED: dict[tuple, tuple[Any, threading.Lock]] = {}
_LOADING = threading.Lock()


def _load_llama(path: str, n_ctx: int, chat_format: str | None) -> tuple[Any, threading.Lock]:
    """The llama.cpp model for these settings, loaded once, with the lock that serialises its use."""
    key = (path, n_ctx, chat_format)
    with _LOADING:
        if key not in _LOADED:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ConfigError(
                    "llama-cpp-python is not installed: pip install 'llama-cpp-python[server]'"
                ) from None
            try:
                llm = Llama(model_path=path, n_ctx=n_ctx, chat_format=chat_format, verbose=False)
            except ValueError as exc:  # llama-cpp-python's word for a file it cannot read as a model
                raise ModelError(f"cannot load the GGUF file {path}: {exc}") from exc
            _LOADED[key] = (llm, threading.Lock())
        return _LOADED[key]


def _count_tokens(llm, text: str) -> int:
    return len(llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)) if text else 0


def _usage(input_tokens: int, output_tokens: int) -> UsageMetadata:
    return UsageMetadata(input_tokens=input_tokens, output_tokens=output_tokens,
                         total_tokens=input_tokens + output_tokens)
