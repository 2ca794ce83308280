"""The offline answerer: picks the sentence(s) that answer, and for factoid questions the
date, figure, name or place inside them; never states anything its citations do not hold.

Refusal thresholds were calibrated on the dev set plus data/eval/calibration.jsonl
(top-sentence dense similarity: answerable questions 0.786-0.89, off-topic ones
0.731-0.793, so similarity alone cannot separate them; the named-entity check and the
"no candidate of the asked type" check do most of the work, the thresholds catch the rest).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import numpy as np

from app.prompts import render
from app.qa import factoid
from app.qa.citations import slot
from app.qa.evidence import ScoredSentence, lexical_overlap
from index.lexical import tokenize

DENSE_FLOOR = 0.77  # below this, with no shared word, nothing in the article is about the question
OTHER_DENSE = 0.80  # open questions (what/why) need a closer sentence or a shared word...
OTHER_LEXICAL = 0.2  # ...sharing at least a fifth of the question's informative words
TYPED_MARGIN = 0.10  # a typed answer may come from a sentence this far below the best one
SECOND_SENTENCE_MARGIN = 0.01  # open questions also cite a runner-up this close to the best
CANDIDATE_BONUS = 0.03  # a place after "di"/"in", a person with a title
CONTEXT_LEXICAL = 0.1  # the question's own words around a candidate ("nilai" before a figure)
TYPED_SENTENCES = 3  # typed answers look in this many closest sentences (plus the best chunks)


@dataclass
class Draft:
    """An answer before numbering: ``text`` holds ``slot(i)`` where ``cited[i]`` is cited."""

    answerable: bool
    text: str
    cited: list = field(default_factory=list)  # Sentence objects, in marker order
    related: list = field(default_factory=list)
    reason: str = ""


class ExtractiveAnswerer:
    def __init__(self, scorer):
        self.scorer = scorer

    def answer(
        self,
        question: str,
        query: str,
        lang: str,
        scored: list[ScoredSentence],
        query_vec: np.ndarray,
        missing_names: list[str],
        ordinary_words: frozenset[str],
        kind: str | None = None,
        subject: tuple[str, str] | None = None,
        top_chunks: tuple[int, ...] = (1,),
    ) -> Draft:
        """``subject``: for a follow-up that says "he"/"dia", the previous (question, answer),
        whose person is who the pronoun means and therefore not the answer. ``top_chunks``:
        retrieval ranks of the chunks that scored nearly as well as the best one."""
        related = [s.sentence for s in scored[:2]]
        if not scored:
            return self._refuse(lang, related, "nothing retrieved")
        if missing_names:
            return self._refuse(lang, related, f"not in the article: {', '.join(missing_names)}")
        top = scored[0]
        if top.dense < DENSE_FLOOR and top.lexical == 0:
            return self._refuse(lang, related, f"best sentence similarity {top.dense:.3f} < {DENSE_FLOOR}")
        kind = kind or factoid.question_type(question)
        if kind == factoid.OTHER:
            if top.dense < OTHER_DENSE and top.lexical < OTHER_LEXICAL:
                return self._refuse(lang, related, "open question without a close sentence")
            return self._open_answer(lang, scored)
        return self._typed_answer(
            question, query, lang, kind, scored, query_vec, ordinary_words, related, subject, top_chunks
        )

    def _typed_answer(
        self, question, query, lang, kind, scored, query_vec, vocab, related, subject=None, top_chunks=(1,)
    ) -> Draft:
        """Candidates of the asked type from the sentences close to the best one; the winner
        maximises sentence score + similarity of its own context to the question."""
        pool = []  # (sentence, candidate, context)
        offices = factoid.offices_asked(question) if kind == factoid.PERSON else []
        identity = kind == factoid.PERSON and _asks_identity(question)
        count = kind == factoid.NUMBER and factoid.asks_count(question)
        for rank, s in enumerate(scored):
            if s.score < scored[0].score - TYPED_MARGIN:
                break
            # the closest sentences, plus every sentence of the best retrieved chunks
            if rank >= TYPED_SENTENCES and s.sentence.chunk_rank not in top_chunks:
                continue
            cands = factoid.candidates(s.sentence.text, kind, vocab)
            for i, original in enumerate(cands):
                if count and not factoid.is_count(original.text):
                    continue  # "how many soldiers" is not answered by "3,5%" or "USD 168 miliar"
                if offices and not factoid.holds_office(original.text, offices):
                    continue  # "the president" is not whichever general the article names
                c = original if identity and _describes(original, question) else _without_asked_words(
                    original, question, kind
                )
                if c is None or (subject and _is_subject(c.text, subject)):
                    continue
                descriptors = original.text[: c.start - original.start]  # "Menteri Pertahanan Rusia"
                pool.append((s, c, f"{_context(s.sentence.text, cands, i, kind)} {descriptors}".strip()))
        if not pool:
            return self._refuse(lang, related, f"no {kind} in the closest sentences")
        sims = self.scorer.passage_vectors([ctx for _, _, ctx in pool]) @ query_vec
        totals = [
            sim
            + s.score
            + CANDIDATE_BONUS * _cue(kind, s.sentence.text, c)
            - CANDIDATE_BONUS * _bare_name(kind, c)
            + CANDIDATE_BONUS * _same_unit(question, c.text)
            + CONTEXT_LEXICAL * lexical_overlap(query, ctx)
            for (s, c, ctx), sim in zip(pool, sims, strict=True)
        ]
        sentence, choice, _ = pool[int(np.argmax(totals))]
        answer = factoid.render(choice.text, lang)
        return Draft(True, render("factoid", lang, answer=answer, marker=slot(0)), [sentence.sentence], related)

    def _open_answer(self, lang: str, scored: list[ScoredSentence]) -> Draft:
        top = scored[0]
        cited = [top.sentence]
        # "In this agreement, ..." right after the best sentence spells out what it introduced
        follower = next((s.sentence for s in scored if _continues(s.sentence, top.sentence)), None)
        if follower:
            cited.append(follower)
        else:  # or a runner-up nearly as close: both may hold half of the answer
            runner = next((s for s in scored[1:] if s.sentence.doc_id == top.sentence.doc_id), None)
            if runner and runner.score >= top.score - SECOND_SENTENCE_MARGIN:
                cited.append(runner.sentence)
        parts = [render("according", lang, quote=s.text, marker=slot(i)) for i, s in enumerate(cited)]
        return Draft(True, " ".join(parts), cited, [])

    def _refuse(self, lang: str, related, reason: str) -> Draft:
        return Draft(False, render("refusal", lang), [], list(related), reason)


_BACK_REFERENCE = re.compile(r"^\W*(?:\w+\W+){0,3}?(ini|itu|tersebut|this|that|these|those|it)\b", re.IGNORECASE)


def _continues(candidate, top) -> bool:
    """``candidate`` directly follows ``top`` in its paragraph and refers back to it."""
    return (
        candidate.doc_id == top.doc_id
        and candidate.paragraph == top.paragraph
        and 0 <= candidate.start - top.end <= 2
        and bool(_BACK_REFERENCE.match(candidate.text))
    )


def _asked(word: str, asked: list[str]) -> bool:
    """Same word, or a cognate across the two languages (Russian/Rusia: same start, close spelling)."""
    word = word.lower().strip("().,")
    return any(
        w == word or (w[:3] == word[:3] and difflib.SequenceMatcher(None, w, word).ratio() >= 0.8) for w in asked
    )


def _is_subject(candidate: str, subject: tuple[str, str]) -> bool:
    """Is ``candidate`` who "he"/"dia" refers to: named in the previous question, or the
    previous answer's name itself ("Beijing China" → not "China")?"""
    question, answer = subject
    asked = [w for w in tokenize(question) if len(w) >= 3]
    if any(_asked(w, asked) for w in candidate.split() if len(w.strip("().,")) >= 3):
        return True
    head = candidate.split()[-1] if candidate.split() else ""
    return _asked(head, [w for w in tokenize(answer) if len(w) >= 3])


