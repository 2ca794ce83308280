"""Lexical side of retrieval: a tokenizer for Indonesian/English news text and BM25 over chunks."""

from __future__ import annotations

import re
from collections import Counter

import bm25s
import numpy as np

# Function words of both languages: they match everywhere and only add noise.
STOPWORDS = frozenset(
    """
    a an the of in on at to for from by with and or but is are was were be been being it its this that
    these those what which who whom whose when where why how did do does done has have had will would
    can could should may might about into over after before since than then there their they them he
    she his her him we our you your i me my not no yes as so if also just only very much many more
    yang dan di ke dari pada untuk dengan atau ini itu adalah ialah akan telah sudah sedang oleh dalam
    apa siapa kapan mana dimana bagaimana mengapa kenapa berapa apakah tersebut para sebuah seorang
    juga saja hanya lebih antara bahwa karena sebagai secara tidak bukan ada kami kita mereka dia ia
    nya pun lah kah tentang bagi hingga sampai saat se kalau jika lalu terus kemudian namun tetapi
    """.split()
)

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Lower-cased words and numbers; "3,5" and "3.5" become the same token "3_5"."""
    tokens = []
    for raw in _TOKEN.findall(text.lower()):
        if raw[0].isdigit():
            tokens.append(re.sub(r"[.,]", "_", raw))
            continue
        for part in raw.split("-") if "-" in raw else [raw]:  # "ke-75" → "ke", "75" handled above
            if part not in STOPWORDS and len(part) > 1:
                tokens.append(part)
        if "-" in raw and raw not in STOPWORDS:
            tokens.append(raw)
    return tokens


class BM25Index:
    """BM25 (Lucene variant, via ``bm25s``) over a fixed list of texts.

    Query terms found in more than half of the texts (with at least 4 texts) are
    ignored: in one article "China" or "Rusia" occur in every chunk, and letting them
    vote would make lexical ranking noise that drowns the dense ranking in the fusion.
    """

    COMMON_SHARE = 0.5

    def __init__(self, texts: list[str]):
        self.size = len(texts)
        self._model = bm25s.BM25()
        self._df: Counter[str] = Counter()
        if texts:
            corpus = [tokenize(t) or [""] for t in texts]
            self._df = Counter(term for doc in corpus for term in set(doc))
            self._model.index(corpus, show_progress=False)

    def informative(self, term: str) -> bool:
        df = self._df.get(term, 0)
        return df > 0 and (self.size < 4 or df <= self.COMMON_SHARE * self.size)

    def scores(self, query: str) -> np.ndarray:
        tokens = tokenize(query)
        if not self.size or not tokens:
            return np.zeros(self.size, dtype=np.float32)
        known = [t for t in tokens if self.informative(t)]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)


_SUFFIXES = ("nya", "lah", "kah", "kan", "an", "i")
_PREFIXES = ("meng", "meny", "peng", "peny", "mem", "men", "pem", "pen", "ber", "ter", "per", "di", "ke", "se", "me",
             "pe", "be")


def stem(word: str) -> str:
    """A light Indonesian stemmer (affixes only): "ditemui", "bertemu" → "temu".

    Good enough to match word forms in overlap scores; it is not a dictionary stemmer,
    so English words pass through mostly unchanged and a few roots are over-cut.
    """
    w = word.lower()
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: -len(suffix)]
            break
    for prefix in _PREFIXES:
        if w.startswith(prefix) and len(w) - len(prefix) >= 4:
            return w[len(prefix) :]
    return w


def same_root(a: str, b: str) -> bool:
    """Stems equal, or equal but for a first consonant dropped by a nasal prefix (tuduh/menuduh)."""
    sa, sb = stem(a), stem(b)
    return sa == sb or (min(len(sa), len(sb)) >= 4 and (sa[1:] == sb or sb[1:] == sa))


def cognate(a: str, b: str) -> bool:
    """Spellings of one name or loanword across the two languages: Russia/Rusia,
    Ukraine/Ukraina, Arctic/Arktik (same first letters, close spelling)."""
    import difflib

    a, b = a.lower(), b.lower()
    if a == b:
        return True
    if min(len(a), len(b)) < 4 or a[:2] != b[:2]:
        return False
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8
