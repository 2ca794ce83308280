"""Reading examples: a question, the sentences of its article, which of them hold the answer.

The unit is the sentence the product cites (``index.chunking``'s split, so training sees
exactly what serving scores), and the query is what the pipeline embeds: a follow-up carries
the turn before it (``app.qa.followup.condense``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.qa.followup import condense
from index.chunking import paragraphs, split_sentences
from index.dataset import EVAL_ARTICLES, Example, load_examples
from index.documents import load_file
from index.errors import InputError
from index.settings import PROJECT_ROOT

BUNDLED_ARTICLES = PROJECT_ROOT / "data" / "articles"
BUNDLED_ID = "china-rusia-pertahanan"  # the questions without an ``articles`` field are about it


@dataclass(frozen=True)
class ReadingExample:
    id: str
    group: str  # the article set: folds never split one
    query: str
    sentences: tuple[str, ...]
    positives: tuple[int, ...]  # sentences holding one of the evidence strings; empty if unanswerable
    answerable: bool


def article_sentences(text: str, body_start: int) -> list[str]:
    return [text[s.start : s.end] for p in paragraphs(text, body_start) for s in split_sentences(text, p.start, p.end)]


def _sentences_for(articles: tuple[str, ...], folders: tuple[Path, ...], cache: dict) -> list[str]:
    out = []
    for doc_id in articles:
        if doc_id not in cache:
            path = next((f / f"{doc_id}.txt" for f in folders if (f / f"{doc_id}.txt").is_file()), None)
            if path is None:
                raise InputError(f"article {doc_id!r} not found in {', '.join(map(str, folders))}")
            doc = load_file(path)
            cache[doc_id] = article_sentences(doc.text, doc.body_start)
        out.extend(cache[doc_id])
    return out


def reading_examples(paths: list[Path], folders: tuple[Path, ...] = (EVAL_ARTICLES, BUNDLED_ARTICLES),
                     bundled: tuple[str, ...] = (BUNDLED_ID,)) -> list[ReadingExample]:
    """Every question of ``paths`` (a question without ``articles`` is about the bundled
    article); answerable ones whose evidence no
    sentence holds (evidence across a sentence break) are left out, and counted by the caller
    from the difference."""
    cache: dict[str, list[str]] = {}
    out = []
    for path in paths:
        for ex in load_examples(path):
            articles = ex.articles or bundled
            if not articles:
                continue
            sentences = _sentences_for(articles, folders, cache)
            item = _example(ex, "+".join(articles), sentences)
            if item is not None:
                out.append(item)
    return out


def _example(ex: Example, group: str, sentences: list[str]) -> ReadingExample | None:
    evidence = [e.lower() for e in ex.evidence]
    positives = tuple(i for i, s in enumerate(sentences) if any(e in s.lower() for e in evidence))
    if ex.answerable and not positives:
        return None
    history = [tuple(t) for t in ex.history]
    return ReadingExample(ex.id, group, condense(ex.question, history), tuple(sentences),
                          positives if ex.answerable else (), ex.answerable)
