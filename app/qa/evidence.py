"""Evidence: the sentences of the retrieved chunks (the unit that gets cited) and the
cached vectors the answerer scores them with (``app/qa/answerer.py`` does the scoring)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

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
    """Sentence, context and word vectors, cached: articles change rarely.

    The cache can be saved to and loaded from a file (``save``/``load``), keyed by a digest of
    each text, so a restarted server does not embed its library's sentences and words again.
    """

    PRECOMPUTE_BATCH = 128  # texts per encoder call while precomputing: questions interleave between calls

    def __init__(self, embedder):
        self.embedder = embedder
        self._cache: dict[str, np.ndarray] = {}
        self._words: dict[str, np.ndarray] = {}
        self._stored: dict[bytes, np.ndarray] = {}  # digest → vector, from a saved file

    def passage_vectors(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache and not self._restore(t)]
        if missing:
            for text, vec in zip(missing, self.embedder.embed_passages(missing), strict=True):
                self._cache[text] = np.asarray(vec, dtype=np.float32)
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)

    def precompute(self, texts: list[str]) -> int:
        """Embed the passage vectors of ``texts`` not cached yet, a batch at a time; return how many."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache and not self._restore(t)]
        for start in range(0, len(missing), self.PRECOMPUTE_BATCH):
            self.passage_vectors(missing[start : start + self.PRECOMPUTE_BATCH])
        return len(missing)

    def load(self, path: Path) -> int:
        """Make the vectors saved in ``path`` available (a missing or unreadable file is ignored)."""
        try:
            with np.load(path) as saved:
                keys, vectors = saved["keys"], saved["vectors"]
        except (OSError, ValueError, KeyError):
            return 0
        self._stored = {bytes(k): v for k, v in zip(keys, vectors, strict=True)}
        return len(self._stored)

    def save(self, path: Path) -> int:
        """Write every cached passage vector to ``path`` (atomically: a killed save leaves the old file)."""
        items = list(self._cache.items())
        if not items:
            return 0
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array([_digest(t) for t, _ in items], dtype="S20")
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, keys=keys, vectors=np.stack([v for _, v in items]))
        os.replace(tmp, path)
        return len(items)

    def _restore(self, text: str) -> bool:
        vector = self._stored.get(_digest(text)) if self._stored else None
        if vector is not None:
            self._cache[text] = vector
        return vector is not None

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


def _digest(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).digest()