def _without_asked_words(c, question: str, kind: str):
    """Drop what the question already names: the thing asked about is not the answer.

    A name whose last word (the head: "Andrei Belousov") is in the question is the
    subject, so it goes; descriptors the question repeats ("Menteri Pertahanan Rusia")
    are trimmed from the front, leaving the name that answers ("Andrei Belousov").
    """
    if kind not in (factoid.PERSON, factoid.PLACE):
        return c
    asked = [w for w in tokenize(question) if len(w) >= 3]
    words = list(re.finditer(r"\S+", c.text))
    if not asked or not words:
        return c
    if _asked(words[-1].group(), asked):
        return None
    last_asked = max((i for i, w in enumerate(words) if _asked(w.group(), asked)), default=-1)
    if last_asked < 0:
        return c
    rest = words[last_asked + 1 :]
    while rest and rest[0].group().startswith("("):  # a dangling "(Menhan)"
        rest = rest[1:]
    removed = c.text[: rest[0].start()] if rest else c.text
    if not rest or (len(rest) == 1 and not any(w.strip("().").lower() in factoid.TITLES for w in removed.split())):
        return None  # "Beijing China" minus "Beijing" is not a name that answers anything
    start = rest[0].start()
    return factoid.Candidate(c.kind, c.start + start, c.end, c.text[start:])


