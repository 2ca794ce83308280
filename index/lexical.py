"""Lexical side of retrieval: a tokenizer for Indonesian/English news text and BM25 over chunks."""

from __future__ import annotations

import re
import threading
from collections import Counter
from functools import lru_cache

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
    apakah siapakah kapankah berapakah manakah dimanakah bagaimanakah mengapakah
    """.split()
)
# Chat spellings of Indonesian function words ("brp", "yg"): the common short forms of the
# language, not of any article.
CHAT_WORDS = {
    "yg": "yang", "brp": "berapa", "dgn": "dengan", "utk": "untuk", "tdk": "tidak", "gak": "tidak",
    "ga": "tidak", "nggak": "tidak", "krn": "karena", "sm": "sama", "thn": "tahun", "bln": "bulan",
    "org": "orang", "kpn": "kapan", "dmn": "dimana", "knp": "kenapa", "gimana": "bagaimana", "sy": "saya",
}

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Lower-cased words and numbers; "3,5" and "3.5" become the same token "3_5"."""
    tokens = []
    for raw in _TOKEN.findall(text.lower()):
        raw = CHAT_WORDS.get(raw, raw)
        if raw[0].isdigit():
            tokens.append(re.sub(r"[.,]", "_", raw))
            continue
        for part in raw.split("-") if "-" in raw else [raw]:  # "ke-75" → "ke", "75" handled above
            if part not in STOPWORDS and len(part) > 1:
                tokens.append(part)
        if "-" in raw and raw not in STOPWORDS:
            tokens.append(raw)
    return tokens


def terms(text: str) -> list[str]:
    """Tokens reduced to their stems: what BM25 indexes and matches."""
    return [stem(t) for t in tokenize(text)]


class BM25Index:
    """BM25 (Lucene variant, via ``bm25s``) over a fixed list of texts.

    Query terms found in more than half of the texts (with at least 4 texts) are
    ignored: in one article "China" or "Rusia" occur in every chunk, and letting them
    vote would make lexical ranking noise that drowns the dense ranking in the fusion.
    """

    COMMON_SHARE = 0.5

    def __init__(self, texts: list[str]):
        self.size = len(texts)
        self._texts: list[str] | None = list(texts)
        self._model = bm25s.BM25()
        self._df: Counter[str] = Counter()
        self._lock = threading.Lock()

    def build(self) -> BM25Index:
        """Stem and index the texts, once (the first call does it, later calls return at once).
        Left out of the constructor so a server can show its page before its library is
        stemmed (10,000 chunks: 2 s); writers call it before publishing a snapshot."""
        if self._texts is None:
            return self
        with self._lock:
            if self._texts is not None:
                if self._texts:
                    corpus = [terms(t) or [""] for t in self._texts]
                    self._df = Counter(term for doc in corpus for term in set(doc))
                    self._model.index(corpus, show_progress=False)
                self._texts = None
        return self

    @property
    def built(self) -> bool:
        return self._texts is None

    def informative(self, term: str) -> bool:
        self.build()
        df = self._df.get(term, 0)
        return df > 0 and (self.size < 4 or df <= self.COMMON_SHARE * self.size)

    def scores(self, query: str) -> np.ndarray:
        tokens = terms(query)
        if not self.size or not tokens:
            return np.zeros(self.size, dtype=np.float32)
        known = [t for t in tokens if self.informative(t)]  # builds the index on first use
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The root of a word: Sastrawi's dictionary stemmer for Indonesian ("ditemui",
    "pertemuan" → "temu"; it only strips affixes when a known root remains, so English
    words pass through), then the Snowball English stemmer for what Sastrawi left alone
    ("officials" → "offici"). Shared by BM25 and the answer layer's word matching."""
    w = word.lower()
    if not w.isalpha():
        return w
    root = _sastrawi().stem(w)
    if root and root != w:
        return root
    return _english().stemWord(w)


@lru_cache(maxsize=1)
def _sastrawi():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=1)
def _english():
    import Stemmer

    return Stemmer.Stemmer("english")


def same_root(a: str, b: str) -> bool:
    """Same stem (Indonesian or English): "ditemui"/"bertemu", "officials"/"official"."""
    return stem(a) == stem(b)


def cognate(a: str, b: str) -> bool:
    """Spellings of one name or loanword across the two languages, and typos:
    Russia/Rusia, Ukraine/Ukraina, valuation/valutaion (same first letters, close spelling)."""
    from rapidfuzz.fuzz import ratio

    a, b = a.lower(), b.lower()
    if a == b:
        return True
    if min(len(a), len(b)) < 4 or a[:2] != b[:2]:
        return False
    return ratio(a, b) >= COGNATE_RATIO


# Russia/Rusia 90.9, Ukraine/Ukraina 85.7, Arctic/Arktik 66.7 (left to the dense model),
# valuation/valutaion 88.9; unrelated words with a shared start ("kebijakan"/"kebakaran") 66.7.
COGNATE_RATIO = 80
