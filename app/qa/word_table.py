"""Query-side vectors of the two languages' most frequent words, embedded once per model.

The answerer matches a question's words against its library's words by meaning (an English
question about an Indonesian article: "ships" → "kapal"). A question word the library lacks
had to be embedded while the user waited; such words are mostly common ones, so their vectors
are kept in a table next to the model, built once (in the warm-up) and read memory-mapped:
a question touches only the rows of its own words.

Two files: ``<stem>.npy`` (float32 rows) and ``<stem>.json`` (the words, in row order, and
the fingerprint of the model that embedded them), each written to a temporary name and
renamed into place, the JSON last: a killed build leaves no table, and a table of another
model (or a broken one) is ignored and built again.
"""

from __future__ import annotations

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
        meta = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        vectors = np.load(stem.with_suffix(".npy"), mmap_mode="r")
        words = list(meta["words"])
    except Exception:  # noqa: BLE001 - any unreadable table means "build it again"
        return None
    if meta.get("fingerprint") != fingerprint or vectors.ndim != 2 or len(vectors) != len(words):
        return None
    return WordTable(words, vectors)


def build(stem: Path, words: list[str], embed: Callable[[list[str]], np.ndarray], fingerprint: str) -> WordTable:
    """Embed ``words`` a batch at a time straight into the file (the process never holds the
    whole table), then publish it and return it memory-mapped."""
    if not words:
        raise ValueError("a word table needs words")
    stem.parent.mkdir(parents=True, exist_ok=True)
    vectors_tmp = _temporary(stem, ".npy")
    meta_tmp = _temporary(stem, ".json")
    try:
        with open(vectors_tmp, "wb") as out:
            header_written = False
            for start in range(0, len(words), BUILD_BATCH):
                batch = np.asarray(embed(words[start : start + BUILD_BATCH]), dtype="<f4")
                if not header_written:
                    header = {"descr": "<f4", "fortran_order": False, "shape": (len(words), batch.shape[1])}
                    np.lib.format.write_array_header_1_0(out, header)
                    header_written = True
                out.write(np.ascontiguousarray(batch).tobytes())
            out.flush()
            os.fsync(out.fileno())
        meta_tmp.write_text(json.dumps({"fingerprint": fingerprint, "words": words}), encoding="utf-8")
        os.replace(vectors_tmp, stem.with_suffix(".npy"))
        os.replace(meta_tmp, stem.with_suffix(".json"))  # last: it names the vectors as complete
    finally:
        for tmp in (vectors_tmp, meta_tmp):
            if tmp.exists():
                tmp.unlink()
    table = load(stem, fingerprint)
    if table is None:
        raise OSError(f"the word table written to {stem} cannot be read back")
    return table


def _temporary(stem: Path, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=stem.name, suffix=suffix + ".tmp", dir=stem.parent)
    os.close(fd)
    return Path(name)
