"""The answerer's logic with a deterministic fake scorer: features, models, replies."""

import hashlib
import re

import numpy as np
import pytest

from app.qa import model
from app.qa import question as q
from app.qa.answerer import Answerer, build_corpus
from app.qa.citations import number_slots
from app.qa.evidence import Sentence, sentences_of_chunks
from app.qa.grounding import Grounding
from index.chunking import chunk_document
from index.documents import make_document

TEXT = (
    "Banjir Melanda Kota Contoh\n"
    "Banjir melanda Kota Contoh pada Senin (13/1) dan menewaskan 14 orang. "
    "Kepala BPBD Andi Rahmat mengatakan hujan turun selama 30 jam.\n"
    "Bantuan senilai Rp2,5 miliar disalurkan pada Rabu (15/1/2025)."
)


class BagOfWordsScorer:
    """Vectors from hashed words: texts sharing words are similar, nothing else is."""

    def _vec(self, text):
        v = np.zeros(64, dtype=np.float32)
        for w in re.findall(r"\w+", text.lower()):
            v[int(hashlib.md5(w.encode()).hexdigest(), 16) % 64] += 1
        n = np.linalg.norm(v)
        return v / n if n else v

    def passage_vectors(self, texts):
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, 64), np.float32)

    word_vectors = passage_vectors

    def query_vector(self, text):
        return self._vec(text)


class BagOfWordsReader:
    """The reader's interface over the same vectors: cosine × 20, "no answer" at cosine 0.5."""

    def __init__(self, scorer):
        self.scorer = scorer

    def read(self, query, sentences):
        from app.qa.reader.serve import Reading

        sims = self.scorer.passage_vectors(sentences) @ self.scorer.query_vector(query)
        return Reading(20.0 * sims.astype(np.float64), 10.0)


@pytest.fixture
def setup():
    doc = make_document(TEXT, doc_id="contoh")
    chunks = chunk_document(doc)
    scorer = BagOfWordsScorer()
    grounding = Grounding(scorer, [c.text for c in chunks] + [doc.title])
    corpus = build_corpus(chunks, {doc.id: doc}, grounding, sentences_of_chunks, scorer)
    sentences = [Sentence(s.doc_id, s.title, s.paragraph, s.start, s.end, s.text, 1) for s in corpus.all_sentences]
    return scorer, corpus, sentences, doc


def read(setup, text, models=None, lang="id"):
    scorer, corpus, sentences, _ = setup
    answerer = Answerer(scorer, models or model.load(), BagOfWordsReader(scorer))
    asked = q.analyse(text)
    return answerer, answerer.read(asked, asked.type, text, scorer.query_vector(text), sentences, corpus, lang)


def test_features_match_the_shipped_weights(setup):
    """Changing a feature without retraining (python -m app.qa.train) fails here."""
    weights = model.load()
    _, reading = read(setup, "Berapa orang tewas akibat banjir?")
    assert set(weights.sentence.names) == set(reading.sentences[0].features)
    assert set(weights.candidate.names) == set(reading.candidates[0].features)
    assert set(weights.answerable.names) == set(reading.features)
    assert {"answerable", "short_answer", "short_answer_score", "short_answerable", "bold", "second_citation"} <= set(
        weights.thresholds
    )


def test_sentence_and_candidate_probabilities_are_distributions(setup):
    _, reading = read(setup, "Kapan bantuan disalurkan?")
    assert sum(r.prob for r in reading.sentences) == pytest.approx(1.0)
    assert sum(c.prob for c in reading.candidates) == pytest.approx(1.0)
    assert all(c.span.text in c.ranked.sentence.text for c in reading.candidates)


def test_the_subject_of_the_question_is_never_its_answer(setup):
    _, reading = read(setup, "Siapa yang ditemui Andi Rahmat?")
    assert all("Rahmat" not in c.span.text for c in reading.candidates)


def with_thresholds(**values):
    base = model.load()
    return model.Models(base.sentence, base.candidate, base.answerable, {**base.thresholds, **values})


def test_reply_kinds_follow_the_thresholds(setup):
    _, _, _, doc = setup
    sources = {doc.id: doc.text}
    question = "Berapa nilai bantuan yang disalurkan?"

    answerer, reading = read(setup, question, with_thresholds(answerable=1.01))
    refusal = answerer.compose(reading, "id")
    assert not refusal.answerable and refusal.cited == [] and refusal.related

    thresholds = with_thresholds(answerable=0.0, short_answer=0.0, short_answer_score=-1e9, short_answerable=0.0)
    answerer, reading = read(setup, question, thresholds, lang="en")
    short = answerer.compose(reading, "en")
    text, citations = number_slots(short.text, short.cited, sources)
    assert short.short is not None and text.startswith(short.short[0]) and text.endswith("[1]")
    assert short.short[0] in ("Rp2.5 billion", "14 orang", "30 jam")

    answerer, reading = read(setup, question, with_thresholds(answerable=0.0, short_answer=1.01, bold=0.0))
    quoted = answerer.compose(reading, "id")
    text, citations = number_slots(quoted.text, quoted.cited, sources)
    assert quoted.short is None and text.startswith("Menurut artikel:") and "**" in text
    assert text.replace("**", "").count('"') == 2 * len(citations)
    for c in citations:
        assert doc.text[c.start : c.end] == c.text


def test_two_questions_at_once_are_quoted_not_shortened(setup):
    thresholds = with_thresholds(answerable=0.0, short_answer=0.0, short_answer_score=-1e9, short_answerable=0.0)
    answerer, reading = read(setup, "Kapan dan di mana banjir terjadi?", thresholds)
    assert answerer.compose(reading, "id").short is None


def test_the_warm_up_lists_every_context_a_candidate_can_have(article_text):
    """``candidate_contexts`` (embedded with the library) covers what reading any typed
    question embeds: every kind, every unit, on the bundled article and the one above."""
    from app.qa.answerer import _context, _typed_spans, candidate_contexts, ordinary_words

    for source in (article_text, TEXT):
        doc = make_document(source, doc_id="d")
        texts = [s.text for s in sentences_of_chunks(chunk_document(doc))]
        vocab = ordinary_words(texts)
        listed = set(candidate_contexts(texts, vocab))
        units = (q.PERCENT, q.MONEY, q.COUNT, q.DURATION, q.AGE, q.ANY, "")
        read = {_context(t, span) for t in texts for kind in q.TYPED for unit in units
                for span in _typed_spans(t, kind, unit, vocab, all_units=True)}
        assert read and read <= listed
