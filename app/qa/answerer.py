"""The offline answerer: reads the evidence, decides, and writes an evidence-first reply.

Three learned models (``app/qa/model.py``) do the deciding, each over a few named,
explainable features:

1. *sentence*: does this retrieved sentence hold the answer? (similarity to the
   question, shared words, a span of the asked type, retrieval rank, …)
2. *candidate*: is this date / figure / name the answer? (its own context's similarity
   to the question, question words near it, unit and entity cues, already named in the
   question, …)
3. *answerable*: does the article answer the question at all? (best sentence and
   candidate probabilities, question words the article never uses, names it never
   mentions, …)

The reply is built on the best sentence: a short answer leads when the candidate model
is confident enough (threshold chosen on the tune split); otherwise the sentence is
quoted once, with the likely answer span in bold. Below the answerable threshold the
reply is a refusal and the closest sentences are offered as related, not as support.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np

from app.prompts import render
from app.qa import question as q
from app.qa import spans
from app.qa.citations import slot
from app.qa.evidence import Sentence
from app.qa.model import Models
from index.lexical import STOPWORDS, cognate, stem, tokenize

NEAR_WORDS = 8  # a question word this many words from a candidate counts as near it
CANDIDATE_SENTENCES = 4  # candidates are read from this many best sentences
SECOND_MAX_WORDS = 60  # a second quoted sentence only when the reply stays short


@dataclass(frozen=True)
class Corpus:
    """What the answerer knows about the library as a whole (rebuilt when it changes)."""

    sources: dict[str, str]
    vocab: frozenset[str]  # words the articles write in lower case (not names)
    years: dict[str, int | None]  # each article's year, for "(7/1)" dates
    stems: frozenset[str]  # every word stem in the articles
    words: frozenset[str]  # every word in the articles
    df: Counter  # sentence frequency of each stem
    sentences: int
    grounding: object  # app.qa.grounding.Grounding
    all_sentences: tuple = ()  # every sentence of the library, in document order
    language: str = ""  # the articles' main language
    vocabulary: tuple = ()  # content words of the library, for soft (cross-lingual) matching
    vocabulary_vectors: np.ndarray | None = None  # their passage-side vectors
    vocabulary_index: dict | None = None
    positions: dict = field(default_factory=dict)  # (doc_id, start) → index in all_sentences

    def following(self, sentence: Sentence) -> Sentence | None:
        """The next sentence of the same paragraph."""
        return self._neighbour(sentence, 1)

    def preceding(self, sentence: Sentence) -> Sentence | None:
        return self._neighbour(sentence, -1)

    def _neighbour(self, sentence: Sentence, step: int) -> Sentence | None:
        i = self.positions.get((sentence.doc_id, sentence.start))
        if i is None or not 0 <= i + step < len(self.all_sentences):
            return None
        other = self.all_sentences[i + step]
        return other if other.doc_id == sentence.doc_id and other.paragraph == sentence.paragraph else None

    def idf(self, term_stem: str) -> float:
        return math.log((1 + self.sentences) / (1 + self.df.get(term_stem, 0))) + 1.0

    @cached_property
    def words_by_start(self) -> dict[str, tuple[str, ...]]:
        """The library's words by their first two letters: a cognate shares them, so a
        question word is compared with a few hundred words, not the whole library."""
        groups: dict[str, list[str]] = {}
        for w in self.words:
            groups.setdefault(w[:2], []).append(w)
        return {start: tuple(ws) for start, ws in groups.items()}

    @cached_property
    def parenthesized(self) -> dict[str, tuple[Sentence, ...]]:
        """What each sentence writes in parentheses, upper-cased → the sentences, in library
        order: "(BMKG)" finds the sentences that spell out an acronym without a library scan."""
        found: dict[str, list[Sentence]] = {}
        for s in self.all_sentences:
            for inside in dict.fromkeys(m.upper() for m in _PARENTHESIZED.findall(s.text)):
                found.setdefault(inside, []).append(s)
        return {inside: tuple(ss) for inside, ss in found.items()}


@dataclass
class Ranked:
    sentence: Sentence
    dense: float
    features: dict
    prob: float = 0.0
    score: float = 0.0


@dataclass
class Candidate:
    ranked: Ranked
    span: spans.Span  # offsets inside the sentence
    lang: str  # the asker's language
    year: int | None  # the article's year, for dates written without one
    features: dict
    prob: float = 0.0  # share of the question's candidates (softmax)
    score: float = 0.0  # the model's linear score: how good it is on its own

    _text: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def text(self) -> str:
        """The span rendered in the asker's language; rendered on first use, as most
        candidates are never shown (a date goes through dateparser). Not a cached_property:
        on Python 3.11 that holds one lock for every instance, so questions would queue."""
        if self._text is None:
            self._text = spans.render(self.span, self.lang, self.year)
        return self._text


@dataclass
class Reading:
    question: q.Question
    kind: str
    sentences: list[Ranked]
    candidates: list[Candidate]
    features: dict
    answerable_prob: float = 0.0


@dataclass
class Draft:
    """An answer before numbering: ``text`` holds ``slot(i)`` where ``cited[i]`` is cited."""

    answerable: bool
    text: str
    cited: list = field(default_factory=list)  # Sentence objects, in marker order
    related: list = field(default_factory=list)
    reason: str = ""
    short: tuple | None = None  # (text, sentence, span, confidence)
    confidence: float = 0.0


class Answerer:
    def __init__(self, scorer, models: Models, reader=None):
        self.scorer = scorer
        self.models = models
        self.reader = reader  # app.qa.reader.serve.Reader; None only with fake embedders (unit tests)

    @property
    def uses_reader(self) -> bool:
        """The reader runs when the fitted models read its scores (weights.json names them), and
        while they are being fitted (no sentence model yet: python -m app.qa.train)."""
        sentence = self.models.sentence
        return self.reader is not None and (sentence is None or any(
            n.startswith("reader") for m in (sentence, self.models.answerable) if m for n in m.names))

    # -- reading ---------------------------------------------------------------------
    def read(self, question: q.Question, kind: str, query: str, query_vec, sentences: list[Sentence],
             corpus: Corpus, lang: str) -> Reading:
        query_terms = _terms(query)
        similarities = _WordSimilarities(  # every word a soft feature asks about, against the library's, once
            self.scorer, query_terms + _plain_terms(question) + _predicate_terms(question.text), corpus)
        soft = _Soft(similarities, query_terms, corpus)
        read = self.reader.read(query, [s.text for s in sentences]) if self.uses_reader and sentences else None
        ranked = self._rank_sentences(question, kind, query, query_vec, sentences, corpus, soft, read)
        cands = []
        if kind in q.TYPED:
            cands = self._candidates(question, kind, query, query_vec, ranked, corpus, lang, soft)
        feats = self._question_features(question, kind, query, ranked, cands, corpus, lang, similarities)
        feats.update(_reader_question_features(read))
        reading = Reading(question, kind, ranked, cands, feats)
        model = self.models.answerable
        reading.answerable_prob = float(model.probabilities([feats])[0]) if model else 1.0
        if _spelled_out(kind, cands, ranked):
            reading.answerable_prob = 1.0
        return reading

    def _rank_sentences(self, question, kind, query, query_vec, sentences, corpus, soft, read=None) -> list[Ranked]:
        if not sentences:
            return []
        reader_probs = read.probabilities()[0] if read is not None else np.full(len(sentences), 1 / len(sentences))
        reader_logits = read.sentence_logits - read.sentence_logits.max() if read is not None \
            else np.zeros(len(sentences))
        vectors = self.scorer.passage_vectors([s.text for s in sentences])
        dense = vectors @ query_vec
        # a follow-up's query carries the previous turn; the question alone says what is new
        own = dense if " ".join(query.split()) == question.text else vectors @ self.scorer.query_vector(question.text)
        best = float(np.max(dense))
        terms = _terms(query)
        own_terms = _terms(question.text)
        bigrams = list(zip(own_terms, own_terms[1:], strict=False))
        quoted = _terms(question.quoted) if question.quoted else []
        ranked = []
        why = bool(_WHY.search(question.text))
        says = bool(_SAYS.search(question.text))
        words_of = [_words(s.text) for s in sentences]
        restating = _restating(sentences, words_of, terms)
        weight = sum(corpus.idf(stem(t)) for t in terms) or 1.0
        for s, words, d, qd, rl, rp in zip(sentences, words_of, dense, own, reader_logits, reader_probs, strict=True):
            matched = [t for t in terms if _found(t, words)]
            has_type = kind in q.TYPED and any(
                _fits(kind, question.unit, sp) for sp in _typed_spans(s.text, kind, question.unit, corpus.vocab)
            )
            pairs = set(zip(words, words[1:], strict=False))
            ranked.append(Ranked(s, float(d), {
                "dense": float(d),
                "dense_gap": float(d) - best,
                "question_dense": float(qd),
                "bigrams": sum(any(_same(a, x) and _same(b, y) for x, y in pairs) for a, b in bigrams) / len(bigrams)
                if bigrams else 0.0,
                "lexical": len(matched) / len(terms) if terms else 0.0,
                "soft_match": soft.match(words),
                "soft_closeness": soft.closeness(words),
                "idf_lexical": sum(corpus.idf(stem(t)) for t in matched) / weight,
                "chunk_rr": 1.0 / s.chunk_rank,
                "has_type": float(has_type),
                "typed_question": float(kind in q.TYPED),
                "quote": sum(_found(t, words) for t in quoted) / len(quoted) if quoted else 0.0,
                # "why": the reason is often given right after the sentence that restates the question
                "why_cause": float(why and bool(_CAUSE.search(s.text))),
                "why_follows": float(why and restating is not None and _directly_after(s, restating)),
                "says_quote": float(says and _quotes_someone(s.text)),
                "lede": float(s.start <= _first_body_offset(corpus.sources.get(s.doc_id, ""))),
                # the trained reader (app/qa/reader): its score against the question's best sentence
                "reader": float(rl),
                "reader_prob": float(rp),
            }))
        model = self.models.sentence
        rows = [r.features for r in ranked]
        raw = model.scores(rows) if model else [r["dense"] + 0.15 * r["lexical"] for r in rows]
        probs = model.probabilities(rows, raw) if model else raw
        for r, p, z in zip(ranked, probs, raw, strict=True):
            r.prob, r.score = float(p), float(z)
        ranked.sort(key=lambda r: -r.prob)
        return ranked

    def _candidates(self, question, kind, query, query_vec, ranked, corpus, lang, soft) -> list[Candidate]:
        terms = _terms(query)
        pool = []
        for rank, r in enumerate(self._candidate_sentences(kind, question, ranked, corpus)):
            text = r.sentence.text
            found = _typed_spans(text, kind, question.unit, corpus.vocab, all_units=True)
            if kind == q.EXPANSION:
                found = [sp for sp in found if sp.cue.lower() in terms]
            pool += [(rank, r, span) for span in found]
        if not pool:
            return []
        asked_offices = _offices(question.text)
        asks_age = question.unit == q.AGE
        asks_year = bool(re.search(r"\b(tahun berapa|what year|which year|in what year|tahun apa)\b",
                                   question.text, re.IGNORECASE))
        out = []
        for rank, r, span in pool:
            text = r.sentence.text
            words = _words(text)
            positions = [i for i, w in enumerate(words) if w in soft.closest or any(_same(t, w) for t in terms)]
            index = len(_words(text[: span.start]))
            width = max(1, len(_words(span.text)))
            near = [p for p in positions if not index <= p < index + width]
            distance = min((abs(p - index) for p in near), default=99)
            window = words[max(0, index - NEAR_WORDS) : index] + words[index + width : index + width + NEAR_WORDS]
            # a figure's unit word ("27 complaints") is what the question asks about, not its subject
            span_words = [w for w in _words(span.text) if len(w) >= 3 and w != span.unit_word]
            in_q = sum(any(_same(t, w) for t in terms) for w in span_words) / len(span_words) if span_words else 0.0
            head_in_q = float(bool(span_words) and any(_same(t, span_words[-1]) for t in terms))
            if span.kind == q.NAME and span_words and (in_q == 1.0 or head_in_q):
                continue  # the name the question gives is who it asks about, not the answer
            if kind == q.NUMBER and not _unit_allowed(question.unit, span, _age_form(text, span)):
                continue  # a share does not answer "how much money", nor a count "how old"
            cue_match, cue_conflict = _cue_agreement(kind, span.cue)
            office = _office_agreement(asked_offices, text, span)
            unit_match, unit_conflict = _unit_agreement(question.unit, span)
            out.append(Candidate(r, span, lang, corpus.years.get(r.sentence.doc_id), {
                "sentence_prob": r.prob,
                "sentence_top": float(rank == 0),
                "context_dense": 0.0,  # below: one encoder call for the candidates kept
                "window_lexical": sum(any(_same(t, w) for w in window) for t in terms) / len(terms) if terms else 0.0,
                "window_soft": soft.match(window),
                "near": 1.0 / (1.0 + distance),
                "in_question": in_q,
                "head_in_question": head_in_q,
                "unit_match": unit_match,
                "unit_conflict": unit_conflict,
                "unit_word_asked": float(bool(span.unit_word) and any(_same(t, span.unit_word) for t in terms)),
                "cue_match": cue_match,
                "office_match": office[0],
                "office_missing": office[1],
                "cue_conflict": cue_conflict,
                "words": min(width, 6) / 6.0,
                "year_fit": float(_is_year(span) == asks_year) if kind == q.DATE else 1.0,
                # news gives ages as "Nurhayati, 34," or "Rohmat (38)": an age answers only "how old"
                "age_fit": float(_age_form(text, span) == asks_age) if kind == q.NUMBER else 1.0,
                "acronym_asked": float(kind == q.EXPANSION and any(t == span.cue.lower() for t in terms)),
                "order": index / max(1, len(words)),
            }))
        if out:  # the candidates' contexts, embedded once the ones the question rules out are gone
            contexts = self.scorer.passage_vectors([_context(c.ranked.sentence.text, c.span) for c in out])
            for c, similarity in zip(out, contexts @ query_vec, strict=True):
                c.features["context_dense"] = float(similarity)
        model = self.models.candidate
        rows = [c.features for c in out]
        raw = model.scores(rows) if model else [r["context_dense"] + r["sentence_prob"] for r in rows]
        probs = model.probabilities(rows, raw) if model else raw
        for c, p, z in zip(out, probs, raw, strict=True):
            c.prob, c.score = float(p), float(z)
        out.sort(key=lambda c: -c.prob)
        return out

    def _candidate_sentences(self, kind, question, ranked, corpus) -> list[Ranked]:
        """The best sentences; a quoted statement's continuation ("...," kata X), where the
        speaker is named; for "what does X stand for", every sentence that spells X out."""
        out = list(ranked[:CANDIDATE_SENTENCES])
        if kind == q.EXPANSION:
            seen = {r.sentence for r in out}
            spelled = {s for t in question.terms for s in corpus.parenthesized.get(t.upper(), ())}
            for s in sorted(spelled - seen, key=lambda s: corpus.positions[(s.doc_id, s.start)]):
                out.append(Ranked(s, 0.0, {}, out[-1].prob if out else 0.0))
        if kind == q.PERSON:
            for r in list(out):
                neighbours = []
                if _open_quote(r.sentence.text):  # "Para pemain ... juara. ...," kata X.
                    neighbours.append(corpus.following(r.sentence))
                if question.quoted and _pronoun_speaker(r.sentence.text):  # "...," she told reporters.
                    neighbours.append(corpus.preceding(r.sentence))
                for n in neighbours:
                    if n is not None and all(o.sentence != n for o in out):
                        out.append(Ranked(n, r.dense, r.features, r.prob))
        return out

    def _question_features(self, question, kind, query, ranked, cands, corpus, lang, similarities) -> dict:
        terms = _plain_terms(question)
        unknown = [t for t in terms if not _known(t, corpus)]
        top = ranked[0] if ranked else None
        second = ranked[1].prob if len(ranked) > 1 else 0.0
        missing = corpus.grounding.missing_names(question.text) if corpus.grounding else []
        same_language = float(lang == corpus.language)
        soft = _Soft(similarities, terms, corpus)
        # what the question says about its subject ("gaji", "how old") must be in the answer's sentence
        answer = cands[0].ranked if cands else top
        predicate = _predicate_terms(question.text)
        words = _words(answer.sentence.text) if answer else []
        pred_soft = _Soft(similarities, predicate, corpus)
        return {
            "top_prob": top.prob if top else 0.0,
            "top_margin": (top.prob - second) if top else 0.0,
            "top_dense": top.dense if top else 0.0,
            "top_lexical": top.features["lexical"] if top else 0.0,
            "top_idf_lexical": top.features["idf_lexical"] if top else 0.0,
            # words the article never uses mean little when the question is in the other language
            "unknown_same_language": (len(unknown) / len(terms) if terms else 1.0) * same_language,
            "unknown_other_language": (len(unknown) / len(terms) if terms else 1.0) * (1 - same_language),
            "missing_names": float(bool(missing)),
            "soft_coverage": soft.coverage(),
            "top_soft_match": top.features["soft_match"] if top else 0.0,
            "predicate_lexical": sum(_found(t, words) for t in predicate) / len(predicate) if predicate else 1.0,
            "predicate_soft": pred_soft.match(words) if predicate else 1.0,
            "answer_dense": answer.dense if answer else 0.0,
            "typed": float(kind in q.TYPED),
            "candidate_prob": cands[0].prob if cands else 0.0,
            "candidate_score": cands[0].score if cands else -5.0,
            "top_score": top.score if top else -5.0,
            "no_candidate": float(kind in q.TYPED and not cands),
            "open": float(kind in (q.OTHER, q.LIST, q.YESNO)),
        }

    # -- writing ---------------------------------------------------------------------
    def compose(self, reading: Reading, lang: str) -> Draft:
        th = self.models.thresholds
        related = [r.sentence for r in reading.sentences[:2]]
        if not reading.sentences:
            return Draft(False, render("refusal", lang), [], related, "nothing retrieved")
        if reading.answerable_prob < th.get("answerable", 0.5):
            return Draft(False, render("refusal", lang), [], related, f"answerable {reading.answerable_prob:.2f}",
                         confidence=self._confidence(reading, "refusal", 1 - reading.answerable_prob))
        best = reading.candidates[0] if reading.candidates else None
        confidence = reading.answerable_prob
        if (
            best
            and best.prob >= th.get("short_answer", 0.5)
            and best.score >= th.get("short_answer_score", float("-inf"))
            and reading.answerable_prob >= th.get("short_answerable", 0.0)
            and not reading.question.multiple
        ):
            text = render("factoid", lang, answer=best.text, marker=slot(0))
            short = (best.text, best.ranked.sentence, best.span, best.prob)
            return Draft(True, text, [best.ranked.sentence], [], "short answer", short,
                         self._confidence(reading, "short", min(confidence, best.prob)))
        # a typed question is answered where its likeliest candidate is
        top = best.ranked if best else reading.sentences[0]
        cited = [top]
        second = next((r for r in reading.sentences if r is not top), None)
        if (
            second is not None
            and reading.kind not in q.TYPED
            and second.prob >= th.get("second_citation", 0.5)
            and second.sentence.doc_id == top.sentence.doc_id
            and len(_words(top.sentence.text)) + len(_words(second.sentence.text)) <= SECOND_MAX_WORDS
        ):
            cited.append(second)
            cited.sort(key=lambda r: r.sentence.start)
        marked = best if best and best.ranked is top and best.prob >= th.get("bold", 0.2) else None
        quotes = " ".join(
            f'"{_bold(r.sentence.text, marked.span) if marked and r is top else r.sentence.text}" {slot(i)}'
            for i, r in enumerate(cited)
        )
        return Draft(True, render("according", lang, quotes=quotes), [r.sentence for r in cited], [],
                     "quote", None, self._confidence(reading, "quote", confidence))

    def _confidence(self, reading: Reading, kind: str, raw: float) -> float:
        return self.models.confidence_of(confidence_features(reading, kind, raw))


# -- helpers ---------------------------------------------------------------------------


def _typed_spans(text: str, kind: str, unit: str, vocab, all_units: bool = False) -> list[spans.Span]:
    found = spans.spans(text, kind, vocab)
    if kind == q.PERSON:  # "Ketua KPU ... Rizal Effendi": the name after the titles is a candidate too
        extra = []
        for s in found:
            offset, name = spans.person_part(s.text)
            if offset:
                extra.append(spans.Span(q.NAME, s.start + offset, s.end, name, cue="person"))
        found = found + extra
    if kind == q.NUMBER and not all_units and unit in (q.PERCENT, q.MONEY):
        found = [s for s in found if s.unit == unit]
    return found


# The languages' own words for asking why, for speaking and for giving a cause.
_WHY = re.compile(r"\b(why|mengapa|kenapa|apa (alasan|sebab|penyebab)|what caused|what was the reason)\b", re.I)
_SAYS = re.compile(r"\b(say|said|says|tell|told|kata|katakan|bilang|ujar|sebut|menyebut|ungkap|mengatakan|"
                   r"menurut|pendapat|respon|tanggapan|comment|react)\w*\b", re.I)
_CAUSE = re.compile(r"\b(karena|sebab|akibat|disebabkan|lantaran|sehingga|oleh karena|because|due to|"
                    r"caused|as a result|after|setelah|since)\b", re.I)
_SPEECH = re.compile(r"[\"“”]|\b(kata|ujar|ungkap|ungkapnya|tutur|jelas|said|says|told)\b", re.I)


def _quotes_someone(text: str) -> bool:
    return bool(_SPEECH.search(text))


def _restating(sentences, words_of, terms) -> Sentence | None:
    """The sentence sharing the most question words (it often restates the question);
    ``words_of`` holds each sentence's words."""
    if not terms or not sentences:
        return None
    scores = [sum(_found(t, words) for t in terms) for words in words_of]
    best = max(range(len(sentences)), key=scores.__getitem__)
    return sentences[best] if scores[best] else None