_IDENTITY = re.compile(r"^\s*(who (is|was|are|were)|siapa(kah)?( itu)?)\b", re.IGNORECASE)


def _asks_identity(question: str) -> bool:
    """ "Who is Zhang Youxia?" asks for a description of a name the question gives (and nothing else)."""
    if not _IDENTITY.match(question):
        return False
    rest = re.sub(r"^\s*(the|itu|adalah|sebenarnya)\b", "", _IDENTITY.sub("", question)).strip(" ?!.")
    words = rest.split()
    return 0 < len(words) <= 4 and all(w[0].isupper() for w in words)


def _describes(c, question: str) -> bool:
    """The candidate is the asked name with words that describe it ("Jenderal ... Zhang Youxia")."""
    words = c.text.split()
    asked = [w for w in tokenize(question) if len(w) >= 3]
    return len(words) > 2 and _asked(words[-1], asked) and not all(_asked(w, asked) for w in words)


_UNITS = [
    re.compile(r"%|\bpersen|\bpercent", re.IGNORECASE),
    re.compile(r"\b(usd|us\$|dollars?|dolar|yuan|rmb|rupiah|rp|euro|nilai|value|worth)\b|\$", re.IGNORECASE),
]


def _same_unit(question: str, candidate: str) -> bool:
    """ "Berapa persen ..." wants the figure with a % sign; "how much was it worth" the money."""
    return any(unit.search(question) and unit.search(candidate) for unit in _UNITS)


def _bare_name(kind: str, c) -> bool:
    """A one-word name without a title ("China") answers "who" less often than a titled person."""
    return kind == factoid.PERSON and len(c.text.split()) == 1 and not factoid.has_title(c)


def _cue(kind: str, sentence: str, c) -> bool:
    return (kind == factoid.PLACE and factoid.place_cue(sentence, c)) or (
        kind == factoid.PERSON and factoid.has_title(c)
    )


# "di Laut Jepang pada 21 September 2024 dan di Samudra Arktik": what came before "dan"
# belongs to the previous name.
_NAME_CLAUSE = r"[,;:()]|\s(?:dan|and|serta|as well as)\s"


def _context(sentence: str, cands, i: int, kind: str) -> str:
    """What candidate ``i`` is about: the few words just before it, in its own clause.

    In both languages the predicate a date, figure or name belongs to comes right before
    it ("di Samudra Arktik pada 3 Oktober 2024", "meningkat sebesar 3,5%", "bertemu
    dengan ... Zhang Youxia"). The candidate itself is left out: its embedding would
    dominate the comparison (every figure looks alike to the model).
    """
    names = kind in (factoid.PERSON, factoid.PLACE)
    words = 5 if names else 3  # "latihan perang di perairan sekitar"
    c = cands[i]
    floor = cands[i - 1].end if i > 0 else 0
    clause = _NAME_CLAUSE if names else r"[,;:()]"
    left = re.split(clause, sentence[floor : c.start])[-1]
    context = " ".join(left.split()[-words:])
    if names:  # a name is often the subject of what follows: "Amerika Serikat yang menuduh"
        ceiling = cands[i + 1].start if i + 1 < len(cands) else len(sentence)
        right = re.split(clause, sentence[c.end : ceiling])[0]
        context = f"{context} {' '.join(right.split()[:3])}".strip()
    return context or sentence[c.start : c.end]
