"""Chat handlers: stream an answer, start over, show a clicked citation; and the ``/answer`` endpoint.

Plain methods (generators where they stream), called by Gradio events and directly by tests.
"""

import time

import gradio as gr

from app import render
from app.result import Answer
from app.ui.strings import strings
from index.errors import BeritaError

STREAM_INTERVAL = 0.05  # seconds between UI updates while tokens stream


class ChatUI:
    def __init__(self, assistant):
        self.assistant = assistant

    def respond(self, message, chat, turns, backend, k, details, ui_lang):
        """Generator: streams the answer into the chat; yields (chat, box, sources, article, turns)."""
        labels = strings(ui_lang)
        chat = list(chat or [])
        turns = list(turns or [])
        message = message or ""
        chat.append({"role": "user", "content": render.escape_md(message)})
        chat.append({"role": "assistant", "content": "…"})
        yield chat, "", gr.skip(), gr.skip(), turns
        history = [(t["question"], t["answer"].text) for t in turns]
        use = "extractive" if backend == "extractive" else None
        text, last = "", 0.0
        answer = None
        try:
            for kind, value in self.assistant.stream(message, history, backend=use, k=int(k) if k else None):
                if kind == "token":
                    text += value
                elif kind == "replace":
                    text = value
                elif kind == "done":
                    answer = value
                    continue
                if time.monotonic() - last >= STREAM_INTERVAL:
                    chat[-1] = {"role": "assistant", "content": render.escape_md(text)}
                    last = time.monotonic()
                    yield chat, "", gr.skip(), gr.skip(), turns
        except BeritaError as exc:
            chat[-1] = {"role": "assistant", "content": "> " + render.escape_md(str(exc))}
            yield chat, message, gr.skip(), gr.skip(), turns
            return
        turn = len(turns)
        turns.append({"question": message, "answer": answer})
        chat[-1] = {"role": "assistant", "content": render.answer_markdown(answer, turn)}
        first = answer.citations[0].n if answer.citations else None
        yield (
            chat,
            "",
            render.sources_html(answer, turn, labels, details),
            self._article(answer, first, turn, labels),
            turns,
        )

    def new_chat(self, ui_lang):
        labels = strings(ui_lang)
        return [], "", render.sources_html(None, 0, labels), render.article_html(None, [], None, 0, labels), []

    def show_citation(self, target, turns, details, ui_lang):
        """``target`` is "turn-n" (a citation) or "turn-rn" (a related passage), plus a click nonce."""
        labels = strings(ui_lang)
        try:
            ref = (target or "").split("|")[0]
            turn_s, n_s = ref.split("-", 1)
            turn = int(turn_s)
            answer: Answer = turns[turn]["answer"]
            pool = answer.related if n_s.startswith("r") else answer.citations
            n = int(n_s.lstrip("r"))
            cited = next(c for c in pool if c.n == n)
        except (ValueError, IndexError, KeyError, StopIteration, TypeError):
            return gr.skip(), gr.skip()
        doc = self.assistant.index.documents().get(cited.doc_id)
        marks = [cited] if pool is answer.related else answer.citations
        return render.sources_html(answer, turn, labels, details), render.article_html(doc, marks, n, turn, labels)

    def _article(self, answer: Answer, active, turn, labels):
        cited = answer.citations[0] if answer.citations else (answer.related[0] if answer.related else None)
        docs = self.assistant.index.documents()
        doc = docs.get(cited.doc_id) if cited else next(iter(docs.values()), None)
        marks = answer.citations if answer.citations else []
        return render.article_html(doc, marks, active, turn, labels)

    def backends(self, labels) -> list[tuple[str, str]]:
        choices = [(labels["offline"], "extractive")]
        if self.assistant.has_llm:
            choices.append((labels["llm"], "llm"))
        return choices

    # No `from __future__ import annotations` in this module: gr.api reads these hints as types.
    def answer_api(self, question: str, history: list[list[str]] | None = None, backend: str = "auto") -> dict:
        """Answer a question about the indexed articles; returns the structured result."""
        use = None if backend == "auto" else backend
        try:
            return self.assistant.ask(question, history or [], backend=use).to_dict()
        except BeritaError as exc:
            return {"error": str(exc)}