def _directly_after(s: Sentence, before: Sentence) -> bool:
    return s.doc_id == before.doc_id and s.paragraph == before.paragraph and 0 <= s.start - before.end <= 3


# Offices and titles across the two languages: "the president" asks for a person with
# that office, not for whichever official the article names.
OFFICES = [
    {"president", "presiden"}, {"minister", "menteri"}, {"prime", "perdana"},
    {"governor", "gubernur"}, {"mayor", "walikota", "wali"}, {"regent", "bupati"}, {"king", "raja"},
    {"chairman", "chair", "chairwoman", "ketua"}, {"head", "kepala", "chief"}, {"director", "direktur", "dirut"},
    {"coach", "pelatih"}, {"judge", "hakim"}, {"prosecutor", "jaksa"}, {"ceo"}, {"cfo"}, {"coo"},
    {"founder", "pendiri"}, {"captain", "kapten"}, {"spokesman", "spokesperson", "juru", "jubir"},
    {"general", "jenderal"}, {"vice", "wakil", "deputy"}, {"secretary", "sekretaris"},
    {"driver", "sopir", "pengemudi"}, {"rector", "rektor"}, {"owner", "pemilik"},
]


def _offices(question: str) -> list[set[str]]:
    words = set(_words(question))
    return [office for office in OFFICES if words & office]


