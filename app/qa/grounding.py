"""Does the question name something the article never mentions ("France", "Apple")?

Names are runs of capitalised words ("Sea of Japan", "United States"). A question name
is grounded when the article has it (exactly or nearly: "Russia"/"Rusia"), or when the
multilingual model puts it next to one of the article's names ("Arctic"/"Arktik").
"""

from __future__ import annotations

import difflib
import re

import numpy as np
from rapidfuzz import fuzz, process

from index.lexical import STOPWORDS

# Calibrated on names of the bundled article against 30 English names (see
# tests/test_grounding.py): translations of article names scored 0.873-0.945
# (Chinese/China lowest), names absent from the article 0.823-0.863 (India highest).
ENTITY_SIMILARITY = 0.868
FUZZY_RATIO = 0.8  # spelling variants across languages: Ukraine/Ukraina 0.86, Russian/Rusia 0.83

_RUN = re.compile(r"[A-Z][\w'’-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w'’-]*)*")
QUESTION_WORDS = frozenset("kapan siapa berapa apa dimana mana bagaimana mengapa kenapa manakah".split())


def name_runs(text: str, skip_first: bool = False) -> list[str]:
    runs = []
    for m in _RUN.finditer(text):
        run = m.group()
        if skip_first and m.start() == len(text) - len(text.lstrip()):
            first, _, rest = run.partition(" ")
            if first.lower() in STOPWORDS or first.lower() in QUESTION_WORDS:
                run = rest
        run = run.strip()
        if run and run.lower() not in STOPWORDS and run.lower() not in QUESTION_WORDS:
            runs.append(run)
    return runs


class Grounding:
    def __init__(self, scorer, texts: list[str]):
        from index.lexical import tokenize

        self.scorer = scorer
        self.vocabulary = {t for text in texts for t in tokenize(text)}
        names: set[str] = set()
        for text in texts:
            for run in name_runs(text):
                names.add(run)
                names.update(w for w in re.split(r"[\s-]+", run) if len(w) > 1)
        self.names = sorted(names)
        self._lower_names = [n.lower() for n in self.names]
        self.words = {w.lower() for n in self.names for w in re.split(r"[\s-]+", n)}
        self._vectors = scorer.passage_vectors(self.names) if self.names else None

    def missing_names(self, question: str) -> list[str]:
        runs = [r for r in name_runs(question, skip_first=True) if not self._known_words(r)]
        if not runs or self._vectors is None:
            return runs
        out = []
        for run in runs:
            if self._fuzzy(run):
                continue
            similarity = float(np.max(self._vectors @ self.scorer.query_vector(run)))
            if similarity < ENTITY_SIMILARITY:
                out.append(run)
        return out

    def _known_words(self, run: str) -> bool:
        words = [w.lower() for w in re.split(r"[\s-]+", run) if w.lower() not in ("of", "the")]
        return all(w in self.words or w in self.vocabulary for w in words)

    def _fuzzy(self, run: str) -> bool:
        """A spelling variant of one of the article's names (difflib's ratio). rapidfuzz's
        ratio (longest common subsequence) is never below difflib's, so it picks the few
        names worth the slow, exact check without changing the result."""
        low = run.lower()
        near = process.extract(low, self._lower_names, scorer=fuzz.ratio, score_cutoff=FUZZY_RATIO * 100 - 1e-6,
                               limit=None)
        return any(difflib.SequenceMatcher(None, low, name).ratio() >= FUZZY_RATIO for name, _, _ in near)
