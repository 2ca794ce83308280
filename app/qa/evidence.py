"""Evidence: the sentences of the retrieved chunks (the unit that gets cited) and the
cached vectors the answerer scores them with (``app/qa/answerer.py`` does the scoring)."""

from __future__ import annotations

import hashlib
import mmap
import os
import struct
import tempfile
import zipfile
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


class _Vectors:
    """Vectors by text; those read from a saved file (by digest) are taken on first use."""

    def __init__(self):
        self.cached: dict[str, np.ndarray] = {}
        self.stored: dict[bytes, np.ndarray] = {}

    def missing(self, texts: list[str]) -> list[str]:
        return [t for t in dict.fromkeys(texts) if t not in self.cached and not self._restore(t)]

    def add(self, texts: list[str], vectors) -> None:
        for text, vec in zip(texts, vectors, strict=True):
            self.cached[text] = np.asarray(vec, dtype=np.float32)

    def stack(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.cached[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)

    def _restore(self, text: str) -> bool:
        vector = self.stored.get(_digest(text)) if self.stored else None
        if vector is not None:
            self.cached[text] = vector
        return vector is not None


class EvidenceScorer:
    """Sentence, context and word vectors, cached: articles change rarely.

    The cache can be saved to and loaded from a file (``save``/``load``), keyed by a digest of
    each text, so a restarted server does not embed its library's sentences and words again.
    """

    PRECOMPUTE_BATCH = 128  # texts per encoder call while precomputing: questions interleave between calls

    def __init__(self, embedder):
        self.embedder = embedder
        self._passages = _Vectors()  # passage side: sentences, contexts, library words and names
        self._words = _Vectors()  # query side: single words of questions (and of the library)
        self._table = None  # app.qa.word_table.WordTable: common words' query-side vectors, read on use

    def passage_vectors(self, texts: list[str]) -> np.ndarray:
        missing = self._passages.missing(texts)
        if missing:
            self._passages.add(missing, self.embedder.embed_passages(missing))
        return self._passages.stack(texts)

    def word_vectors(self, words: list[str]) -> np.ndarray:
        """Query-side vectors of single words (cached): the multilingual model puts
        "spectators" next to "penonton" and "budget" next to "anggaran"."""
        missing = self._words.missing(words)
        table = self._table
        if missing and table is not None:
            common = [w for w in missing if w in table]
            if common:
                self._words.add(common, table.rows(common))
                missing = [w for w in missing if w not in table]
        if missing:
            self._words.add(missing, self._embed_words(missing))
        return self._words.stack(words)

    def _embed_words(self, words: list[str]):
        if hasattr(self.embedder, "embed_queries"):
            return self.embedder.embed_queries(words)
        return [self.embedder.embed_query(w) for w in words]

    def use_word_table(self, stem: Path, words=None) -> int:
        """Look question words up in the common-word table saved at ``stem`` (see
        ``app/qa/word_table.py``); with ``words`` (a function listing them), build it first
        when it is missing or of another model. Return how many words it holds."""
        from app.qa import word_table

        table = word_table.load(stem, self.fingerprint())
        if table is None and words is not None:
            table = word_table.build(stem, words(), self._embed_words, self.fingerprint())
        self._table = table
        return len(table) if table is not None else 0

    def precompute(self, texts: list[str]) -> int:
        """Embed the passage vectors of ``texts`` not cached yet, a batch at a time; return how many."""
        return self._in_batches(self._passages.missing(texts), self.passage_vectors)

    def precompute_words(self, words: list[str]) -> int:
        """Query-side vectors of ``words`` not cached yet, a batch at a time; return how many."""
        return self._in_batches(self._words.missing(words), self.word_vectors)

    def _in_batches(self, missing: list[str], embed) -> int:
        for start in range(0, len(missing), self.PRECOMPUTE_BATCH):
            embed(missing[start : start + self.PRECOMPUTE_BATCH])
        return len(missing)

    def load(self, path: Path) -> int:
        """Make the vectors saved in ``path`` available. A missing, damaged or foreign file
        (another model, encoder or dimension) is ignored: the vectors are embedded again."""
        try:
            with np.load(path) as saved:
                keys, words = saved["keys"], saved["words"]
                fingerprint = str(saved["fingerprint"])
            # mapped, not read: a vector is read when a question (or a save) uses it, so a
            # server does not hold every sentence's vector in its own memory (50 MB at 10k chunks)
            vectors = _mapped_member(path, "vectors")
        except Exception:  # noqa: BLE001 - any unreadable file means "start without it"
            return 0
        if fingerprint != self.fingerprint() or len(keys) != len(vectors) or len(keys) != len(words):
            return 0
        for key, vector, word in zip(keys, vectors, words, strict=True):
            # numpy drops the trailing zero bytes of an "S20" value: a digest ending in one (1 in
            # 256) was never found again, so its text was embedded and the file rewritten each start
            (self._words if word else self._passages).stored[bytes(key).ljust(DIGEST_BYTES, b"\0")] = vector
        return len(keys)

    def save(self, path: Path) -> int:
        """Write every cached passage and word vector to ``path``; a temporary file renamed
        into place, so a killed save or two processes saving at once leave a whole file."""
        items = [(t, v, False) for t, v in list(self._passages.cached.items())]
        items += [(w, v, True) for w, v in list(self._words.cached.items())]
        if not items:
            return 0
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                np.savez(
                    out,
                    keys=np.array([_digest(t) for t, _, _ in items], dtype=f"S{DIGEST_BYTES}"),
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

    def query_vector(self, query: str) -> np.ndarray:
        if hasattr(self.embedder, "query_vector"):  # reuses the vector retrieval just computed
            return np.asarray(self.embedder.query_vector(query), dtype=np.float32)
        return np.asarray(self.embedder.embed_query(query), dtype=np.float32)


def _mapped_member(path: Path, name: str) -> np.ndarray:
    """The array ``name`` of an uncompressed ``.npz`` (what ``np.savez`` writes), memory-mapped
    (``np.load`` reads a member whole). A file replaced meanwhile stays mapped as it was."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name + ".npy")
    if info.compress_type != zipfile.ZIP_STORED:
        raise ValueError(f"{name} is compressed")
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)  # the member's local header: its name and extra field come next
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise ValueError(f"no local header for {name}")
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        member_start = info.header_offset + 30 + name_length + extra_length
        f.seek(member_start)
        version = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran_order, dtype = read_header(f)
        offset = f.tell()
    if offset - member_start + int(np.prod(shape)) * dtype.itemsize > info.compress_size:
        raise ValueError(f"{name} is shorter than its header says")
    mapped = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran_order else "C")
    if hasattr(mapped._mmap, "madvise"):  # rows are read one here, one there: no read-ahead around them
        mapped._mmap.madvise(mmap.MADV_RANDOM)
    return mapped


DIGEST_BYTES = 20  # sha1


def _digest(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).digest()