def _office_agreement(asked: list[set[str]], sentence: str, span: spans.Span) -> tuple[float, float]:
    """(the name holds the asked office, the question asks for an office the name lacks)."""
    if not asked or span.kind != q.NAME:
        return 0.0, 0.0
    around = set(_words(sentence[max(0, span.start - 60) : span.end]))
    held = all(around & office for office in asked)
    return float(held), float(not held)


_PRONOUN_SPEAKER = re.compile(
    r"\b(he|she|they)\s+(said|says|told|added)\b|\b(said|says|told|added)\s+(he|she|they)\b"
    r"|\b(katanya|ujarnya|ungkapnya|tuturnya|jelasnya|tambahnya)\b|\b(kata|ujar|ungkap|tutur)\s+(dia|ia|beliau)\b",
    re.IGNORECASE,
)


def _pronoun_speaker(text: str) -> bool:
    """ "...," she told reporters: who spoke is named in the sentence before."""
    return bool(_PRONOUN_SPEAKER.search(text))


def _open_quote(text: str) -> bool:
    """The sentence opens a quotation it does not close."""
    return (text.count('"') + text.count("“") + text.count("”")) % 2 == 1


def _fits(kind: str, unit: str, span: spans.Span) -> bool:
    """A span of the asked kind with nothing against it: a name that is not an
    organisation or a place for "who", a figure in the asked unit for "how much"."""
    if kind == q.PERSON:
        return span.cue in ("", "person")
    if kind in (q.PLACE, q.ORG):
        return span.cue in ("", {q.PLACE: "place", q.ORG: "org"}[kind])
    if kind == q.NUMBER:
        return _unit_agreement(unit, span)[1] == 0.0
    return True


