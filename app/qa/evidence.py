"""Evidence: the sentences of the retrieved chunks, scored against the question.

A sentence is the unit that gets cited. Its score mixes the dense similarity of the
sentence to the question (the multilingual model bridges English questions and
Indonesian text) with the share of the question's informative words it contains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.lexical import cognate, same_root, stem, tokenize

LEXICAL_WEIGHT = 0.15  # one full lexical match is worth about the dense gap between rank 1 and 5


@dataclass(frozen=True)
class Sentence:
    doc_id: str
    title: str
    paragraph: int
    start: int
    end: int
    text: str
    chunk_rank: int


@dataclass(frozen=True)
class ScoredSentence:
    sentence: Sentence
    dense: float
    lexical: float
    score: float


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


def lexical_overlap(query: str, text: str) -> float:
    """Share of the query's informative words found in ``text``, affixed forms and
    cross-language spellings included ("ditemui" finds "bertemu", "Russia" finds "Rusia")."""
    wanted = set(tokenize(query))
    if not wanted:
        return 0.0
    have = set(tokenize(text))
    stems = {stem(t) for t in have}
    found = sum(
        1 for t in wanted
        if t in have or stem(t) in stems or any(same_root(t, h) or cognate(t, h) for h in have)
    )
    return found / len(wanted)


class EvidenceScorer:
    """Scores sentences; sentence vectors are cached, since articles change rarely."""

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

    def score(self, query: str, query_vec: np.ndarray, sentences: list[Sentence]) -> list[ScoredSentence]:
        if not sentences:
            return []
        dense = self.passage_vectors([s.text for s in sentences]) @ query_vec
        scored = []
        for sentence, d in zip(sentences, dense, strict=True):
            lex = lexical_overlap(query, sentence.text)
            scored.append(ScoredSentence(sentence, float(d), lex, float(d) + LEXICAL_WEIGHT * lex))
        return sorted(scored, key=lambda s: -s.score)
