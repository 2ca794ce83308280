"""One pipeline, as LangChain runnables: condense → retrieve → evidence → answer → cite.

Collaborators come in: the index (retriever + store + embedder), an optional chat model.
``stream`` yields ``("token", text)`` events while the answer is produced, then
``("done", Answer)``; ``ask`` returns the ``Answer`` only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from langchain_core.runnables import RunnableLambda

from app.prompts import render
from app.qa import language, model
from app.qa import question as questions
from app.qa.answerer import Answerer, build_corpus, candidate_contexts, sentences_with_words
from app.qa.citations import number_slots
from app.qa.evidence import EvidenceScorer, sentences_of, sentences_of_chunks
from app.qa.followup import condense, needs_context
from app.qa.grounding import Grounding
from app.qa.word_table import common_words
from app.result import Answer, Passage, ShortAnswer
from index.errors import InputError

_log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 2000  # a question longer than this is cut, with a notice
EVIDENCE_SENTENCES = 8  # sentences shown to a chat model
EVIDENCE_CHUNKS = 6  # chunks whose sentences the answerer reads (at least the k shown)
BACKENDS = (None, "auto", "extractive", "llm")  # None and "auto": the chat model when one is configured
CORPORA_KEPT = 3  # questions still running on an older snapshot keep its corpus


class Assistant:
    def __init__(
        self, index, chat_model=None, llm_timeout: float = 30.0, models: model.Models | None = None,
        vector_cache: Path | None = None, word_table: Path | None = None, reader=None,
    ):
        self.index = index
        self.vector_cache = vector_cache  # where warm_up keeps sentence and word vectors between runs
        self.word_table = word_table  # where warm_up finds (or builds) the common words' vectors
        self.scorer = EvidenceScorer(index.store.embeddings)
        if reader is None:  # the shipped reader beside the default model's folder; None for fake embedders
            from app.qa.reader.serve import reader_beside

            reader = reader_beside(index.store.embeddings)
        self.reader = reader  # app.qa.reader.serve.Reader
        self.answerer = Answerer(self.scorer, models or model.load(), reader)
        self.chat_model = chat_model
        self.llm_timeout = llm_timeout
        self._corpora: dict[int, object] = {}  # snapshot version → Corpus (the last few)
        self._corpora_lock = threading.Lock()
        self._prepared = None  # (snapshot, its lower-case words) last prepared: the next change is the difference
        if hasattr(index, "on_new_snapshot"):  # the index's writer builds each corpus before publishing;
            index.on_new_snapshot(self._prepare, now=False)  # the current one: warm_up() or the first question
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
        if backend not in BACKENDS:
            raise InputError(f"unknown backend {str(backend)[:40]!r}: use auto, extractive or llm")
        backend = None if backend == "auto" else backend
        if k is not None and not (isinstance(k, int) and 1 <= k <= 50):
            raise InputError(f"k must be a whole number of passages between 1 and 50, got {str(k)[:20]!r}")
        history = _clean_history(history)
        fallback_lang = language.detect(history[-1][0]) if history else "en"
        question = (question or "").strip()
        truncated = len(question) > MAX_QUESTION_CHARS
        question = question[:MAX_QUESTION_CHARS]
        lang = language.detect(question, fallback=fallback_lang)
        notices = [render("truncated", lang, limit=MAX_QUESTION_CHARS)] if truncated else []
        analysis = questions.analyse(question)
        if not question or analysis.contentless and not (history and needs_context(question)):
            text = render("empty_question", lang)
            yield "token", text
            yield "done", Answer(question=question, text=text, language=lang, answerable=False)
            return
        state = {"question": question, "history": history, "lang": lang, "k": k, "timings": {}, "notices": notices,
                 "analysis": analysis}
        state = self.prepare.invoke(state)
        if self.has_llm and backend != "extractive":
            answer = yield from self._answer_llm(state)
        else:
            answer = self.answer_offline.invoke(state)
            yield "token", answer.text
        answer.timings_ms["total"] = (time.perf_counter() - started) * 1000
        yield "done", answer

    def warm_up(self) -> None:
        """Build the current library's corpus (word and name vectors), load lazy parts and embed
        every sentence of the library, the query side of its words and the contexts of its candidate
        answers, so a question finds its vectors ready. A server runs this after its page is up;
        a question asked meanwhile waits only for the corpus.
        With ``vector_cache`` the vectors are read from and saved to that file; with
        ``word_table``, the common words' table is read from there (built once if missing)."""
        if self.vector_cache is not None:
            self.scorer.load(self.vector_cache)
            if self.answerer.uses_reader:
                self.reader.scorer.load(self._reader_cache())
        self.ask("When did the events in the article happen?", backend="extractive")
        snap = self.index.snapshot()
        corpus = self._corpus_for(snap)
        if self._prepared is None:  # the next change is told apart from this library (a change
            self._prepared = (snap, corpus.vocab)  # meanwhile makes it stale: the next diff is merely larger)
        texts = [s.text for s in corpus.all_sentences]
        added = self.scorer.precompute(texts)
        # A question's words are matched on the query side; most of them are the library's own
        # words (15% off the warm answer's median on the bench corpus).
        added += self.scorer.precompute_words(list(corpus.vocabulary))
        # and the contexts of every candidate answer, so a typed question embeds only itself
        added += self.scorer.precompute(candidate_contexts(texts, corpus.vocab))
        if self.vector_cache is not None and added:
            self.scorer.save(self.vector_cache)
        if self.answerer.uses_reader:
            added = self.reader.scorer.precompute(texts)  # (the warm-up question may have embedded some)
            if self.vector_cache is not None and (added or not self._reader_cache().is_file()):
                self.reader.scorer.save(self._reader_cache())
        # last, and only for question words: the library's own words were embedded above, so
        # the warm-up does not read the whole memory-mapped table into this process
        if self.word_table is not None:
            try:
                self.scorer.use_word_table(self.word_table, common_words)
            except Exception as exc:  # noqa: BLE001 - the rest of the warm-up is done and kept
                _log.warning("no common-word table (%s: %s): question words the library lacks are embedded "
                             "when asked; the next start tries again", type(exc).__name__, exc)

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
            # One snapshot for the whole question: retrieval, the corpus and the cited texts
            # all come from the same library, whatever is added or removed meanwhile.
            snap = self.index.snapshot()
            k = state["k"] or self.index.retriever.k
            hits = self.index.retriever.search(state["query"], k=max(k, EVIDENCE_CHUNKS), snapshot=snap)
            state["hits"], state["evidence_hits"] = hits[:k], hits
            state["corpus"], state["sources"] = self._corpus_for(snap), snap.sources
        return state

    def _evidence(self, state: dict) -> dict:
        with _timer(state, "evidence"):
            state["query_vec"] = self.scorer.query_vector(state["query"])
            analysis = state.get("analysis") or questions.analyse(state["question"])
            reading = self.answerer.read(
                analysis,
                _question_kind(analysis, state["history"]),
                state["query"],
                state["query_vec"],
                sentences_of(state["evidence_hits"]),
                state["corpus"],
                state["lang"],
            )
            state["reading"] = reading
            state["scored"] = reading.sentences
        return state

    def _draft(self, state: dict) -> dict:
        with _timer(state, "answer"):
            state["draft"] = self.answerer.compose(state["reading"], state["lang"])
        return state

    def _cite(self, state: dict) -> Answer:
        with _timer(state, "cite"):
            draft = state["draft"]
            text, citations = number_slots(draft.text, draft.cited, state["sources"])
        related = [] if draft.answerable else draft.related
        answer = self._result(state, text, draft.answerable, citations, related, state["notices"], "extractive")
        answer.confidence = round(draft.confidence, 4)
        if draft.short:
            short_text, sentence, span, confidence = draft.short
            answer.short_answer = ShortAnswer(
                short_text, sentence.doc_id, sentence.start + span.start, sentence.start + span.end,
                round(confidence, 4)
            )
        return answer

    def _answer_llm(self, state: dict):
        from app.qa.llm import LLMFailure, generate

        evidence = [r.sentence for r in state["scored"][:EVIDENCE_SENTENCES]]
        t0 = time.perf_counter()
        try:
            text, citations, dropped, refused = yield from generate(
                self.chat_model, state["question"], state["lang"], evidence, state["sources"], self.llm_timeout
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
        related = [r.sentence for r in state["scored"][:2]] if refused else []
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
    def _prepare(self, snap) -> None:
        """Before a snapshot is published: its corpus, and the sentence and candidate-context
        vectors of articles it adds (until the warm-up has noted the library, every article counts
        as new: those are left to the warm-up and to use), and of older sentences whose names
        the change moves."""
        corpus = self._corpus_for(snap)
        previous, self._prepared = self._prepared, (snap, corpus.vocab)
        if previous is None:
            return
        before, vocab_before = previous
        fresh = {doc_id for doc_id, doc in snap.documents.items() if before.documents.get(doc_id) != doc}
        texts = [s.text for s in corpus.all_sentences if s.doc_id in fresh]
        # Names are told from words by the library's lower-case words: when those change, a name
        # in an older sentence can grow or shrink, and its candidates' contexts with it.
        changed = corpus.vocab ^ vocab_before
        kept = [s.text for s in corpus.all_sentences if s.doc_id not in fresh] if changed else []
        moved = sentences_with_words(kept, changed)
        # in batches: questions keep being answered between the encoder calls
        self.scorer.precompute(texts + candidate_contexts(texts + moved, corpus.vocab))
        if self.answerer.uses_reader:
            self.reader.scorer.precompute(texts)

    def _reader_cache(self) -> Path:
        """The reader's sentence vectors, saved beside the base model's (their own fingerprint)."""
        return self.vector_cache.with_name(self.vector_cache.stem + "-reader.npz")

    def _corpus_for(self, snap):
        """The answerer's view of a snapshot (words, vectors, sentence positions), built once per
        snapshot: normally by the index's writer before the snapshot is published."""
        corpus = self._corpora.get(snap.version)
        if corpus is not None:
            return corpus
        with self._corpora_lock:  # built once, however many questions arrive at the same time
            corpus = self._corpora.get(snap.version)
            if corpus is None:
                docs = dict(snap.documents)
                grounding = Grounding(self.scorer, [c.text for c in snap.chunks] + [d.title for d in docs.values()])
                corpus = build_corpus(list(snap.chunks), docs, grounding, sentences_of_chunks, self.scorer)
                self._corpora[snap.version] = corpus
                for old in sorted(self._corpora)[:-CORPORA_KEPT]:
                    del self._corpora[old]
        return corpus

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
        related_citations = [citation_for(i + 1, s, state["sources"]) for i, s in enumerate(related)]
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


def _question_kind(analysis: questions.Question, history) -> str:
    """A follow-up without its own question word ("Kalau yang di Samudra Arktik?") asks
    the same kind of thing as the turn before it."""
    if (
        analysis.type in (questions.OTHER, questions.YESNO)
        and history
        and needs_context(analysis.text)
        and not questions.has_question_word(analysis.text)
    ):
        previous = questions.analyse(history[-1][0]).type
        if previous in questions.TYPED:
            return previous
    return analysis.type


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