def _bold(text: str, span: spans.Span) -> str:
    return f"{text[: span.start]}**{text[span.start : span.end]}**{text[span.end :]}"


_PARENTHESIZED = re.compile(r"\(([^()]*)\)")
_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _terms(text: str) -> list[str]:
    return list(dict.fromkeys(t for t in tokenize(text) if "-" not in t))


@lru_cache(maxsize=1 << 18)  # a pure function of two words, asked for every question word × sentence word
def _same(term: str, word: str) -> bool:
    if term == word:
        return True
    if term[0].isdigit() or word[0].isdigit():
        return term.replace("_", "") == re.sub(r"[.,]", "", word)
    return stem(term) == stem(word) or cognate(term, word)


def _found(term: str, words: list[str]) -> bool:
    return any(_same(term, w) for w in words)


def _known(term: str, corpus: Corpus) -> bool:
    if term in corpus.words or stem(term) in corpus.stems:
        return True
    return len(term) >= 5 and any(cognate(term, w) for w in corpus.words_by_start.get(term[:2], ()))


def _plain_terms(question: q.Question) -> list[str]:
    """The question's words, figures left out."""
    return [t for t in question.terms if not t[0].isdigit()]


def _predicate_terms(question: str) -> list[str]:
    """The question's own lower-case content words: what it asks about its subject, names
    (capitalised words) left out ("Berapa gaji CEO Budi?" → "gaji")."""
    names = {w.lower() for w in re.findall(r"\b[A-Z][\w'’-]*", question[1:])}
    return [t for t in _terms(question) if t not in names and _content_word(t) and t not in q.QUESTION_WORDS]


