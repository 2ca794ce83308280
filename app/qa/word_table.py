"""Query-side vectors of the two languages' most frequent words, embedded once per model.

The answerer matches a question's words against its library's words by meaning (an English
question about an Indonesian article: "ships" → "kapal"). A question word the library lacks
had to be embedded while the user waited; such words are mostly common ones, so their vectors
are kept in a table next to the model, built once (in the warm-up) and read memory-mapped:
a question touches only the rows of its own words.

Files beside ``<stem>``: ``<stem>.json`` names the words (in row order), the fingerprint of
the model that embedded them and the vectors file, ``<stem>.<digest>.npy``, named by a digest
of the words and the fingerprint. The JSON is written last, to a temporary name renamed into
place, so it only ever names a complete vectors file of its own words; a table of another model
(or a broken one) is ignored and built again. One process builds at a time (a lock file): a
second waits, then reads the first one's table; a build killed midway leaves temporary files
that the next build removes.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from app.qa.language import LANGUAGES
from index.lexical import STOPWORDS

# Words per language, from wordfreq's lists. Chosen on the tune questions asked of the bench
# library (`python -m app bench`'s corpus): of the question words that had to be embedded,
# the most frequent 5,000 / 10,000 / 20,000 / 30,000 words of each language held
# 0.64 / 0.79 / 0.87 / 0.90; 20,000 (33,964 words kept, about a minute to build on two
# cores, 52 MB on disk) is where more words stopped paying.
COMMON_WORDS = 20_000
BUILD_BATCH = 256  # words per encoder call while building


def common_words(per_language: int = COMMON_WORDS) -> list[str]:
    """The most frequent content words of both languages: alphabetic, three letters or more,
    not stopwords (those a question's soft matching can ask for)."""
    from wordfreq import top_n_list

    words = dict.fromkeys(w for lang in LANGUAGES for w in top_n_list(lang, per_language, wordlist="small"))
    return [w for w in words if w.isalpha() and len(w) >= 3 and w not in STOPWORDS]


class WordTable:
    def __init__(self, words: list[str], vectors: np.ndarray):
        self.row = {w: i for i, w in enumerate(words)}
        self.vectors = vectors  # memory-mapped: only the rows looked up are read

    def __len__(self) -> int:
        return len(self.row)

    def __contains__(self, word: str) -> bool:
        return word in self.row

    def rows(self, words: list[str]) -> np.ndarray:
        return np.array(self.vectors[[self.row[w] for w in words]], dtype=np.float32)


def load(stem: Path, fingerprint: str) -> WordTable | None:
    """The table saved at ``stem``, or None when it is missing, broken or of another model."""
    try:
        meta = json.loads(_file(stem, ".json").read_text(encoding="utf-8"))
        words = list(meta["words"])
        name = str(meta["vectors"])
        if meta.get("fingerprint") != fingerprint or name != _vectors_name(stem, words, fingerprint):
            return None
        vectors = np.load(stem.parent / name, mmap_mode="r")
    except Exception:  # noqa: BLE001 - any unreadable table means "build it again"
        return None
    if vectors.ndim != 2 or len(vectors) != len(words):
        return None
    return WordTable(words, vectors)


def build(stem: Path, words: list[str], embed: Callable[[list[str]], np.ndarray], fingerprint: str) -> WordTable:
    """Embed ``words`` a batch at a time straight into the file (the process never holds the
    whole table), then publish it and return it memory-mapped. A table another process has
    built meanwhile is read instead."""
    if not words:
        raise ValueError("a word table needs words")
    stem.parent.mkdir(parents=True, exist_ok=True)
    with open(_file(stem, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process building: wait, then use its table
        table = load(stem, fingerprint)
        if table is not None:
            return table
        for leftover in stem.parent.glob(glob.escape(stem.name) + ".*"):  # killed builds, replaced tables
            if leftover.suffix in (".tmp", ".npy"):
                leftover.unlink(missing_ok=True)
        name = _vectors_name(stem, words, fingerprint)
        _write_vectors(stem.parent / name, words, embed)
        meta = _temporary(stem, ".json")
        meta.write_text(json.dumps({"fingerprint": fingerprint, "vectors": name, "words": words}), encoding="utf-8")
        os.replace(meta, _file(stem, ".json"))  # the table exists from here on
    table = load(stem, fingerprint)
    if table is None:
        raise OSError(f"the word table written beside {stem} cannot be read back")
    return table


def _write_vectors(path: Path, words: list[str], embed) -> None:
    tmp = _temporary(path, "")
    try:
        with open(tmp, "wb") as out:
            for start in range(0, len(words), BUILD_BATCH):
                batch = np.asarray(embed(words[start : start + BUILD_BATCH]), dtype="<f4")
                if start == 0:
                    header = {"descr": "<f4", "fortran_order": False, "shape": (len(words), batch.shape[1])}
                    np.lib.format.write_array_header_1_0(out, header)
                out.write(np.ascontiguousarray(batch).tobytes())
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _vectors_name(stem: Path, words: list[str], fingerprint: str) -> str:
    digest = hashlib.sha256(json.dumps([fingerprint, words]).encode("utf-8")).hexdigest()[:16]
    return f"{stem.name}.{digest}.npy"


def _file(stem: Path, suffix: str) -> Path:
    """``stem`` + ``suffix`` (not ``with_suffix``: a model's name may hold dots)."""
    return stem.parent / (stem.name + suffix)


def _temporary(near: Path, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=near.name + ".", suffix=suffix + ".tmp", dir=near.parent)
    os.close(fd)
    return Path(name)
