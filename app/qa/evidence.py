"""Evidence: the sentences of the retrieved chunks (the unit that gets cited) and the
cached vectors the answerer scores them with (``app/qa/answerer.py`` does the scoring)."""

from __future__ import annotations

import hashlib
import os
import tempfile
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
        self._stored: dict[bytes, np.ndarray] = {}  # digest → passage vector, from a saved file
        self._stored_words: dict[bytes, np.ndarray] = {}  # digest → word vector, from a saved file

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

    def precompute_words(self, words: list[str]) -> int:
        """Query-side vectors of ``words`` not cached yet, a batch at a time; return how many."""
        missing = [w for w in dict.fromkeys(words) if w not in self._words and not self._restore_word(w)]
        for start in range(0, len(missing), self.PRECOMPUTE_BATCH):
            self.word_vectors(missing[start : start + self.PRECOMPUTE_BATCH])
        return len(missing)

    def load(self, path: Path) -> int:
        """Make the vectors saved in ``path`` available. A missing, damaged or foreign file
        (another model, encoder or dimension) is ignored: the vectors are embedded again."""
        try:
            with np.load(path) as saved:
                keys, vectors, words = saved["keys"], saved["vectors"], saved["words"]
                fingerprint = str(saved["fingerprint"])
        except Exception:  # noqa: BLE001 - any unreadable file means "start without it"
            return 0
        if fingerprint != self.fingerprint() or len(keys) != len(vectors) or len(keys) != len(words):
            return 0
        self._stored = {bytes(k): v for k, v, w in zip(keys, vectors, words, strict=True) if not w}
        for k, v, w in zip(keys, vectors, words, strict=True):
            if w:
                self._stored_words[bytes(k)] = v
        return len(keys)

    def save(self, path: Path) -> int:
        """Write every cached passage and word vector to ``path``; a temporary file renamed
        into place, so a killed save or two processes saving at once leave a whole file."""
        items = [(t, v, False) for t, v in list(self._cache.items())]
        items += [(w, v, True) for w, v in list(self._words.items())]
        if not items:
            return 0
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                np.savez(
                    out,
                    keys=np.array([_digest(t) for t, _, _ in items], dtype="S20"),
                    vectors=np.stack([v for _, v, _ in items]),
                    words=np.array([w for _, _, w in items], dtype=bool),
                    fingerprint=np.array(self.fingerprint()),
                )
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return len(items)

    def fingerprint(self) -> str:
        """What the saved vectors depend on: the model and how it runs."""
        model = getattr(self.embedder, "model", None)
        return f"{getattr(self.embedder, 'model_id', '?')}|{type(model).__name__}|{getattr(model, 'version', '')}"

    def _restore_word(self, word: str) -> bool:
        vector = self._stored_words.get(_digest(word)) if self._stored_words else None
        if vector is not None:
            self._words[word] = vector
        return vector is not None

    def _restore(self, text: str) -> bool:
        vector = self._stored.get(_digest(text)) if self._stored else None
        if vector is not None:
            self._cache[text] = vector
        return vector is not None

    def word_vectors(self, words: list[str]) -> np.ndarray:
        """Query-side vectors of single words (cached): the multilingual model puts
        "spectators" next to "penonton" and "budget" next to "anggaran"."""
        missing = [w for w in dict.fromkeys(words) if w not in self._words and not self._restore_word(w)]
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