def _content_word(word: str) -> bool:
    return len(word) >= 3 and word.isalpha() and word not in STOPWORDS


class _WordSimilarities:
    """Query-side vectors of a question's words against the passage-side vectors of every
    library word: one matrix product per question, shared by every soft feature (the product
    reads the whole library vocabulary, whatever the number of words)."""

    def __init__(self, scorer, words: list[str], corpus: Corpus):
        self.words = [w for w in dict.fromkeys(words) if _content_word(w)]
        self.row = {w: i for i, w in enumerate(self.words)}
        self.sims = None
        if self.words and corpus.vocabulary_vectors is not None:
            self.sims = scorer.word_vectors(self.words) @ corpus.vocabulary_vectors.T
            self.best = self.sims.max(axis=1)
            self.nearest = self.sims.argmax(axis=1)


class _Soft:
    """Soft matches of the question's words against the library's words.

    For each question word, its similarity to a sentence's best word minus its similarity
    to the best word of the whole library: 0 when the sentence holds the word the model
    finds closest (its translation, a typo's correction), negative otherwise. Comparing
    with the word's own best match cancels out how close that word is to everything."""

    def __init__(self, similarities: _WordSimilarities, terms: list[str], corpus: Corpus):
        self.terms = [t for t in terms if _content_word(t)]
        self.index = corpus.vocabulary_index or {}
        self.closest: set[str] = set()
        if not self.terms or similarities.sims is None:
            self.sims = None
            return
        rows = [similarities.row[t] for t in self.terms]
        self.sims = similarities.sims[rows]
        self.best = similarities.best[rows]
        vocabulary = corpus.vocabulary
        self.closest = {vocabulary[i] for i in similarities.nearest[rows]}  # each word's nearest library word

    def gaps(self, words: list[str]) -> np.ndarray:
        ix = [self.index[w] for w in set(words) if w in self.index]
        if self.sims is None or not ix:
            return np.full(len(self.terms), -1.0)
        return self.sims[:, ix].max(axis=1) - self.best

    def match(self, words: list[str]) -> float:
        """Share of question words whose closest library word is among ``words``."""
        return float(np.mean(self.gaps(words) >= 0)) if self.terms else 0.0

    def closeness(self, words: list[str]) -> float:
        return float(np.mean(self.gaps(words))) if self.terms else -1.0

    def coverage(self) -> float:
        """How close the question's words come to the library at all."""
        return float(np.mean(self.best)) if self.sims is not None else 0.0


