"""Evidence: the sentences of the retrieved chunks (the unit that gets cited) and the
cached vectors the answerer scores them with (``app/qa/answerer.py`` does the scoring)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Sentence:
    doc_id: str
    title: str
    paragraph: int
    start: int
    end: int
    text: str
    chunk_rank: int


def sentences_of(hits) -> list[Sentence]:
    """The sentences of retrieved chunks, remembering each chunk's rank."""
    return sentences_of_chunks([hit.chunk for hit in hits])


def sentences_of_chunks(chunks) -> list[Sentence]:
    out = []
    for rank, c in enumerate(chunks, start=1):
        for span in c.sentences:
            text = c.text[span.start - c.start : span.end - c.start]
            out.append(Sentence(c.doc_id, c.title, c.paragraph, span.start, span.end, text, rank))
    return out


class EvidenceScorer:
    """Sentence, context and word vectors, cached: articles change rarely."""

    def __init__(self, embedder):
        self.embedder = embedder
        self._cache: dict[str, np.ndarray] = {}
        self._words: dict[str, np.ndarray] = {}

    def passage_vectors(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, vec in zip(missing, self.embedder.embed_passages(missing), strict=True):
                self._cache[text] = np.asarray(vec, dtype=np.float32)
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)

    def word_vectors(self, words: list[str]) -> np.ndarray:
        """Query-side vectors of single words (cached): the multilingual model puts
        "spectators" next to "penonton" and "budget" next to "anggaran"."""
        missing = [w for w in dict.fromkeys(words) if w not in self._words]
        if missing:
            if hasattr(self.embedder, "embed_queries"):
                vectors = self.embedder.embed_queries(missing)
            else:
                vectors = [self.embedder.embed_query(w) for w in missing]
            for word, vec in zip(missing, vectors, strict=True):
                self._words[word] = np.asarray(vec, dtype=np.float32)
        return np.stack([self._words[w] for w in words]) if words else np.zeros((0, 1), np.float32)

    def query_vector(self, query: str) -> np.ndarray:
        if hasattr(self.embedder, "query_vector"):  # reuses the vector retrieval just computed
            return np.asarray(self.embedder.query_vector(query), dtype=np.float32)
        return np.asarray(self.embedder.embed_query(query), dtype=np.float32)
