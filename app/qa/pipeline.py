"""One pipeline, as LangChain runnables: condense → retrieve → evidence → answer → cite.

Collaborators come in: the index (retriever + store + embedder), an optional chat model.
``stream`` yields ``("token", text)`` events while the answer is produced, then
``("done", Answer)``; ``ask`` returns the ``Answer`` only.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from langchain_core.runnables import RunnableLambda

from app.prompts import render
from app.qa import factoid, language
from app.qa.citations import number_slots
from app.qa.evidence import EvidenceScorer, sentences_of, sentences_of_chunks
from app.qa.extractive import ExtractiveAnswerer
from app.qa.followup import condense, needs_context
from app.qa.grounding import Grounding
from app.result import Answer, Passage
from index.errors import InputError

MAX_QUESTION_CHARS = 2000  # a question longer than this is cut, with a notice
EVIDENCE_SENTENCES = 8  # sentences shown to a chat model


class Assistant:
    def __init__(self, index, chat_model=None, llm_timeout: float = 30.0):
        self.index = index
        self.scorer = EvidenceScorer(index.store.embeddings)
        self.extractive = ExtractiveAnswerer(self.scorer)
        self.chat_model = chat_model
        self.llm_timeout = llm_timeout
        self._corpus_key = None
        self._grounding: Grounding | None = None
        self._vocab: frozenset[str] = frozenset()
        self._sources: dict[str, str] = {}
        # condense → retrieve → evidence, shared by both answerers
        self.prepare = (
            RunnableLambda(self._condense, name="condense")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._evidence, name="evidence")
        )
        # → answer → cite: the offline answerer (the chat model streams, so it runs as a generator)
        self.answer_offline = RunnableLambda(self._draft, name="answer") | RunnableLambda(self._cite, name="cite")
        self.chain = self.prepare | self.answer_offline  # the whole offline pipeline as one runnable

    @property
    def has_llm(self) -> bool:
        return self.chat_model is not None

    # -- public ----------------------------------------------------------
    def ask(self, question: str, history=None, backend: str | None = None, k: int | None = None) -> Answer:
        answer = None
        for kind, value in self.stream(question, history, backend=backend, k=k):
            if kind == "done":
                answer = value
        return answer

    def stream(self, question: str, history=None, backend: str | None = None, k: int | None = None) -> Iterator:
        started = time.perf_counter()
        history = _clean_history(history)
        fallback_lang = language.detect(history[-1][0]) if history else "en"
        question = (question or "").strip()
        lang = language.detect(question, fallback=fallback_lang)
        if not question:
            text = render("empty_question", lang)
            yield "token", text
            yield "done", Answer(question="", text=text, language=lang, answerable=False)
            return
        notices = []
        if len(question) > MAX_QUESTION_CHARS:
            question = question[:MAX_QUESTION_CHARS]
            notices.append(render("truncated", lang, limit=MAX_QUESTION_CHARS))
        state = {"question": question, "history": history, "lang": lang, "k": k, "timings": {}, "notices": notices}
        state = self.prepare.invoke(state)
        if self.has_llm and backend != "extractive":
            answer = yield from self._answer_llm(state)
        else:
            answer = self.answer_offline.invoke(state)
            yield "token", answer.text
        answer.timings_ms["total"] = (time.perf_counter() - started) * 1000
        yield "done", answer

    def warm_up(self) -> None:
        """Load lazy parts (BM25, sentence vectors, name vectors) before the first user waits."""
        self.ask("When was it?", backend="extractive")

    # -- stages ----------------------------------------------------------
    def _condense(self, state: dict) -> dict:
        with _timer(state, "condense"):
            query = condense(state["question"], state["history"])
            if self.has_llm and state["history"]:
                query = self._condense_llm(state) or query
            state["query"] = query
        return state

    def _retrieve(self, state: dict) -> dict:
        with _timer(state, "retrieve"):
            state["hits"] = self.index.retriever.search(state["query"], k=state["k"] or self.index.retriever.k)
            self._refresh_corpus()
        return state

    def _evidence(self, state: dict) -> dict:
        with _timer(state, "evidence"):
            state["query_vec"] = self.scorer.query_vector(state["query"])
            state["scored"] = self.scorer.score(state["query"], state["query_vec"], sentences_of(state["hits"]))
            state["missing"] = self._grounding.missing(state["question"], state["lang"])
        return state

    def _draft(self, state: dict) -> dict:
        with _timer(state, "answer"):
            state["draft"] = self.extractive.answer(
                state["question"],
                state["query"],
                state["lang"],
                state["scored"],
                state["query_vec"],
                state["missing"],
                self._vocab,
                kind=_question_kind(state["question"], state["history"]),
                subject=_pronoun_subject(state["question"], state["history"]),
                top_chunks=_close_to_best(state["hits"]),
            )
        return state

    def _cite(self, state: dict) -> Answer:
        with _timer(state, "cite"):
            draft = state["draft"]
            text, citations = number_slots(draft.text, draft.cited, self._sources)
        related = [] if draft.answerable else draft.related
        return self._result(state, text, draft.answerable, citations, related, state["notices"], "extractive")

    def _answer_llm(self, state: dict):
        from app.qa.llm import LLMFailure, generate

        evidence = [s.sentence for s in state["scored"][:EVIDENCE_SENTENCES]]
        t0 = time.perf_counter()
        try:
            text, citations, dropped, refused = yield from generate(
                self.chat_model, state["question"], state["lang"], evidence, self._sources, self.llm_timeout
            )
        except LLMFailure as failure:
            state["timings"]["answer_llm"] = (time.perf_counter() - t0) * 1000
            state["notices"].append(render("llm_fallback", state["lang"], reason=str(failure)))
            answer = self.answer_offline.invoke(state)
            yield "replace", answer.text
            return answer
        state["timings"]["answer_llm"] = (time.perf_counter() - t0) * 1000
        if dropped:
            state["notices"].append(render("dropped_markers", state["lang"], markers=" ".join(dropped)))
        related = [s.sentence for s in state["scored"][:2]] if refused else []
        return self._result(state, text, not refused, citations, related, state["notices"], "llm")

    def _condense_llm(self, state: dict) -> str | None:
        turns = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in state["history"][-3:])
        prompt = render("condense", history=turns, question=state["question"])
        try:
            reply = self.chat_model.invoke(prompt, config={"timeout": self.llm_timeout})
        except Exception:  # the deterministic query is a fine fallback
            return None
        text = getattr(reply, "content", str(reply)).strip().splitlines()
        return text[0].strip() if text and 0 < len(text[0].strip()) <= MAX_QUESTION_CHARS else None

    # -- helpers ---------------------------------------------------------
    def _refresh_corpus(self) -> None:
        chunks = self.index.retriever.chunks()
        key = tuple(c.id for c in chunks)
        if key == self._corpus_key:
            return
        docs = self.index.documents()
        self._sources = {doc_id: doc.text for doc_id, doc in docs.items()}
        texts = [c.text for c in chunks] + [d.title for d in docs.values()]
        self._vocab = ordinary_words([s.text for s in sentences_of_chunks(chunks)] + [d.title for d in docs.values()])
        self._grounding = Grounding(self.scorer, texts)
        self._corpus_key = key

    def _result(self, state, text, answerable, citations, related, notices, backend) -> Answer:
        from app.qa.citations import citation_for

        passages = [
            Passage(
                h.chunk.doc_id,
                h.chunk.title,
                h.chunk.paragraph,
                h.chunk.start,
                h.chunk.end,
                h.chunk.text,
                round(h.score, 5),
                None if h.dense is None else round(h.dense, 4),
                round(h.lexical, 4),
            )
            for h in state["hits"]
        ]
        related_citations = [citation_for(i + 1, s, self._sources) for i, s in enumerate(related)]
        return Answer(
            question=state["question"],
            text=text,
            language=state["lang"],
            answerable=answerable,
            citations=citations,
            passages=passages,
            related=related_citations,
            notices=notices,
            backend=backend,
            query=state["query"],
            timings_ms=dict(state["timings"]),
        )


CLOSE_CHUNK = 0.95  # a chunk scoring 95% of the best one is as good a place to look


def _close_to_best(hits) -> tuple[int, ...]:
    best = hits[0].score if hits else 0.0
    return tuple(rank for rank, h in enumerate(hits, start=1) if h.score >= CLOSE_CHUNK * best)


def ordinary_words(sentences: list[str]) -> frozenset[str]:
    """Lower-cased words that are not names: seen in lower case, or capitalised only when
    starting a sentence ("Sementara itu", "Kedekatan ini")."""
    lower, capital_inside, capital_first = set(), set(), set()
    for sentence in sentences:
        for i, word in enumerate(re.findall(r"[^\W\d_][\w-]*", sentence)):
            if word[0].islower():
                lower.add(word.lower())
            elif i == 0:
                capital_first.add(word.lower())
            else:
                capital_inside.add(word.lower())
    return frozenset(lower | (capital_first - capital_inside))


def _question_kind(question: str, history) -> str:
    """A follow-up without its own question word ("Kalau yang di Samudra Arktik?") asks
    the same kind of thing as the turn before it."""
    kind = factoid.question_type(question)
    if kind == factoid.OTHER and history and needs_context(question):
        return factoid.question_type(history[-1][0])
    return kind


_PERSON_PRONOUN = re.compile(r"\b(he|she|him|his|her|they|them|dia|ia|beliau|mereka|-?nya)\b", re.IGNORECASE)


def _pronoun_subject(question: str, history) -> tuple[str, str] | None:
    """For "Who did he meet there?", the previous turn names who "he" is."""
    if history and _PERSON_PRONOUN.search(question) and needs_context(question):
        return history[-1][0], re.sub(r"\[\d+\]", "", history[-1][1])
    return None


class _timer:
    def __init__(self, state: dict, name: str):
        self.state, self.name = state, name

    def __enter__(self):
        self.t0 = time.perf_counter()

    def __exit__(self, *exc):
        self.state["timings"][self.name] = (time.perf_counter() - self.t0) * 1000


def _clean_history(history) -> list[tuple[str, str]]:
    out = []
    for turn in history or []:
        if isinstance(turn, dict):  # {"question": ..., "answer": ...}
            turn = (turn.get("question", ""), turn.get("answer", ""))
        if not isinstance(turn, (list, tuple)) or not turn:
            raise InputError("history must be a list of [question, answer] pairs")
        q, a = (list(turn) + ["", ""])[:2]
        out.append((str(q or "")[:MAX_QUESTION_CHARS], str(a or "")[:MAX_QUESTION_CHARS]))
    return out