def _first_body_offset(source: str) -> int:
    """End of the first sentence after the title line (the lede)."""
    body = source.find("\n") + 1
    m = re.search(r"[.!?](\s|$)", source[body:])
    return body + (m.end() if m else len(source))


def _context(sentence: str, span: spans.Span) -> str:
    """The words a candidate belongs to: a few before it in its clause, and for names a
    few after ("... disaksikan 68.215 penonton", "Andi Rahmat mengatakan hujan")."""
    left = re.split(r"[,;:()]", sentence[: span.start])[-1].split()[-5:]
    right = re.split(r"[,;:()]", sentence[span.end :])[0].split()[:3] if span.kind == q.NAME else []
    text = " ".join(left + right).strip()
    return text or span.text


# A person question's spans (every name, and each name after its titles) include those of the
# other name kinds (place, organisation, name): one pass over each extractor.
_SPAN_KINDS = (q.DATE, q.TIME, q.NUMBER, q.EXPANSION, q.PERSON)


def candidate_contexts(sentences: list[str], vocab) -> list[str]:
    """The context of every span a typed question could take as its answer in ``sentences``
    (every kind, every unit): embedded along with the library, so that reading a question's
    candidates embeds nothing."""
    out: dict[str, None] = {}
    for text in sentences:
        for kind in _SPAN_KINDS:
            for span in _typed_spans(text, kind, q.ANY, vocab, all_units=True):
                out.setdefault(_context(text, span), None)
    return list(out)


def sentences_with_words(sentences: list[str], words) -> list[str]:
    """The sentences holding any of ``words`` (lower case), as ``_words`` reads them."""
    words = set(words)
    return [text for text in sentences if not words.isdisjoint(_words(text))] if words else []


def _cue_agreement(kind: str, cue: str) -> tuple[float, float]:
    wanted = {q.PERSON: "person", q.PLACE: "place", q.ORG: "org"}.get(kind)
    if wanted is None or not cue:
        return 0.0, 0.0
    return float(cue == wanted), float(cue != wanted)


def _unit_agreement(unit: str, span: spans.Span) -> tuple[float, float]:
    if not unit or span.kind != q.NUMBER:
        return 0.0, 0.0
    if unit in (q.PERCENT, q.MONEY):
        return float(span.unit == unit), float(span.unit != unit)
    if unit in (q.COUNT, q.DURATION, q.AGE):
        return float(span.unit in (q.COUNT, q.ANY)), float(span.unit in (q.PERCENT, q.MONEY))
    return 0.0, 0.0


_AGE_FORM = re.compile(r"[A-Z][\w'’-]*(,\s*|\s*\()$")


def _spelled_out(kind: str, cands: list, ranked: list) -> bool:
    """The article literally holds what was asked: the acronym in brackets after its
    expansion, or every word of a quotation the question gives. No model is needed to
    know such a question is answerable."""
    if kind == q.EXPANSION:
        return bool(cands) and cands[0].features["acronym_asked"] == 1.0
    return bool(ranked) and ranked[0].features["quote"] == 1.0


def _unit_allowed(asked: str, span: spans.Span, age_form: bool) -> bool:
    """Answer-type checking for figures: the asked unit rules out the others."""
    if asked == q.AGE:
        return age_form
    if asked in (q.PERCENT, q.MONEY):
        return span.unit == asked
    if asked in (q.COUNT, q.DURATION):
        return span.unit not in (q.PERCENT, q.MONEY) and not age_form
    return True


_AGE_WORD = re.compile(r"\b(berusia|berumur|usia|umur|aged|age)\s*$", re.IGNORECASE)


def _age_form(sentence: str, span: spans.Span) -> bool:
    if _AGE_WORD.search(sentence[max(0, span.start - 12) : span.start]):
        return True  # "berusia 45 tahun", "aged 15"
    after = sentence[span.end : span.end + 2]
    return (
        bool(re.fullmatch(r"\d{1,3}", span.text.split()[0]))
        and bool(_AGE_FORM.search(sentence[max(0, span.start - 40) : span.start]))
        and (after[:1] in (",", ")") or after == "")
    )


def _is_year(span: spans.Span) -> bool:
    return bool(re.fullmatch(r"(?:(?:tahun|year)\s+)?\d{4}(?:/\d{4})?", span.text.strip(), re.IGNORECASE))


def build_corpus(chunks, documents: dict, grounding, sentences_of_chunks, scorer=None) -> Corpus:
    sentences = sentences_of_chunks(chunks)
    texts = [s.text for s in sentences] + [d.title for d in documents.values()]
    df: Counter = Counter()
    words: set[str] = set()
    for text in texts:
        ws = set(_words(text))
        words |= ws
        df.update({stem(w) for w in ws})
    from app.qa import language

    vocabulary = tuple(sorted(w for w in words if _content_word(w)))
    vectors = scorer.passage_vectors(list(vocabulary)) if scorer is not None and vocabulary else None
    corpus = Corpus(
        vocabulary=vocabulary,
        vocabulary_vectors=vectors,
        vocabulary_index={w: i for i, w in enumerate(vocabulary)},
        all_sentences=tuple(sentences),
        positions={(s.doc_id, s.start): i for i, s in enumerate(sentences)},
        language=language.detect(" ".join(texts)[:3000], fallback="id"),
        sources={doc_id: doc.text for doc_id, doc in documents.items()},
        vocab=ordinary_words(texts),
        years={doc_id: spans.article_year(doc.text) for doc_id, doc in documents.items()},
        stems=frozenset(df),
        words=frozenset(words),
        df=df,
        sentences=len(texts),
        grounding=grounding,
    )
    corpus.words_by_start, corpus.parenthesized  # noqa: B018 - built with the corpus, not by its first question
    return corpus


def ordinary_words(sentences: list[str]) -> frozenset[str]:
    """Lower-cased words that are not names: seen in lower case, or capitalised only when
    starting a sentence ("Sementara itu", "Kedekatan ini")."""
    lower, capital_inside, capital_first = set(), set(), set()
    for sentence in sentences:
        for i, word in enumerate(re.findall(r"[^\W\d_][\w-]*", sentence)):
            if word[0].islower():
                lower.add(word.lower())
            elif i == 0:
                capital_first.add(word.lower())
            else:
                capital_inside.add(word.lower())
    return frozenset(lower | (capital_first - capital_inside))


def _reader_question_features(read) -> dict:
    """The reader's view of the whole question: how likely "no answer" is against the retrieved
    sentences, and how sure it is of its best one. Without a reader (an assistant built over a
    fake embedder in tests; the app always passes one) these and the sentence features take
    neutral values: every sentence scores the same."""
    if read is None or not len(read.sentence_logits):
        return {"reader_null": 0.5, "reader_top": 0.5}
    probs, null = read.probabilities()
    return {"reader_null": null, "reader_top": float(probs.max())}


REPLY_KINDS = ("refusal", "short", "quote")


def confidence_features(reading: Reading, kind: str, raw: float) -> dict:
    """What the confidence model reads: the reply's kind and raw score (the answerable
    probability, or the short answer's share), per kind, and how sure each model was."""
    clipped = min(max(raw, 1e-4), 1 - 1e-4)
    logit = math.log(clipped / (1 - clipped))
    top = reading.sentences[0].prob if reading.sentences else 0.0
    best = reading.candidates[0].prob if reading.candidates else 0.0
    row = {"raw": raw}
    for k in REPLY_KINDS:
        row[f"is_{k}"] = float(kind == k)
        row[f"logit_{k}"] = logit if kind == k else 0.0
    row |= {"top_sentence": top, "candidate": best, "typed": float(reading.kind in q.TYPED),
            "reader_null": reading.features.get("reader_null", 0.5),
            "reader_top": reading.features.get("reader_top", 0.5)}
    return row
